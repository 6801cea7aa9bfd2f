import { NodeError, toNodeError } from '../rpc/errors'
import type { GossipVerdict, NetworkApi, NetworkSink } from './bridge'
import { checkMessageSize, NetError, requestFailed } from './errors'
import { DEFAULT_REQUEST_TIMEOUT_MS, MAX_EXCHANGE_BYTES, MAX_GOSSIP_BYTES } from './protocol'
import type { NetworkSnapshot } from './types'

/** A failure as the worker receives it from the page's host: across a port (`serve`, then `connect`). */
const acrossPort = (thrown: unknown): never => {
  throw NodeError.fromObject(toNodeError(thrown).toObject())
}

/**
 * `api` failing as the page's host does for the worker: each error rebuilt as a plain NodeError, its
 * `type` kept and its class (NetError…) lost, so that a caller branching on the class fails here too.
 */
function asOverPort(api: NetworkApi): NetworkApi {
  return {
    subscribe: (topic) => api.subscribe(topic).catch(acrossPort),
    unsubscribe: (topic) => api.unsubscribe(topic).catch(acrossPort),
    publish: (topic, data) => api.publish(topic, data).catch(acrossPort),
    handle: (protocol) => api.handle(protocol).catch(acrossPort),
    request: (peerId, protocol, data, timeoutMs) =>
      api.request(peerId, protocol, data, timeoutMs).catch(acrossPort),
    snapshot: () => api.snapshot().catch(acrossPort),
    disconnect: (peerId, reason, banMs) => api.disconnect(peerId, reason, banMs).catch(acrossPort),
  }
}

/**
 * In-memory twin of the page's network host: several nodes in one process, every pair directly
 * linked, messages delivered in order, failures (a request's timeout too) as the worker receives them.
 * Used by unit and integration tests in place of libp2p.
 */
export function memoryHub() {
  interface Member {
    readonly peerId: string
    readonly topics: Set<string>
    readonly protocols: Set<string>
    /** Peers this member refuses, until when (ms since epoch). */
    readonly bans: Map<string, number>
    sink: NetworkSink | null
  }
  const members = new Map<string, Member>()
  /** Verdicts returned by receivers, for tests to inspect: [topic, from, to, verdict]. */
  const verdicts: [string, string, string, GossipVerdict][] = []

  /** Two members are linked unless either has banned the other. */
  const linked = (a: Member, b: Member): boolean => {
    const now = Date.now()
    return a !== b && (a.bans.get(b.peerId) ?? 0) <= now && (b.bans.get(a.peerId) ?? 0) <= now
  }

  const snapshotOf = (self: Member): NetworkSnapshot => ({
    peerId: self.peerId,
    relay: { state: 'connected', address: 'memory' },
    // A member is a peer once its node is attached (before that it could answer nothing).
    peers: [...members.values()]
      .filter((m) => linked(self, m) && m.sink !== null)
      .map((m) => ({ peerId: m.peerId, kind: 'direct' as const, address: `memory/${m.peerId}`, since: 0 })),
    // Members link as they join: none is ever being linked to.
    linking: [],
  })

  const notifyAll = async (): Promise<void> => {
    await Promise.all([...members.values()].map((m) => m.sink?.networkChanged(snapshotOf(m))))
  }

  return {
    verdicts,
    /** Whether `a` and `b` are linked (both present, neither banning the other). */
    linked(a: string, b: string): boolean {
      const [x, y] = [members.get(a), members.get(b)]
      return x !== undefined && y !== undefined && linked(x, y)
    },
    /** Adds a node to the hub; returns its side of the bridge. */
    join(peerId: string): {
      api: NetworkApi
      attach(sink: NetworkSink): Promise<void>
      leave(): Promise<void>
    } {
      const self: Member = { peerId, topics: new Set(), protocols: new Set(), bans: new Map(), sink: null }
      members.set(peerId, self)
      const api: NetworkApi = {
        async subscribe(topic) {
          self.topics.add(topic)
        },
        async unsubscribe(topic) {
          self.topics.delete(topic)
        },
        async publish(topic, data) {
          checkMessageSize(data, MAX_GOSSIP_BYTES)
          const to = [...members.values()].filter(
            (m) => linked(self, m) && m.topics.has(topic) && m.sink !== null,
          )
          for (const m of to) {
            const verdict = (await m.sink?.gossip(topic, data.slice(), peerId)) ?? 'ignore'
            verdicts.push([topic, peerId, m.peerId, verdict])
          }
          return { recipients: to.length }
        },
        async handle(protocol) {
          self.protocols.add(protocol)
        },
        async request(target, protocol, data, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
          const peer = members.get(target)
          if (peer === undefined || peer.sink === null || !linked(self, peer))
            throw new NetError({ code: 'NET_NO_DIRECT_LINK', peerId: target })
          checkMessageSize(data, MAX_EXCHANGE_BYTES)
          if (!peer.protocols.has(protocol)) {
            throw new NetError({
              code: 'NET_REQUEST_FAILED',
              peerId: target,
              protocol,
              reason: 'protocol not supported',
            })
          }
          // As the page's host does: an answer that has not come within the timeout fails the request
          // (a server that took it and never answers costs its asker no more), and comes to nothing later.
          let timer: ReturnType<typeof setTimeout> | undefined
          const timedOut = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new NetError({ code: 'NET_TIMEOUT', peerId: target, protocol, timeoutMs })),
              timeoutMs,
            )
          })
          let res: Uint8Array
          try {
            res = await Promise.race([
              peer.sink.request(protocol, data.slice(), peerId).catch((err: unknown) => {
                // As the page's host reports it: the server's reason and typed error, in a typed error
                // of this side.
                throw requestFailed(target, protocol, err)
              }),
              timedOut,
            ])
          } finally {
            clearTimeout(timer)
          }
          checkMessageSize(res, MAX_EXCHANGE_BYTES)
          return res
        },
        async snapshot() {
          return snapshotOf(self)
        },
        async disconnect(target, _reason, banMs) {
          self.bans.set(target, Date.now() + banMs)
          await notifyAll()
        },
      }
      return {
        api: asOverPort(api),
        async attach(sink) {
          self.sink = sink
          await notifyAll()
        },
        async leave() {
          members.delete(peerId)
          await notifyAll()
        },
      }
    },
  }
}
