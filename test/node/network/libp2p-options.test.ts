import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
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
