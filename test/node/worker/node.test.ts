import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, devnetGenesis, genesisToJson, testGenesis } from '../../../src/node/chain/genesis'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { connect } from '../../../src/node/rpc/connect'
import { NodeError } from '../../../src/node/rpc/errors'
import { serve } from '../../../src/node/rpc/serve'
import { decodeBeacon, encodeBeacon } from '../../../src/node/worker/beacon'
import { parseInit } from '../../../src/node/worker/init'
import { createNode, type NodeApi, type NodeEvents, type NodeInit } from '../../../src/node/worker/node'
import { until } from '../../until'

const GENESIS = testGenesis()
const CHAIN = GENESIS.params.chainId

/** A test node's options: profile `profile-<peerId>`, not mining, a fixed clock; `overrides` win. */
function nodeInit(peerId: string, network: NodeInit['network'], overrides: Partial<NodeInit> = {}): NodeInit {
  return {
    profileId: `profile-${peerId}`,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[1] ?? '0x',
    mine: false,
    network,
    emit: () => {},
    now: () => 1_700_000_000_000,
    agent: 'test',
    ...overrides,
  }
}

async function makeNode(hub: ReturnType<typeof memoryHub>, peerId: string) {
  const link = hub.join(peerId)
  const events: { event: keyof NodeEvents; data: unknown }[] = []
  const node = createNode(nodeInit(peerId, link.api, { emit: (event, data) => events.push({ event, data }) }))
  await node.start()
  await link.attach(node.sink)
  return { node, link, events }
}

