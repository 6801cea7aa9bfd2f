import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../../relay/config'
import { type Relay, startRelay } from '../../../relay/relay'
import { ExchangeSession } from '../../../src/node/network/exchange'
import {
  handleExchangeProtocol,
  INBOUND_CONNECTIONS_PER_SECOND,
  MAX_CONNECTIONS,
  MAX_EXCHANGE_STREAMS,
  MAX_GOSSIP_STREAMS,
  MAX_IDENTIFY_STREAMS,
  MAX_INCOMING_PENDING_CONNECTIONS,
  MAX_PARALLEL_DIALS,
  MAX_PING_STREAMS,
  MAX_YAMUX_INBOUND_STREAMS,
  tabLibp2pOptions,
} from '../../../src/node/network/libp2p-options'
import { chainProtocol, MAX_EXCHANGE_BYTES } from '../../../src/node/network/protocol'
import { reservingTab } from '../../relay/tabs'

/**
 * The tab's libp2p limits, on a real libp2p in Node: the tab's own options (`tabLibp2pOptions`: its
 * connection manager, muxer and services), with its browser transports replaced by WebSockets (the
 * tab's WebRTC needs a browser; a tab takes links only through the relay and WebRTC) and the relay's
 * circuits, as a tab takes them. Other peers are plain Node libp2p nodes.
 */

const PROTOCOL = chainProtocol(1337, 'blocks')
const allowAll = { denyDialMultiaddr: () => false }

async function tabNode(listen: string[]): Promise<Libp2p> {
  const node = await createLibp2p({
    ...tabLibp2pOptions({
      privateKey: await generateKeyPair('Ed25519'),
      rtcConfiguration: {},
      noiseCrypto: pureJsCrypto,
      connectionGater: allowAll,
      peerDiscovery: [],
    }),
    addresses: { listen },
    transports: [webSockets(), circuitRelayTransport()],
  })
  await node.start()
  // Answers each request with its own bytes, as the worker answers a sync request.
  await handleExchangeProtocol(node, PROTOCOL, async (request) => request)
  return node
}

/** A plain peer that dials out over WebSockets. */
function peer(): Promise<Libp2p> {
  return createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: allowAll,
  })
}

