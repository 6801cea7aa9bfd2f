import { NodeError } from '../rpc/errors'

export type SyncErrorType =
  /** A sync request or response that does not decode, or breaks the protocol's shape. */
  | { readonly code: 'SYNC_MALFORMED'; readonly what: string; readonly reason: string }
  /** A request asking for more than one response may carry (refused, not truncated). */
  | {
      readonly code: 'SYNC_REQUEST_TOO_LARGE'
      readonly what: string
      readonly asked: number
      readonly max: number
    }
  /** A response larger than the protocol allows, refused before decoding. */
  | { readonly code: 'SYNC_RESPONSE_TOO_LARGE'; readonly size: number; readonly max: number }
  /** The serving node answers this peer's requests no faster than its rate limit. */
  | { readonly code: 'SYNC_RATE_LIMITED'; readonly peerId: string; readonly retryInMs: number }
  /** The server does not hold part of the range asked for (a chain started from a snapshot, or still loading). */
  | { readonly code: 'SYNC_NOT_HELD'; readonly what: string; readonly from: bigint }

/** Typed error of src/node/sync; branch on `err.type.code`. */
export class SyncError extends NodeError<SyncErrorType> {
  override name = 'SyncError'
}