describe('node (in-process, memory network twin)', () => {
  test('a beacon published by one node reaches the other node', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    const b = await makeNode(hub, 'B')
    await a.node.api.announce()
    const seen = await b.node.api.peerStatuses()
    expect(seen.find((p) => p.peerId === 'A')?.agent).toBe('test')
    expect(b.events.some((e) => e.event === 'peerStatus')).toBe(true)
  })

  test('status reports profile, chain and the network snapshot', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await makeNode(hub, 'B')
    const status = await a.node.api.status()
    expect(status.profileId).toBe('profile-A')
    expect(status.chainId).toBe(CHAIN)
    expect(status.network?.peers.map((p) => p.peerId)).toEqual(['B'])
  })

  test('malformed gossip is rejected (penalised), stale beacons ignored, other topics ignored', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    const topic = chainTopic(CHAIN, 'status')
    expect(await a.node.sink.gossip(topic, new Uint8Array([0xff, 0x00]), 'X')).toBe('reject')
    expect(await a.node.sink.gossip(topic, new Uint8Array(1000), 'X')).toBe('reject')
    const beacon = encodeBeacon({ seq: 5n, sentAt: 1n, head: 0n, agent: 'x' })
    expect(await a.node.sink.gossip(topic, beacon, 'X')).toBe('accept')
    expect(await a.node.sink.gossip(topic, beacon, 'X')).toBe('ignore')
    expect(await a.node.sink.gossip('another/topic', beacon, 'X')).toBe('ignore')
    expect((await a.node.api.peerStatuses()).length).toBe(1)
  })

  test('repeated malformed beacons on the status topic drop their sender, as bad blocks do', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    hub.join('X')
    const topic = chainTopic(CHAIN, 'status')
    const verdicts: string[] = []
    for (const junk of [new Uint8Array([0xff, 0x00]), new Uint8Array(1000), Uint8Array.of(0xc0)])
      verdicts.push(await a.node.sink.gossip(topic, junk, 'X'))
    expect(verdicts).toEqual(['reject', 'reject', 'reject'])
    expect(await a.node.api.stats()).toMatchObject({ penalties: 3, peersDropped: 1 })
    expect(a.node.syncer.isBanned('X')).toBe(true)
    expect(hub.linked('A', 'X')).toBe(false)
    // Its blocks are refused unread now too: the status topic feeds the node's one board.
    expect(await a.node.sink.gossip(chainTopic(CHAIN, 'blocks'), new Uint8Array([1]), 'X')).toBe('reject')
    // And its beacons, however well formed: it does not show among the peers.
    const beacon = encodeBeacon({ seq: 1n, sentAt: 0n, head: 9n, agent: 'x' })
    expect(await a.node.sink.gossip(topic, beacon, 'X')).toBe('reject')
    expect((await a.node.api.peerStatuses()).map((p) => p.peerId)).not.toContain('X')
    expect((await a.node.api.stats()).penalties).toBe(3)
  })

  test('queryPeer asks one peer for its status over request/response', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await makeNode(hub, 'B')
    const answer = await a.node.api.queryPeer('B')
    expect(answer).toMatchObject({ peerId: 'B', agent: 'test' })
    await expect(a.node.api.queryPeer('nobody')).rejects.toMatchObject({
      type: { code: 'NET_NO_DIRECT_LINK' },
    })
    await expect(a.node.api.queryPeer(7 as unknown as string)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS', reason: 'peerId must be a string' },
      message: 'invalid params: peerId must be a string',
    })
    await expect(a.node.api.setMining('yes' as unknown as boolean)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS', reason: 'on must be a boolean' },
      message: 'invalid params: on must be a boolean',
    })
  })

  test('a status request with a body is refused', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await expect(
      a.node.sink.request(chainProtocol(CHAIN, 'status'), new Uint8Array([1]), 'X'),
    ).rejects.toMatchObject({
      type: { code: 'NODE_BAD_REQUEST', reason: 'status takes no body' },
      message: `the request on ${chainProtocol(CHAIN, 'status')} is refused: status takes no body`,
    })
  })

  test('a peer linked before the start is done is taken once it is done, and mining starts then', async () => {
    // The page's network host reports its links as soon as the worker serves its side, which is before
    // the node's start; syncing from a peer then (its database writes) held the start back.
    const hub = memoryHub()
    await makeNode(hub, 'B')
    const link = hub.join('A')
    let release = (): void => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let released = false
    const asked: { protocol: string; released: boolean }[] = []
    const node = createNode(
      nodeInit(
        'A',
        {
          ...link.api,
          // The start's offers step waits here until the test lets it go.
          handle: async (protocol) => {
            if (protocol === chainProtocol(CHAIN, 'offers')) await held
            await link.api.handle(protocol)
          },
          request: (peer, protocol, data, timeoutMs) => {
            asked.push({ protocol, released })
            return link.api.request(peer, protocol, data, timeoutMs)
          },
        },
        { mine: true },
      ),
    )
    const start = node.start()
    await link.attach(node.sink)
    expect((await node.api.status()).network).toBeNull()
    expect((await node.api.mining()).enabled).toBe(false)
    released = true
    release()
    await start
    try {
      expect((await node.api.status()).network?.peers.map((p) => p.peerId)).toEqual(['B'])
      expect(asked.length).toBeGreaterThan(0)
      expect(asked.filter((a) => !a.released)).toEqual([])
      expect((await node.api.mining()).enabled).toBe(true)
    } finally {
      node.stop()
    }
  })

  test('a linked peer whose subscription to the txs and offers topics reaches us (again) is asked for its pool and offers', async () => {
    const hub = memoryHub()
    await makeNode(hub, 'B')
    const link = hub.join('A')
    const asked: string[] = []
    const node = createNode(
      nodeInit('A', {
        ...link.api,
        request: (peer, protocol, data, timeoutMs) => {
          asked.push(protocol)
          return link.api.request(peer, protocol, data, timeoutMs)
        },
      }),
    )
    await node.start()
    await link.attach(node.sink)
    const pool = chainProtocol(CHAIN, 'sync-pool')
    const offers = chainProtocol(CHAIN, 'offers')
    const view = (topics: string[]) => ({
      peerId: 'A',
      relay: { state: 'connected' as const, address: 'memory' },
      peers: [{ peerId: 'B', kind: 'direct' as const, address: 'memory/B', since: 0, topics }],
      linking: [],
    })
    // Linked (the hub's view, no topics yet): asked once for each.
    const count = (protocol: string) => asked.filter((p) => p === protocol).length
    await until(() => count(pool) === 1 && count(offers) === 1)
    const topics = [chainTopic(CHAIN, 'txs'), chainTopic(CHAIN, 'offers')]
    await node.sink.networkChanged(view(topics))
    await until(() => count(pool) === 2 && count(offers) === 2)
    // Nothing new: not asked again; the subscriptions lost and back (a gossip stream restored): again.
    await node.sink.networkChanged(view(topics))
    await node.sink.networkChanged(view([]))
    expect([count(pool), count(offers)]).toEqual([2, 2])
    await node.sink.networkChanged(view([chainTopic(CHAIN, 'txs')]))
    await until(() => count(pool) === 3)
    expect(count(offers)).toBe(2)
  })

  test('a new peer whose status answer does not come is asked again while it stays linked and silent', async () => {
    const hub = memoryHub()
    const status = chainProtocol(CHAIN, 'status')
    // B answers status requests and announces nothing (a peer that holds still).
    const still = hub.join('B')
    await still.api.handle(status)
    await still.attach({
      gossip: async () => 'ignore',
      request: async () => encodeBeacon({ seq: 1n, sentAt: 1n, head: 7n, agent: 'still' }),
      networkChanged: async () => {},
    })
    const link = hub.join('A')
    let asked = 0
    const node = createNode(
      nodeInit('A', {
        ...link.api,
        request: (peer, protocol, data, timeoutMs) => {
          if (protocol !== status) return link.api.request(peer, protocol, data, timeoutMs)
          asked++
          // The first answer is lost (a stream reset on a link just up); B announces nothing else.
          if (asked === 1) return Promise.reject(new Error('stream reset'))
          return link.api.request(peer, protocol, data, timeoutMs)
        },
      }),
    )
    await node.start()
    try {
      await link.attach(node.sink)
      await until(async () => (await node.api.peerStatuses()).some((p) => p.peerId === 'B'), 10_000)
      expect(asked).toBe(2)
      expect((await node.api.peerStatuses()).find((p) => p.peerId === 'B')?.head).toBe(7n)
    } finally {
      node.stop()
    }
  })

  test('storage() reports a storage fault once the store has one, and not before', async () => {
    const hub = memoryHub()
    let fault: { code: 'STORAGE_QUOTA_EXCEEDED'; message: string } | undefined
    const node = createNode(nodeInit('F', hub.join('F').api, { storageFault: () => fault }))
    expect((await node.api.storage()).fault).toBeUndefined()
    fault = { code: 'STORAGE_QUOTA_EXCEEDED', message: 'quota reached' }
    expect((await node.api.storage()).fault).toEqual(fault)
  })

  test('requests on unknown protocols fail with a typed error', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await expect(a.node.sink.request('/nope/1', new Uint8Array(), 'X')).rejects.toMatchObject({
      type: { code: 'NODE_NO_HANDLER', protocol: '/nope/1' },
      message: 'this node does not serve /nope/1',
    })
  })

  test('the same NodeApi object answers the same over a real MessageChannel', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await makeNode(hub, 'B')
    const channel = new MessageChannel()
    serve<NodeApi, NodeEvents>(channel.port1, a.node.api)
    const client = connect<NodeApi, NodeEvents>(channel.port2)
    expect(await client.api.status()).toEqual(await a.node.api.status())
    await expect(client.call('nope' as 'status', [])).rejects.toMatchObject({
      type: { code: 'RPC_UNKNOWN_METHOD' },
    })
    client.close()
    channel.port1.close()
  })
})

