import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Address } from 'viem'
import { publicKeyToAddress } from '../../src/node/chain/tx'

/** A bench account: deterministic key (so runs are comparable), its address. */
export interface BenchKey {
  readonly privateKey: Uint8Array
  readonly address: Address
}

const encoder = new TextEncoder()

/**
 * `count` deterministic keys for `label`: keccak256("tabchain-bench/<label>/<i>"), a valid secp256k1
 * scalar with overwhelming probability (checked).
 */
export function benchKeys(label: string, count: number): BenchKey[] {
  const out: BenchKey[] = []
  for (let i = 0; i < count; i++) {
    const privateKey = keccak_256(encoder.encode(`tabchain-bench/${label}/${i}`))
    if (!secp256k1.utils.isValidSecretKey(privateKey)) throw new Error(`bench key ${label}/${i} is invalid`)
    out.push({ privateKey, address: publicKeyToAddress(secp256k1.getPublicKey(privateKey, false)) })
  }
  return out
}

/** A recoverable, low-s ECDSA signature of a 32-byte hash (no pre-hashing), as Ethereum signs. */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): { r: bigint; s: bigint; yParity: 0 | 1 } {
  const bytes = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered' })
  const sig = secp256k1.Signature.fromBytes(bytes, 'recovered')
  return { r: sig.r, s: sig.s, yParity: sig.recovery === 1 ? 1 : 0 }
}
