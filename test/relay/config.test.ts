import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadGenesis, parseConfig, usage, wantsHelp } from '../../relay/config'
import { devnetGenesis } from '../../src/node/chain/genesis'

describe('relay config', () => {
  test('defaults bind to loopback with room for many tabs', () => {
    const c = parseConfig([], {})
    expect(c.host).toBe('127.0.0.1')
    expect(c.httpPort).toBe(8080)
    expect(c.wsPort).toBe(9090)
    expect(c.maxReservations).toBeGreaterThanOrEqual(1000)
    expect(c.reservationTtlMs).toBeLessThanOrEqual(15 * 60_000)
  })

  test('flags win over env; both forms of flags work', () => {
    const c = parseConfig(['--port=3000', '--ws-port', '3001', '--host', '0.0.0.0'], {
      TABCHAIN_PORT: '4000',
      TABCHAIN_MAX_RESERVATIONS: '50',
      TABCHAIN_ANNOUNCE: '/dns4/relay.example/tcp/443/wss, /ip4/1.2.3.4/tcp/9090/ws',
    })
    expect(c).toMatchObject({ httpPort: 3000, wsPort: 3001, host: '0.0.0.0', maxReservations: 50 })
    expect(c.announce).toEqual(['/dns4/relay.example/tcp/443/wss', '/ip4/1.2.3.4/tcp/9090/ws'])
  })

  test('--trusted-proxy / TABCHAIN_TRUSTED_PROXY list IPv4 and IPv6 addresses; none by default', () => {
    expect(parseConfig([], {}).trustedProxies).toEqual([])
    expect(parseConfig([], { TABCHAIN_TRUSTED_PROXY: '127.0.0.1, ::1' }).trustedProxies).toEqual([
      '127.0.0.1',
      '::1',
    ])
  })

  test.each([
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--nope', '1']],
    [['--port']],
    [['stray']],
    [['--max-reservations', '0']],
    [['--port=']],
    [['--ws-port', ' ']],
    [['--port', '0x1f90']],
    [['--port', '8080.0']],
    [['--reservation-ttl', '1e6']],
    [['--trusted-proxy', 'proxy.example']],
    [['--trusted-proxy', '127.0.0.1,10.0.0.300']],
    [['--max-connections', '0']],
    [['--max-connections', '10', '--max-reservations', '20']],
    [['--connection-rate', '-1']],
    [['--http-burst', '0']],
    [['--http-rate', '0']],
    [['--http-rate', '1e3']],
    [['--http-rate', '.5']],
    [['--http-connections', 'many']],
    [['--http-timeout', '10']],
    [['--peers-burst', '0']],
    [['--peers-rate', '0.0']],
    [['--peers-rate', 'NaN']],
  ])('refuses %j with a clear ConfigError', (argv) => {
    expect(() => parseConfig(argv, {})).toThrowError(ConfigError)
  })

  test('--help (or -h) asks for the usage text, which names every flag with its env variable and default', () => {
    expect(wantsHelp(['--help'])).toBe(true)
    expect(wantsHelp(['--port', '3000', '-h'])).toBe(true)
    expect(wantsHelp(['--port', '3000'])).toBe(false)
    const text = usage()
    for (const flag of [
      'host',
      'port',
      'ws-port',
      'announce',
      'static',
      'trusted-proxy',
      'max-reservations',
      'reservation-ttl',
      'max-connections',
      'connection-rate',
      'http-burst',
      'http-rate',
      'http-connections',
      'http-timeout',
      'peers-burst',
      'peers-rate',
      'genesis',
    ]) {
      expect(text).toContain(`--${flag} <value>`)
      expect(text).toContain(`env TABCHAIN_${flag.toUpperCase().replaceAll('-', '_')},`)
    }
    expect(text).toContain('default 8080')
    expect(text).toContain('default the built-in devnet')
    expect(text).toContain('default twice --max-reservations')
    expect(text).toContain('default 0.2')
    // An unknown flag's error points at it.
    expect(() => parseConfig(['--hlep'], {})).toThrowError(/--help explains them/)
  })

  test('the relay limits (connections, HTTP and relay-peers budgets) default to the documented ones, and are set by flag or env', () => {
    expect(parseConfig([], {})).toMatchObject({
      maxConnections: 2048,
      connectionsPerSecond: 100,
      httpBurst: 1000,
      httpPerSecond: 100,
      httpConnections: 256,
      httpTimeoutMs: 20_000,
      peersBurst: 6,
      peersPerSecond: 0.2,
    })
    // The connection limit follows the reservations unless set.
    expect(parseConfig(['--max-reservations', '2'], {}).maxConnections).toBe(4)
    const c = parseConfig(
      [
        '--max-connections=64',
        '--connection-rate',
        '5',
        '--http-burst',
        '50',
        '--http-rate',
        '2.5',
        '--http-timeout',
        '5000',
        '--peers-burst',
        '2',
        '--peers-rate',
        '0.05',
      ],
      { TABCHAIN_HTTP_CONNECTIONS: '16', TABCHAIN_HTTP_BURST: '70', TABCHAIN_MAX_RESERVATIONS: '32' },
    )
    expect(c).toMatchObject({
      maxReservations: 32,
      maxConnections: 64,
      connectionsPerSecond: 5,
      httpBurst: 50,
      httpPerSecond: 2.5,
      httpConnections: 16,
      httpTimeoutMs: 5000,
      peersBurst: 2,
      peersPerSecond: 0.05,
    })
    // A bad value names the flag and what it takes.
    expect(() => parseConfig(['--peers-rate', '0'], {})).toThrowError(/peers-rate must be a number in \(0, /)
    expect(() => parseConfig(['--max-connections', '3', '--max-reservations', '4'], {})).toThrowError(
      /--max-connections \(3\) must be at least --max-reservations \(4\)/,
    )
  })

  test('the relay started with a bad limit prints the error and exits 1, starting nothing', async () => {
    const run = (argv: readonly string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', './relay/polyfill.mjs', '--import', 'tsx', 'relay/main.ts', ...argv],
          { timeout: 30_000 },
          (err, stdout, stderr) => resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr }),
        )
      })
    for (const argv of [
      ['--peers-rate', '0'],
      ['--max-connections', '10', '--max-reservations', '20'],
    ]) {
      const r = await run(['--port', '0', '--ws-port', '0', ...argv])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^error: --(peers-rate|max-connections) /)
      expect(r.stdout).not.toContain('Tabchain relay')
    }
  }, 60_000)

  test('an empty --static is a ConfigError, not the current folder', () => {
    expect(() => parseConfig(['--static', ''], {})).toThrowError(ConfigError)
    expect(() => parseConfig(['--static='], {})).toThrowError(ConfigError)
    expect(parseConfig(['--static', '.'], {}).staticDir).toBe('.')
  })

  test('--genesis / TABCHAIN_GENESIS name a genesis file; without one the devnet is served', () => {
    expect(parseConfig([], {}).genesisFile).toBeUndefined()
    expect(parseConfig([], { TABCHAIN_GENESIS: 'a.json' }).genesisFile).toBe('a.json')
    expect(parseConfig(['--genesis', 'b.json'], { TABCHAIN_GENESIS: 'a.json' }).genesisFile).toBe('b.json')
    expect(loadGenesis(undefined)).toBe(devnetGenesis)
    const fast = loadGenesis('e2e/fixtures/fast-genesis.json')
    expect(fast.name).toBe('tabchain-e2e-fast')
    expect(fast.params).toMatchObject({ chainId: 31416, fixedDifficulty: 2n, confirmations: 1 })
  })

  test('a missing, non-JSON or invalid genesis file is a ConfigError naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabchain-genesis-'))
    const notJson = join(dir, 'not.json')
    writeFileSync(notJson, '{ nope')
    const invalid = join(dir, 'invalid.json')
    writeFileSync(invalid, JSON.stringify({ name: 'x', params: {} }))
    expect(() => loadGenesis(join(dir, 'absent.json'))).toThrowError(/cannot read genesis file/)
    expect(() => loadGenesis(notJson)).toThrowError(ConfigError)
    expect(() => loadGenesis(invalid)).toThrowError(/params\.chainId/)
  })
})
