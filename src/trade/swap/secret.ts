import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Hex } from 'viem'
import { bytesToHex, hexToBytes } from 'viem'

const encoder = new TextEncoder()

/**
 * The wallet's swap key: HKDF-SHA256 of the wallet seed (BIP-39 seed bytes) with a Tabchain-specific
 * info string. It can only make swap secrets, never spend: the wallet may hand it to the node while
 * unlocked. The same seed always gives the same key, so secrets can be recovered from the phrase.
 */
export function swapKeyFromSeed(seed: Uint8Array): Uint8Array {
  return hkdf(sha256, seed, encoder.encode('tabchain'), encoder.encode('tabchain/swap-secret/v1'), 32)
}

/**
 * The maker's secret for one offer: HMAC-SHA256(swap key, chainId as 8 bytes big-endian ‖ offerId).
 * Deterministic, so a reloaded or restored wallet recomputes it; different for every offer and chain.
 */
export function swapSecret(swapKey: Uint8Array, chainId: number, offerId: Hex): Hex {
  const message = new Uint8Array(40)
  new DataView(message.buffer).setBigUint64(0, BigInt(chainId))
  message.set(hexToBytes(offerId), 8)
  return bytesToHex(hmac(sha256, swapKey, message))
}

/** The HTLC hashlock of a secret: sha256 of its 32 bytes. */
export function hashlockOf(secret: Hex): Hex {
  return bytesToHex(sha256(hexToBytes(secret)))
}
