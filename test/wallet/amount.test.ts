import { parseUnits } from 'viem'
import { describe, expect, test } from 'vitest'
import { formatAmount, formatCoin, groupThousands } from '../../src/wallet/amount'

describe('amounts as a person reads them', () => {
  test('amounts read with grouped thousands and the symbol', () => {
    expect(formatAmount(100000n, 2, 'GLD')).toBe('1,000 GLD')
    expect(formatAmount(123456789n, 2, 'GLD')).toBe('1,234,567.89 GLD')
    expect(formatAmount(5n, 18, 'TAB')).toBe('0.000000000000000005 TAB')
    expect(groupThousands('999')).toBe('999')
    expect(groupThousands('1000.0001')).toBe('1,000.0001')
  })

  test('every base unit shows: nothing is rounded away, however many digits', () => {
    expect(formatAmount(1_000_000_000_000_000_000_001n, 18, 'TAB')).toBe('1,000.000000000000000001 TAB')
    expect(formatAmount(1234567n, 0, 'base units')).toBe('1,234,567 base units')
    expect(formatAmount(0n, 18, 'APL')).toBe('0 APL')
    // The fraction is never grouped: only the whole part is.
    expect(formatAmount(1_234_567_891n, 9, 'gwei')).toBe('1.234567891 gwei')
  })

  test('the coin reads in TAB, the same way', () => {
    expect(formatCoin(parseUnits('1000', 18))).toBe('1,000 TAB')
    expect(formatCoin(parseUnits('12345.5', 18))).toBe('12,345.5 TAB')
    expect(formatCoin(1n)).toBe('0.000000000000000001 TAB')
  })

  test('the text parses back to the exact amount once the grouping is taken out', () => {
    for (const [amount, decimals] of [
      [123456789012345678901234567890n, 18],
      [1n, 6],
      [10n ** 30n, 0],
    ] as const) {
      const text = formatAmount(amount, decimals, 'X').replace(/,/g, '').replace(/ X$/, '')
      expect(parseUnits(text, decimals)).toBe(amount)
    }
  })
})
