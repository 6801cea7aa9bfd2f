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

/**
 * What a sync error says to the person reading it: a peer's refusal travels as the reason of the
 * requester's `NET_REQUEST_FAILED`, which a light tab shows as why a read is not verified; a sentence,
 * not the code and its fields.
 */
function syncMessage(type: SyncErrorType): string {
  switch (type.code) {
    case 'SYNC_MALFORMED':
      return `malformed ${type.what}: ${type.reason}`
    case 'SYNC_REQUEST_TOO_LARGE':
      return `the ${type.what} asks for ${type.asked} items, more than the ${type.max} one answer carries`
    case 'SYNC_RESPONSE_TOO_LARGE':
      return `an answer of ${type.size} bytes is over the limit of ${type.max}`
    case 'SYNC_RATE_LIMITED':
      return `too many requests from ${type.peerId}: asked again in ${Math.ceil(type.retryInMs / 1000)} s`
    case 'SYNC_NOT_HELD':
      return `${type.what} from block ${type.from} are not held here`
  }
}

/** Typed error of src/node/sync; branch on `err.type.code`. Its message is a sentence (`syncMessage`). */
export class SyncError extends NodeError<SyncErrorType> {
  override name = 'SyncError'

  constructor(type: SyncErrorType, message?: string) {
    super(type, message ?? syncMessage(type))
  }
}
