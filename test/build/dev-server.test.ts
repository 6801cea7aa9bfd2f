import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )

describe('npm run dev (vite.config.ts): the page reaches the relay `npm run relay` runs', () => {
  // Stands in for the relay's HTTP side on the port TABCHAIN_PORT names.
  const relay = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }))
  })
  let dev: ViteDevServer
  let base = ''

  beforeAll(async () => {
    const before = process.env.TABCHAIN_PORT
    process.env.TABCHAIN_PORT = String(await listen(relay))
    try {
      dev = await createServer({
        configFile: 'vite.config.ts',
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        optimizeDeps: { noDiscovery: true, include: [] },
      })
    } finally {
      if (before === undefined) delete process.env.TABCHAIN_PORT
      else process.env.TABCHAIN_PORT = before
    }
    await dev.listen()
    base = dev.resolvedUrls?.local[0] ?? ''
  })

  afterAll(async () => {
    await dev?.close()
    relay.close()
  })

  test.each(['/api/relay', '/api/chain'])(
    '%s is answered by the relay, not by the app shell',
    async (path) => {
      const res = await fetch(new URL(path, base))
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(await res.json()).toEqual({ path })
    },
  )
})
