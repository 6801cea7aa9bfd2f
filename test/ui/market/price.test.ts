import { describe, expect, test } from 'vitest'
import { formatRatio, unitPrice } from '../../../src/ui/market/price'

describe('exact prices', () => {
  test.each([
    [1n, 2n, '0.5', true],
    [2n, 1n, '2', true],
    [1n, 3n, '0.333333', false],
    [2n, 3n, '0.666667', false],
    [10n, 3n, '3.33333', false],
    [1234567n, 1n, '1234567', true],
    [12345678n, 10n, '1234568', false],
    [1n, 7000n, '0.000142857', false],
    [0n, 5n, '0', true],
    [5n, 5n, '1', true],
    [1n, 8n, '0.125', true],
  ])('%i / %i = %s (exact %s)', (num, den, text, exact) => {
    expect(formatRatio(num, den)).toEqual({ text, exact })
  })

  test('rounds half up at the last kept digit', () => {
    expect(formatRatio(1n, 8n, 2)).toEqual({ text: '0.13', exact: false })
    expect(formatRatio(1n, 16n, 2)).toEqual({ text: '0.063', exact: false })
    expect(formatRatio(9999995n, 10000000n, 6)).toEqual({ text: '1', exact: false })
  })

  test('tiny ratios keep their significant digits, up to 36 fraction digits', () => {
    expect(formatRatio(1n, 3n * 10n ** 20n)).toEqual({ text: '0.00000000000000000000333333', exact: false })
    expect(formatRatio(1n, 10n ** 40n).text).toBe('0')
  })

  test('amounts far beyond a float stay exact', () => {
    const huge = 2n ** 200n
    expect(formatRatio(huge, 1n)).toEqual({ text: huge.toString(), exact: true })
  })

  test('refuses a zero or negative denominator and a negative numerator', () => {
    expect(() => formatRatio(1n, 0n)).toThrow(RangeError)
    expect(() => formatRatio(-1n, 2n)).toThrow(RangeError)
  })

  test('unit price scales by each token’s decimals', () => {
    // 100.00 GLD (2 decimals) for 50.000000 SLV (6 decimals): 0.5 SLV per GLD, 2 GLD per SLV.
    expect(unitPrice(100_00n, 2, 50_000000n, 6)).toEqual({ text: '0.5', exact: true })
    expect(unitPrice(50_000000n, 6, 100_00n, 2)).toEqual({ text: '2', exact: true })
    // 3 wei of an 18-decimals token for 1 unit of a 0-decimals one: the whole part is never cut.
    expect(unitPrice(3n, 18, 1n, 0)).toEqual({ text: '333333333333333333', exact: false })
  })
})
