import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import type { TokenHolding } from '../../src/node/worker/queries'
import {
  decimalsHint,
  type NewTokenFields,
  newTokenProblems,
  parseAddress,
  parseAmount,
  parseNewToken,
  parseTokenAction,
  type TokenActionFields,
  tokenActionProblems,
} from '../../src/ui/token-form'

describe('token form parsing', () => {
  test('amounts in base units, with the token’s decimals', () => {
    expect(parseAmount('12', 2)).toEqual({ ok: true, value: 1200n })
    expect(parseAmount(' 1,000.25 ', 2)).toEqual({ ok: true, value: 100025n })
    expect(parseAmount('12,345,678', 0)).toEqual({ ok: true, value: 12345678n })
    expect(parseAmount('1_000', 0)).toEqual({ ok: true, value: 1000n })
    expect(parseAmount('.5', 18)).toEqual({ ok: true, value: 5n * 10n ** 17n })
    expect(parseAmount('7', 0)).toEqual({ ok: true, value: 7n })
    expect(parseAmount('0', 2, { allowZero: true })).toEqual({ ok: true, value: 0n })
  })

  test.each([
    ['', 2, 'Enter an amount.'],
    ['abc', 2, 'Enter a number such as 12 or 0.5.'],
    ['-1', 2, 'Enter a number such as 12 or 0.5.'],
    ['.', 2, 'Enter a number such as 12 or 0.5.'],
    ['1e5', 2, 'Enter a number such as 12 or 0.5.'],
    ['1.234', 2, 'At most 2 decimals.'],
    ['1.5', 0, 'This token has no decimals: whole amounts only.'],
    // A decimal comma (as typed in much of Europe) is not a thousands separator: 1,5 is not 15.
    ['1,5', 2, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    ['1,5', 0, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    ['0,25', 18, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    ['1,0000', 2, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    ['1.000,5', 2, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    [',000', 2, 'Write decimals with a point (1.5); a comma only groups thousands (1,000).'],
    ['0', 2, 'The amount must be more than zero.'],
    [`${2n ** 256n}`, 0, 'That amount is too large.'],
  ])('refuses %j (decimals %i)', (text, decimals, error) => {
    expect(parseAmount(text, decimals)).toEqual({ ok: false, error })
  })

  test('addresses come back EIP-55; wrong checksums and junk are refused', () => {
    const lower = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
    const checksummed = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    expect(parseAddress(lower)).toEqual({ ok: true, value: checksummed })
    expect(parseAddress(` ${checksummed} `)).toEqual({ ok: true, value: checksummed })
    expect(parseAddress('0x70997970C51812DC3A010C7D01B50E0D17DC79C8')).toMatchObject({ ok: true })
    expect(parseAddress('0x70997970c51812dc3A010C7d01b50e0d17dc79C8')).toMatchObject({ ok: false })
    expect(parseAddress('0x1234')).toMatchObject({ ok: false })
    expect(parseAddress('')).toMatchObject({ ok: false })
  })

  test('a new token is checked as the factory checks it', () => {
    expect(parseNewToken({ name: ' Gold ', symbol: 'GLD', decimals: '2', supply: '10.5' })).toEqual({
      ok: true,
      value: { name: 'Gold', symbol: 'GLD', decimals: 2, supply: 1050n },
    })
    expect(parseNewToken({ name: '', symbol: 'G', decimals: '2', supply: '1' })).toMatchObject({ ok: false })
    expect(parseNewToken({ name: 'G', symbol: 'x'.repeat(17), decimals: '2', supply: '1' })).toMatchObject({
      ok: false,
    })
    expect(parseNewToken({ name: 'G', symbol: 'G', decimals: '256', supply: '1' })).toMatchObject({
      ok: false,
    })
    expect(parseNewToken({ name: 'G', symbol: 'G', decimals: '2', supply: '0.001' })).toEqual({
      ok: false,
      error: 'Initial supply: At most 2 decimals.',
    })
  })

  test('each problem of the create-token form is shown beside its field once it is edited', () => {
    const fields: NewTokenFields = { name: 'Gold', symbol: 'GLD', decimals: '2', supply: '1000' }
    const all = new Set(['name', 'symbol', 'decimals', 'supply'] as const)
    const empty = { name: '', symbol: '', decimals: '18', supply: '' }
    // Nothing typed yet: the empty fields are not wrong yet.
    expect(newTokenProblems(empty, new Set())).toEqual({})
    expect(newTokenProblems(empty, new Set(['name']))).toEqual({
      name: 'The name must be 1 to 64 characters.',
    })
    // A submit touches every field: each one's problem beside it, not only the first.
    expect(newTokenProblems(empty, all)).toEqual({
      name: 'The name must be 1 to 64 characters.',
      symbol: 'The symbol must be 1 to 16 characters.',
      supply: 'Initial supply: Enter an amount.',
    })
    expect(newTokenProblems({ ...fields, supply: '1000.001' }, all)).toEqual({
      supply: 'Initial supply: At most 2 decimals.',
    })
    expect(newTokenProblems({ ...fields, symbol: 'x'.repeat(17), decimals: '256' }, all)).toEqual({
      symbol: 'The symbol must be 1 to 16 characters.',
      decimals: 'Decimals must be a whole number from 0 to 255.',
    })
    // The supply is read in the token's decimals: while they are wrong it is not called wrong too.
    expect(newTokenProblems({ ...fields, decimals: 'x', supply: '1.5' }, all)).toEqual({
      decimals: 'Decimals must be a whole number from 0 to 255.',
    })
    expect(newTokenProblems({ ...fields, decimals: '0', supply: '1.5' }, all)).toEqual({
      supply: 'Initial supply: This token has no decimals: whole amounts only.',
    })
    expect(newTokenProblems(fields, all)).toEqual({})
    // The submit still refuses, with every problem.
    expect(parseNewToken({ ...fields, name: '', supply: 'x' })).toEqual({
      ok: false,
      error: 'The name must be 1 to 64 characters. Initial supply: Enter a number such as 12 or 0.5.',
    })
  })

  describe('send, approve, mint or burn', () => {
    const ME: Address = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    const BOB = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
    const holding = (symbol: string, address: Address, balance: bigint, created: boolean): TokenHolding => ({
      token: { address, name: symbol, symbol, decimals: 2, totalSupply: balance, owner: ME },
      balance,
      created,
    })
    const GLD = holding('GLD', '0x1000000000000000000000000000000000000001', 1000_00n, true)
    const SLV = holding('SLV', '0x2000000000000000000000000000000000000002', 5_00n, false)
    const ctx = { holdings: [GLD, SLV] }
    const fields: TokenActionFields = { token: '', action: 'transfer', recipient: BOB, amount: '10' }
    const all = new Set(['token', 'action', 'recipient', 'amount'] as const)

    test('reads the token (the first one until another is chosen), the recipient and the amount', () => {
      expect(parseTokenAction(fields, ctx)).toEqual({
        ok: true,
        value: {
          holding: GLD,
          action: 'transfer',
          to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
          value: 1000n,
        },
      })
    })

    test('each problem is shown beside its field once it is edited; a submit shows them all and refuses', () => {
      const empty = { ...fields, recipient: '', amount: '' }
      expect(tokenActionProblems(empty, ctx, new Set())).toEqual({})
      expect(tokenActionProblems(empty, ctx, new Set(['amount']))).toEqual({ amount: 'Enter an amount.' })
      expect(tokenActionProblems(empty, ctx, all)).toEqual({
        recipient: 'Enter an address (0x…).',
        amount: 'Enter an amount.',
      })
      expect(tokenActionProblems({ ...fields, recipient: '0x1234', amount: '1.234' }, ctx, all)).toEqual({
        recipient: 'That is not an address (0x and 40 hex digits).',
        amount: 'At most 2 decimals.',
      })
      // More than the balance of the token chosen, sent or burnt; an approval may exceed it, or be zero.
      const slv = { ...fields, token: SLV.token.address, amount: '5.01' }
      expect(tokenActionProblems(slv, ctx, all)).toEqual({ amount: 'You have only 5 SLV.' })
      expect(tokenActionProblems({ ...slv, action: 'burn', recipient: '' }, ctx, all)).toEqual({
        amount: 'You have only 5 SLV.',
      })
      expect(tokenActionProblems({ ...fields, amount: '1000.01' }, ctx, all)).toEqual({
        amount: 'You have only 1,000 GLD.',
      })
      expect(tokenActionProblems({ ...slv, action: 'approve' }, ctx, all)).toEqual({})
      expect(tokenActionProblems({ ...slv, action: 'approve', amount: '0' }, ctx, all)).toEqual({})
      expect(tokenActionProblems({ ...slv, amount: '0' }, ctx, all)).toEqual({
        amount: 'The amount must be more than zero.',
      })
      // Only the token's owner mints: said beside the action as soon as it is chosen.
      expect(tokenActionProblems({ ...slv, action: 'mint', amount: '' }, ctx, new Set(['action']))).toEqual({
        action: 'Only the owner of SLV may mint it, and this account is not.',
      })
      expect(tokenActionProblems({ ...fields, action: 'mint', amount: '5000' }, ctx, all)).toEqual({})
      expect(parseTokenAction({ ...slv, action: 'mint', recipient: 'x' }, ctx)).toEqual({
        ok: false,
        error:
          'Only the owner of SLV may mint it, and this account is not. That is not an address (0x and 40 hex digits).',
      })
      expect(parseTokenAction(fields, { holdings: [] })).toEqual({
        ok: false,
        error: 'You hold no token yet.',
      })
    })
  })
})

describe("the create-token form's decimals", () => {
  test('say what they mean for an amount of the token: its smallest amount, in its symbol', () => {
    expect(decimalsHint({ decimals: '2', symbol: ' GLD ' })).toBe(
      'Up to 2 digits after the point: 0.01 GLD is the smallest amount anyone can hold or send.',
    )
    expect(decimalsHint({ decimals: '1', symbol: 'GLD' })).toBe(
      'Up to 1 digit after the point: 0.1 GLD is the smallest amount anyone can hold or send.',
    )
    expect(decimalsHint({ decimals: '0', symbol: 'GLD' })).toBe(
      'Whole amounts only: 1 GLD is the smallest amount anyone can hold or send.',
    )
    // The form's default, before a symbol is typed; the figure whole.
    expect(decimalsHint({ decimals: '18', symbol: '' })).toBe(
      'Up to 18 digits after the point: 0.000000000000000001 is the smallest amount anyone can hold or send.',
    )
    // A symbol's hidden characters shown as escapes, as the rest of the screen shows them.
    expect(decimalsHint({ decimals: '2', symbol: 'G\u202eLD' })).toContain('0.01 G\\u{202E}LD')
  })

  test('past 18 digits the smallest amount is said in words, not a line of zeros; bad decimals say nothing (their problem does)', () => {
    expect(decimalsHint({ decimals: '30', symbol: 'GLD' })).toBe(
      'Up to 30 digits after the point in an amount of GLD.',
    )
    expect(decimalsHint({ decimals: '256', symbol: 'GLD' })).toBeNull()
    expect(decimalsHint({ decimals: 'two', symbol: 'GLD' })).toBeNull()
    expect(decimalsHint({ decimals: '', symbol: 'GLD' })).toBeNull()
  })
})
