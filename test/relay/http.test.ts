import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../relay/config'
import { clientKey, type HttpLimits, httpLimits, startHttp } from '../../relay/http'
import { type Relay, startRelay } from '../../relay/relay'

/** The relay's HTTP side: its API, and what one client may take of it. */

let dir: string
let relay: Relay
const CHAIN = '{"name":"test chain"}'
/** The default request burst (`--http-burst`). */
const BURST = parseConfig([], {}).httpBurst

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabchain-http-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tabchain</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {}\n')
  relay = await startRelay(parseConfig(['--ws-port', '0'], {}))
})

afterAll(async () => {
  await relay.stop()
  rmSync(dir, { recursive: true, force: true })
})

interface Served {
  readonly port: number
  /** The server's clock, in ms: frozen unless a test moves it. */
  now: number
}

/** Runs `use` against an HTTP side of the relay on a free port, with `limits` over the config's. */
async function serving(
  opts: { limits?: Partial<HttpLimits>; argv?: readonly string[] },
  use: (s: Served) => Promise<void>,
): Promise<void> {
  const config = parseConfig(['--port', '0', '--static', dir, ...(opts.argv ?? [])], {})
  const served: { port: number; now: number } = { port: 0, now: 1_000_000 }
  const server: Server = await startHttp({
    config,
    relay,
    chainBody: CHAIN,
    limits: { ...httpLimits(config), ...opts.limits },
    now: () => served.now,
  })
  served.port = (server.address() as AddressInfo).port
  try {
    await use(served)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** One GET from `from` (a loopback address: each is another client). */
function get(
  port: number,
  path: string,
  opts: { from?: string; headers?: Record<string, string>; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        localAddress: opts.from ?? '127.0.0.1',
        headers: opts.headers ?? {},
        ...(opts.agent === undefined ? {} : { agent: opts.agent }),
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          body += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** `count` GETs of `paths` (in turn) from one client, over a few kept-alive connections; their statuses. */
async function flood(port: number, paths: readonly string[], count: number, from = '127.0.0.1') {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 })
  try {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) => get(port, paths[i % paths.length] ?? '/', { from, agent })),
    )
    return answers
  } finally {
    agent.destroy()
  }
}

/** A raw socket from `from`, and a promise of its close. */
function socketFrom(port: number, from: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from })
    const closed = new Promise<void>((r) => socket.on('close', () => r()))
    socket.on('error', () => {})
    socket.once('connect', () => resolve({ socket, closed }))
    socket.once('error', reject)
  })
}

describe('api', () => {
  test('/api/relay says where the relay listens; /api/chain is the genesis; other paths are the app', async () => {
    await serving({}, async ({ port }) => {
      const info = await get(port, '/api/relay')
      expect(info.status).toBe(200)
      expect(info.headers['cache-control']).toBe('no-store')
      const body = JSON.parse(info.body) as { multiaddrs: string[]; peerId: string; peers: string[] }
      expect(body.peerId).toBe(relay.peerId.toString())
      expect(body.multiaddrs).toEqual(relay.getMultiaddrs().map(String))
      expect(body.peers).toEqual([])
      expect((await get(port, '/api/chain')).body).toBe(CHAIN)
      expect((await get(port, '/market')).body).toContain('<title>Tabchain</title>')
    })
  })
})

