/**
 * What the page's network host reports about itself. Plain data: it is mirrored into the UI store and
 * sent to the worker, so it holds no class instances.
 */

/** State of the link to the relay that introduces this tab to others. */
/**
 * Why the relay is out of reach: the server that serves the app answered 429 (`busy`) or another error
 * status (`http`) or something unreadable (`malformed`) when asked where its relay listens, or did not
 * answer at all (`silent`); or the relay itself did not take the connection (`link`: libp2p's dial,
 * handshake or reservation failed).
 */
export type RelayProblem =
  | { readonly kind: 'busy' }
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'link' }

export type RelayStatus =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected'; readonly address: string }
  /** The relay could not be reached; a new attempt is scheduled at `retryAt` (ms since epoch). */
  | {
      readonly state: 'unreachable'
      readonly error: string
      /** Why, for the person reading the Network screen (`error` is the raw message). */
      readonly problem: RelayProblem
      readonly attempt: number
      readonly retryAt: number
    }
  /** The browser is offline (navigator.onLine false, or the app was loaded from the service worker without a server). */
  | { readonly state: 'offline' }

/** How a peer is linked to us: a direct WebRTC connection, or only through the relay (signalling only). */
export type PeerLinkKind = 'direct' | 'relayed'

/**
 * Where this tab's own direct (WebRTC) dial to a relayed peer stands, as the host tracks it: a dial
 * under way — waiting the grace for the peer's own dial (`DIAL_BACK_GRACE_MS`), waiting its turn in the
 * queue, or running its attempts — or the latest one ended without a link. A failed peer is dialed again
 * as its next discovery broadcast comes after its backoff, for as long as it broadcasts.
 */
export type DirectDialStatus =
  | { readonly state: 'dialing' }
  | {
      readonly state: 'failed'
      /** Why its last attempt failed (libp2p's message, or why the dial was given up). */
      readonly error: string
      /** When the next dial starts at the earliest (ms since epoch): its backoff's end and the grace. */
      readonly retryAt: number
    }

export interface PeerInfo {
  /** Full base58 peer id. */
  readonly peerId: string
  readonly kind: PeerLinkKind
  /** Last measured ping round trip in ms, when one has been measured. */
  readonly latencyMs?: number
  /** Remote multiaddr of the best connection. */
  readonly address: string
  /** When the first connection to this peer opened (ms since epoch). */
  readonly since: number
  /**
   * Our gossip topics this peer is known to subscribe to (gossipsub tells us as the link opens; until
   * then a message we publish does not reach it). Absent on networks that deliver to every link.
   */
  readonly topics?: readonly string[]
  /**
   * This tab's direct dial to a relayed peer (`DirectDialStatus`). Absent on a direct link, and on a
   * relayed one this tab has not dialed yet (it does once the peer announces itself, or the relay
   * introduces it).
   */
  readonly dial?: DirectDialStatus
}

export interface NetworkSnapshot {
  readonly peerId: string
  readonly relay: RelayStatus
  readonly peers: readonly PeerInfo[]
  /**
   * Tabs this one knows are there (the relay listed or introduced them, or they announced themselves)
   * and is linking to, with no connection yet: its direct dial waits the grace for theirs, waits its
   * turn, or runs. Once a connection opens the tab is among `peers`; a dial that ended unlinked drops it.
   */
  readonly linking: readonly string[]
}
