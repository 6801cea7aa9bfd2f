import { useMemo } from 'react'
import type { Address } from 'viem'
import type { AccountMeta } from '../../../wallet/store'
import { type MyOfferRow, myOffersView } from '../../market/book-view'
import type { MarketBookEntry, MarketPair, MarketToken } from '../../market/source'
import { useNow } from '../../useNow'
import { GroupedAmount } from '../GroupedAmount'
import { Identicon } from '../Identicon'

interface MyOffersProps {
  readonly entries: readonly MarketBookEntry[]
  readonly tokens: readonly MarketToken[]
  /** The account the market acts with: only its offers can be withdrawn here (the wallet signs with it). */
  readonly me: Address | null
  /** The wallet's accounts: each offer names its account as the Wallet does ("Account 1"). */
  readonly accounts: readonly AccountMeta[]
  /** Switches the order book to `pair` (the one in which the offer sells the base). */
  readonly onShow: (pair: MarketPair) => void
  /** Withdraws the offer, as its row in the book does. */
  readonly onWithdraw: (entry: MarketBookEntry) => void
}

/**
 * What an offer posted from another browser or profile of the account says (`MyOfferRow.elsewhere`): its
 * swap runs there, and a take there is not told here.
 */
export const ELSEWHERE_NOTE =
  'Posted from another browser or profile with this account: takes go to that tab, which runs the swap (keep it open until its trades finish). A take there is not told here: the offer stays listed until it expires or is withdrawn.'

/** The wallet's open offers in every pair: what each sells and asks, its price and expiry, and actions. */
export function MyOffers({ entries, tokens, me, accounts, onShow, onWithdraw }: MyOffersProps) {
  // The expiry countdowns tick only while there is something to count down.
  const now = useNow(1000, entries.length > 0)
  const rows = useMemo(() => myOffersView(entries, tokens, me, now), [entries, tokens, me, now])
  return <MyOffersList rows={rows} accounts={accounts} onShow={onShow} onWithdraw={onWithdraw} />
}

/** `MyOffers` once its rows are worked out (no state: renders the same rows the same way). */
export function MyOffersList({
  rows,
  accounts,
  onShow,
  onWithdraw,
}: {
  readonly rows: readonly MyOfferRow[]
  readonly accounts: readonly AccountMeta[]
  readonly onShow: (pair: MarketPair) => void
  readonly onWithdraw: (entry: MarketBookEntry) => void
}) {
  if (rows.length === 0)
    return (
      <p className="muted" data-testid="my-offers-empty">
        You have no open offers.
      </p>
    )
  return (
    <table className="table book" data-testid="my-offers">
      <thead>
        <tr>
          <th>Offer</th>
          <th>Price</th>
          <th>Account</th>
          <th>Expires</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {rows.map(({ entry, pair, base, quote, row, elsewhere }) => (
          <tr key={row.id} data-testid="my-offer-row" data-elsewhere={String(elsewhere)}>
            {/* Each value is labelled for a phone, where the table's head is hidden. */}
            <td data-label="Offer">
              <GroupedAmount text={row.amount} /> for <GroupedAmount text={row.total} />
              <div className="muted small">
                {base.symbol}/{quote.symbol}
              </div>
              {elsewhere ? (
                <div className="muted small" data-testid="my-offer-elsewhere">
                  {ELSEWHERE_NOTE}
                </div>
              ) : null}
            </td>
            <td className="mono" data-label="Price">
              {row.price.exact ? '' : '≈'}
              <GroupedAmount text={row.price.text} /> {quote.symbol} per {base.symbol}
              <div className="muted small">
                {row.inverse.exact ? '' : '≈'}
                <GroupedAmount text={row.inverse.text} /> {base.symbol} per {quote.symbol}
              </div>
            </td>
            <td className="table__peer" data-label="Account">
              <Identicon id={row.makerIdenticon} />{' '}
              <span className="mono small" title={row.maker}>
                {accountName(accounts, row.maker) ?? `${row.maker.slice(0, 6)}…${row.maker.slice(-4)}`}
              </span>
              {row.unfunded ? <span className="tag tag--warn">unfunded</span> : null}
            </td>
            <td className="small" data-label="Expires">
              {row.expiry}
            </td>
            <td>
              <div className="book__actions">
                <button
                  type="button"
                  className="button button--small"
                  data-testid="my-offer-show"
                  onClick={() => onShow(pair)}
                >
                  Show in book
                </button>
                {row.mine ? (
                  <button
                    type="button"
                    className="button button--small"
                    data-testid="my-offer-withdraw"
                    onClick={() => onWithdraw(entry)}
                  >
                    Withdraw
                  </button>
                ) : (
                  <span className="muted small">Select this account in the wallet to withdraw it.</span>
                )}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The wallet's name for `address` ("Account 1"), if it is one of `accounts`. */
const accountName = (accounts: readonly AccountMeta[], address: Address): string | undefined =>
  accounts.find((a) => a.address.toLowerCase() === address.toLowerCase())?.name
