import { createElement, isValidElement, type ReactElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { type Address, keccak256, toHex } from 'viem'
import { describe, expect, test } from 'vitest'
import { ELSEWHERE_NOTE, MyOffersList } from '../../../src/ui/components/market/MyOffers'
import { ApproveAgainTerms, MyTrades } from '../../../src/ui/components/market/MyTrades'
import { OrderBook } from '../../../src/ui/components/market/OrderBook'
import { PairSelector } from '../../../src/ui/components/market/PairSelector'
import { PostOfferForm } from '../../../src/ui/components/market/PostOfferForm'
import { canMineHere } from '../../../src/ui/components/market/QuietChainNote'
import { myOffersView } from '../../../src/ui/market/book-view'
import { MemoryMarketSource } from '../../../src/ui/market/memory-source'
import { forgetPostedOffer, marketKey, updatePostedOffer } from '../../../src/ui/market/posted-offers'
import type { MarketAccount, MarketBookEntry, MarketPair, MarketSwap } from '../../../src/ui/market/source'
import { tradeView } from '../../../src/ui/market/trade-view'
import {
  ALICE,
  BOB,
  entry,
  FEES,
  GLD,
  id,
  NATIVE,
  NOW_MS,
  NOW_S,
  offer,
  PARAMS,
  SLV,
  TERMS,
  TOKENS,
} from './fixtures'

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')

/** The elements of a rendered tree (host elements are not expanded) whose `data-testid` is `testId`. */
function byTestId(node: unknown, testId: string): ReactElement<Record<string, unknown>>[] {
  if (Array.isArray(node)) return node.flatMap((n) => byTestId(n, testId))
  if (!isValidElement<Record<string, unknown>>(node)) return []
  const here = node.props['data-testid'] === testId ? [node] : []
  return [...here, ...byTestId(node.props.children, testId)]
}

/**
 * The `data-label` of each cell of each row of `html` whose row test id is `rowTestId` (null for none):
 * the label a cell shows above its value on a phone, where the table's head is hidden.
 */
function cellLabels(html: string, rowTestId: string): (string | null)[][] {
  const rows = html.split('<tr').filter((r) => r.includes(`data-testid="${rowTestId}"`))
  return rows.map((r) =>
    (r.match(/<td[^>]*>/g) ?? []).map((td) => /data-label="([^"]*)"/.exec(td)?.[1] ?? null),
  )
}

/** A memory market of TOKENS at PARAMS and FEES for `account` (Alice's, unlocked, by default), its clock at NOW_MS. */
const memorySource = (
  account: MarketAccount = { address: ALICE, peerId: '12D3KooWAlice', unlocked: true },
): MemoryMarketSource =>
  new MemoryMarketSource({
    params: PARAMS,
    fees: FEES,
    tokens: TOKENS,
    account,
    sign: async (o) => keccak256(toHex(`${o.maker}${o.sellAmount}`)),
    idOf: (o) => keccak256(toHex(`${o.maker}${o.salt}`)),
    now: () => NOW_MS,
  })

/** Clicks the button of `element` (calls its `onClick`, as React would). */
function click(element: ReactElement<Record<string, unknown>> | undefined): unknown {
  if (element === undefined) throw new Error('no such button')
  return (element.props.onClick as () => unknown)()
}

/** The order book of GLD priced in SLV holding `entries`, as `me` sees it (balances not known, unlocked). */
const bookMarkup = (entries: readonly MarketBookEntry[], me: Address): string =>
  renderToStaticMarkup(
    createElement(OrderBook, {
      entries,
      pair: { base: GLD, quote: SLV },
      tokens: TOKENS,
      me,
      locked: false,
      holdings: null,
      params: PARAMS,
      fees: FEES,
      onTake: () => {},
      onCancel: () => {},
    }),
  )

