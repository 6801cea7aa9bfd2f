import { CodecError } from './errors'

/**
 * Strict canonical RLP (Ethereum yellow paper, appendix B).
 *
 * The decoder accepts exactly one encoding per value: consensus hashes are taken over raw bytes,
 * so two encodings of one transaction would give two hashes for one payment (malleability).
 * Rejected: truncated input, trailing bytes, a single byte < 0x80 wrapped as a string, long-form
 * lengths under 56, length prefixes with leading zeros.
 */

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[]

function fail(reason: string): never {
  throw new CodecError({ code: 'RLP_MALFORMED', reason }, `malformed RLP: ${reason}`)
}

function readLength(data: Uint8Array, pos: number, lenOfLen: number, end: number): number {
  if (pos + lenOfLen > end) fail('length prefix runs past the end')
  if (data[pos] === 0) fail('length prefix has a leading zero')
  // Lengths beyond 2^32 cannot be satisfied by any in-memory input; stop before precision loss.
  if (lenOfLen > 4) fail('length prefix too large')
  let len = 0
  for (let i = 0; i < lenOfLen; i++) len = len * 256 + (data[pos + i] as number)
  if (len < 56) fail('long-form length used for a short item')
  return len
}

// Where the item `headerAt` last read has its payload and where it ends, and whether it is a list.
// Module variables rather than a returned object: the decoder runs per transaction field, and an object
// per item was as much garbage as the items themselves.
let payloadStart = 0
let itemEnd = 0
let isList = false

/** Reads the header of the item at `pos` (every canonical-form rule), setting the variables above. */
function headerAt(data: Uint8Array, pos: number, end: number): void {
  if (pos >= end) fail('unexpected end of input')
  const b = data[pos] as number
  if (b < 0x80) {
    payloadStart = pos
    itemEnd = pos + 1
    isList = false
    return
  }
  if (b <= 0xb7) {
    const len = b - 0x80
    const start = pos + 1
    if (start + len > end) fail('string runs past the end')
    if (len === 1 && (data[start] as number) < 0x80) fail('single byte below 0x80 must encode itself')
    payloadStart = start
    itemEnd = start + len
    isList = false
    return
  }
  if (b <= 0xbf) {
    const lenOfLen = b - 0xb7
    const len = readLength(data, pos + 1, lenOfLen, end)
    const start = pos + 1 + lenOfLen
    if (start + len > end) fail('string runs past the end')
    payloadStart = start
    itemEnd = start + len
    isList = false
    return
  }
  let start: number
  let len: number
  if (b <= 0xf7) {
    len = b - 0xc0
    start = pos + 1
  } else {
    const lenOfLen = b - 0xf7
    len = readLength(data, pos + 1, lenOfLen, end)
    start = pos + 1 + lenOfLen
  }
  if (start + len > end) fail('list runs past the end')
  payloadStart = start
  itemEnd = start + len
  isList = true
}

/**
 * Most items one decoding builds. Every decoded item is an object (a view or an array, ~130 bytes of
 * heap), so a peer's 3 MiB of one-byte items cost ~400 MB before any decoder could refuse their shape;
 * this bound keeps it near 35 MB. The largest honest message, a block-receipts response at its 3 MiB
 * budget, holds two items per transaction of at least ~45 bytes together: fewer than 150,000.
 */
export const MAX_RLP_ITEMS = 1 << 18

/** Items the decoding under way may still build. */
let itemsLeft = 0

function decodeAt(data: Uint8Array, pos: number, end: number, depth: number): RlpItem {
  if (depth > 16) fail('nesting too deep')
  if (--itemsLeft < 0) fail(`more than ${MAX_RLP_ITEMS} items`)
  headerAt(data, pos, end)
  if (!isList) return data.subarray(payloadStart, itemEnd)
  const listEnd = itemEnd
  const items: RlpItem[] = []
  let p = payloadStart
  while (p < listEnd) {
    items.push(decodeAt(data, p, listEnd, depth + 1))
    p = itemEnd
  }
  itemEnd = listEnd
  return items
}

/**
 * The top level of a canonical RLP list spanning all of `data`, without building it: the whole item is
 * checked as `rlpDecode` checks it, and for each of the first `out.length / 3` items `out[3i]` is where
 * its encoding starts and `out[3i + 1]`, `out[3i + 2]` where its payload starts and ends. Returns the
 * number of items, or -1 when `data` is a byte string. Its nested lists, which are built, hold at most
 * `MAX_RLP_ITEMS` items together. Throws `CodecError` `RLP_MALFORMED`.
 */
export function rlpListSpans(data: Uint8Array, out: Int32Array): number {
  headerAt(data, 0, data.length)
  if (itemEnd !== data.length) fail('trailing bytes after the item')
  if (!isList) return -1
  const listEnd = itemEnd
  itemsLeft = MAX_RLP_ITEMS
  let count = 0
  let p = payloadStart
  while (p < listEnd) {
    headerAt(data, p, listEnd)
    const start = payloadStart
    const stop = itemEnd
    // Nested lists are decoded in full for their checks (they are rare and small: an access list).
    if (isList) decodeAt(data, p, listEnd, 1)
    if (3 * count + 2 < out.length) {
      out[3 * count] = p
      out[3 * count + 1] = start
      out[3 * count + 2] = stop
    }
    count++
    p = stop
  }
  return count
}

