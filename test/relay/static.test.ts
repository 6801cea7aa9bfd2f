import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { negotiateEncoding, serveStatic } from '../../relay/static'

/** The app's files as the relay serves them: routes, cache headers, refusals, and compression. */

let dir: string
let server: Server
let port: number
const SCRIPT = `export const chunk = ${JSON.stringify('tabchain '.repeat(2_000))}\n`
const PNG = Buffer.alloc(4_096, 7)

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
}

/** One raw request (no transparent decompression): what the server sent, byte for byte. */
function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  at: number = port,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: at, path, method, headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabchain-static-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tabchain</title>')
  writeFileSync(join(dir, 'sw.js'), `// service worker\n${'self.x = 1\n'.repeat(200)}`)
  const assets = join(dir, 'assets')
  mkdirSync(assets)
  writeFileSync(join(assets, 'index-abc.js'), SCRIPT)
  writeFileSync(join(assets, 'icon.png'), PNG)
  const files = serveStatic(dir)
  server = createServer((req, res) => void files(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('framing', () => {
  test('no site may frame the app: the page and its files say so', async () => {
    for (const path of ['/', '/market', '/assets/index-abc.js', '/sw.js']) {
      const r = await get(path)
      expect(r.status, path).toBe(200)
      expect(r.headers['content-security-policy'], path).toBe("frame-ancestors 'none'")
      expect(r.headers['x-frame-options'], path).toBe('DENY')
    }
  })
})

describe('compression', () => {
  test('a script goes as brotli to a client that takes it, the same bytes once decoded', async () => {
    const r = await get('/assets/index-abc.js', { 'accept-encoding': 'gzip, deflate, br' })
    expect(r.status).toBe(200)
    expect(r.headers['content-encoding']).toBe('br')
    expect(r.headers.vary).toBe('accept-encoding')
    expect(Number(r.headers['content-length'])).toBe(r.body.length)
    expect(r.body.length).toBeLessThan(SCRIPT.length / 10)
    expect(brotliDecompressSync(r.body).toString()).toBe(SCRIPT)
    expect(r.headers['cache-control']).toContain('immutable')
  })

  test('gzip to a client without brotli, or that refuses it with q=0', async () => {
    for (const accept of ['gzip, deflate', 'br;q=0, gzip;q=0.5']) {
      const r = await get('/assets/index-abc.js', { 'accept-encoding': accept })
      expect(r.headers['content-encoding']).toBe('gzip')
      expect(gunzipSync(r.body).toString()).toBe(SCRIPT)
    }
  })

  test('the file as it is to a client that takes no encoding', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0' }]) {
      const r = await get('/assets/index-abc.js', headers)
      expect(r.headers['content-encoding']).toBeUndefined()
      expect(r.headers.vary).toBe('accept-encoding')
      expect(r.body.toString()).toBe(SCRIPT)
      expect(Number(r.headers['content-length'])).toBe(SCRIPT.length)
    }
  })

  test('images and small files are sent as they are', async () => {
    const png = await get('/assets/icon.png', { 'accept-encoding': 'br, gzip' })
    expect(png.headers['content-encoding']).toBeUndefined()
    expect(png.headers.vary).toBeUndefined()
    expect(png.body.equals(PNG)).toBe(true)
    const html = await get('/', { 'accept-encoding': 'br, gzip' })
    expect(html.headers['content-encoding']).toBeUndefined()
    expect(html.body.toString()).toContain('<title>Tabchain</title>')
  })

  test('a file changed on disk is encoded again, not served from the old encoding', async () => {
    const path = join(dir, 'sw.js')
    const first = await get('/sw.js', { 'accept-encoding': 'br' })
    expect(brotliDecompressSync(first.body).toString()).toContain('self.x = 1')
    const next = `// service worker, new build\n${'self.y = 2\n'.repeat(300)}`
    writeFileSync(path, next)
    utimesSync(path, new Date(), new Date(Date.now() + 5_000))
    const second = await get('/sw.js', { 'accept-encoding': 'br' })
    expect(brotliDecompressSync(second.body).toString()).toBe(next)
    expect(second.headers['cache-control']).toBe('no-cache')
  })

  test('HEAD says the encoding and length without a body', async () => {
    const full = await get('/assets/index-abc.js', { 'accept-encoding': 'gzip' })
    const head = await get('/assets/index-abc.js', { 'accept-encoding': 'gzip' }, 'HEAD')
    expect(head.headers['content-encoding']).toBe('gzip')
    expect(head.headers['content-length']).toBe(full.headers['content-length'])
    expect(head.body.length).toBe(0)
  })
})

