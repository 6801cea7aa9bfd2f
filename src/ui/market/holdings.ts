import type { Address } from 'viem'
import type { TokenHolding } from './book-view'
import { type MarketPair, type MarketSource, NATIVE_TOKEN } from './source'

/** What `holder` holds of a pair's two tokens and of the native coin, as the Market screen reads it. */
export interface PairHoldings {
  readonly holder: Address
  readonly holdings: readonly TokenHolding[]
}

/**
 * Reads what `holder` holds of `pair`'s two tokens and of the native coin (the take's fees), to say by
 * each take button what it cannot pay for. The native coin is read once, also when the pair holds it.
 * Fails when a token of the pair cannot be read (a light node with no peer to prove a balance against:
 * nothing is claimed then). The native coin's own read may fail alone: it is then left out, and the
 * fees are not judged.
 */
export async function readHoldings(
  source: MarketSource,
  pair: MarketPair,
  holder: Address,
): Promise<PairHoldings> {
  const isNative = (token: Address) => token.toLowerCase() === NATIVE_TOKEN
  // A pair holding the native coin reads it with the pair: read again, it would cost a light node a
  // second proof per head.
  const pairHoldsNative = isNative(pair.base) || isNative(pair.quote)
  const [base, quote, native] = await Promise.all([
    source.balanceOf(pair.base, holder),
    source.balanceOf(pair.quote, holder),
    pairHoldsNative ? null : source.balanceOf(NATIVE_TOKEN, holder).catch(() => null),
  ])
  const holdings = [
    { token: pair.base, amount: base },
    { token: pair.quote, amount: quote },
  ]
  return {
    holder,
    holdings: native === null ? holdings : [...holdings, { token: NATIVE_TOKEN, amount: native }],
  }
}

/**
 * Reads what `holder` holds of `token` and of the native coin (a swap's fees), for the forms that spend
 * `token`: the native coin is read once when `token` is it.
 */
export async function readWithFees(
  source: MarketSource,
  token: Address,
  holder: Address,
): Promise<{ readonly amount: bigint; readonly native: bigint }> {
  if (token.toLowerCase() === NATIVE_TOKEN) {
    const native = await source.balanceOf(NATIVE_TOKEN, holder)
    return { amount: native, native }
  }
  const [amount, native] = await Promise.all([
    source.balanceOf(token, holder),
    source.balanceOf(NATIVE_TOKEN, holder),
  ])
  return { amount, native }
}
