import type { ModePin } from '../light/mode'
import type { NetworkApi, NetworkSink } from '../network/bridge'
import { chainProtocol, chainTopic } from '../network/protocol'
import type { NodeError } from '../rpc/errors'
import type { Remote } from '../rpc/protocol'
import { syncProtocols } from '../sync/sync-server'

/** The topics a node joins and the protocols it answers: its network wiring. */
export interface Wiring {
  readonly topics: readonly string[]
  readonly protocols: readonly string[]
}

/**
 * What a node's start (`Node.start`) asks the page's network for, by mode pin: the chain's gossip and
 * sync exchanges (light nodes pinned light join the blocks topics only and serve nothing), the offers'
 * gossip, snapshot and take exchanges, and the status beacons.
 */
export function startWiring(chainId: number, pin: ModePin): Wiring {
  const chain =
    pin === 'light'
      ? { topics: [chainTopic(chainId, 'blocks'), chainTopic(chainId, 'big-blocks')], protocols: [] }
      : {
          topics: [
            chainTopic(chainId, 'blocks'),
            chainTopic(chainId, 'big-blocks'),
            chainTopic(chainId, 'txs'),
          ],
          protocols: Object.values(syncProtocols(chainId)),
        }
  return {
    topics: [...chain.topics, chainTopic(chainId, 'offers'), chainTopic(chainId, 'status')],
    protocols: [
      ...chain.protocols,
      chainProtocol(chainId, 'offers'),
      chainProtocol(chainId, 'take'),
      chainProtocol(chainId, 'status'),
    ],
  }
}

/**
 * The network with `wiring` asked for at once: each `subscribe` and `handle` goes to the page now, and a
 * node's first call for the same topic or protocol gets that request's outcome instead of sending
 * another. A worker sends its wiring when its init arrives, while its databases open and its node is
 * created: each call is a round trip to the page's main thread, which is busy with its own start then
 * (a new tab's node was ready ~0.25 s later, p50, when its start sent them, the offers' one after the
 * other). Requests that reach the worker before its node exists wait on their ports, which start with
 * the node.
 */
export function prewire(network: Remote<NetworkApi>, wiring: Wiring): Remote<NetworkApi> {
  const asked = (call: (name: string) => Promise<void>, names: readonly string[]) => {
    const out = new Map<string, Promise<void>>()
    for (const name of names) {
      const p = call(name)
      // A failure goes to the call that takes this request, not to the unhandled-rejection log.
      p.catch(() => {})
      out.set(name, p)
    }
    return out
  }
  const topics = asked((topic) => network.subscribe(topic), wiring.topics)
  const protocols = asked((protocol) => network.handle(protocol), wiring.protocols)
  const take = (from: Map<string, Promise<void>>, name: string): Promise<void> | undefined => {
    const p = from.get(name)
    from.delete(name)
    return p
  }
  // The network client is a proxy (`connect`): every method is passed on by name.
  return {
    subscribe: (topic) => take(topics, topic) ?? network.subscribe(topic),
    handle: (protocol) => take(protocols, protocol) ?? network.handle(protocol),
    // A subscription asked for ahead and then left: a later subscribe asks again.
    unsubscribe: (topic) => {
      topics.delete(topic)
      return network.unsubscribe(topic)
    },
    publish: (topic, data) => network.publish(topic, data),
    request: (...args) => network.request(...args),
    snapshot: () => network.snapshot(),
    disconnect: (peerId, reason, banMs) => network.disconnect(peerId, reason, banMs),
  }
}

/**
 * The sink a worker serves when its node could not start: its wiring went to the page before the node
 * existed, so the page holds its topics and handlers, and without an answer their gossip validations
 * and peers' requests would wait for ever. Gossip is ignored; requests are refused with why the node did
 * not start.
 */
export function refusingSink(reason: NodeError): NetworkSink {
  return {
    gossip: async () => 'ignore',
    request: async () => {
      throw reason
    },
    networkChanged: async () => {},
  }
}
