import type { Address, Hex } from 'viem'
import { bigintToBytes, bytesToBigint, fromHex, toHex } from '../codec/bytes'
import { type RlpItem, rlpEncode } from '../codec/rlp'
import { SyncError } from './errors'
import { decodeRequest, decodeResponse, malformed } from './messages'

/**
 * Wire forms of the proof protocols that light nodes ask full nodes (request/response):
 *
 * - state proofs (`sync-proof`): request RLP `[blockHash, [logicalKey…]]` (a logical key of
 *   `state/keys.ts`: tag ‖ fields, as bytes); response RLP `[0]` when the server has no state for that
 *   block, else `[1, [[node…]…]]`, one proof (the trie node encodings from the root down) per key, in
 *   request order.
 * - inclusion proofs (`sync-inclusion`): request RLP `[txHash…]`; response RLP `[entry…]`, one per
 *   hash: `[]` when the server has no canonical transaction with that hash, else
 *   `[blockHash, index, count, rawTx, [txSibling…], receipt, [receiptSibling…]]` — the transaction's
 *   bytes with its Merkle path to the header's transactions root, and its receipt's consensus
 *   encoding (`codec/receipt.ts`) with its path to the receipts root.
 * - block receipts (`sync-receipts`): request RLP `[blockHash…]`; response RLP `[entry…]`, one per hash
 *   in request order, and possibly fewer (the rest did not fit the response budget: ask again): `[]`
 *   when the server holds no such canonical block, else `[[txHash…], [receipt…]]` — every transaction
 *   hash of the block and every receipt's consensus encoding, in block order, which the client checks
 *   against the header's transactions and receipts roots. What a light node reads logs from.
 * - an address's transactions (`sync-activity`, versions 3 and 2, the same wire form): request RLP
 *   `[address, limit]`; response RLP `[txHash…]`, at most `limit`, newest first: the canonical
 *   transactions the address sent, received, or is a side of a token `Transfer` in, and in version 3 those
 *   whose HTLC `Redeemed` / `Refunded` log paid it (the lock's recipient / sender), whoever sent them.
 *   Nothing proves the list whole; the client proves each entry (`sync-inclusion`) and checks that it
 *   touches the address — from the transaction and its receipt, or for a payout from the lock's record
 *   (`sync-proof`, at the newest such row's block). Version 2, for clients that cannot check a payout,
 *   leaves those rows out.
 */

/** Most keys one state-proof request may ask. */
export const MAX_PROOF_KEYS = 64
/** Most transactions one inclusion request may ask. */
export const MAX_INCLUSION_TXS = 32
/** Most blocks one block-receipts request may ask. */
export const MAX_RECEIPT_BLOCKS = 32
/** Most transaction hashes one address-activity request may ask (a node's list queries' most). */
export const MAX_ACTIVITY_TXS = 200
/** Longest logical key: tag + token + owner + spender (allowance). */
const MAX_LOGICAL_KEY_BYTES = 61
/** Deepest proof accepted: the tree's paths are 256 bits, so at most 256 branches and a leaf. */
const MAX_PROOF_NODES = 257

export interface StateProofRequest {
  readonly blockHash: Hex
  /** Logical keys, lower-case hex without `0x` (as `state/keys.ts` builds them). */
  readonly keys: readonly string[]
}

/** `null` when the server holds no state for the block. */
export type StateProofResponse = readonly (readonly Hex[])[] | null

export interface InclusionEntry {
  readonly blockHash: Hex
  readonly index: number
  readonly count: number
  readonly rawTx: Hex
  readonly txSiblings: readonly Hex[]
  /** The receipt's consensus encoding (`encodeReceipt`). */
  readonly receipt: Hex
  readonly receiptSiblings: readonly Hex[]
}

/** Every transaction hash and receipt of one block, in block order. */
export interface BlockReceiptsEntry {
  readonly txHashes: readonly Hex[]
  /** Consensus encodings (`encodeReceipt`). */
  readonly receipts: readonly Hex[]
}

function list(item: RlpItem | undefined, what: string, field: string): RlpItem[] {
  if (!Array.isArray(item)) throw malformed(what, `${field} is not a list`)
  return item
}

function bytes(item: RlpItem | undefined, what: string, field: string, length?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw malformed(what, `${field} is not a byte string`)
  if (length !== undefined && item.byteLength !== length)
    throw malformed(what, `${field} is not ${length} bytes`)
  return item
}

