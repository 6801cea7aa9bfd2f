import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/** Types worth compressing (text, and WebAssembly); images are compressed already. */
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.webmanifest',
  '.svg',
  '.txt',
  '.wasm',
])
/** Smaller files go as they are: the encoding would cost more than it saves. */
const MIN_COMPRESS_BYTES = 1024

type Encoding = 'br' | 'gzip'

const ENCODERS: Record<Encoding, (data: Buffer) => Promise<Buffer>> = {
  // Quality 9: the app's 760 KB entry chunk becomes 167 KB in ~0.2 s, once (11 takes 2.5 s for 9 % less).
  br: (data) =>
    promisify(brotliCompress)(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }),
  gzip: (data) => promisify(gzip)(data, { level: 9 }),
}

/**
 * The encoding to send for an Accept-Encoding header: brotli, else gzip, when the client takes it
 * (a coding listed with q=0 is refused); null for the file as it is.
 */
export function negotiateEncoding(accept: string | undefined): Encoding | null {
  const taken = new Set<string>()
  for (const part of (accept ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue
    taken.add(name.trim())
  }
  if (taken.has('br')) return 'br'
  if (taken.has('gzip')) return 'gzip'
  return null
}

/**
 * Serves the built app from `root`. Paths that are not files fall back to index.html so client routes
 * (/network, /explorer/block/1) load the app; hashed assets are cached for a year, the HTML, the
 * service worker and the manifest never (so updates are seen).
 */
export function serveStatic(root: string, extraHeaders: Readonly<Record<string, string>> = {}) {
  // Absolute, so that containment is a plain prefix test: normalised as given, '' became '/' (every
  // file of the machine passed) and '.' became './', which no file under it starts with once joined.
  const dir = resolve(root)
  const base = join(dir, sep)
  /**
   * Each file's encodings, made on first request and kept while the file is unchanged (same size and
   * modification time); at most one per file and encoding, so memory is bounded by what `root` holds.
   */
  const encoded = new Map<string, { readonly version: string; readonly body: Promise<Buffer> }>()
  const encodedBody = (file: string, version: string, encoding: Encoding): Promise<Buffer> => {
    const key = `${encoding}:${file}`
    const known = encoded.get(key)
    if (known?.version === version) return known.body
    const body = readFile(file).then(ENCODERS[encoding])
    encoded.set(key, { version, body })
    // A failed read (the file went away) is not kept: the next request tries again.
    body.catch(() => {
      if (encoded.get(key)?.body === body) encoded.delete(key)
    })
    return body
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400).end('bad request')
      return
    }
    const file = resolve(base, `.${pathname}`)
    if (file !== dir && !file.startsWith(base)) {
      res.writeHead(403).end('forbidden')
      return
    }
    const found = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    )
    // Unknown paths with a file extension are real 404s; others are client routes.
    if (!found && extname(pathname) !== '') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const target = found ? file : join(base, 'index.html')
    const info = await stat(target).catch(() => null)
    if (info === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const type = TYPES[extname(target)] ?? 'application/octet-stream'
    // Within the served folder only: a folder served from under some other assets/ is not hashed.
    const immutable = `${sep}${relative(dir, target)}`.includes(`${sep}assets${sep}`)
    const compressible = COMPRESSIBLE.has(extname(target)) && info.size >= MIN_COMPRESS_BYTES
    const encoding = compressible ? negotiateEncoding(req.headers['accept-encoding']) : null
    const body =
      encoding === null
        ? null
        : await encodedBody(target, `${info.size}:${info.mtimeMs}`, encoding).catch(() => null)
    res.writeHead(200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      // No other site may frame the app (its approval dialogs would be one click away from a page
      // laid over them); a <meta> policy cannot say this, so the header does.
      'content-security-policy': "frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      ...(compressible ? { vary: 'accept-encoding' } : {}),
      ...(body === null || encoding === null
        ? { 'content-length': String(info.size) }
        : { 'content-encoding': encoding, 'content-length': String(body.length) }),
      ...extraHeaders,
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    if (body !== null) {
      res.end(body)
      return
    }
    createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res)
  }
}
