import type { Hex } from 'viem'
import { decodeBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { type HeaderHashes, hashHeaderFields, headerFromRlp } from '../chain/header'
import type { Block, Header } from '../chain/types'
import { bigintToBytes, bytesEqual, bytesToBigint, fromHex, toHex } from '../codec/bytes'
import { CodecError } from '../codec/errors'
import { EMPTY_MERKLE_ROOT } from '../codec/merkle'
import { type RlpItem, rlpDecode, rlpEncode } from '../codec/rlp'
import { SyncError } from './errors'

/**
 * Wire forms of the sync protocols (request/response; a link's exchanges of one protocol share a
 * stream, src/node/network/exchange.ts):
 *
 * - headers: request RLP `[from, count]`; response RLP
 *   `[headNumber, headTotalDifficulty, [miner…], [header…]]`, the server's canonical headers from
 *   `from` upwards (at most `count`, fewer at its head), each in the compact form: the list of its 13
 *   fields, except that
 *   - every header after the first leaves its parent hash out (the empty string: it is the hash of the
 *     header before it, which the client computes anyway);
 *   - the miner is an index into the response's list of miners, which names each miner of the range
 *     once, in the order of first use (a chain of tabs has few miners, each mining runs of blocks);
 *   - an all-zero logs bloom, and a transactions or receipts root of the empty list, are the empty
 *     string.
 *   For the empty blocks of a quiet chain that is ≈ 63 bytes a header instead of ≈ 445 (≈ 147 in
 *   version 3, which spelled out the miner and the roots). Each value has
 *   one encoding (a bloom or root left out must be, the miners listed are distinct and each used), so
 *   a decoded response re-encodes to its bytes. The head fields tell the client how far the peer is.
 * - blocks: request RLP `[hash…]`; response RLP `[block…]`, the blocks in request order, stopping at
 *   the first hash the server does not hold or when the byte budget is spent (always at least one).
 */

/** Most headers one response carries; larger requests are refused. */
export const MAX_HEADERS_PER_REQUEST = 512
/** Most blocks one response carries; larger requests are refused. */
export const MAX_BLOCKS_PER_REQUEST = 64
/**
 * Largest response body either protocol sends or accepts (under the bridge's 4 MiB exchange cap; one
 * maximal 2 MiB block always fits).
 */
export const MAX_SYNC_RESPONSE_BYTES = 3 * 1024 * 1024
/** Largest request body: 64 hashes of 32 bytes and their RLP prefixes fit easily. */
export const MAX_SYNC_REQUEST_BYTES = 4 * 1024

export interface HeadersRequest {
  readonly from: bigint
  readonly count: number
}

export interface HeadersResponse {
  readonly headNumber: bigint
  readonly headTotalDifficulty: bigint
  /** Strictly decoded, so re-encoding gives the sent bytes and `hashHeader` the sender's hash. */
  readonly headers: readonly Header[]
}

/** A decoded headers response with each header's hash, computed here while decoding (never sent). */
export interface DecodedHeadersResponse extends HeadersResponse {
  /** `hashHeader` and `sealHash` of `headers[i]`, computed while decoding: the client does not hash again. */
  readonly hashes: readonly HeaderHashes[]
}

/** `SYNC_MALFORMED` for a sync message `what`, with the reason. */
export const malformed = (what: string, reason: string): SyncError =>
  new SyncError({ code: 'SYNC_MALFORMED', what, reason })

/** RLP-decodes a sync message; bytes that are not RLP are `SYNC_MALFORMED` for `what`. */
export function decodeRlp(bytes: Uint8Array, what: string): RlpItem {
  try {
    return rlpDecode(bytes)
  } catch (err) {
    if (err instanceof CodecError) throw malformed(what, err.message)
    throw err
  }
}

/** RLP-decodes a request; one larger than `MAX_SYNC_REQUEST_BYTES` is `SYNC_MALFORMED`, unread. */
export function decodeRequest(bytes: Uint8Array, what: string): RlpItem {
  if (bytes.byteLength > MAX_SYNC_REQUEST_BYTES)
    throw malformed(what, `larger than ${MAX_SYNC_REQUEST_BYTES} bytes`)
  return decodeRlp(bytes, what)
}

/** RLP-decodes a response; one larger than `max` is `SYNC_RESPONSE_TOO_LARGE`, unread. */
export function decodeResponse(bytes: Uint8Array, what: string, max = MAX_SYNC_RESPONSE_BYTES): RlpItem {
  if (bytes.byteLength > max)
    throw new SyncError({ code: 'SYNC_RESPONSE_TOO_LARGE', size: bytes.byteLength, max })
  return decodeRlp(bytes, what)
}

function uint(item: RlpItem | undefined, what: string, field: string, maxBytes = 8): bigint {
  if (!(item instanceof Uint8Array)) throw malformed(what, `${field} is not a byte string`)
  if (item.byteLength > maxBytes) throw malformed(what, `${field} is longer than ${maxBytes} bytes`)
  if (item.byteLength > 0 && item[0] === 0) throw malformed(what, `${field} has a leading zero`)
  return bytesToBigint(item)
}

/** `item` as a list (of `length` items, if given); `SYNC_MALFORMED` for `what` otherwise. */
export function list(item: RlpItem, what: string, length?: number): RlpItem[] {
  if (!Array.isArray(item)) throw malformed(what, 'expected a list')
  if (length !== undefined && item.length !== length)
    throw malformed(what, `expected ${length} items, got ${item.length}`)
  return item
}

export function encodeHeadersRequest(r: HeadersRequest): Uint8Array {
  return rlpEncode([bigintToBytes(r.from), bigintToBytes(BigInt(r.count))])
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_HEADERS_PER_REQUEST`. */
export function decodeHeadersRequest(bytes: Uint8Array): HeadersRequest {
  const what = 'headers request'
  const [from, count] = list(decodeRequest(bytes, what), what, 2)
  const n = uint(count, what, 'count', 4)
  if (n === 0n) throw malformed(what, 'count is zero')
  if (n > BigInt(MAX_HEADERS_PER_REQUEST))
    throw new SyncError({
      code: 'SYNC_REQUEST_TOO_LARGE',
      what,
      asked: Number(n),
      max: MAX_HEADERS_PER_REQUEST,
    })
  return { from: uint(from, what, 'from'), count: Number(n) }
}

const PARENT_FIELD = 0
const MINER_FIELD = 3
const TRANSACTIONS_ROOT_FIELD = 5
const RECEIPTS_ROOT_FIELD = 6
const BLOOM_FIELD = 7

const EMPTY = new Uint8Array(0)
const ZERO_BLOOM_HEX: Hex = `0x${'0'.repeat(512)}`
/** Put back where a sender left a field out; the decoder's known hex names them: never write into them. */
const ZERO_BLOOM = new Uint8Array(256)
const EMPTY_ROOT_BYTES = fromHex(EMPTY_MERKLE_ROOT)

/** True iff `hex` is `constant`, in either case (a header's hex fields are lower case as decoded). */
const isHex = (hex: Hex, constant: Hex): boolean => hex === constant || hex.toLowerCase() === constant

/**
 * Encodes a headers response. `headers` must be a linked range (each the parent of the next, as the
 * canonical chain is): the parent hash of every header after the first is left out, not checked here.
 */
export function encodeHeadersResponse(r: HeadersResponse): Uint8Array {
  const miners: Uint8Array[] = []
  const minerIndex = new Map<string, number>()
  const root = (hex: Hex): Uint8Array => (isHex(hex, EMPTY_MERKLE_ROOT) ? EMPTY : fromHex(hex))
  const headers = r.headers.map((h, i) => {
    const miner = h.miner.toLowerCase()
    let index = minerIndex.get(miner)
    if (index === undefined) {
      index = miners.length
      minerIndex.set(miner, index)
      miners.push(fromHex(h.miner))
    }
    return [
      i === 0 ? fromHex(h.parentHash) : EMPTY,
      bigintToBytes(h.number),
      bigintToBytes(h.timestamp),
      bigintToBytes(BigInt(index)),
      fromHex(h.stateRoot),
      root(h.transactionsRoot),
      root(h.receiptsRoot),
      isHex(h.logsBloom, ZERO_BLOOM_HEX) ? EMPTY : fromHex(h.logsBloom),
      bigintToBytes(h.gasLimit),
      bigintToBytes(h.gasUsed),
      bigintToBytes(h.baseFeePerGas),
      bigintToBytes(h.difficulty),
      bigintToBytes(h.nonce),
    ]
  })
  return rlpEncode([bigintToBytes(r.headNumber), bigintToBytes(r.headTotalDifficulty), miners, headers])
}

/**
 * A field the compact form may leave out: `constant` where it is the empty string; spelled out, it must
 * not equal `constant` (one encoding per value).
 */
function restore(fields: RlpItem[], at: number, constant: Uint8Array, what: string, i: number): void {
  const value = fields[at]
  if (!(value instanceof Uint8Array)) return
  if (value.byteLength === 0) fields[at] = constant
  else if (bytesEqual(value, constant))
    throw malformed(what, `header ${i} spells out field ${at}, which the compact form leaves out`)
}

/** What decoding the headers of one response carries from header to header. */
interface CompactState {
  readonly what: string
  readonly miners: readonly Uint8Array[]
  /** Hex of the byte strings the decoder put into fields (constants, miners, the parent hash). */
  readonly known: Map<Uint8Array, Hex>
  /** The first miner index not used yet: a miner's first use must take it. */
  nextMiner: number
  /** The hash of the header before (undefined before the first). */
  prev: { readonly hash: Hex; readonly bytes: Uint8Array } | undefined
}

/** The header of compact item `i`, with its hashes computed from the fields as restored. */
function compactHeader(item: RlpItem, i: number, s: CompactState): { header: Header; hashes: HeaderHashes } {
  const { what } = s
  if (!Array.isArray(item)) throw malformed(what, `header ${i} is not a list`)
  const fields = [...item]
  if (s.prev !== undefined) {
    const parent = fields[PARENT_FIELD]
    if (!(parent instanceof Uint8Array) || parent.byteLength !== 0)
      throw malformed(what, `header ${i} repeats its parent hash`)
    fields[PARENT_FIELD] = s.prev.bytes
  }
  const index = Number(uint(fields[MINER_FIELD], what, `header ${i}'s miner index`, 2))
  if (index > s.nextMiner || index >= s.miners.length)
    throw malformed(what, `header ${i}'s miner index ${index} is not a listed miner in order of first use`)
  if (index === s.nextMiner) s.nextMiner++
  fields[MINER_FIELD] = s.miners[index] as Uint8Array
  restore(fields, TRANSACTIONS_ROOT_FIELD, EMPTY_ROOT_BYTES, what, i)
  restore(fields, RECEIPTS_ROOT_FIELD, EMPTY_ROOT_BYTES, what, i)
  restore(fields, BLOOM_FIELD, ZERO_BLOOM, what, i)
  try {
    const header = headerFromRlp(fields, s.known)
    const { hash, hashBytes, seal } = hashHeaderFields(fields)
    // The next header's parent: the hash its sender claims by omission, checked like any parent hash
    // (linkage in the client's header chain, the proof of work over it).
    if (s.prev !== undefined) s.known.delete(s.prev.bytes)
    s.known.set(hashBytes, hash)
    s.prev = { hash, bytes: hashBytes }
    return { header, hashes: { hash, seal } }
  } catch (err) {
    if (err instanceof BlockError) throw malformed(what, `header ${i}: ${err.message}`)
    throw err
  }
}

/** The response's list of miners: distinct 20-byte addresses, with their hex. */
function minerList(item: RlpItem, what: string): { miners: Uint8Array[]; known: Map<Uint8Array, Hex> } {
  const known = new Map<Uint8Array, Hex>([
    [ZERO_BLOOM, ZERO_BLOOM_HEX],
    [EMPTY_ROOT_BYTES, EMPTY_MERKLE_ROOT],
  ])
  const seen = new Set<Hex>()
  const miners = list(item, what).map((m, j) => {
    if (!(m instanceof Uint8Array) || m.byteLength !== 20) throw malformed(what, `miner ${j} is not 20 bytes`)
    const hex = toHex(m)
    if (seen.has(hex)) throw malformed(what, `miner ${j} is listed twice`)
    seen.add(hex)
    known.set(m, hex)
    return m
  })
  return { miners, known }
}

/**
 * Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED` (not the compact form, a header
 * that does not decode strictly, a parent hash spelled out after the first header, a value the form
 * leaves out spelled out, a miner listed twice, out of order or never used). The headers re-encode
 * (`encodeHeader`) to the canonical RLP their sender hashed.
 */
export function decodeHeadersResponse(bytes: Uint8Array): DecodedHeadersResponse {
  const what = 'headers response'
  const [number, td, minerItems, items] = list(decodeResponse(bytes, what), what, 4)
  const raw = list(items as RlpItem, what)
  if (raw.length > MAX_HEADERS_PER_REQUEST)
    throw malformed(what, `more than ${MAX_HEADERS_PER_REQUEST} headers`)
  const state: CompactState = {
    what,
    ...minerList(minerItems as RlpItem, what),
    nextMiner: 0,
    prev: undefined,
  }
  const headers: Header[] = []
  const hashes: HeaderHashes[] = []
  for (const [i, item] of raw.entries()) {
    const decoded = compactHeader(item, i, state)
    headers.push(decoded.header)
    hashes.push(decoded.hashes)
  }
  if (state.nextMiner !== state.miners.length) throw malformed(what, 'a listed miner mines no header')
  return {
    headNumber: uint(number, what, 'headNumber'),
    headTotalDifficulty: uint(td, what, 'headTotalDifficulty', 32),
    headers,
    hashes,
  }
}

export function encodeBlocksRequest(hashes: readonly Hex[]): Uint8Array {
  return rlpEncode(hashes.map((h) => fromHex(h)))
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_BLOCKS_PER_REQUEST`. */
export function decodeBlocksRequest(bytes: Uint8Array): Hex[] {
  const what = 'blocks request'
  const items = list(decodeRequest(bytes, what), what)
  if (items.length === 0) throw malformed(what, 'no hashes')
  if (items.length > MAX_BLOCKS_PER_REQUEST)
    throw new SyncError({
      code: 'SYNC_REQUEST_TOO_LARGE',
      what,
      asked: items.length,
      max: MAX_BLOCKS_PER_REQUEST,
    })
  return items.map((item, i) => {
    if (!(item instanceof Uint8Array) || item.byteLength !== 32)
      throw malformed(what, `hash ${i} is not 32 bytes`)
    return toHex(item)
  })
}

/** Encodes already encoded blocks (the server keeps them as bytes). */
export function encodeBlocksResponse(blocks: readonly Uint8Array[]): Uint8Array {
  return rlpEncode([...blocks])
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED` (a block that does not decode). */
export function decodeBlocksResponse(bytes: Uint8Array): Block[] {
  const what = 'blocks response'
  const items = list(decodeResponse(bytes, what), what)
  if (items.length > MAX_BLOCKS_PER_REQUEST)
    throw malformed(what, `more than ${MAX_BLOCKS_PER_REQUEST} blocks`)
  return items.map((item, i) => {
    if (!(item instanceof Uint8Array)) throw malformed(what, `block ${i} is not a byte string`)
    try {
      return decodeBlock(item)
    } catch (err) {
      if (err instanceof BlockError) throw malformed(what, `block ${i}: ${err.message}`)
      throw err
    }
  })
}