/** An honest request on `conn`, as the host makes one: answered with its own bytes. */
async function request(conn: Connection, body: string): Promise<string> {
  const stream = await conn.newStream(PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const session = new ExchangeSession(stream, MAX_EXCHANGE_BYTES)
  const answer = await session.exchange(new TextEncoder().encode(body), {
    signal: AbortSignal.timeout(10_000),
  })
  await stream.close()
  return new TextDecoder().decode(answer)
}

/** The options a started node's registrar holds for `protocol`. */
function handlerOptions(node: Libp2p, protocol: string): StreamHandlerOptions {
  const { registrar } = (
    node as unknown as {
      components: { registrar: { getHandler(p: string): { options: StreamHandlerOptions } } }
    }
  ).components
  return registrar.getHandler(protocol).options
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

test("the tab's libp2p options carry its connection limits", () => {
  const options = tabLibp2pOptions({
    privateKey: undefined as never,
    rtcConfiguration: {},
    noiseCrypto: pureJsCrypto,
    connectionGater: allowAll,
    peerDiscovery: [],
  })
  expect(options.connectionManager).toEqual({
    maxConnections: MAX_CONNECTIONS,
    maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
    inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND,
    maxParallelDials: MAX_PARALLEL_DIALS,
  })
  // Sized for the product's own use (see each constant's reason): a tab per relay-listed peer, and
  // the connection monitor's pings in flight (a 10 s timeout on a 3 s beat).
  expect(MAX_CONNECTIONS).toBeGreaterThanOrEqual(2 * 64 + 1)
  expect(MAX_PING_STREAMS).toBeGreaterThanOrEqual(4)
  expect(MAX_YAMUX_INBOUND_STREAMS).toBeGreaterThan(MAX_CONNECTIONS)
})

describe("a tab's libp2p, flooded", () => {
  let host: Libp2p
  let honest: Libp2p
  let honestConn: Connection

  beforeAll(async () => {
    host = await tabNode(['/ip4/127.0.0.1/tcp/0/ws'])
    honest = await peer()
    honestConn = await honest.dial(host.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
  })
  afterAll(async () => {
    await Promise.all([honest.stop(), host.stop()])
  })

  test('its services and request/response protocols carry their per-link stream limits', () => {
    expect(handlerOptions(host, PROTOCOL)).toMatchObject({
      maxInboundStreams: MAX_EXCHANGE_STREAMS,
      maxOutboundStreams: MAX_EXCHANGE_STREAMS,
      runOnLimitedConnection: false,
    })
    expect(handlerOptions(host, '/ipfs/ping/1.0.0')).toMatchObject({
      maxInboundStreams: MAX_PING_STREAMS,
      maxOutboundStreams: MAX_PING_STREAMS,
    })
    expect(handlerOptions(host, '/ipfs/id/1.0.0')).toMatchObject({
      maxInboundStreams: MAX_IDENTIFY_STREAMS,
      maxOutboundStreams: MAX_IDENTIFY_STREAMS,
    })
    expect(handlerOptions(host, '/meshsub/1.1.0')).toMatchObject({
      maxInboundStreams: MAX_GOSSIP_STREAMS,
      maxOutboundStreams: MAX_GOSSIP_STREAMS,
    })
  })

  test('a peer opening many request streams has its extra ones reset; an honest request is answered', async () => {
    const flooder = await peer()
    try {
      const conn = await flooder.dial(host.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      // One stream after another, each kept open: the host takes its limit of them and resets the rest.
      let answered = 0
      for (let i = 0; i < 3 * MAX_EXCHANGE_STREAMS; i++) {
        const ok = await conn
          .newStream(PROTOCOL, { signal: AbortSignal.timeout(10_000) })
          .then((s) =>
            new ExchangeSession(s, MAX_EXCHANGE_BYTES).exchange(new Uint8Array([i]), {
              signal: AbortSignal.timeout(5_000),
            }),
          )
          .then(
            () => true,
            () => false,
          )
        if (ok) answered++
      }
      expect(answered).toBe(MAX_EXCHANGE_STREAMS)
      const held = host
        .getConnections(flooder.peerId)
        .flatMap((c) => c.streams)
        .filter((s: Stream) => s.protocol === PROTOCOL && s.status === 'open')
      expect(held.length).toBeLessThanOrEqual(MAX_EXCHANGE_STREAMS)
      expect(await request(honestConn, 'still served')).toBe('still served')
    } finally {
      await flooder.stop()
    }
  })

  test("yamux refuses a peer's streams past its limit, whatever their protocol", () => {
    const theirs = host.getConnections(honest.peerId)[0]
    expect((theirs as unknown as { muxer: { maxInboundStreams: number } }).muxer.maxInboundStreams).toBe(
      MAX_YAMUX_INBOUND_STREAMS,
    )
  })
})

describe("a tab's libp2p, flooded with connections through its relay", () => {
  let relay: Relay
  let host: Libp2p
  let honest: Libp2p
  let honestConn: Connection

  beforeAll(async () => {
    relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
    host = await tabNode(['/ip4/127.0.0.1/tcp/0/ws', '/p2p-circuit'])
    await host.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
    await until('the reservation', () =>
      host.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')),
    )
    honest = await peer()
    honestConn = await honest.dial(
      host.getMultiaddrs().filter((a) => !a.toString().includes('/p2p-circuit')),
      { signal: AbortSignal.timeout(10_000) },
    )
  })
  afterAll(async () => {
    await Promise.all([honest.stop(), host.stop()])
    await relay.stop()
  })

  test('a flood of connections through the relay leaves the host within maxConnections; the relay link stays and an honest request is answered', async () => {
    const circuit: Multiaddr | undefined = host
      .getMultiaddrs()
      .find((a) => a.toString().includes('/p2p-circuit'))
    if (circuit === undefined) throw new Error('no circuit address')
    // Past maxConnections, through the relay (how a tab takes inbound links). Not the only bound here:
    // without maxConnections this flood is still held under it (by a limit not yet found).
    const flooders = await Promise.all(Array.from({ length: 8 }, () => reservingTab(relay)))
    let most = 0
    const watch = setInterval(() => {
      most = Math.max(most, host.getConnections().length)
    }, 10)
    try {
      const perFlooder = Math.ceil((MAX_CONNECTIONS + 16) / flooders.length)
      const results = await Promise.all(
        flooders.map(async (f) => {
          let refused = 0
          for (let i = 0; i < perFlooder; i++)
            await f.dial(circuit, { force: true, signal: AbortSignal.timeout(10_000) }).catch(() => refused++)
          return refused
        }),
      )
      most = Math.max(most, host.getConnections().length)
      expect(results.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      expect(most).toBeLessThanOrEqual(MAX_CONNECTIONS)
      expect(host.getConnections(relay.peerId).some((c) => c.status === 'open')).toBe(true)
      expect(await request(honestConn, 'still served')).toBe('still served')
    } finally {
      clearInterval(watch)
      await Promise.all(flooders.map((f) => f.stop()))
    }
  }, 120_000)
})
