import { formatUnits } from 'viem'

/** A decimal shown to a person, and whether it is the exact value or a rounding of it. */
export interface Decimal {
  readonly text: string
  readonly exact: boolean
}

/** Significant digits a price keeps when it cannot be shown whole. */
export const PRICE_DIGITS = 6

/** Fraction digits shown at most, whatever the magnitude: beyond them a price reads as 0. */
const MAX_FRACTION = 36

const digits = (n: bigint): number => n.toString().length

/**
 * `num / den` as a decimal with at least `significant` significant digits (more when the whole part is
 * longer), rounded half up, trailing zeros dropped. Exact bigint maths: no float ever holds a value.
 * Throws RangeError for a negative or zero `den` or a negative `num`.
 */
export function formatRatio(num: bigint, den: bigint, significant = PRICE_DIGITS): Decimal {
  if (den <= 0n || num < 0n) throw new RangeError('formatRatio needs num ≥ 0 and den > 0')
  if (num === 0n) return { text: '0', exact: true }
  const whole = num / den
  let fraction: number
  if (whole > 0n) fraction = Math.max(0, significant - digits(whole))
  else {
    // Leading zeros after the point: the first significant digit sits at 10^-z.
    let z = 1
    while ((num * 10n ** BigInt(z)) / den === 0n) z++
    fraction = Math.min(MAX_FRACTION, z - 1 + significant)
  }
  const scale = 10n ** BigInt(fraction)
  const scaled = num * scale
  const exact = scaled % den === 0n
  // Half up: add half a unit of the last place before truncating.
  const rounded = (2n * scaled + den) / (2n * den)
  return { text: formatUnits(rounded, fraction), exact }
}

/**
 * The price of `amountOut` (a token with `decimalsOut`) per one whole unit of the token of `amountIn`
 * (`decimalsIn`): how many B one A costs when `amountIn` A trade for `amountOut` B.
 */
export function unitPrice(
  amountIn: bigint,
  decimalsIn: number,
  amountOut: bigint,
  decimalsOut: number,
): Decimal {
  return formatRatio(amountOut * 10n ** BigInt(decimalsIn), amountIn * 10n ** BigInt(decimalsOut))
}
