import { describe, expect, test } from 'vitest'
import { tokenOf } from '../../../src/ui/market/book-view'
import {
  blocksDuration,
  followPostedOffer,
  type OfferContext,
  type OfferFields,
  type PostedOffer,
  parseExpiryMinutes,
  parseOffer,
  postedOfferNote,
  readOfferForm,
  sellHolding,
  swapFee,
} from '../../../src/ui/market/offer-form'
import { ALICE, FEES, GLD, id, NATIVE, NOW_MS, NOW_S, PARAMS, SLV, TOKENS } from './fixtures'

const fields: OfferFields = {
  sellToken: GLD,
  sellAmount: '100',
  buyToken: SLV,
  buyAmount: '50',
  expiryMinutes: '60',
}
const ctx: OfferContext = {
  tokens: TOKENS,
  params: PARAMS,
  fees: FEES,
  maker: ALICE,
  makerPeer: '12D3KooWAlice',
  sellBalance: 1000_00n,
  nativeBalance: 10n ** 18n,
  nowMs: NOW_MS,
  salt: `0x${'33'.repeat(32)}`,
}

/** The problems the form shows as the person types. */
const offerProblems = (f: OfferFields, c: OfferContext, touched: ReadonlySet<keyof OfferFields>) =>
  readOfferForm(f, c, touched).problems

