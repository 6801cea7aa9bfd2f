import { NodeError } from '../rpc/errors'

/** Why a storage call failed. Branch on `code`; the other fields are details for the UI and logs. */
export type StorageErrorType =
  /** The origin's quota is full. `needed` is an estimate of the bytes the refused write held. */
  | { readonly code: 'STORAGE_QUOTA_EXCEEDED'; readonly needed?: number }
  /** The database holds another chain (chain id or genesis hash differ from the expected ones). */
  | {
      readonly code: 'STORAGE_WRONG_CHAIN'
      readonly expectedChainId: number
      readonly foundChainId: number
      readonly expectedGenesis: string
      readonly foundGenesis: string
    }
  /** The repository was closed (by `close()`, or by the browser / another tab upgrading the database). */
  | { readonly code: 'STORAGE_CLOSED' }
  /** A write transaction aborted; nothing of it was stored. */
  | { readonly code: 'STORAGE_ABORTED'; readonly reason: string }
  /** Stored data does not have the shape this code wrote, or the schema is newer than this code. */
  | { readonly code: 'STORAGE_CORRUPT'; readonly reason: string }
  /** No IndexedDB here, or opening it failed (private mode, blocked by another connection). */
  | { readonly code: 'STORAGE_UNAVAILABLE'; readonly reason: string }
  /**
   * Another node (the worker of a tab that is closing or reloading) still holds the profile's writer lock
   * after `waitedMs`: this one does not open the database, so only one node ever writes to it.
   */
  | { readonly code: 'STORAGE_IN_USE'; readonly profileId: string; readonly waitedMs: number }

/**
 * What a storage error says to the person reading it (the node's failed screen shows a start's as it
 * is): a sentence, not the code and its fields.
 */
function storageMessage(type: StorageErrorType): string {
  switch (type.code) {
    case 'STORAGE_QUOTA_EXCEEDED':
      return type.needed === undefined
        ? "the device's storage for the app is full"
        : `the device's storage for the app is full: a write of about ${type.needed} bytes was refused`
    case 'STORAGE_WRONG_CHAIN':
      return `the database holds chain ${type.foundChainId} (genesis ${type.foundGenesis}), not chain ${type.expectedChainId} (genesis ${type.expectedGenesis})`
    case 'STORAGE_CLOSED':
      return 'the database was closed'
    case 'STORAGE_ABORTED':
      return `a write was aborted, nothing of it stored: ${type.reason}`
    case 'STORAGE_CORRUPT':
      return `the stored data is damaged: ${type.reason}`
    case 'STORAGE_UNAVAILABLE':
      return `the database cannot be opened: ${type.reason}`
    case 'STORAGE_IN_USE':
      return `another tab's node still has this profile's data open (waited ${type.waitedMs} ms for it to close): reload this tab in a moment`
  }
}

/** The one error type the storage layer throws. Its message is a sentence (`storageMessage`). */
export class StorageError extends NodeError<StorageErrorType> {
  override name = 'StorageError'

  constructor(type: StorageErrorType, message?: string) {
    super(type, message ?? storageMessage(type))
  }
}

function errorName(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('name' in thrown)) return undefined
  return typeof thrown.name === 'string' ? thrown.name : undefined
}

function errorMessage(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`
  if (typeof thrown === 'object' && thrown !== null && 'message' in thrown) return String(thrown.message)
  return String(thrown)
}

/**
 * Maps what IndexedDB (or a write hook) threw to a `StorageError`: a `QuotaExceededError` DOMException
 * becomes `STORAGE_QUOTA_EXCEEDED` (`needed`: the caller's estimate of the refused write's bytes), anything
 * else `STORAGE_ABORTED`. StorageErrors pass through.
 */
export function toStorageError(thrown: unknown, needed?: number): StorageError {
  if (thrown instanceof StorageError) return thrown
  const name = errorName(thrown)
  if (name === 'QuotaExceededError') {
    return new StorageError(
      needed === undefined ? { code: 'STORAGE_QUOTA_EXCEEDED' } : { code: 'STORAGE_QUOTA_EXCEEDED', needed },
    )
  }
  return new StorageError({ code: 'STORAGE_ABORTED', reason: errorMessage(thrown) })
}
