import type { Hex } from 'viem'
import { toHex as bytesToHex, fromHex as hexToBytes, keccak } from '../codec/bytes'
import { type RlpItem, rlpEncode, rlpHashWithoutLast } from '../codec/rlp'
import { asFixed, asList, asUint, decodeRlpStrict, malformed, uintToRlp } from './block-rlp'
import type { Header } from './types'

/** Largest encoded header: 13 fields, the 256-byte bloom dominates. Anything larger is refused unread. */
export const MAX_HEADER_BYTES = 1024

/** Proof-of-work nonces are 64-bit, as in Ethereum. */
export const MAX_NONCE = (1n << 64n) - 1n

const HEADER_FIELDS = 13

type RlpFields = Uint8Array[]

/** Header fields in the consensus order of `Header` (src/node/chain/types.ts), nonce last. */
export function headerFields(h: Header): RlpFields {
  return [
    hexToBytes(h.parentHash),
    uintToRlp(h.number),
    uintToRlp(h.timestamp),
    hexToBytes(h.miner),
    hexToBytes(h.stateRoot),
    hexToBytes(h.transactionsRoot),
    hexToBytes(h.receiptsRoot),
    hexToBytes(h.logsBloom),
    uintToRlp(h.gasLimit),
    uintToRlp(h.gasUsed),
    uintToRlp(h.baseFeePerGas),
    uintToRlp(h.difficulty),
    uintToRlp(h.nonce),
  ]
}

/** Canonical RLP of a header: the list of its 13 fields in `Header` order. */
export function encodeHeader(h: Header): Uint8Array {
  return rlpEncode(headerFields(h))
}

/**
 * `keccak256(rlp(header))`: the block hash. Hashed with `codec/bytes`' keccak (WebAssembly once loaded):
 * a header is five keccak blocks, where it is several times faster than JavaScript (light sync hashes
 * every header twice).
 */
export function hashHeader(h: Header): Hex {
  return bytesToHex(keccak(encodeHeader(h)))
}

/**
 * The hash a miner seals: `keccak256(rlp(the first 12 fields))`, i.e. the header without its nonce, so the
 * proof-of-work loop hashes only 40 bytes per attempt (see consensus/pow.ts).
 */
export function sealHash(h: Header): Uint8Array {
  return keccak(rlpEncode(headerFields(h).slice(0, HEADER_FIELDS - 1)))
}

/** A header's block hash and seal hash (`hashHeader`, `sealHash`). */
export interface HeaderHashes {
  readonly hash: Hex
  readonly seal: Uint8Array
}

/** `HeaderHashes` with the block hash's bytes too (a decoder that links headers needs both). */
export interface FieldHashes extends HeaderHashes {
  readonly hashBytes: Uint8Array
}

/**
 * Both hashes of a header from its 13 RLP fields as a strict decode yields them (canonical, so they
 * re-encode to the bytes its miner hashed): no round trip through the `Header`'s hex strings, which cost
 * a light client more than the hashing itself.
 */
export function hashHeaderFields(fields: readonly RlpItem[]): FieldHashes {
  if (fields.length !== HEADER_FIELDS)
    throw malformed(`header has ${fields.length} fields, not ${HEADER_FIELDS}`)
  // The seal is the header without its nonce (the last field): both hashes from one encoding.
  const { whole: hashBytes, withoutLast: seal } = rlpHashWithoutLast(fields, keccak)
  return { hash: bytesToHex(hashBytes), hashBytes, seal }
}

type DecodedItem = Parameters<typeof asList>[0]

function knownOrFixed(
  item: DecodedItem,
  size: number,
  what: string,
  known: ReadonlyMap<Uint8Array, Hex> | undefined,
): Hex {
  return (item instanceof Uint8Array && known?.get(item)) || asFixed(item, size, what)
}

/** Strict decoding of a header; throws `BlockError` (`BLOCK_MALFORMED`, `BLOCK_TOO_LARGE`). */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length > MAX_HEADER_BYTES) throw malformed(`header larger than ${MAX_HEADER_BYTES} bytes`)
  return headerFromRlp(decodeRlpStrict(bytes))
}

/**
 * Builds a header from an already decoded RLP item (the block decoder's, or the sync messages' compact
 * form restored). `known` gives the hex of particular byte strings, by identity: a decoder that put a
 * constant or a value it already converted into a field passes it, and that field is not converted
 * again (a light client converting every field of 10,000 headers spent more on hex than on keccak).
 */
export function headerFromRlp(item: DecodedItem, known?: ReadonlyMap<Uint8Array, Hex>): Header {
  const f = asList(item, 'header', HEADER_FIELDS)
  return {
    parentHash: knownOrFixed(f[0], 32, 'parentHash', known),
    number: asUint(f[1], 8, 'number'),
    timestamp: asUint(f[2], 8, 'timestamp'),
    miner: knownOrFixed(f[3], 20, 'miner', known),
    stateRoot: asFixed(f[4], 32, 'stateRoot'),
    transactionsRoot: knownOrFixed(f[5], 32, 'transactionsRoot', known),
    receiptsRoot: knownOrFixed(f[6], 32, 'receiptsRoot', known),
    logsBloom: knownOrFixed(f[7], 256, 'logsBloom', known),
    gasLimit: asUint(f[8], 32, 'gasLimit'),
    gasUsed: asUint(f[9], 32, 'gasUsed'),
    baseFeePerGas: asUint(f[10], 32, 'baseFeePerGas'),
    difficulty: asUint(f[11], 32, 'difficulty'),
    nonce: asUint(f[12], 8, 'nonce'),
  }
}