describe('beacon codec', () => {
  test('round-trips', () => {
    const b = { seq: 3n, sentAt: 1_700_000_000_000n, head: 42n, agent: 'tabchain/0.1.0' }
    expect(decodeBeacon(encodeBeacon(b))).toEqual(b)
  })

  test('has one encoding per beacon: an agent opening with a byte-order mark keeps it', () => {
    const b = { seq: 1n, sentAt: 2n, head: 3n, agent: '\uFEFFtab' }
    const bytes = encodeBeacon(b)
    expect(decodeBeacon(bytes)).toEqual(b)
    expect(encodeBeacon(decodeBeacon(bytes))).toEqual(bytes)
  })

  test.each([
    ['empty', new Uint8Array()],
    ['not a list', new Uint8Array([0x80])],
    ['trailing bytes', new Uint8Array([...encodeBeacon({ seq: 1n, sentAt: 1n, head: 1n, agent: '' }), 0])],
    ['oversized', new Uint8Array(300)],
    ['wrong version', new Uint8Array([0xc5, 0x02, 0x01, 0x01, 0x01, 0x80])],
    ['non-canonical int', new Uint8Array([0xc6, 0x01, 0x81, 0x00, 0x01, 0x01, 0x80])],
    ['bad utf-8', new Uint8Array([0xc6, 0x01, 0x01, 0x01, 0x01, 0x81, 0xff])],
  ])('rejects %s with a typed error', (_name, bytes) => {
    expect(() => decodeBeacon(bytes)).toThrowError(NodeError)
    try {
      decodeBeacon(bytes)
    } catch (err) {
      expect((err as NodeError).type.code).toBe('BEACON_MALFORMED')
    }
  })
})

