import { useState } from 'react'
import { Link } from 'react-router'
import type { Hex } from 'viem'
import { marketErrorMessage } from '../../market/errors'
import type { MarketAccount, MarketParams, MarketSwap, MarketToken } from '../../market/source'
import { type Reapprove, type TradeView, tradeView } from '../../market/trade-view'
import { GroupedAmount } from '../GroupedAmount'

interface MyTradesProps {
  readonly swaps: readonly MarketSwap[]
  readonly account: MarketAccount
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly head: bigint
  /** Approves a running trade again, on the terms its card showed (`MarketSource.approveAgain`). */
  readonly onApproveAgain: (swapId: Hex) => Promise<void>
}

const STEP_MARK = { done: '✓', current: '•', todo: '', skipped: '–' } as const
/** What each mark says to a screen reader, which hears neither the mark nor the step's colour. */
const STEP_STATUS = { done: 'Done', current: 'Now', todo: 'To come', skipped: 'Skipped' } as const

/** Running trades with their steps and what comes next, then the finished ones (history). */
export function MyTrades({ swaps, account, tokens, params, head, onApproveAgain }: MyTradesProps) {
  const views = swaps.map((s) => tradeView(s, tokens, params, head, account.unlocked))
  const running = views.filter((v) => !v.finished)
  const history = views.filter((v) => v.finished)
  const needYou = running.filter((v) => v.next.needsYou || v.reapprove !== null).length
  const trades = needYou === 1 ? 'A trade needs' : `${needYou} trades need`
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
            {needYou === 0
              ? 'Your trades move on by themselves while this tab stays open: nothing to do but keep it open until they finish.'
              : account.unlocked
                ? `${trades} you: approve it again below so your node can sign.`
                : `${trades} you: unlock your wallet so your node can sign.`}
            {/* The way to do what the notice asks, where it asks it (the wallet screen unlocks). */}
            {needYou > 0 && !account.unlocked ? (
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
              <Trade
                key={v.id}
                view={v}
                unlocked={account.unlocked}
                onApproveAgain={() => onApproveAgain(v.id)}
              />
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
                    <GroupedAmount text={v.next.text} />
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

function Trade({
  view,
  unlocked,
  onApproveAgain,
}: {
  readonly view: TradeView
  readonly unlocked: boolean
  readonly onApproveAgain: () => Promise<void>
}) {
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
          <li
            key={s.label}
            className={`steps__item steps__item--${s.status}`}
            aria-current={s.status === 'current' ? 'step' : undefined}
          >
            <span className="steps__mark" role="img" aria-label={STEP_STATUS[s.status]}>
              {STEP_MARK[s.status]}
            </span>
            <span>
              <GroupedAmount text={s.label} />
            </span>
          </li>
        ))}
      </ol>
      <p className={view.next.needsYou ? 'notice notice--act' : 'notice'} data-testid="trade-next">
        <GroupedAmount text={view.next.text} />
      </p>
      {view.reapprove !== null ? (
        <ApproveAgain reapprove={view.reapprove} unlocked={unlocked} onApprove={onApproveAgain} />
      ) : null}
      {view.problem !== null ? (
        <p className="form__error" role="alert" data-testid="trade-problem">
          <GroupedAmount text={view.problem} />
        </p>
      ) : null}
      {view.unchecked !== null ? (
        <p className="notice" data-testid="trade-unchecked">
          {view.unchecked}
        </p>
      ) : null}
      {view.deadline !== null ? (
        <p className="small" data-testid="trade-deadline">
          <GroupedAmount text={view.deadline.text} />
        </p>
      ) : null}
      {view.refund !== null ? (
        <p className="muted small" data-testid="trade-refund">
          <GroupedAmount text={view.refund.text} />
        </p>
      ) : null}
    </article>
  )
}

/**
 * A trade this tab lost the approval of: why, and "Approve again", which shows the trade's terms; only
 * once the user confirmed them is the approval written again (never silently: it lets the wallet sign
 * the trade's steps, and give a maker's secret, without asking).
 */
function ApproveAgain({
  reapprove,
  unlocked,
  onApprove,
}: {
  readonly reapprove: Reapprove
  readonly unlocked: boolean
  readonly onApprove: () => Promise<void>
}) {
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const approve = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await onApprove()
      setOpen(false)
    } catch (err) {
      setError(marketErrorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="notice notice--act" data-testid="trade-reapprove">
      <p>
        <GroupedAmount text={reapprove.text} />
      </p>
      {!unlocked ? (
        <Link className="button button--small" to="/wallet">
          Unlock the wallet
        </Link>
      ) : open ? (
        <ApproveAgainTerms
          reapprove={reapprove}
          busy={busy}
          error={error}
          onConfirm={approve}
          onCancel={() => setOpen(false)}
        />
      ) : (
        <button
          type="button"
          className="button button--small"
          data-testid="trade-approve-again"
          onClick={() => setOpen(true)}
        >
          Approve again
        </button>
      )}
    </div>
  )
}

/** The rows of a trade's terms to approve again: label, test id, value. */
const FACTS: readonly (readonly [string, string, (r: Reapprove) => string])[] = [
  ['You give', 'reapprove-give', (r) => r.give],
  ['You get', 'reapprove-get', (r) => r.get],
  ['With', 'reapprove-with', (r) => `${r.counterparty} (${r.counterpartyRole})`],
  ['Timelocks', 'reapprove-timelocks', (r) => r.timelocks],
  ['Approval', 'reapprove-note', (r) => r.note],
]

/** The terms of a trade to approve again, with the buttons that approve it or not. */
export function ApproveAgainTerms({
  reapprove,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  readonly reapprove: Reapprove
  readonly busy: boolean
  readonly error: string | null
  readonly onConfirm: () => void
  readonly onCancel: () => void
}) {
  return (
    <div data-testid="trade-approve-terms">
      <dl className="facts">
        {FACTS.map(([label, testId, value]) => (
          <div className="facts__row" key={label}>
            <dt>{label}</dt>
            <dd data-testid={testId}>
              <GroupedAmount text={value(reapprove)} />
            </dd>
          </div>
        ))}
      </dl>
      {error !== null ? (
        <p className="form__error" role="alert" data-testid="reapprove-error">
          {error}
        </p>
      ) : null}
      <div className="row row--end">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button button--primary"
          data-testid="trade-approve-confirm"
          disabled={busy}
          onClick={onConfirm}
        >
          {busy ? 'Approving…' : 'Approve this trade'}
        </button>
      </div>
    </div>
  )
}
