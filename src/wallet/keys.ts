import { HDKey } from '@scure/bip32'
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english'
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { walletError } from './errors'

/**
 * BIP-39 mnemonics (English word list) and BIP-32/44 derivation at m/44'/60'/0'/0/i, with the audited
 * @scure libraries. Nothing here leaves the wallet module except addresses.
 */

export type MnemonicLength = 12 | 24

/** A fresh random mnemonic: 12 words (128 bits of entropy) or 24 words (256 bits). */
export function createMnemonic(words: MnemonicLength = 12): string {
  return generateMnemonic(wordlist, words === 24 ? 256 : 128)
}

/**
 * The canonical form of a typed phrase (lower case, single spaces), checked: 12, 15, 18, 21 or 24
 * English words with a valid BIP-39 checksum. Throws `WALLET_BAD_MNEMONIC`.
 */
export function checkMnemonic(phrase: string): string {
  if (typeof phrase !== 'string') throw walletError({ code: 'WALLET_BAD_MNEMONIC', reason: 'not text' })
  const words = phrase.trim().toLowerCase().split(/\s+/).filter(Boolean)
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw walletError({
      code: 'WALLET_BAD_MNEMONIC',
      reason: `${words.length} words (12, 15, 18, 21 or 24 expected)`,
    })
  }
  const unknown = words.find((w) => !wordlist.includes(w))
  if (unknown !== undefined) {
    throw walletError({ code: 'WALLET_BAD_MNEMONIC', reason: `"${unknown}" is not a BIP-39 word` })
  }
  const canonical = words.join(' ')
  if (!validateMnemonic(canonical, wordlist)) {
    throw walletError({ code: 'WALLET_BAD_MNEMONIC', reason: 'checksum does not match (a word is wrong)' })
  }
  return canonical
}

/** The Ethereum derivation path of account `index`. */
export const accountPath = (index: number): string => `m/44'/60'/0'/0/${index}`

/** A seed's root key, from which accounts are derived (BIP-39 seed, no passphrase). */
export function rootKey(mnemonic: string): HDKey {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic))
}

/** Private key of account `index` under `root`. */
export function deriveKey(root: HDKey, index: number): Hex {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** 31) {
    throw new RangeError('account index must be an integer in [0, 2^31)')
  }
  const key = root.derive(accountPath(index)).privateKey
  if (key === null) throw new Error('derivation gave no private key')
  return bytesToHex(key)
}

/**
 * Private key of account `index` under the BIP-39 `seed`, as bytes the caller owns (and zeroes once
 * done): the root and child keys built on the way are wiped before it returns.
 */
export function deriveKeyFromSeed(seed: Uint8Array, index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** 31) {
    throw new RangeError('account index must be an integer in [0, 2^31)')
  }
  const root = HDKey.fromMasterSeed(seed)
  const child = root.derive(accountPath(index))
  try {
    if (child.privateKey === null) throw new Error('derivation gave no private key')
    return child.privateKey.slice()
  } finally {
    child.wipePrivateData()
    root.wipePrivateData()
  }
}

/** The bytes of a checked private key, in a buffer the caller owns (and zeroes once done). */
export function privateKeyBytes(key: Hex): Uint8Array {
  return hexToBytes(key)
}

/** Lower-case hex of a typed private key (with or without 0x), checked. Throws `WALLET_BAD_PRIVATE_KEY`. */
export function checkPrivateKey(input: string): Hex {
  const hex = (typeof input === 'string' ? input.trim() : '').replace(/^0x/i, '').toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw walletError({ code: 'WALLET_BAD_PRIVATE_KEY', reason: '32 bytes of hex expected' })
  }
  const key = `0x${hex}` as Hex
  try {
    privateKeyToAddress(key)
  } catch {
    throw walletError({ code: 'WALLET_BAD_PRIVATE_KEY', reason: 'not a valid secp256k1 key' })
  }
  return key
}

/** The address (EIP-55 checksummed) of a private key. */
export function addressOf(key: Hex): Address {
  return privateKeyToAddress(key)
}

/** The BIP-39 seed of a checked mnemonic (no passphrase): what the swap key is derived from. */
export function seedOf(mnemonic: string): Uint8Array {
  return mnemonicToSeedSync(mnemonic)
}
