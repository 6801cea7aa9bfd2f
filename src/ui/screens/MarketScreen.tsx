import { useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import type { Hex } from 'viem'
import { LoadFailed } from '../components/explorer'
import { MyOffers } from '../components/market/MyOffers'
import { MyTrades } from '../components/market/MyTrades'
import { OrderBook } from '../components/market/OrderBook'
import { PairSelector } from '../components/market/PairSelector'
import { PostOfferForm } from '../components/market/PostOfferForm'
import { QuietChainNote } from '../components/market/QuietChainNote'
import { TakeDialog } from '../components/market/TakeDialog'
import { focusHeading } from '../focus-on-change'
import { marketErrorMessage } from '../market/errors'
import { readHoldings } from '../market/holdings'
import { forgetPostedOffer } from '../market/posted-offers'
import type { MarketBookEntry, MarketPair, MarketSource } from '../market/source'
import { takenOfferNote, tradeFinished } from '../market/trade-view'
import { useMarketQuery, useMarketSource } from '../market/useMarket'
import { firstPair, saveMarketPair } from '../market-pair-setting'
import { useApp } from '../store'
import { useWallet } from '../wallet-session'
import { PlaceholderScreen } from './PlaceholderScreen'

const stroke = {
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.8,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
} as const

/** Trade tokens with other tabs: the order book of a pair, posting and taking offers, and My trades. */
export function MarketScreen() {
  const source = useMarketSource((s) => s.source)
  if (source === null)
    return (
      <PlaceholderScreen
        title="Market"
        summary="Post offers and trade tokens directly with other tabs."
        points={[
          'Signed offers shared peer to peer — posting and cancelling cost nothing',
          'Trades settle with atomic swaps: both sides get paid, or both get refunded',
        ]}
        icon={
          <svg width="32" height="32" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M4 8h14l-3-3M20 16H6l3 3" {...stroke} />
          </svg>
        }
      />
    )
  return <Market source={source} />
}

function Market({ source }: { readonly source: MarketSource }) {
  const context = useMarketQuery(
    source,
    async (s) => {
      const [params, tokens, account, fees, head] = await Promise.all([
        s.params(),
        s.tokens(),
        s.account(),
        s.fees(),
        s.head(),
      ])
      return { params, tokens, account, fees, head }
    },
    ['wallet', 'head'],
    [],
  )
  const profileId = useApp((s) => s.profile?.id)
  const accounts = useWallet((s) => s.view.accounts)
  const [chosen, setChosen] = useState<MarketPair | null>(null)
  const choose = (next: MarketPair) => {
    setChosen(next)
    if (profileId !== undefined) saveMarketPair(profileId, next)
  }
  const [taking, setTaking] = useState<MarketBookEntry | null>(null)
  // An offer taken: once its dialog has closed (giving the focus back to the offer's Buy button, which
  // then leaves the book with the offer, dropping it to <body>), the focus goes to My trades, where the
  // trade is followed.
  const tookOffer = useRef(false)
  useEffect(() => {
    if (taking !== null || !tookOffer.current) return
    tookOffer.current = false
    const heading = document.getElementById('trades-title')
    if (heading !== null) focusHeading(heading)
  }, [taking])
  // What the last withdrawal came to, shown beside the list it was withdrawn from.
  const [notice, setNotice] = useState<{ readonly text: string; readonly from: 'book' | 'mine' } | null>(null)
  const ctx = context !== null && 'value' in context ? context.value : null
  const pair = chosen ?? (ctx === null ? null : firstPair(profileId, ctx.tokens))
  const book = useMarketQuery(
    source,
    async (s) => (pair === null ? [] : s.offers(pair)),
    ['offers'],
    [pair?.base, pair?.quote],
  )
  // What the account holds of the pair's two tokens and of the native coin (the take's fees), to say by
  // each take button it cannot pay for. Not read with the wallet locked (no take can be signed; the book
  // says to unlock), nor claimed when the node cannot say (`readHoldings`).
  const account = ctx?.account
  const holder = account?.unlocked ? account.address : null
  const held = useMarketQuery(
    source,
    async (s) => (pair === null || holder === null ? null : readHoldings(s, pair, holder)),
    ['wallet', 'head'],
    [pair?.base, pair?.quote, holder],
  )
  // Kept from the last read until the next one lands: only for the account still trading (the book
  // matches each offer's token against the tokens read, so another pair's balances claim nothing).
  const holdings =
    held !== null && 'value' in held && held.value !== null && held.value.holder === holder
      ? held.value.holdings
      : null
  // The wallet's open offers in every pair (its accounts may change: `wallet`).
  const mine = useMarketQuery(source, (s) => s.myOffers(), ['offers', 'wallet'], [])
  const swaps = useMarketQuery(source, (s) => s.swaps(), ['swaps'], [])
  // The offer this tab took last: a note follows its trade until it finished.
  const [taken, setTaken] = useState<Hex | null>(null)
  const note =
    (notice?.from === 'book' ? notice.text : null) ??
    (taken === null ? null : takenOfferNote(taken, swaps !== null && 'value' in swaps ? swaps.value : []))
  const withdraw = (entry: MarketBookEntry, from: 'book' | 'mine') => {
    setNotice(null)
    setTaken(null)
    source.cancelOffer(entry.id).then(
      () => {
        // The form's note on it goes too, in whichever market it was posted (the user may be elsewhere).
        forgetPostedOffer(entry.id)
        setNotice({ text: 'Offer withdrawn.', from })
      },
      (err: unknown) => setNotice({ text: marketErrorMessage(err), from }),
    )
  }
  return (
    <div className="screen">
      <h1>Market</h1>
      <p className="lead">
        Trade tokens directly with other tabs. An offer is a signature: posting and withdrawing it cost
        nothing. Taken offers settle as atomic swaps — both sides get paid, or both get their tokens back.
      </p>
      {context !== null && 'error' in context ? <LoadFailed error={context.error} /> : null}
      {ctx === null || pair === null ? (
        <p className="muted">
          {ctx === null ? (
            'Loading the market…'
          ) : (
            <>
              No tokens to trade yet: <Link to="/tokens">create one</Link>, or wait for one another tab
              creates to reach this node in a block.
            </>
          )}
        </p>
      ) : (
        <>
          <section className="section" aria-labelledby="book-title">
            <h2 id="book-title">Order book</h2>
            <PairSelector tokens={ctx.tokens} pair={pair} onChange={choose} />
            {note !== null ? (
              <p className="muted market__status" role="status">
                {note}
              </p>
            ) : null}
            {pair.base.toLowerCase() === pair.quote.toLowerCase() ? (
              <p className="muted">Choose two different tokens.</p>
            ) : book === null ? (
              <p className="muted">Loading offers…</p>
            ) : 'error' in book ? (
              <LoadFailed error={book.error} />
            ) : (
              <OrderBook
                entries={book.value}
                pair={pair}
                tokens={ctx.tokens}
                me={ctx.account?.address ?? null}
                locked={ctx.account?.unlocked === false}
                holdings={holdings}
                params={ctx.params}
                fees={ctx.fees}
                onTake={(entry) => {
                  setNotice(null)
                  setTaken(null)
                  setTaking(entry)
                }}
                onCancel={(entry) => withdraw(entry, 'book')}
              />
            )}
          </section>
          {ctx.account === null ? (
            <p className="muted">Create or unlock a wallet to post and take offers.</p>
          ) : (
            <>
              <section className="section" aria-labelledby="post-title">
                <h2 id="post-title">Post an offer</h2>
                <PostOfferForm
                  key={`${pair.base}/${pair.quote}`}
                  source={source}
                  account={ctx.account}
                  tokens={ctx.tokens}
                  params={ctx.params}
                  fees={ctx.fees}
                  pair={pair}
                />
              </section>
              <section className="section" aria-labelledby="my-offers-title">
                <h2 id="my-offers-title">Your open offers</h2>
                {notice?.from === 'mine' ? (
                  <p className="muted market__status" role="status">
                    {notice.text}
                  </p>
                ) : null}
                {mine === null ? (
                  <p className="muted">Loading your offers…</p>
                ) : 'error' in mine ? (
                  <LoadFailed error={mine.error} />
                ) : (
                  <MyOffers
                    entries={mine.value}
                    tokens={ctx.tokens}
                    me={ctx.account.address}
                    accounts={accounts}
                    onShow={(next) => {
                      choose(next)
                      document.getElementById('book-title')?.scrollIntoView({ block: 'start' })
                    }}
                    onWithdraw={(entry) => withdraw(entry, 'mine')}
                  />
                )}
              </section>
              <section className="section" aria-labelledby="trades-title">
                <h2 id="trades-title">My trades</h2>
                {swaps === null ? (
                  <p className="muted">Loading your trades…</p>
                ) : 'error' in swaps ? (
                  <LoadFailed error={swaps.error} />
                ) : (
                  <>
                    {swaps.value.some((s) => !tradeFinished(s)) ? <QuietChainNote /> : null}
                    <MyTrades
                      swaps={swaps.value}
                      account={ctx.account}
                      tokens={ctx.tokens}
                      params={ctx.params}
                      head={ctx.head}
                      onApproveAgain={(id) => source.approveAgain(id)}
                    />
                  </>
                )}
              </section>
              {taking !== null ? (
                <TakeDialog
                  source={source}
                  account={ctx.account}
                  entry={taking}
                  tokens={ctx.tokens}
                  params={ctx.params}
                  fees={ctx.fees}
                  open={book === null || !('value' in book) || book.value.some((e) => e.id === taking.id)}
                  onClose={(took) => {
                    if (took) setTaken(taking.id)
                    tookOffer.current = took
                    setTaking(null)
                  }}
                />
              ) : null}
            </>
          )}
        </>
      )}
    </div>
  )
}
