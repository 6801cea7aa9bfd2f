import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

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

/**
 * Serves the built app from `root`. Paths that are not files fall back to index.html so client routes
 * (/network, /explorer/block/1) load the app; hashed assets are cached for a year, the HTML, the
 * service worker and the manifest never (so updates are seen).
 */
export function serveStatic(root: string, extraHeaders: Readonly<Record<string, string>> = {}) {
  const base = normalize(root + sep)
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
    const file = normalize(join(base, pathname))
    if (!file.startsWith(base)) {
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
    const type = TYPES[extname(target)] ?? 'application/octet-stream'
    const immutable = target.includes(`${sep}assets${sep}`)
    res.writeHead(200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...extraHeaders,
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res)
  }
}
