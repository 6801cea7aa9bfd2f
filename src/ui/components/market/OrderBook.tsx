import { useMemo } from 'react'
import type { Address } from 'viem'
import { type BookRow, bookView, type TokenHolding } from '../../market/book-view'
import { swapFee } from '../../market/offer-form'
import type { MarketBookEntry, MarketFees, MarketPair, MarketParams, MarketToken } from '../../market/source'
import { useNow } from '../../useNow'
import { GroupedAmount } from '../GroupedAmount'
import { Identicon } from '../Identicon'
import { WalletLockedNote } from '../WalletLocked'

interface OrderBookProps {
  readonly entries: readonly MarketBookEntry[]
  readonly pair: MarketPair
  readonly tokens: readonly MarketToken[]
  readonly me: Address | null
  /** The wallet is locked: a take could not be signed, so the book says so above its take buttons. */
  readonly locked: boolean
  /**
   * What the user holds of the pair's tokens and of the native coin, or null when not known (a light
   * node with no peer to prove it, a locked wallet): a take it cannot pay for, network fees included, is
   * then off, saying what it holds.
   */
  readonly holdings: readonly TokenHolding[] | null
  /** Chain parameters and the fee market: the most a take costs in fees (the take dialog's bound). */
  readonly params: MarketParams
  readonly fees: MarketFees
  readonly onTake: (entry: MarketBookEntry) => void
  readonly onCancel: (entry: MarketBookEntry) => void
}

/** The pair's order book: offers selling the base (asks) and buying it (bids), best price first. */
export function OrderBook({
  entries,
  pair,
  tokens,
  me,
  locked,
  holdings,
  params,
  fees,
  onTake,
  onCancel,
}: OrderBookProps) {
  // The expiry countdowns tick only while there is something to count down.
  const now = useNow(1000, entries.length > 0)
  const book = useMemo(
    () => bookView(entries, pair, tokens, me, now, holdings, (pay) => swapFee(pay, params, fees)),
    [entries, pair, tokens, me, now, holdings, params, fees],
  )
  const byId = useMemo(() => new Map(entries.map((e) => [e.id, e])), [entries])
  const side = (title: string, testId: string, rows: readonly BookRow[], empty: string) => (
    <div className="book__side">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted small">{empty}</p>
      ) : (
        <table className="table book" data-testid={testId}>
          <thead>
            <tr>
              <th>Price</th>
              <th>Amount</th>
              <th>Maker</th>
              <th>Expires</th>
              <th aria-label="Action" />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const entry = byId.get(r.id)
              return (
                <tr key={r.id} data-testid="book-row">
                  {/* Each value is labelled for a phone, where the table's head is hidden. */}
                  <td className="mono" data-label="Price">
                    {r.price.exact ? '' : '≈'}
                    <GroupedAmount text={r.price.text} /> {book.quote.symbol} per {book.base.symbol}
                    <div className="muted small">
                      {r.inverse.exact ? '' : '≈'}
                      <GroupedAmount text={r.inverse.text} /> {book.base.symbol} per {book.quote.symbol}
                    </div>
                  </td>
                  <td data-label="Amount">
                    <GroupedAmount text={r.amount} />
                    <div className="muted small">
                      for <GroupedAmount text={r.total} />
                    </div>
                  </td>
                  <td className="table__peer" data-label="Maker">
                    <Identicon id={r.makerIdenticon} />{' '}
                    <span className="mono small" title={r.maker}>
                      {r.mine ? 'you' : `${r.maker.slice(0, 6)}…${r.maker.slice(-4)}`}
                    </span>
                    {r.unfunded ? <span className="tag tag--warn">unfunded</span> : null}
                  </td>
                  <td className="small" data-label="Expires">
                    {r.expiry}
                  </td>
                  <td>
                    {entry === undefined ? null : r.mine ? (
                      <button type="button" className="button button--small" onClick={() => onCancel(entry)}>
                        Withdraw
                      </button>
                    ) : (
                      <>
                        {/* Off when the user cannot pay for it, the reason in view beside it (the dialog would refuse). */}
                        <button
                          type="button"
                          className="button button--small button--primary"
                          disabled={r.shortfall !== null}
                          aria-describedby={r.shortfall === null ? undefined : `take-shortfall-${r.id}`}
                          onClick={() => onTake(entry)}
                        >
                          {r.action}
                        </button>
                        {r.shortfall === null ? null : (
                          <div
                            className="muted small"
                            id={`take-shortfall-${r.id}`}
                            data-testid="take-shortfall"
                          >
                            {r.shortfall}
                          </div>
                        )}
                      </>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
  const takeable = [...book.asks, ...book.bids].some((r) => !r.mine)
  return (
    <div className="book__sides">
      {locked && takeable ? <WalletLockedNote to="take an offer" /> : null}
      {side(
        `Selling ${book.base.symbol}`,
        'asks',
        book.asks,
        `No one sells ${book.base.symbol} for ${book.quote.symbol} right now.`,
      )}
      {side(
        `Buying ${book.base.symbol}`,
        'bids',
        book.bids,
        `No one buys ${book.base.symbol} with ${book.quote.symbol} right now.`,
      )}
    </div>
  )
}
