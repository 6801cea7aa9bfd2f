import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseConfig } from '../../../relay/config'
import { type Relay, startRelay, survivePeerWebSocketErrors } from '../../../relay/relay'
import { closingWebSockets } from '../../../src/node/network/websockets'

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
