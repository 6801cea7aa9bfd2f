import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import {
  type CircuitRelayService,
  circuitRelayServer,
  RELAY_V2_HOP_CODEC,
  RELAY_V2_STOP_CODEC,
} from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { parseConfig } from '../../../relay/config'
import { type Relay, startRelay } from '../../../relay/relay'
import { tabConnectionGater } from '../../../src/node/network/gater'
import { tabLibp2pOptions } from '../../../src/node/network/libp2p-options'
import { reservingTab } from '../../relay/tabs'

/**
 * A peer linked to a tab directly, that is not the tab's relay, playing relay: it opens circuit relay's
 * STOP stream on its link (as a relay does to hand us a relayed connection), and may run a circuit relay
 * server too. The tab is a real libp2p built from the tab's options and gater, its relay the real one;
 * the direct link is a WebSocket standing in for a WebRTC link (which needs a browser), and the tab's
 * gater lets the tab dial it again as it lets a WebRTC address through.
 */

/** Circuit relay v2's status codes (its protobuf's `Status`). */
const OK = 100
const PERMISSION_DENIED = 202

let relay: Relay
const started: Libp2p[] = []

beforeEach(async () => {
  relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
})

afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()))
  await relay.stop()
})

/** A node built as the tab's, with the tab's gater; its relay is `relay`, and it holds a reservation there. */
async function tab(): Promise<Libp2p> {
  const gater = tabConnectionGater({ isBanned: () => false, relayAddrs: () => relay.getMultiaddrs() })
  const node = await createLibp2p({
    ...tabLibp2pOptions({
      privateKey: await generateKeyPair('Ed25519'),
      rtcConfiguration: {},
      noiseCrypto: pureJsCrypto,
      connectionGater: { ...gater, denyDialMultiaddr: () => false },
      peerDiscovery: [],
      isRelay: (peer) => peer === relay.peerId.toString(),
    }),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws', '/p2p-circuit'] },
  })
  started.push(node)
  await node.start()
  await node.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
  await expect.poll(() => circuitAddrs(node, relay.peerId), { timeout: 10_000 }).not.toEqual([])
  return node
}

/** A peer that links to tabs directly and is not their relay; `serving`: it runs a circuit relay server. */
async function stranger(serving: boolean): Promise<Libp2p<{ relay?: CircuitRelayService }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ...(serving ? { relay: circuitRelayServer() } : {}) },
  })
  started.push(node)
  return node
}

/** `node`'s own circuit addresses through `via` (a reservation there, advertised). */
function circuitAddrs(node: Libp2p, via: PeerId): string[] {
  return node
    .getMultiaddrs()
    .map((a) => a.toString())
    .filter((a) => a.includes(`/p2p/${via.toString()}/p2p-circuit`))
}

/** How many listeners `node`'s transport manager holds. */
function listeners(node: Libp2p): number {
  const { transportManager } = (
    node as unknown as { components: { transportManager: { getListeners(): unknown[] } } }
  ).components
  return transportManager.getListeners().length
}

/** A protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = []
  let v = n
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return out
}

/** A protobuf length-delimited field. */
function bytesField(field: number, bytes: Uint8Array): number[] {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes]
}

/**
 * Opens circuit relay's STOP stream on `conn`, as a relay handing us a relayed connection from `from`
 * does (StopMessage CONNECT), and reads the answer's status (0 if none came).
 */
async function stop(conn: Connection, from: PeerId): Promise<number> {
  const stream = await conn.newStream(RELAY_V2_STOP_CODEC, { signal: AbortSignal.timeout(10_000) })
  const lp = lpStream(stream)
  const peer = new Uint8Array(bytesField(1, from.toMultihash().bytes))
  // type = CONNECT (0), peer = { id }
  await lp.write(new Uint8Array([0x08, 0x00, ...bytesField(2, peer)]), {
    signal: AbortSignal.timeout(10_000),
  })
  const answer = (await lp.read({ signal: AbortSignal.timeout(20_000) })).subarray()
  stream.abort(new Error('done'))
  // StopMessage: field 4 (status) is a varint; the others (type: a varint, limit: bytes) are skipped.
  let i = 0
  while (i < answer.length) {
    const tag = answer[i++] ?? 0
    let value = 0
    let shift = 0
    let byte = 0x80
    while (byte & 0x80) {
      byte = answer[i++] ?? 0
      value += (byte & 0x7f) * 2 ** shift
      shift += 7
    }
    if (tag === 4 << 3) return value
    if ((tag & 7) === 2) i += value
  }
  return 0
}

