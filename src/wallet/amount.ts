import { formatUnits } from 'viem'

/** The native coin's symbol and decimals (its base unit is the wei). */
export const NATIVE_SYMBOL = 'TAB'
export const NATIVE_DECIMALS = 18

/** `1,234.5` style grouping of a decimal string's whole part (the fraction is left as is). */
export function groupThousands(text: string): string {
  const [whole = '', fraction] = text.split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction === undefined ? grouped : `${grouped}.${fraction}`
}

/**
 * An amount in base units as a person reads it: `1,000.25 GLD`. The one formatter of every amount the
 * screens and the wallet's approval texts show, so that an amount reads the same everywhere: the whole
 * part grouped by thousands, the fraction exact (every base unit shown, trailing zeros dropped: viem
 * `formatUnits`, no rounding), then the symbol (or unit, e.g. `gwei`). Not for form fields: an amount a
 * person types, or a form fills in, stays a plain decimal that parses back. The Home screen's balance
 * card alone shows a rounded reading (`readableCoin` in src/ui/format.ts), this exact one a step away.
 */
export function formatAmount(amount: bigint, decimals: number, symbol: string): string {
  return `${groupThousands(formatUnits(amount, decimals))} ${symbol}`
}

/** An amount of the native coin, in wei, as a person reads it: `1,000.5 TAB` (`formatAmount`). */
export const formatCoin = (wei: bigint): string => formatAmount(wei, NATIVE_DECIMALS, NATIVE_SYMBOL)
