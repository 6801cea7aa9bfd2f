import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { describe, expect, test } from 'vitest'
import { MyTrades } from '../../../src/ui/components/market/MyTrades'
import { OrderBook } from '../../../src/ui/components/market/OrderBook'
import type { MarketSwap } from '../../../src/ui/market/source'
import { ALICE, BOB, entry, GLD, id, PARAMS, SLV, TOKENS } from './fixtures'

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')

describe('market components render from the view models', () => {
  test('order book: take buttons for others’ offers, withdraw for ours, the unfunded flag', () => {
    const html = renderToStaticMarkup(
      createElement(OrderBook, {
        entries: [
          entry(id(1)),
          entry(id(2), { maker: BOB, buyAmount: 60_000000n }),
          entry(
            id(3),
            { sellToken: SLV, sellAmount: 30_000000n, buyToken: GLD, buyAmount: 100_00n },
            { makerLacksBalance: true },
          ),
        ],
        pair: { base: GLD, quote: SLV },
        tokens: TOKENS,
        me: BOB,
        onTake: () => {},
        onCancel: () => {},
      }),
    )
    const t = text(html)
    expect(t).toContain('Selling GLD')
    // Each price names its unit in its own cell: on a phone the table's head is hidden.
    expect(t).toContain('0.5 SLV per GLD 2 GLD per SLV')
    expect(t).toContain('Buy GLD')
    expect(t).toContain('Withdraw')
    expect(t).toContain('Sell GLD')
    expect(t).toContain('unfunded')
    expect(html.match(/data-testid="book-row"/g)).toHaveLength(3)
  })

  test('my trades: the notice says when a trade needs the user; finished ones go to history', () => {
    const base: MarketSwap = {
      id: id(1),
      role: 'taker',
      terms: {
        chainId: PARAMS.chainId,
        offerId: id(1),
        maker: ALICE,
        taker: BOB,
        tokenA: GLD,
        amountA: 100_00n,
        tokenB: SLV,
        amountB: 50_000000n,
        makerTimelockBlocks: 40n,
        takerTimelockBlocks: 16n,
        hashlock: id(2),
        acceptedHeight: 10n,
      },
      state: 'SecretRevealed',
      steps: [],
      makerLock: { id: id(0xa), lockedAt: 12n, timelockHeight: 52n, state: 'locked' },
      takerLock: { id: id(0xb), lockedAt: 15n, timelockHeight: 31n, state: 'redeemed' },
      redeemsSent: [],
      error: null,
      unverified: false,
    }
    const markup = (unlocked: boolean) =>
      renderToStaticMarkup(
        createElement(
          MemoryRouter,
          null,
          createElement(MyTrades, {
            swaps: [base, { ...base, id: id(9), state: 'Completed' }],
            account: { address: BOB, peerId: 'p', unlocked },
            tokens: TOKENS,
            params: PARAMS,
            head: 20n,
          }),
        ),
      )
    const render = (unlocked: boolean) => text(markup(unlocked))
    const locked = render(false)
    // The notice asks for the wallet unlocked and links to where that is done.
    expect(locked).toContain('A trade needs you: unlock your wallet so your node can sign. Unlock the wallet')
    expect(markup(false)).toMatch(/<a [^>]*href="\/wallet"[^>]*>Unlock the wallet<\/a>/)
    expect(render(true)).not.toContain('Unlock the wallet')
    expect(locked).toContain('Unlock your wallet to sign the redeem of 100 GLD.')
    expect(locked).toContain('History')
    expect(locked).toContain('Done: you received 100 GLD.')
    // A trade its node could not check yet is a notice, not an alert; a failed step stays an alert.
    const shown = (swap: MarketSwap) =>
      renderToStaticMarkup(
        createElement(MyTrades, {
          swaps: [swap],
          account: { address: BOB, peerId: 'p', unlocked: true },
          tokens: TOKENS,
          params: PARAMS,
          head: 20n,
        }),
      )
    const error = 'the HTLC logs cannot be proved: no peer to ask'
    const unchecked = shown({ ...base, error, unverified: true })
    expect(unchecked).toContain(
      `<p class="notice" data-testid="trade-unchecked">Not checked yet: ${error} — shown as your node last saw it.`,
    )
    expect(unchecked).not.toContain('role="alert"')
    expect(unchecked).not.toContain('failed')
    expect(shown({ ...base, error, unverified: false })).toContain(
      `<p class="form__error" role="alert" data-testid="trade-problem">Last step failed: ${error}`,
    )
    // The node that moves them runs in this tab: closed, a redeem may miss the other lock's timelock.
    expect(render(true)).toContain(
      'Your trades move on by themselves while this tab stays open: nothing to do but keep it open until they finish.',
    )
  })
})
