import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { genesisToJson } from '../src/node/chain/genesis'
import { ConfigError, loadGenesis, parseConfig, type RelayConfig, usage, wantsHelp } from './config'
import { presentTabs, startRelay, survivePeerWebSocketErrors } from './relay'
import { serveStatic } from './static'

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

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (wantsHelp(argv)) {
    console.log(usage())
    return
  }
  const config = parseConfig(argv, process.env)
  const genesis = loadGenesis(config.genesisFile)
  const chainBody = genesisToJson(genesis)
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    console.warn(
      `warning: ${config.staticDir}/index.html not found — run "npm run build" first; serving the relay API only`,
    )
  }
  survivePeerWebSocketErrors()
  const relay = await startRelay(config)
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
  const address = http.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host
  console.log(`Tabchain relay ${relay.peerId.toString()}`)
  for (const a of listen) console.log(`  libp2p  ${a}`)
  console.log(`  chain   ${genesis.name} (chain id ${genesis.params.chainId})`)
  console.log(`\n  Open http://${shownHost}:${port}/ in two tabs (or two browsers) to see them peer.\n`)

  const stop = async (): Promise<void> => {
    http.close()
    await relay.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `error: ${err.message}` : err)
  process.exit(1)
})
