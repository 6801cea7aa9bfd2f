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
 * each take button what it cannot pay for. Fails when a token of the pair cannot be read (a light node
 * with no peer to prove a balance against: nothing is claimed then). The native coin's own read may
 * fail alone: it is then left out, and the fees are not judged.
 */
export async function readHoldings(
  source: MarketSource,
  pair: MarketPair,
  holder: Address,
): Promise<PairHoldings> {
  const [base, quote, native] = await Promise.all([
    source.balanceOf(pair.base, holder),
    source.balanceOf(pair.quote, holder),
    source.balanceOf(NATIVE_TOKEN, holder).catch(() => null),
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
