import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { ConnectionGater } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'

/**
 * A Node client like a tab: WebSockets to `relay`, circuit relay, and a reservation on it (so it can be
 * dialed through it), held before this resolves. The default gater lets it dial loopback.
 */
export async function reservingTab(
  relay: Libp2p,
  gater: ConnectionGater = { denyDialMultiaddr: () => false },
): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: gater,
  })
  await node.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
  const deadline = Date.now() + 10_000
  while (!node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))) {
    if (Date.now() > deadline) throw new Error('no reservation on the relay')
    await new Promise((r) => setTimeout(r, 20))
  }
  return node
}
