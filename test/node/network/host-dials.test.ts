import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { DIAL_BACK_GRACE_MS, DIAL_STAGGER_MS, MAX_DISCOVERED_DIALS } from '../../../src/node/network/protocol'
import type { DirectDialStatus, NetworkSnapshot } from '../../../src/node/network/types'

/**
 * The host's direct dials, with libp2p replaced by a fake node (only what the host calls) on fake
 * timers: who is dialed, and when. Every tab dialed is made up: the relay refuses the circuit to it at
 * once, and the host retries it as it would a stalled WebRTC dial, each taking its full turn. Also when
 * it asks the server where the relay listens again, after a refusal.
 */
const fake = vi.hoisted(() => ({ node: undefined as unknown, discovery: new EventTarget() }))

// The discovery service is built as libp2p builds it, from the host's factory: the host may listen to
// its broadcasts (each as a 'peer' event) before handing it over.
vi.mock('libp2p', () => ({
  createLibp2p: async (init: { peerDiscovery?: ((components: unknown) => unknown)[] }) => {
    for (const discovery of init.peerDiscovery ?? []) discovery({})
    return fake.node
  },
}))
vi.mock('@libp2p/pubsub-peer-discovery', () => ({ pubsubPeerDiscovery: () => () => fake.discovery }))
vi.mock('../../../src/node/network/noise-crypto', () => ({ pooledNoiseCrypto: async () => ({}) }))

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  const noop = (): void => {}
  vi.stubGlobal('window', { addEventListener: noop, removeEventListener: noop })
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener: noop, removeEventListener: noop })
  vi.stubGlobal('navigator', { onLine: true })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/**
 * A started host on a fake libp2p linked to its relay. `announce`: a tab's discovery broadcast, as
 * pubsub discovery reports it — and as libp2p does, `peer:discovery` only for a tab new to its peer
 * store (which a dial to it, failed or not, adds it to); `relayLists`: the relay link drops and comes back, the relay naming
 * `peers`; `firstDialed`: when the host first dialed a tab (ms since epoch). With `answer`, the host
 * asks where the relay listens through `fetchRelayInfo`, and `answer` is the server (given the body
 * it sends when it answers).
 */