/**
 * Decodes exactly one canonical RLP item spanning all of `data` (byte strings are views into
 * `data`, not copies), of at most `MAX_RLP_ITEMS` items. Throws `CodecError` `RLP_MALFORMED`.
 */
export function rlpDecode(data: Uint8Array): RlpItem {
  itemsLeft = MAX_RLP_ITEMS
  const item = decodeAt(data, 0, data.length, 0)
  if (itemEnd !== data.length) fail('trailing bytes after the item')
  return item
}

/** Bytes of the length prefix of an `len`-byte payload: one below 56, else one plus the bytes of `len`. */
function prefixLength(len: number): number {
  if (len < 56) return 1
  let n = 2
  for (let l = len; l >= 256; l = Math.floor(l / 256)) n++
  return n
}

/** Writes the length prefix of an `len`-byte payload (`offset` 0x80 for a string, 0xc0 for a list) at `pos`. */
function writePrefix(len: number, offset: number, out: Uint8Array, pos: number): number {
  const size = prefixLength(len)
  if (size === 1) {
    out[pos] = offset + len
    return pos + 1
  }
  out[pos] = offset + 54 + size
  for (let i = size - 1, l = len; i > 0; i--, l = Math.floor(l / 256)) out[pos + i] = l % 256
  return pos + size
}

function payloadLength(list: readonly RlpItem[]): number {
  let len = 0
  for (const it of list) len += encodedLength(it)
  return len
}

function encodedLength(item: RlpItem): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && (item[0] as number) < 0x80) return 1
    return prefixLength(item.length) + item.length
  }
  const len = payloadLength(item)
  return prefixLength(len) + len
}

function encodeInto(item: RlpItem, out: Uint8Array, pos: number): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && (item[0] as number) < 0x80) {
      out[pos] = item[0] as number
      return pos + 1
    }
    const p = writePrefix(item.length, 0x80, out, pos)
    out.set(item, p)
    return p + item.length
  }
  let p = writePrefix(payloadLength(item), 0xc0, out, pos)
  for (const it of item) p = encodeInto(it, out, p)
  return p
}

/** Canonical RLP encoding of `item`. */
export function rlpEncode(item: RlpItem): Uint8Array {
  const out = new Uint8Array(encodedLength(item))
  encodeInto(item, out, 0)
  return out
}

/** Where `rlpHashWithoutLast` writes the encodings it hashes (grown on demand, never shrunk). */
let hashScratch = new Uint8Array(1024)
/** Room before the items for the longest list prefix (1 + 8 length bytes). */
const LIST_PREFIX_ROOM = 9

/**
 * `hash` of the canonical RLP of `list` without its last item (`withoutLast`) and of `list` whole
 * (`whole`), the items encoded once into a reused buffer: a block header's hash covers all its fields and
 * its proof-of-work seal all but the nonce, and a light client computes both for every header it takes
 * in (allocating the two encodings per header cost it more than encoding them). `hash` must not keep its
 * argument, which is overwritten by the next call. `list` must not be empty.
 */
export function rlpHashWithoutLast(
  list: readonly RlpItem[],
  hash: (encoding: Uint8Array) => Uint8Array,
): { readonly whole: Uint8Array; readonly withoutLast: Uint8Array } {
  const last = list.at(-1)
  if (last === undefined) throw new RangeError('rlpHashWithoutLast: empty list')
  const len = payloadLength(list)
  const headLen = len - encodedLength(last)
  if (LIST_PREFIX_ROOM + len > hashScratch.length) hashScratch = new Uint8Array(2 * (LIST_PREFIX_ROOM + len))
  const out = hashScratch
  let p = LIST_PREFIX_ROOM
  for (const it of list) p = encodeInto(it, out, p)
  // Each list prefix is written just before the items: the shorter list's first, hashed, then the other.
  const headStart = LIST_PREFIX_ROOM - prefixLength(headLen)
  writePrefix(headLen, 0xc0, out, headStart)
  const withoutLast = hash(out.subarray(headStart, LIST_PREFIX_ROOM + headLen))
  const wholeStart = LIST_PREFIX_ROOM - prefixLength(len)
  writePrefix(len, 0xc0, out, wholeStart)
  return { whole: hash(out.subarray(wholeStart, LIST_PREFIX_ROOM + len)), withoutLast }
}

/**
 * Decodes `data` as a list of exactly `count` byte strings (the shape of stored records).
 * Throws `CodecError` `RLP_MALFORMED` on any other shape.
 */
export function rlpDecodeBytesList(data: Uint8Array, count: number): Uint8Array[] {
  const item = rlpDecode(data)
  if (!Array.isArray(item) || item.length !== count) fail(`expected a list of ${count} items`)
  const out: Uint8Array[] = []
  for (const it of item) {
    if (!(it instanceof Uint8Array)) fail('expected byte strings')
    out.push(it)
  }
  return out
}
