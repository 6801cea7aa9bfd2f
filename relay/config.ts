import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { devnetGenesis, validateGenesis } from '../src/node/chain/genesis'
import type { Genesis } from '../src/node/chain/types'

/** Settings of the relay + static server, from flags (`--port 8080`) or env (`TABCHAIN_PORT=8080`). */
export interface RelayConfig {
  /** Interface both listeners bind to. Default 127.0.0.1 (reachable from this machine only). */
  readonly host: string
  /** HTTP port serving the app and /api/relay. 0 = any free port. */
  readonly httpPort: number
  /** libp2p WebSockets port. 0 = any free port. */
  readonly wsPort: number
  /** Address browsers should dial instead of the bound one (e.g. a public DNS name behind a proxy). */
  readonly announce: readonly string[]
  /** Folder of the built app. */
  readonly staticDir: string
  /**
   * Addresses of reverse proxies in front of the HTTP port (a TLS proxy): a request from one of them is
   * counted against the client it names last in X-Forwarded-For, not against the proxy.
   */
  readonly trustedProxies: readonly string[]
  /** Concurrent circuit-relay reservations (one per tab). */
  readonly maxReservations: number
  /** How long a reservation lasts before the tab must renew it, in ms. */
  readonly reservationTtlMs: number
  /**
   * A genesis JSON file (see `validateGenesis`) for the chain the page's nodes run; the built-in
   * devnet when absent. E.g. a fast test chain for the e2e suite.
   */
  readonly genesisFile: string | undefined
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const DEFAULTS: RelayConfig = {
  host: '127.0.0.1',
  httpPort: 8080,
  wsPort: 9090,
  announce: [],
  staticDir: 'dist',
  trustedProxies: [],
  maxReservations: 1024,
  reservationTtlMs: 10 * 60_000,
  genesisFile: undefined,
}

type Key = keyof RelayConfig
/** Each flag: the setting it sets and what it means (`--help` prints them). */
const OPTIONS: Record<string, { readonly key: Key; readonly help: string }> = {
  host: { key: 'host', help: 'interface to bind; 0.0.0.0 for every interface' },
  port: { key: 'httpPort', help: 'HTTP port (the app, /api/relay, /api/chain); 0 = any free port' },
  'ws-port': { key: 'wsPort', help: 'libp2p WebSocket port; 0 = any free port' },
  announce: {
    key: 'announce',
    help: 'comma-separated multiaddrs pages should dial instead of the bound one',
  },
  static: { key: 'staticDir', help: 'folder of the built app' },
  'trusted-proxy': {
    key: 'trustedProxies',
    help: 'comma-separated addresses of proxies in front of the HTTP port; their X-Forwarded-For names the client',
  },
  'max-reservations': { key: 'maxReservations', help: 'concurrent tabs holding a relay slot' },
  'reservation-ttl': { key: 'reservationTtlMs', help: 'ms a slot lasts before the tab renews it' },
  genesis: { key: 'genesisFile', help: 'a genesis JSON file for the chain the pages run' },
}

/** Whether the command line asks for the usage text (`--help` or `-h`) instead of a relay. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

/** The usage text: every flag with its environment variable and default. */
export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([flag, { key, help }]) => {
    const value = DEFAULTS[key]
    const shown = value === undefined ? 'the built-in devnet' : Array.isArray(value) ? 'none' : String(value)
    return `  --${flag} <value>\n      ${help}\n      env ${envName(flag)}, default ${shown}`
  })
  return ['Usage: npm run relay -- [options]   (or, with npm start, the env variables)', '', ...lines].join(
    '\n',
  )
}

const envName = (flag: string): string => `TABCHAIN_${flag.toUpperCase().replaceAll('-', '_')}`

/** Reads `--name value` / `--name=value` flags, then `TABCHAIN_NAME` env vars (flags win). */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RelayConfig {
  const raw = new Map<Key, string>()
  for (const [flag, { key }] of Object.entries(OPTIONS)) {
    const value = env[envName(flag)]
    if (value !== undefined && value !== '') raw.set(key, value)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`)
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2)
    const key = OPTIONS[name]?.key
    if (key === undefined)
      throw new ConfigError(
        `unknown option --${name} (known: ${Object.keys(OPTIONS).join(', ')}; --help explains them)`,
      )
    const value = inline ?? argv[++i]
    if (value === undefined) throw new ConfigError(`--${name} needs a value`)
    raw.set(key, value)
  }
  const int = (key: Key, min: number, max: number): number => {
    const text = raw.get(key)
    if (text === undefined) return DEFAULTS[key] as number
    // Decimal digits only: Number() reads '' and ' ' as 0 (any free port) and '0x1f90' as 8080.
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got "${text}"`)
    return n
  }
  const staticDir = raw.get('staticDir') ?? DEFAULTS.staticDir
  // An empty folder (`--static "$APP_DIR"` with the variable unset) is a mistake, not the current one.
  if (staticDir === '') throw new ConfigError('--static needs a folder, got ""')
  const list = (key: Key): string[] | undefined =>
    raw
      .get(key)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  const trustedProxies = list('trustedProxies') ?? DEFAULTS.trustedProxies
  const notIp = trustedProxies.find((a) => isIP(a) === 0)
  if (notIp !== undefined) throw new ConfigError(`--trusted-proxy takes IP addresses, got "${notIp}"`)
  return {
    host: raw.get('host') ?? DEFAULTS.host,
    httpPort: int('httpPort', 0, 65535),
    wsPort: int('wsPort', 0, 65535),
    announce: list('announce') ?? DEFAULTS.announce,
    staticDir,
    trustedProxies,
    maxReservations: int('maxReservations', 1, 1_000_000),
    reservationTtlMs: int('reservationTtlMs', 1000, 24 * 3600_000),
    genesisFile: raw.get('genesisFile') ?? DEFAULTS.genesisFile,
  }
}

/** The chain the page's nodes run: the `--genesis` file, checked, or the built-in devnet. */
export function loadGenesis(file: string | undefined): Genesis {
  if (file === undefined) return devnetGenesis
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(
      `cannot read genesis file ${file}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  try {
    return validateGenesis(JSON.parse(text))
  } catch (err) {
    throw new ConfigError(`genesis file ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
}