async function fakeHost(
  answer?: (body: string) => Response | Promise<Response>,
  { start = true }: { readonly start?: boolean } = {},
) {
  const relayId = await newPeerId()
  const relayAddr = `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relayId.toString()}`
  const events = new EventTarget()
  fake.discovery = new EventTarget()
  /** The tabs in libp2p's peer store. */
  const known = new Set<string>()
  let relayUp = false
  let relayPeers: string[] = []
  /** Relayed links tabs opened to us (to signal their WebRTC dials). */
  const relayedLinks: { remotePeer: PeerId }[] = []
  /** Whether dials to tabs hang until their timeout instead of being refused at once. */
  let hang = false
  const dials: { peer: string; at: number }[] = []
  /** Whether libp2p was started, and the topics gossipsub subscribed to (it refuses them before). */
  let libp2pStarted = false
  const subscribed: string[] = []
  const relayConn = {
    remotePeer: relayId,
    status: 'open',
    direct: true,
    limits: undefined,
    direction: 'outbound',
    remoteAddr: multiaddr(relayAddr),
    timeline: { open: Date.now() },
    streams: [],
    newStream: async () => {
      throw new Error('no relay-peers answer here')
    },
  }
  fake.node = {
    peerId: await newPeerId(),
    addEventListener: (type: string, l: EventListener) => events.addEventListener(type, l),
    dispatchEvent: (e: Event) => events.dispatchEvent(e),
    handle: async () => {},
    start: async () => {
      libp2pStarted = true
    },
    stop: async () => {},
    getMultiaddrs: () => [],
    getConnections: (peer?: PeerId) =>
      [...(relayUp ? [relayConn] : []), ...relayedLinks].filter(
        (c) => peer === undefined || peer.equals(c.remotePeer),
      ),
    peerStore: { merge: async () => {} },
    dial: async (addrs: unknown, options?: { signal?: AbortSignal }) => {
      const text = String(Array.isArray(addrs) ? addrs[0] : addrs)
      if (text === relayAddr) {
        relayUp = true
        return relayConn
      }
      const peer = text.split('/p2p/').at(-1) ?? ''
      dials.push({ peer, at: Date.now() })
      known.add(peer)
      if (hang)
        await new Promise((_, reject) =>
          options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
        )
      throw new Error('NO_RESERVATION')
    },
    services: {
      pubsub: {
        topicValidators: new Map(),
        addEventListener: () => {},
        getTopics: () => [],
        getSubscribers: () => [],
        subscribe: (topic: string) => {
          if (!libp2pStarted) throw new Error('Pubsub has not started')
          subscribed.push(topic)
        },
        streamsOutbound: new Map(),
        streamsInbound: new Map(),
      },
    },
  }
  const { createNetworkHost, fetchRelayInfo } = await import('../../../src/node/network/host')
  const info = () => ({ multiaddrs: [relayAddr], peerId: relayId.toString(), peers: relayPeers })
  if (answer !== undefined) vi.stubGlobal('fetch', async () => answer(JSON.stringify(info())))
  const host = await createNetworkHost({
    privateKey: await generateKeyPair('Ed25519'),
    relayInfo: answer === undefined ? async () => info() : () => fetchRelayInfo('/api/relay'),
  })
  if (start) {
    await host.start()
    await vi.advanceTimersByTimeAsync(100)
  }
  return {
    host,
    subscribed,
    announce(id: PeerId): void {
      const detail = { id, multiaddrs: [multiaddr(`${relayAddr}/p2p-circuit/webrtc/p2p/${id.toString()}`)] }
      fake.discovery.dispatchEvent(new CustomEvent('peer', { detail }))
      if (known.has(id.toString())) return
      known.add(id.toString())
      events.dispatchEvent(new CustomEvent('peer:discovery', { detail }))
    },
    async relayLists(peers: readonly PeerId[]): Promise<void> {
      relayPeers = peers.map((p) => p.toString())
      relayUp = false
      events.dispatchEvent(new CustomEvent('connection:close', { detail: relayConn }))
      await vi.advanceTimersByTimeAsync(0)
    },
    /** `id` opens a relayed link to us, as a tab dialing us does to signal its WebRTC set-up. */
    relayed(id: PeerId): void {
      const conn = {
        remotePeer: id,
        status: 'open',
        direct: false,
        limits: { bytes: 131072n },
        direction: 'inbound',
        remoteAddr: multiaddr(`${relayAddr}/p2p-circuit/p2p/${id.toString()}`),
        timeline: { open: Date.now() },
        streams: [],
      }
      relayedLinks.push(conn)
      events.dispatchEvent(new CustomEvent('connection:open', { detail: conn }))
    },
    hangDials(): void {
      hang = true
    },
    firstDialed: (id: PeerId): number | undefined => dials.find((d) => d.peer === id.toString())?.at,
    dialedAt: (id: PeerId): number[] => dials.filter((d) => d.peer === id.toString()).map((d) => d.at),
    dialedPeers: (): number => new Set(dials.map((d) => d.peer)).size,
  }
}

