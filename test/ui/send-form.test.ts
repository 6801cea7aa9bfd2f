import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import type { TokenHolding } from '../../src/node/worker/queries'
import { parseSend, type SendFields, sendProblems } from '../../src/ui/send-form'
import { tokenActionProblems } from '../../src/ui/token-form'

const BOB = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const GLD: TokenHolding = {
  token: {
    address: '0x1000000000000000000000000000000000000001',
    name: 'Gold',
    symbol: 'GLD',
    decimals: 2,
    totalSupply: 1000_00n,
    owner: '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  },
  balance: 1000_00n,
  created: true,
}
const ctx = { tokens: [GLD], balance: 10n ** 19n }
const fields: SendFields = { to: BOB, asset: 'TAB', amount: '2.5' }
const all = new Set(['to', 'asset', 'amount'] as const)

describe('wallet send form', () => {
  test('reads the recipient, the coin or the token, and the amount in its units', () => {
    expect(parseSend(fields, ctx)).toEqual({
      ok: true,
      value: { to: BOB, token: null, value: 25n * 10n ** 17n },
    })
    expect(parseSend({ to: BOB.toLowerCase(), asset: GLD.token.address, amount: '250.5' }, ctx)).toEqual({
      ok: true,
      value: { to: BOB, token: GLD, value: 250_50n },
    })
  })

  test('each problem is shown beside its field once it is edited; a submit shows them all and refuses', () => {
    const empty = { ...fields, to: '', amount: '' }
    expect(sendProblems(empty, ctx, new Set())).toEqual({})
    expect(sendProblems(empty, ctx, new Set(['to']))).toEqual({ to: 'Enter an address (0x…).' })
    expect(sendProblems(empty, ctx, all)).toEqual({
      to: 'Enter an address (0x…).',
      amount: 'Enter an amount.',
    })
    const swapped = BOB.replace('C', 'c') as Address
    expect(sendProblems({ ...fields, to: swapped }, ctx, all)).toEqual({
      to: 'The address checksum (EIP-55) does not match: check it for a typo.',
    })
    // More coin than the account has (the fee on top is checked against the node's fees on submit).
    expect(sendProblems({ ...fields, amount: '11' }, ctx, all)).toEqual({
      amount: 'Insufficient balance: you have 10 TAB.',
    })
    expect(sendProblems({ ...fields, amount: '10' }, ctx, all)).toEqual({})
    // Before the account's balance is read it is not taken for zero: the wallet checks it before signing.
    expect(sendProblems({ ...fields, amount: '11' }, { ...ctx, balance: null }, all)).toEqual({})
    expect(parseSend({ ...fields, amount: '11' }, { ...ctx, balance: null })).toMatchObject({ ok: true })
    const gld = { ...fields, asset: GLD.token.address }
    expect(sendProblems({ ...gld, amount: '2000' }, ctx, all)).toEqual({
      amount: 'Insufficient balance: you have 1,000 GLD.',
    })
    expect(sendProblems({ ...gld, amount: '250.505' }, ctx, all)).toEqual({ amount: 'At most 2 decimals.' })
    // The token chosen is no longer held (the list moved with the head): said beside it.
    expect(sendProblems(gld, { ...ctx, tokens: [] }, all)).toEqual({
      asset: 'You no longer hold that token.',
    })
    expect(parseSend({ ...gld, to: 'x', amount: '0' }, ctx)).toEqual({
      ok: false,
      error: 'That is not an address (0x and 40 hex digits). The amount must be more than zero.',
    })
  })

  test.each([
    ['', 'Enter an address (0x…).'],
    ['0x1234', 'That is not an address (0x and 40 hex digits).'],
    [' bob ', 'That is not an address (0x and 40 hex digits).'],
    [BOB.replace('C', 'c'), 'The address checksum (EIP-55) does not match: check it for a typo.'],
  ])('the bad address %j reads the same reason here as in the Tokens form', (to, reason) => {
    expect(sendProblems({ ...fields, to }, ctx, all)).toEqual({ to: reason })
    const tokens = { token: GLD.token.address, action: 'transfer', recipient: to, amount: '1' } as const
    expect(tokenActionProblems(tokens, { holdings: [GLD] }, new Set(['recipient']))).toEqual({
      recipient: reason,
    })
  })
})
