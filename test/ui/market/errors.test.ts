import { describe, expect, test } from 'vitest'
import { NodeError } from '../../../src/node/rpc/errors'
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
})
