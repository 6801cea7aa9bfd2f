import type { Hex } from 'viem'
import type { StoreApi } from 'zustand'
import { parseJson, trySave } from '../../node/profile/local-record'
import { formatAmount } from '../../wallet/amount'
import type { Notices } from '../notices'
import { tokenOf } from './book-view'
import type { MarketSource, MarketSwapTerms, MarketToken } from './source'
import { tradeFinished } from './trade-view'

/**
 * What the maker is told when another account takes one of its offers: `Your offer to sell 10 APL for
 * 25 BAN was taken: the swap is starting.` (the offer has just left its open offers; the trade is about
 * to show in My trades). Told as the page opens again (`tellUnseenTakes`), of a swap already running:
 * `… was taken: the swap is under way.` Pure.
 */
export function takenOfferNotice(
  terms: MarketSwapTerms,
  tokens: readonly MarketToken[],
  swap: 'starting' | 'under way' = 'starting',
): string {
  const sold = tokenOf(tokens, terms.tokenA)
  const asked = tokenOf(tokens, terms.tokenB)
  return `Your offer to sell ${formatAmount(terms.amountA, sold.decimals, sold.symbol)} for ${formatAmount(terms.amountB, asked.decimals, asked.symbol)} was taken: the swap is ${swap}.`
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

/**
 * The offers taken whose notice the maker dismissed (it has seen them), so that a page opened again
 * tells only of the others (`tellUnseenTakes`). Ids in lower case.
 */
export interface SeenTakes {
  has(offerId: Hex): boolean
  add(offerIds: readonly Hex[]): void
  /** Forgets every offer but `offerIds` (a finished trade is never told again: its id need not be kept). */
  keepOnly(offerIds: readonly Hex[]): void
}

/**
 * The seen takes of one profile, kept in `storage` (localStorage, as its swap approvals are). A saved
 * list that is damaged reads as none seen (the running trades' notices show once more; no record is
 * lost: each is the chain's); one the browser refuses to save holds for this page load (`trySave`).
 */
export function storedSeenTakes(storage: Storage, profileId: string): SeenTakes {
  const key = `tabchain.takesSeen.${profileId}`
  const read = (): Set<string> => {
    const raw = storage.getItem(key)
    const ids = raw === null ? [] : parseJson(raw)
    return new Set(Array.isArray(ids) ? ids.filter((i): i is string => typeof i === 'string') : [])
  }
  const write = (ids: Set<string>): void => {
    trySave(storage, key, JSON.stringify([...ids]))
  }
  return {
    has: (offerId) => read().has(offerId.toLowerCase()),
    add(offerIds) {
      const ids = read()
      for (const i of offerIds) ids.add(i.toLowerCase())
      write(ids)
    },
    keepOnly(offerIds) {
      const keep = new Set(offerIds.map((i) => i.toLowerCase()))
      write(new Set([...read()].filter((i) => keep.has(i))))
    },
  }
}

/**
 * As the page opens: tells the maker of each of its trades still running whose take it has not seen
 * (`seen`): taken while the page was closed, or told while it was open but not dismissed before it
 * closed. A finished trade is not told (My trades' History says how it ended). Oldest first, as they
 * arrive live. A token list that cannot be read names the tokens by address.
 */
export async function tellUnseenTakes(
  source: MarketSource,
  seen: SeenTakes,
  notify: (offerId: Hex, text: string) => void,
): Promise<void> {
  const running = (await source.swaps()).filter((s) => s.role === 'maker' && !tradeFinished(s))
  seen.keepOnly(running.map((s) => s.id))
  const unseen = running.filter((s) => !seen.has(s.id))
  if (unseen.length === 0) return
  const tokens = await source.tokens().catch((): readonly MarketToken[] => [])
  // `swaps` lists the newest first.
  for (const s of unseen.reverse()) notify(s.id, takenOfferNotice(s.terms, tokens, 'under way'))
}

/** Adds to `seen` each taken-offer notice the user dismisses from `notices`. Returns the unsubscribe function. */
export function rememberDismissedTakes(
  notices: Pick<StoreApi<Notices>, 'subscribe'>,
  seen: SeenTakes,
): () => void {
  return notices.subscribe((state, prev) => {
    const left = new Set(state.offersTaken.map((n) => n.offerId))
    const dismissed = prev.offersTaken.filter((n) => !left.has(n.offerId)).map((n) => n.offerId)
    if (dismissed.length > 0) seen.add(dismissed)
  })
}
