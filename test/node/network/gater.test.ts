import { generateKeyPair } from '@libp2p/crypto/keys'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../../relay/config'
import { startRelay } from '../../../relay/relay'
import { tabConnectionGater } from '../../../src/node/network/gater'
import { reservingTab } from '../../relay/tabs'

let relay: Libp2p
const started: Libp2p[] = []

beforeAll(async () => {
  relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
})

afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()))
})

afterAll(async () => {
  await relay.stop()
})

/** A node like a tab (WebSockets to the relay, circuit relay, a reservation), with `gater`. */
async function tab(gater: ConnectionGater): Promise<Libp2p> {
  const node = await reservingTab(relay, gater)
  started.push(node)
  return node
}

describe('a tab’s connection gater, through the real relay', () => {
  test('a dropped peer dialing through the relay is refused as the circuit opens, before any handshake', async () => {
    const banned = new Set<string>()
    const gater = tabConnectionGater({
      isBanned: (peer: PeerId) => banned.has(peer.toString()),
      relayAddrs: () => relay.getMultiaddrs(),
    })
    /** The peers whose handshake with A got as far as the encrypted-connection check. */
    const handshakes: string[] = []
    const a = await tab({
      ...gater,
      denyInboundEncryptedConnection: (peer, maConn) => {
        handshakes.push(peer.toString())
        return gater.denyInboundEncryptedConnection?.(peer, maConn) ?? false
      },
    })
    const allowAll = tabConnectionGater({ isBanned: () => false, relayAddrs: () => relay.getMultiaddrs() })
    const dropped = await tab(allowAll)
    const other = await tab(allowAll)
    banned.add(dropped.peerId.toString())
    const target = relay.getMultiaddrs()[0]?.encapsulate(`/p2p-circuit/p2p/${a.peerId.toString()}`)
    if (target === undefined) throw new Error('relay has no address')

    const outcome = await dropped.dial(target, { signal: AbortSignal.timeout(10_000) }).then(
      () => 'linked',
      (err: unknown) => String(err),
    )
    expect(outcome).toMatch(/failed to connect via relay/)
    expect(handshakes).toEqual([])
    expect(a.getConnections(dropped.peerId)).toEqual([])
    expect(dropped.getConnections(a.peerId)).toEqual([])

    // The same path lets a peer in good standing through, handshake and all.
    const conn = await other.dial(target, { signal: AbortSignal.timeout(10_000) })
    expect(conn.remotePeer.equals(a.peerId)).toBe(true)
    // A checks the peer once its side of the handshake ends, just after the dialer's.
    await expect.poll(() => handshakes).toEqual([other.peerId.toString()])
  })

  test('a peer dropped while its connection is being set up is not let in, either way it was dialed', async () => {
    const banned = new Set<string>()
    const gater = tabConnectionGater({
      isBanned: (peer: PeerId) => banned.has(peer.toString()),
      relayAddrs: () => relay.getMultiaddrs(),
    })
    // The drop arrives just after the peer passed the encrypted-connection check, while the muxer is
    // still being agreed on (a round trip on the relayed link): as a worker's ban may. (Not the relay.)
    const dropOnHandshake = (peer: PeerId): boolean => {
      const denied = banned.has(peer.toString())
      if (!peer.equals(relay.peerId)) banned.add(peer.toString())
      return denied
    }
    const a = await tab({
      ...gater,
      denyInboundEncryptedConnection: dropOnHandshake,
      denyOutboundEncryptedConnection: dropOnHandshake,
    })
    const allowAll = tabConnectionGater({ isBanned: () => false, relayAddrs: () => relay.getMultiaddrs() })
    const dialer = await tab(allowAll)
    const dialed = await tab(allowAll)
    const via = (peer: Libp2p) => {
      const target = relay.getMultiaddrs()[0]?.encapsulate(`/p2p-circuit/p2p/${peer.peerId.toString()}`)
      if (target === undefined) throw new Error('relay has no address')
      return target
    }

    await dialer.dial(via(a), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    await a.dial(via(dialed), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    expect(banned).toEqual(new Set([dialer.peerId.toString(), dialed.peerId.toString()]))
    /** A's connections to `peer`, as their status. */
    const links = (peer: Libp2p): string[] => a.getConnections(peer.peerId).map((c) => c.status)
    await expect.poll(() => [links(dialer), links(dialed)]).toEqual([[], []])
    // Nothing lingers that a later look would find open.
    await new Promise((r) => setTimeout(r, 500))
    expect([links(dialer), links(dialed)]).toEqual([[], []])
  })

  test('circuits and WebRTC dials go through our relay only, not through a peer playing relay', async () => {
    const gater = tabConnectionGater({ isBanned: () => false, relayAddrs: () => relay.getMultiaddrs() })
    const [relayAddr] = relay.getMultiaddrs()
    if (relayAddr === undefined) throw new Error('relay has no address')
    const peer = (await tab(gater)).peerId.toString()
    const stranger = (await tab(gater)).peerId.toString()
    const deny = (text: string): boolean | Promise<boolean> | undefined =>
      gater.denyDialMultiaddr?.(multiaddr(text))

    expect(await deny(relayAddr.toString())).toBe(false)
    expect(await deny(`${relayAddr.toString()}/p2p-circuit/p2p/${peer}`)).toBe(false)
    expect(await deny(`${relayAddr.toString()}/p2p-circuit/webrtc/p2p/${peer}`)).toBe(false)
    const throughStranger = `/ip4/127.0.0.1/tcp/9/ws/p2p/${stranger}/p2p-circuit`
    expect(await deny(`${throughStranger}/p2p/${peer}`)).toBe(true)
    expect(await deny(`${throughStranger}/webrtc/p2p/${peer}`)).toBe(true)
    expect(await deny(`/p2p/${stranger}/p2p-circuit/webrtc/p2p/${peer}`)).toBe(true)
    // A circuit naming no relay at all.
    expect(await deny(`/p2p-circuit/webrtc/p2p/${peer}`)).toBe(true)
    // WebRTC with no circuit (a tab signals through the relay only): not a kind a tab dials.
    expect(await deny(`/ip4/192.0.2.7/udp/9/webrtc-direct/p2p/${peer}`)).toBe(true)
    expect(await deny(`/ip4/192.0.2.7/tcp/9/ws/webrtc/p2p/${peer}`)).toBe(true)
  })
})

describe('a tab’s connection gater, hook by hook (what libp2p asks it)', () => {
  const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

  test('every check on a peer refuses a dropped peer and admits one in good standing', async () => {
    const [dropped, good] = [await newPeer(), await newPeer()]
    const gater = tabConnectionGater({
      isBanned: (peer) => peer.equals(dropped),
      relayAddrs: () => relay.getMultiaddrs(),
    })
    const hooks = {
      denyDialPeer: gater.denyDialPeer,
      denyInboundEncryptedConnection: gater.denyInboundEncryptedConnection,
      denyOutboundEncryptedConnection: gater.denyOutboundEncryptedConnection,
      denyInboundUpgradedConnection: gater.denyInboundUpgradedConnection,
      denyOutboundUpgradedConnection: gater.denyOutboundUpgradedConnection,
    }
    for (const [name, hook] of Object.entries(hooks)) {
      const deny = hook as ((peer: PeerId) => boolean | Promise<boolean>) | undefined
      expect([await deny?.(dropped), await deny?.(good)], name).toEqual([true, false])
    }
  })

  test('a relayed connection is let in through our relay only, and never from a dropped peer', async () => {
    const [dropped, good, stranger] = [await newPeer(), await newPeer(), await newPeer()]
    const gater = tabConnectionGater({
      isBanned: (peer) => peer.equals(dropped),
      relayAddrs: () => relay.getMultiaddrs(),
    })
    const deny = (via: PeerId, peer: PeerId) => gater.denyInboundRelayedConnection?.(via, peer)
    expect(await deny(relay.peerId, good)).toBe(false)
    expect(await deny(relay.peerId, dropped)).toBe(true)
    // A peer linked to us directly, playing relay for another.
    expect(await deny(stranger, good)).toBe(true)
  })

  test('plain addresses are dialed only when they are the relay’s; a circuit naming no relay is refused even if a relay address names no peer', async () => {
    const [relayAddr] = relay.getMultiaddrs()
    if (relayAddr === undefined) throw new Error('relay has no address')
    const bare = relayAddr.decapsulate('/p2p')
    const gater = tabConnectionGater({ isBanned: () => false, relayAddrs: () => [bare, relayAddr] })
    const peer = (await newPeer()).toString()
    const deny = (text: string) => gater.denyDialMultiaddr?.(multiaddr(text))
    expect(await deny(relayAddr.toString())).toBe(false)
    expect(await deny('/ip4/10.0.0.9/tcp/443/wss')).toBe(true)
    expect(await deny(`/ip4/10.0.0.9/tcp/443/wss/p2p/${peer}`)).toBe(true)
    expect(await deny(`/p2p-circuit/webrtc/p2p/${peer}`)).toBe(true)
  })
})
