import { type ICryptoInterface, noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type CircuitRelayTransportComponents, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { type ConnectionGater, DialError, isPeerId, type PrivateKey, type Transport } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Libp2pOptions } from 'libp2p'
import { serveExchanges } from './exchange'
import { peerIdOf } from './gater'
import { MAX_EXCHANGE_BYTES, MAX_GOSSIP_BYTES, MAX_RELAY_PEERS } from './protocol'
import { closingWebSockets } from './websockets'

/** How often each connection is pinged (libp2p's connection monitor), ms. */
export const PING_INTERVAL_MS = 3_000
/** A ping unanswered this long closes the link, ms. */
export const PING_TIMEOUT_MS = 10_000
/** Dialing the relay and reserving a slot on it, ms. */
const RESERVATION_TIMEOUT_MS = 15_000

/**
 * Connections the tab holds at once; past it libp2p refuses inbound ones and prunes the idlest. A tab
 * links to every tab the relay lists (at most `MAX_RELAY_PEERS`), each by a direct WebRTC link and the
 * relayed circuit its signalling rode (which stays up to the relay's 2-minute limit); the relay's link,
 * and the second link of two tabs that dialed each other at once, fit in the 16 over (libp2p's browser
 * default, 100, would refuse tabs on a network of 50).
 */
export const MAX_CONNECTIONS = 2 * MAX_RELAY_PEERS + 16

/**
 * Inbound connections being upgraded (handshake, muxer) at once; past it more are refused until one
 * ends. Each tab that dials us brings two (its relayed circuit, then its WebRTC link): this covers
 * eight tabs joining at the same moment (an e2e spec opening its pages together); a ninth's dial is
 * refused, and retried (the host's `dialAttempts`). Their circuits also meet
 * `INBOUND_CONNECTIONS_PER_SECOND`: 5 are taken in a second, the others refused and retried.
 */
export const MAX_INCOMING_PENDING_CONNECTIONS = 16

/**
 * Inbound connections per second from one address (libp2p's default). A tab's inbound links are the
 * relay's circuits and WebRTC. A relayed circuit's remote address begins with the relay's (…/ws/p2p/
 * relay/p2p-circuit/p2p/peer), so every circuit to us, from whichever tab, counts against the relay's
 * address: the tab takes 5 circuits a second through its relay, all tabs together; a dial refused by it
 * is retried (the host's `dialAttempts`). It caps the Noise handshakes a flood through the relay can
 * make us run. A WebRTC link's remote address (/webrtc/p2p/peer) has none: not counted.
 */
export const INBOUND_CONNECTIONS_PER_SECOND = 5

/**
 * Our own dials running at once. The host dials the relay, and one tab at a time (its direct-dial
 * queue), each WebRTC dial reusing the relay link; a dial beyond it waits in libp2p's queue.
 */
export const MAX_PARALLEL_DIALS = 16

/**
 * Streams one link may carry of each request/response protocol (exchange.ts), each way. A link's
 * requests of one protocol share one stream; a request that times out ends its stream and the next
 * opens another while the old one may still be closing. So honest use holds one, two for a moment;
 * a peer opening more is refused (its stream reset) and each stream it holds is answered at most
 * `SERVE_AHEAD` requests at a time, which bounds what it can make our worker do.
 */
export const MAX_EXCHANGE_STREAMS = 8

/**
 * Relay introductions (`RELAY_INTRO_PROTOCOL`) the relay may have open to us at once: one per tab that
 * joins and is told about us, each read and closed at once (within 5 s at worst); tabs joining in a
 * burst bring several together.
 */
export const MAX_INTRO_STREAMS = 16

/**
 * Gossipsub streams per link per protocol, each way. Gossipsub keeps one stream each way per peer;
 * `restoreGossip` may reset ours and gossipsub opens a fresh one while the old one closes.
 */
export const MAX_GOSSIP_STREAMS = 4

/**
 * Ping streams per link, each way. The connection monitor pings every `PING_INTERVAL_MS` and waits up
 * to `PING_TIMEOUT_MS` for each answer, so a slow peer has up to four pings in flight at once (a fifth
 * for one still closing). With libp2p's defaults (one out, two in) a ping slower than the interval
 * failed the next one at once, and the monitor closed the link after 3 s instead of 10.
 */
export const MAX_PING_STREAMS = Math.ceil(PING_TIMEOUT_MS / PING_INTERVAL_MS) + 1

/**
 * Identify streams per link, each way: identify runs once as a link opens (and identify-push once per
 * change of our addresses); libp2p's own limit, stated here.
 */
export const MAX_IDENTIFY_STREAMS = 1

