import { createServer, type Server } from 'node:http'
import type { RelayConfig } from './config'
import { presentTabs, type Relay } from './relay'
import { serveStatic } from './static'

/** What the relay's HTTP side serves: the relay's addresses and tabs, the chain, and the built app. */
export interface RelayHttpInit {
  readonly config: RelayConfig
  readonly relay: Relay
  /** The genesis as JSON: `/api/chain`'s body. */
  readonly chainBody: string
}

/** The relay's dialable addresses as the page at `hostname` should see them. */
function relayAddresses(listen: readonly string[], config: RelayConfig, hostname: string): string[] {
  const announced = config.announce.filter((a) => a.startsWith('/'))
  if (announced.length > 0) return announced
  // Bound to every interface: hand the page the name it reached us by.
  if (config.host === '0.0.0.0') {
    const proto = /^[\d.]+$/.test(hostname) ? 'ip4' : 'dns4'
    return listen.map((a) => a.replace(/^\/ip4\/0\.0\.0\.0\//, `/${proto}/${hostname}/`))
  }
  return [...listen]
}

/**
 * Starts the HTTP server on `config.host`:`config.httpPort` (0: any free port): `/api/relay` (where
 * the relay listens and which tabs are there), `/api/chain` (the genesis) and the built app.
 */
export async function startHttp({ config, relay, chainBody }: RelayHttpInit): Promise<Server> {
  const listen = relay.getMultiaddrs().map((ma) => ma.toString())
  const files = serveStatic(config.staticDir)
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/api/relay') {
      const hostname = (req.headers.host ?? config.host).replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
      const body = JSON.stringify({
        multiaddrs: relayAddresses(listen, config, hostname),
        peerId: relay.peerId.toString(),
        // Who is here now: a joining tab dials them as soon as its relay connection is up, instead of
        // asking over it first (the relay-peers protocol, a round trip later).
        peers: presentTabs(relay),
      })
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body)
      return
    }
    if (path === '/api/chain') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(chainBody)
      return
    }
    files(req, res).catch((err: unknown) => {
      console.error('static server error', err)
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.httpPort, config.host, resolve)
  })
  return http
}
