import { connect as tcpConnect } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseConfig } from '../../relay/config'
import { presentTabs, type Relay, startRelay, survivePeerWebSocketErrors } from '../../relay/relay'
import { decodeRelayPeers, RELAY_INTRO_PROTOCOL, RELAY_PEERS_PROTOCOL } from '../../src/node/network/protocol'
import { reservingTab, type SilentProxy, silentProxy } from './tabs'

let relay: Relay
/** The default relay-peers budget (`--peers-burst`). */
const PEERS_BURST = parseConfig([], {}).peersBurst
let port: number
const dropped: string[] = []
let unguard: () => void

beforeAll(async () => {
  unguard = survivePeerWebSocketErrors((m) => dropped.push(m))
  relay = await startRelay(parseConfig(['--ws-port', '0', '--port', '0'], {}))
  const addr = relay.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('relay has no address')
  port = Number(addr.toString().split('/tcp/')[1]?.split('/')[0])
})

afterAll(async () => {
  unguard()
  await relay.stop()
})

function client(): Promise<Libp2p> {
  return createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // Node-side clients may dial loopback: allow everything.
    connectionGater: { denyDialMultiaddr: () => false },
  })
}

/** A client like a tab: it holds a reservation on the relay (so it can be dialed through it). */
function reservingClient(): Promise<Libp2p> {
  return reservingTab(relay)
}

/** Asks the relay which tabs are present. */
async function askPeers(c: Libp2p): Promise<string[]> {
  const conn = c.getConnections(relay.peerId)[0]
  if (conn === undefined) throw new Error('not connected to the relay')
  const stream = await conn.newStream(RELAY_PEERS_PROTOCOL)
  return decodeRelayPeers((await lpStream(stream).read()).subarray())
}

/** Writes raw bytes on a TCP socket to the relay's WebSocket port and waits for the server to hang up. */
function sendGarbage(bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.end(bytes))
    socket.on('data', () => {})
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
    socket.setTimeout(3_000, () => socket.destroy())
  })
}

