/**
 * Names on the wire shared by the relay, the page's network host and the worker. Changing one is a
 * network-breaking change.
 */

/** Pubsub topic on which tabs announce their addresses (carried by the relay). */
export const DISCOVERY_TOPIC = 'tabchain/_peer-discovery/1'

/**
 * Topic names of one chain: blocks, transactions and offers never mix between chains. `big-blocks`
 * carries the header of a block too big for gossip (`blockGossip` in sync/block-gossip.ts), whose body a
 * peer then fetches over `sync-blocks` from the peer the header came from.
 */
export const chainTopic = (
  chainId: number,
  name: 'blocks' | 'big-blocks' | 'txs' | 'offers' | 'status',
): string => `tabchain/${chainId}/${name}/1`

/**
 * Request/response protocol ids of one chain; a new wire form takes a new version. Since 2.0.0 a
 * link's exchanges of one protocol share one stream (exchange.ts).
 */
export const chainProtocol = (chainId: number, name: string, version = '2.0.0'): string =>
  `/tabchain/${chainId}/${name}/${version}`

/**
 * Largest gossip message the host accepts or sends, in bytes; bigger ones are dropped before decoding.
 * A block may be larger (`MAX_BLOCK_BYTES`, 2 MiB): such a block is announced by its header instead
 * (`blockGossip`).
 */
export const MAX_GOSSIP_BYTES = 1024 * 1024

/** Largest request or response body on a request/response stream, in bytes. */
export const MAX_EXCHANGE_BYTES = 4 * 1024 * 1024

/**
 * How long a request waits for its answer when its caller names no timeout, ms: past it the request
 * fails with `NET_TIMEOUT` and a late answer is dropped.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/**
 * Relay protocol: "which tabs hold a reservation here?" The answer lets a new tab dial every present
 * tab at once instead of waiting for their next discovery broadcast. Response: peer ids, newline-separated.
 */
export const RELAY_PEERS_PROTOCOL = '/tabchain/relay-peers/1.0.0'

/**
 * Relay protocol, relay → tab: "this tab just reserved a slot here and asked who is present; it can be
 * dialed now". With it both tabs of a pair learn of each other at once, whichever reserved first,
 * instead of the first waiting for a discovery broadcast. Body: peer ids as in relay-peers.
 */
export const RELAY_INTRO_PROTOCOL = '/tabchain/relay-intro/1.0.0'

/**
 * Who dials whom: a tab that learns of others by asking the relay (relay-peers) as it joins dials each
 * at once; a tab that learns of one otherwise — the relay's introduction, its discovery broadcast, a
 * later query — expects it to dial and waits this long before dialing it too, ms. A pair then sets up one WebRTC link, not two
 * at once on two busy pages; the later dial covers one that failed.
 */
export const DIAL_BACK_GRACE_MS = 2_000

/**
 * A tab's direct (WebRTC) dials start one at a time: the next once the one before has linked or failed,
 * or has run this long (Happy Eyeballs' stagger, RFC 8305), ms. Each dial's signalling and handshakes run
 * on the page's main thread, and a tab that dialed every tab its relay listed at once got its first link
 * later the more tabs there were (a join beside one running tab took ~2.6 s, beside four ~3.9 s: bench
 * connect, 2 December). A dial to a tab that does not answer (one frozen in the background) holds the
 * next back this long, not until its timeout. About a healthy dial's time on a busy two-core machine.
 */
export const DIAL_STAGGER_MS = 1_000

/**
 * Dials to tabs that only gossip announced, waiting for their turn, at most; beyond it the oldest is
 * dropped. Pubsub discovery takes any peer id and address from anyone on the relay's topic, and each
 * dial to a made-up tab holds the queue for a turn (`DIAL_STAGGER_MS`): a flood of them kept every later
 * dial waiting, and the queue grew without end. A tab that is there announces itself again at the next
 * discovery broadcast (every 5 s), and the relay lists it too.
 */
export const MAX_DISCOVERED_DIALS = 8

/** Most peer ids one relay-peers answer carries (the most recent reservations). */
export const MAX_RELAY_PEERS = 64

export function encodeRelayPeers(peerIds: readonly string[]): Uint8Array {
  return new TextEncoder().encode(peerIds.slice(-MAX_RELAY_PEERS).join('\n'))
}

/** The relay's lists of tabs keep only what could be a base58 peer id, at most `MAX_RELAY_PEERS`. */
export function plausiblePeerIds(items: readonly unknown[]): string[] {
  return items
    .filter((id): id is string => typeof id === 'string' && /^[1-9A-HJ-NP-Za-km-z]{32,60}$/.test(id))
    .slice(0, MAX_RELAY_PEERS)
}

/** Splits a relay-peers answer; anything that is not a plausible base58 peer id is dropped. */
export function decodeRelayPeers(data: Uint8Array): string[] {
  if (data.byteLength > MAX_RELAY_PEERS * 64) return []
  return plausiblePeerIds(new TextDecoder().decode(data).split('\n'))
}
