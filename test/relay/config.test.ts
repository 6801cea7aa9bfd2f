import { describe, expect, test } from 'vitest'
import { ConfigError, parseConfig } from '../../relay/config'

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

  test.each([
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--nope', '1']],
    [['--port']],
    [['stray']],
    [['--max-reservations', '0']],
  ])('refuses %j with a clear ConfigError', (argv) => {
    expect(() => parseConfig(argv, {})).toThrowError(ConfigError)
  })
})
