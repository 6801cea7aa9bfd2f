import type { Address, Hex } from 'viem'
import type { NodeMode } from '../../node/light/mode'
import {
  type ActivityItem,
  type ActivityRow,
  lockPayout,
  RECEIVED_LIMIT,
  type ReceivedItem,
} from '../../wallet/activity'
import {
  type LockUnread,
  lockUnreadText,
  missingBelowNote,
  peerListed,
  type SettledLocks,
} from '../address-activity'
import { activityStatus, confirmations } from '../wallet-session'
import { Age, short, TxLink } from './explorer'
import { ListNote, type ListNoteText } from './ListNote'
import { ShortHexText } from './ShortHexText'
import { TxStatusBadge } from './TxStatusBadge'

/**
 * What the Activity says of the payments received it lists, or null when there is nothing to say (a full
 * node read them from its own index). A light or upgrading node (pinned light or not: the same reads)
 * lists them as a full peer listed them, each proven, and says so in the address page's words
 * (`peerListed`: its line above the list, the rest under "About this list"). `unread`: why the last read
 * of them failed (the typed error's message, long hex shortened), said first: the Activity keeps what it
 * listed before and says they could not be read now. `from`: the block the payments listed start at when
 * older ones are not read (`receivedFrom`): the sends below it go on without them, so it is said. `base`:
 * the block a full node's chain starts at (`NodeApi.blocksFrom`: 0 from the genesis, else the snapshot
 * block it started from — a tab back after more than 1,024 blocks away does): its index is whole only
 * past that block, so payments there or before, even those this tab listed before it left, may be missing,
 * and it is said (before, they vanished from the list without a word).
 */
export function receivedNote(
  mode: NodeMode | null,
  unread: string | undefined,
  from: bigint | null = null,
  base = 0n,
): ListNoteText | null {
  const listed = mode === null || mode.kind === 'full' ? null : peerListed('account')
  const failed =
    unread === undefined
      ? null
      : `Payments received could not be read now: ${unread.replace(/0x[0-9a-fA-F]{40,}/g, short).replace(/\.$/, '')}.`
  const older =
    from === null
      ? null
      : `Payments received before block #${from.toLocaleString()} are not listed: only the account’s latest ${RECEIVED_LIMIT} transactions are read.`
  const notKept = mode?.kind !== 'full' || base === 0n ? null : missingBelowNote('Payments received', base)
  const lines = [
    failed,
    older,
    notKept,
    listed === null ? null : `Payments received are listed by a full peer, ${listed.line}`,
  ]
  const line = lines.filter((l) => l !== null).join(' ')
  return line === '' ? null : { line, about: listed?.about ?? null }
}

/**
 * The block the payments `received` lists start at when older ones were left unread (`older`: the list
 * read held `RECEIVED_LIMIT` transactions), the lowest of its rows; null when it lists them all. Pure.
 */
export function receivedFrom(
  received: { readonly items: readonly Pick<ReceivedItem, 'blockNumber'>[]; readonly older?: true } | null,
): bigint | null {
  if (received?.older !== true) return null
  let low: bigint | null = null
  for (const { blockNumber } of received.items) {
    const block = BigInt(blockNumber)
    if (low === null || block < low) low = block
  }
  return low
}

/**
 * What the Activity says of the saved activity it could not read at start (`storedActivity`: kept aside in
 * this browser's storage), or null when all of it was read.
 */
export function damagedNote(damaged: number | 'list'): string | null {
  if (damaged === 0) return null
  if (damaged === 'list')
    return 'The saved activity list could not be read: it is kept aside in this browser.'
  return damaged === 1
    ? '1 saved activity item could not be read: it is kept aside in this browser.'
    : `${damaged} saved activity items could not be read: they are kept aside in this browser.`
}

/** A payment received as the Activity shows it: a coin lock's payout while its lock is read, or after that read failed, says so. */
export type ShownReceived = ReceivedItem & { readonly lockRead?: LockUnread }

/**
 * The payments `account` received (`items`) as the Activity shows them, with the lock reads `locks`: each
 * coin lock's payout with its amount once its lock is read (`lockPayout`; left out when the lock paid the
 * account nothing, or is not held in the state read), while read or after the read failed with that
 * state (`lockRead`: the row stays, its amount said not read). Pure.
 */
export function shownReceived(
  account: Address,
  items: readonly ReceivedItem[],
  locks: SettledLocks,
): ShownReceived[] {
  return items.flatMap((item): ShownReceived[] => {
    if (item.lockUnread !== true || item.htlc === undefined) return [item]
    const read = locks.get(item.htlc.lock.toLowerCase() as Hex) ?? { state: 'reading' }
    if (read.state !== 'read') return [{ ...item, lockRead: read }]
    const paid = lockPayout(account, item, read.lock)
    return paid === null ? [] : [paid]
  })
}

