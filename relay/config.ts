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
  /** libp2p connections the relay holds at once (tabs, and their dials through it); ≥ `maxReservations`. */
  readonly maxConnections: number
  /** New libp2p connections one address may open per second. */
  readonly connectionsPerSecond: number
  /** HTTP requests one client (an IPv4 address, an IPv6 /64) may make at once. */
  readonly httpBurst: number
  /** HTTP requests a client earns back per second. */
  readonly httpPerSecond: number
  /** HTTP connections one client may hold open at once (a trusted proxy's are not counted). */
  readonly httpConnections: number
  /** How long a client has to send its whole HTTP request, in ms; then 408. */
  readonly httpTimeoutMs: number
  /** Relay-peers queries ("who is here") a tab may make at once. */
  readonly peersBurst: number
  /** Relay-peers queries a tab earns back per second. */
  readonly peersPerSecond: number
  /**
   * A genesis JSON file (see `validateGenesis`) for the chain the page's nodes run; the built-in
   * devnet when absent. E.g. a fast test chain for the e2e suite.
   */
  readonly genesisFile: string | undefined
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The defaults; `maxConnections` has none of its own: twice `maxReservations` unless set. */
const DEFAULTS: Omit<RelayConfig, 'maxConnections'> = {
  host: '127.0.0.1',
  httpPort: 8080,
  wsPort: 9090,
  announce: [],
  staticDir: 'dist',
  trustedProxies: [],
  maxReservations: 1024,
  reservationTtlMs: 10 * 60_000,
  // Tabs of one machine or one household share an IP: libp2p's default of 5 new connections per second
  // per host refused the sixth tab opened at once (and the suite's clients on 127.0.0.1).
  connectionsPerSecond: 100,
  // One bucket counts every request, file or API: each costs the relay's one thread about the same (a
  // stat and a cached buffer, or a walk of the reservations for `/api/relay`), and that thread also
  // carries every tab's libp2p traffic. A fresh page load is ~45 requests (the page, ~18 files, the
  // service worker and its precache of ~22, `/api/relay` and `/api/chain`); later loads come mostly
  // from the service worker. The burst takes twenty fresh loads at once (a household's tabs, the e2e
  // suite's browsers, all from one address); a flooder is held to 100 requests a second, a few per
  // cent of a core.
  httpBurst: 1_000,
  httpPerSecond: 100,
  // Browsers keep ≤ 6 connections per site and profile, so 256 leaves room for a busy household while
  // one address cannot hold the relay's file descriptors (its WebSocket port needs them too).
  httpConnections: 256,
  httpTimeoutMs: 20_000,
  // A tab asks who is there when its relay link opens, when its reservation is up, 3 s later if still
  // alone, and when it comes back to view alone: a few at a time. Each query from a tab holding a
  // reservation also opens an introduction stream to every tab in the answer (up to
  // `MAX_RELAY_PEERS`), so one tab asking in a loop made the relay flood every other tab.
  peersBurst: 6,
  peersPerSecond: 0.2,
  genesisFile: undefined,
}

type Key = keyof RelayConfig
/** Each flag: the setting it sets and what it means (`--help` prints them, and `shown` as its default). */
const OPTIONS: Record<string, { readonly key: Key; readonly help: string; readonly shown?: string }> = {
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
  'max-connections': {
    key: 'maxConnections',
    help: 'libp2p connections held at once (tabs and their dials); at least --max-reservations',
    shown: 'twice --max-reservations',
  },
  'connection-rate': {
    key: 'connectionsPerSecond',
    help: 'new libp2p connections one address may open per second',
  },
  'http-burst': { key: 'httpBurst', help: 'HTTP requests one client may make at once (then 429)' },
  'http-rate': { key: 'httpPerSecond', help: 'HTTP requests a client earns back per second' },
  'http-connections': { key: 'httpConnections', help: 'HTTP connections one client may hold open' },
  'http-timeout': { key: 'httpTimeoutMs', help: 'ms a client has to send its whole HTTP request (then 408)' },
  'peers-burst': { key: 'peersBurst', help: 'relay-peers queries ("who is here") a tab may make at once' },
  'peers-rate': { key: 'peersPerSecond', help: 'relay-peers queries a tab earns back per second' },
  genesis: { key: 'genesisFile', help: 'a genesis JSON file for the chain the pages run' },
}

/** Whether the command line asks for the usage text (`--help` or `-h`) instead of a relay. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

/** The usage text: every flag with its environment variable and default. */
export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([flag, { key, help, shown: text }]) => {
    const value = key === 'maxConnections' ? undefined : DEFAULTS[key]
    const shown =
      text ?? (value === undefined ? 'the built-in devnet' : Array.isArray(value) ? 'none' : String(value))
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
  const flagOf = (key: Key): string => Object.keys(OPTIONS).find((f) => OPTIONS[f]?.key === key) ?? key
  const int = (key: Key, min: number, max: number, fallback: number): number => {
    const text = raw.get(key)
    if (text === undefined) return fallback
    // Decimal digits only: Number() reads '' and ' ' as 0 (any free port) and '0x1f90' as 8080.
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`--${flagOf(key)} must be an integer in [${min}, ${max}], got "${text}"`)
    return n
  }
  /** A rate: a decimal number above 0 (digits, an optional fraction; no exponent, sign or hex). */
  const rate = (key: 'httpPerSecond' | 'peersPerSecond', max: number): number => {
    const text = raw.get(key)
    if (text === undefined) return DEFAULTS[key]
    const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN
    if (!(n > 0 && n <= max))
      throw new ConfigError(`--${flagOf(key)} must be a number in (0, ${max}], got "${text}"`)
    return n
  }
  const maxReservations = int('maxReservations', 1, 1_000_000, DEFAULTS.maxReservations)
  const maxConnections = int('maxConnections', 1, 2_000_000, 2 * maxReservations)
  // A tab holds its reservation over a connection: a relay that cannot hold them all refuses tabs it
  // promised a slot.
  if (maxConnections < maxReservations)
    throw new ConfigError(
      `--max-connections (${maxConnections}) must be at least --max-reservations (${maxReservations})`,
    )
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
    httpPort: int('httpPort', 0, 65535, DEFAULTS.httpPort),
    wsPort: int('wsPort', 0, 65535, DEFAULTS.wsPort),
    announce: list('announce') ?? DEFAULTS.announce,
    staticDir,
    trustedProxies,
    maxReservations,
    reservationTtlMs: int('reservationTtlMs', 1000, 24 * 3600_000, DEFAULTS.reservationTtlMs),
    maxConnections,
    connectionsPerSecond: int('connectionsPerSecond', 1, 1_000_000, DEFAULTS.connectionsPerSecond),
    httpBurst: int('httpBurst', 1, 10_000_000, DEFAULTS.httpBurst),
    httpPerSecond: rate('httpPerSecond', 1_000_000),
    httpConnections: int('httpConnections', 1, 1_000_000, DEFAULTS.httpConnections),
    httpTimeoutMs: int('httpTimeoutMs', 1000, 3600_000, DEFAULTS.httpTimeoutMs),
    peersBurst: int('peersBurst', 1, 10_000, DEFAULTS.peersBurst),
    peersPerSecond: rate('peersPerSecond', 1_000),
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
