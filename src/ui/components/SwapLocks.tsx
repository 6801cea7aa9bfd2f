import { useEffect, useRef, useState } from 'react'
import type { Address, Hex } from 'viem'
import { messageOf } from '../../node/rpc/errors'
import { type OpenLockRow, type OpenLocksView, settleProblem, settleRequest } from '../../wallet/open-locks'
import { ProviderRpcError } from '../../wallet/rpc-error'
import { type ChainClock, untilBlock } from '../address-activity'
import { openLocksRefresher } from '../open-locks-refresher'
import { directPeerCount, useApp } from '../store'
import { lockedMessage } from '../wallet-locked'
import { useWallet } from '../wallet-session'
import { AddressLink, TxLink } from './explorer'

/**
 * The selected account's open swap locks that no swap of this tab runs, read again at each head, when the
 * node's mode changes, when a direct peer links or leaves and when another account is selected
 * (`openLocksRefresher`: one read at a time). Null until the first read of the account ends.
 */
function useOpenLocks(account: Address | null): OpenLocksView | null {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head?.number ?? null)
  // A read that failed (an upgrading node's proofs with no peer to ask) is asked again when the node's
  // mode changes (its executed chain caught up) or a peer links, not only at the next head.
  const mode = useApp((s) => s.mode?.kind ?? null)
  const peers = useApp(directPeerCount)
  const [view, setView] = useState<OpenLocksView | null>(null)
  const refresh = useRef<{ readonly api: NonNullable<typeof api>; readonly ask: () => Promise<void> } | null>(
    null,
  )
  // biome-ignore lint/correctness/useExhaustiveDependencies: a mode change or a peer linking or leaving reads them again.
  useEffect(() => {
    if (api === null || head === null || account === null) return
    if (refresh.current?.api !== api)
      refresh.current = {
        api,
        ask: openLocksRefresher(api, () => useWallet.getState().view.selected, setView),
      }
    void refresh.current.ask()
  }, [api, head, account, mode, peers])
  return view !== null && view.account === account ? view : null
}

/** Where one row's refund or redeem stands in this page. */
type Settle =
  | { readonly state: 'asking' }
  | { readonly state: 'sent'; readonly hash: string }
  | { readonly state: 'failed'; readonly message: string }

/**
 * The Wallet's "Swap locks": the selected account's HTLC locks still locked on chain that no swap of this
 * tab runs — left by a profile that is gone (its storage cleared, the wallet restored from its recovery
 * phrase here) — each with what it is and its action: Refund a lock sent once its timelock is reached,
 * Collect one received whose secret a redeem made public, else what it waits for. Silent when there is
 * none (a swap this tab runs keeps its own steps on the Market screen).
 */
export function SwapLocks() {
  const provider = useWallet((s) => s.provider)
  const account = useWallet((s) => s.view.selected)
  const head = useApp((s) => s.head?.number ?? null)
  const blockMs = useApp((s) => s.chain?.params.targetBlockTimeMs ?? null)
  const read = useOpenLocks(account)
  const [settles, setSettles] = useState<ReadonlyMap<Hex, Settle>>(new Map())
  if (read === null || account === null || provider === null) return null
  if ('rows' in read && read.rows.length === 0 && read.older === null) return null
  const clock: ChainClock | null = head === null || blockMs === null ? null : { head, blockMs }
  const set = (id: Hex, settle: Settle) => setSettles((m) => new Map(m).set(id, settle))
  const settle = async (row: OpenLockRow): Promise<void> => {
    const request = settleRequest(account, row)
    if (request === null || settles.get(row.id)?.state === 'asking') return
    set(row.id, { state: 'asking' })
    try {
      const hash = (await provider.request({ method: 'eth_sendTransaction', params: [request] })) as string
      set(row.id, { state: 'sent', hash })
    } catch (err) {
      const message =
        err instanceof ProviderRpcError && err.code === 4001
          ? 'Cancelled.'
          : (lockedMessage(err) ?? settleProblem(messageOf(err)).message)
      set(row.id, { state: 'failed', message })
    }
  }
  return (
    <section className="panel wallet-panel" data-testid="swap-locks" aria-labelledby="swap-locks-title">
      <h2 id="swap-locks-title">Swap locks</h2>
      <p className="muted small">
        Locks of this account still on chain that no trade of this tab runs: another browser or profile of
        this account runs their trade, or one that is gone left them. If it is gone, take them back or collect
        them here.
      </p>
      {'error' in read ? (
        <p className="form-error" role="alert" data-testid="swap-locks-error">
          The swap locks of this account could not be read: {read.error}
        </p>
      ) : (
        <>
          {read.unread !== null && (
            <p className="muted small" data-testid="swap-locks-unread">
              As read at block #{read.at.toLocaleString()}; reading them again failed ({read.unread}), and is
              tried again at the next block.
            </p>
          )}
          <ul className="stack">
            {read.rows.map((row) => (
              <LockRow
                key={row.id}
                row={row}
                clock={clock}
                settle={settles.get(row.id) ?? null}
                onSettle={() => void settle(row)}
              />
            ))}
          </ul>
          {read.older !== null && (
            <p className="muted small" data-testid="swap-locks-older">
              Locks made before block #{read.older.before.toLocaleString()} may be missing here (
              {read.older.message}).
            </p>
          )}
        </>
      )}
    </section>
  )
}

function LockRow({
  row,
  clock,
  settle,
  onSettle,
}: {
  readonly row: OpenLockRow
  readonly clock: ChainClock | null
  readonly settle: Settle | null
  readonly onSettle: () => void
}) {
  const { action, amount } = row
  const timelock = untilBlock(row.lock.timelockHeight, clock)
  const what =
    row.direction === 'sent' ? (
      <>
        You locked {amount} for <AddressLink address={row.other} />
      </>
    ) : (
      <>
        <AddressLink address={row.other} /> locked {amount} for you
      </>
    )
  const text =
    action.kind === 'refund'
      ? `Its timelock, ${timelock}, is reached: a refund pays your ${amount} back to you.`
      : action.kind === 'refundable'
        ? `Refundable from ${timelock}, unless the recipient collects it first.`
        : action.kind === 'collect'
          ? `The other side redeemed its side of this swap, which made the secret public: collect your ${amount} before ${timelock}, or its sender can take it back.`
          : clock !== null && clock.head >= action.refundAt
            ? `Its timelock, ${timelock}, is reached with no secret for you: it can no longer be collected, and its sender may take it back.`
            : `Waiting for the secret, which the other side makes public when it redeems its side of the swap; if that does not come before ${timelock}, its sender is refunded.`
  const label = action.kind === 'refund' ? 'Refund' : action.kind === 'collect' ? 'Collect' : null
  return (
    <li className="stack" data-testid="open-lock" data-lock-id={row.id}>
      <p data-testid="open-lock-what">{what}</p>
      <p className="muted small" data-testid="open-lock-state">
        {text}
      </p>
      {settle?.state === 'sent' ? (
        <p className="muted small" role="status" data-testid="open-lock-sent">
          Sent: <TxLink hash={settle.hash} />. The lock leaves this list once its block is in.
        </p>
      ) : (
        label !== null && (
          <button
            type="button"
            className="button button--small"
            data-testid={`open-lock-${label.toLowerCase()}`}
            aria-disabled={settle?.state === 'asking'}
            onClick={onSettle}
          >
            {settle?.state === 'asking' ? 'Waiting for approval…' : label}
          </button>
        )
      )}
      {settle?.state === 'failed' && (
        <p className="form-error" role="alert" data-testid="open-lock-error">
          {settle.message}
        </p>
      )}
    </li>
  )
}
