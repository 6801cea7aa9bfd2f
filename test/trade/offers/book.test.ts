import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import {
  MAX_BOOK_OFFERS,
  MAX_CLOSED_OFFERS,
  MAX_OFFERS_PER_MAKER,
  OfferBook,
  orderBook,
  pairsOf,
  type StoredOffer,
} from '../../../src/trade/offers/book'
import type { Offer } from '../../../src/trade/offers/types'
import { ALICE, BOB, lower, makeOffer, NOW_MS, NOW_S, TOKEN_A, TOKEN_B } from './fixtures'

const CHAIN = 31416
const TOKEN_C: Address = '0x00000000000000000000000000000000000000cc'
const SIG = `0x${'ab'.repeat(65)}` as Hex

let counter = 0
/** A stored offer (the book takes checked offers: signatures do not matter here). */
function entry(overrides: Partial<Offer>, maker = ALICE): StoredOffer {
  counter++
  const id = `0x${counter.toString(16).padStart(64, '0')}` as Hex
  return {
    id,
    signed: { chainId: CHAIN, offer: makeOffer(maker, overrides), signature: SIG },
    receivedAt: counter,
    hosted: false,
  }
}

describe('order book per pair', () => {
  test('asks cheapest first, bids highest first, other pairs left out; ties: larger first, then id', () => {
    // Asks sell A (base) for B (quote): price = buy / sell.
    const askCheap = entry({ sellAmount: 100n, buyAmount: 40n }) // 0.4
    const askMid = entry({ sellAmount: 10n, buyAmount: 5n }) // 0.5
    const askMidBig = entry({ sellAmount: 20n, buyAmount: 10n }) // 0.5, larger
    const askDear = entry({ sellAmount: 3n, buyAmount: 2n }) // 0.667
    // Bids sell B for A: they pay quote per base = sell / buy.
    const bidHigh = entry({ sellToken: TOKEN_B, buyToken: TOKEN_A, sellAmount: 45n, buyAmount: 100n }) // 0.45
    const bidLow = entry({ sellToken: TOKEN_B, buyToken: TOKEN_A, sellAmount: 30n, buyAmount: 100n }) // 0.3
    const otherPair = entry({ buyToken: TOKEN_C })
    const all = [askDear, bidLow, askMid, otherPair, askCheap, bidHigh, askMidBig]
    const book = orderBook(all, { base: TOKEN_A, quote: TOKEN_B }, NOW_MS)
    expect(book.asks.map((e) => e.id)).toEqual([askCheap.id, askMidBig.id, askMid.id, askDear.id])
    expect(book.bids.map((e) => e.id)).toEqual([bidHigh.id, bidLow.id])
    // Seen from the other side, asks and bids swap.
    const flipped = orderBook(all, { base: TOKEN_B, quote: TOKEN_A }, NOW_MS)
    expect(flipped.asks.map((e) => e.id)).toEqual([bidHigh.id, bidLow.id])
    expect(flipped.bids.map((e) => e.id)).toEqual([askCheap.id, askMidBig.id, askMid.id, askDear.id])
    expect(pairsOf(all)).toEqual([
      { base: TOKEN_A, quote: TOKEN_B },
      { base: TOKEN_A, quote: TOKEN_C },
    ])
  })

  test('prices compare exactly (no rounding) with amounts far beyond 2^53', () => {
    const big = 10n ** 30n
    const a = entry({ sellAmount: big, buyAmount: big + 1n })
    const b = entry({ sellAmount: big, buyAmount: big })
    expect(orderBook([a, b], { base: TOKEN_A, quote: TOKEN_B }, NOW_MS).asks.map((e) => e.id)).toEqual([
      b.id,
      a.id,
    ])
  })

  test('expired offers are left out of the book', () => {
    const live = entry({ expiresAt: NOW_S + 1n })
    const dead = entry({ expiresAt: NOW_S })
    expect(orderBook([live, dead], { base: TOKEN_A, quote: TOKEN_B }, NOW_MS).asks).toEqual([live])
  })
})

