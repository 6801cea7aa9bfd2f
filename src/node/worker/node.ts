import type { GossipVerdict, NetworkApi, NetworkSink } from '../network/bridge'
import { chainProtocol, chainTopic } from '../network/protocol'
import type { NetworkSnapshot } from '../network/types'
import { NodeError } from '../rpc/errors'
import type { Remote } from '../rpc/protocol'
import { type Beacon, decodeBeacon, encodeBeacon } from './beacon'

/** What a peer last told us about itself through its status beacon. */
export interface PeerStatus {
  readonly peerId: string
  readonly seq: bigint
  readonly head: bigint
  readonly agent: string
  /** Our clock when it arrived, ms. */
  readonly receivedAt: number
}

export interface NodeStatus {
  readonly profileId: string
  readonly chainId: number
  readonly network: NetworkSnapshot | null
}

/** Events the node pushes to the UI. */
export interface NodeEvents {
  readonly status: NodeStatus
  readonly peerStatus: PeerStatus
}

/**
 * The node as the UI sees it. Every method is async, so the same object runs in-process in tests and
 * behind the worker's MessagePort in the app.
 */
export interface NodeApi {
  status(): Promise<NodeStatus>
  /** Gossips this node's status beacon now (it is also sent on every network change). */
  announce(): Promise<{ readonly recipients: number }>
  /** The latest beacon of every peer heard from. */
  peerStatuses(): Promise<PeerStatus[]>
  /** Asks one directly linked peer for its status (a request/response exchange, not gossip). */
  queryPeer(peerId: string): Promise<PeerStatus>
}

export interface NodeInit {
  readonly profileId: string
  readonly chainId: number
  /** The page's network host, over the bridge. */
  readonly network: Remote<NetworkApi>
  /** Pushes an event to the UI. */
  readonly emit: <K extends keyof NodeEvents>(event: K, data: NodeEvents[K]) => void
  readonly now: () => number
  readonly agent: string
}

export interface Node {
  readonly api: NodeApi
  /** What the network host calls on the node. */
  readonly sink: NetworkSink
  start(): Promise<void>
}

/** Wires the node's components. (Chain, state and storage join here as later issues land.) */
export function createNode(init: NodeInit): Node {
  const statusTopic = chainTopic(init.chainId, 'status')
  const statusProtocol = chainProtocol(init.chainId, 'status')
  const peers = new Map<string, PeerStatus>()
  let network: NetworkSnapshot | null = null
  let seq = 0n

  const status = (): NodeStatus => ({ profileId: init.profileId, chainId: init.chainId, network })
  const beacon = (): Beacon => ({ seq, sentAt: BigInt(init.now()), head: 0n, agent: init.agent })

  /** Records a peer's beacon unless an equal or newer one is known; says whether it was new. */
  const record = (from: string, b: Beacon): PeerStatus | null => {
    const known = peers.get(from)
    if (known !== undefined && known.seq >= b.seq) return null
    const entry: PeerStatus = {
      peerId: from,
      seq: b.seq,
      head: b.head,
      agent: b.agent,
      receivedAt: init.now(),
    }
    peers.set(from, entry)
    init.emit('peerStatus', entry)
    return entry
  }

  const api: NodeApi = {
    async status() {
      return status()
    },
    async announce() {
      seq++
      return init.network.publish(statusTopic, encodeBeacon(beacon()))
    },
    async peerStatuses() {
      return [...peers.values()]
    },
    async queryPeer(peerId) {
      if (typeof peerId !== 'string')
        throw new NodeError({ code: 'NODE_BAD_PARAMS', reason: 'peerId must be a string' })
      const answer = decodeBeacon(
        await init.network.request(peerId, statusProtocol, new Uint8Array(0), 5_000),
      )
      return (
        record(peerId, answer) ?? {
          peerId,
          seq: answer.seq,
          head: answer.head,
          agent: answer.agent,
          receivedAt: init.now(),
        }
      )
    },
  }

  const sink: NetworkSink = {
    async gossip(topic, data, from): Promise<GossipVerdict> {
      if (topic !== statusTopic) return 'ignore'
      let received: Beacon
      try {
        received = decodeBeacon(data)
      } catch {
        return 'reject'
      }
      return record(from, received) === null ? 'ignore' : 'accept'
    },
    async request(protocol, data) {
      if (protocol !== statusProtocol) throw new NodeError({ code: 'NODE_NO_HANDLER', protocol })
      if (data.byteLength !== 0)
        throw new NodeError({ code: 'NODE_BAD_REQUEST', protocol, reason: 'status takes no body' })
      return encodeBeacon(beacon())
    },
    async networkChanged(snapshot) {
      const joined = snapshot.peers.some(
        (p) =>
          p.kind === 'direct' && !network?.peers.some((q) => q.peerId === p.peerId && q.kind === 'direct'),
      )
      network = snapshot
      const present = new Set(snapshot.peers.map((p) => p.peerId))
      for (const id of peers.keys()) if (!present.has(id)) peers.delete(id)
      init.emit('status', status())
      // A new direct peer learns our status at once rather than at our next change.
      if (joined) await api.announce().catch(() => {})
    },
  }

  return {
    api,
    sink,
    async start() {
      await init.network.subscribe(statusTopic)
      await init.network.handle(statusProtocol)
      init.emit('status', status())
    },
  }
}