/**
 * Circuit stop streams (a relay opening a relayed connection to us) per link: each circuit to us is one,
 * held while it lasts, so the relay's link needs one per connection we may hold; circuit relay's default,
 * 300, is more than we take. libp2p serves the protocol on every link, direct WebRTC ones too.
 */
export const MAX_STOP_STREAMS = MAX_CONNECTIONS

/**
 * Streams yamux lets a peer open on one link at once, whatever their protocol (counted before one is
 * agreed on, which the per-protocol limits cannot see). Yamux carries the relay's link and relayed
 * circuits; direct links are WebRTC, one data channel per stream, with no such limit to set: the host
 * counts their channels instead (`maxLinkChannels`; docs/ARCHITECTURE.md, "A direct link's streams").
 * The relay's link carries one stream per relayed circuit to us, so it needs room for a circuit per
 * connection, and the relay's own (ping, identify, gossip, introductions).
 */
export const MAX_YAMUX_INBOUND_STREAMS = MAX_CONNECTIONS + 32

/**
 * Gossipsub's protocols a tab serves, each with its own limit: its three versions (`/meshsub/1.0.0`,
 * `1.1.0`, `1.2.0`) and `/floodsub/1.0.0` (gossipsub's `fallbackToFloodsub`, on by default).
 */
export const GOSSIP_PROTOCOLS = 4

/**
 * Data channels a direct link's peer may have open on it at once past the per-protocol limits: streams
 * still agreeing their protocol (a round trip each, which no limit counts), reset past a limit and
 * still closing.
 */
export const LINK_CHANNELS_UNAGREED = 16

/**
 * The data channels a peer may hold open at once on one direct link (each WebRTC stream is one; see
 * `boundChannels` in host.ts, which cuts a link past it), for a tab serving `exchangeProtocols`
 * request/response protocols (a full node serves 12: 9 sync, offers, take, status). It is the sum of the
 * inbound limits of every protocol one tab opens to another on a direct link — 8 per exchange protocol,
 * 4 for each gossipsub protocol, 5 ping, 1 identify: 96 + 16 + 5 + 1 = 118 on a full node — and
 * `LINK_CHANNELS_UNAGREED`: 134. The protocols served only for the relay (circuit stop, 144 a link;
 * WebRTC signalling, 32; relay introductions, 16) are left out: a tab never opens them on a direct link.
 */
export function maxLinkChannels(exchangeProtocols: number): number {
  return (
    exchangeProtocols * MAX_EXCHANGE_STREAMS +
    GOSSIP_PROTOCOLS * MAX_GOSSIP_STREAMS +
    MAX_PING_STREAMS +
    MAX_IDENTIFY_STREAMS +
    LINK_CHANNELS_UNAGREED
  )
}

/** What the tab's libp2p options are made of, besides the limits above. */
export interface TabLibp2pInit {
  /** This profile's persisted libp2p identity. */
  readonly privateKey: PrivateKey
  readonly rtcConfiguration: RTCConfiguration
  /** Noise's crypto (`pooledNoiseCrypto`). */
  readonly noiseCrypto: ICryptoInterface
  readonly connectionGater: ConnectionGater
  /** Peer discovery services, built as libp2p builds them. */
  readonly peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']>
  /** Whether `peer` (a peer id, as text) is the relay the server named: the only peer used as a relay. */
  readonly isRelay: (peer: string) => boolean
}

/**
 * The options the tab's network host creates libp2p with: its transports, its services and every
 * limit above. Pure: it only assembles them (libp2p calls the factories as it is created).
 */
export function tabLibp2pOptions(init: TabLibp2pInit) {
  return {
    privateKey: init.privateKey,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      closingWebSockets(),
      webRTC({ rtcConfiguration: init.rtcConfiguration }),
      throughRelayOnly(
        circuitRelayTransport({
          // The relay dial and the reservation share this deadline; on a loaded machine the dial alone
          // can take a few seconds (libp2p's default is 5 s).
          reservationCompletionTimeout: RESERVATION_TIMEOUT_MS,
          maxInboundStopStreams: MAX_STOP_STREAMS,
        }),
        init.isRelay,
      ),
    ],
    connectionEncrypters: [noise({ crypto: init.noiseCrypto })],
    streamMuxers: [yamux({ maxInboundStreams: MAX_YAMUX_INBOUND_STREAMS })],
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND,
      maxParallelDials: MAX_PARALLEL_DIALS,
    },
    // Pings measure each link's latency and close a link whose pings go unanswered (a relay or tab that
    // vanished without closing). A busy peer (a page loading, a loaded relay) answers late, and
    // dropping the relay link drops our reservation and every dial through it: wait 10 s, not 5.
    connectionMonitor: { pingInterval: PING_INTERVAL_MS, pingTimeout: { minTimeout: PING_TIMEOUT_MS } },
    connectionGater: init.connectionGater,
    peerDiscovery: init.peerDiscovery,
    services: {
      identify: identify({
        maxInboundStreams: MAX_IDENTIFY_STREAMS,
        maxOutboundStreams: MAX_IDENTIFY_STREAMS,
      }),
      // Answers the connection monitor's pings, which measure each link's latency.
      ping: ping({ maxInboundStreams: MAX_PING_STREAMS, maxOutboundStreams: MAX_PING_STREAMS }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        // Tabs of one machine or one household share an IP: no IP-colocation penalty.
        scoreParams: { IPColocationFactorWeight: 0 },
        maxInboundDataLength: MAX_GOSSIP_BYTES + 64 * 1024,
        maxInboundStreams: MAX_GOSSIP_STREAMS,
        maxOutboundStreams: MAX_GOSSIP_STREAMS,
        // Gossip rides direct links only; relayed connections are for WebRTC signalling.
        runOnLimitedConnection: false,
      }),
    },
    start: false,
  }
}

