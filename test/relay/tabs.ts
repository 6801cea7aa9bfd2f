import { connect, createServer, type Server, type Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'

/** How a `reservingTab` is made: whose key it has, and by which address it reaches the relay. */
export interface TabOptions {
  /** Its identity (a reloaded tab's is its profile's); a new one unless set. */
  readonly privateKey?: PrivateKey
  /** The relay's addresses to dial (say through a proxy); the relay's own unless set. */
  readonly via?: readonly Multiaddr[]
}

/**
 * A client like a tab: WebSockets to `relay`, circuit relay, and a reservation on it (so it can be
 * dialed through it), held before this resolves. The default gater lets it dial loopback.
 */
export async function reservingTab(
  relay: Libp2p,
  gater: ConnectionGater = { denyDialMultiaddr: () => false },
  { privateKey, via = relay.getMultiaddrs() }: TabOptions = {},
): Promise<Libp2p> {
  const node = await createLibp2p({
    ...(privateKey === undefined ? {} : { privateKey }),
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: gater,
  })
  await node.dial([...via], { signal: AbortSignal.timeout(10_000) })
  const deadline = Date.now() + 10_000
  while (!node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))) {
    if (Date.now() > deadline) throw new Error('no reservation on the relay')
    await new Promise((r) => setTimeout(r, 20))
  }
  return node
}

/** A proxy in front of the relay's WebSocket port (see `silentProxy`). */
export interface SilentProxy {
  /** The relay's address through the proxy. */
  readonly addrs: Multiaddr[]
  /** Ends every link through it as a lost network does: the client's side closed, the relay's left silent. */
  cut(): void
  /** Closes the proxy and every link through it, both sides. */
  close(): void
}

/**
 * A TCP proxy to the relay's WebSocket port, whose `cut` ends its client links the way a lost network or a
 * machine gone to sleep does: the client's side is destroyed, and the relay's side stays open and silent (what the
 * relay sends is read and dropped, nothing more comes, no FIN): the relay learns of it only by its pings.
 */
export async function silentProxy(relay: Libp2p): Promise<SilentProxy> {
  const parts = relay.getMultiaddrs()[0]?.getComponents() ?? []
  const host = parts.find((c) => c.name === 'ip4')?.value
  const port = Number(parts.find((c) => c.name === 'tcp')?.value)
  if (host === undefined || !(port > 0)) throw new Error('relay has no IPv4 WebSocket address')
  const links: { client: Socket; upstream: Socket }[] = []
  const server: Server = createServer((client) => {
    const upstream = connect(port, host)
    client.on('error', () => {})
    upstream.on('error', () => {})
    client.pipe(upstream)
    upstream.pipe(client)
    links.push({ client, upstream })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    addrs: [multiaddr(`/ip4/127.0.0.1/tcp/${address.port}/ws/p2p/${relay.peerId.toString()}`)],
    cut: () => {
      for (const { client, upstream } of links) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        upstream.on('data', () => {})
        client.destroy()
      }
    },
    close: () => {
      for (const { client, upstream } of links) {
        client.destroy()
        upstream.destroy()
      }
      server.close()
    },
  }
}
