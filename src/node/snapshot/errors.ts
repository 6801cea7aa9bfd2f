import type { Hex } from 'viem'
import { NodeError } from '../rpc/errors'

export type SnapshotErrorType =
  /** A chunk whose nodes do not hash up to the subtree asked for, or are not tree nodes. */
  | { readonly code: 'SNAPSHOT_BAD_CHUNK'; readonly reason: string }
  /** No connected peer could serve this subtree (each failed, refused or lacks it); retry later. */
  | { readonly code: 'SNAPSHOT_NO_PEER'; readonly nodeHash: Hex; readonly tried: number }
  /** A node of the snapshot is missing from storage after the download said it was stored. */
  | { readonly code: 'SNAPSHOT_INCOMPLETE'; readonly nodeHash: Hex }
  /** The state rebuilt from the downloaded leaves does not have the header's state root. */
  | { readonly code: 'SNAPSHOT_ROOT_MISMATCH'; readonly expected: Hex; readonly got: Hex }
  /** No header deep enough to snapshot, or a peer's headers that do not link or lack work. */
  | { readonly code: 'SNAPSHOT_NO_TARGET'; readonly reason: string }

/**
 * What a snapshot error says to the person reading it (a failed upgrade is logged with it, and a
 * refused peer's reason carries the message of what was wrong): a sentence, not the code and its fields.
 */
function snapshotMessage(type: SnapshotErrorType): string {
  switch (type.code) {
    case 'SNAPSHOT_BAD_CHUNK':
      return `a snapshot chunk is refused: ${type.reason}`
    case 'SNAPSHOT_NO_PEER':
      return type.tried === 0
        ? `no peer to ask for the state under node ${type.nodeHash}`
        : `no peer could serve the state under node ${type.nodeHash} (${type.tried} asked)`
    case 'SNAPSHOT_INCOMPLETE':
      return `the downloaded state lacks node ${type.nodeHash}: it was not stored`
    case 'SNAPSHOT_ROOT_MISMATCH':
      return `the downloaded state has root ${type.got}, not the header's ${type.expected}`
    case 'SNAPSHOT_NO_TARGET':
      return `no block to take the state from: ${type.reason}`
  }
}

/** Typed error of src/node/snapshot; branch on `err.type.code`. Its message is a sentence (`snapshotMessage`). */
export class SnapshotError extends NodeError<SnapshotErrorType> {
  override name = 'SnapshotError'

  constructor(type: SnapshotErrorType, message?: string) {
    super(type, message ?? snapshotMessage(type))
  }
}
