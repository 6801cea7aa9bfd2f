import type { PeerInfo, RelayStatus } from '../../node/network/types'
import { CopyButton } from '../components/CopyButton'
import { Fact } from '../components/explorer'
import { useIsOnline } from '../components/Header'
import { Identicon } from '../components/Identicon'
import { PeerId } from '../components/PeerId'
import { RetryRelayButton } from '../components/RetryRelayButton'
import { describePeerLink, describeRelay, formatDuration, latencyText } from '../format'
import { directPeerCount, useApp } from '../store'
import { useNow } from '../useNow'

/** Peers of this node with how each is linked, its latency and how long it has been connected. */
export function NetworkScreen() {
  const network = useApp((s) => s.network)
  const online = useIsOnline()
  const peers = network?.peers ?? []
  const now = useNow(1000, peers.length > 0)
  const direct = useApp(directPeerCount)

  return (
    <div className="screen">
      <header className="screen__head">
        <div>
          <h1>Network</h1>
          <p className="muted">
            {peers.length === 0
              ? 'No peers connected.'
              : `${peers.length} connected · ${direct} direct WebRTC · ${peers.length - direct} relayed`}
          </p>
        </div>
      </header>

      {network === null ? null : (
        <dl className="facts network-facts" aria-label="This tab" data-testid="network-facts">
          <Fact label="Your peer id">
            <div className="copyable">
              <p className="mono break" data-testid="own-peer-id">
                {network.peerId}
              </p>
              <CopyButton text={network.peerId} label="Copy your peer id" />
            </div>
          </Fact>
          <Fact label="Relay">
            <RelayState relay={network.relay} />
          </Fact>
          {network.relay.state === 'connected' ? (
            <Fact label="Relay address">
              {/* Whole, wrapped where it must: another browser is pointed at this relay with it. */}
              <div className="copyable">
                <p className="mono break" data-testid="relay-address">
                  {network.relay.address}
                </p>
                <CopyButton text={network.relay.address} label="Copy the relay address" />
              </div>
            </Fact>
          ) : null}
        </dl>
      )}

      {peers.length === 0 ? (
        <div className="empty">
          <svg
            className="empty__art"
            width="72"
            height="72"
            viewBox="0 0 72 72"
            aria-hidden="true"
            focusable="false"
          >
            <rect
              x="6"
              y="14"
              width="26"
              height="20"
              rx="5"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.5"
            />
            <rect
              x="40"
              y="38"
              width="26"
              height="20"
              rx="5"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.5"
            />
            <path
              d="M32 24h8a6 6 0 0 1 6 6v8"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.5"
              strokeDasharray="3 4"
            />
          </svg>
          <h2>No peers yet</h2>
          {!online ? (
            <p>This tab is offline. Peers show up here again once the network is back.</p>
          ) : network?.relay.state === 'unreachable' ? (
            // Tabs meet through the relay: "open another tab" would not link while it is out of reach.
            <p data-testid="no-peers-relay-down">
              The relay is out of reach, so other tabs cannot find this one. This tab keeps trying; once the
              relay is back, tabs opened elsewhere link to this one.
            </p>
          ) : (
            <>
              <p>
                Open Tabchain in another tab or another browser. Every tab is its own node; they meet through
                the relay and then connect directly.
              </p>
              <a className="button button--primary" href="/" target="_blank" rel="noopener">
                Open another tab
              </a>
            </>
          )}
        </div>
      ) : (
        <table className="table" aria-label="Connected peers" data-testid="peers">
          <thead>
            <tr>
              <th scope="col">Peer</th>
              <th scope="col">Connection</th>
              <th scope="col">Latency</th>
              <th scope="col">Connected</th>
            </tr>
          </thead>
          <tbody>
            {peers.map((p) => (
              <PeerRow key={p.peerId} peer={p} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function PeerRow({ peer, now }: { readonly peer: PeerInfo; readonly now: number }) {
  const link = describePeerLink(peer, now)
  return (
    <tr data-testid="peer-row" data-kind={peer.kind} data-peer-id={peer.peerId}>
      <td className="table__peer" data-label="Peer">
        <Identicon id={peer.peerId} size={28} />
        <PeerId peerId={peer.peerId} />
      </td>
      {/* On a phone a relayed link's cell takes the card's whole width: its note is a sentence. */}
      <td data-label="Connection" className={link.note === '' ? undefined : 'peer-link--relayed'}>
        <span className={peer.kind === 'direct' ? 'badge badge--direct' : 'badge'} title={peer.address}>
          {link.badge}
        </span>
        {link.note === '' ? null : (
          <p className="muted small peer-link__note" data-testid="peer-link-note">
            {link.note}
          </p>
        )}
      </td>
      <td
        data-label="Latency"
        className={peer.latencyMs === undefined ? 'mono muted' : 'mono'}
        data-testid="peer-latency"
      >
        {latencyText(peer.latencyMs)}
      </td>
      <td data-label="Connected" title={new Date(peer.since).toLocaleString()}>
        {formatDuration(now - peer.since)}
      </td>
    </tr>
  )
}

/** The relay link's state, and, while the relay is out of reach, what that means for this tab. */
function RelayState({ relay }: { readonly relay: RelayStatus }) {
  const now = useNow(1000, relay.state === 'unreachable')
  const view = describeRelay(relay, now)
  return (
    <div data-testid="relay-state" data-state={relay.state}>
      <span>{view.short}</span> {view.next === '' ? null : <span className="muted">{view.next}</span>}{' '}
      <RetryRelayButton />
      {view.reason === '' ? null : (
        <p className="small" data-testid="relay-error">
          {view.reason}
        </p>
      )}
      {relay.state === 'unreachable' ? (
        <p className="muted small">
          Tabs linked already stay linked; tabs opened from now on find this one once the relay is back.
        </p>
      ) : null}
    </div>
  )
}
