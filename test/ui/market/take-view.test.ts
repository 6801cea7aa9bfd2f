import { describe, expect, test } from 'vitest'
import { type TakeContext, takeConfirmation } from '../../../src/ui/market/take-view'
import { ALICE, BOB, entry, FEES, id, NATIVE, NOW_MS, NOW_S, PARAMS, SLV, TOKENS } from './fixtures'

const ctx: TakeContext = {
  tokens: TOKENS,
  params: PARAMS,
  fees: FEES,
  taker: BOB,
  payBalance: 80_000000n,
  nativeBalance: 10n ** 18n,
  open: true,
  nowMs: NOW_MS,
}

describe('take confirmation', () => {
  test('states what goes out, what comes in, the fees and the refund', () => {
    expect(takeConfirmation(entry(id(1)), ctx)).toEqual({
      send: 'You send 50 SLV',
      receive: 'You receive 100 GLD',
      price: '1 GLD = 0.5 SLV',
      // The dialog's row is named Network fees: its value does not say fees again.
      fee: 'At most 0.00099 TAB (approval, lock and collect).',
      safety:
        "Your 50 SLV are locked only after the maker's 100 GLD are locked and confirmed. If the maker does not complete, they come back to you after 16 blocks (~32s).",
      refusal: null,
    })
  })

  test('paying with the native coin needs no approval', () => {
    const c = takeConfirmation(entry(id(1), { buyToken: NATIVE, buyAmount: 10n ** 17n }), {
      ...ctx,
      payBalance: 10n ** 18n,
    })
    expect(c.send).toBe('You send 0.1 TAB')
    expect(c.fee).toBe('At most 0.00075 TAB (lock and collect).')
    expect(c.refusal).toBeNull()
  })

  test.each([
    [
      'gone from the book while its dialog was open, even one the taker could pay for',
      entry(id(1)),
      { ...ctx, open: false },
      'This offer has left the book (taken, withdrawn or expired): it can no longer be taken.',
    ],
    [
      // The book's rows leave at their expiry by the page's clock; the node's book, read again only on
      // an event, may list it for as long as no block or offer comes.
      'expired while its dialog was open, still in the book last read',
      entry(id(1), { expiresAt: NOW_S }),
      ctx,
      'This offer expired: it can no longer be taken.',
    ],
    ['own offer', entry(id(1), { maker: BOB }), ctx, 'This is your own offer.'],
    [
      'unfunded maker',
      entry(id(1), {}, { makerLacksBalance: true }),
      ctx,
      'The maker no longer holds 100 GLD: the swap could not complete.',
    ],
    [
      'short of the token',
      entry(id(1)),
      { ...ctx, payBalance: 49_999999n },
      'Insufficient balance: this offer asks for 50 SLV and you have 49.999999 SLV. Take a smaller offer, or post your own for what you hold.',
    ],
    [
      'short of fees',
      entry(id(1)),
      { ...ctx, nativeBalance: 1n },
      'Insufficient balance: you have 0.000000000000000001 TAB; network fees of up to 0.00099 TAB are needed.',
    ],
    [
      'short of the coin it pays',
      entry(id(1), { buyToken: NATIVE, buyAmount: 10n ** 18n }),
      { ...ctx, payBalance: 10n ** 18n },
      'Insufficient balance: you have 1 TAB; 1 TAB plus network fees of up to 0.00075 TAB are needed.',
    ],
  ])('refuses: %s', (_, e, c, refusal) => {
    expect(takeConfirmation(e, c).refusal).toBe(refusal)
  })

  test('an offer is takeable until its last second', () => {
    expect(takeConfirmation(entry(id(1), { expiresAt: NOW_S + 1n }), ctx).refusal).toBeNull()
  })

  test('the maker compares in any case', () => {
    const upper = `0x${ALICE.slice(2).toUpperCase()}` as typeof ALICE
    expect(takeConfirmation(entry(id(1)), { ...ctx, taker: upper }).refusal).toBe('This is your own offer.')
    expect(takeConfirmation(entry(id(1), { buyToken: SLV }), ctx).refusal).toBeNull()
  })
})
