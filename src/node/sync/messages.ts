import type { Hex } from 'viem'
import { decodeBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import {
  compactHeaderFields,
  type HeaderHashes,
  hashHeaderFields,
  headerFromRlp,
  ZERO_BLOOM,
} from '../chain/header'
import type { Block, Header } from '../chain/types'
import { bigintToBytes, bytesToBigint, fromHex, toHex } from '../codec/bytes'
import { CodecError } from '../codec/errors'
import { type RlpItem, rlpDecode, rlpEncode } from '../codec/rlp'
import { SyncError } from './errors'

/**
 * Wire forms of the sync protocols (request/response; a link's exchanges of one protocol share a
 * stream, src/node/network/exchange.ts):
 *
 * - headers: request RLP `[from, count]`; response RLP `[headNumber, headTotalDifficulty, [header…]]`,
 *   the server's canonical headers from `from` upwards (at most `count`, fewer at its head), each in
 *   the compact form: the list of its 13 fields, except that every header after the first leaves its
 *   parent hash out (the empty string: it is the hash of the header before it, which the client
 *   computes anyway) and an all-zero logs bloom is the empty string. For the empty blocks of a quiet
 *   chain that is ≈ 160 bytes a header instead of ≈ 445, and header sync is bound by the transfer.
 *   The head fields tell the client how far the peer is.
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

function decodeTop(bytes: Uint8Array, what: string, max: number): RlpItem {
  if (bytes.byteLength > max) throw malformed(what, `larger than ${max} bytes`)
  return decodeRlp(bytes, what)
}

function uint(item: RlpItem | undefined, what: string, field: string, maxBytes = 8): bigint {
  if (!(item instanceof Uint8Array)) throw malformed(what, `${field} is not a byte string`)
  if (item.byteLength > maxBytes) throw malformed(what, `${field} is longer than ${maxBytes} bytes`)
  if (item.byteLength > 0 && item[0] === 0) throw malformed(what, `${field} has a leading zero`)
  return bytesToBigint(item)
}

function list(item: RlpItem, what: string, length?: number): RlpItem[] {
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
  const [from, count] = list(decodeTop(bytes, what, MAX_SYNC_REQUEST_BYTES), what, 2)
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
const BLOOM_FIELD = 7

/**
 * Encodes a headers response. `headers` must be a linked range (each the parent of the next, as the
 * canonical chain is): the parent hash of every header after the first is left out, not checked here.
 */
export function encodeHeadersResponse(r: HeadersResponse): Uint8Array {
  return rlpEncode([
    bigintToBytes(r.headNumber),
    bigintToBytes(r.headTotalDifficulty),
    r.headers.map((h, i) => compactHeaderFields(h, i === 0)),
  ])
}

/**
 * The header of one compact item (`prevHash`: the hash of the header before it in the response), with
 * its hashes computed from the fields as decoded.
 */
function compactHeader(
  item: RlpItem,
  i: number,
  prevHash: Hex | undefined,
  what: string,
): { header: Header; hashes: HeaderHashes } {
  if (!Array.isArray(item)) throw malformed(what, `header ${i} is not a list`)
  const fields = [...item]
  const parent = fields[PARENT_FIELD]
  if (prevHash !== undefined) {
    if (!(parent instanceof Uint8Array) || parent.byteLength !== 0)
      throw malformed(what, `header ${i} repeats its parent hash`)
    fields[PARENT_FIELD] = fromHex(prevHash)
  }
  const bloom = fields[BLOOM_FIELD]
  if (bloom instanceof Uint8Array) {
    if (bloom.byteLength === 0) fields[BLOOM_FIELD] = ZERO_BLOOM
    else if (bloom.every((b) => b === 0)) throw malformed(what, `header ${i} spells out an empty bloom`)
  }
  try {
    return { header: headerFromRlp(fields), hashes: hashHeaderFields(fields) }
  } catch (err) {
    if (err instanceof BlockError) throw malformed(what, `header ${i}: ${err.message}`)
    throw err
  }
}

/**
 * Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED` (not the compact form, a header
 * that does not decode strictly, a parent hash spelled out after the first header, a zero bloom spelled
 * out). The headers re-encode (`encodeHeader`) to the canonical RLP their sender hashed.
 */
export function decodeHeadersResponse(bytes: Uint8Array): DecodedHeadersResponse {
  const what = 'headers response'
  if (bytes.byteLength > MAX_SYNC_RESPONSE_BYTES)
    throw new SyncError({
      code: 'SYNC_RESPONSE_TOO_LARGE',
      size: bytes.byteLength,
      max: MAX_SYNC_RESPONSE_BYTES,
    })
  const [number, td, items] = list(decodeTop(bytes, what, MAX_SYNC_RESPONSE_BYTES), what, 3)
  const raw = list(items as RlpItem, what)
  if (raw.length > MAX_HEADERS_PER_REQUEST)
    throw malformed(what, `more than ${MAX_HEADERS_PER_REQUEST} headers`)
  const headers: Header[] = []
  const hashes: HeaderHashes[] = []
  let prevHash: Hex | undefined
  for (const [i, item] of raw.entries()) {
    const decoded = compactHeader(item, i, prevHash, what)
    headers.push(decoded.header)
    hashes.push(decoded.hashes)
    // The next header's parent: the hash its sender claims by omission, checked like any parent hash
    // (linkage in the client's header chain, the proof of work over it).
    prevHash = decoded.hashes.hash
  }
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
  const items = list(decodeTop(bytes, what, MAX_SYNC_REQUEST_BYTES), what)
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
  if (bytes.byteLength > MAX_SYNC_RESPONSE_BYTES)
    throw new SyncError({
      code: 'SYNC_RESPONSE_TOO_LARGE',
      size: bytes.byteLength,
      max: MAX_SYNC_RESPONSE_BYTES,
    })
  const items = list(decodeTop(bytes, what, MAX_SYNC_RESPONSE_BYTES), what)
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
