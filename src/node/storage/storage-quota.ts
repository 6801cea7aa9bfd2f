/** The parts of `navigator.storage` the node uses; each may be missing (older browsers, some workers). */
export interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>
  persisted?(): Promise<boolean>
  /** Window only: a dedicated worker's `navigator.storage` has no `persist()`. */
  persist?(): Promise<boolean>
}

/** What the node panel shows about storage. Fields are undefined where the browser does not tell. */
export interface StorageStatus {
  /** Bytes this origin uses. */
  readonly usage?: number
  /** Bytes this origin may use. */
  readonly quota?: number
  /** Whether the browser will keep the data under storage pressure. */
  readonly persisted?: boolean
}

function defaultManager(): StorageManagerLike | undefined {
  return typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageManagerLike | undefined)
}

/**
 * Usage, quota and persistence of the origin's storage (`navigator.storage.estimate()` and
 * `persisted()`, both available in workers). Never throws: what cannot be learned is left undefined.
 */
export async function storageStatus(manager = defaultManager()): Promise<StorageStatus> {
  if (manager === undefined) return {}
  const [estimate, persisted] = await Promise.all([
    manager.estimate?.().catch(() => undefined),
    manager.persisted?.().catch(() => undefined),
  ])
  return {
    ...(estimate?.usage === undefined ? {} : { usage: estimate.usage }),
    ...(estimate?.quota === undefined ? {} : { quota: estimate.quota }),
    ...(persisted === undefined ? {} : { persisted }),
  }
}

/**
 * Asks the browser to keep the origin's data under storage pressure (`navigator.storage.persist()`).
 * Resolves true when granted, false when refused or unsupported (as in a worker: call it on the page).
 */
export async function requestPersistence(manager = defaultManager()): Promise<boolean> {
  if (manager?.persist === undefined) return false
  return manager.persist().catch(() => false)
}
