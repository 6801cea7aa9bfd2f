import type { NetworkSnapshot, PeerInfo, RelayStatus } from '../../node/network/types'
import { CopyButton } from '../components/CopyButton'
import { Fact } from '../components/explorer'
import { useIsOnline } from '../components/Header'
import { Identicon } from '../components/Identicon'
import { PeerId } from '../components/PeerId'
import { RetryRelayButton } from '../components/RetryRelayButton'
import {
  describePeerLink,
  describeRelay,
  formatDuration,
  latencyText,
  multiaddrWords,
  networkSummary,
} from '../format'
import { useApp } from '../store'
import { useNow } from '../useNow'

/**
 * Peers of this node, first in words (how many tabs it is linked to directly, how many it reaches through
 * the relay only), then each with how it is linked (its technical kind kept: direct WebRTC or relayed),
 * its ping latency and how long it has been linked; this tab's own peer id and relay, each said in words.
 */
export function NetworkScreen() {
  const network = useApp((s) => s.network)
  const online = useIsOnline()
  const now = useNow(1000, (network?.peers.length ?? 0) > 0)
  return <NetworkView network={network} online={online} now={now} />
}

/**
 * The Network screen for a snapshot of this tab's network (`null` while it starts), whether the tab is
 * `online`, at `now` (ms since epoch: the peers' link ages and dial countdowns).
 */
export function NetworkView({
  network,
  online,
  now,
}: {
  readonly network: NetworkSnapshot | null
  readonly online: boolean
  readonly now: number
}) {
  const peers = network?.peers ?? []
  return (
    <div className="screen">
      <header className="screen__head">
        <div>
          <h1>Network</h1>
          <p className="muted" data-testid="network-summary">
            {networkSummary(peers)}
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
            <p className="muted small">This tab’s name on the network: other tabs list it by this id.</p>
          </Fact>
          <Fact label="Relay">
            <RelayState relay={network.relay} />
            {network.relay.state === 'connected' ? (
              <p className="muted small">
                It introduces tabs to one another; linked directly, they then exchange blocks and transactions
                without it.
              </p>
            ) : null}
          </Fact>
          {network.relay.state === 'connected' ? (
            <Fact label="Relay address">
              <RelayWhere address={network.relay.address} />
              {/* Whole, wrapped where it must: another browser is pointed at this relay with it. */}
              <div className="copyable">
                <p className="mono break small" data-testid="relay-address">
                  {network.relay.address}
                </p>
                <CopyButton text={network.relay.address} label="Copy the relay address" />
              </div>
              <p className="muted small">Where this tab reached the relay (its libp2p multiaddr).</p>
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
        <table className="table table--peers" aria-label="Connected peers" data-testid="peers">
          <thead>
            <tr>
              <th scope="col">Tab (peer id)</th>
              <th scope="col">Connection</th>
              <th scope="col">Reply time (ping latency)</th>
              <th scope="col">Linked for</th>
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
      <td className="table__peer" data-label="Tab (peer id)">
        <Identicon id={peer.peerId} size={28} />
        <PeerId peerId={peer.peerId} />
      </td>
      {/* On a phone a relayed link's cell takes the card's whole width: its note is a sentence. */}
      <td data-label="Connection" className={link.note === '' ? undefined : 'peer-link--relayed'}>
        <span data-testid="peer-link">{link.meaning}</span>{' '}
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
        data-label="Reply time (ping latency)"
        className={peer.latencyMs === undefined ? 'mono muted' : 'mono'}
        data-testid="peer-latency"
      >
        {latencyText(peer.latencyMs)}
      </td>
      <td data-label="Linked for" title={new Date(peer.since).toLocaleString()}>
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

/** Where this tab reached the relay, in words (`multiaddrWords`), above its raw multiaddr; none unread. */
function RelayWhere({ address }: { readonly address: string }) {
  const words = multiaddrWords(address)
  return words === null ? null : <p data-testid="relay-where">{words}</p>
}
