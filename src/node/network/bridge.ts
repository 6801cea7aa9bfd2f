import type { NetworkSnapshot } from './types'

/**
 * The narrow port between the worker (the node) and the page's network host (libp2p). The worker
 * never sees libp2p objects: only topics, bytes, peer ids and verdicts cross.
 */

/** gossipsub v1.1 validation outcome: accept and forward, reject and penalise the sender, or ignore. */
export type GossipVerdict = 'accept' | 'reject' | 'ignore'

/** What the worker calls on the page. */
export interface NetworkApi {
  /** Joins a topic; messages on it go to `NetworkSink.gossip` for a verdict before being forwarded. */
  subscribe(topic: string): Promise<void>
  unsubscribe(topic: string): Promise<void>
  /** Publishes to a topic over direct links; resolves with how many peers it was sent to. */
  publish(topic: string, data: Uint8Array): Promise<{ readonly recipients: number }>
  /** Starts answering inbound requests on `protocol` through `NetworkSink.request`. */
  handle(protocol: string): Promise<void>
  /**
   * One request/response exchange with a directly linked peer; typed errors on failure, and
   * `NET_TIMEOUT` once `timeoutMs` (default `DEFAULT_REQUEST_TIMEOUT_MS`) passed with no answer.
   */
  request(peerId: string, protocol: string, data: Uint8Array, timeoutMs?: number): Promise<Uint8Array>
  snapshot(): Promise<NetworkSnapshot>
  /**
   * Closes every connection to a misbehaving peer and refuses it (dials, inbound connections, gossip)
   * for `banMs`. `reason` is for logs.
   */
  disconnect(peerId: string, reason: string, banMs: number): Promise<void>
}

/** What the page calls on the worker. */
export interface NetworkSink {
  /** A gossip message arrived from `from`; the verdict feeds gossipsub validation. */
  gossip(topic: string, data: Uint8Array, from: string): Promise<GossipVerdict>
  /** An inbound request on a protocol the worker handles; the result is sent back as the response. */
  request(protocol: string, data: Uint8Array, from: string): Promise<Uint8Array>
  /** The peer set or relay status changed. */
  networkChanged(snapshot: NetworkSnapshot): Promise<void>
}
