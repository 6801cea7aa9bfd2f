import type { Connection, MultiaddrConnection, Transport, Upgrader } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'

/** What libp2p hands a transport factory (the WebSockets transport's components). */
type WebSocketsComponents = Parameters<ReturnType<typeof webSockets>>[0]

/**
 * libp2p's WebSockets transport (the tab's link to the relay), whose links close their socket when libp2p
 * drops them. `@libp2p/websockets` drops a link (a ping unanswered, a failed upgrade, the node stopping
 * and a graceful close timing out) by closing its WebSocket with code 1006, which the WebSocket API
 * refuses (InvalidAccessError: 1006 is only ever reported, never sent; `ws` refuses it too) and libp2p
 * swallows the error: the socket stayed open, and the relay held the dropped link — and the tab's
 * reservation, and dials to the tab through it — until its own pings gave up, 15 s or more later.
 */
export function closingWebSockets(): (components: WebSocketsComponents) => Transport {
  return (components) => {
    const transport = webSockets()(components)
    const dial = transport.dial.bind(transport)
    transport.dial = (ma, options) => dial(ma, { ...options, upgrader: closingUpgrader(options.upgrader) })
    return transport
  }
}

/** `upgrader`, but each connection it upgrades closes its WebSocket when the connection ends. */
function closingUpgrader(upgrader: Upgrader): Upgrader {
  const upgradeOutbound = (maConn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeOutbound']>[1]) => {
    closeSocketWith(maConn)
    return upgrader.upgradeOutbound(maConn, opts) as Promise<Connection>
  }
  return {
    upgradeOutbound,
    upgradeInbound: upgrader.upgradeInbound.bind(upgrader),
    createInboundAbortSignal: upgrader.createInboundAbortSignal.bind(upgrader),
    getStreamMuxers: upgrader.getStreamMuxers.bind(upgrader),
    getConnectionEncrypters: upgrader.getConnectionEncrypters.bind(upgrader),
  }
}

/**
 * Once `maConn` ends, closes the WebSocket under it (kept in its `websocket` field, which the package does
 * not export) with a normal close (1000) if it is still open. A graceful close or a close from the relay
 * has closed it already; an abort left it open.
 */
function closeSocketWith(maConn: MultiaddrConnection): void {
  const socket: unknown = (maConn as { websocket?: unknown }).websocket
  if (!(socket instanceof WebSocket)) return
  maConn.addEventListener(
    'close',
    () => {
      if (socket.readyState === socket.CONNECTING || socket.readyState === socket.OPEN) socket.close(1000)
    },
    { once: true },
  )
}
