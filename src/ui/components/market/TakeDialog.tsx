import { useLayoutEffect, useRef, useState } from 'react'
import { SWAP_APPROVAL_NOTE } from '../../../wallet/describe'
import { marketErrorMessage } from '../../market/errors'
import { readWithFees } from '../../market/holdings'
import type {
  MarketAccount,
  MarketBookEntry,
  MarketFees,
  MarketParams,
  MarketSource,
  MarketToken,
} from '../../market/source'
import { takeConfirmation } from '../../market/take-view'
import { useMarketQuery } from '../../market/useMarket'
import { useNow } from '../../useNow'

interface TakeDialogProps {
  readonly source: MarketSource
  readonly account: MarketAccount
  readonly entry: MarketBookEntry
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly fees: MarketFees
  /** The offer is still in the book (false once it left: taken by another, withdrawn or expired). */
  readonly open: boolean
  /** Closes the dialog; `taken` is true once the maker accepted. */
  readonly onClose: (taken: boolean) => void
}

/** Confirms a take: exactly what goes out, what comes in and the fees, before the wallet signs it. */
export function TakeDialog({ source, account, entry, tokens, params, fees, open, onClose }: TakeDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const pay = entry.signed.offer.buyToken
  const balances = useMarketQuery(
    source,
    async (s) => {
      const { amount, native } = await readWithFees(s, pay, account.address)
      return { token: amount, native }
    },
    ['wallet', 'head'],
    [pay, account.address],
  )
  // A layout effect: its cleanup closes the dialog before React takes it out of the page, so the browser
  // gives the focus back to the Buy button that opened it (a dialog removed open gives it to nothing).
  useLayoutEffect(() => {
    const d = ref.current
    if (d !== null && !d.open) d.showModal()
    return () => d?.close()
  }, [])
  // Stopped while our take is under way: the maker, not this clock, says whether it came in time.
  const now = useNow(1000, !busy)
  const loaded = balances !== null && 'value' in balances ? balances.value : null
  const c =
    loaded === null
      ? null
      : takeConfirmation(entry, {
          tokens,
          params,
          fees,
          taker: account.address,
          payBalance: loaded.token,
          nativeBalance: loaded.native,
          // Our own take, under way, takes the offer out of the book before the maker's answer comes.
          open: open || busy,
          nowMs: now,
        })
  const take = async () => {
    setBusy(true)
    setError(null)
    try {
      await source.takeOffer(entry.id)
      onClose(true)
    } catch (err) {
      setError(marketErrorMessage(err))
      setBusy(false)
    }
  }
  return (
    <dialog ref={ref} className="approval" data-testid="take-dialog" onCancel={() => onClose(false)}>
      <p className="eyebrow">Take this offer?</p>
      {c === null ? (
        <p className="muted">Reading your balances…</p>
      ) : (
        <>
          <h2>
            <span data-testid="take-send">{c.send}</span>
            <br />
            <span data-testid="take-receive">{c.receive}</span>
          </h2>
          <dl className="facts">
            <div className="facts__row">
              <dt>Price</dt>
              <dd>{c.price}</dd>
            </div>
            <div className="facts__row">
              <dt>Network fees</dt>
              <dd data-testid="take-fee">{c.fee}</dd>
            </div>
            <div className="facts__row">
              <dt>Safety</dt>
              <dd>{c.safety}</dd>
            </div>
            <div className="facts__row">
              <dt>Approval</dt>
              <dd data-testid="take-approval">{SWAP_APPROVAL_NOTE}</dd>
            </div>
          </dl>
          {c.refusal !== null ? (
            <p className="form__error" role="alert" data-testid="take-refusal">
              {c.refusal}
            </p>
          ) : null}
        </>
      )}
      {error !== null ? (
        <p className="form__error" role="alert" data-testid="take-error">
          {error}
        </p>
      ) : null}
      <div className="row row--end">
        <button type="button" className="button" onClick={() => onClose(false)}>
          Cancel
        </button>
        <button
          type="button"
          className="button button--primary"
          data-testid="take-confirm"
          disabled={busy || c === null || c.refusal !== null}
          onClick={take}
        >
          {busy ? 'Asking the maker…' : 'Sign and take'}
        </button>
      </div>
    </dialog>
  )
}