describe('direct dials to announced and listed tabs', () => {
  test('a tab gossip announced is dialed once the grace for its own dial has passed', async () => {
    const { host, announce, firstDialed } = await fakeHost()
    const tab = await newPeerId()
    const at = Date.now()
    announce(tab)
    await vi.advanceTimersByTimeAsync(10_000)
    const delay = (firstDialed(tab) ?? Number.POSITIVE_INFINITY) - at
    expect(delay).toBeGreaterThanOrEqual(DIAL_BACK_GRACE_MS)
    expect(delay).toBeLessThan(DIAL_BACK_GRACE_MS + DIAL_STAGGER_MS)
    await host.stop()
  })

  test('a flood of made-up announced tabs waits in a bounded queue and does not hold back a tab announced after it', async () => {
    const { host, announce, firstDialed, dialedPeers } = await fakeHost()
    for (let i = 0; i < 60; i++) announce(await newPeerId())
    await vi.advanceTimersByTimeAsync(50)
    const tab = await newPeerId()
    const at = Date.now()
    announce(tab)
    await vi.advanceTimersByTimeAsync(30_000)
    // Its grace, then the turn running when it came (each of the 60 would have taken one before it).
    expect((firstDialed(tab) ?? Number.POSITIVE_INFINITY) - at).toBeLessThan(
      DIAL_BACK_GRACE_MS + 2 * DIAL_STAGGER_MS,
    )
    // The one dialing as the flood came, those left waiting, and the tab: the rest were dropped.
    expect(dialedPeers()).toBeLessThanOrEqual(MAX_DISCOVERED_DIALS + 2)
    await host.stop()
  })

  test('a tab whose dials all failed is dialed again as it announces itself again, with backoff', async () => {
    const { host, announce, relayLists, dialedAt } = await fakeHost()
    const tab = await newPeerId()
    // The relay lists it as we join (a dial then adds it to libp2p's peer store): every attempt fails.
    await relayLists([tab])
    await vi.advanceTimersByTimeAsync(30_000)
    const first = dialedAt(tab).length
    expect(first).toBeGreaterThan(0)
    // Its broadcasts go on, every interval; the cause has passed (its dials would now succeed): it is
    // dialed again, not left unlinked for good.
    const rounds: number[] = []
    for (let i = 0; i < 24; i++) {
      announce(tab)
      await vi.advanceTimersByTimeAsync(5_000)
      rounds.push(dialedAt(tab).length)
    }
    expect(rounds[1]).toBeGreaterThan(first)
    // …but not at every broadcast while its dials keep failing: once its backoff is at its cap (30 s,
    // jittered down to 15 s at least), at most one round of attempts every 15 s, not one every 5 s.
    const lastMinute = dialedAt(tab).filter((at) => at > Date.now() - 60_000)
    expect(lastMinute.length).toBeLessThanOrEqual((60_000 / 15_000) * 4)
    await host.stop()
  })

  test('a tab the relay lists is dialed ahead of the gossip discoveries waiting', async () => {
    const { host, announce, relayLists, firstDialed } = await fakeHost()
    for (let i = 0; i < MAX_DISCOVERED_DIALS; i++) announce(await newPeerId())
    await vi.advanceTimersByTimeAsync(DIAL_BACK_GRACE_MS + 50)
    const tab = await newPeerId()
    const at = Date.now()
    await relayLists([tab])
    await vi.advanceTimersByTimeAsync(30_000)
    expect((firstDialed(tab) ?? Number.POSITIVE_INFINITY) - at).toBeLessThanOrEqual(DIAL_STAGGER_MS)
    await host.stop()
  })
})

