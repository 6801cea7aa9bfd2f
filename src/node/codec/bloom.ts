import type { Hex } from 'viem'
import type { Log } from '../chain/types'
import { fromHex, keccak } from './bytes'

/**
 * Ethereum's 2048-bit logs bloom: for the address and each topic of every log, three bits chosen
 * by the low 11 bits of the first three byte pairs of its keccak256.
 */

export const BLOOM_BYTES = 256

// Addresses and topics repeat across logs (event signatures, busy tokens and accounts); caching
// their bit positions saves a keccak each. Bounded so memory stays flat.
const CACHE_MAX = 100_000
const bitCache = new Map<string, number[]>()

function bitsOf(value: Hex): number[] {
  // Keyed by the string as given (hex digits hash the same in either case): lower-casing first made a
  // copy of every value looked up.
  let bits = bitCache.get(value)
  if (bits === undefined) {
    const h = keccak(fromHex(value))
    bits = [0, 2, 4].map((i) => (((h[i] as number) << 8) | (h[i + 1] as number)) & 2047)
    if (bitCache.size >= CACHE_MAX) bitCache.clear()
    bitCache.set(value, bits)
  }
  return bits
}

/** Sets the bloom bits of `value` (an address or a topic) in `bloom`. */
export function bloomAdd(bloom: Uint8Array, value: Hex): void {
  const bits = bitsOf(value)
  for (let k = 0; k < 3; k++) {
    const bit = bits[k] as number
    const i = BLOOM_BYTES - 1 - (bit >> 3)
    bloom[i] = (bloom[i] as number) | (1 << (bit & 7))
  }
}

/** Adds every log's address and topics to `bloom` (a fresh one when omitted). */
export function logsBloomBytes(logs: readonly Log[], bloom = new Uint8Array(BLOOM_BYTES)): Uint8Array {
  for (const log of logs) {
    bloomAdd(bloom, log.address)
    for (const t of log.topics) bloomAdd(bloom, t)
  }
  return bloom
}

/**
 * Whether `value`'s three bits are set in `bloom`, read from its hex digits where they are: decoding the
 * 256 bytes first cost more than the check (a log query tests the bloom of each block of its range).
 */
function hasBits(bloom: Hex, value: Hex): boolean {
  return bitsOf(value).every((bit) => {
    const at = 2 + 2 * (BLOOM_BYTES - 1 - (bit >> 3))
    return ((Number.parseInt(bloom.slice(at, at + 2), 16) >> (bit & 7)) & 1) === 1
  })
}

/** True when `value` may be in `bloom` (false means certainly absent). */
export function bloomMayContain(bloom: Hex, value: Hex): boolean {
  return hasBits(bloom, value)
}

/**
 * True when `bloom` may hold a log matching every group: for each group, one of its values (an
 * address, or a topic at some position) may be in it. False means no log of the block matches.
 */
export function bloomMayMatch(bloom: Hex, groups: readonly (readonly Hex[])[]): boolean {
  return groups.every((group) => group.some((value) => hasBits(bloom, value)))
}
