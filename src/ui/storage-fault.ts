/** What the storage banner says of a fault: what stopped, and what the user can do. */
export interface StorageFaultNotice {
  readonly headline: string
  readonly advice: string
}

/**
 * The banner's words for the storage fault `code` (a `StorageErrorType` code). Only a full quota is the
 * device's space; a database the browser closed (site data cleared, or a newer version of the app
 * opened it in another tab) may no longer hold what was saved. Pure.
 */
export function storageFaultNotice(code: string): StorageFaultNotice {
  switch (code) {
    case 'STORAGE_QUOTA_EXCEEDED':
      return {
        headline: 'This device’s storage for the app is full: new blocks are no longer saved.',
        advice:
          'The chain saved so far is intact and the node keeps running in memory. Free up space (or allow this site more storage) and reload to save again.',
      }
    case 'STORAGE_CLOSED':
      return {
        headline: 'The browser closed this tab’s database: new blocks are no longer saved.',
        advice:
          'A newer version of the app opened it in another tab, or this site’s data was cleared. The node keeps running in memory; reload to save again.',
      }
    default:
      return {
        headline: 'Saving the chain on this device stopped.',
        advice:
          'The chain saved so far is intact and the node keeps running in memory. Reload to try saving again.',
      }
  }
}
