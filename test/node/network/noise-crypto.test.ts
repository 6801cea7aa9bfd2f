import { pureJsCrypto } from '@chainsafe/libp2p-noise'
import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, test } from 'vitest'
import { pooledNoiseCrypto, webCryptoKeyPair } from '../../../src/node/network/noise-crypto'

const hex = (b: Uint8Array | { subarray(): Uint8Array }): string =>
  Buffer.from(b instanceof Uint8Array ? b : b.subarray()).toString('hex')

describe('noise crypto with WebCrypto X25519 key pairs', () => {
  test('a WebCrypto pair is an X25519 pair as noble computes it', async () => {
    for (let i = 0; i < 8; i++) {
      const pair = await webCryptoKeyPair()
      expect(pair.privateKey.byteLength).toBe(32)
      expect(hex(pair.publicKey)).toBe(hex(x25519.getPublicKey(pair.privateKey)))
    }
  })

  test('pairs are fresh, also past the pool size, and agree on shared secrets', async () => {
    const c = await pooledNoiseCrypto(2)
    const pairs = Array.from({ length: 6 }, () => c.generateX25519KeyPair())
    expect(new Set(pairs.map((p) => hex(p.privateKey))).size).toBe(6)
    for (const p of pairs) expect(hex(p.publicKey)).toBe(hex(x25519.getPublicKey(p.privateKey)))
    const [a, b] = pairs
    if (a === undefined || b === undefined) throw new Error('no pairs')
    expect(hex(c.generateX25519SharedKey(a.privateKey, b.publicKey))).toBe(
      hex(pureJsCrypto.generateX25519SharedKey(b.privateKey, a.publicKey)),
    )
  })

  test('the pool refills after use', async () => {
    const c = await pooledNoiseCrypto(3)
    const used = [c.generateX25519KeyPair(), c.generateX25519KeyPair(), c.generateX25519KeyPair()]
    await new Promise((r) => setTimeout(r, 50))
    const next = c.generateX25519KeyPair()
    expect(used.map((p) => hex(p.privateKey))).not.toContain(hex(next.privateKey))
    expect(hex(next.publicKey)).toBe(hex(x25519.getPublicKey(next.privateKey)))
  })

  test('without X25519 in WebCrypto (or an unexpected export) it is noble all along', async () => {
    const refusing = {
      generateKey: () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError')),
    } as unknown as SubtleCrypto
    expect(await pooledNoiseCrypto(2, refusing)).toBe(pureJsCrypto)
    const odd = {
      generateKey: (alg: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) =>
        crypto.subtle.generateKey(alg, extractable, usages),
      exportKey: async () => new ArrayBuffer(32),
    } as unknown as SubtleCrypto
    expect(await pooledNoiseCrypto(2, odd)).toBe(pureJsCrypto)
  })
})
