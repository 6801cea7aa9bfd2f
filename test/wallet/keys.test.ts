import { HDKey } from '@scure/bip32'
import { generateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english'
import { bytesToHex } from 'viem'
import { describe, expect, test, vi } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import {
  addressOf,
  checkMnemonic,
  checkPrivateKey,
  createMnemonic,
  deriveKey,
  deriveKeyFromSeed,
  rootKey,
  seedOf,
} from '../../src/wallet/keys'
import { HARDHAT_MNEMONIC } from './solo-node'

describe('keys', () => {
  test('the Hardhat/Anvil mnemonic derives its published accounts at m/44’/60’/0’/0/i', () => {
    const root = rootKey(checkMnemonic(HARDHAT_MNEMONIC))
    expect(deriveKey(root, 0)).toBe('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
    expect(deriveKey(root, 1)).toBe('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    expect(deriveKey(root, 2)).toBe('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
    expect(addressOf(deriveKey(root, 0))).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    for (let i = 0; i < 10; i++) {
      expect(addressOf(deriveKey(root, i)).toLowerCase()).toBe(DEVNET_ACCOUNTS[i])
    }
  })

  test('the key from the seed is the key from the mnemonic, in bytes the caller owns; the root and child keys built on the way are wiped', () => {
    const seed = seedOf(checkMnemonic(HARDHAT_MNEMONIC))
    const wipe = vi.spyOn(HDKey.prototype, 'wipePrivateData')
    try {
      for (const index of [0, 1, 2 ** 31 - 1]) {
        wipe.mockClear()
        const key = deriveKeyFromSeed(seed, index)
        expect(bytesToHex(key)).toBe(deriveKey(rootKey(HARDHAT_MNEMONIC), index))
        // The root and the child it derived were both wiped: depth 0 and depth 5 (m/44'/60'/0'/0/i).
        expect(wipe.mock.contexts.map((k) => (k as HDKey).depth).sort()).toEqual([0, 5])
      }
    } finally {
      wipe.mockRestore()
    }
  })

  test('an account index outside [0, 2^31) is refused before deriving', () => {
    const root = rootKey(HARDHAT_MNEMONIC)
    const seed = seedOf(HARDHAT_MNEMONIC)
    for (const index of [-1, 1.5, 2 ** 31, Number.NaN]) {
      expect(() => deriveKey(root, index)).toThrow(RangeError)
      expect(() => deriveKeyFromSeed(seed, index)).toThrow(RangeError)
    }
  })

  test('new mnemonics have 12 or 24 words and pass their own checksum', () => {
    expect(checkMnemonic(createMnemonic()).split(' ')).toHaveLength(12)
    expect(checkMnemonic(createMnemonic(24)).split(' ')).toHaveLength(24)
    expect(createMnemonic()).not.toBe(createMnemonic())
  })

  test('a phrase of any BIP-39 length restores, and a wrong length names every length accepted', () => {
    for (const strength of [128, 160, 192, 224, 256]) {
      const phrase = generateMnemonic(wordlist, strength)
      expect(checkMnemonic(phrase)).toBe(phrase)
    }
    expect(() => checkMnemonic('test '.repeat(13))).toThrow('13 words (12, 15, 18, 21 or 24 expected)')
  })

  test('a typed phrase is normalised (case, spaces)', () => {
    expect(checkMnemonic('  TEST test\ttest test test test test test test test test   junk\n')).toBe(
      HARDHAT_MNEMONIC,
    )
  })

  test('a wrong checksum, an unknown word or a wrong length is refused', () => {
    const bad = (phrase: string) => expect(() => checkMnemonic(phrase)).toThrow(/invalid recovery phrase/)
    bad('test test test test test test test test test test test test') // valid words, bad checksum
    bad('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon')
    bad('test test test test test test test test test test test junkk')
    bad('test test test test test test test test test test junk')
    bad('')
    try {
      checkMnemonic('test test test test test test test test test test test test')
    } catch (err) {
      expect(err).toMatchObject({ type: { code: 'WALLET_BAD_MNEMONIC' } })
    }
  })

  test('private keys: 32 bytes of hex in the curve order, with or without 0x', () => {
    const k = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
    expect(checkPrivateKey(k)).toBe(`0x${k}`)
    expect(checkPrivateKey(`0x${k.toUpperCase()}`)).toBe(`0x${k}`)
    expect(checkPrivateKey(`0X${k}`)).toBe(`0x${k}`)
    // Too short says so, rather than blaming the curve.
    expect(() => checkPrivateKey(`0x${k.slice(2)}`)).toThrow(
      expect.objectContaining({
        type: { code: 'WALLET_BAD_PRIVATE_KEY', reason: '32 bytes of hex expected' },
      }),
    )
    for (const bad of [
      '',
      '0x12',
      `0x${'0'.repeat(64)}`,
      `0x${'f'.repeat(64)}`,
      `0x${k}00`,
      `0x${k.slice(2)}zz`,
    ]) {
      expect(() => checkPrivateKey(bad)).toThrow(/invalid private key/)
    }
  })
})
