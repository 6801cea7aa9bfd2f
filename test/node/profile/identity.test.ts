import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { newIdentityKey } from '../../../src/node/profile/identity'

describe('newIdentityKey', () => {
  it('makes a working Ed25519 libp2p key with WebCrypto', async () => {
    const key = await newIdentityKey()
    expect(key.type).toBe('Ed25519')
    const msg = new TextEncoder().encode('tabchain')
    const sig = await key.sign(msg)
    expect(await key.publicKey.verify(msg, sig)).toBe(true)
    // It survives the profile store's protobuf round-trip with the same peer id.
    const again = privateKeyFromProtobuf(privateKeyToProtobuf(key))
    expect(peerIdFromPrivateKey(again).toString()).toBe(peerIdFromPrivateKey(key).toString())
  })

  it('makes a different key each time', async () => {
    const [a, b] = await Promise.all([newIdentityKey(), newIdentityKey()])
    expect(peerIdFromPrivateKey(a).equals(peerIdFromPrivateKey(b))).toBe(false)
  })

  it('falls back to libp2p’s generator where WebCrypto lacks Ed25519', async () => {
    const noEd25519 = {
      generateKey: () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError')),
    } as unknown as SubtleCrypto
    const key = await newIdentityKey(noEd25519)
    expect(key.type).toBe('Ed25519')
    const msg = new Uint8Array([1, 2, 3])
    expect(await key.publicKey.verify(msg, await key.sign(msg))).toBe(true)
  })

  it('matches a key libp2p generates in form (64 raw bytes: seed then public key)', async () => {
    const ours = await newIdentityKey()
    const theirs = await generateKeyPair('Ed25519')
    expect(ours.raw.byteLength).toBe(theirs.raw.byteLength)
    expect(ours.raw.subarray(32)).toEqual(ours.publicKey.raw)
  })
})
