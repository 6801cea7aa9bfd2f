import { Link } from 'react-router'
import type { RelayStatus } from '../../node/network/types'
import { describeRelay, peerCountLabel } from '../format'
import { directPeerCount, useApp } from '../store'
import { tradesAtStakeNote, useTradesAtStake } from '../trades-at-stake'
import { useNow } from '../useNow'
import { useWallet } from '../wallet-session'

/**
 * The relay pill's tooltip: the relay's address once connected; while it is unreachable, why, in words
 * (`relayProblem`; the raw error is the Network screen's).
 */
export function relayPillTitle(relay: RelayStatus | null, now: number): string | undefined {
  if (relay?.state === 'connected') return `Relay ${relay.address}`
  const { reason } = describeRelay(relay, now)
  return reason === '' ? undefined : reason
}

/**
 * Relay link state as a pill and a live region; counts down to the next attempt while the relay is
 * unreachable, to the eye only (a screen reader hears the state once, not each second).
 */
export function RelayPill() {
  const relay = useApp((s) => s.network?.relay ?? null)
  const now = useNow(1000, relay?.state === 'unreachable')
  const view = describeRelay(relay, now)
  const title = relayPillTitle(relay, now)
  return (
    <span
      className={`pill pill--${view.tone}`}
      data-testid="relay-status"
      data-state={relay?.state ?? 'starting'}
      title={title}
      role="status"
    >
      <span className="dot" aria-hidden="true" />
      {view.said === view.label ? (
        view.label
      ) : (
        // The countdown is for the eye; the live region says the state once (`RelayView.said`).
        <>
          <span aria-hidden="true">{view.label}</span>
          {view.said === '' ? null : <span className="visually-hidden">{view.said}</span>}
        </>
      )}
    </span>
  )
}

/** Number of connected peers, with the direct/relayed split in the tooltip. */
export function PeerCountPill() {
  const peers = useApp((s) => s.network?.peers)
  const count = peers?.length ?? 0
  const direct = useApp(directPeerCount)
  return (
    <span
      className="pill"
      data-testid="peer-count"
      data-count={count}
      title={`${direct} direct WebRTC, ${count - direct} relayed`}
    >
      <PeersIcon />
      {peerCountLabel(count)}
    </span>
  )
}

function PeersIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <circle cx="4" cy="8" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <circle cx="12" cy="4" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <circle cx="12" cy="12" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M6 7l4-2M6 9l4 2" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  )
}

/**
 * While this profile has trades with coins at stake, a link to the Market screen saying so (and that
 * the wallet must be unlocked while it is locked), on every screen: a tab that comes back mid-trade
 * opens on another screen, and its trade goes on only while the tab is open.
 */
export function TradesPill() {
  const count = useTradesAtStake((s) => s.count)
  const unlocked = useWallet((s) => s.view.state === 'unlocked')
  const wallet = useWallet((s) => s.wallet)
  // Read as the view turns locked (this pill renders again then): the wallet says why.
  const reason = unlocked || wallet === null ? null : wallet.lockedBy()
  const note = tradesAtStakeNote(
    count,
    unlocked,
    wallet === null || reason === null ? undefined : { reason, idleMs: wallet.idleMs },
  )
  if (note === null) return null
  return (
    <Link
      to="/market"
      className={`pill pill--${unlocked ? 'busy' : 'error'}`}
      data-testid="trades-at-stake"
      title={note.title}
    >
      <span className="dot" aria-hidden="true" />
      {note.label}
    </Link>
  )
}
