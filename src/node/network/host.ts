import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { AbortOptions, Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { type Job, lpStream, Queue } from '@libp2p/utils'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { startupMark } from '../marks'
import { messageOf } from '../rpc/errors'
import type { GossipVerdict, NetworkApi, NetworkSink } from './bridge'
import { checkMessageSize, NetError, requestFailed } from './errors'
import { ExchangeSession } from './exchange'
import { tabConnectionGater } from './gater'
import {
  handleExchangeProtocol,
  MAX_INTRO_STREAMS,
  maxLinkChannels,
  PING_INTERVAL_MS,
  tabLibp2pOptions,
} from './libp2p-options'
import { exchangeOnLinks, requestOrder } from './links'
import { pooledNoiseCrypto } from './noise-crypto'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DIAL_BACK_GRACE_MS,
  DIAL_STAGGER_MS,
  DISCOVERY_TOPIC,
  decodeRelayPeers,
  MAX_DISCOVERED_DIALS,
  MAX_EXCHANGE_BYTES,
  MAX_GOSSIP_BYTES,
  MAX_RELAY_PEERS,
  plausiblePeerIds,
  RELAY_INTRO_PROTOCOL,
  RELAY_PEERS_PROTOCOL,
} from './protocol'
import { RetrySchedule } from './retry'
import type { DirectDialStatus, NetworkSnapshot, PeerInfo, RelayProblem, RelayStatus } from './types'

export interface NetworkHostInit {
  /** This profile's persisted libp2p identity. */
  readonly privateKey: PrivateKey
  /** Learns the relay's addresses at run time (from the server that serves the app), at each connection attempt. */
  readonly relayInfo: () => Promise<RelayInfo>
  /** WebRTC ICE servers; none by default (a LAN or one machine needs none; public STUN is unreachable in closed networks). */
  readonly iceServers?: RTCIceServer[]
  /** Timeout of the first direct-dial attempt, ms (each retry waits half as long again more). Short because a stuck WebRTC dial is retried faster than waited out. */
  readonly dialTimeoutMs?: number
  /** Direct-dial attempts per discovered peer before waiting for its next announcement. */
  readonly dialAttempts?: number
}

export interface RelayInfo {
  readonly multiaddrs: readonly string[]
  readonly peerId: string
  /** The tabs holding a reservation on the relay when it answered (none from an older relay). */
  readonly peers: readonly string[]
}

const VERDICTS: Record<GossipVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}

/** How many of its latest direct dials the host remembers (`dials()`, for devtools and tests). */
const DIAL_LOG_SIZE = 64
/** How long after one of a peer's links closes the gossip stream to it is checked (`restoreGossip`), ms. */
const GOSSIP_RESTORE_MS = 100
/**
 * How long a linked peer's gossip may fail to reach us — gossipsub holds no readable stream from it
 * while ours to it is open — before `restoreGossip` resets our stream to it, ms. Long enough for a new
 * link's streams, opened after identify on a busy page, not to be taken for lost ones.
 */
const GOSSIP_ONE_WAY_MS = 10_000
/**
 * The parts of gossipsub's router (`@libp2p/gossipsub` 17, pinned) `restoreGossip` uses beyond its
 * interface: its streams by peer, and what its topology calls when a link opens.
 */
interface GossipsubLinks {
  readonly streamsOutbound: ReadonlyMap<string, unknown>
  readonly streamsInbound: ReadonlyMap<string, { readonly rawStream: Pick<Stream, 'readStatus'> }>
  onPeerConnected(peer: PeerId, connection: Connection): void
}
/** What `@libp2p/webrtc` keeps under a connection: its RTCPeerConnection (`maConn.peerConnection`). */
interface WebRTCLink {
  readonly maConn?: { readonly peerConnection?: RTCPeerConnection }
}

/** A WebRTC link's RTCPeerConnection; undefined for other transports (the relay's WebSocket, a circuit). */
function peerConnectionOf(conn: Connection): RTCPeerConnection | undefined {
  return (conn as unknown as WebRTCLink).maConn?.peerConnection
}

/**
 * A ping that went unanswered: the connection monitor aborts the link with its timeout's error, or —
 * once a peer silent for longer than a few pings (a tab frozen 30 s) holds every ping stream the link
 * allows (`MAX_PING_STREAMS`), their openings all finishing as it wakes — with the error of the ping
 * that found no stream left.
 */
const isUnansweredPing = (err: Error): boolean =>
  err.name === 'TimeoutError' ||
  (err.name === 'TooManyOutboundProtocolStreamsError' && err.message.includes('/ping/'))

/**
 * A direct link whose RTCPeerConnection stays `disconnected` this long is closed, ms. Chromium reports
 * `disconnected` once nothing has come from the peer for about 5 s (a crashed tab, a lost network;
 * not a frozen tab, whose browser still answers) and `failed` 10 s after that, which is when
 * `@libp2p/webrtc` closes the link.
 */
const LINK_DISCONNECTED_MS = 1_000

/**
 * Tells of a kept link's pings going unanswered once per spell: `noted()` at each unanswered ping says
 * so at the first, and the link's next answered ping (libp2p's connection monitor then sets `conn.rtt`)
 * says that it answers again and after how long. A peer's tab frozen for minutes misses a ping every
 * 3 s: one line each filled the console (≈ 40 a frozen 2 minutes).
 */
function unansweredPings(conn: Connection): () => void {
  const peer = conn.remotePeer.toString()
  let since: number | undefined
  let rtt = conn.rtt
  Object.defineProperty(conn, 'rtt', {
    configurable: true,
    enumerable: true,
    get: () => rtt,
    set: (ms: number | undefined) => {
      rtt = ms
      if (since === undefined) return
      console.info(
        `a link to ${peer} answers its pings again, ${((Date.now() - since) / 1000).toFixed(1)} s after one first went unanswered`,
      )
      since = undefined
    },
  })
  return () => {
    if (since !== undefined) return
    since = Date.now()
    console.info(
      `kept a link to ${peer} whose ping went unanswered: its tab is there (told again once it answers)`,
    )
  }
}

/**
 * Closes a direct WebRTC link as soon as it is known dead: at once when its SCTP association closes
 * (the peer closed its side: it hung up on us, or its page went away), and once its connection has been
 * `disconnected` for `LINK_DISCONNECTED_MS` (the peer went silent: its tab crashed). `@libp2p/webrtc`
 * closes a link only when its RTCPeerConnection is `failed` or `closed`, which the first never brings
 * and the second brings 15 s late; the ping timeout (10 s, on a 3 s beat) came first: the link lingered
 * 10–13 s, and requests went to it meanwhile.
 *
 * And keeps it while it is alive: libp2p's connection monitor aborts a link whose ping times out, but
 * a direct link whose RTCPeerConnection and SCTP association are still up has a peer whose browser
 * answers (ICE's consent checks go on): its tab is there, frozen or too busy to answer for now (Chrome
 * froze it in the background, its page hung a while). Dropped, the link could not be made again
 * without the relay — none while it is down — and the tab came back alone. If the tab goes, the
 * link is closed as above.
 */