describe('relay', () => {
  test('survives garbage on its socket and keeps serving', async () => {
    await sendGarbage(new Uint8Array(4096).fill(0xab))
    await sendGarbage('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    await sendGarbage(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n\xc2\xff\xff\xff\xff\xff\xff\xff\xff\xff',
    )
    // The invalid frame was seen and the client dropped; the relay goes on.
    expect(dropped.some((m) => m.includes('RSV1'))).toBe(true)
    const c = await client()
    try {
      const conn = await c.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      expect(conn.status).toBe('open')
    } finally {
      await c.stop()
    }
  })

  test('answers the relay-peers protocol without listing the asker', async () => {
    const c = await client()
    try {
      const conn = await c.dial(multiaddr(relay.getMultiaddrs()[0]?.toString() ?? ''), {
        signal: AbortSignal.timeout(10_000),
      })
      const stream = await conn.newStream(RELAY_PEERS_PROTOCOL)
      const answer = await lpStream(stream).read()
      expect(decodeRelayPeers(answer.subarray())).not.toContain(c.peerId.toString())
    } finally {
      await c.stop()
    }
  })

  test('lists the tabs present (holding a reservation, still connected) but the one excepted', async () => {
    const [first, second] = await Promise.all([reservingClient(), reservingClient()])
    const bare = await client()
    try {
      await bare.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      const [idFirst, idSecond] = [first.peerId.toString(), second.peerId.toString()]
      expect(presentTabs(relay)).toEqual(expect.arrayContaining([idFirst, idSecond]))
      expect(presentTabs(relay)).not.toContain(bare.peerId.toString())
      expect(presentTabs(relay, idFirst)).not.toContain(idFirst)
      expect(presentTabs(relay, idFirst)).toContain(idSecond)
      // A tab that closed: its reservation stays until its TTL, but it is no longer listed.
      await first.stop()
      const deadline = Date.now() + 10_000
      while (relay.getConnections(first.peerId).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      expect(relay.services.relay.reservations.has(first.peerId)).toBe(true)
      expect(presentTabs(relay)).not.toContain(idFirst)
      expect(presentTabs(relay)).toContain(idSecond)
    } finally {
      await Promise.all([first.stop(), second.stop(), bare.stop()])
    }
  })

  test('introduces a tab that reserved and asked to the tabs listed in its answer', async () => {
    const [first, second] = await Promise.all([reservingClient(), reservingClient()])
    try {
      const introduced = new Promise<string[]>((resolve, reject) => {
        first
          .handle(RELAY_INTRO_PROTOCOL, async (stream) => {
            resolve(decodeRelayPeers((await lpStream(stream).read()).subarray()))
          })
          .catch(reject)
      })
      expect(await askPeers(second)).toContain(first.peerId.toString())
      expect(await introduced).toEqual([second.peerId.toString()])
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
  })

  test('introduces nobody for an asker without a reservation', async () => {
    const present = await reservingClient()
    const asker = await client()
    try {
      const intros: string[][] = []
      await present.handle(RELAY_INTRO_PROTOCOL, async (stream) => {
        intros.push(decodeRelayPeers((await lpStream(stream).read()).subarray()))
      })
      await asker.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      expect(await askPeers(asker)).toContain(present.peerId.toString())
      // A reserving asker after it: its introduction arrives, and it is the only one.
      const later = await reservingClient()
      try {
        await askPeers(later)
        const deadline = Date.now() + 10_000
        while (intros.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        expect(intros).toEqual([[later.peerId.toString()]])
      } finally {
        await later.stop()
      }
    } finally {
      await Promise.all([present.stop(), asker.stop()])
    }
  })

  test("a stream flood on one connection is cut at libp2p's per-protocol limit; the relay keeps the link and serves", async () => {
    const present = await reservingClient()
    const flooder = await client()
    try {
      const conn = await flooder.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      // Once identify has told the flooder what the relay speaks (the connection is fully up).
      const deadline = Date.now() + 10_000
      while (!(await flooder.peerStore.get(relay.peerId)).protocols.includes(RELAY_PEERS_PROTOCOL)) {
        if (Date.now() > deadline) throw new Error('no identify from the relay')
        await new Promise((r) => setTimeout(r, 10))
      }
      // 200 relay-peers streams at once, none read until all are asked for: the relay takes 32 at a
      // time on a connection (libp2p's default inbound limit per protocol) and resets the rest, and
      // answers the asker's query budget of them.
      const opened = await Promise.allSettled(
        Array.from({ length: 200 }, () =>
          conn.newStream(RELAY_PEERS_PROTOCOL, { signal: AbortSignal.timeout(10_000) }),
        ),
      )
      const streams = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
      const answers = await Promise.allSettled(
        streams.map((s) => lpStream(s).read({ signal: AbortSignal.timeout(5_000) })),
      )
      const answered = answers.filter((r) => r.status === 'fulfilled').length
      expect(answered).toBeGreaterThan(0)
      expect(answered).toBeLessThanOrEqual(PEERS_BURST)
      for (const s of streams) s.abort(new Error('flood over'))
      // The flooder keeps its link (its budget spent, it is refused for now); another tab is served.
      expect(conn.status).toBe('open')
      await expect(askPeers(flooder)).rejects.toThrow()
      const other = await client()
      try {
        await other.dial(relay.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
        expect(await askPeers(other)).toContain(present.peerId.toString())
      } finally {
        await other.stop()
      }
    } finally {
      await Promise.all([present.stop(), flooder.stop()])
    }
  })

  test('a connection flood is cut at its connection limit (--max-connections); once it ends, tabs connect and are served', async () => {
    const small = await startRelay(
      parseConfig(['--ws-port', '0', '--port', '0', '--max-reservations', '2', '--max-connections', '3'], {}),
    )
    const flood = await Promise.all(Array.from({ length: 12 }, () => client()))
    try {
      await Promise.allSettled(
        flood.map((c) => c.dial(small.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })),
      )
      const deadline = Date.now() + 5_000
      while (small.getConnections().length > 3) {
        if (Date.now() > deadline) throw new Error(`the relay holds ${small.getConnections().length} links`)
        await new Promise((r) => setTimeout(r, 50))
      }
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 200))
        expect(small.getConnections().length).toBeLessThanOrEqual(3)
      }
      await Promise.all(flood.map((c) => c.stop()))
      while (small.getConnections().length > 0) await new Promise((r) => setTimeout(r, 50))
      const later = await client()
      try {
        const conn = await later.dial(small.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
        const stream = await conn.newStream(RELAY_PEERS_PROTOCOL)
        expect(decodeRelayPeers((await lpStream(stream).read()).subarray())).toEqual([])
      } finally {
        await later.stop()
      }
    } finally {
      await Promise.all(flood.map((c) => c.stop()))
      await small.stop()
    }
  })

  test('--peers-burst and --peers-rate set the relay-peers budget: a tab is answered that many times at once, then refused', async () => {
    const strict = await startRelay(
      parseConfig(['--ws-port', '0', '--port', '0', '--peers-burst', '2', '--peers-rate', '0.001'], {}),
    )
    const asker = await client()
    try {
      const conn = await asker.dial(strict.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
      const outcomes: string[] = []
      for (let i = 0; i < 4; i++) {
        const stream = await conn.newStream(RELAY_PEERS_PROTOCOL)
        outcomes.push(
          await lpStream(stream)
            .read({ signal: AbortSignal.timeout(5_000) })
            .then(
              () => 'answered',
              () => 'refused',
            ),
        )
      }
      expect(outcomes).toEqual(['answered', 'answered', 'refused', 'refused'])
    } finally {
      await asker.stop()
      await strict.stop()
    }
  })

  test('a tab asking who is there again and again is refused past its budget, and introduced to nobody; others are served', async () => {
    const present = await reservingClient()
    const flooder = await reservingClient()
    try {
      let introductions = 0
      await present.handle(RELAY_INTRO_PROTOCOL, async (stream) => {
        introductions++
        await lpStream(stream).read()
      })
      // One after the other, each answered before the next: no concurrency limit is met.
      const outcomes: string[] = []
      for (let i = 0; i < PEERS_BURST + 20; i++)
        outcomes.push(
          await askPeers(flooder).then(
            (ids) => (ids.includes(present.peerId.toString()) ? 'listed' : 'unlisted'),
            () => 'refused',
          ),
        )
      expect(outcomes).toEqual([
        ...Array<string>(PEERS_BURST).fill('listed'),
        ...Array<string>(20).fill('refused'),
      ])
      await new Promise((r) => setTimeout(r, 300))
      expect(introductions).toBe(PEERS_BURST)
      // The flooder keeps its link; another tab is answered and introduced as ever.
      expect(flooder.getConnections(relay.peerId).map((c) => c.status)).toEqual(['open'])
      const other = await reservingClient()
      try {
        expect(await askPeers(other)).toContain(present.peerId.toString())
        await expect.poll(() => introductions).toBe(PEERS_BURST + 1)
      } finally {
        await other.stop()
      }
    } finally {
      await Promise.all([present.stop(), flooder.stop()])
    }
  })
})

test('a link the relay drops (a ping unanswered, a newer link of the peer) is closed under the tab too: it is back at once', async () => {
  const tab = await reservingClient()
  try {
    const [link] = relay.getConnections(tab.peerId)
    const [tabLink] = tab.getConnections(relay.peerId)
    link?.abort(new Error('dropped by the relay'))
    expect(relay.getConnections(tab.peerId)).toEqual([])
    // Its socket closed: the tab learns of it at once (its pings would take 10 s) and connects again.
    await expect.poll(() => tabLink?.status, { timeout: 3_000 }).not.toBe('open')
    await expect.poll(() => relay.getConnections(tab.peerId).length, { timeout: 3_000 }).toBe(1)
  } finally {
    await tab.stop()
  }
})

/** `to`'s address through the relay. */
function circuitTo(to: Libp2p): Multiaddr {
  const addr = relay.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('relay has no address')
  return addr.encapsulate(`/p2p-circuit/p2p/${to.peerId.toString()}`)
}

describe('a reloaded tab (its key kept, its old link to the relay ended)', () => {
  /**
   * A tab with one key reserves through a proxy; `end` ends its link (and its node); the same key
   * reserves again (the reloaded page). The relay holds the reloaded tab's link alone, lists it once, and
   * another tab's dial to it through the relay reaches it within a tab's first dial timeout (4 s).
   */
  async function reloadAndDial(end: (old: Libp2p, proxy: SilentProxy) => Promise<void>): Promise<void> {
    const privateKey = await generateKeyPair('Ed25519')
    const proxy = await silentProxy(relay)
    const old = await reservingTab(relay, undefined, { privateKey, via: proxy.addrs })
    const dialer = await reservingClient()
    let reloaded: Libp2p | undefined
    try {
      await end(old, proxy)
      const back = await reservingTab(relay, undefined, { privateKey })
      reloaded = back
      await dialer.dial(circuitTo(back), { signal: AbortSignal.timeout(4_000) })
      await expect.poll(() => back.getConnections(dialer.peerId).length).toBeGreaterThan(0)
      const id = back.peerId.toString()
      expect(relay.getConnections(back.peerId)).toHaveLength(1)
      expect(presentTabs(relay).filter((peer) => peer === id)).toEqual([id])
    } finally {
      await Promise.all([old.stop(), dialer.stop(), reloaded?.stop()])
      proxy.close()
    }
  }

  test('whose old link went silent (a lost network, a machine asleep: no goodbye, no FIN) is reached at once', async () => {
    await reloadAndDial(async (old, proxy) => {
      proxy.cut()
      await old.stop()
    })
  })

  test('whose old link libp2p aborted (its socket left open, as a tab whose pings failed leaves it) is reached at once', async () => {
    // libp2p's abort asks the WebSocket for close code 1006, which browsers and `ws` refuse: nothing
    // reaches the relay.
    await reloadAndDial(async (old) => {
      for (const conn of old.getConnections(relay.peerId)) conn.abort(new Error('tab gone'))
      await old.stop()
    })
  })

  test('whose old TCP connection was closed under it (a killed browser) is reached at once', async () => {
    await reloadAndDial(async (old, proxy) => {
      proxy.close()
      await old.stop()
    })
  })

  test('whose old page closed its link on unload is reached at once', async () => {
    await reloadAndDial(async (old) => {
      await old.stop()
    })
  })
})
