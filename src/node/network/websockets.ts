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
 * has closed it already; an abort left it open. And drops what is sent on it once it is closing
 * (`dropSendsWhileClosing`).
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
  dropSendsWhileClosing(maConn as unknown as SocketSender, socket)
}

/** What `@libp2p/websockets` sends through: its connection's `sendData` (not in the exported types). */
export interface SocketSender {
  sendData(data: { readonly byteLength: number }): { sentBytes: number; canSendMore: boolean }
}

/** The part of a WebSocket `dropSendsWhileClosing` reads. */
export type SocketState = Pick<WebSocket, 'readyState' | 'CLOSING' | 'CLOSED' | 'url'> &
  Pick<EventTarget, 'addEventListener'>

/**
 * Makes `conn`'s sends on `socket` once it is closing or closed take the data as sent, and drop it, as
 * the browser does — which logs "WebSocket is already in CLOSING or CLOSED state" for each one. Chrome
 * closes a page's WebSockets as it freezes it ("failed: Page entered Back-Forward Cache"), and the woken
 * tab's libp2p, not yet told, wrote to its relay socket whatever its timers held (pings, gossip): 18
 * console errors after a 40 s freeze, ≈ 50 after minutes. The socket's `close` still ends the link, as
 * before, and the host links to the relay again; the sends dropped are told once, then.
 */
export function dropSendsWhileClosing(conn: SocketSender, socket: SocketState): void {
  const send = conn.sendData.bind(conn)
  let dropped = 0
  conn.sendData = (data) => {
    if (socket.readyState !== socket.CLOSING && socket.readyState !== socket.CLOSED) return send(data)
    dropped++
    return { sentBytes: data.byteLength, canSendMore: true }
  }
  socket.addEventListener(
    'close',
    () => {
      if (dropped > 0)
        console.info(`dropped ${dropped} sends to ${socket.url} made while its WebSocket was closing`)
    },
    { once: true },
  )
}
