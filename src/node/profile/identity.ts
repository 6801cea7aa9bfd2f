import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** RFC 8410 PKCS#8 wrapping of an Ed25519 seed: this 16-byte prefix, then the 32-byte seed. */
const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420'

/**
 * A new Ed25519 libp2p identity. The browser's WebCrypto makes the key natively (a tab's first start
 * waits on it); where WebCrypto lacks Ed25519, libp2p's own generator (noble, in JavaScript, slower on
 * a cold start) makes it.
 */
export async function newIdentityKey(subtle: SubtleCrypto = crypto.subtle): Promise<PrivateKey> {
  let pair: CryptoKeyPair
  try {
    pair = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  } catch {
    return generateKeyPair('Ed25519')
  }
  const [pkcs8, pub] = await Promise.all([
    subtle.exportKey('pkcs8', pair.privateKey),
    subtle.exportKey('raw', pair.publicKey),
  ])
  const der = new Uint8Array(pkcs8)
  const prefix = Array.from(der.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')
  if (der.byteLength !== 48 || prefix !== PKCS8_ED25519_PREFIX || pub.byteLength !== 32) {
    throw new Error('WebCrypto exported an Ed25519 key in an unexpected form')
  }
  // libp2p's raw Ed25519 private key is the 32-byte seed followed by the 32-byte public key.
  const raw = new Uint8Array(64)
  raw.set(der.subarray(16), 0)
  raw.set(new Uint8Array(pub), 32)
  return privateKeyFromRaw(raw)
}
