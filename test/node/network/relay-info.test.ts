import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { NetError } from '../../../src/node/network/errors'
import { fetchRelayInfo } from '../../../src/node/network/host'

/**
 * Asking the server where its relay listens, against a real HTTP server on 127.0.0.1 (Node's fetch): a
 * server that takes the request and never answers must not hold the attempt, and with it every retry
 * after it, forever.
 */
let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((done) => server?.close(done) ?? done(undefined))
  server = undefined
})

/** A server on a free local port that handles each request with `handle`; resolves to its /api/relay URL. */
async function serve(handle: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handle)
  server = s
  await new Promise<void>((listening) => s.listen(0, '127.0.0.1', listening))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/api/relay`
}

const RELAY = {
  multiaddrs: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWQXvD82ReNpYLqNPcG1GVXJBekKLvBFzdhnMRQUAqCdon'],
  peerId: '12D3KooWQXvD82ReNpYLqNPcG1GVXJBekKLvBFzdhnMRQUAqCdon',
}

describe('fetchRelayInfo against a real server', () => {
  test('an answer gives the relay’s address and peer id', async () => {
    const url = await serve((_req, res) => res.end(JSON.stringify(RELAY)))
    await expect(fetchRelayInfo(url, 5_000)).resolves.toMatchObject(RELAY)
  })

  test('a server that never answers is given up after the timeout, as no answer', async () => {
    const url = await serve(() => {})
    const started = Date.now()
    const err = await fetchRelayInfo(url, 300).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetError)
    expect((err as NetError).type).toEqual({ code: 'NET_RELAY_SILENT', reason: 'no answer within 0.3 s' })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  test('a server that sends its headers and then stalls the body is given up too, as no answer', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"multiaddrs":')
    })
    const err = await fetchRelayInfo(url, 300).catch((e: unknown) => e)
    expect((err as NetError).type).toEqual({ code: 'NET_RELAY_SILENT', reason: 'no answer within 0.3 s' })
  })
})
