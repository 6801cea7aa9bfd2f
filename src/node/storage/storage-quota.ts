/** The parts of `navigator.storage` the node uses; each may be missing (older browsers, some workers). */
export interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>
  persisted?(): Promise<boolean>
  /** Window only: a dedicated worker's `navigator.storage` has no `persist()`. */
  persist?(): Promise<boolean>
}

import type { StorageErrorType } from './errors'

/** Why the node stopped saving the chain on this device (e.g. the quota is full). */
export interface StorageFault {
  readonly code: StorageErrorType['code']
  readonly message: string
}

/** What the node panel shows about storage. Fields are undefined where the browser does not tell. */
export interface StorageStatus {
  /** Set once saving stopped: the stored chain stays as it was, the node goes on in memory. */
  readonly fault?: StorageFault
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
