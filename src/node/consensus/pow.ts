import { keccak_256 } from '@noble/hashes/sha3.js'
import { MAX_NONCE, sealHash } from '../chain/header'
import type { Header } from '../chain/types'

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

/** True iff `header.nonce` satisfies the proof of work for `header.difficulty`. */
export function checkPow(header: Header): boolean {
  if (header.difficulty <= 0n || header.nonce < 0n || header.nonce > MAX_NONCE) return false
  const buf = sealBuffer(sealHash(header))
  writeNonce(buf, header.nonce)
  return powValue(buf) <= powTarget(header.difficulty)
}

/** A 40-byte buffer `sealHash ‖ nonce`, reused across attempts so mining allocates nothing per try. */
export function sealBuffer(seal: Uint8Array): Uint8Array {
  const buf = new Uint8Array(40)
  buf.set(seal, 0)
  return buf
}

export function writeNonce(buf: Uint8Array, nonce: bigint): void {
  let n = nonce
  for (let i = 39; i >= 32; i--) {
    buf[i] = Number(n & 0xffn)
    n >>= 8n
  }
}

/** The proof-of-work hash of a filled seal buffer as an integer. */
export function powValue(buf: Uint8Array): bigint {
  const h = keccak_256(buf)
  let v = 0n
  for (const byte of h) v = (v << 8n) | BigInt(byte)
  return v
}
