import { type FormEvent, useEffect, useState } from 'react'
import { type Address, type Hex, toHex } from 'viem'
import { SWAP_APPROVAL_NOTE } from '../../../wallet/describe'
import { tokenOf } from '../../market/book-view'
import { marketErrorMessage } from '../../market/errors'
import { readWithFees } from '../../market/holdings'
import {
  followPostedOffer,
  type OfferContext,
  type OfferFields,
  parseOffer,
  postedOfferNote,
  readOfferForm,
  sellHolding,
} from '../../market/offer-form'
import { marketKey, type PostedRecord, updatePostedOffer, usePostedOffer } from '../../market/posted-offers'
import type {
  MarketAccount,
  MarketFees,
  MarketPair,
  MarketParams,
  MarketSource,
  MarketToken,
} from '../../market/source'
import { tradeFinished } from '../../market/trade-view'
import { useMarketQuery } from '../../market/useMarket'
import { useFields } from '../field-problem'
import { WalletLockedNote } from '../WalletLocked'

interface PostOfferFormProps {
  readonly source: MarketSource
  readonly account: MarketAccount
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly fees: MarketFees
  readonly pair: MarketPair
}

/** "Sell X of A for Y of B": checked as typed, signed by the wallet (EIP-712), posted through this node. */
export function PostOfferForm({ source, account, tokens, params, fees, pair }: PostOfferFormProps) {
  const [error, setError] = useState<string | null>(null)
  // The offer posted last in this market and the pair whose book lists it, followed until the next edit.
  // Kept outside the form, which remounts with each pair: the note is there again when the user comes back.
  const market = marketKey(pair)
  const posted = usePostedOffer(market)
  const setPosted = (record: PostedRecord | null) => updatePostedOffer(market, () => record)
  const { fields, touched, touchAll, reset, bind } = useFields<OfferFields>(
    { sellToken: pair.base, sellAmount: '', buyToken: pair.quote, buyAmount: '', expiryMinutes: '60' },
    () => {
      setError(null)
      setPosted(null)
    },
  )
  const [busy, setBusy] = useState(false)
  const sellToken = fields.sellToken as Address
  const balances = useMarketQuery(
    source,
    async (s) => {
      const { amount, native } = await readWithFees(s, sellToken, account.address)
      return { sell: amount, native }
    },
    ['wallet', 'head'],
    [sellToken, account.address],
  )
  const loaded = balances !== null && 'value' in balances ? balances.value : null
  const postedId = posted?.offer.id ?? null
  const reading = useMarketQuery(
    source,
    async (s) => {
      if (posted === null) return null
      const same = (id: Hex) => id.toLowerCase() === posted.offer.id.toLowerCase()
      const [book, swaps] = await Promise.all([s.offers(posted.pair), s.swaps()])
      const trade = swaps.find((w) => same(w.id))
      return {
        id: posted.offer.id,
        open: book.some((e) => same(e.id)),
        taken: trade !== undefined,
        finished: trade !== undefined && tradeFinished(trade),
        atMs: Date.now(),
      }
    },
    ['offers', 'swaps'],
    [postedId],
  )
  useEffect(() => {
    const read = reading !== null && 'value' in reading ? reading.value : null
    if (read === null) return
    updatePostedOffer(market, (p) =>
      p === null || p.offer.id !== read.id ? p : { ...p, offer: followPostedOffer(p.offer, read) },
    )
  }, [reading, market])
  const note = posted === null ? null : postedOfferNote(posted.offer)
  const context = (salt: Hex): OfferContext | null =>
    loaded === null
      ? null
      : {
          tokens,
          params,
          fees,
          maker: account.address,
          makerPeer: account.peerId,
          sellBalance: loaded.sell,
          nativeBalance: loaded.native,
          nowMs: Date.now(),
          salt,
        }
  // The salt is drawn on submit; the preview only needs the other fields.
  const checking = context(toHex(new Uint8Array(32)))
  const { preview, problems } =
    checking === null ? { preview: null, problems: {} } : readOfferForm(fields, checking, touched)
  /** `name`'s input, and the message beside it tied to it for assistive technology. */
  const field = (name: keyof OfferFields) => bind(name, `offer-${name}-problem`, problems[name])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const ctx = context(toHex(crypto.getRandomValues(new Uint8Array(32))))
    if (ctx === null) return
    const parsed = parseOffer(fields, ctx)
    if (!parsed.ok) return touchAll(e.currentTarget)
    setBusy(true)
    setError(null)
    try {
      const signed = await source.signOffer(parsed.value.offer)
      const entry = await source.postOffer(signed)
      const offer = parsed.value.offer
      setPosted({
        offer: {
          id: entry.id,
          price: parsed.value.price,
          expiresAt: offer.expiresAt,
          taken: false,
          finished: false,
          goneAtMs: null,
        },
        pair: { base: offer.sellToken, quote: offer.buyToken },
      })
      reset((f) => ({ ...f, sellAmount: '', buyAmount: '' }))
    } catch (err) {
      setError(marketErrorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  const options = tokens.map((t) => (
    <option key={t.address} value={t.address}>
      {t.symbol}
    </option>
  ))
  const sellAmount = field('sellAmount')
  const sellTokenField = field('sellToken')
  const buyAmount = field('buyAmount')
  const buyTokenField = field('buyToken')
  const expiry = field('expiryMinutes')
  return (
    <form className="form" onSubmit={submit} data-testid="post-offer" noValidate>
      <div className="form__row">
        <label htmlFor="offer-sell-amount">You sell</label>
        <div className="offer-amount">
          <input
            id="offer-sell-amount"
            className="input"
            inputMode="decimal"
            placeholder="100"
            {...sellAmount.props}
          />
          <select className="input" aria-label="Token you sell" {...sellTokenField.props}>
            {options}
          </select>
        </div>
        {/* What can be sold, until a problem with the amount says it (or something more pressing). */}
        {loaded === null || sellAmount.message !== null ? null : (
          <p className="small muted" data-testid="offer-sell-balance">
            {sellHolding(loaded.sell, tokenOf(tokens, sellToken))}
          </p>
        )}
        {sellAmount.message}
        {sellTokenField.message}
      </div>
      <div className="form__row">
        <label htmlFor="offer-buy-amount">You receive</label>
        <div className="offer-amount">
          <input
            id="offer-buy-amount"
            className="input"
            inputMode="decimal"
            placeholder="50"
            {...buyAmount.props}
          />
          <select className="input" aria-label="Token you receive" {...buyTokenField.props}>
            {options}
          </select>
        </div>
        {buyAmount.message}
        {buyTokenField.message}
      </div>
      <div className="form__row">
        <label htmlFor="offer-expiry">Open for (minutes)</label>
        <input id="offer-expiry" className="input" inputMode="numeric" {...expiry.props} />
        {expiry.message}
      </div>
      {preview?.ok ? (
        <ul className="plain-list small muted" data-testid="offer-preview">
          <li>{preview.value.price}</li>
          <li>{preview.value.fee}</li>
          <li>{preview.value.lock}</li>
          <li>{SWAP_APPROVAL_NOTE}</li>
        </ul>
      ) : null}
      {error !== null ? (
        <p className="form__error" role="alert" data-testid="offer-error">
          {error}
        </p>
      ) : null}
      {note !== null ? (
        <p className="muted" role="status" data-testid="offer-posted">
          {note}
        </p>
      ) : null}
      {account.unlocked ? null : <WalletLockedNote to="post an offer" />}
      <div>
        {/* Busy: aria-disabled, not disabled, which would drop the focus (the dialog gives it back here). */}
        <button
          type="submit"
          className="button button--primary"
          disabled={loaded === null}
          aria-disabled={busy}
        >
          {busy ? 'Waiting for your signature…' : 'Sign and post the offer'}
        </button>
      </div>
    </form>
  )
}
