import { describe, expect, test } from 'vitest'
import { NetError } from '../../../src/node/network/errors'
import { NodeError } from '../../../src/node/rpc/errors'
import { OfferError, type OfferErrorType } from '../../../src/trade/offers/errors'
import { SwapError, type SwapErrorType } from '../../../src/trade/swap/errors'
import { marketErrorMessage } from '../../../src/ui/market/errors'
import { MarketAdapterError } from '../../../src/ui/market/node-source'
import { ProviderRpcError } from '../../../src/wallet/rpc-error'

describe('market error messages', () => {
  test('typed node errors read in plain words, by code', () => {
    expect(marketErrorMessage(new NodeError({ code: 'OFFER_TAKEN', offerId: '0x1' }))).toBe(
      'Someone else took this offer first.',
    )
    // The shape that crossed a MessagePort: a plain object with the type.
    expect(marketErrorMessage({ name: 'OfferError', message: 'x', type: { code: 'OFFER_STALE' } })).toBe(
      'This offer expired before the maker answered.',
    )
  })

  test("a take the maker's tab could not answer says so and what to do, not the peer id and protocol", () => {
    const maker = '12D3KooWSYqjnaFJuycc6U4CsTmsfTWzseCAivgMvexb4n2jMmB5'
    const protocol = '/tabchain/31416/take/2.0.0'
    expect(marketErrorMessage(new NetError({ code: 'NET_NO_DIRECT_LINK', peerId: maker }))).toBe(
      "The maker's tab is not linked to this one (closed, or offline): nothing was taken. Try again once it is back, or take another offer.",
    )
    expect(
      marketErrorMessage(new NetError({ code: 'NET_TIMEOUT', peerId: maker, protocol, timeoutMs: 10_000 })),
    ).toBe(
      "The maker's tab did not answer in time (closed, hidden or busy): none of your tokens were locked. Try again in a moment, or take another offer.",
    )
    // As it crossed a port from the worker: a plain object with the type.
    expect(
      marketErrorMessage({
        name: 'NetError',
        message: `${maker} failed the request ${protocol}: stream reset`,
        type: { code: 'NET_REQUEST_FAILED', peerId: maker, protocol, reason: 'stream reset' },
      }),
    ).toBe(
      "The maker's tab dropped the take before answering (it closed, or lost its network): none of your tokens were locked. Try again once it is back, or take another offer.",
    )
    // The maker failed it with an error of its own: that one is said, not a dropped take.
    const refused = `${maker} failed the request ${protocol}: the take is malformed`
    expect(
      marketErrorMessage({
        message: refused,
        type: { code: 'NET_REQUEST_FAILED', peerId: maker, protocol, reason: 'x', remote: { code: 'X' } },
      }),
    ).toBe(refused)
  })

  test("the adapter's own refusals", () => {
    expect(
      marketErrorMessage(
        new MarketAdapterError({ code: 'TERMS_MISMATCH', detail: 'the maker answered other terms' }),
      ),
    ).toBe('The maker answered with other terms than its offer: nothing was locked.')
    expect(marketErrorMessage(new MarketAdapterError({ code: 'NO_ACCOUNT', detail: 'no wallet' }))).toBe(
      'Create or unlock a wallet to trade.',
    )
  })

  test('the wallet’s refusal (4001)', () => {
    expect(marketErrorMessage(new ProviderRpcError(4001, 'the user rejected the request'))).toBe(
      'You declined the signature in the wallet.',
    )
  })

  test('the locked wallet (4100) reads as a sentence: unlock it, then try again', () => {
    const locked = new ProviderRpcError(4100, 'the wallet is locked: unlock it first')
    expect(marketErrorMessage(locked)).toBe('Your wallet is locked: unlock it, then try again.')
    // As it crossed a port: a plain object with the code.
    expect(marketErrorMessage({ code: 4100, message: 'the wallet is locked: unlock it first' })).toBe(
      'Your wallet is locked: unlock it, then try again.',
    )
  })

  test('anything else by its message', () => {
    expect(marketErrorMessage(new NodeError({ code: 'NODE_BAD_PARAMS', reason: 'x' }, 'bad params'))).toBe(
      'bad params',
    )
    expect(marketErrorMessage(new Error('boom'))).toBe('boom')
    expect(marketErrorMessage('plain')).toBe('plain')
    expect(marketErrorMessage({ message: 'from the worker', type: { code: 'NODE_X' } })).toBe(
      'from the worker',
    )
    expect(marketErrorMessage({ type: { code: 7 } })).toBe('Something went wrong.')
  })

  test("an offer or swap refusal with no words of the market's own reads in words by its message, never its code and fields", () => {
    /** A bare code (`TAKE_BUSY`) or `describeType`'s fields (`(pending=…`): not words. */
    const raw = /[A-Z]{2,}_[A-Z_]+|\(\w+=/
    const id = `0x${'ab'.repeat(32)}` as const
    const offers: OfferErrorType[] = [
      { code: 'OFFER_MALFORMED', reason: 'not RLP' },
      { code: 'OFFER_ZERO_AMOUNT', side: 'sell' },
      { code: 'OFFER_SAME_TOKEN', token: '0x01' },
      { code: 'OFFER_KNOWN', offerId: id },
      { code: 'OFFER_SNAPSHOT_RATE_LIMITED', retryAfterMs: 1_500 },
      { code: 'TAKE_BAD_SIGNATURE', reason: 'recovers another address' },
      { code: 'TAKE_WRONG_PEER', expected: 'P1', got: 'P2' },
      { code: 'TAKE_BUSY', pending: 3 },
      { code: 'TAKE_BAD_TERMS', field: 'agreedAtHeight' },
      { code: 'TAKE_REFUSED', reason: 'a newer refusal' },
      { code: 'CANCEL_BAD_SIGNATURE', reason: 'recovers another address' },
    ]
    const swaps: SwapErrorType[] = [
      { code: 'SWAP_BAD_TERMS', field: 'amountA', reason: 'zero' },
      { code: 'SWAP_TIMELOCK_TOO_SHORT', takerTimelockBlocks: 3n, min: 12n },
      { code: 'SWAP_TIMELOCKS_TOO_CLOSE', makerTimelockBlocks: 20n, takerTimelockBlocks: 12n, min: 30n },
      { code: 'SWAP_ILLEGAL_TRANSITION', role: 'maker', from: 'Accepted', event: 'redeemed' },
      { code: 'SWAP_CORRUPT', swapId: id, reason: 'no kind' },
      { code: 'SWAP_WRONG_SECRET', swapId: id },
      { code: 'SWAP_NOT_A_PARTY', swapId: id, account: '0x0000000000000000000000000000000000000001' },
      { code: 'SWAP_EXISTS', swapId: id },
      { code: 'SWAP_UNKNOWN', swapId: id },
      { code: 'SWAP_STEPS_EXCEEDED', swapId: id, steps: 9 },
      { code: 'SWAP_NOT_SIGNED', swapId: id, reason: 'the wallet is locked' },
    ]
    for (const err of [...offers.map((t) => new OfferError(t)), ...swaps.map((t) => new SwapError(t))])
      expect(marketErrorMessage(err), err.type.code).not.toMatch(raw)
    expect(marketErrorMessage(new OfferError({ code: 'TAKE_BUSY', pending: 3 }))).toBe(
      "the maker's tab has 3 takes of this tab waiting: try again in a moment",
    )
  })
})