export function closeWhenDead(conn: Connection): void {
  const pc = peerConnectionOf(conn)
  const sctp = pc?.sctp
  if (pc === undefined || sctp === undefined || sctp === null) return
  const abort = conn.abort.bind(conn)
  const unanswered = unansweredPings(conn)
  conn.abort = (err: Error): void => {
    if (
      isUnansweredPing(err) &&
      conn.status === 'open' &&
      pc.connectionState === 'connected' &&
      sctp.state === 'connected'
    ) {
      unanswered()
      return
    }
    abort(err)
  }
  const close = (reason: string): void => {
    if (conn.status !== 'open') return
    console.info(`closed a dead link to ${conn.remotePeer.toString()}: ${reason}`)
    abort(new Error(reason))
  }
  const onSctp = (): void => {
    if (sctp.state === 'closed') close('the peer closed the link')
  }
  let silent: ReturnType<typeof setTimeout> | undefined
  const onConnection = (): void => {
    clearTimeout(silent)
    if (pc.connectionState !== 'disconnected') return
    silent = setTimeout(() => {
      if (pc.connectionState === 'disconnected') close('nothing from the peer for 6 s')
    }, LINK_DISCONNECTED_MS)
  }
  sctp.addEventListener('statechange', onSctp)
  pc.addEventListener('connectionstatechange', onConnection)
  onSctp()
  onConnection()
}

/**
 * How long a peer that flooded a direct link with data channels is kept out, ms: as long as the sync
 * layer keeps out a peer that misbehaves (`banMs` in syncer.ts).
 */
const CHANNEL_FLOOD_BAN_MS = 10 * 60_000

/**
 * How long after the page resumes from a freeze the data channels its peers opened meanwhile are taken
 * to have come in and closed, ms (`boundChannels`).
 */
const WAKE_BACKLOG_MS = 10_000

/**
 * Counts the data channels the peer of a direct WebRTC link opens on it (each of its streams is one,
 * from the channel's `datachannel` event to its `close`), and closes the link the moment more than
 * `cap()` are open at once, then calls `flooded` (once). No libp2p option bounds them: `@libp2p/webrtc`
 * takes no total, the per-protocol limits count only streams that agreed a protocol, and one left
 * unagreed is closed after 10 s — while a browser lets a peer open 32,767 channels on one link.
 * Channels opened before the link was up (at most 10, `@libp2p/webrtc`'s early streams) go uncounted.
 * The muxer takes each channel through the RTCPeerConnection's `ondatachannel`, which this listener
 * leaves in place: every channel under the cap still becomes a stream.
 *
 * A tab the browser froze meets, as it wakes, every channel its peer opened meanwhile — one per ping the
 * peer's connection monitor sent, every 3 s — all at once and still open, their `close` coming just
 * after (frozen 2 minutes: 44 open at once, 4 a few seconds later; frozen 7 minutes, past the cap, it
 * cut its link and kept its peer out). So until `backlogUntil()` (ms since the epoch: the page frozen or
 * just resumed) a count past the cap is not judged at once but when that time has come, by the channels
 * still open then. The page's own freeze is no peer's doing: any other time, the cap cuts at once.
 */
export function boundChannels(
  conn: Connection,
  cap: () => number,
  flooded: (open: number) => void,
  backlogUntil: () => number,
): void {
  const pc = peerConnectionOf(conn)
  if (pc === undefined) return
  // The channels themselves, not a count kept by their events: a channel the peer opened and closed while
  // this page could run nothing (a frozen tab) may come in already closed, and its `close` never fire.
  const open = new Set<RTCDataChannel>()
  /** A count past the cap waits to be judged once a freeze's backlog is in (one wait at a time). */
  let waiting = false
  const judge = (): void => {
    for (const held of open) if (held.readyState === 'closed') open.delete(held)
    if (open.size <= cap()) return
    const wait = backlogUntil() - Date.now()
    if (wait > 0) {
      if (waiting) return
      waiting = true
      setTimeout(() => {
        waiting = false
        judge()
      }, wait)
      return
    }
    pc.removeEventListener('datachannel', onChannel)
    // Closed here, at once: no more of the flood's channels come in meanwhile.
    pc.close()
    flooded(open.size)
  }
  const onChannel = ({ channel }: RTCDataChannelEvent): void => {
    if (channel.readyState !== 'closed') open.add(channel)
    channel.addEventListener('close', () => open.delete(channel), { once: true })
    judge()
  }
  pc.addEventListener('datachannel', onChannel)
}

/** How long after our reservation a tab still without a direct peer asks the relay again, ms. */
const RELAY_PEERS_RETRY_MS = 3_000
/**
 * Discovery broadcasts reach every tab through the relay (N² messages per interval), so they are
 * sparse; a joining tab finds the present ones at once through the relay-peers protocol.
 */
const DISCOVERY_INTERVAL_MS = 5_000
/**
 * The longest a tab whose dials keep failing goes without being dialed again on its broadcasts, ms
 * (the backoff starts at `DISCOVERY_INTERVAL_MS`): a tab that cannot be reached (no WebRTC path to it)
 * is not dialed at every broadcast, and one that can again is linked within about this long.
 */
const REDIAL_MAX_MS = 30_000
/** Tabs whose backoff is remembered, at most (the oldest is forgotten: made-up tabs are free to announce). */
const MAX_REDIALS = 256
/** Why a dial failed when it never ran: a gossip discovery dropped from the full queue (`MAX_DISCOVERED_DIALS`). */
const DIAL_DROPPED = 'its turn went to tabs announced after it'
/** Why a dial failed whose attempts ended without an error of their own (the link it brought closed at once). */
const DIAL_UNLINKED = 'no direct link came of it'
/** How long libp2p's creation waits for the relay's address, to reserve at start, ms. */
const RELAY_INFO_WAIT_MS = 2_000
/** The longest a server's Retry-After holds back the next ask for the relay's address, ms. */
const RELAY_RETRY_AFTER_MAX_MS = 60_000
/**
 * How long asking the server where its relay listens may take, ms: a server or proxy that takes the
 * request and never answers would otherwise hold the attempt, and every retry after it, forever.
 */
const RELAY_INFO_TIMEOUT_MS = 10_000
/**
 * A direct dial's place in the queue: whether the relay listed the tab (its relay-peers answer, its
 * introduction, the tabs it named at connection) or only gossip announced it, and when it was asked for.
 */
