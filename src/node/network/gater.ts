import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface TabGaterInit {
  /** A peer the node dropped for misbehaving, while its ban lasts. */
  isBanned(peer: PeerId): boolean
  /** The relay's addresses as last learned (none before the first answer). */
  relayAddrs(): readonly Multiaddr[]
}

/**
 * A tab's connection gater. libp2p's browser default refuses ws:// and private addresses; a tab dials
 * exactly two kinds: the relay it was told about, and WebRTC / circuit addresses through it. A dropped
 * peer is neither dialed nor let in, and its dials through the relay are refused as the relay opens the
 * circuit — before any handshake or WebRTC signalling, so a dropped tab that keeps dialing costs us a
 * refused stream, not a key exchange. (The relay names the dialer there; a relay that lies still meets
 * the encrypted-connection checks, which see the peer's own key.) A peer is checked once more as its
 * connection is about to open: a drop that comes after its handshake, while the muxer is agreed on (a
 * round trip on a relayed link), would otherwise let it in past the disconnect that cut its other links.
 */
export function tabConnectionGater(init: TabGaterInit): ConnectionGater {
  const isRelay = (peer: string | undefined): boolean =>
    peer !== undefined && init.relayAddrs().some((r) => peerIdOf(r) === peer)
  return {
    denyDialPeer: (peer) => init.isBanned(peer),
    // Relayed connections come through our relay only: a STOP stream from any other peer (one linked
    // to us directly, playing relay) is refused. (libp2p serves STOP on every link.)
    denyInboundRelayedConnection: (relay, peer) => !isRelay(relay.toString()) || init.isBanned(peer),
    denyInboundEncryptedConnection: (peer) => init.isBanned(peer),
    denyOutboundEncryptedConnection: (peer) => init.isBanned(peer),
    denyInboundUpgradedConnection: (peer) => init.isBanned(peer),
    denyOutboundUpgradedConnection: (peer) => init.isBanned(peer),
    denyDialMultiaddr: (ma) => {
      const text = ma.toString()
      // A circuit (a WebRTC dial's signalling too) goes through our relay only, not a peer playing one.
      if (text.includes('/p2p-circuit')) return !isRelay(peerIdOf(ma.decapsulate('/p2p-circuit')))
      return !init.relayAddrs().some((r) => text.startsWith(r.toString().split('/p2p/')[0] ?? ''))
    },
  }
}

/** The peer id `addr` ends with (its last /p2p/ part), as text; undefined if it names none. */
export function peerIdOf(addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast((c) => c.name === 'p2p')?.value
}