describe('routes and refusals', () => {
  test('a client route loads the app; an unknown file is a 404', async () => {
    const route = await get('/explorer/block/1')
    expect(route.status).toBe(200)
    expect(route.body.toString()).toContain('<title>Tabchain</title>')
    expect((await get('/assets/missing.js')).status).toBe(404)
  })

  test('a path out of the served folder is forbidden, a bad escape a 400, a POST a 405', async () => {
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(403)
    expect((await get('/%E0%A4%A')).status).toBe(400)
    expect((await get('/', {}, 'POST')).status).toBe(405)
  })
})

describe('the served folder', () => {
  /** Serves `root` on a server of its own while `use` runs. */
  async function serving(root: string, use: (at: number) => Promise<void>): Promise<void> {
    const files = serveStatic(root)
    const own = createServer((req, res) => void files(req, res))
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve))
    try {
      await use((own.address() as AddressInfo).port)
    } finally {
      await new Promise((resolve) => own.close(resolve))
    }
  }

  test('the folder "" is the current one: a file elsewhere is not found by its absolute path', async () => {
    const secret = mkdtempSync(join(tmpdir(), 'tabchain-secret-'))
    const file = join(secret, 'secret.txt')
    writeFileSync(file, 'private key material')
    try {
      await serving('', async (at) => {
        const r = await get(file, {}, 'GET', at)
        expect(r.status).toBe(404)
        expect(r.body.toString()).not.toContain('private key material')
      })
    } finally {
      rmSync(secret, { recursive: true, force: true })
    }
  })

  test('a folder served from under an assets/ folder still has its page and service worker revalidated', async () => {
    const top = mkdtempSync(join(tmpdir(), 'tabchain-static-root-'))
    const root = join(top, 'assets', 'tabchain')
    mkdirSync(join(root, 'assets'), { recursive: true })
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tabchain</title>')
    writeFileSync(join(root, 'sw.js'), '// service worker\n')
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {}\n')
    try {
      await serving(root, async (at) => {
        for (const path of ['/', '/index.html', '/market', '/sw.js']) {
          const r = await get(path, {}, 'GET', at)
          expect(r.status, path).toBe(200)
          expect(r.headers['cache-control'], path).toBe('no-cache')
        }
        expect((await get('/assets/index-abc.js', {}, 'GET', at)).headers['cache-control']).toContain(
          'immutable',
        )
      })
    } finally {
      rmSync(top, { recursive: true, force: true })
    }
  })

  test('the folder "." serves its files and still forbids a path out of it', async () => {
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      await serving('.', async (at) => {
        for (const path of ['/', '/index.html', '/sw.js', '/assets/index-abc.js'])
          expect((await get(path, {}, 'GET', at)).status, path).toBe(200)
        expect((await get('/..%2f..%2fetc%2fpasswd', {}, 'GET', at)).status).toBe(403)
      })
    } finally {
      process.chdir(cwd)
    }
  })
})

describe('negotiateEncoding', () => {
  test('prefers brotli, then gzip; honours q=0; nothing without a header', () => {
    expect(negotiateEncoding('gzip, deflate, br, zstd')).toBe('br')
    expect(negotiateEncoding('gzip')).toBe('gzip')
    expect(negotiateEncoding('BR;Q=0, GZIP')).toBe('gzip')
    expect(negotiateEncoding('gzip;q=0.000, deflate')).toBeNull()
    expect(negotiateEncoding('*')).toBeNull()
    expect(negotiateEncoding('')).toBeNull()
    expect(negotiateEncoding(undefined)).toBeNull()
  })
})
