import { BaseError, fromRlp, type Hex } from 'viem'
import { bigintToBytes, bytesToBigint, toHex as bytesToHex } from '../codec/bytes'
import { BlockError } from './block-error'

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | readonly RlpItem[]

/**
 * Strict RLP decoding for consensus objects: exactly one item, no trailing bytes, shortest length
 * prefixes, no prefixed single byte below 0x80 (viem's decoder enforces these). Any failure becomes
 * `BLOCK_MALFORMED` so that a peer's garbage never surfaces as an untyped exception.
 */
export function decodeRlpStrict(bytes: Uint8Array): RlpItem {
  if (bytes.length === 0) throw malformed('empty input')
  try {
    return fromRlp(bytes, 'bytes') as RlpItem
  } catch (err) {
    throw malformed(err instanceof BaseError ? err.shortMessage : 'invalid RLP')
  }
}

/** The `BLOCK_MALFORMED` error. */
export function malformed(reason: string): BlockError {
  return new BlockError({ code: 'BLOCK_MALFORMED', reason })
}

/** The item as a list (of exactly `length` items when given), else `BLOCK_MALFORMED`. */
export function asList(item: RlpItem | undefined, what: string, length?: number): readonly RlpItem[] {
  if (item === undefined || item instanceof Uint8Array) throw malformed(`${what}: expected a list`)
  if (length !== undefined && item.length !== length) {
    throw malformed(`${what}: expected ${length} items, got ${item.length}`)
  }
  return item
}

/** The item as a byte string, else `BLOCK_MALFORMED`. */
export function asBytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw malformed(`${what}: expected a byte string`)
  return item
}

/** A byte string of exactly `size` bytes, as lower-case hex. */
export function asFixed(item: RlpItem | undefined, size: number, what: string): Hex {
  const b = asBytes(item, what)
  if (b.length !== size) throw malformed(`${what}: expected ${size} bytes, got ${b.length}`)
  return bytesToHex(b)
}

/**
 * A canonical unsigned integer of at most `maxBytes` bytes. Canonical = big-endian with no leading zero
 * byte, zero being the empty string; otherwise two encodings would hash differently for one header.
 */
export function asUint(item: RlpItem | undefined, maxBytes: number, what: string): bigint {
  const b = asBytes(item, what)
  if (b.length > maxBytes) throw malformed(`${what}: integer longer than ${maxBytes} bytes`)
  if (b.length === 0) return 0n
  if (b[0] === 0) throw malformed(`${what}: integer with a leading zero byte`)
  return bytesToBigint(b)
}

/** Canonical integer encoding for RLP (the inverse of `asUint`). */
export function uintToRlp(value: bigint): Uint8Array {
  return bigintToBytes(value)
}