interface DialTurn extends AbortOptions {
  readonly listed: boolean
  readonly asked: number
}

/**
 * The order of dials waiting for their turn: those the relay listed first, in the order asked for (the
 * tabs present when we join, dialed as the relay names them); then gossip discoveries, newest first — a
 * flood's oldest are dropped, and a tab announced just now is more likely still there.
 */
function dialOrder({ options: a }: Job<DialTurn, void>, { options: b }: Job<DialTurn, void>): -1 | 0 | 1 {
  if (a.listed !== b.listed) return a.listed ? -1 : 1
  if (a.asked === b.asked) return 0
  if (a.listed) return a.asked < b.asked ? -1 : 1
  return a.asked > b.asked ? -1 : 1
}

/**
 * The tab's libp2p host. Runs on the main thread because browsers expose RTCPeerConnection only to
 * pages. It keeps a link to the relay (re-fetching the relay's address and retrying with backoff),
 * upgrades every discovered tab to a direct WebRTC connection, and carries the worker's gossip and
 * request/response traffic over direct connections only.
 */
export async function createNetworkHost(init: NetworkHostInit) {
  const rtcConfiguration: RTCConfiguration = { iceServers: init.iceServers ?? [] }
  const dialTimeoutMs = init.dialTimeoutMs ?? 4_000
  const dialAttempts = init.dialAttempts ?? 4
  let relay: { info: RelayInfo; addrs: Multiaddr[] } | null = null
  // Asked once now (boot has usually fetched it already): the relay is known before libp2p starts, so
  // the reservation starts with the node instead of waiting for the relay's identify (see below). A
  // slow or failed answer does not hold the start up: the first connection attempt takes it as it comes.
  let firstRelayInfo: Promise<RelayInfo> | null = init.relayInfo()
  firstRelayInfo.catch(() => {})
  const early = await Promise.race([firstRelayInfo, sleep(RELAY_INFO_WAIT_MS).then(() => null)]).catch(
    () => null,
  )
  if (early !== null) relay = { info: early, addrs: early.multiaddrs.map((a) => multiaddr(a)) }
  /** The live relay connection, and whether our reservation through it is up. */
  let relayLink: { conn: Connection; via: Multiaddr | undefined; reserved: boolean } | null = null
  /** Peers the worker dropped for misbehaving, until when (ms since epoch): no dial, no connection, no gossip. */
  const banned = new Map<string, number>()
  const isBanned = (peer: PeerId | string): boolean => {
    const id = peer.toString()
    const until = banned.get(id)
    if (until === undefined) return false
    if (until > Date.now()) return true
    banned.delete(id)
    return false
  }

  const noiseCrypto = await pooledNoiseCrypto()
  const node = await createLibp2p(
    tabLibp2pOptions({
      privateKey: init.privateKey,
      rtcConfiguration,
      noiseCrypto,
      connectionGater: tabConnectionGater({ isBanned, relayAddrs: () => relay?.addrs ?? [] }),
      isRelay: (peer) => isRelay(peer),
      peerDiscovery: [
        (components) => {
          const discovery = pubsubPeerDiscovery({
            interval: DISCOVERY_INTERVAL_MS,
            topics: [DISCOVERY_TOPIC],
          })(components)
          // Each broadcast, not only a tab's first: libp2p's `peer:discovery` comes once per tab, when it
          // enters the peer store (which a dial to it, failed or not, already does).
          discovery.addEventListener('peer', (evt) => announced(evt.detail.id, evt.detail.multiaddrs))
          return discovery
        },
      ],
    }),
  )
  startupMark('libp2p-created')

  let sink: NetworkSink | null = null
  let relayStatus: RelayStatus = { state: 'connecting', attempt: 1 }
  const since = new Map<string, number>()
  /** Direct dials asked for, by peer id (running, or waiting in `dialQueue`); each settles when its attempts end. */
  const dialing = new Map<string, Promise<void>>()
  /** Gives direct dials their turns, one at a time (see `DIAL_STAGGER_MS`), in `dialOrder`. */
  const dialQueue = new Queue<void, DialTurn>({ concurrency: 1, sort: dialOrder })
  /** Dials asked for so far: each dial's `asked`. */
  let dialsAsked = 0
  /** Gossip-only dials waiting for their turn, oldest first, each with what drops it (`MAX_DISCOVERED_DIALS`). */
  const discoveredDials = new Map<string, AbortController>()
  /** The latest direct dials that ran (from their turn in the queue to their end), oldest first. */
  const dialLog: { readonly peerId: string; readonly started: number; ended?: number }[] = []
  /**
   * Dials put off by `DIAL_BACK_GRACE_MS` (the peer is expected to dial us), by peer id: the addresses to
   * dial and whether the relay listed the peer, as of the latest news of it.
   */
  const dialBacks = new Map<
    string,
    {
      readonly timer: ReturnType<typeof setTimeout>
      readonly addrs: readonly Multiaddr[]
      readonly listed: boolean
    }
  >()
  /**
   * Tabs whose latest dial ended unlinked, oldest first (at most `MAX_REDIALS`): their backoff, until
   * when their broadcasts do not dial them again (ms since epoch), and why that dial failed.
   */
  const redials = new Map<
    string,
    { readonly backoff: RetrySchedule; readonly until: number; readonly error: string }
  >()
  /** The request/response protocols the worker had us serve (`api.handle`). */
  const exchangeProtocols = new Set<string>()
  /** The data channels a peer may hold open on one direct link (`boundChannels`). */
  const linkChannelCap = (): number => maxLinkChannels(exchangeProtocols.size)
  /** Whether the browser froze the page (`freeze`, until its `resume`), and when it last resumed. */
  let frozen = false
  let resumedAt = Number.NEGATIVE_INFINITY
  /** Until when a link's data channels may be the backlog of a freeze (`boundChannels`), ms since the epoch. */
  const backlogUntil = (): number => (frozen ? Date.now() : resumedAt) + WAKE_BACKLOG_MS
  const onFreeze = (): void => {
    frozen = true
  }
  const onResume = (): void => {
    frozen = false
    resumedAt = Date.now()
  }
  /** Each direct link's exchange sessions, by protocol (or the stream being opened for one). */
  const sessions = new WeakMap<Connection, Map<string, Promise<ExchangeSession>>>()
  const listeners = new Set<(s: NetworkSnapshot) => void>()
  const relayRetry = new RetrySchedule({ baseMs: 1_000, maxMs: 30_000 })
  /** Until when the server asked not to be asked again (its Retry-After), ms since epoch. */
  let relayBusyUntil = 0
  let relayTimer: ReturnType<typeof setTimeout> | undefined
  let pingTimer: ReturnType<typeof setInterval> | undefined
  let stopped = false

  const isRelay = (peer: PeerId | string): boolean => relay !== null && peer.toString() === relay.info.peerId
  const isDirect = (c: Connection): boolean => c.status === 'open' && c.direct && c.limits === undefined

  /** The open direct links to a peer, in the order requests use them (`requestOrder`). */
  function directConnections(peerId: string): Connection[] {
    return requestOrder(
      node.getConnections().filter((c) => c.remotePeer.toString() === peerId && isDirect(c)),
    )
  }

  function directConnection(peerId: string): Connection | undefined {
    return directConnections(peerId)[0]
  }

  /**
   * The exchange session (exchange.ts) for `protocol` on a direct link, opened on first use and again
   * after it ends: every request of that protocol to that peer shares its stream.
   */
  async function sessionOn(
    conn: Connection,
    protocol: string,
    signal: AbortSignal,
  ): Promise<ExchangeSession> {
    let byProtocol = sessions.get(conn)
    if (byProtocol === undefined) {
      byProtocol = new Map()
      sessions.set(conn, byProtocol)
    }
    const known = byProtocol.get(protocol)
    if (known !== undefined) {
      const session = await known.catch(() => null)
      if (session?.open === true) return session
      // Another request may have replaced the ended session meanwhile: share that one.
      if (byProtocol.get(protocol) !== known) return sessionOn(conn, protocol, signal)
    }
    const opening = conn
      .newStream(protocol, { signal })
      .then((stream) => new ExchangeSession(stream, MAX_EXCHANGE_BYTES))
    byProtocol.set(protocol, opening)
    return opening
  }

  /** Whether we hold a reservation on the relay (others can reach us through it). */
  function hasCircuitAddress(): boolean {
    return node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))
  }

  function snapshot(): NetworkSnapshot {
    const byPeer = new Map<string, Connection[]>()
    for (const c of node.getConnections()) {
      if (c.status !== 'open' || isRelay(c.remotePeer)) continue
      const id = c.remotePeer.toString()
      byPeer.set(id, [...(byPeer.get(id) ?? []), c])
    }
    const subscribers = new Map<string, string[]>()
    for (const topic of node.services.pubsub.getTopics())
      for (const p of node.services.pubsub.getSubscribers(topic)) {
        const id = p.toString()
        subscribers.set(id, [...(subscribers.get(id) ?? []), topic])
      }
    const peers: PeerInfo[] = []
    for (const [peerId, conns] of byPeer) {
      const best = conns.find(isDirect) ?? conns[0]
      if (best === undefined) continue
      const ms = best.rtt
      const dial = isDirect(best) ? undefined : dialStatusOf(peerId)
      peers.push({
        peerId,
        kind: isDirect(best) ? 'direct' : 'relayed',
        address: best.remoteAddr.toString(),
        since: since.get(peerId) ?? best.timeline.open,
        topics: subscribers.get(peerId) ?? [],
        ...(ms === undefined ? {} : { latencyMs: ms }),
        ...(dial === undefined ? {} : { dial }),
      })
    }
    peers.sort((a, b) => a.since - b.since)
    const linking = [...new Set([...dialBacks.keys(), ...dialing.keys()])].filter((id) => !byPeer.has(id))
    return { peerId: node.peerId.toString(), relay: relayStatus, peers, linking }
  }

  /**
   * Our direct dial to `id` as the dial state above has it: under way while it waits its grace
   * (`dialBacks`) or its turn, or runs (`dialing`); else failed while its backoff is remembered
   * (`redials`), the next dial coming with the first broadcast after the backoff, the grace after it.
   */
  function dialStatusOf(id: string): DirectDialStatus | undefined {
    if (dialing.has(id) || dialBacks.has(id)) return { state: 'dialing' }
    const failed = redials.get(id)
    if (failed === undefined) return undefined
    return { state: 'failed', error: failed.error, retryAt: failed.until + DIAL_BACK_GRACE_MS }
  }

  function changed(): void {
    const snap = snapshot()
    for (const l of listeners) l(snap)
    sink?.networkChanged(snap).catch(() => {})
  }

  function setRelay(status: RelayStatus): void {
    relayStatus = status
    changed()
  }

  /** One attempt to reach the relay; on failure schedules the next with backoff. */
  async function connectRelay(): Promise<void> {
    if (stopped) return
    startupMark('relay-dial')
    clearTimeout(relayTimer)
    const attempt = relayRetry.attempt + 1
    setRelay({ state: 'connecting', attempt })
    try {
      const asked = firstRelayInfo ?? init.relayInfo()
      firstRelayInfo = null
      const info = await asked
      relay = { info, addrs: info.multiaddrs.map((a) => multiaddr(a)) }
      await knownRelay(relay)
      const conn = await node.dial(relay.addrs, { signal: AbortSignal.timeout(10_000) })
      relayRetry.reset()
      setRelay({ state: 'connected', address: conn.remoteAddr.toString() })
      const via = relay.addrs[0]
      // The reservation may already be up (identify runs as the connection opens): then this first
      // query comes after it and is the only one needed.
      relayLink = { conn, via, reserved: hasCircuitAddress() }
      // The tabs the relay listed when it told us where it listens were there before us: dialed now,
      // without waiting for the relay-peers answer (a round trip on this link), which still comes for
      // tabs that arrived meanwhile.
      if (via !== undefined) listed(info.peers, via, 'now')
      void dialRelayPeers(conn, via, 'now')
      if (relayLink.reserved) askAgainIfAlone(relayLink)
    } catch (err) {
      if (stopped) return
      // A server that answered 429 is asked again no sooner than its Retry-After says.
      const busyMs = err instanceof NetError && err.type.code === 'NET_RELAY_BUSY' ? err.type.retryAfterMs : 0
      relayBusyUntil = Date.now() + busyMs
      const delay = Math.max(relayRetry.next(), busyMs)
      if (!navigator.onLine) {
        setRelay({ state: 'offline' })
      } else {
        setRelay({
          state: 'unreachable',
          error: messageOf(err),
          problem: relayProblemOf(err),
          attempt,
          retryAt: Date.now() + delay,
        })
      }
      relayTimer = setTimeout(() => void connectRelay(), delay)
    }
  }

  /**
   * Tells the peer store that the relay speaks circuit relay's hop protocol before we are connected to
   * it. The circuit listener (`/p2p-circuit`) looks for relays in the peer store as soon as it starts
   * and reserves a slot on one it finds, dialing it if needed; otherwise it learns of the relay only
   * from the relay's identify answer, a round trip after the connection is up on a busy page.
   */
  async function knownRelay(r: NonNullable<typeof relay>): Promise<void> {
    const id = peerIdFromString(r.info.peerId)
    await node.peerStore.merge(id, {
      multiaddrs: r.addrs.map((a) => a.decapsulate(`/p2p/${r.info.peerId}`)),
      protocols: [RELAY_V2_HOP_CODEC],
    })
  }

  /**
   * Upgrades a discovered tab to a direct WebRTC link, retrying short attempts (some WebRTC dials stall);
   * `listed`: the relay listed it (its dial goes ahead of gossip discoveries, and is never dropped).
   */
  function dialDirect(peerId: PeerId, addrs: readonly Multiaddr[], listed: boolean): void {
    const id = peerId.toString()
    const targets = addrs.filter((a) => a.toString().includes('/webrtc'))
    if (targets.length === 0 || dialing.has(id) || directConnection(id) !== undefined || isBanned(id)) return
    const drop = new AbortController()
    if (!listed) {
      discoveredDials.set(id, drop)
      const [oldest] = discoveredDials
      if (discoveredDials.size > MAX_DISCOVERED_DIALS && oldest !== undefined) {
        discoveredDials.delete(oldest[0])
        oldest[1].abort()
      }
    }
    let done: Promise<string | undefined> = Promise.resolve(DIAL_DROPPED)
    const turn = dialQueue.add(
      async () => {
        discoveredDials.delete(id)
        const entry: (typeof dialLog)[number] = { peerId: id, started: Date.now() }
        dialLog.push(entry)
        if (dialLog.length > DIAL_LOG_SIZE) dialLog.shift()
        done = dialAttemptsTo(id, targets).finally(() => {
          entry.ended = Date.now()
        })
        // The next dial's turn comes when this one ends, or once it has run the stagger.
        await Promise.race([done, sleep(DIAL_STAGGER_MS)])
      },
      { listed, asked: dialsAsked++, signal: drop.signal },
    )
    dialing.set(
      id,
      turn
        .then(() => done)
        // Only a dropped dial or an aborted queue (the host stopping) rejects: dialAttemptsTo ends its
        // attempts quietly.
        .catch(() => DIAL_DROPPED)
        .then((error) => {
          dialing.delete(id)
          if (directConnection(id) === undefined) dialFailed(id, error ?? DIAL_UNLINKED)
          changed()
        }),
    )
    changed()
  }

  /**
   * A dial to `id` ended without a link (`error`: why): its next broadcast dials it again after a
   * longer wait.
   */
  function dialFailed(id: string, error: string): void {
    const backoff =
      redials.get(id)?.backoff ?? new RetrySchedule({ baseMs: DISCOVERY_INTERVAL_MS, maxMs: REDIAL_MAX_MS })
    redials.delete(id)
    redials.set(id, { backoff, until: Date.now() + backoff.next(), error })
    const [oldest] = redials.keys()
    if (redials.size > MAX_REDIALS && oldest !== undefined) redials.delete(oldest)
  }

  /**
   * Dials `id` up to `dialAttempts` times until a direct link is up; resolves to why the last attempt
   * failed, or to undefined when none failed (linked, or the peer dropped meanwhile).
   */
  async function dialAttemptsTo(id: string, targets: readonly Multiaddr[]): Promise<string | undefined> {
    let failure: string | undefined
    for (let attempt = 0; attempt < dialAttempts && !stopped; attempt++) {
      // The peer may have dialed us while this dial waited its turn, or been dropped meanwhile.
      if (directConnection(id) !== undefined || isBanned(id)) return undefined
      // Each retry waits longer: on a loaded machine a healthy dial can outlast the first timeout.
      const timeoutMs = dialTimeoutMs * (1 + attempt / 2)
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        startupMark('dial')
        const conn = await node.dial([...targets], {
          signal,
          // The WebRTC dial's steps (relayed link, signalling stream, SDP, ICE) as start-up marks.
          onProgress: (evt) => {
            if (evt.type.startsWith('webrtc:')) startupMark(evt.type)
          },
        })
        if (isDirect(conn) || directConnection(id) !== undefined) return undefined
        failure = 'the dial brought a relayed link, not a direct one'
      } catch (err) {
        if (directConnection(id) !== undefined) return undefined
        // libp2p's words for its own timeout ("The operation was aborted due to timeout") say less.
        failure = signal.aborted ? `no answer within ${timeoutMs / 1000} s` : messageOf(err)
      }
      await sleep(150 * 2 ** attempt)
    }
    return failure
  }

  /**
   * A tab we can reach through the relay: dial it directly — `now` when we learned of it as we joined
   * (asking the relay who was there before us), after `DIAL_BACK_GRACE_MS` when it may have joined after
   * us and be dialing us (the relay introduced it, it broadcast itself, or a later query listed it).
   * `listed`: the relay listed it; else only gossip announced it.
   */
  function found(peer: PeerId, addrs: readonly Multiaddr[], when: 'now' | 'grace', listed: boolean): void {
    const id = peer.toString()
    if (id === node.peerId.toString() || isRelay(id) || stopped) return
    const waiting = dialBacks.get(id)
    if (when === 'now') {
      clearTimeout(waiting?.timer)
      dialBacks.delete(id)
      dialDirect(peer, addrs, listed)
      // Its wait is over whether or not a dial followed (`dialDirect` reports one that did).
      if (waiting !== undefined && !dialing.has(id)) changed()
      return
    }
    if (waiting !== undefined) {
      // The relay's word on a tab gossip announced: its address, and its place ahead of discoveries.
      if (listed && !waiting.listed) dialBacks.set(id, { ...waiting, addrs, listed })
      return
    }
    if (dialing.has(id) || directConnection(id) !== undefined) return
    startupMark('dial-back-wait')
    const timer = setTimeout(() => {
      const back = dialBacks.get(id)
      dialBacks.delete(id)
      if (stopped || back === undefined) return
      dialDirect(peer, back.addrs, back.listed)
      if (!dialing.has(id)) changed()
    }, DIAL_BACK_GRACE_MS)
    dialBacks.set(id, { timer, addrs, listed })
    changed()
  }

  /**
   * A tab's discovery broadcast (every `DISCOVERY_INTERVAL_MS`): a tab not linked is dialed after the
   * grace — again if earlier dials to it failed (say both tabs reloaded at once on a machine too busy
   * for the dial timeouts), once its backoff has passed. The relay's lists and introductions come only
   * as tabs join: without this, two live tabs whose dials to each other all failed then stayed
   * unlinked for good.
   */
  function announced(peer: PeerId, addrs: readonly Multiaddr[]): void {
    if ((redials.get(peer.toString())?.until ?? 0) > Date.now()) return
    found(peer, addrs, 'grace', false)
  }

  /** `found` for each tab a relay listed, reached through it at `via` (an id that is no peer id is skipped). */
  function listed(ids: readonly string[], via: Multiaddr, when: 'now' | 'grace'): void {
    for (const id of ids) {
      let peer: PeerId
      try {
        peer = peerIdFromString(id)
      } catch {
        continue
      }
      found(peer, [via.encapsulate(`/p2p-circuit/webrtc/p2p/${id}`)], when, true)
    }
  }

  /**
   * The relay introduces a tab that just reserved a slot and learned of us: it is dialing us; dial it
   * too if it has not got through within the grace.
   */
  async function onIntroduction(stream: Stream, connection: Connection): Promise<void> {
    try {
      if (!isRelay(connection.remotePeer)) throw new Error('introductions come from the relay only')
      const message = await lpStream(stream, { maxDataLength: MAX_RELAY_PEERS * 64 }).read({
        signal: AbortSignal.timeout(5_000),
      })
      await stream.close()
      const via = relay?.addrs[0]
      if (via === undefined) return
      startupMark('relay-intro')
      listed(decodeRelayPeers(message.subarray()), via, 'grace')
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /**
   * A last relay-peers query a moment after our reservation, if we still have no direct peer: covers
   * a query lost on a busy relay link (pubsub discovery would find the peers too, later).
   */
  function askAgainIfAlone(link: NonNullable<typeof relayLink>): void {
    setTimeout(() => {
      if (stopped || relayLink !== link) return
      if (snapshot().peers.some((p) => p.kind === 'direct')) return
      void dialRelayPeers(link.conn, link.via, 'grace')
    }, RELAY_PEERS_RETRY_MS)
  }

  /**
   * Asks the relay which tabs are present and dials each directly (`when`, as `found`), without waiting
   * for discovery.
   */
  async function dialRelayPeers(
    conn: Connection,
    via: Multiaddr | undefined,
    when: 'now' | 'grace',
  ): Promise<void> {
    if (via === undefined || conn.status !== 'open' || stopped) return
    try {
      const stream = await conn.newStream(RELAY_PEERS_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      const answer = await lpStream(stream, { maxDataLength: MAX_RELAY_PEERS * 64 }).read({
        signal: AbortSignal.timeout(5_000),
      })
      await stream.close()
      startupMark('relay-peers')
      const ids = decodeRelayPeers(answer.subarray()).filter((id) => id !== node.peerId.toString())
      if (ids.length > 0) startupMark('relay-peers-found')
      listed(ids, via, when)
    } catch {
      // An older relay, or a hiccup: pubsub discovery still finds the peers, a little later.
    }
  }

  // Our reservation on the relay is up (the circuit listener says so at once; `self:peer:update` comes
  // a debounced second later): ask again who is there. Of two tabs joining at once, the one
  // asking last sees the other (each asks after reserving), so one of them always dials.
  node.addEventListener('transport:listening', () => {
    if (!hasCircuitAddress()) return
    startupMark('reservation')
    if (relayLink === null || relayLink.reserved) return
    relayLink.reserved = true
    void dialRelayPeers(relayLink.conn, relayLink.via, 'now')
    askAgainIfAlone(relayLink)
  })
  node.addEventListener('peer:discovery', (evt) => {
    const { id, multiaddrs } = evt.detail
    if (id.equals(node.peerId) || isRelay(id)) return
    startupMark('discovered')
    found(id, multiaddrs, 'grace', false)
  })
  node.addEventListener('connection:open', (evt) => {
    const id = evt.detail.remotePeer.toString()
    if (isRelay(evt.detail.remotePeer)) startupMark('relay-connected')
    else startupMark(isDirect(evt.detail) ? 'direct-link' : `relayed-link-${evt.detail.direction}`)
    if (isDirect(evt.detail)) {
      closeWhenDead(evt.detail)
      boundChannels(
        evt.detail,
        linkChannelCap,
        (open) => {
          void api.disconnect(
            id,
            `held ${open} data channels open at once on a direct link`,
            CHANNEL_FLOOD_BAN_MS,
          )
        },
        backlogUntil,
      )
      redials.delete(id)
    }
    if (!since.has(id)) since.set(id, Date.now())
    changed()
  })
  node.addEventListener('connection:close', (evt) => {
    const id = evt.detail.remotePeer.toString()
    if (node.getConnections(evt.detail.remotePeer).length === 0) {
      since.delete(id)
    }
    if (
      isRelay(evt.detail.remotePeer) &&
      node.getConnections(evt.detail.remotePeer).length === 0 &&
      !stopped
    ) {
      void connectRelay()
    }
    // The gossip stream may have gone with this link while another stays (its close comes just after).
    if (node.getConnections(evt.detail.remotePeer).length > 0) setTimeout(restoreGossip, GOSSIP_RESTORE_MS)
    changed()
  })
  /**
   * The tab is back — online again, shown again, or resumed after the browser froze it. A hidden tab's
   * timers are throttled (down to one wake-up a minute), so a relay retry may be far off, and links
   * may have dropped meanwhile: retry the relay now, or, if it is up and we have no direct peer, ask it
   * who is there; and hand gossipsub any linked peer that lost its gossip stream.
   */
  const wake = (event: Event): void => {
    if (stopped || document.visibilityState === 'hidden') return
    // The first load's `pageshow` is not a return; one from the back/forward cache is.
    if (event instanceof PageTransitionEvent && !event.persisted) return
    // Only a retry waiting on its timer is brought forward, and not before the server's Retry-After;
    // an attempt in flight is left to end.
    if (
      (relayStatus.state === 'unreachable' || relayStatus.state === 'offline') &&
      Date.now() >= relayBusyUntil
    ) {
      relayRetry.reset()
      void connectRelay()
    } else if (relayLink !== null && !snapshot().peers.some((p) => p.kind === 'direct')) {
      void dialRelayPeers(relayLink.conn, relayLink.via, 'grace')
    }
    restoreGossip()
  }
  /**
   * The page goes away (closed, reloaded, navigated). Its WebRTC links would die with it unannounced,
   * and each peer would hold its side — and send requests to it — until its pings time out (10 s and
   * more; a reloaded tab links again meanwhile, under the same peer id). Closing them now tells the
   * peers at once: their side closes as the SCTP association does (`closeWhenDead`).
   */
  const leave = (event: PageTransitionEvent): void => {
    if (event.persisted) return
    for (const conn of node.getConnections()) peerConnectionOf(conn)?.close()
  }
  const WAKE_EVENTS = [
    [window, 'online'],
    [window, 'pageshow'],
    [document, 'visibilitychange'],
    [document, 'resume'],
  ] as const

  const pubsub = node.services.pubsub
  // The node's worker wires its topics as soon as it starts, over a port served before libp2p has
  // started (`start`): gossipsub refuses a topic until then ("Pubsub has not started"), which failed the
  // node's start whenever the worker was the quicker of the two (a loaded machine). Topic calls wait
  // for the start; protocols can be handled before it.
  let markStarted: (failure?: unknown) => void = () => {}
  const libp2pStarted = new Promise<void>((resolve, reject) => {
    markStarted = (failure) => (failure === undefined ? resolve() : reject(failure))
  })
  libp2pStarted.catch(() => {})

  /** Since when each linked peer's gossip has not reached us while ours reaches it (`restoreGossip`). */
  const oneWaySince = new Map<string, number>()

  /**
   * Gossipsub keeps one outbound stream per peer, opened when a connection to it opens. When that
   * stream ends and the peer stays linked — the link under it closed while the other link of two tabs
   * that dialed each other stays, or the stream was reset (gossipsub then forgets the peer, on both
   * sides) — it never opens another: our gossip no longer reaches a tab we are still linked to, and
   * its gossip no longer reaches us (upstream, libp2p/js-libp2p#3531 restores the stream on a new
   * connection only). So each tab with an open direct link and no outbound gossip stream is handed to
   * gossipsub again, on its newest link, as if that link had just opened; gossipsub opens one stream
   * at a time and never a second one to a peer.
   *
   * The other half: a tab that crashed and came back under the same peer id links to us again while
   * our link to its dead tab lingers. When that dead link's stream fails, gossipsub forgets the peer
   * and closes the new link's streams too; the peer still holds its outbound stream, half closed, and
   * never opens another: its gossip (blocks, offers) no longer reaches us, with no end. So a linked
   * peer with our stream open and none readable from it for `GOSSIP_ONE_WAY_MS` gets our stream reset:
   * it then forgets us, and the beat after, both sides open fresh streams (as `resetGossip` shows).
   */
  function restoreGossip(): void {
    if (stopped) return
    const router = pubsub as unknown as GossipsubLinks
    const now = Date.now()
    const linked = new Set<string>()
    const newestFirst = [...node.getConnections()].sort((x, y) => y.timeline.open - x.timeline.open)
    for (const conn of newestFirst) {
      const id = conn.remotePeer.toString()
      if (!isDirect(conn) || isRelay(id) || linked.has(id)) continue
      linked.add(id)
      const inbound = router.streamsInbound.get(id)?.rawStream.readStatus
      if (!router.streamsOutbound.has(id)) {
        // Our stream opens again: the wait for the peer's starts over.
        oneWaySince.delete(id)
        router.onPeerConnected(conn.remotePeer, conn)
      } else if (inbound === 'readable' || inbound === 'paused') oneWaySince.delete(id)
      else if (!oneWaySince.has(id)) oneWaySince.set(id, now)
      else if (now - (oneWaySince.get(id) ?? now) >= GOSSIP_ONE_WAY_MS) {
        oneWaySince.delete(id)
        resetOutboundGossip(conn.remotePeer)
      }
    }
    for (const id of oneWaySince.keys()) if (!linked.has(id)) oneWaySince.delete(id)
  }

  /** Resets our outbound gossip stream(s) to `peer`, on every link; returns how many. */
  function resetOutboundGossip(peer: PeerId): number {
    let reset = 0
    for (const conn of node.getConnections(peer))
      for (const stream of conn.streams)
        if (stream.direction === 'outbound' && stream.protocol.startsWith('/meshsub/')) {
          stream.abort(new Error('gossip stream reset'))
          reset++
        }
    return reset
  }
  // A peer's subscriptions arrive just after its link opens: the node learns when its gossip starts
  // reaching that peer.
  pubsub.addEventListener('subscription-change', () => changed())

  const api: NetworkApi = {
    async subscribe(topic) {
      await libp2pStarted
      pubsub.topicValidators.set(topic, async (from, msg) => {
        if (sink === null) return TopicValidatorResult.Ignore
        if (isBanned(from)) return TopicValidatorResult.Reject
        if (msg.data.byteLength > MAX_GOSSIP_BYTES) return TopicValidatorResult.Reject
        const verdict = await sink.gossip(topic, msg.data, from.toString()).catch(() => 'ignore' as const)
        return VERDICTS[verdict]
      })
      pubsub.subscribe(topic)
    },
    async unsubscribe(topic) {
      await libp2pStarted
      pubsub.unsubscribe(topic)
      pubsub.topicValidators.delete(topic)
    },
    async publish(topic, data) {
      checkMessageSize(data, MAX_GOSSIP_BYTES)
      await libp2pStarted
      const result = await pubsub.publish(topic, data)
      return { recipients: result.recipients.length }
    },
    async handle(protocol) {
      await handleExchangeProtocol(node, protocol, async (request, from) => {
        if (sink === null) throw new Error('node not attached')
        return sink.request(protocol, request, from)
      })
      exchangeProtocols.add(protocol)
    },
    async request(peerId, protocol, data, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
      checkMessageSize(data, MAX_EXCHANGE_BYTES)
      if (directConnection(peerId) === undefined) throw new NetError({ code: 'NET_NO_DIRECT_LINK', peerId })
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        return await exchangeOnLinks(
          () => directConnections(peerId),
          async (conn) => (await sessionOn(conn, protocol, signal)).exchange(data, { signal }),
          () => dialing.get(peerId),
          signal,
        )
      } catch (err) {
        if (signal.aborted) throw new NetError({ code: 'NET_TIMEOUT', peerId, protocol, timeoutMs })
        throw requestFailed(peerId, protocol, err)
      }
    },
    async snapshot() {
      return snapshot()
    },
    async disconnect(peerId, reason, banMs) {
      banned.set(peerId, Date.now() + banMs)
      console.warn(`dropped peer ${peerId} for ${Math.round(banMs / 1000)} s: ${reason}`)
      // Cut, not closed: a graceful close waits for the peer to close each stream first, and a WebRTC
      // link's RTCPeerConnection stays up meanwhile, so the peer kept its side for up to 11 s.
      const error = new Error(`dropped: ${reason}`)
      for (const conn of node.getConnections(peerIdFromString(peerId))) conn.abort(error)
      changed()
    },
  }

  return {
    api,
    peerId: node.peerId.toString(),
    /** Connects the worker's side of the bridge. */
    attach(s: NetworkSink): void {
      sink = s
      changed()
    },
    onChange(listener: (s: NetworkSnapshot) => void): () => void {
      listeners.add(listener)
      listener(snapshot())
      return () => listeners.delete(listener)
    },
    snapshot,
    /**
     * The user's "Retry now": while the relay is unreachable and its next attempt waits on the backoff,
     * cancels that wait and starts the attempt at once. The backoff is not reset: the attempt counts as
     * the one it replaces, so if it fails too the next waits the following (longer) step. Returns whether
     * an attempt started; none does while one runs (the status is then `connecting`), once connected,
     * offline (the browser's `online` event retries), or before the server's Retry-After has passed — so
     * clicks cannot hammer the relay or its server.
     */
    retryRelayNow(): boolean {
      if (stopped || relayStatus.state !== 'unreachable' || Date.now() < relayBusyUntil) return false
      void connectRelay()
      return true
    },
    /**
     * Starts libp2p (topic calls made before wait for it; protocols can be handled before) and connects
     * to the relay at once, or once `connectAfter` settles: the relay connection, its reservation and
     * the dials that follow take most of this thread for a few hundred ms, which a tab with local data
     * to show first can put off.
     */
    async start(connectAfter?: Promise<void>): Promise<void> {
      // Before start: the reservation (and with it the relay's introductions) may come at once.
      await node.handle(RELAY_INTRO_PROTOCOL, onIntroduction, { maxInboundStreams: MAX_INTRO_STREAMS })
      // A relay info that the peer store refuses (a malformed peer id) fails the first connection
      // attempt instead, which reports it and retries. (Known now, the relay would be dialled as libp2p
      // starts; a connection put off learns it as it starts.)
      if (relay !== null && connectAfter === undefined) await knownRelay(relay).catch(() => {})
      try {
        await node.start()
      } catch (err) {
        markStarted(err)
        throw err
      }
      markStarted()
      startupMark('libp2p-started')
      for (const [target, event] of WAKE_EVENTS) target.addEventListener(event, wake)
      window.addEventListener('pagehide', leave)
      document.addEventListener('freeze', onFreeze)
      document.addEventListener('resume', onResume)
      // Latency comes from libp2p's connection monitor (conn.rtt); refresh the view as it updates.
      // …and gossip streams lost under a link that stays are restored on the same beat.
      pingTimer = setInterval(() => {
        changed()
        restoreGossip()
      }, PING_INTERVAL_MS)
      if (connectAfter === undefined) void connectRelay()
      else void connectAfter.then(connectRelay, connectRelay)
    },
    async stop(): Promise<void> {
      stopped = true
      // Topic calls still waiting for a start that will not come fail (after the start: no effect).
      markStarted(new Error('the network host stopped'))
      clearTimeout(relayTimer)
      for (const { timer } of dialBacks.values()) clearTimeout(timer)
      dialQueue.abort()
      clearInterval(pingTimer)
      for (const [target, event] of WAKE_EVENTS) target.removeEventListener(event, wake)
      window.removeEventListener('pagehide', leave)
      document.removeEventListener('freeze', onFreeze)
      document.removeEventListener('resume', onResume)
      await node.stop()
    },
    /**
     * Test and devtools hook: resets our outbound gossip stream(s) to `peerId`, as a link dropping under
     * them or a muxer fault would; the link stays.
     */
    resetGossip(peerId: string): number {
      return resetOutboundGossip(peerIdFromString(peerId))
    },
    /**
     * Test and devtools hook: the latest direct dials, oldest first — to whom, when each ran (ms since
     * the epoch; from its turn in the queue, all its attempts, to its end; no end while it runs).
     */
    dials(): { peerId: string; started: number; ended?: number }[] {
      return dialLog.map((d) => ({ ...d }))
    },
    /** Test and devtools hook: the raw connections' facts, as the e2e suite checks them. */
    connections(): {
      peerId: string
      direct: boolean
      limited: boolean
      outbound: boolean
      address: string
      opened: number
    }[] {
      return node.getConnections().map((c) => ({
        peerId: c.remotePeer.toString(),
        direct: c.direct,
        limited: c.limits !== undefined,
        outbound: c.direction === 'outbound',
        address: c.remoteAddr.toString(),
        opened: c.timeline.open,
      }))
    },
  }
}

export type NetworkHost = Awaited<ReturnType<typeof createNetworkHost>>

/** Why a relay connection attempt failed, from its error: the server's answers are typed (`fetchRelayInfo`). */
function relayProblemOf(err: unknown): RelayProblem {
  if (!(err instanceof NetError)) return { kind: 'link' }
  switch (err.type.code) {
    case 'NET_RELAY_BUSY':
      return { kind: 'busy' }
    case 'NET_RELAY_INFO_FAILED':
      return { kind: 'http', status: err.type.status }
    case 'NET_RELAY_INFO_MALFORMED':
      return { kind: 'malformed' }
    case 'NET_RELAY_SILENT':
      return { kind: 'silent' }
    default:
      return { kind: 'link' }
  }
}

/**
 * Asks the server that served the app where its relay listens. Boot starts this first thing, in
 * parallel with the profile claim; later reconnections ask again (the relay may have moved).
 */
export async function fetchRelayInfo(url: string, timeoutMs = RELAY_INFO_TIMEOUT_MS): Promise<RelayInfo> {
  const signal = AbortSignal.timeout(timeoutMs)
  // fetch rejects (a TypeError) only when no answer came: nothing listening, DNS, the network; or the
  // answer, headers or body, took longer than the timeout.
  const silent = (err: unknown): never => {
    const reason = signal.aborted ? `no answer within ${timeoutMs / 1000} s` : messageOf(err)
    throw new NetError({ code: 'NET_RELAY_SILENT', reason })
  }
  const res = await fetch(url, { cache: 'no-store', signal }).catch(silent)
  if (res.status === 429) {
    // Retry-After in seconds, as the relay sends it (an HTTP date or anything else: none).
    const seconds = res.headers.get('retry-after')?.trim() ?? ''
    const retryAfterMs = /^\d+$/.test(seconds)
      ? Math.min(Number(seconds) * 1000, RELAY_RETRY_AFTER_MAX_MS)
      : 0
    throw new NetError(
      { code: 'NET_RELAY_BUSY', retryAfterMs },
      `relay info: HTTP 429, asked again in ${Math.ceil(retryAfterMs / 1000)} s at the earliest`,
    )
  }
  if (!res.ok) throw new NetError({ code: 'NET_RELAY_INFO_FAILED', status: res.status })
  // Not JSON at all (a captive portal's page, a proxy's error page) is as unreadable as the wrong JSON.
  const body: unknown = await res.json().catch((err: unknown) => (signal.aborted ? silent(err) : null))
  if (
    typeof body !== 'object' ||
    body === null ||
    !('multiaddrs' in body) ||
    !Array.isArray(body.multiaddrs) ||
    !('peerId' in body) ||
    typeof body.peerId !== 'string'
  ) {
    throw new NetError({ code: 'NET_RELAY_INFO_MALFORMED' })
  }
  return {
    multiaddrs: body.multiaddrs.filter((a): a is string => typeof a === 'string'),
    peerId: body.peerId,
    peers: 'peers' in body && Array.isArray(body.peers) ? plausiblePeerIds(body.peers) : [],
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
