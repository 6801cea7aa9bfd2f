import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { parseConfig } from '../../../relay/config'
import { type Relay, startRelay, survivePeerWebSocketErrors } from '../../../relay/relay'
import {
  closingWebSockets,
  dropSendsWhileClosing,
  type SocketSender,
} from '../../../src/node/network/websockets'

let relay: Relay
let unguard: () => void

beforeAll(async () => {
  unguard = survivePeerWebSocketErrors(() => {})
  relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
})

afterAll(async () => {
  unguard()
  await relay.stop()
})

/** A client that reaches the relay as a tab does, over the tab's WebSockets transport. */
async function linkedTab(): Promise<Libp2p> {
  const tab = await createLibp2p({
    transports: [closingWebSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Node-side clients may dial loopback: allow everything.
    connectionGater: { denyDialMultiaddr: () => false },
  })
  await tab.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
  await expect.poll(() => relay.getConnections(tab.peerId).length).toBe(1)
  return tab
}

test("a link the tab drops closes its socket: the relay ends its side at once, not after its pings' 15 s", async () => {
  const tab = await linkedTab()
  try {
    for (const conn of tab.getConnections(relay.peerId)) conn.abort(new Error('a dead relay link, replaced'))
    await expect.poll(() => relay.getConnections(tab.peerId).length, { timeout: 3_000 }).toBe(0)
  } finally {
    await tab.stop()
  }
})

/** A socket's state as `dropSendsWhileClosing` reads it, set by the test. */
class Socket extends EventTarget {
  readonly CLOSING = 2
  readonly CLOSED = 3
  readonly url = 'ws://relay.test/'
  readyState = 1
}

describe('dropSendsWhileClosing: what libp2p sends once the socket is closing goes nowhere, quietly', () => {
  test('sends on an open socket go through; once closing or closed, they are taken and dropped, told once at its close', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const sent: number[] = []
    const conn: SocketSender = {
      sendData: (data) => {
        sent.push(data.byteLength)
        return { sentBytes: data.byteLength, canSendMore: false }
      },
    }
    const socket = new Socket()
    dropSendsWhileClosing(conn, socket)
    expect(conn.sendData({ byteLength: 10 })).toEqual({ sentBytes: 10, canSendMore: false })
    socket.readyState = socket.CLOSING
    expect(conn.sendData({ byteLength: 20 })).toEqual({ sentBytes: 20, canSendMore: true })
    socket.readyState = socket.CLOSED
    for (let i = 0; i < 49; i++) conn.sendData({ byteLength: 30 })
    expect(sent).toEqual([10])
    expect(info).not.toHaveBeenCalled()
    socket.dispatchEvent(new Event('close'))
    socket.dispatchEvent(new Event('close'))
    expect(info.mock.calls).toEqual([
      ['dropped 50 sends to ws://relay.test/ made while its WebSocket was closing'],
    ])
    info.mockRestore()
  })

  test('a socket that closes with nothing dropped tells nothing', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const socket = new Socket()
    dropSendsWhileClosing({ sendData: (d) => ({ sentBytes: d.byteLength, canSendMore: true }) }, socket)
    socket.readyState = socket.CLOSED
    socket.dispatchEvent(new Event('close'))
    expect(info).not.toHaveBeenCalled()
    info.mockRestore()
  })
})