describe('post-offer form', () => {
  test('builds the offer in base units with the node’s timelocks and the expiry', () => {
    const parsed = parseOffer(fields, ctx)
    if (!parsed.ok) throw new Error(parsed.error)
    expect(parsed.value.offer).toEqual({
      maker: ALICE,
      makerPeer: '12D3KooWAlice',
      sellToken: GLD,
      sellAmount: 100_00n,
      buyToken: SLV,
      buyAmount: 50_000000n,
      expiresAt: NOW_S + 3600n,
      makerTimelock: 40,
      takerTimelock: 16,
      salt: ctx.salt,
    })
    expect(parsed.value.price).toBe('1 GLD = 0.5 SLV')
    // (approve 80k + lock 150k + redeem 100k) gas × (2 × 1 gwei + 1 gwei).
    expect(parsed.value.fee).toBe(
      "Posting and cancelling are free: an offer is a signature, not a transaction. If it is taken, the swap's network fees are at most 0.00099 TAB.",
    )
    expect(parsed.value.lock).toBe(
      'If it is taken, your 100 GLD are locked for up to 40 blocks (~1m\u00a020s) until the swap completes or they come back to you.',
    )
  })

  test('a price that does not divide evenly is marked approximate', () => {
    const parsed = parseOffer({ ...fields, sellAmount: '3', buyAmount: '1' }, ctx)
    expect(parsed.ok && parsed.value.price).toBe('1 GLD ≈ 0.333333 SLV')
  })

  test.each([
    [{ sellToken: '' }, 'Choose the token you sell and the one you buy.'],
    [{ buyToken: GLD.toUpperCase().replace('0X', '0x') }, 'Choose two different tokens.'],
    [{ sellAmount: '1.234' }, 'You sell: At most 2 decimals.'],
    [{ sellAmount: '0' }, 'You sell: The amount must be more than zero.'],
    [{ buyAmount: 'ten' }, 'You receive: Enter a number such as 12 or 0.5.'],
    [{ buyAmount: '0.0000001' }, 'You receive: At most 6 decimals.'],
    [{ expiryMinutes: '0' }, 'The offer must stay open between 1 and 10080 minutes (7d\u00a00h).'],
    [{ expiryMinutes: '10081' }, 'The offer must stay open between 1 and 10080 minutes (7d\u00a00h).'],
    [{ expiryMinutes: '1.5' }, 'The offer must stay open between 1 and 10080 minutes (7d\u00a00h).'],
    [{ sellAmount: '1000.01' }, 'Insufficient balance: you have 1,000 GLD.'],
  ])('refuses %j', (change, error) => {
    expect(parseOffer({ ...fields, ...change }, ctx)).toEqual({ ok: false, error })
  })

  test('the native balance must cover the coin sold plus the fees', () => {
    const native = { ...fields, sellToken: NATIVE, sellAmount: '1' }
    const fee = 250_000n * 3n * 10n ** 9n
    expect(parseOffer(native, { ...ctx, sellBalance: 10n ** 18n, nativeBalance: 10n ** 18n + fee }).ok).toBe(
      true,
    )
    expect(
      parseOffer(native, { ...ctx, sellBalance: 10n ** 18n, nativeBalance: 10n ** 18n + fee - 1n }),
    ).toEqual({
      ok: false,
      error:
        'Insufficient balance: you have 1.000749999999999999 TAB; 1 TAB plus network fees of up to 0.00075 TAB are needed.',
    })
    expect(parseOffer(fields, { ...ctx, nativeBalance: 0n })).toEqual({
      ok: false,
      error: 'Insufficient balance: you have 0 TAB; network fees of up to 0.00099 TAB are needed.',
    })
  })

  test('each problem is shown beside its field as soon as that field is edited, none beside an untouched one', () => {
    const empty = { ...fields, sellAmount: '', buyAmount: '' }
    // Nothing typed yet: the empty amounts are not wrong yet.
    expect(offerProblems(empty, ctx, new Set())).toEqual({})
    // Typed, then erased: now it says so, beside that field only.
    expect(offerProblems(empty, ctx, new Set(['sellAmount']))).toEqual({
      sellAmount: 'You sell: Enter an amount.',
    })
    const touched = new Set(['sellAmount', 'buyAmount', 'expiryMinutes'] as const)
    expect(offerProblems({ ...fields, sellAmount: '-1' }, ctx, touched)).toEqual({
      sellAmount: 'You sell: Enter a number such as 12 or 0.5.',
    })
    expect(offerProblems({ ...fields, sellAmount: '1.234', buyAmount: '0.0000001' }, ctx, touched)).toEqual({
      sellAmount: 'You sell: At most 2 decimals.',
      buyAmount: 'You receive: At most 6 decimals.',
    })
    expect(offerProblems({ ...fields, sellAmount: '1000.01' }, ctx, touched)).toEqual({
      sellAmount: 'Insufficient balance: you have 1,000 GLD.',
    })
    expect(offerProblems(fields, { ...ctx, nativeBalance: 0n }, touched)).toEqual({
      sellAmount: 'Insufficient balance: you have 0 TAB; network fees of up to 0.00099 TAB are needed.',
    })
    expect(offerProblems({ ...fields, expiryMinutes: '0' }, ctx, touched)).toEqual({
      expiryMinutes: 'The offer must stay open between 1 and 10080 minutes (7d\u00a00h).',
    })
    // A wrong field the person has not edited yet waits for its turn (or for the submit, which touches all).
    expect(offerProblems({ ...empty, buyAmount: '1.1234567' }, ctx, new Set(['buyAmount']))).toEqual({
      buyAmount: 'You receive: At most 6 decimals.',
    })
    expect(offerProblems({ ...fields, buyToken: GLD }, ctx, new Set(['buyToken']))).toEqual({
      buyToken: 'Choose two different tokens.',
    })
    expect(offerProblems(fields, ctx, touched)).toEqual({})
    // The preview under the form is the offer a submit posts, or its refusal.
    expect(readOfferForm(fields, ctx, touched).preview).toEqual(parseOffer(fields, ctx))
    expect(readOfferForm({ ...fields, sellAmount: '-1' }, ctx, touched).preview).toEqual(
      parseOffer({ ...fields, sellAmount: '-1' }, ctx),
    )
  })

  test('the note on the offer posted says what became of it: open, taken, expired, or none once withdrawn or its trade finished', () => {
    const posted: PostedOffer = {
      id: id(7),
      price: '1 GLD = 0.5 SLV',
      expiresAt: NOW_S + 60n,
      taken: false,
      finished: false,
      goneAtMs: null,
    }
    const read = (p: PostedOffer, open: boolean, taken: boolean, atMs: number, finished = false) =>
      followPostedOffer(p, { open, taken, finished, atMs })
    const listed =
      'Offer posted: 1 GLD = 0.5 SLV. It stays open until someone takes it, it expires or you withdraw it.'
    expect(postedOfferNote(posted)).toBe(listed)
    expect(postedOfferNote(read(posted, true, false, NOW_MS))).toBe(listed)

    const taken = 'Your offer (1 GLD = 0.5 SLV) was taken: follow the trade in My trades below.'
    expect(postedOfferNote(read(posted, false, true, NOW_MS))).toBe(taken)
    // A take leaves the book a moment before its trade is started: no note meanwhile, then the take's.
    const between = read(posted, false, false, NOW_MS + 1000)
    expect(postedOfferNote(between)).toBeNull()
    expect(postedOfferNote(read(between, false, true, NOW_MS + 2000))).toBe(taken)
    // Still running long after (past the offer's expiry): the same offer's trade in My trades.
    const running = read(read(posted, false, true, NOW_MS), false, true, NOW_MS + 3_600_000)
    expect(postedOfferNote(running)).toBe(taken)
    // Its trade finished (completed or refunded): it moved to History, which says how; no note points there.
    const finished = read(running, false, true, NOW_MS + 3_700_000, true)
    expect(postedOfferNote(finished)).toBeNull()
    expect(postedOfferNote(read(finished, false, false, NOW_MS + 3_800_000))).toBeNull()

    expect(postedOfferNote(read(posted, false, false, NOW_MS + 60_000))).toBe(
      'Your offer (1 GLD = 0.5 SLV) expired without being taken.',
    )
    // Withdrawn before it expired (the book says so where its Withdraw button was): the note goes for
    // good, and does not call it expired once its time has passed.
    const withdrawn = read(posted, false, false, NOW_MS + 59_999)
    expect(postedOfferNote(withdrawn)).toBeNull()
    expect(postedOfferNote(read(withdrawn, false, false, NOW_MS + 120_000))).toBeNull()
  })

  test('fees: no approval for the native coin', () => {
    expect(swapFee(GLD, PARAMS, FEES)).toBe(330_000n * 3n * 10n ** 9n)
    expect(swapFee(NATIVE, PARAMS, FEES)).toBe(250_000n * 3n * 10n ** 9n)
  })

  test('expiry and durations', () => {
    expect(parseExpiryMinutes(' 15 ', 3600)).toEqual({ ok: true, value: 15 })
    expect(parseExpiryMinutes('61', 3600).ok).toBe(false)
    expect(blocksDuration(1800n, PARAMS)).toBe('1h\u00a000m')
  })
})

test('the form says what the maker holds of the token it sells, with its symbol and decimals', () => {
  expect(sellHolding(100_000_00n, tokenOf(TOKENS, GLD))).toBe('You have 100,000 GLD.')
  expect(sellHolding(12_345n, tokenOf(TOKENS, GLD))).toBe('You have 123.45 GLD.')
  expect(sellHolding(0n, tokenOf(TOKENS, NATIVE))).toBe('You have 0 TAB.')
})
