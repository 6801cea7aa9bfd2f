import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type CircuitRelayService, circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import {
  DISCOVERY_TOPIC,
  encodeRelayPeers,
  MAX_RELAY_PEERS,
  RELAY_INTRO_PROTOCOL,
  RELAY_PEERS_PROTOCOL,
} from '../src/node/network/protocol'
import { RateLimiter } from '../src/node/sync/rate-limiter'
import type { RelayConfig } from './config'

/**
 * A client that sends an invalid WebSocket frame makes `ws` emit 'error' on the server-side socket
 * (after closing it); @libp2p/websockets 10.1 attaches no listener, so Node would treat it as an
 * uncaught exception and the relay would die. Such errors are the client's fault: log and go on.
 * Anything else keeps Node's default (print and exit) unless someone else handles it.
 */
export function survivePeerWebSocketErrors(log: (message: string) => void = console.warn): () => void {
  const handler = (err: Error & { code?: unknown }): void => {
    if (typeof err.code === 'string' && err.code.startsWith('WS_ERR_')) {
      log(`dropped a client sending invalid WebSocket data: ${err.message}`)
      return
    }
    if (process.listenerCount('uncaughtException') === 1) {
      console.error(err)
      process.exit(1)
    }
  }
  process.on('uncaughtException', handler)
  return () => process.off('uncaughtException', handler)
}

/** The relay's libp2p node, with the circuit relay service whose reservations list the tabs present. */
export type Relay = Libp2p<{ relay: CircuitRelayService }>

/**
 * The relay: a libp2p node that browsers reach over WebSockets. It reserves circuit slots so tabs can
 * signal WebRTC to each other, and carries the peer-discovery pubsub topic. It keeps no state: its key
 * is new on every start and it stores nothing.
 */
export async function startRelay(config: RelayConfig): Promise<Relay> {
  const node = await createLibp2p({
    addresses: {
      listen: [`/ip4/${config.host}/tcp/${config.wsPort}/ws`],
      announce: config.announce.filter((a) => a.startsWith('/')),
    },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: config.maxConnections,
      inboundConnectionThreshold: config.connectionsPerSecond,
    },
    // A tab whose main thread is busy (loading, a background tab, a slow phone) answers pings late;
    // dropping it would drop its reservation and every WebRTC dial in flight through it.
    connectionMonitor: { pingTimeout: { minTimeout: 15_000 } },
    services: {
      identify: identify(),
      ping: ping(),
      // Forwards only the discovery topic; chain topics never reach the relay.
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        allowedTopics: [DISCOVERY_TOPIC],
        // Tabs of one machine or one household share an IP; gossipsub's IP-colocation penalty would
        // graylist them past 10 peers and discovery would silently stop.
        scoreParams: { IPColocationFactorWeight: 0 },
      }),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: config.maxReservations,
          reservationTtl: config.reservationTtlMs,
          reservationClearInterval: 30_000,
        },
      }),
    },
  })
  node.services.pubsub.subscribe(DISCOVERY_TOPIC)
  // A link libp2p has dropped is closed on its socket too (see `socketUnder`), so the tab learns of it
  // at once and connects again.
  node.addEventListener('connection:close', ({ detail }) => socketUnder(detail)?.terminate())
  // A tab's peer id outlives its page (its profile keeps the key): a reloaded tab, or one back on a new
  // network, connects again while its old link may still look open here (a lost network, a machine gone
  // to sleep: nothing says goodbye, and our pings notice only after 10–25 s). The circuit relay forwards
  // a dial to the peer's oldest connection, so every dial to the tab meanwhile went to the dead link and
  // failed. The peer is where it connected last: its older links are dropped (its reservation stays,
  // renewed by the new link's).
  node.addEventListener('connection:open', ({ detail: latest }) => {
    for (const older of node.getConnections(latest.remotePeer))
      if (older !== latest && older.timeline.open < latest.timeline.open)
        older.abort(new Error('the peer connected again: its newer connection replaces this one'))
  })
  // Relay-peers queries per tab (`--peers-burst`, `--peers-rate`): each from a tab holding a reservation
  // also opens an introduction stream to every tab in the answer.
  const queries = new RateLimiter({ burst: config.peersBurst, perSecond: config.peersPerSecond })
  await node.handle(RELAY_PEERS_PROTOCOL, async (stream, connection) => {
    const asker = connection.remotePeer.toString()
    // Over its budget: the stream is reset unanswered, and nobody is introduced. The link stays (it
    // carries the tab's reservation); the tab finds its peers by discovery meanwhile.
    const waitMs = queries.take(asker, Date.now())
    if (waitMs > 0) {
      stream.abort(new Error(`relay-peers: too many queries, ask again in ${waitMs} ms`))
      return
    }
    const present = presentTabs(node, asker)
    try {
      await lpStream(stream).write(encodeRelayPeers(present))
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
    // An asker that holds a reservation can be dialed through us now: tell the tabs it just learned
    // of, so they need not wait for its discovery broadcast (or for asking again) to know it is here.
    if (node.services.relay.reservations.has(connection.remotePeer))
      for (const peer of present) void introduce(node, peer, asker)
  })
  return node
}

/**
 * The `ws` socket under a tab's WebSocket link, which libp2p keeps to itself. libp2p drops a link (a
 * ping unanswered, a newer link of the peer) by asking its socket to close with code 1006, which `ws`
 * refuses (a code only a receiver may report): the socket stayed open, its file descriptor held until the
 * tab's side closed, and the tab, told nothing, took its link for up (out of reach through the relay,
 * which had forgotten it) until its own pings failed, 10 s or more later.
 */
function socketUnder(conn: Connection): { terminate(): void } | undefined {
  const socket: unknown = (conn as unknown as { maConn?: { websocket?: unknown } }).maConn?.websocket
  const terminate = (socket as { terminate?: unknown } | undefined)?.terminate
  return typeof terminate === 'function' ? (socket as { terminate(): void }) : undefined
}

/**
 * The tabs that hold a reservation on `relay` and are still connected (reservations outlive a closed tab
 * until their TTL), but `except`, the most recent `MAX_RELAY_PEERS`: the relay-peers answer, and
 * `/api/relay`'s `peers`.
 */
export function presentTabs(relay: Relay, except?: string): string[] {
  return [...relay.services.relay.reservations.keys()]
    .filter((peer) => relay.getConnections(peer).length > 0)
    .map(String)
    .filter((id) => id !== except)
    .slice(-MAX_RELAY_PEERS)
}

/** Tells `to` (a connected tab) that `joined` is reachable through this relay; best effort. */
async function introduce(node: Libp2p, to: string, joined: string): Promise<void> {
  const conn = node.getConnections(peerIdFromString(to)).find((c) => c.status === 'open')
  if (conn === undefined) return
  try {
    const stream = await conn.newStream(RELAY_INTRO_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    await lpStream(stream).write(encodeRelayPeers([joined]))
    await stream.close()
  } catch {
    // A tab that closed meanwhile, or an older tab without the protocol: it finds the peer by discovery.
  }
}
