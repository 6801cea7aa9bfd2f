import { rlpEncode } from '../codec/rlp'
import { decodeResponse, list, malformed } from './messages'

/**
 * Wire form of the pending-transactions exchange (`…/sync-pool/1.0.0`), asked of every new direct
 * peer (go-ethereum announces its pool to a new peer the same way): request empty; response RLP
 * `[rawTx…]`, every transaction in the server's mempool (each sender's by nonce, so queued ones
 * whose gap the receiver can fill get in too), each as its signed bytes, cut at `MAX_POOL_TXS` or `MAX_POOL_BYTES`. The receiver admits each through its own mempool's
 * checks, like a gossiped transaction.
 */

/** Most transactions one pool answer carries. */
export const MAX_POOL_TXS = 1_024
/** Byte budget of one pool answer's transactions (under the sync protocols' 3 MiB response cap). */
export const MAX_POOL_BYTES = 2 * 1024 * 1024

/** Throws `SYNC_MALFORMED` for a non-empty request (the exchange takes no parameters). */
export function checkPoolRequest(bytes: Uint8Array): void {
  if (bytes.byteLength !== 0) throw malformed('pool request', 'takes no body')
}

/** The answer: `raws` in order until either budget would be exceeded. */
export function encodePoolResponse(raws: readonly Uint8Array[]): Uint8Array {
  const out: Uint8Array[] = []
  let bytes = 0
  for (const raw of raws) {
    if (out.length >= MAX_POOL_TXS || bytes + raw.byteLength > MAX_POOL_BYTES) break
    out.push(raw)
    bytes += raw.byteLength
  }
  return rlpEncode(out)
}

/**
 * The raw transactions of a pool answer (each still to be checked by the mempool). Throws
 * `SYNC_RESPONSE_TOO_LARGE` before decoding, `SYNC_MALFORMED` for another shape or more than the budgets.
 */
export function decodePoolResponse(bytes: Uint8Array): Uint8Array[] {
  const what = 'pool response'
  // The list prefix and each item's prefix come on top of the transactions' own bytes.
  const max = MAX_POOL_BYTES + 9 * (MAX_POOL_TXS + 1)
  const item = list(decodeResponse(bytes, what, max), what)
  if (item.length > MAX_POOL_TXS) throw malformed(what, `more than ${MAX_POOL_TXS} transactions`)
  return item.map((raw, i) => {
    if (!(raw instanceof Uint8Array)) throw malformed(what, `transaction ${i} is not a byte string`)
    return raw
  })
}
