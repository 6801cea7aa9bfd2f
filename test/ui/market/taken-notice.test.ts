import { createElement, isValidElement, type ReactElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { agreeTerms } from '../../../src/trade/offers/terms'
import { CloseButton, OffersTaken } from '../../../src/ui/components/Toasts'
import type { MarketSwap, SwapRole, SwapState } from '../../../src/ui/market/source'
import {
  rememberDismissedTakes,
  storedSeenTakes,
  takenOfferNotice,
  tellUnseenTakes,
  watchTakenOffers,
} from '../../../src/ui/market/taken-notice'
import { type OfferTaken, useNotices } from '../../../src/ui/notices'
import { memoryStorage, refusingStorage } from '../memory-storage'
import { ALICE, aliceMarket, BOB, entry, GLD, id, PARAMS, SLV, TOKENS } from './fixtures'

describe('a taken offer is said to its maker', () => {
  test('in the tokens of the offer, what it sold and asked', () => {
    const signed = entry(id(1), { buyAmount: 50_500000n }).signed
    const terms = agreeTerms(id(1), signed, { offerId: id(1), taker: BOB, takerPeer: '' }, id(2), 7n)
    expect(takenOfferNotice(terms, TOKENS)).toBe(
      'Your offer to sell 100 GLD for 50.5 SLV was taken: the swap is starting.',
    )
    // A token not in the list: named by its address, its amount in base units.
    expect(takenOfferNotice(terms, [])).toBe(
      'Your offer to sell 10,000 0x1000…0001 for 50,500,000 0x2000…0002 was taken: the swap is starting.',
    )
  })

  test("the maker's tab is told when its offer is taken, not of other changes", async () => {
    const source = aliceMarket()
    source.addOffer(entry(id(1)))
    source.addOffer(entry(id(2), { sellAmount: 20_00n, buyAmount: 8_000000n }))
    const told: [Hex, string][] = []
    const stop = watchTakenOffers(source, (offerId, text) => told.push([offerId, text]))
    source.setHead(5n)
    source.takenBy(id(2), BOB)
    await expect
      .poll(() => told)
      .toEqual([[id(2), 'Your offer to sell 20 GLD for 8 SLV was taken: the swap is starting.']])
    expect((await source.myOffers()).map((e) => e.id)).toEqual([id(1)])
    stop()
    source.takenBy(id(1), BOB)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(told).toHaveLength(1)
  })
})

/** The elements of a rendered tree (components are not expanded) whose `data-testid` is `testId`. */
function byTestId(node: unknown, testId: string): ReactElement<Record<string, unknown>>[] {
  if (Array.isArray(node)) return node.flatMap((n) => byTestId(n, testId))
  if (!isValidElement<Record<string, unknown>>(node)) return []
  const here = node.props['data-testid'] === testId ? [node] : []
  return [...here, ...byTestId(node.props.children, testId)]
}

/** Clicks the × of a toast (its `CloseButton`'s `onClick`). */
function dismiss(toast: ReactElement<Record<string, unknown>> | undefined): void {
  const children = [toast?.props.children].flat()
  const close = children.find(
    (c): c is ReactElement<{ onClick: () => void }> => isValidElement(c) && c.type === CloseButton,
  )
  if (close === undefined) throw new Error('no close button')
  close.props.onClick()
}

const notice = (n: number): OfferTaken => ({ offerId: id(n), text: `Your offer number ${n} was taken.` })

describe('many offers taken at once', () => {
  test('the newest three are said, the others counted on one line, dismissed together', () => {
    const dismissed: (readonly Hex[])[] = []
    const tree = OffersTaken({
      notices: [1, 2, 3, 4, 5].map(notice),
      onDismiss: (ids) => dismissed.push(ids),
    })
    const html = renderToStaticMarkup(createElement(MemoryRouter, null, tree))
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')
    expect(byTestId(tree, 'offer-taken').map((t) => t.key)).toEqual([id(3), id(4), id(5)])
    expect(text).not.toContain('number 2 ')
    for (const n of [3, 4, 5])
      expect(text).toContain(`Your offer number ${n} was taken. Follow it in My trades`)
    const more = byTestId(tree, 'offers-taken-more')
    expect(more).toHaveLength(1)
    expect(text).toContain('And 2 more of your offers were taken. Follow them in My trades')
    expect(html.match(/href="\/market"/g)).toHaveLength(4)
    dismiss(more[0])
    dismiss(byTestId(tree, 'offer-taken')[1])
    expect(dismissed).toEqual([[id(1), id(2)], [id(4)]])
  })

  test('three or fewer: each said, no count; one left out is said in the singular', () => {
    const three = OffersTaken({ notices: [1, 2, 3].map(notice), onDismiss: () => {} })
    expect(byTestId(three, 'offer-taken')).toHaveLength(3)
    expect(byTestId(three, 'offers-taken-more')).toHaveLength(0)
    const four = OffersTaken({ notices: [1, 2, 3, 4].map(notice), onDismiss: () => {} })
    expect(renderToStaticMarkup(createElement(MemoryRouter, null, four))).toContain(
      'And 1 more of your offers was taken.',
    )
  })

  test('the app keeps every notice until it is dismissed: dismissing a shown one brings the next back', () => {
    const { offerTaken, dismissOffersTaken } = useNotices.getState()
    for (const n of [1, 2, 3, 4]) offerTaken(notice(n))
    // Told again (a take seen twice), a notice is not doubled.
    offerTaken(notice(2))
    expect(useNotices.getState().offersTaken.map((n) => n.offerId)).toEqual([id(1), id(3), id(4), id(2)])
    dismissOffersTaken([id(4)])
    const shown = OffersTaken({ notices: useNotices.getState().offersTaken, onDismiss: () => {} })
    expect(byTestId(shown, 'offer-taken').map((t) => t.key)).toEqual([id(1), id(3), id(2)])
    dismissOffersTaken([id(1), id(2), id(3)])
    expect(useNotices.getState().offersTaken).toEqual([])
  })
})

/** Our swap `n` of `role` at `state`, selling `n` GLD for 50 SLV. */
const swapOf = (n: number, role: SwapRole, state: SwapState): MarketSwap => ({
  id: id(n),
  role,
  terms: {
    chainId: PARAMS.chainId,
    offerId: id(n),
    maker: ALICE,
    taker: BOB,
    tokenA: GLD,
    amountA: BigInt(n) * 100n,
    tokenB: SLV,
    amountB: 50_000000n,
    makerTimelockBlocks: 40n,
    takerTimelockBlocks: 16n,
    hashlock: id(99),
    acceptedHeight: 10n,
  },
  state,
  steps: [{ state, height: null }],
  makerLock: null,
  takerLock: null,
  redeemsSent: [],
  error: null,
  unverified: false,
  counterpartyLinked: null,
  approved: true,
})

describe('as the page opens again, the maker is told of the takes it has not seen', () => {
  test("its running trades' takes whose notice it did not dismiss, oldest first; seen ones, finished trades and takes it made are not told", async () => {
    const source = aliceMarket()
    // Put oldest first: the source lists them newest first, as the node does.
    for (const s of [
      swapOf(1, 'maker', 'MakerLocked'),
      swapOf(2, 'maker', 'Accepted'),
      swapOf(3, 'maker', 'Completed'),
      swapOf(4, 'taker', 'Accepted'),
      swapOf(5, 'maker', 'TakerLocked'),
      swapOf(6, 'maker', 'Refunded'),
    ])
      source.putSwap(s)
    const storage = memoryStorage()
    const seen = storedSeenTakes(storage, 'profile-1')
    // Dismissed on an earlier page: trade 2's, and trade 3's (finished since).
    seen.add([id(2), id(3)])
    const told: [Hex, string][] = []
    await tellUnseenTakes(source, seen, (offerId, text) => told.push([offerId, text]))
    expect(told).toEqual([
      [id(1), 'Your offer to sell 1 GLD for 50 SLV was taken: the swap is under way.'],
      [id(5), 'Your offer to sell 5 GLD for 50 SLV was taken: the swap is under way.'],
    ])
    // Kept across a reload, in the profile's storage; a finished trade's id is forgotten (never told).
    const again = storedSeenTakes(storage, 'profile-1')
    expect([2, 3].map((n) => again.has(id(n)))).toEqual([true, false])
    expect(storedSeenTakes(storage, 'profile-2').has(id(2))).toBe(false)
  })

  test.each([
    ['no JSON (a write cut short)', '["0x01",'],
    ['an object', '{"a":1}'],
    ['null', 'null'],
    ['huge', `["${'0'.repeat(400_000)}"]`],
  ])(
    'a saved list that is %s reads as none seen: the page opens and tells the running trades again',
    async (_what, text) => {
      const source = aliceMarket()
      source.putSwap(swapOf(1, 'maker', 'Accepted'))
      const storage = memoryStorage()
      storage.setItem('tabchain.takesSeen.profile-1', text)
      const told: Hex[] = []
      await tellUnseenTakes(source, storedSeenTakes(storage, 'profile-1'), (offerId) => told.push(offerId))
      expect(told).toEqual([id(1)])
      // Dismissed now: kept, the damaged list written over (it only said which notices were seen).
      storedSeenTakes(storage, 'profile-1').add([id(1)])
      expect(storedSeenTakes(storage, 'profile-1').has(id(1))).toBe(true)
    },
  )

  test('a dismissal the browser refuses to save (full, turned off) does not throw: the notice may show once more', () => {
    const storage = memoryStorage()
    const seen = storedSeenTakes(refusingStorage(storage), 'profile-1')
    expect(() => seen.add([id(1)])).not.toThrow()
    expect(() => seen.keepOnly([])).not.toThrow()
    expect(seen.has(id(1))).toBe(false)
  })

  test('a notice dismissed is seen: the next page does not tell it again, one left up is told again', async () => {
    const source = aliceMarket()
    source.putSwap(swapOf(1, 'maker', 'Accepted'))
    source.putSwap(swapOf(2, 'maker', 'Accepted'))
    const storage = memoryStorage()
    const seen = storedSeenTakes(storage, 'profile-1')
    const stop = rememberDismissedTakes(useNotices, seen)
    const { offerTaken, dismissOffersTaken } = useNotices.getState()
    offerTaken(notice(1))
    offerTaken(notice(2))
    dismissOffersTaken([id(1)])
    stop()
    dismissOffersTaken([id(2)])
    const told: Hex[] = []
    await tellUnseenTakes(source, storedSeenTakes(storage, 'profile-1'), (offerId) => told.push(offerId))
    expect(told).toEqual([id(2)])
  })
})