describe("the relay's address, asked again after the server refused it", () => {
  /** A server that answers 429 with `retryAfter` (seconds) `busy` times, then the address. */
  const busyServer = (busy: number, retryAfter: string) => {
    const asked: number[] = []
    const answer = (body: string): Response => {
      asked.push(Date.now())
      return asked.length <= busy
        ? new Response('too many requests', { status: 429, headers: { 'retry-after': retryAfter } })
        : new Response(body, { status: 200 })
    }
    return { asked, answer }
  }

  test('why the relay is out of reach is typed: busy, an error status, an unreadable answer, no answer', async () => {
    const cases: [(body: string) => Response, object][] = [
      [busyServer(1, '5').answer, { kind: 'busy' }],
      [() => new Response('bad gateway', { status: 502 }), { kind: 'http', status: 502 }],
      [() => new Response('<html>a captive portal</html>', { status: 200 }), { kind: 'malformed' }],
      [
        () => {
          throw new TypeError('Failed to fetch')
        },
        { kind: 'silent' },
      ],
    ]
    for (const [answer, problem] of cases) {
      const { host } = await fakeHost(answer)
      expect(host.snapshot().relay).toMatchObject({ state: 'unreachable', problem })
      await host.stop()
    }
  })

  test('a 429 is asked again no sooner than its Retry-After, and the relay is then reached', async () => {
    const server = busyServer(1, '20')
    const start = Date.now()
    const { host } = await fakeHost(server.answer)
    expect(host.snapshot().relay).toMatchObject({ state: 'unreachable', retryAt: start + 20_000 })
    await vi.advanceTimersByTimeAsync(19_000)
    expect(server.asked).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(server.asked.map((at) => at - start)).toEqual([0, 20_000])
    expect(host.snapshot().relay.state).toBe('connected')
    await host.stop()
  })

  test('a Retry-After past a minute waits a minute; one that is not a number of seconds leaves the backoff', async () => {
    const long = busyServer(1, '86400')
    const start = Date.now()
    const first = await fakeHost(long.answer)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(long.asked.map((at) => at - start)).toEqual([0, 60_000])
    await first.host.stop()
    const odd = busyServer(1, 'soon')
    const at = Date.now()
    const second = await fakeHost(odd.answer)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(odd.asked.length).toBe(2)
    expect((odd.asked[1] ?? at) - at).toBeLessThanOrEqual(1_000)
    await second.host.stop()
  })

  test('the tab shown again does not ask before the Retry-After has passed', async () => {
    const wakes: ((e: Event) => void)[] = []
    vi.stubGlobal('document', {
      visibilityState: 'visible',
      addEventListener: (type: string, l: (e: Event) => void) => {
        if (type === 'visibilitychange') wakes.push(l)
      },
      removeEventListener: () => {},
    })
    vi.stubGlobal('PageTransitionEvent', class extends Event {})
    const server = busyServer(1, '20')
    const start = Date.now()
    const { host } = await fakeHost(server.answer)
    await vi.advanceTimersByTimeAsync(5_000)
    for (const wake of wakes) wake(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(server.asked).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(server.asked.map((at) => at - start)).toEqual([0, 20_000])
    await host.stop()
  })
})

describe('Retry now: an attempt at the relay at once, instead of the one waiting on its backoff', () => {
  /** A server that does not answer while `down`, then gives the relay's address; `asked`: when it was asked. */
  const flakyServer = () => {
    const server = { down: true, asked: [] as number[] }
    const answer = (body: string): Response => {
      server.asked.push(Date.now())
      if (server.down) throw new TypeError('Failed to fetch')
      return new Response(body, { status: 200 })
    }
    return { server, answer }
  }
  const retryAtOf = (host: { snapshot(): NetworkSnapshot }): number => {
    const relay = host.snapshot().relay
    return relay.state === 'unreachable' ? relay.retryAt : Number.NaN
  }

  test('it cancels the waiting retry and asks at once; a failure waits the next step of the backoff, not its first', async () => {
    const { server, answer } = flakyServer()
    const { host } = await fakeHost(answer)
    // Three failures (at 0, then after 0.5–1 s and 1–2 s): the next retry is 2–4 s off.
    while (server.asked.length < 3) await vi.advanceTimersByTimeAsync(100)
    await vi.advanceTimersByTimeAsync(0)
    expect(host.snapshot().relay).toMatchObject({ state: 'unreachable', attempt: 3 })
    const waiting = retryAtOf(host)
    expect(waiting).toBeGreaterThan(Date.now())

    expect(host.retryRelayNow()).toBe(true)
    expect(host.snapshot().relay).toEqual({ state: 'connecting', attempt: 4 })
    await vi.advanceTimersByTimeAsync(0)
    expect(server.asked).toHaveLength(4)
    expect(server.asked[3]).toBe(Date.now())
    // It failed too: the fourth failure waits 4–8 s (the first would wait 0.5–1 s).
    expect(host.snapshot().relay).toMatchObject({ state: 'unreachable', attempt: 4 })
    const next = retryAtOf(host)
    expect(next - Date.now()).toBeGreaterThanOrEqual(4_000)
    expect(next - Date.now()).toBeLessThanOrEqual(8_000)
    // The retry that was waiting does not come on top of it.
    await vi.advanceTimersByTimeAsync(waiting - Date.now() + 100)
    expect(server.asked).toHaveLength(4)
    await vi.advanceTimersByTimeAsync(next - Date.now())
    expect(server.asked).toHaveLength(5)

    // The relay is back: one more Retry now reaches it at once.
    server.down = false
    await vi.advanceTimersByTimeAsync(0)
    expect(host.retryRelayNow()).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(server.asked.at(-1)).toBe(Date.now())
    expect(host.snapshot().relay.state).toBe('connected')
    // Connected, there is nothing to retry.
    expect(host.retryRelayNow()).toBe(false)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.asked).toHaveLength(6)
    await host.stop()
  })

  test('while an attempt runs, or before the server’s Retry-After, it starts nothing', async () => {
    const asked: number[] = []
    let release = (): void => {}
    const { host } = await fakeHost((body) => {
      asked.push(Date.now())
      if (asked.length === 1) throw new TypeError('Failed to fetch')
      // The second ask hangs until released: an attempt in flight.
      return new Promise<Response>((resolve) => {
        release = () => resolve(new Response(body, { status: 200 }))
      })
    })
    expect(host.snapshot().relay.state).toBe('unreachable')
    expect(host.retryRelayNow()).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(asked).toHaveLength(2)
    expect(host.snapshot().relay).toEqual({ state: 'connecting', attempt: 2 })
    // Clicked again (and again) while it runs: nothing more is asked, and its status stays.
    expect(host.retryRelayNow()).toBe(false)
    expect(host.retryRelayNow()).toBe(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(asked).toHaveLength(2)
    expect(host.snapshot().relay).toEqual({ state: 'connecting', attempt: 2 })
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(host.snapshot().relay.state).toBe('connected')
    await host.stop()

    // A server that answered 429 is not asked again before its Retry-After, whatever the user clicks.
    asked.length = 0
    const start = Date.now()
    const second = await fakeHost(() => {
      asked.push(Date.now())
      return new Response('too many requests', { status: 429, headers: { 'retry-after': '20' } })
    })
    await vi.advanceTimersByTimeAsync(5_000)
    expect(second.host.retryRelayNow()).toBe(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(asked.map((at) => at - start)).toEqual([0])
    await second.host.stop()
  })
})

describe("what the snapshot says of a relayed tab's direct dial", () => {
  const dialOf = (snapshot: NetworkSnapshot, id: PeerId): DirectDialStatus | undefined =>
    snapshot.peers.find((p) => p.peerId === id.toString())?.dial

  test('under way from its grace through its attempts; then failed, with why and when the next dial comes; then under way again', async () => {
    const { host, announce, relayed, dialedAt } = await fakeHost()
    const tab = await newPeerId()
    const seen: (DirectDialStatus | undefined)[] = []
    host.onChange((s) => seen.push(dialOf(s, tab)))
    // The tab dials us through the relay: a relayed link, and nothing of ours to dial it yet.
    relayed(tab)
    expect(host.snapshot().peers).toMatchObject([{ peerId: tab.toString(), kind: 'relayed' }])
    expect(dialOf(host.snapshot(), tab)).toBeUndefined()
    // It announces itself: we wait the grace for its dial, then dial it too. Under way all along, and
    // the listeners (the UI re-renders from them) told at once.
    announce(tab)
    expect(seen.at(-1)).toEqual({ state: 'dialing' })
    await vi.advanceTimersByTimeAsync(DIAL_BACK_GRACE_MS + 100)
    expect(dialedAt(tab)).toHaveLength(1)
    expect(dialOf(host.snapshot(), tab)).toEqual({ state: 'dialing' })
    // Every attempt is refused: the dial ends failed, saying why, and when the next one comes at the
    // earliest — its backoff (5 s, jittered down to 2.5 s at least), then the grace. Looked at within
    // 100 ms of its end, so that the broadcast below comes inside the shortest backoff, whatever the jitter.
    for (let waited = 0; waited < 10_000 && dialOf(host.snapshot(), tab)?.state !== 'failed'; waited += 100)
      await vi.advanceTimersByTimeAsync(100)
    const ended = host.dials().find((d) => d.peerId === tab.toString())?.ended ?? Number.NaN
    const failed = dialOf(host.snapshot(), tab)
    expect(failed).toMatchObject({ state: 'failed', error: 'NO_RESERVATION' })
    const retryAt = failed?.state === 'failed' ? failed.retryAt : Number.NaN
    expect(retryAt).toBeGreaterThanOrEqual(ended + 2_500 + DIAL_BACK_GRACE_MS)
    expect(retryAt).toBeLessThanOrEqual(ended + 5_000 + DIAL_BACK_GRACE_MS)
    expect(seen.at(-1)).toEqual(failed)
    // Its broadcasts before then dial nothing and change nothing; the first after its backoff does.
    announce(tab)
    expect(dialOf(host.snapshot(), tab)).toEqual(failed)
    await vi.advanceTimersByTimeAsync(retryAt - DIAL_BACK_GRACE_MS - Date.now())
    announce(tab)
    expect(seen.at(-1)).toEqual({ state: 'dialing' })
    await vi.advanceTimersByTimeAsync(DIAL_BACK_GRACE_MS)
    expect(dialedAt(tab)).toHaveLength(5)
    expect(dialedAt(tab)[4]).toBe(retryAt)
    await host.stop()
  })

  test('a tab known to be there but not linked yet is linking from its grace through its dial, the listeners told', async () => {
    const { host, announce, relayed, dialedAt } = await fakeHost()
    const tab = await newPeerId()
    const seen: string[][] = []
    host.onChange((s) => seen.push([...s.linking]))
    expect(host.snapshot().linking).toEqual([])
    // It announces itself before any link to it: we wait the grace for its dial, and say so at once.
    announce(tab)
    expect(host.snapshot()).toMatchObject({ peers: [], linking: [tab.toString()] })
    expect(seen.at(-1)).toEqual([tab.toString()])
    await vi.advanceTimersByTimeAsync(DIAL_BACK_GRACE_MS + 100)
    expect(dialedAt(tab)).toHaveLength(1)
    expect(host.snapshot().linking).toEqual([tab.toString()])
    // Every attempt is refused: no longer linking (its broadcast after the backoff dials it again).
    for (let waited = 0; waited < 10_000 && host.snapshot().linking.length > 0; waited += 100)
      await vi.advanceTimersByTimeAsync(100)
    expect(host.snapshot().linking).toEqual([])
    expect(seen.at(-1)).toEqual([])
    // A tab whose link is open is a peer, not one being linked to, whatever its dial.
    const other = await newPeerId()
    announce(other)
    relayed(other)
    expect(host.snapshot()).toMatchObject({ peers: [{ peerId: other.toString() }], linking: [] })
    await host.stop()
  })

  test('a dial whose attempts all time out says so, with the last timeout', async () => {
    // AbortSignal.timeout runs on Node's own timers: on the fake ones here instead.
    vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
      const controller = new AbortController()
      setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), ms)
      return controller.signal
    })
    const { host, relayed, relayLists, hangDials } = await fakeHost()
    const tab = await newPeerId()
    hangDials()
    relayed(tab)
    await relayLists([tab])
    expect(dialOf(host.snapshot(), tab)).toEqual({ state: 'dialing' })
    // Attempts of 4, 6, 8 and 10 s, with their pauses.
    await vi.advanceTimersByTimeAsync(28_000 + 2_250)
    expect(dialOf(host.snapshot(), tab)).toMatchObject({ state: 'failed', error: 'no answer within 10 s' })
    await host.stop()
  })
})

describe('topics wired before libp2p has started', () => {
  // The node's worker subscribes as it starts, over a port the page serves before its libp2p has
  // started: gossipsub refused the topic, and the node's start failed ("Pubsub has not started").
  test('a subscribe asked before the start waits for it, then subscribes', async () => {
    const { host, subscribed } = await fakeHost(undefined, { start: false })
    const asked = host.api.subscribe('blocks')
    const outcome = asked.then(
      () => 'subscribed',
      (err: unknown) => `refused: ${String(err)}`,
    )
    await vi.advanceTimersByTimeAsync(100)
    expect(subscribed).toEqual([])
    await host.start()
    expect(await outcome).toBe('subscribed')
    expect(subscribed).toEqual(['blocks'])
    // After the start, at once.
    await host.api.subscribe('status')
    expect(subscribed).toEqual(['blocks', 'status'])
    await host.stop()
  })

  test('a subscribe waiting for a start that never comes fails once the host stops', async () => {
    const { host, subscribed } = await fakeHost(undefined, { start: false })
    const asked = host.api.subscribe('blocks')
    await host.stop()
    await expect(asked).rejects.toThrow('the network host stopped')
    expect(subscribed).toEqual([])
  })
})