/**
 * What a sent row says it did: its approval's "Send 2.5 TAB to …" reads "Sending …" while pending and
 * "Sent …" once in a block, beside a received row's "Received …"; other titles, and a failed or dropped
 * send (its tag says so), as asked. Pure.
 */
export function sentTitle(title: string, status: ActivityItem['status']): string {
  if (!title.startsWith('Send ')) return title
  if (status === 'pending') return `Sending ${title.slice(5)}`
  if (status === 'confirmed') return `Sent ${title.slice(5)}`
  return title
}

/**
 * The wallet's Activity: what it sent and what the selected account received (`mergeActivity`), newest
 * first, each row saying once what it did (its title: what the wallet sent, in the words its approval
 * asked, what the account received, or what it sent not through this wallet's list: `outgoing`), its status tag (`TxStatusBadge`, as on the Tokens screen and the
 * Tx page) at `head`, and its transaction's short hash linking to the Tx page.
 */
export function ActivityList({
  rows,
  head,
  note,
  receivedRead,
  damaged = null,
  blockTimes = new Map(),
  receivedAfter = 0n,
  catchingUp = false,
}: {
  readonly rows: readonly ActivityRow<ShownReceived>[]
  readonly head: bigint | undefined
  /** The node is still catching up with its peers (`catchingUp`): a pending send reads as being checked. */
  readonly catchingUp?: boolean
  /** What the list of payments received is, or why it could not be read now (`receivedNote`). */
  readonly note: ListNoteText | null
  /**
   * Whether `rows` hold the payments received as last read: false before the first read, or when the
   * last one failed (an empty list then says nothing of what was received).
   */
  readonly receivedRead: boolean
  /** What of the saved activity could not be read at start (`damagedNote`), or null. */
  readonly damaged?: string | null
  /**
   * The block the payments received are listed after (a full node started from a snapshot: its base,
   * `receivedNote`), 0 when from the genesis: an empty list says nothing was received after it, not ever.
   */
  readonly receivedAfter?: bigint
  /**
   * The time of the blocks the rows are in, ms since epoch by block number (decimal): a row in one says
   * when ("3 min ago", the date in its tooltip); none until read.
   */
  readonly blockTimes?: ReadonlyMap<string, bigint>
}) {
  const when = (block: string | undefined) => {
    const at = block === undefined ? undefined : blockTimes.get(block)
    return at === undefined ? null : (
      <span className="muted small" data-testid="activity-time">
        <Age at={at} />
      </span>
    )
  }
  return (
    <>
      {damaged !== null && (
        <p className="muted small" data-testid="activity-damaged">
          {damaged}
        </p>
      )}
      {note !== null && <ListNote note={note} testId="activity-received-note" />}
      {rows.length === 0 ? (
        <p className="muted">
          {!receivedRead
            ? 'Nothing sent from this wallet yet.'
            : receivedAfter === 0n
              ? 'Nothing sent or received yet.'
              : `Nothing sent from this wallet yet, nor received after block #${receivedAfter.toLocaleString()}.`}
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
                  <ShortHexText text={sentTitle(row.item.title, row.item.status)} />
                </span>
                <TxStatusBadge status={activityStatus(row.item, head, catchingUp)} testId="activity-status" />
                {when(row.item.blockNumber)}
                <TxLink hash={row.item.hash} className="mono small" />
              </li>
            ) : (
              <li
                key={`${row.item.hash}-${row.item.key}`}
                data-direction={row.item.outgoing === undefined ? 'received' : 'sent'}
                data-status={row.item.outgoing === 'reverted' ? 'failed' : 'confirmed'}
                data-verified="true"
              >
                <span>
                  <ShortHexText text={row.item.title} />
                  {row.item.lockRead === undefined ? null : (
                    <>
                      {' · '}
                      <span
                        className="muted"
                        data-testid="activity-amount"
                        data-lock-read={row.item.lockRead.state}
                        title={row.item.lockRead.state === 'failed' ? row.item.lockRead.error : undefined}
                      >
                        {lockUnreadText(row.item.lockRead)}
                      </span>
                    </>
                  )}
                </span>
                <TxStatusBadge
                  status={
                    row.item.outgoing === 'reverted'
                      ? { state: 'failed', hash: row.item.hash, reason: 'reverted' }
                      : {
                          state: 'confirmed',
                          hash: row.item.hash,
                          confirmations: confirmations(row.item, head),
                        }
                  }
                  testId="activity-status"
                />
                {when(row.item.blockNumber)}
                <TxLink hash={row.item.hash} className="mono small" />
              </li>
            ),
          )}
        </ul>
      )}
    </>
  )
}
