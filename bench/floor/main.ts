// The connect bench's floor: js-libp2p's browser-to-browser example as it stands (WebSockets to the
// relay, circuit relay v2 for signalling, WebRTC, noise, yamux, identify; the library's defaults
// otherwise), with the app's libp2p versions and nothing else — no worker, no profile, no UI, no
// discovery. `?peer=<address>` dials that tab's WebRTC address through the relay at once; without it the
// page reserves a slot on the relay and publishes its own address for the bench to hand to a joining tab.
// `?peer=handed` dials the address the bench hands it (`window.floorHand`) as soon as it has both that
// and its relay connection: two pages opened at once, the later one handed the earlier's address.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

declare global {
  interface Window {
    /** This tab's WebRTC address through the relay, once its reservation is up. */
    floorAddress?: string
    /** Hands a `?peer=handed` page the address to dial. */
    floorHand?: (address: string) => void
  }
}

const mark = (name: string): void => {
  if (performance.getEntriesByName(`tabchain:${name}`, 'mark').length === 0)
    performance.mark(`tabchain:${name}`)
}

mark('script')

const handed = new Promise<string>((resolve) => {
  window.floorHand = resolve
})

async function run(): Promise<void> {
  const peer = new URL(location.href).searchParams.get('peer')
  const relayInfo = (await (await fetch('/api/relay')).json()) as { multiaddrs: string[] }
  const node = await createLibp2p({
    addresses: { listen: peer === null ? ['/p2p-circuit', '/webrtc'] : ['/webrtc'] },
    transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers: [] } }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The browser's default gater refuses ws:// and loopback addresses, which the local relay has.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
  mark('libp2p-started')
  node.addEventListener('connection:open', ({ detail: conn }) => {
    if (conn.limits === undefined && conn.remoteAddr.toString().includes('/webrtc')) mark('direct-link')
    else if (conn.limits !== undefined) mark(`relayed-link-${conn.direction}`)
  })
  await node.dial(relayInfo.multiaddrs.map((a) => multiaddr(a)))
  mark('relay-connected')
  if (peer === null) {
    // The circuit listener reports the reservation at once (`self:peer:update` comes a debounced
    // second later), as the app reads it.
    node.addEventListener('transport:listening', () => {
      const address = node.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit/webrtc'))
      if (address === undefined || window.floorAddress !== undefined) return
      mark('reservation')
      window.floorAddress = address.toString()
    })
  } else {
    const address = peer === 'handed' ? await handed : peer
    mark('dial')
    // The WebRTC dial's steps as marks, named as the app's are: the bench compares the two timelines.
    await node.dial(multiaddr(address), {
      onProgress: (evt) => {
        if (evt.type.startsWith('webrtc:')) mark(evt.type)
      },
    })
  }
}

// As the app's entry does (src/main.ts): run after the module's evaluation, so that the first request's
// initiator stack, which Playwright's DevTools session records, does not make V8 parse the whole chunk
// again for source positions — a cost of measuring that neither page should carry.
queueMicrotask(() => {
  run().catch((err: unknown) => console.error('floor page failed', err))
})
