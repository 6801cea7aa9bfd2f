import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { genesisToJson } from '../src/node/chain/genesis'
import { ConfigError, loadGenesis, parseConfig, usage, wantsHelp } from './config'
import { startHttp } from './http'
import { startRelay, survivePeerWebSocketErrors } from './relay'

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
  const http = await startHttp({ config, relay, chainBody })
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
