import { MAX_NONCE, sealHash } from '../chain/header'
import type { Header } from '../chain/types'
import { keccak } from '../codec/bytes'

const TWO_256 = 1n << 256n

/**
 * Keccak proof of work.
 *
 * A header is sealed iff `uint256(keccak256(sealHash(header) ‖ nonce)) ≤ 2^256 / difficulty`, where
 * `sealHash` is the keccak of the RLP of every header field but the nonce (chain/header.ts) and `nonce` is
 * 8 bytes big-endian. The expected number of attempts is `difficulty`, so a block's work is its
 * difficulty and the heaviest chain is the one with the largest sum of difficulties. Difficulty 1 makes
 * every nonce valid (test genesis files).
 */
export function powTarget(difficulty: bigint): bigint {
  if (difficulty <= 0n) throw new RangeError('difficulty must be positive')
  return TWO_256 / difficulty
}

/**
 * True iff `header.nonce` satisfies the proof of work for `header.difficulty`.
 *
 * @param seal `sealHash(header)` when the caller computed it already (`decodeHeadersResponse` does, from
 *   the header's decoded fields); never a hash taken from the wire
 */
export function checkPow(header: Header, seal: Uint8Array = sealHash(header)): boolean {
  if (header.difficulty <= 0n || header.nonce < 0n || header.nonce > MAX_NONCE) return false
  const buf = sealBuffer(seal)
  writeNonce(buf, header.nonce)
  return powValue(buf) <= powTarget(header.difficulty)
}

/** A 40-byte buffer `sealHash ‖ nonce`, reused across attempts so mining allocates nothing per try. */
export function sealBuffer(seal: Uint8Array): Uint8Array {
  const buf = new Uint8Array(40)
  buf.set(seal, 0)
  return buf
}

/** Writes `nonce` (< 2^64) big-endian into the last 8 bytes of a seal buffer. */
export function writeNonce(buf: Uint8Array, nonce: bigint): void {
  new DataView(buf.buffer, buf.byteOffset, 40).setBigUint64(32, nonce)
}

/**
 * The proof-of-work hash of a filled seal buffer as an integer. It hashes with `codec/bytes`' keccak
 * (WebAssembly in the worker): on these 40 bytes noble's hasher took ~6 µs, this ~0.7 µs, and reading the
 * digest as four 64-bit words instead of 32 byte shifts saves another ~1 µs per attempt.
 */
export function powValue(buf: Uint8Array): bigint {
  const h = keccak(buf)
  const v = new DataView(h.buffer, h.byteOffset, 32)
  return (
    (v.getBigUint64(0) << 192n) |
    (v.getBigUint64(8) << 128n) |
    (v.getBigUint64(16) << 64n) |
    v.getBigUint64(24)
  )
}
