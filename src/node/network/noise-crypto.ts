import { type ICryptoInterface, pureJsCrypto } from '@chainsafe/libp2p-noise'

/** RFC 8410 PKCS#8 wrapping of an X25519 private key: this 16-byte prefix, then the 32-byte key. */
const PKCS8_X25519_PREFIX = '302e020100300506032b656e04220420'

type KeyPair = ReturnType<ICryptoInterface['generateX25519KeyPair']>

/**
 * Noise's crypto (`@chainsafe/libp2p-noise` asks for it synchronously) with its X25519 key pairs made
 * ahead of time by WebCrypto, natively, instead of by noble in JavaScript on the page's main thread.
 * Each noise handshake makes one key pair, and the first one also builds noble's precomputed tables:
 * on a loaded two-core machine that cost hundreds of ms while the tab was connecting to the relay.
 * Every pair is used once; the pool refills in the background, and noble makes any pair asked for
 * while the pool is empty (or everything, where WebCrypto lacks X25519). Diffie-Hellman, hashing and
 * the cipher stay noble's.
 */
export async function pooledNoiseCrypto(
  size = 4,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<ICryptoInterface> {
  const pool: KeyPair[] = []
  let filling = false
  const refill = async (): Promise<void> => {
    if (filling) return
    filling = true
    try {
      while (pool.length < size)
        pool.push(
          ...(await Promise.all(Array.from({ length: size - pool.length }, () => webCryptoKeyPair(subtle)))),
        )
    } finally {
      filling = false
    }
  }
  try {
    await refill()
  } catch {
    return pureJsCrypto
  }
  return {
    ...pureJsCrypto,
    generateX25519KeyPair(): KeyPair {
      const pair = pool.shift()
      refill().catch(() => {})
      return pair ?? pureJsCrypto.generateX25519KeyPair()
    },
  }
}

/** One X25519 key pair from WebCrypto, as raw bytes (the private key as RFC 7748 bytes, unclamped). */
export async function webCryptoKeyPair(subtle: SubtleCrypto = crypto.subtle): Promise<KeyPair> {
  const pair = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair
  const [pkcs8, pub] = await Promise.all([
    subtle.exportKey('pkcs8', pair.privateKey),
    subtle.exportKey('raw', pair.publicKey),
  ])
  const der = new Uint8Array(pkcs8)
  const prefix = Array.from(der.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')
  if (der.byteLength !== 48 || prefix !== PKCS8_X25519_PREFIX || pub.byteLength !== 32) {
    throw new Error('WebCrypto exported an X25519 key in an unexpected form')
  }
  return { publicKey: new Uint8Array(pub), privateKey: der.slice(16) }
}
