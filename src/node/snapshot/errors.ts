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

/** Typed error of src/node/snapshot; branch on `err.type.code`. */
export class SnapshotError extends NodeError<SnapshotErrorType> {
  override name = 'SnapshotError'
}
