import { connect as tcpConnect } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../relay/config'
import { startRelay, survivePeerWebSocketErrors } from '../../relay/relay'
import { decodeRelayPeers, RELAY_PEERS_PROTOCOL } from '../../src/node/network/protocol'

let relay: Libp2p
let port: number
const dropped: string[] = []
let unguard: () => void

beforeAll(async () => {
  unguard = survivePeerWebSocketErrors((m) => dropped.push(m))
  relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
  const addr = relay.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('relay has no address')
  port = Number(addr.toString().split('/tcp/')[1]?.split('/')[0])
})

afterAll(async () => {
  unguard()
  await relay.stop()
})

function client(): Promise<Libp2p> {
  return createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // Node-side clients may dial loopback: allow everything.
    connectionGater: { denyDialMultiaddr: () => false },
  })
}

/** Writes raw bytes on a TCP socket to the relay's WebSocket port and waits for the server to hang up. */
function sendGarbage(bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.end(bytes))
    socket.on('data', () => {})
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
    socket.setTimeout(3_000, () => socket.destroy())
  })
}

describe('relay', () => {
  test('survives garbage on its socket and keeps serving', async () => {
    await sendGarbage(new Uint8Array(4096).fill(0xab))
    await sendGarbage('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    await sendGarbage(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n\xc2\xff\xff\xff\xff\xff\xff\xff\xff\xff',
    )
    // The invalid frame was seen and the client dropped; the relay goes on.
    expect(dropped.some((m) => m.includes('RSV1'))).toBe(true)
    const c = await client()
    try {
      const conn = await c.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      expect(conn.status).toBe('open')
    } finally {
      await c.stop()
    }
  })

  test('answers the relay-peers protocol without listing the asker', async () => {
    const c = await client()
    try {
      const conn = await c.dial(multiaddr(relay.getMultiaddrs()[0]?.toString() ?? ''), {
        signal: AbortSignal.timeout(10_000),
      })
      const stream = await conn.newStream(RELAY_PEERS_PROTOCOL)
      const answer = await lpStream(stream).read()
      expect(decodeRelayPeers(answer.subarray())).not.toContain(c.peerId.toString())
    } finally {
      await c.stop()
    }
  })
})