/**
 * Circuit relay's transport, kept to the relay the server named (`isRelay`). Left to itself it takes
 * any peer for a relay: it reserves a slot on a linked peer whose identify lists the hop protocol while
 * it looks for a relay (at start, and whenever its reservation ends: the relay down), and on any peer
 * that opens a STOP stream on its link to us — a direct WebRTC link too — before the gater is asked
 * about the relayed connection the stream brings. A slot there puts a circuit address through that
 * peer (with addresses of its choosing) among those we announce, and other tabs would dial us through
 * it. The transport reaches the rest of libp2p through its components; here it is given a connection
 * manager that opens or reuses a connection, for it, to the relay only (every reservation and every
 * relay it dials through needs one), and a transport manager that ignores its asks to listen through
 * any other peer (each would leave a listener behind, one per STOP stream). The gater refuses a
 * relayed connection through any other peer (gater.ts).
 */
export function throughRelayOnly(
  factory: (components: CircuitRelayTransportComponents) => Transport,
  isRelay: (peer: string) => boolean,
): (components: CircuitRelayTransportComponents) => Transport {
  /** Whether `addr` is one to listen through a peer (relay/p2p-circuit) that is not the relay. */
  const throughOther = (addr: Multiaddr): boolean => {
    const via = peerIdOf(addr.decapsulate('/p2p-circuit'))
    return via !== undefined && !isRelay(via)
  }
  return (components) => {
    let connectionManager: CircuitRelayTransportComponents['connectionManager'] | undefined
    let transportManager: CircuitRelayTransportComponents['transportManager'] | undefined
    return factory(
      overriding(components, {
        get connectionManager() {
          const real = components.connectionManager
          connectionManager ??= overriding(real, {
            openConnection: (peer, options) => {
              const ids = isPeerId(peer)
                ? [peer.toString()]
                : [peer].flat().map((a) => peerIdOf(a) ?? 'no peer id')
              if (ids.some((id) => !isRelay(id))) {
                return Promise.reject(new DialError(`not our relay, not dialed as one: ${ids.join(', ')}`))
              }
              return real.openConnection(peer, options)
            },
          })
          return connectionManager
        },
        get transportManager() {
          const real = components.transportManager
          transportManager ??= overriding(real, {
            listen: (addrs) => real.listen(addrs.filter((a) => !throughOther(a))),
          })
          return transportManager
        },
      }),
    )
  }
}

/** `target` with `overrides` in place of some of its members; its own methods stay bound to it. */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in overrides) return Reflect.get(overrides, prop)
      const value: unknown = Reflect.get(t, prop)
      return typeof value === 'function' ? value.bind(t) : value
    },
  })
}

/** How the host handles each request/response protocol: direct links only, `MAX_EXCHANGE_STREAMS` each way. */
export const EXCHANGE_HANDLER_OPTIONS = {
  maxInboundStreams: MAX_EXCHANGE_STREAMS,
  maxOutboundStreams: MAX_EXCHANGE_STREAMS,
  runOnLimitedConnection: false,
} as const

/**
 * Serves `protocol` on `node` as the host does: each stream carries exchanges (exchange.ts), each
 * request answered by `answer` (given the asking peer's id).
 */
export async function handleExchangeProtocol(
  node: Pick<Libp2p, 'handle'>,
  protocol: string,
  answer: (request: Uint8Array, from: string) => Promise<Uint8Array>,
): Promise<void> {
  await node.handle(
    protocol,
    async (stream, connection) => {
      const from = connection.remotePeer.toString()
      await serveExchanges(stream, (request) => answer(request, from), MAX_EXCHANGE_BYTES)
    },
    EXCHANGE_HANDLER_OPTIONS,
  )
}
