import { type Address, decodeAbiParameters, encodeAbiParameters, type Hex } from 'viem'
import { bigintToFixed, bytesToBigint, fromHex, toHex, toHexRaw } from '../codec/bytes'
import { Revert } from './types'

/**
 * Minimal ABI helpers for the native contracts' hot paths. viem's decoder checksums every address
 * (one keccak each), which costs more than the transfer itself; static arguments are read here
 * straight from the calldata words with Solidity's strictness (dirty address bits revert).
 * Dynamic types (strings) use viem, on rarely called methods.
 */

/** Selector of `Error(string)`, the standard revert payload. */
export const ERROR_SELECTOR = '0x08c379a0'

/** 4-byte selector of calldata as a number (-1 when the calldata is shorter than 4 bytes). */
export function selectorOf(data: Uint8Array): number {
  if (data.length < 4) return -1
  return (
    (((data[0] as number) << 24) |
      ((data[1] as number) << 16) |
      ((data[2] as number) << 8) |
      (data[3] as number)) >>>
    0
  )
}

/** Reverts unless the calldata holds at least `words` argument words. */
export function requireArgs(data: Uint8Array, words: number): void {
  if (data.length < 4 + 32 * words) throw new Revert('calldata too short')
}

/** Argument word `i` as uint256. */
export function argUint(data: Uint8Array, i: number): bigint {
  const start = 4 + 32 * i
  return bytesToBigint(data, start, start + 32)
}

/** Argument word `i` as bytes32 hex. */
export function argBytes32(data: Uint8Array, i: number): Hex {
  const start = 4 + 32 * i
  return toHex(data.subarray(start, start + 32))
}

/** Argument word `i` as an address (lower-case); reverts when the upper 12 bytes are not zero. */
export function argAddress(data: Uint8Array, i: number): Address {
  const start = 4 + 32 * i
  for (let j = start; j < start + 12; j++) if (data[j] !== 0) throw new Revert('invalid address argument')
  return `0x${toHexRaw(data.subarray(start + 12, start + 32))}` as Address
}

/** A uint256 as one ABI word. */
export function wordOf(value: bigint): Uint8Array {
  return bigintToFixed(value, 32)
}

const wordScratch = new Uint8Array(32)

/** A uint256 as one ABI word in hex (log data and topics). */
export function wordHex(value: bigint): Hex {
  return toHex(bigintToFixed(value, 32, wordScratch))
}

// Every ERC20 transfer logs its two parties as topics: memoised per address string (mostly the same
// objects from one block to the next), so a topic string is made once per address, not once per log.
// Bounded so memory stays flat.
const TOPIC_MEMO_MAX = 100_000
const addressTopics = new Map<string, Hex>()

/** An address left-padded to a 32-byte topic. */
export function addressTopic(address: Address): Hex {
  let topic = addressTopics.get(address)
  if (topic === undefined) {
    topic = `0x000000000000000000000000${address.slice(2)}` as Hex
    if (addressTopics.size >= TOPIC_MEMO_MAX) addressTopics.clear()
    addressTopics.set(address, topic)
  }
  return topic
}

/** An address as one ABI word. */
export function addressWord(address: Address): Uint8Array {
  const out = new Uint8Array(32)
  out.set(fromHex(address), 12)
  return out
}

/** ABI-encoded `true`. */
export const TRUE_WORD: Uint8Array = wordOf(1n)

/** ABI-encoded `Error(reason)` revert data, as Solidity's `revert(reason)` produces. */
export function encodeRevert(reason: string): Hex {
  return `${ERROR_SELECTOR}${encodeAbiParameters([{ type: 'string' }], [reason]).slice(2)}` as Hex
}

/** Decodes dynamic arguments with viem; any decoding failure reverts. */
export function decodeArgs<T extends readonly unknown[]>(
  params: readonly { readonly type: string }[],
  data: Uint8Array,
): T {
  try {
    return decodeAbiParameters(params, data.subarray(4)) as unknown as T
  } catch {
    throw new Revert('invalid calldata')
  }
}