describe('OfferBook', () => {
  test('expiry drops an offer; cancellation drops it and refuses its replay until it would have expired', () => {
    const book = new OfferBook()
    const soon = entry({ expiresAt: NOW_S + 10n })
    const later = entry({ expiresAt: NOW_S + 100n })
    book.add(soon)
    book.add(later)
    expect(() => book.add(soon)).toThrow(
      expect.objectContaining({ type: { code: 'OFFER_KNOWN', offerId: soon.id } }),
    )
    expect(book.prune(NOW_MS + 10_000)).toEqual([soon.id])
    expect(book.status(soon.id)).toBe('unknown')

    expect(book.cancel(later.id, later.signed, SIG)).toBe(true)
    expect(book.cancel(later.id, later.signed, SIG)).toBe(false)
    expect(book.status(later.id)).toBe('cancelled')
    expect(book.open()).toEqual([])
    expect(() => book.add(later)).toThrow(
      expect.objectContaining({ type: { code: 'OFFER_CANCELLED', offerId: later.id } }),
    )
    expect(book.cancellations()).toEqual([{ signed: later.signed, cancelSignature: SIG }])
    // Past its expiry the tombstone goes too (a replay is refused as expired by validation then).
    book.prune(NOW_MS + 100_000)
    expect(book.status(later.id)).toBe('unknown')
    expect(book.cancellations()).toEqual([])
  })

  test('a taken offer leaves the book and stays refused', () => {
    const book = new OfferBook()
    const e = entry({})
    book.add(e)
    expect(book.markTaken(e.id)).toEqual(e)
    expect(book.markTaken(e.id)).toBeUndefined()
    expect(book.status(e.id)).toBe('taken')
    expect(() => book.add(e)).toThrow(
      expect.objectContaining({ type: { code: 'OFFER_TAKEN', offerId: e.id } }),
    )
  })

  test('at most MAX_CLOSED_OFFERS closed offers are remembered: a cancellation of an offer never held here is forgotten first, the soonest to expire first', () => {
    const book = new OfferBook()
    // Offers this book held, cancelled and taken, expiring before any other.
    const cancelled = entry({ expiresAt: NOW_S + 10n })
    const taken = entry({ expiresAt: NOW_S + 10n })
    book.add(cancelled)
    book.add(taken)
    book.cancel(cancelled.id, cancelled.signed, SIG)
    book.markTaken(taken.id)
    // Cancellations of offers never seen here (a flood of them costs nothing with throwaway keys).
    const unseen = (expiresAt: bigint): Hex => {
      const e = entry({ expiresAt })
      expect(book.cancel(e.id, e.signed, SIG)).toBe(true)
      return e.id
    }
    const soonest = unseen(NOW_S + 100n)
    const week = NOW_S + 7n * 86_400n
    const rest = Array.from({ length: MAX_CLOSED_OFFERS - 3 }, () => unseen(week))
    expect(book.status(soonest)).toBe('cancelled')
    const newest = unseen(week)
    expect(book.status(soonest)).toBe('unknown')
    expect([cancelled, taken].map((e) => book.status(e.id))).toEqual(['cancelled', 'taken'])
    expect([...rest, newest].every((id) => book.status(id) === 'cancelled')).toBe(true)
    expect(book.cancellations()).toHaveLength(MAX_CLOSED_OFFERS - 1)
  })

  test('one maker may hold at most MAX_OFFERS_PER_MAKER open offers; others are unaffected', () => {
    const book = new OfferBook()
    for (let i = 0; i < MAX_OFFERS_PER_MAKER; i++) book.add(entry({}))
    const extra = entry({})
    expect(() => book.add(extra)).toThrow(
      expect.objectContaining({ type: { code: 'OFFER_BOOK_FULL', limit: MAX_OFFERS_PER_MAKER } }),
    )
    expect(book.status(extra.id)).toBe('unknown')
    book.add(entry({}, BOB))
    expect(book.size).toBe(MAX_OFFERS_PER_MAKER + 1)
    expect(book.open().filter((e) => e.signed.offer.maker === lower(BOB))).toHaveLength(1)
  })

  test('the book holds at most MAX_BOOK_OFFERS open offers in all; one more is refused until one leaves', () => {
    const book = new OfferBook()
    const maker = (i: number): Address => `0x${(i + 1).toString(16).padStart(40, '0')}`
    const makers = Math.ceil(MAX_BOOK_OFFERS / MAX_OFFERS_PER_MAKER)
    const first = entry({ maker: maker(0) })
    book.add(first)
    for (let i = 1; i < MAX_BOOK_OFFERS; i++) book.add(entry({ maker: maker(i % makers) }))
    expect(book.size).toBe(MAX_BOOK_OFFERS)
    const extra = entry({ maker: maker(makers) })
    expect(() => book.add(extra)).toThrow(
      expect.objectContaining({ type: { code: 'OFFER_BOOK_FULL', limit: MAX_BOOK_OFFERS } }),
    )
    expect(book.status(extra.id)).toBe('unknown')
    expect(book.withdraw(first.id)).toBe(true)
    book.add(extra)
    expect(book.size).toBe(MAX_BOOK_OFFERS)
  })
})