function smallUint(item: RlpItem | undefined, what: string, field: string): number {
  const b = bytes(item, what, field)
  if (b.byteLength > 4) throw malformed(what, `${field} is longer than 4 bytes`)
  if (b.byteLength > 0 && b[0] === 0) throw malformed(what, `${field} has a leading zero`)
  return Number(bytesToBigint(b))
}

function tooMany(what: string, asked: number, max: number): SyncError {
  return new SyncError({ code: 'SYNC_REQUEST_TOO_LARGE', what, asked, max })
}

export function encodeStateProofRequest(r: StateProofRequest): Uint8Array {
  return rlpEncode([fromHex(r.blockHash), r.keys.map((k) => fromHex(`0x${k}`))])
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_PROOF_KEYS`. */
export function decodeStateProofRequest(data: Uint8Array): StateProofRequest {
  const what = 'state proof request'
  const top = list(decodeRequest(data, what), what, 'request')
  if (top.length !== 2) throw malformed(what, `expected 2 items, got ${top.length}`)
  const blockHash = toHex(bytes(top[0], what, 'blockHash', 32))
  const items = list(top[1], what, 'keys')
  if (items.length === 0) throw malformed(what, 'no keys')
  if (items.length > MAX_PROOF_KEYS) throw tooMany(what, items.length, MAX_PROOF_KEYS)
  const keys = items.map((item, i) => {
    const k = bytes(item, what, `key ${i}`)
    if (k.byteLength < 2 || k.byteLength > MAX_LOGICAL_KEY_BYTES)
      throw malformed(what, `key ${i} has a bad length`)
    return toHex(k).slice(2)
  })
  return { blockHash, keys }
}

export function encodeStateProofResponse(r: StateProofResponse): Uint8Array {
  if (r === null) return rlpEncode([new Uint8Array(0)])
  return rlpEncode([Uint8Array.of(1), r.map((proof) => proof.map((n) => fromHex(n)))])
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED`. */
export function decodeStateProofResponse(data: Uint8Array): StateProofResponse {
  const what = 'state proof response'
  const top = list(decodeResponse(data, what), what, 'response')
  const available = smallUint(top[0], what, 'available')
  if (available === 0) {
    if (top.length !== 1) throw malformed(what, 'an unavailable answer carries proofs')
    return null
  }
  if (available !== 1 || top.length !== 2) throw malformed(what, 'bad shape')
  return list(top[1], what, 'proofs').map((proof, i) => {
    const nodes = list(proof, what, `proof ${i}`)
    if (nodes.length > MAX_PROOF_NODES) throw malformed(what, `proof ${i} is deeper than ${MAX_PROOF_NODES}`)
    return nodes.map((n, j) => toHex(bytes(n, what, `proof ${i} node ${j}`)))
  })
}

export function encodeInclusionRequest(hashes: readonly Hex[]): Uint8Array {
  return rlpEncode(hashes.map((h) => fromHex(h)))
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_INCLUSION_TXS`. */
export function decodeInclusionRequest(data: Uint8Array): Hex[] {
  const what = 'inclusion request'
  const items = list(decodeRequest(data, what), what, 'request')
  if (items.length === 0) throw malformed(what, 'no hashes')
  if (items.length > MAX_INCLUSION_TXS) throw tooMany(what, items.length, MAX_INCLUSION_TXS)
  return items.map((item, i) => toHex(bytes(item, what, `hash ${i}`, 32)))
}

export function encodeInclusionResponse(entries: readonly (InclusionEntry | null)[]): Uint8Array {
  return rlpEncode(
    entries.map((e) =>
      e === null
        ? []
        : [
            fromHex(e.blockHash),
            bigintToBytes(BigInt(e.index)),
            bigintToBytes(BigInt(e.count)),
            fromHex(e.rawTx),
            e.txSiblings.map((s) => fromHex(s)),
            fromHex(e.receipt),
            e.receiptSiblings.map((s) => fromHex(s)),
          ],
    ),
  )
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED`. */
export function decodeInclusionResponse(data: Uint8Array): (InclusionEntry | null)[] {
  const what = 'inclusion response'
  const items = list(decodeResponse(data, what), what, 'response')
  if (items.length > MAX_INCLUSION_TXS) throw malformed(what, `more than ${MAX_INCLUSION_TXS} entries`)
  return items.map((item, i) => {
    const f = list(item, what, `entry ${i}`)
    if (f.length === 0) return null
    if (f.length !== 7) throw malformed(what, `entry ${i} has ${f.length} fields`)
    const siblings = (x: RlpItem | undefined, field: string): Hex[] =>
      list(x, what, field).map((s, j) => toHex(bytes(s, what, `${field} ${j}`, 32)))
    return {
      blockHash: toHex(bytes(f[0], what, 'blockHash', 32)),
      index: smallUint(f[1], what, 'index'),
      count: smallUint(f[2], what, 'count'),
      rawTx: toHex(bytes(f[3], what, 'rawTx')),
      txSiblings: siblings(f[4], 'txSiblings'),
      receipt: toHex(bytes(f[5], what, 'receipt')),
      receiptSiblings: siblings(f[6], 'receiptSiblings'),
    }
  })
}

export function encodeBlockReceiptsRequest(hashes: readonly Hex[]): Uint8Array {
  return rlpEncode(hashes.map((h) => fromHex(h)))
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_RECEIPT_BLOCKS`. */
export function decodeBlockReceiptsRequest(data: Uint8Array): Hex[] {
  const what = 'block receipts request'
  const items = list(decodeRequest(data, what), what, 'request')
  if (items.length === 0) throw malformed(what, 'no hashes')
  if (items.length > MAX_RECEIPT_BLOCKS) throw tooMany(what, items.length, MAX_RECEIPT_BLOCKS)
  return items.map((item, i) => toHex(bytes(item, what, `hash ${i}`, 32)))
}

export function encodeBlockReceiptsResponse(entries: readonly (BlockReceiptsEntry | null)[]): Uint8Array {
  return rlpEncode(
    entries.map((e) =>
      e === null ? [] : [e.txHashes.map((h) => fromHex(h)), e.receipts.map((r) => fromHex(r))],
    ),
  )
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED`. */
export function decodeBlockReceiptsResponse(data: Uint8Array): (BlockReceiptsEntry | null)[] {
  const what = 'block receipts response'
  const items = list(decodeResponse(data, what), what, 'response')
  if (items.length > MAX_RECEIPT_BLOCKS) throw malformed(what, `more than ${MAX_RECEIPT_BLOCKS} entries`)
  return items.map((item, i) => {
    const f = list(item, what, `entry ${i}`)
    if (f.length === 0) return null
    if (f.length !== 2) throw malformed(what, `entry ${i} has ${f.length} fields`)
    const txHashes = list(f[0], what, `entry ${i} txHashes`).map((h, j) =>
      toHex(bytes(h, what, `entry ${i} txHash ${j}`, 32)),
    )
    const receipts = list(f[1], what, `entry ${i} receipts`).map((r, j) =>
      toHex(bytes(r, what, `entry ${i} receipt ${j}`)),
    )
    if (receipts.length !== txHashes.length)
      throw malformed(what, `entry ${i} has ${txHashes.length} transactions and ${receipts.length} receipts`)
    return { txHashes, receipts }
  })
}

export interface ActivityRequest {
  readonly address: Address
  /** Most hashes to list, in [1, `MAX_ACTIVITY_TXS`]. */
  readonly limit: number
}

export function encodeActivityRequest(r: ActivityRequest): Uint8Array {
  return rlpEncode([fromHex(r.address), bigintToBytes(BigInt(r.limit))])
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_ACTIVITY_TXS`. */
export function decodeActivityRequest(data: Uint8Array): ActivityRequest {
  const what = 'address activity request'
  const top = list(decodeRequest(data, what), what, 'request')
  if (top.length !== 2) throw malformed(what, `expected 2 items, got ${top.length}`)
  const address = toHex(bytes(top[0], what, 'address', 20)) as Address
  const limit = smallUint(top[1], what, 'limit')
  if (limit === 0) throw malformed(what, 'a limit of 0')
  if (limit > MAX_ACTIVITY_TXS) throw tooMany(what, limit, MAX_ACTIVITY_TXS)
  return { address, limit }
}

export function encodeActivityResponse(hashes: readonly Hex[]): Uint8Array {
  return rlpEncode(hashes.map((h) => fromHex(h)))
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED` (past `MAX_ACTIVITY_TXS` hashes too). */
export function decodeActivityResponse(data: Uint8Array): Hex[] {
  const what = 'address activity response'
  const items = list(decodeResponse(data, what), what, 'response')
  if (items.length > MAX_ACTIVITY_TXS) throw malformed(what, `more than ${MAX_ACTIVITY_TXS} hashes`)
  return items.map((item, i) => toHex(bytes(item, what, `hash ${i}`, 32)))
}