describe('worker init message', () => {
  const INIT_COINBASE = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
  /** Well-formed but for its ports, which are not MessagePorts. */
  const fullInit = {
    type: 'init',
    profileId: 'p',
    genesis: devnetGenesis,
    mine: false,
    coinbase: INIT_COINBASE,
    modePin: 'auto',
    lifeLock: 'tabchain-node-life-1',
    ports: {},
  }
  test.each([
    ['null', null],
    ['a string', 'init'],
    ['wrong type', { type: 'start' }],
    ['no profile', { type: 'init', genesis: devnetGenesis, ports: {} }],
    ['no genesis', { type: 'init', profileId: 'p', ports: {} }],
    [
      'an invalid genesis',
      {
        type: 'init',
        profileId: 'p',
        genesis: { ...devnetGenesis, params: { ...devnetGenesis.params, chainId: -1 } },
      },
    ],
    ['no mine flag', { type: 'init', profileId: 'p', genesis: devnetGenesis, ports: {} }],
    ['no coinbase', { type: 'init', profileId: 'p', genesis: devnetGenesis, mine: false, ports: {} }],
    [
      'a coinbase that is not an address',
      { type: 'init', profileId: 'p', genesis: devnetGenesis, mine: false, coinbase: '0x12', ports: {} },
    ],
    ['a bad mode pin', { ...fullInit, modePin: 'fast' }],
    ['ports not ports', { ...fullInit, ports: { api: 1, network: 2, sink: 3 } }],
  ])('rejects %s with WORKER_BAD_INIT', (_name, msg) => {
    expect(() => parseInit(msg)).toThrowError(
      expect.objectContaining({ type: expect.objectContaining({ code: 'WORKER_BAD_INIT' }) }),
    )
  })

  test.each(['', '-reserved', 7])('rejects a life lock named %j, all else well-formed', (lifeLock) => {
    const [a, b, c] = [new MessageChannel(), new MessageChannel(), new MessageChannel()]
    expect(() =>
      parseInit({ ...fullInit, lifeLock, ports: { api: a.port1, network: b.port1, sink: c.port1 } }),
    ).toThrowError(
      expect.objectContaining({
        type: { code: 'WORKER_BAD_INIT', reason: expect.stringContaining('lifeLock') },
      }),
    )
    for (const ch of [a, b, c]) ch.port1.close()
  })

  test.each([
    [
      'a chain id out of range',
      { ...devnetGenesis, params: { ...devnetGenesis.params, chainId: -1 } },
      'genesis params.chainId must be an integer in [1, 4294967295]',
    ],
    ['not an object', 'devnet', 'genesis must be an object'],
  ])('a refused genesis (%s) reads as one sentence naming its field', (_name, genesis, reason) => {
    expect(() => parseInit({ ...fullInit, genesis })).toThrowError(
      expect.objectContaining({
        type: { code: 'WORKER_BAD_INIT', reason },
        message: `the worker's start message is invalid: ${reason}`,
      }),
    )
  })

  test("a refused init's message says what is wrong in words (the failed screen shows it), the code in its type", () => {
    expect(() => parseInit({ type: 'start' })).toThrowError(
      expect.objectContaining({
        type: { code: 'WORKER_BAD_INIT', reason: 'type is not "init"' },
        message: 'the worker\'s start message is invalid: type is not "init"',
      }),
    )
  })

  test('accepts a well-formed init, with the genesis as JSON carries it', () => {
    const fast = testGenesis({ params: { confirmations: 1 } })
    const genesisWire: unknown = JSON.parse(genesisToJson(fast))
    const [a, b, c] = [new MessageChannel(), new MessageChannel(), new MessageChannel()]
    const init = parseInit({
      type: 'init',
      profileId: 'p',
      genesis: genesisWire,
      mine: true,
      coinbase: INIT_COINBASE,
      modePin: 'light',
      lifeLock: 'tabchain-node-life-1',
      ports: { api: a.port1, network: b.port1, sink: c.port1 },
    })
    expect(init.lifeLock).toBe('tabchain-node-life-1')
    expect(init.genesis).toEqual(fast)
    expect(init.modePin).toBe('light')
    expect(init.coinbase).toBe(INIT_COINBASE.toLowerCase())
    for (const ch of [a, b, c]) ch.port1.close()
  })
})
