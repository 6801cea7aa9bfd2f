import type { Hex } from 'viem'
import { formatAmount } from '../../wallet/amount'
import { tokenOf } from './book-view'
import type { MarketSource, MarketSwapTerms, MarketToken } from './source'

/**
 * What the maker is told when another account takes one of its offers: `Your offer to sell 10 APL for
 * 25 BAN was taken: the swap is starting.` (the offer has just left its open offers; the trade is about
 * to show in My trades). Pure.
 */
export function takenOfferNotice(terms: MarketSwapTerms, tokens: readonly MarketToken[]): string {
  const sold = tokenOf(tokens, terms.tokenA)
  const asked = tokenOf(tokens, terms.tokenB)
  return `Your offer to sell ${formatAmount(terms.amountA, sold.decimals, sold.symbol)} for ${formatAmount(terms.amountB, asked.decimals, asked.symbol)} was taken: the swap is starting.`
}

/**
 * Calls `notify` with the words of each of our offers another account takes (`source`'s `taken` events),
 * whatever screen is shown: the offer leaves Your open offers before its trade is listed, and the maker
 * may be elsewhere. A token list that cannot be read names the tokens by address. Returns the
 * unsubscribe function.
 */
export function watchTakenOffers(
  source: MarketSource,
  notify: (offerId: Hex, text: string) => void,
): () => void {
  return source.subscribe((event) => {
    if (event.kind !== 'taken') return
    const { terms } = event
    source.tokens().then(
      (tokens) => notify(terms.offerId, takenOfferNotice(terms, tokens)),
      () => notify(terms.offerId, takenOfferNotice(terms, [])),
    )
  })
}

/**
 * How many taken-offer notices show at once: the newest. A maker whose many offers go at once (a busy
 * book) would otherwise see the screen covered; the rest are counted on one line (`moreTakenText`).
 */
export const TAKEN_NOTICES_SHOWN = 3

/** The notices to show of `all` (oldest first): the newest `cap`, oldest first, and how many are left out. */
export function takenNoticesShown<T>(
  all: readonly T[],
  cap: number = TAKEN_NOTICES_SHOWN,
): { readonly shown: readonly T[]; readonly more: readonly T[] } {
  const cut = Math.max(0, all.length - cap)
  return { shown: all.slice(cut), more: all.slice(0, cut) }
}

/** The line that counts the taken-offer notices left out: `And 2 more of your offers were taken.` */
export function moreTakenText(more: number): string {
  return more === 1 ? 'And 1 more of your offers was taken.' : `And ${more} more of your offers were taken.`
}
