import { createServer, type IncomingMessage, type Server } from 'node:http'
import { RateLimiter } from '../src/node/sync/rate-limiter'
import type { RelayConfig } from './config'
import { presentTabs, type Relay } from './relay'
import { serveStatic } from './static'

/** What one client (an IPv4 address, an IPv6 /64) may take of the HTTP side. */
export interface HttpLimits {
  /** Requests a client may make at once (the token bucket's size). */
  readonly burst: number
  /** Requests a client earns back per second. */
  readonly perSecond: number
  /** Connections a client may hold open at once (a trusted proxy's are not counted). */
  readonly connectionsPerClient: number
  /** How long a client has to send its whole request (our routes take no body), in ms; then 408. */
  readonly requestTimeoutMs: number
}

/**
 * The limits `config` sets (`--http-burst`, `--http-rate`, `--http-connections`, `--http-timeout`; the
 * defaults' reasons are in config.ts). One bucket counts every request, file or API.
 */
export function httpLimits(config: RelayConfig): HttpLimits {
  return {
    burst: config.httpBurst,
    perSecond: config.httpPerSecond,
    connectionsPerClient: config.httpConnections,
    requestTimeoutMs: config.httpTimeoutMs,
  }
}

/** What the relay's HTTP side serves: the relay's addresses and tabs, the chain, and the built app. */
export interface RelayHttpInit {
  readonly config: RelayConfig
  readonly relay: Relay
  /** The genesis as JSON: `/api/chain`'s body. */
  readonly chainBody: string
  /** The config's (`httpLimits`) unless set. */
  readonly limits?: HttpLimits
  /** The clock the request budgets run on, in ms. */
  readonly now?: () => number
}

/** Eight hex groups for an IPv6 address's dotted IPv4 tail (`::ffff:1.2.3.4`'s last two). */
function ipv4Groups(dotted: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number)
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
}

/**
 * An address in one spelling: IPv4-mapped IPv6 (a dual-stack socket's) as IPv4; IPv6 as its eight
 * groups, lower case, without leading zeros or a zone. Anything else as it is.
 */
function canonicalAddress(address: string): string {
  const bare = address.split('%')[0] ?? ''
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (mapped?.[1] !== undefined) return mapped[1]
  if (!bare.includes(':')) return bare
  const groups = (part: string): string[] =>
    part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g]))
  const [head = '', tail] = bare.split('::')
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return all.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')
}

/**
 * Whose budget a request from `address` spends: an IPv4 address's own, or its IPv6 /64's (every
 * IPv6 host is handed a /64 and may use any address in it).
 */
export function clientKey(address: string): string {
  const canonical = canonicalAddress(address)
  return canonical.includes(':') ? `${canonical.split(':').slice(0, 4).join(':')}::/64` : canonical
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
export async function startHttp({
  config,
  relay,
  chainBody,
  limits = httpLimits(config),
  now = Date.now,
}: RelayHttpInit): Promise<Server> {
  const listen = relay.getMultiaddrs().map((ma) => ma.toString())
  const files = serveStatic(config.staticDir)
  const trusted = new Set(config.trustedProxies.map(canonicalAddress))
  const isTrusted = (address: string | undefined): boolean =>
    address !== undefined && trusted.has(canonicalAddress(address))
  /**
   * The client a request comes from: its peer's address, or, from a trusted proxy, the last address
   * in X-Forwarded-For that is not a trusted proxy too (each proxy appends the one it saw; what a
   * client wrote before that is not believed).
   */
  const clientOf = (req: IncomingMessage): string => {
    const peer = req.socket.remoteAddress ?? ''
    if (!isTrusted(peer)) return clientKey(peer)
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)
    let client = peer
    while (isTrusted(client) && forwarded.length > 0) client = forwarded.pop() ?? client
    return clientKey(client)
  }
  const requests = new RateLimiter({ burst: limits.burst, perSecond: limits.perSecond })
  const http = createServer(
    {
      // Explicit, whatever --max-http-header-size says: a longer request line and headers (a huge
      // URL) is answered 431 before it is routed.
      maxHeaderSize: 16 * 1024,
      // How often Node looks for requests past their time (its default, 30 s, would let a slow
      // client hold its connection half a minute longer).
      connectionsCheckingInterval: limits.requestTimeoutMs / 4,
    },
    (req, res) => {
      const waitMs = requests.take(clientOf(req), now())
      if (waitMs > 0) {
        res
          .writeHead(429, {
            'content-type': 'text/plain',
            'cache-control': 'no-store',
            'retry-after': String(Math.ceil(waitMs / 1000)),
          })
          .end('too many requests')
        return
      }
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
    },
  )
  // Node's defaults give a client 60 s for its headers and 300 s for its request: slowloris room.
  http.headersTimeout = limits.requestTimeoutMs
  http.requestTimeout = limits.requestTimeoutMs
  const open = new Map<string, number>()
  http.on('connection', (socket) => {
    const peer = socket.remoteAddress
    if (peer === undefined || isTrusted(peer)) return
    const key = clientKey(peer)
    const count = (open.get(key) ?? 0) + 1
    if (count > limits.connectionsPerClient) {
      socket.destroy()
      return
    }
    open.set(key, count)
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1
      if (left > 0) open.set(key, left)
      else open.delete(key)
    })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.httpPort, config.host, resolve)
  })
  return http
}
