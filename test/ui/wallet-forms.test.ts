import { describe, expect, test } from 'vitest'
import {
  importKeyProblems,
  type NewWalletField,
  type NewWalletFields,
  newWalletProblems,
  parseImportKey,
  parseNewWallet,
} from '../../src/ui/wallet-forms'
import { addressOf } from '../../src/wallet/keys'
import { HARDHAT_MNEMONIC } from '../wallet/solo-node'

const PASSWORD = 'correct horse battery'
const fields: NewWalletFields = { phrase: '', password: PASSWORD, again: PASSWORD }
const create = { mode: 'create', created: HARDHAT_MNEMONIC, saved: true } as const
const restore = { ...create, mode: 'import' } as const
const all = new Set<NewWalletField>(['phrase', 'password', 'again', 'saved'])

describe('wallet onboarding form', () => {
  test('creates with the phrase shown, or restores the one typed, under the password', () => {
    expect(parseNewWallet(fields, create)).toEqual({
      ok: true,
      value: { mnemonic: HARDHAT_MNEMONIC, password: PASSWORD },
    })
    const typed = ` ${HARDHAT_MNEMONIC.toUpperCase()} `
    expect(parseNewWallet({ ...fields, phrase: typed }, restore)).toEqual({
      ok: true,
      value: { mnemonic: typed, password: PASSWORD },
    })
  })

  test('a password too short is said beside it as it is typed, and a submit is refused with the reason', () => {
    const short = { ...fields, password: 'seven77', again: 'seven77' }
    expect(newWalletProblems(short, create, new Set())).toEqual({})
    expect(newWalletProblems(short, create, new Set(['password']))).toEqual({
      password: 'The password must be at least 8 characters.',
    })
    expect(parseNewWallet(short, create)).toEqual({
      ok: false,
      error: 'The password must be at least 8 characters.',
    })
    expect(newWalletProblems({ ...short, password: 'eight888' }, create, all)).toEqual({
      again: 'The passwords differ.',
    })
    expect(newWalletProblems({ ...fields, again: '' }, create, all)).toEqual({
      again: 'Repeat the password.',
    })
  })

  test('each problem is shown beside its field once it is edited; a submit shows them all', () => {
    const empty = { phrase: '', password: '', again: '' }
    expect(newWalletProblems(empty, { ...create, saved: false }, all)).toEqual({
      saved: 'Write the recovery phrase down, then tick this box.',
      password: 'The password must be at least 8 characters.',
    })
    expect(newWalletProblems(empty, restore, all)).toEqual({
      phrase: 'Enter your recovery phrase (12 to 24 words).',
      password: 'The password must be at least 8 characters.',
    })
    // The phrase is checked as the wallet checks it: the words, their count, their checksum.
    const phrase = (typed: string) => newWalletProblems({ ...fields, phrase: typed }, restore, all)
    expect(phrase('test test test')).toEqual({
      phrase: 'That is not a recovery phrase: 3 words (12, 15, 18, 21 or 24 expected).',
    })
    expect(phrase(HARDHAT_MNEMONIC.replace('junk', 'junq'))).toEqual({
      phrase: 'That is not a recovery phrase: "junq" is not a BIP-39 word.',
    })
    expect(phrase(HARDHAT_MNEMONIC.replace('junk', 'test'))).toEqual({
      phrase: 'That is not a recovery phrase: checksum does not match (a word is wrong).',
    })
    // The create tab does not ask for a typed phrase.
    expect(newWalletProblems(fields, create, all)).toEqual({})
  })
})

describe('import-private-key form', () => {
  const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
  const touched = new Set(['key'] as const)

  test('reads the key, with or without 0x', () => {
    expect(parseImportKey({ key: ` ${KEY.slice(2).toUpperCase()} ` }, [])).toEqual({ ok: true, value: KEY })
  })

  test('its problem is said beside it as it is typed; a submit is refused with it', () => {
    expect(importKeyProblems({ key: '' }, [], new Set())).toEqual({})
    expect(importKeyProblems({ key: '' }, [], touched)).toEqual({
      key: 'Enter the private key (0x and 64 hex digits).',
    })
    expect(importKeyProblems({ key: '0x1234' }, [], touched)).toEqual({
      key: 'That is not a private key: 32 bytes of hex expected.',
    })
    expect(importKeyProblems({ key: `0x${'0'.repeat(64)}` }, [], touched)).toEqual({
      key: 'That is not a private key: not a valid secp256k1 key.',
    })
    expect(parseImportKey({ key: KEY }, [addressOf(KEY)])).toEqual({
      ok: false,
      error: 'This account is already in the wallet.',
    })
  })
})