describe('a peer that is not our relay, playing relay on its direct link', () => {
  test('its STOP stream makes us ask it for no reservation, and brings no relayed connection', async () => {
    const node = await tab()
    const hostile = await stranger(false)
    /** HOP streams the tab opened to the stranger (a reservation is asked for on one). */
    let hops = 0
    await hostile.handle(
      RELAY_V2_HOP_CODEC,
      (stream) => {
        hops++
        stream.abort(new Error('not a relay'))
      },
      { runOnLimitedConnection: true },
    )
    const conn = await hostile.dial(
      node.getMultiaddrs().filter((a) => a.toString().includes('/ws/')),
      {
        signal: AbortSignal.timeout(10_000),
      },
    )

    const before = listeners(node)
    const status = await stop(conn, peerIdFromPrivateKey(await generateKeyPair('Ed25519')))

    await new Promise((r) => setTimeout(r, 500))
    expect(hops).toBe(0)
    expect(circuitAddrs(node, hostile.peerId)).toEqual([])
    // Nor is a listener left behind (one per STOP stream, were it asked to listen through the stranger).
    expect(listeners(node)).toBe(before)
    // Refused by our gater: the stranger is not our relay.
    expect(status).toBe(PERMISSION_DENIED)
    expect(node.getConnections().filter((c) => c.remoteAddr.toString().includes('/p2p-circuit'))).toEqual([])
  })

  test('running a relay server, it gets no reservation from us, nor a circuit address through it; our relay still works', async () => {
    const node = await tab()
    const hostile = await stranger(true)
    const conn = await hostile.dial(
      node.getMultiaddrs().filter((a) => a.toString().includes('/ws/')),
      {
        signal: AbortSignal.timeout(10_000),
      },
    )
    const status = await stop(conn, hostile.peerId).catch(() => 0)
    await new Promise((r) => setTimeout(r, 1_000))

    expect(hostile.services.relay?.reservations.has(node.peerId)).toBe(false)
    expect(circuitAddrs(node, hostile.peerId)).toEqual([])
    expect(status).not.toBe(OK)
    // A tab dialing us through it finds no way in.
    const dialer = await reservingTab(relay)
    started.push(dialer)
    const through = hostile.getMultiaddrs()[0]?.encapsulate(`/p2p-circuit/p2p/${node.peerId.toString()}`)
    if (through === undefined) throw new Error('stranger has no address')
    await expect(dialer.dial(through, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
    expect(node.getConnections(dialer.peerId)).toEqual([])

    // Our relay's path is unaffected: our reservation there stands, and a tab dials us through it.
    expect(circuitAddrs(node, relay.peerId)).not.toEqual([])
    const via = relay.getMultiaddrs()[0]?.encapsulate(`/p2p-circuit/p2p/${node.peerId.toString()}`)
    if (via === undefined) throw new Error('relay has no address')
    const relayed = await dialer.dial(via, { signal: AbortSignal.timeout(10_000) })
    expect(relayed.remotePeer.equals(node.peerId)).toBe(true)
  })

  test('when our relay goes down, we do not take it as our relay instead', async () => {
    const node = await tab()
    const hostile = await stranger(true)
    await hostile.dial(
      node.getMultiaddrs().filter((a) => a.toString().includes('/ws/')),
      {
        signal: AbortSignal.timeout(10_000),
      },
    )
    // Identify has told us it speaks circuit relay's hop protocol.
    await expect
      .poll(async () => (await node.peerStore.get(hostile.peerId)).protocols.includes(RELAY_V2_HOP_CODEC))
      .toBe(true)

    // Gone, not only our link to it: the circuit listener, looking for a relay again, cannot dial it back.
    await relay.stop()
    await expect.poll(() => circuitAddrs(node, relay.peerId)).toEqual([])
    await new Promise((r) => setTimeout(r, 3_000))
    expect(hostile.services.relay?.reservations.has(node.peerId)).toBe(false)
    expect(circuitAddrs(node, hostile.peerId)).toEqual([])
  })
})
