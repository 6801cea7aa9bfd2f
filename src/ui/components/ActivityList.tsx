import { Link } from 'react-router'
import { describeMode, type ModePin, type NodeMode } from '../../node/light/mode'
import type { ActivityRow } from '../../wallet/activity'
import { activityStatus, confirmations } from '../wallet-session'
import { TxStatusBadge } from './TxStatusBadge'

/**
 * Why the Activity lists no payment received, while the node is not full (null once it is): a light
 * or upgrading node keeps no index of an account's transactions, and what it would read from a peer's
 * index is what that peer chose to list — so nothing is shown as received, and the list says why.
 */
export function receivedNote(mode: NodeMode | null, pin: ModePin | null): string | null {
  if (mode === null || mode.kind === 'full') return null
  if (pin === 'light')
    return 'Payments received are not listed: this node is pinned light (the Mode card on the home screen) and keeps no index of them. A full node lists them.'
  return `Payments received show once this node is full (now ${describeMode(mode)}).`
}

/**
 * The wallet's Activity: what it sent and what the selected account received (`mergeActivity`), newest
 * first, each row with its direction, its status tag (`TxStatusBadge`, as on the Tokens screen and the
 * Tx page) at `head`, and a link to its transaction.
 */
export function ActivityList({
  rows,
  head,
  note,
}: {
  readonly rows: readonly ActivityRow[]
  readonly head: bigint | undefined
  /** Why payments received are not listed (`receivedNote`), if they are not. */
  readonly note: string | null
}) {
  return (
    <>
      {note !== null && (
        <p className="muted small" data-testid="activity-received-note">
          {note}
        </p>
      )}
      {rows.length === 0 ? (
        <p className="muted">
          {note === null ? 'Nothing sent or received yet.' : 'Nothing sent from this wallet yet.'}
        </p>
      ) : (
        <ul className="activity" data-testid="activity">
          {rows.map((row) =>
            row.kind === 'sent' ? (
              <li
                key={row.item.hash}
                data-direction="sent"
                data-status={row.item.status}
                data-verified={String(row.item.unverified === undefined)}
              >
                <span>
                  <span className="tag">Sent</span> {row.item.title}
                </span>
                <TxStatusBadge status={activityStatus(row.item, head)} testId="activity-status" />
                <Link className="mono small break" to={`/tx/${row.item.hash}`}>
                  {row.item.hash}
                </Link>
              </li>
            ) : (
              <li
                key={`${row.item.hash}-${row.item.key}`}
                data-direction="received"
                data-status="confirmed"
                data-verified="true"
              >
                <span>
                  <span className="tag tag--accent">Received</span> {row.item.title}
                </span>
                <TxStatusBadge
                  status={{
                    state: 'confirmed',
                    hash: row.item.hash,
                    confirmations: confirmations(row.item, head),
                  }}
                  testId="activity-status"
                />
                <Link className="mono small break" to={`/tx/${row.item.hash}`}>
                  {row.item.hash}
                </Link>
              </li>
            ),
          )}
        </ul>
      )}
    </>
  )
}
