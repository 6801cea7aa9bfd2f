import { describe, expect, test } from 'vitest'
import { parseAddress, parseAmount, parseNewToken } from '../../src/ui/token-form'

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
})
