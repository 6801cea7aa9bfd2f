import { Link } from 'react-router'
import type { MarketAccount, MarketParams, MarketSwap, MarketToken } from '../../market/source'
import { type TradeView, tradeView } from '../../market/trade-view'
import { GroupedAmount } from '../GroupedAmount'

interface MyTradesProps {
  readonly swaps: readonly MarketSwap[]
  readonly account: MarketAccount
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly head: bigint
}

const STEP_MARK = { done: '✓', current: '•', todo: '', skipped: '–' } as const

/** Running trades with their steps and what comes next, then the finished ones (history). */
export function MyTrades({ swaps, account, tokens, params, head }: MyTradesProps) {
  const views = swaps.map((s) => tradeView(s, tokens, params, head, account.unlocked))
  const running = views.filter((v) => !v.finished)
  const history = views.filter((v) => v.finished)
  const needYou = running.filter((v) => v.next.needsYou).length
  return (
    <>
      {running.length === 0 ? (
        <p className="muted">No trade running. Take an offer above, or post one.</p>
      ) : (
        <>
          <p
            className={needYou > 0 ? 'notice notice--act' : 'notice'}
            role="status"
            data-testid="trades-notice"
          >
            {needYou > 0
              ? `${needYou === 1 ? 'A trade needs' : `${needYou} trades need`} you: unlock your wallet so your node can sign.`
              : 'Your trades move on by themselves while this tab stays open: nothing to do but keep it open until they finish.'}
            {/* The way to do what the notice asks, where it asks it (the wallet screen unlocks). */}
            {needYou > 0 ? (
              <>
                {' '}
                <Link className="button button--small" to="/wallet" data-testid="trades-unlock">
                  Unlock the wallet
                </Link>
              </>
            ) : null}
          </p>
          <div className="trades">
            {running.map((v) => (
              <Trade key={v.id} view={v} />
            ))}
          </div>
        </>
      )}
      {history.length > 0 ? (
        <>
          <h3 className="trades__history">History</h3>
          <table className="table" data-testid="trade-history">
            <thead>
              <tr>
                <th>Trade</th>
                <th>Price</th>
                <th>Outcome</th>
                <th>Ended</th>
              </tr>
            </thead>
            <tbody>
              {history.map((v) => (
                // Each value is labelled for a phone, where the table's head is hidden.
                <tr key={v.id} data-testid="history-row">
                  <td data-label="Trade">
                    <GroupedAmount text={v.title} />
                  </td>
                  <td className="mono" data-label="Price">
                    <GroupedAmount text={v.price.text} />
                    <div className="muted small">
                      <GroupedAmount text={v.price.inverse} />
                    </div>
                  </td>
                  <td className="small" data-label="Outcome">
                    {v.next.text}
                  </td>
                  <td className="small muted" data-label="Ended">
                    {v.ended ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  )
}

function Trade({ view }: { readonly view: TradeView }) {
  return (
    <article className="card trade" data-testid="trade">
      <h3 className="trade__title">
        <GroupedAmount text={view.title} />{' '}
        <span className="tag tag--ghost" data-testid="trade-role">
          {view.roleText}
        </span>
      </h3>
      <ol className="steps">
        {view.steps.map((s) => (
          <li key={s.label} className={`steps__item steps__item--${s.status}`}>
            <span className="steps__mark" aria-hidden="true">
              {STEP_MARK[s.status]}
            </span>
            {s.label}
          </li>
        ))}
      </ol>
      <p className={view.next.needsYou ? 'notice notice--act' : 'notice'} data-testid="trade-next">
        {view.next.text}
      </p>
      {view.problem !== null ? (
        <p className="form__error" role="alert" data-testid="trade-problem">
          {view.problem}
        </p>
      ) : null}
      {view.unchecked !== null ? (
        <p className="notice" data-testid="trade-unchecked">
          {view.unchecked}
        </p>
      ) : null}
      {view.deadline !== null ? (
        <p className="small" data-testid="trade-deadline">
          {view.deadline.text}
        </p>
      ) : null}
      {view.refund !== null ? (
        <p className="muted small" data-testid="trade-refund">
          {view.refund.text}
        </p>
      ) : null}
    </article>
  )
}
