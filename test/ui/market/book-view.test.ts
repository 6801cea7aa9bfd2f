import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { bookView, expiryLabel, secondsLeft, tokenOf } from '../../../src/ui/market/book-view'
import { ALICE, BOB, entry, GLD, id, NATIVE, NOW_MS, NOW_S, SLV, TOKENS } from './fixtures'

const pair = { base: GLD, quote: SLV }

describe('order book view', () => {
  test('asks sell base for quote, bids sell quote for base, with prices both ways', () => {
    const book = bookView(
      [
        entry(id(1)),
        entry(id(2), {
          sellToken: SLV,
          sellAmount: 30_000000n,
          buyToken: GLD,
          buyAmount: 100_00n,
          maker: BOB,
        }),
      ],
      pair,
      TOKENS,
      ALICE,
      NOW_MS,
    )
    expect(book.base.symbol).toBe('GLD')
    expect(book.quote.symbol).toBe('SLV')
    expect(book.asks).toHaveLength(1)
    expect(book.asks[0]).toMatchObject({
      id: id(1),
      side: 'ask',
      price: { text: '0.5', exact: true },
      inverse: { text: '2', exact: true },
      amount: '100 GLD',
      total: '50 SLV',
      makerIdenticon: ALICE,
      mine: true,
      unfunded: false,
      expiresInS: 600,
      expiry: 'in 10m\u00a000s',
    })
    expect(book.bids).toHaveLength(1)
    expect(book.bids[0]).toMatchObject({
      side: 'bid',
      price: { text: '0.3', exact: true },
      inverse: { text: '3.33333', exact: false },
      amount: '100 GLD',
      total: '30 SLV',
      mine: false,
    })
  })

  test('asks cheapest first, bids highest first; ties by larger amount, then id', () => {
    const asks = [
      entry(id(1), { buyAmount: 60_000000n }), // 0.6
      entry(id(2), { buyAmount: 40_000000n }), // 0.4
      entry(id(4), { sellAmount: 200_00n, buyAmount: 100_000000n }), // 0.5, larger
      entry(id(3)), // 0.5
      entry(id(5)), // 0.5, same amount: after id 3
    ]
    const bids = [
      entry(id(6), { sellToken: SLV, sellAmount: 20_000000n, buyToken: GLD, buyAmount: 100_00n }), // 0.2
      entry(id(7), { sellToken: SLV, sellAmount: 45_000000n, buyToken: GLD, buyAmount: 100_00n }), // 0.45
      entry(id(8), { sellToken: SLV, sellAmount: 90_000000n, buyToken: GLD, buyAmount: 200_00n }), // 0.45, larger
    ]
    const book = bookView([...asks, ...bids], pair, TOKENS, null, NOW_MS)
    expect(book.asks.map((r) => r.id)).toEqual([id(2), id(4), id(3), id(5), id(1)])
    expect(book.bids.map((r) => r.id)).toEqual([id(8), id(7), id(6)])
  })

  test('prices that differ beyond the shown digits still sort exactly', () => {
    const book = bookView(
      [
        entry(id(1), { sellAmount: 3n, buyAmount: 1_000001n }),
        entry(id(2), { sellAmount: 3n, buyAmount: 1_000000n }),
      ],
      pair,
      TOKENS,
      null,
      NOW_MS,
    )
    expect(book.asks.map((r) => r.id)).toEqual([id(2), id(1)])
  })

  test('leaves out expired offers and other pairs; flags unfunded makers', () => {
    const book = bookView(
      [
        entry(id(1), { expiresAt: NOW_S }),
        entry(id(2), { buyToken: NATIVE }),
        entry(id(3), {}, { makerLacksBalance: true }),
      ],
      pair,
      TOKENS,
      null,
      NOW_MS,
    )
    expect(book.asks.map((r) => [r.id, r.unfunded])).toEqual([[id(3), true]])
    expect(book.bids).toEqual([])
  })

  test('each take button says what it buys or sells; one the user cannot pay for says what they hold', () => {
    const entries = [
      entry(id(1)), // asks 50 SLV for 100 GLD
      entry(id(2), { sellAmount: 20_00n, buyAmount: 8_000000n }), // asks 8 SLV for 20 GLD
      entry(id(3), { sellToken: SLV, sellAmount: 30_000000n, buyToken: GLD, buyAmount: 2000_00n }), // asks 2,000 GLD
      entry(id(4), { maker: BOB, buyAmount: 90_000000n }), // Bob's own
    ]
    // Bob holds 975 GLD and 40 SLV (the tokens are listed in any case).
    const holdings = [
      { token: GLD, amount: 975_00n },
      { token: SLV.toUpperCase().replace('0X', '0x') as typeof SLV, amount: 40_000000n },
    ]
    const book = bookView(entries, pair, TOKENS, BOB, NOW_MS, holdings)
    expect(book.asks.map((r) => [r.id, r.action, r.shortfall])).toEqual([
      [id(2), 'Buy 20 GLD', null],
      [id(1), 'Buy 100 GLD', 'You hold 40 of 50 SLV'],
      [id(4), 'Buy 100 GLD', null],
    ])
    expect(book.bids.map((r) => [r.action, r.shortfall])).toEqual([
      ['Sell 2,000 GLD', 'You hold 975 of 2,000 GLD'],
    ])
    // Exactly enough is enough.
    const exact = bookView([entry(id(1))], pair, TOKENS, BOB, NOW_MS, [{ token: SLV, amount: 50_000000n }])
    expect(exact.asks[0]?.shortfall).toBeNull()
    // Balances not known (a light node with no peer to prove them, a locked wallet), or not of the
    // token an offer asks: nothing is claimed.
    for (const known of [null, [{ token: GLD, amount: 0n }]]) {
      const b = bookView(entries, pair, TOKENS, BOB, NOW_MS, known)
      expect(b.asks.map((r) => r.shortfall)).toEqual([null, null, null])
    }
    expect(bookView(entries, pair, TOKENS, BOB, NOW_MS).bids[0]?.shortfall).toBeNull()
  })

  test("a take whose network fees the user's native coin cannot pay is off too, saying so", () => {
    // 0.00099 TAB at most for a take paid in SLV (approval, lock, redeem: 330,000 gas at 3 gwei), and
    // 0.0075 TAB for one paid in TAB (lock and collect: 250,000 gas at 30 gwei).
    const takeFee = (pay: Address) =>
      pay === NATIVE ? 250_000n * 30n * 10n ** 9n : 330_000n * 3n * 10n ** 9n
    const inSlv = [entry(id(1))] // asks 50 SLV
    const withSlv = { token: SLV, amount: 50_000000n }
    const tab = (wei: bigint) => ({ token: NATIVE, amount: wei })
    const slvTake = (native: bigint | null) =>
      bookView(
        inSlv,
        pair,
        TOKENS,
        BOB,
        NOW_MS,
        native === null ? [withSlv] : [withSlv, tab(native)],
        takeFee,
      ).asks[0]?.shortfall
    expect(slvTake(989_999_999_999_999n)).toBe(
      'You need up to 0.00099 TAB for fees and hold 0.000989999999999999 TAB',
    )
    expect(slvTake(0n)).toBe('You need up to 0.00099 TAB for fees and hold 0 TAB')
    expect(slvTake(990_000_000_000_000n)).toBeNull()
    // The native balance not known (not read): nothing is claimed of the fees.
    expect(slvTake(null)).toBeNull()
    // Too little SLV is said first: the fees come after.
    const short = bookView(inSlv, pair, TOKENS, BOB, NOW_MS, [{ token: SLV, amount: 1n }, tab(0n)], takeFee)
    expect(short.asks[0]?.shortfall).toBe('You hold 0.000001 of 50 SLV')

    // An offer asking for 2 TAB: the price and the fees come out of one balance.
    const inTab = [entry(id(2), { buyToken: NATIVE, buyAmount: 2n * 10n ** 18n })]
    const tabPair = { base: GLD, quote: NATIVE }
    const tabTake = (wei: bigint) =>
      bookView(inTab, tabPair, TOKENS, BOB, NOW_MS, [tab(wei)], takeFee).asks[0]?.shortfall
    expect(tabTake(10n ** 18n)).toBe('You hold 1 of 2 TAB')
    expect(tabTake(2n * 10n ** 18n)).toBe('You hold 2 TAB; you need 2 TAB plus up to 0.0075 TAB for fees')
    expect(tabTake(2_007_499_999_999_999_999n)).toBe(
      'You hold 2.007499999999999999 TAB; you need 2 TAB plus up to 0.0075 TAB for fees',
    )
    expect(tabTake(2_007_500_000_000_000_000n)).toBeNull()
    // The fee not known: only the price is checked.
    expect(
      bookView(inTab, tabPair, TOKENS, BOB, NOW_MS, [tab(2n * 10n ** 18n)]).asks[0]?.shortfall,
    ).toBeNull()
  })

  test('tokens compare in any case; an unknown token is named by its address', () => {
    expect(tokenOf(TOKENS, GLD.toUpperCase().replace('0X', '0x') as typeof GLD).symbol).toBe('GLD')
    const other = '0x3000000000000000000000000000000000000003'
    expect(tokenOf(TOKENS, other)).toEqual({ address: other, symbol: '0x3000…0003', decimals: 0 })
  })

  test('expiry countdown in whole seconds', () => {
    expect(secondsLeft(NOW_S + 61n, NOW_MS + 500)).toBe(61)
    expect(secondsLeft(NOW_S, NOW_MS)).toBe(0)
    expect(secondsLeft(NOW_S - 10n, NOW_MS)).toBe(0)
    expect(expiryLabel(3725)).toBe('in 1h\u00a002m')
    expect(expiryLabel(0)).toBe('expired')
  })
})