describe('per-client limits', () => {
  test('a client flooding the relay is refused past its budget with a 429 and Retry-After; others are served', async () => {
    await serving({}, async (s) => {
      const over = 200
      const answers = await flood(s.port, ['/api/relay', '/', '/assets/index-abc.js'], BURST + over)
      const refused = answers.filter((a) => a.status === 429)
      expect(answers.filter((a) => a.status === 200)).toHaveLength(BURST)
      expect(refused).toHaveLength(over)
      for (const a of refused) {
        expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1)
        expect(a.headers['cache-control']).toBe('no-store')
      }
      // Another client is served meanwhile, and the flooder again once its budget refills.
      expect((await get(s.port, '/api/relay', { from: '127.0.0.2' })).status).toBe(200)
      s.now += 1_000
      expect((await get(s.port, '/api/relay')).status).toBe(200)
    })
  })

  test('--http-burst and --http-rate set the budget: a client is served that many at once, then refused, and earns them back at that rate', async () => {
    await serving({ argv: ['--http-burst', '3', '--http-rate', '0.5'] }, async (s) => {
      const answers = await flood(s.port, ['/api/relay'], 5)
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 429, 429])
      // Half a request a second: one more after 2 s, not after 1 s.
      s.now += 1_000
      expect((await get(s.port, '/api/relay')).status).toBe(429)
      s.now += 1_000
      expect((await get(s.port, '/api/relay')).status).toBe(200)
    })
  })

  test("a household's page loads at once are all served: twenty fresh tabs, each with its assets, precache and API calls", async () => {
    await serving({}, async ({ port }) => {
      // One fresh load: the page, ~18 files it loads, the service worker and its precache of ~22, two API calls.
      const load = [
        '/',
        ...Array.from({ length: 18 }, () => '/assets/index-abc.js'),
        '/sw.js',
        ...Array.from({ length: 22 }, () => '/assets/index-abc.js'),
        '/api/relay',
        '/api/chain',
      ]
      const answers = await flood(port, load, load.length * 20)
      expect(answers.filter((a) => a.status === 429)).toHaveLength(0)
    })
  })

  test('behind a trusted proxy each forwarded client has its own budget; a forwarded address from anyone else is ignored', async () => {
    await serving({ limits: { burst: 2 }, argv: ['--trusted-proxy', '127.0.0.1'] }, async ({ port }) => {
      const as = (client: string, from = '127.0.0.1') =>
        get(port, '/api/chain', { from, headers: { 'x-forwarded-for': client } }).then((a) => a.status)
      expect([await as('203.0.113.7'), await as('203.0.113.7'), await as('203.0.113.7')]).toEqual([
        200, 200, 429,
      ])
      // The proxy appends the address it saw: what the client wrote before it is not believed.
      expect(await as('203.0.113.7, 203.0.113.8')).toBe(200)
      expect(await as('203.0.113.9, 203.0.113.7')).toBe(429)
      // A client that is not the proxy cannot buy a new budget by naming another address.
      expect([
        await as('1.1.1.1', '127.0.0.2'),
        await as('1.1.1.2', '127.0.0.2'),
        await as('1.1.1.3', '127.0.0.2'),
      ]).toEqual([200, 200, 429])
    })
  })

  test('one address holding its share of connections open gets no more; other addresses still connect and are served', async () => {
    await serving({ limits: { connectionsPerClient: 4 } }, async ({ port }) => {
      const held = await Promise.all(Array.from({ length: 4 }, () => socketFrom(port, '127.0.0.3')))
      const extra = await socketFrom(port, '127.0.0.3')
      await extra.closed
      expect((await get(port, '/api/relay', { from: '127.0.0.4' })).status).toBe(200)
      for (const h of held) h.socket.destroy()
      await Promise.all(held.map((h) => h.closed))
      // Its connections closed (once the server has seen them go), the address connects again.
      await expect
        .poll(() => get(port, '/api/relay', { from: '127.0.0.3' }).then((a) => a.status, String))
        .toBe(200)
    })
  })

  test('a client sending its request slowly is cut off once its time is up', async () => {
    await serving({ limits: { requestTimeoutMs: 400 } }, async ({ port }) => {
      const { socket, closed } = await socketFrom(port, '127.0.0.5')
      let answer = ''
      socket.on('data', (d: Buffer) => {
        answer += d.toString()
      })
      const trickle = setInterval(() => socket.write('x-slow: 1\r\n'), 100)
      socket.write('GET / HTTP/1.1\r\nhost: x\r\n')
      const started = Date.now()
      await closed
      clearInterval(trickle)
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
    })
  })

  test('a huge URL is refused before it is routed, and the relay goes on serving', async () => {
    await serving({}, async ({ port }) => {
      expect((await get(port, `/api/relay?${'a'.repeat(64 * 1024)}`)).status).toBe(431)
      expect((await get(port, '/api/relay')).status).toBe(200)
    })
  })
})

describe('clientKey', () => {
  test('an IPv4 address is its own client, also written IPv4-mapped; IPv6 addresses share a /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7')
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee'))
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'))
    expect(clientKey('2001:db8::1')).toBe(clientKey('2001:db8:0:0:ffff::'))
    expect(clientKey('::1')).toBe(clientKey('0:0:0:0:0:0:0:1'))
    expect(clientKey('fe80::1%eth0')).toBe(clientKey('fe80::2'))
  })
})