/** Bob's trades (`swaps`) at block #20, his wallet `unlocked` or not. */
const tradesMarkup = (swaps: readonly MarketSwap[], unlocked: boolean): string =>
  renderToStaticMarkup(
    createElement(
      MemoryRouter,
      null,
      createElement(MyTrades, {
        swaps,
        account: { address: BOB, peerId: 'p', unlocked },
        tokens: TOKENS,
        params: PARAMS,
        head: 20n,
        onApproveAgain: async () => {},
      }),
    ),
  )

/** A trade Bob took from Alice: 100 GLD for 50 SLV, Alice's secret revealed. */
const TAKEN: MarketSwap = {
  id: id(1),
  role: 'taker',
  terms: TERMS,
  state: 'SecretRevealed',
  steps: [],
  makerLock: { id: id(0xa), lockedAt: 12n, timelockHeight: 52n, state: 'locked' },
  takerLock: { id: id(0xb), lockedAt: 15n, timelockHeight: 31n, state: 'redeemed' },
  redeemsSent: [],
  error: null,
  unverified: false,
  counterpartyLinked: true,
  approved: true,
}

describe('market components render from the view models', () => {
  test('order book: take buttons for others’ offers, withdraw for ours, the unfunded flag', () => {
    const html = bookMarkup(
      [
        entry(id(1)),
        entry(id(2), { maker: BOB, buyAmount: 60_000000n }),
        entry(
          id(3),
          { sellToken: SLV, sellAmount: 30_000000n, buyToken: GLD, buyAmount: 100_00n },
          { makerLacksBalance: true },
        ),
      ],
      BOB,
    )
    const t = text(html)
    expect(t).not.toContain('locked')
    expect(t).toContain('Selling GLD')
    // Each price names its unit in its own cell: on a phone the table's head is hidden.
    expect(t).toContain('0.5 SLV per GLD 2 GLD per SLV')
    // Each take button says how much it buys or sells.
    expect(t).toContain('Buy 100 GLD')
    expect(t).toContain('Withdraw')
    expect(t).toContain('Sell 100 GLD')
    // Balances not known: every take button is live, and nothing is said of what the user holds.
    expect(html).not.toContain('disabled')
    expect(html).not.toContain('take-shortfall')
    expect(t).toContain('unfunded')
    expect(html.match(/data-testid="book-row"/g)).toHaveLength(3)
    expect(t).not.toContain('expires in')
    // (Counted down from the real clock here: whatever is left, or expired.)
    expect(html.match(/<td class="small" data-label="Expires">(in [^<]+|expired)<\/td>/g)).toHaveLength(3)
    // On a phone each value sits under its column's name (the head is hidden); the buttons need none.
    expect(cellLabels(html, 'book-row')).toEqual(Array(3).fill(['Price', 'Amount', 'Maker', 'Expires', null]))
  })

  test('order book: a take the user cannot pay for is off, and says what they hold beside its button', () => {
    const props = {
      entries: [entry(id(1)), entry(id(2), { sellAmount: 20_00n, buyAmount: 8_000000n })],
      pair: { base: GLD, quote: SLV },
      tokens: TOKENS,
      me: BOB,
      locked: false,
      // 40 SLV: enough for 20 GLD (8 SLV), not for 100 GLD (50 SLV).
      holdings: [{ token: SLV, amount: 40_000000n }],
      params: PARAMS,
      fees: FEES,
      onTake: () => {},
      onCancel: () => {},
    }
    const html = renderToStaticMarkup(createElement(OrderBook, props))
    const buttons = html.match(/<button[^>]*>[^<]*<\/button>/g) ?? []
    expect(buttons).toHaveLength(2)
    expect(buttons[0]).toMatch(/^<button(?![^>]*disabled)[^>]*>Buy 20 GLD<\/button>$/)
    expect(buttons[1]).toMatch(/ disabled=""[^>]*>Buy 100 GLD<\/button>$/)
    // The reason is in view beside it, and is the button's description for assistive technology.
    const note = /<div class="muted small" id="([^"]+)" data-testid="take-shortfall">([^<]*)<\/div>/.exec(
      html,
    )
    expect(note?.[2]).toBe('You hold 40 of 50 SLV')
    expect(buttons[1]).toContain(`aria-describedby="${note?.[1]}"`)
    expect(html.match(/data-testid="take-shortfall"/g)).toHaveLength(1)
    expect(html.indexOf('Buy 100 GLD')).toBeLessThan(html.indexOf('You hold 40 of 50 SLV'))
  })

  test('order book: a take whose network fees the user cannot pay is off, saying what the fees need', () => {
    // Enough SLV for the offer, and less TAB than its fees: at most 0.00099 TAB (330,000 gas at 3 gwei).
    const html = renderToStaticMarkup(
      createElement(OrderBook, {
        entries: [entry(id(1))],
        pair: { base: GLD, quote: SLV },
        tokens: TOKENS,
        me: BOB,
        locked: false,
        holdings: [
          { token: SLV, amount: 50_000000n },
          { token: NATIVE, amount: 10n ** 14n },
        ],
        params: PARAMS,
        fees: FEES,
        onTake: () => {},
        onCancel: () => {},
      }),
    )
    expect(html).toMatch(/ disabled=""[^>]*>Buy 100 GLD<\/button>/)
    expect(html).toContain(
      'data-testid="take-shortfall">You need up to 0.00099 TAB for fees and hold 0.0001 TAB</div>',
    )
  })

  test('an open offer of the account posted from another browser or profile (not hosted by this node) says so: takes and its swap are there, a take there is not told here', () => {
    const here = entry(id(5), { maker: BOB }, { hosted: true })
    const there = entry(id(6), { maker: BOB, makerPeer: '12D3KooWLaptop' })
    const html = renderToStaticMarkup(
      MyOffersList({
        rows: myOffersView([here, there], TOKENS, BOB, NOW_MS),
        accounts: [],
        onShow: () => {},
        onWithdraw: () => {},
      }),
    )
    const [first, second] = html.match(/<tr data-testid="my-offer-row".*?<\/tr>/g) ?? []
    expect(first).toContain('data-elsewhere="false"')
    expect(first).not.toContain('my-offer-elsewhere')
    expect(second).toContain('data-elsewhere="true"')
    expect(second).toContain(`data-testid="my-offer-elsewhere">${ELSEWHERE_NOTE}</div>`)
    // Withdrawing it still works from here: the cancellation is signed by the account and gossiped.
    expect(second).toContain('Withdraw</button>')
  })

  test('on a phone a long amount or price breaks only after a digit-group comma: book, open offers, trades', () => {
    // 123,456,789,012 GLD for 61,728,394,506 SLV: a narrow cell wrapping anywhere read
    // "123,456,789,01 / 2 GLD" as another figure.
    const big = entry(id(7), {
      maker: BOB,
      sellAmount: 123_456_789_012_00n,
      buyAmount: 61_728_394_506_000000n,
    })
    const book = bookMarkup([big], ALICE)
    expect(book).toContain('<td data-label="Amount">123,<wbr/>456,<wbr/>789,<wbr/>012 GLD')
    expect(book).toContain('for 61,<wbr/>728,<wbr/>394,<wbr/>506 SLV')
    const offers = renderToStaticMarkup(
      MyOffersList({
        rows: myOffersView([big], TOKENS, BOB, NOW_MS),
        accounts: [],
        onShow: () => {},
        onWithdraw: () => {},
      }),
    )
    expect(offers).toContain('123,<wbr/>456,<wbr/>789,<wbr/>012 GLD for 61,<wbr/>728,<wbr/>394,<wbr/>506 SLV')
    const swap: MarketSwap = {
      ...TAKEN,
      id: id(8),
      terms: { ...TAKEN.terms, amountA: 123_456_789_012_00n },
      state: 'Completed',
      steps: [{ state: 'Completed', height: 18n }],
    }
    expect(tradesMarkup([swap], true)).toContain(
      '<td data-label="Trade">You bought 123,<wbr/>456,<wbr/>789,<wbr/>012 GLD for 50 SLV</td>',
    )
    // How it ended, and a running trade's steps and sentences: at 320 px a 78-digit amount in one of them,
    // with no place to break, ran past the card and the screen.
    const grouped = '123,<wbr/>456,<wbr/>789,<wbr/>012 GLD'
    expect(tradesMarkup([swap], true)).toContain(`Done: you received ${grouped}.</td>`)
    const running = tradesMarkup(
      [
        {
          ...swap,
          terms: { ...swap.terms, amountB: 61_728_394_506_000000n },
          state: 'TakerLocked',
          redeemsSent: [],
        },
      ],
      true,
    )
    const groupedB = '61,<wbr/>728,<wbr/>394,<wbr/>506 SLV'
    expect(running).toContain(`<span>They lock ${grouped}</span>`)
    expect(running).toContain(`<span>You collect their ${grouped} — done</span>`)
    expect(running).toContain(
      `data-testid="trade-next">Nothing to do: waiting for the maker to collect your ${groupedB}.`,
    )
    expect(running).toMatch(new RegExp(`data-testid="trade-deadline">[^<]*${groupedB}`))
  })

  test('pair selector: its button flips the pair, and says so (not a swap of tokens)', () => {
    let chosen: MarketPair | null = null
    const el = createElement(PairSelector, {
      tokens: TOKENS,
      pair: { base: GLD, quote: SLV },
      onChange: (p: MarketPair) => {
        chosen = p
      },
    })
    const html = renderToStaticMarkup(el)
    expect(text(html)).not.toContain('Swap')
    expect(html).toMatch(/<button[^>]*title="Show SLV priced in GLD"[^>]*>Flip pair<\/button>/)
    const [button] = byTestId(PairSelector(el.props), 'pair-flip')
    click(button)
    expect(chosen).toEqual({ base: SLV, quote: GLD })
  })

  test('my trades: the notice says when a trade needs the user; finished ones go to history', () => {
    const base = TAKEN
    const markup = (unlocked: boolean) =>
      tradesMarkup(
        [base, { ...base, id: id(9), state: 'Completed', steps: [{ state: 'Completed', height: 18n }] }],
        unlocked,
      )
    const render = (unlocked: boolean) => text(markup(unlocked))
    const locked = render(false)
    // The notice asks for the wallet unlocked and links to where that is done.
    expect(locked).toContain('A trade needs you: unlock your wallet so your node can sign. Unlock the wallet')
    expect(markup(false)).toMatch(/<a [^>]*href="\/wallet"[^>]*>Unlock the wallet<\/a>/)
    expect(render(true)).not.toContain('Unlock the wallet')
    // The card says which side of the offer the user is on in words, not as a bare "taker".
    expect(markup(false)).toContain(
      'You buy 100 GLD for 50 SLV <span class="tag tag--ghost" data-testid="trade-role">You took this offer (taker)</span>',
    )
    expect(locked).toContain('Unlock your wallet to sign the transaction that collects 100 GLD.')
    expect(locked).toContain('History')
    expect(locked).toContain('Done: you received 100 GLD.')
    // The finished trade reads as done, and says when it ended.
    expect(locked).toContain(
      'Trade Price Outcome Ended You bought 100 GLD for 50 SLV 0.5 SLV per GLD 2 GLD per SLV Done: you received 100 GLD. block #18, ~4s ago',
    )
    // On a phone each of its values sits under its column's name (the head is hidden).
    expect(cellLabels(markup(false), 'history-row')).toEqual([['Trade', 'Price', 'Outcome', 'Ended']])
    // A trade its node could not check yet is a notice, not an alert; a failed step stays an alert.
    const shown = (swap: MarketSwap) => tradesMarkup([swap], true)
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

  test('my trades: each step says to a screen reader whether it is done, under way or to come (its mark and colour say it on screen)', () => {
    /** Each step of the one trade of `swap`: what its mark says, and whether it is the current one. */
    const spoken = (swap: MarketSwap) =>
      Array.from(
        tradesMarkup([swap], true).matchAll(
          /<li class="steps__item[^"]*"( aria-current="step")?><span class="steps__mark" role="img" aria-label="([^"]+)">[^<]*<\/span><span>([^<]+)<\/span><\/li>/g,
        ),
        ([, current, said, step]) => `${said}${current === undefined ? '' : ' (current)'}: ${step}`,
      )
    expect(spoken({ ...TAKEN, state: 'MakerLocked', takerLock: null })).toEqual([
      'Done: They lock 100 GLD',
      'Now (current): You lock 50 SLV',
      'To come: They collect your 50 SLV — that lets you collect theirs',
      'To come: You collect their 100 GLD — done',
    ])
    expect(spoken(TAKEN)).toEqual([
      'Done: They lock 100 GLD',
      'Done: You lock 50 SLV',
      'Done: They collect your 50 SLV — that lets you collect theirs',
      'Now (current): You collect their 100 GLD — done',
    ])
  })

  test('my trades: a trade this tab lost the approval of says so, with Approve again; its terms are shown before the user approves', () => {
    const lost: MarketSwap = { ...TAKEN, state: 'MakerLocked', takerLock: null, approved: false }
    const unlocked = tradesMarkup([lost], true)
    expect(text(unlocked)).toContain('A trade needs you: approve it again below so your node can sign.')
    expect(text(unlocked)).toContain(
      'This tab lost your approval of this trade (its saved copy could not be read)',
    )
    expect(unlocked).toMatch(/<button[^>]*data-testid="trade-approve-again"[^>]*>Approve again<\/button>/)
    // Locked: the way to unlock it first, no approve button.
    const locked = tradesMarkup([lost], false)
    expect(text(locked)).toContain('A trade needs you: unlock your wallet so your node can sign.')
    expect(locked).not.toContain('trade-approve-again')
    expect(tradesMarkup([TAKEN], true)).not.toContain('trade-reapprove')

    const reapprove = tradeView(lost, TOKENS, PARAMS, 20n, true).reapprove
    if (reapprove === null) throw new Error('no reapprove view')
    let confirmed = 0
    const terms = ApproveAgainTerms({
      reapprove,
      busy: false,
      error: 'This browser did not save your approval of this trade',
      onConfirm: () => confirmed++,
      onCancel: () => {},
    })
    const shown = text(renderToStaticMarkup(terms))
    expect(shown).toContain('You give 50 SLV You get 100 GLD')
    expect(shown).toContain(`With ${ALICE} (the maker)`)
    expect(shown).toContain('Timelocks your lock can be taken back 16 blocks')
    expect(shown).toContain('This browser did not save your approval of this trade')
    click(byTestId(terms, 'trade-approve-confirm')[0])
    expect(confirmed).toBe(1)
  })

  test('your open offers: every pair listed with what it sells and asks; Show in book names its pair; a withdrawn one leaves', async () => {
    const source = memorySource()
    source.setBalance(GLD, ALICE, 100_00n)
    source.setBalance(NATIVE, ALICE, 10n ** 18n)
    const post = async (fields: Parameters<typeof offer>[0]) =>
      source.postOffer(await source.signOffer(offer(fields)))
    // 100 GLD for 50 SLV, and 1 TAB for 40 GLD (it expires first: listed first).
    const gld = await post({})
    const tab = await post({
      sellToken: NATIVE,
      sellAmount: 10n ** 18n,
      buyToken: GLD,
      buyAmount: 40_00n,
      expiresAt: NOW_S + 300n,
      salt: `0x${'33'.repeat(32)}`,
    })
    // Someone else's offer in the same pair is the book's, not ours.
    source.addOffer(entry(id(7), { maker: BOB }))

    const shown: MarketPair[] = []
    const list = async () =>
      MyOffersList({
        rows: myOffersView(await source.myOffers(), TOKENS, ALICE, NOW_MS),
        accounts: [
          { address: ALICE, name: 'Account 1', source: { kind: 'hd', index: 0 } },
          { address: BOB, name: 'Savings', source: { kind: 'hd', index: 1 } },
        ],
        onShow: (pair) => shown.push(pair),
        onWithdraw: (e) => source.cancelOffer(e.id),
      })
    const both = await list()
    // On a phone each value sits under its column's name (the head is hidden); the buttons need none.
    expect(cellLabels(renderToStaticMarkup(both), 'my-offer-row')).toEqual(
      Array(2).fill(['Offer', 'Price', 'Account', 'Expires', null]),
    )
    const rows = byTestId(both, 'my-offer-row')
    expect(rows.map((r) => r.key)).toEqual([tab.id, gld.id])
    const t = text(renderToStaticMarkup(both))
    expect(t).toContain('1 TAB for 40 GLD')
    expect(t).toContain('40 GLD per TAB 0.025 TAB per GLD')
    expect(t).toContain('in 5m 00s')
    expect(t).toContain('100 GLD for 50 SLV')
    expect(t).toContain('0.5 SLV per GLD 2 GLD per SLV')
    expect(t).toContain('in 10m 00s')
    // The Expires column says "Expires" once (its header, or each cell's label on a phone), not per row.
    expect(t).not.toContain('expires in')
    // Each names its account as the Wallet does, not by its address (the book says "you").
    expect(t).toContain('Account 1 in 5m 00s')
    expect(t).toContain('Account 1 in 10m 00s')
    expect(t).not.toContain('0xaaaa')
    expect(
      renderToStaticMarkup(both).match(/<td class="small" data-label="Expires">in \d+m\u00a000s<\/td>/g),
    ).toHaveLength(2)
    expect(t).not.toContain('0xbbbb')

    click(byTestId(rows[0], 'my-offer-show')[0])
    click(byTestId(rows[1], 'my-offer-show')[0])
    // The book of the pair in which the offer is an ask (it sells the base): where it shows as posted.
    expect(shown).toEqual([
      { base: NATIVE, quote: GLD },
      { base: GLD, quote: SLV },
    ])

    await click(byTestId(rows[1], 'my-offer-withdraw')[0])
    expect(byTestId(await list(), 'my-offer-row').map((r) => r.key)).toEqual([tab.id])
    await source.cancelOffer(tab.id)
    expect(text(renderToStaticMarkup(await list()))).toContain('You have no open offers.')

    // Another account of the wallet: listed, withdrawn once that account is the one selected.
    const other = MyOffersList({
      rows: myOffersView([entry(id(8), { maker: BOB })], TOKENS, ALICE, NOW_MS),
      accounts: [{ address: ALICE, name: 'Account 1', source: { kind: 'hd', index: 0 } }],
      onShow: () => {},
      onWithdraw: () => {},
    })
    expect(byTestId(other, 'my-offer-withdraw')).toEqual([])
    expect(text(renderToStaticMarkup(other))).toContain(
      '0xbbbb…bbbb in 10m 00s Show in book Select this account in the wallet to withdraw it.',
    )
  })

  test('post form: the note on the offer posted is there again when the user comes back to its pair (the form remounts with each pair); a withdrawal takes it away', () => {
    const account = { address: ALICE, peerId: '12D3KooWAlice', unlocked: true }
    const source = memorySource(account)
    // A fresh form for `pair`, as the Market screen mounts one each time the pair changes.
    const form = (pair: MarketPair) =>
      text(
        renderToStaticMarkup(
          createElement(PostOfferForm, { source, account, tokens: TOKENS, params: PARAMS, fees: FEES, pair }),
        ),
      )
    const note =
      'Offer posted: 1 GLD = 0.5 SLV. It stays open until someone takes it, it expires or you withdraw it.'
    const gldSlv: MarketPair = { base: GLD, quote: SLV }
    // What the form's submit records once the node took the offer.
    updatePostedOffer(marketKey(gldSlv), () => ({
      offer: {
        id: id(9),
        price: '1 GLD = 0.5 SLV',
        expiresAt: NOW_S + 600n,
        taken: false,
        finished: false,
        goneAtMs: null,
      },
      pair: gldSlv,
    }))
    expect(form(gldSlv)).toContain(note)
    // Another pair's form says nothing of it; back on its pair, either way round, the note is there.
    expect(form({ base: GLD, quote: NATIVE })).not.toContain('Offer posted')
    expect(form(gldSlv)).toContain(note)
    expect(form({ base: SLV, quote: GLD })).toContain(note)
    // Withdrawn (from the book or Your open offers, whatever pair is shown), it leaves the form for good.
    forgetPostedOffer(id(9))
    expect(form(gldSlv)).not.toContain('Offer posted')
  })

  test('a locked wallet is said where the user acts: by the take buttons and the post form, with the way to unlock it', () => {
    const inRouter = (el: ReactElement) => renderToStaticMarkup(createElement(MemoryRouter, null, el))
    const unlockLink = /<a class="button button--small" href="\/wallet"[^>]*>Unlock<\/a>/
    const book = (locked: boolean, me = BOB) =>
      inRouter(
        createElement(OrderBook, {
          entries: [entry(id(1))],
          pair: { base: GLD, quote: SLV },
          tokens: TOKENS,
          me,
          locked,
          holdings: null,
          params: PARAMS,
          fees: FEES,
          onTake: () => {},
          onCancel: () => {},
        }),
      )
    const lockedBook = book(true)
    expect(text(lockedBook)).toContain('Your wallet is locked: unlock it to take an offer. Unlock')
    expect(lockedBook).toMatch(unlockLink)
    // Said before the take buttons it is about.
    expect(lockedBook.indexOf('data-testid="wallet-locked"')).toBeLessThan(lockedBook.indexOf('Buy 100 GLD'))
    expect(book(false)).not.toContain('wallet-locked')
    // Only its own offers in the book: nothing to take, nothing to say.
    expect(book(true, ALICE)).not.toContain('wallet-locked')

    const form = (unlocked: boolean) => {
      const account = { address: ALICE, peerId: '12D3KooWAlice', unlocked }
      const source = memorySource(account)
      const pair = { base: GLD, quote: SLV }
      return inRouter(
        createElement(PostOfferForm, { source, account, tokens: TOKENS, params: PARAMS, fees: FEES, pair }),
      )
    }
    const lockedForm = form(false)
    expect(text(lockedForm)).toContain('Your wallet is locked: unlock it to post an offer. Unlock')
    expect(lockedForm).toMatch(unlockLink)
    expect(lockedForm.indexOf('data-testid="wallet-locked"')).toBeLessThan(
      lockedForm.indexOf('Sign and post the offer'),
    )
    expect(form(true)).not.toContain('wallet-locked')
  })
})

describe('who can mine the blocks running trades wait for', () => {
  test('a full tab not mining can; a light or upgrading tab, one already mining, or one not started cannot', () => {
    const mining = (enabled: boolean) => ({ enabled, hashrate: 0, dutyCycle: 0.5, coinbase: ALICE })
    expect(canMineHere({ mode: { kind: 'full' }, mining: mining(false) })).toBe(true)
    expect(canMineHere({ mode: { kind: 'full' }, mining: mining(true) })).toBe(false)
    expect(canMineHere({ mode: { kind: 'light' }, mining: mining(false) })).toBe(false)
    expect(canMineHere({ mode: { kind: 'upgrading', percent: 40 }, mining: mining(false) })).toBe(false)
    expect(canMineHere({ mode: null, mining: null })).toBe(false)
  })
})
