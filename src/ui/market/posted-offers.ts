import { useSyncExternalStore } from 'react'
import type { Hex } from 'viem'
import { createStore } from 'zustand/vanilla'
import type { PostedOffer } from './offer-form'
import type { MarketPair } from './source'

/** The offer a market's form posted last, and the pair whose book lists it (sold token as the base). */
export interface PostedRecord {
  readonly offer: PostedOffer
  readonly pair: MarketPair
}

/** The market `pair` shows, either way round: A/B and B/A are one book, and one form's note. */
export const marketKey = (pair: MarketPair): string =>
  [pair.base.toLowerCase(), pair.quote.toLowerCase()].sort().join('/')

/**
 * The post form's note on its last offer, per market, for as long as the page lives: the form remounts
 * with each pair (its fields start over), and the note must still be there when the user comes back
 * to the market in which they posted. Written by the form (post, follow, edit) and by a withdrawal.
 */
const postedOffers = createStore<{ readonly byMarket: Readonly<Record<string, PostedRecord>> }>(() => ({
  byMarket: {},
}))

/** The record of the form of `market` (a `marketKey`), null when it has none; re-renders as it changes. */
export function usePostedOffer(market: string): PostedRecord | null {
  const read = () => postedOffers.getState().byMarket[market] ?? null
  // The same snapshot for a server render (the tests' static markup): the page renders in the browser.
  return useSyncExternalStore(postedOffers.subscribe, read, read)
}

/** Sets the record of the form of `market` (a `marketKey`) from the one it holds now; null clears it. */
export function updatePostedOffer(
  market: string,
  next: (current: PostedRecord | null) => PostedRecord | null,
): void {
  postedOffers.setState(({ byMarket }) => {
    const { [market]: current, ...others } = byMarket
    const record = next(current ?? null)
    return { byMarket: record === null ? others : { ...others, [market]: record } }
  })
}

/** Drops the note on offer `id` wherever it was posted: withdrawn, it has nothing more to say. */
export function forgetPostedOffer(id: Hex): void {
  postedOffers.setState(({ byMarket }) => ({
    byMarket: Object.fromEntries(
      Object.entries(byMarket).filter(([, r]) => r.offer.id.toLowerCase() !== id.toLowerCase()),
    ),
  }))
}
