import { type Hex, toHex } from 'viem'
import { describe, expect, test, vi } from 'vitest'
import { encodeBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import { decodeHeader, encodeHeader, hashHeader } from '../../../src/node/chain/header'
import type { Block, Header } from '../../../src/node/chain/types'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { NetError } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import { chainTopic, MAX_GOSSIP_BYTES } from '../../../src/node/network/protocol'
import { blockGossip } from '../../../src/node/sync/block-gossip'
import {
  decodeBlocksRequest,
  decodeBlocksResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  MAX_SYNC_RESPONSE_BYTES,
} from '../../../src/node/sync/messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { DEFAULT_SYNC_CONFIG } from '../../../src/node/sync/syncer'
import { until } from '../../until'
import { blockOf, blockOfSize, padded, seal, txsOf } from '../chain/chain-fixtures'
import { startMemoryNode } from './memory-node'

const GENESIS = testGenesis()
const CHAIN = GENESIS.params.chainId
const BLOCKS = chainTopic(CHAIN, 'blocks')
const BIG_BLOCKS = chainTopic(CHAIN, 'big-blocks')

/** `count` transfers from account 0 (nonces from 0) each carrying 130,000 calldata bytes: ~130 KB apiece. */
const bulky = (count: number): Promise<Hex[]> =>
  Promise.all(Array.from({ length: count }, (_, nonce) => padded(nonce, 130_000)))

/**
 * A bare peer of `hub` (no node behind it): it gossips what the test publishes through its `api`, and
 * answers `sync-blocks` requests with the blocks `serve` gives for the hashes asked.
 */
async function barePeer(
  hub: ReturnType<typeof memoryHub>,
  id: string,
  serve: (hashes: readonly Hex[]) => readonly Block[] | Promise<readonly Block[]>,
) {
  const link = hub.join(id)
  await link.api.handle(syncProtocols(CHAIN).blocks)
  await link.attach({
    gossip: async () => 'ignore',
    request: async (_protocol, data) =>
      encodeBlocksResponse((await serve(decodeBlocksRequest(data))).map((b) => encodeBlock(b))),
    networkChanged: async () => {},
  })
  return link
}

/**
 * `sink` behind a seen cache, as gossipsub puts it in front of a node: a message whose bytes already came
 * on its topic (from any peer) is dropped unread, for gossipsub identifies a message by its data.
 */
function seenOnce(sink: NetworkSink): NetworkSink {
  const seen = new Set<string>()
  return {
    ...sink,
    async gossip(topic, data, from) {
      const id = `${topic} ${toHex(data)}`
      if (seen.has(id)) return 'ignore'
      seen.add(id)
      return sink.gossip(topic, data, from)
    },
  }
}

/**
 * A lying peer of `hub`: it passes every announcement it receives on at once (as its own message, ahead of
 * the honest copy) and answers requests for the block with what `serve` makes of the header (when it
 * answers: `serve` may never settle).
 */
async function relayingLiar(
  hub: ReturnType<typeof memoryHub>,
  id: string,
  serve: (header: Header) => readonly Block[] | Promise<readonly Block[]>,
) {
  const link = hub.join(id)
  let last: Header | null = null
  await link.api.handle(syncProtocols(CHAIN).blocks)
  await link.api.subscribe(BIG_BLOCKS)
  await link.attach({
    gossip: async (topic, data) => {
      if (topic !== BIG_BLOCKS) return 'ignore'
      last = decodeHeader(data)
      await link.api.publish(topic, data)
      return 'ignore'
    },
    request: async (_protocol, data) => {
      const header = last
      const asked = decodeBlocksRequest(data)
      const blocks = header !== null && asked.includes(hashHeader(header)) ? await serve(header) : []
      return encodeBlocksResponse(blocks.map((b) => encodeBlock(b)))
    },
    networkChanged: async () => {},
  })
  return link
}

type MemoryNode = Awaited<ReturnType<typeof startMemoryNode>>

/**
 * Has `m` (its clock standing still: no block after it) mine one big block once `v` knows it, and
 * resolves with that head.
 */
async function mineBig(m: MemoryNode, v: MemoryNode) {
  // A memory node's profile is its peer id.
  const { profileId } = await m.api.status()
  await until(async () => (await v.api.peerStatuses()).some((p) => p.peerId === profileId))
  for (const raw of await bulky(12)) await m.api.sendRawTransaction(raw)
  await m.api.setMining(true)
  await until(async () => (await m.api.head()).number === 1n)
  await m.api.setMining(false)
  return { mined: await m.api.head() }
}

/** The verdicts `hub` recorded for announcements (`big-blocks`), as [from, to, verdict]. */
const announcementVerdicts = (hub: ReturnType<typeof memoryHub>) =>
  hub.verdicts.filter(([topic]) => topic === BIG_BLOCKS).map(([, from, to, verdict]) => [from, to, verdict])

/**
 * V took M's block on the announcement L relayed first (M's own copy a duplicate, dropped unread), not by
 * sync, and `penalties` were paid.
 */
async function expectRelayedBlock(hub: ReturnType<typeof memoryHub>, v: MemoryNode, penalties: number) {
  expect(announcementVerdicts(hub).filter(([, to]) => to === 'V')).toEqual([
    ['L', 'V', 'accept'],
    ['M', 'V', 'ignore'],
  ])
  expect(await v.api.stats()).toMatchObject({
    blocksFromAnnouncements: 1,
    blocksFetchedBySync: 0,
    penalties,
  })
}

describe('blocks too big for gossip', () => {
  test('a mined block of ~1.5 MiB reaches the peer at once, with no block after it', async () => {
    // The miner's clock stands still: once block 1 is mined, block 2 waits for a clock that never moves.
    const clock = Date.now()
    const hub = memoryHub()
    const a = await startMemoryNode(hub, 'A', GENESIS, { now: () => clock })
    const b = await startMemoryNode(hub, 'B', GENESIS)
    for (const raw of await bulky(12)) await a.api.sendRawTransaction(raw)
    await a.api.setMining(true)
    await until(async () => (await a.api.head()).number === 1n)
    await a.api.setMining(false)
    const mined = await a.api.head()
    expect(mined.txCount).toBe(12)
    // B has it, with no later block (an orphan to sync from) and no beacon: it fetched it from A on the
    // announcement, for the block is over the gossip cap and went out as its header.
    await until(async () => (await b.api.head()).hash === mined.hash, 10_000)
    expect(await a.api.stats()).toMatchObject({ blocksMined: 1, blocksAnnounced: 1, blocksUnsent: 0 })
    expect(await b.api.stats()).toMatchObject({
      blocksFromAnnouncements: 1,
      blocksFetchedBySync: 0,
      penalties: 0,
    })
    expect(announcementVerdicts(hub)).toEqual([['A', 'B', 'accept']])
    expect((await a.api.head()).number).toBe(1n)
    a.stop()
    b.stop()
  }, 60_000)

  test('an announcer that serves nothing, another block or a forged body is penalised, and nothing is imported', async () => {
    const chain = new Chain({ genesis: GENESIS })
    const big = blockOf(chain, txsOf(chain, await bulky(12)))
    const hash = hashBlock(big)
    const announcement = blockGossip(big, CHAIN)
    expect(announcement.topic).toBe(BIG_BLOCKS)
    expect(announcement.data.byteLength).toBeLessThan(1024)
    const hub = memoryHub()
    const b = await startMemoryNode(hub, 'B', GENESIS)
    const liars = [
      await barePeer(hub, 'silent', () => []),
      await barePeer(hub, 'other', () => [blockOf(chain, [])]),
      await barePeer(hub, 'forged', () => [{ header: big.header, transactions: big.transactions.slice(1) }]),
    ]
    for (const liar of liars) await liar.api.publish(announcement.topic, announcement.data)
    expect(announcementVerdicts(hub)).toEqual([
      ['silent', 'B', 'reject'],
      ['other', 'B', 'reject'],
      ['forged', 'B', 'reject'],
    ])
    expect((await b.api.head()).number).toBe(0n)
    expect(await b.api.blockByHash(hash)).toBeNull()
    expect(await b.api.stats()).toMatchObject({ penalties: 3, blocksFromAnnouncements: 0 })
    // The same announcement from a peer that serves the block: it spreads, though no node here mined it.
    const honest = await barePeer(hub, 'honest', (hashes) => (hashes.includes(hash) ? [big] : []))
    await honest.api.publish(announcement.topic, announcement.data)
    expect(announcementVerdicts(hub).at(-1)).toEqual(['honest', 'B', 'accept'])
    expect((await b.api.head()).hash).toBe(hash)
    expect(await b.api.stats()).toMatchObject({ penalties: 3, blocksFromAnnouncements: 1 })
    b.stop()
  }, 60_000)

  test.each([
    ['serves nothing', () => []],
    ['serves a forged body', (header: Header) => [{ header, transactions: [] }]],
  ])(
    'a peer that relays the header first and %s is penalised; the block comes from another peer at once',
    async (_, serve: (header: Header) => readonly Block[]) => {
      // M mines one big block (its clock stands still: no block after it); L passes M's header on to V
      // first, so gossipsub drops the honest copy from M as a duplicate without asking V's node.
      const clock = Date.now()
      const hub = memoryHub()
      const m = await startMemoryNode(hub, 'M', GENESIS, { now: () => clock })
      await relayingLiar(hub, 'L', serve)
      const v = await startMemoryNode(hub, 'V', GENESIS, {}, seenOnce)
      const { mined } = await mineBig(m, v)
      expect(await m.api.stats()).toMatchObject({ blocksAnnounced: 1 })
      await until(async () => (await v.api.head()).hash === mined.hash, 10_000)
      await expectRelayedBlock(hub, v, 1)
      expect((await m.api.head()).number).toBe(1n)
      m.stop()
      v.stop()
    },
    60_000,
  )

  test('a peer that relays the header first and never answers holds the block 2 s, not its request timeout: the miner is asked meanwhile', async () => {
    const clock = Date.now()
    const hub = memoryHub()
    const m = await startMemoryNode(hub, 'M', GENESIS, { now: () => clock })
    let askedAt = 0
    await relayingLiar(hub, 'L', () => {
      askedAt = Date.now()
      return new Promise<never>(() => {})
    })
    // V's requests time out after 10 minutes, past this test's own timeout: its request to L never ends
    // here, so the block coming at all means V asked M without waiting for it, however slow the machine.
    const v = await startMemoryNode(hub, 'V', GENESIS, { sync: { requestTimeoutMs: 600_000 } }, seenOnce)
    const { mined } = await mineBig(m, v)
    await until(async () => (await v.api.head()).hash === mined.hash, 45_000)
    // And without holding it as long as the 10 s such a peer used to cost by default: timed from V's
    // request to L (not from the mining, nor the big block's way to V).
    expect(askedAt).toBeGreaterThan(0)
    expect(Date.now() - askedAt).toBeLessThan(DEFAULT_SYNC_CONFIG.requestTimeoutMs)
    await expectRelayedBlock(hub, v, 0)
    m.stop()
    v.stop()
  }, 60_000)

  test.each([
    ['serves nothing, and pays for it', 'nothing', 1],
    ['serves the block, and pays nothing for being slow', 'the block', 0],
  ] as const)(
    'a peer that relays the header first and answers only after 6 s %s; the block comes from the miner before',
    async (_, late, penalties) => {
      const clock = Date.now()
      const hub = memoryHub()
      const m = await startMemoryNode(hub, 'M', GENESIS, { now: () => clock })
      const blocksProtocol = syncProtocols(CHAIN).blocks
      const l = await relayingLiar(hub, 'L', async (header) => {
        await new Promise((resolve) => setTimeout(resolve, 6_000))
        if (late === 'nothing') return []
        // What the miner serves, passed on.
        const asked = encodeBlocksRequest([hashHeader(header)])
        return decodeBlocksResponse(await l.api.request('M', blocksProtocol, asked))
      })
      let answered = false
      const v = await startMemoryNode(
        hub,
        'V',
        GENESIS,
        {
          network: (api) => ({
            ...api,
            request: (peer, protocol, data, timeoutMs) =>
              api.request(peer, protocol, data, timeoutMs).finally(() => {
                if (peer === 'L' && protocol === blocksProtocol) answered = true
              }),
          }),
        },
        seenOnce,
      )
      const { mined } = await mineBig(m, v)
      await until(async () => (await v.api.head()).hash === mined.hash, 30_000)
      expect(answered).toBe(false)
      expect(await v.api.stats()).toMatchObject({ blocksFromAnnouncements: 1, penalties: 0 })
      // L's answer is judged when it comes, as any answer is.
      await until(() => answered)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(await v.api.stats()).toMatchObject({ blocksFromAnnouncements: 1, penalties })
      expect(v.syncer.breakerState('L')).toBe('closed')
      expect((await v.api.head()).hash).toBe(mined.hash)
      m.stop()
      v.stop()
    },
    60_000,
  )

  test('past a failed announcer, at most 3 other peers are asked (none for an invalid block), and one that lacks the block pays nothing', async () => {
    const block = blockOf(new Chain({ genesis: GENESIS }), [])
    const hub = memoryHub()
    const blocksProtocol = syncProtocols(CHAIN).blocks
    let asked = 0
    const counting = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === blocksProtocol && from === 'V') asked++
        return sink.request(protocol, data, from)
      },
    })
    // Four full peers at the genesis: none holds the block (each is sent the announcement too, and asks
    // the others in turn: only V's requests are counted).
    const holders = []
    for (const id of ['H1', 'H2', 'H3', 'H4'])
      holders.push(await startMemoryNode(hub, id, GENESIS, {}, counting))
    const v = await startMemoryNode(hub, 'V', GENESIS)
    await until(async () => (await v.api.peerStatuses()).length === 4)
    const silent = await barePeer(hub, 'silent', () => [])
    await silent.api.publish(BIG_BLOCKS, encodeHeader(block.header))
    expect(announcementVerdicts(hub).filter(([, to]) => to === 'V')).toEqual([['silent', 'V', 'reject']])
    expect(asked).toBe(3)
    expect(await v.api.stats()).toMatchObject({ penalties: 1, blocksFromAnnouncements: 0 })
    expect(await v.api.blockByHash(hashBlock(block))).toBeNull()
    // A block invalid with the very body its header commits to is invalid whoever serves it: no one else
    // is asked.
    const invalid = seal({ ...block, header: { ...block.header, stateRoot: `0x${'11'.repeat(32)}` } })
    const bad = await barePeer(hub, 'bad', () => [invalid])
    await bad.api.publish(BIG_BLOCKS, encodeHeader(invalid.header))
    expect(announcementVerdicts(hub).filter(([, to]) => to === 'V')).toEqual([
      ['silent', 'V', 'reject'],
      ['bad', 'V', 'reject'],
    ])
    expect(asked).toBe(3)
    expect(await v.api.stats()).toMatchObject({ penalties: 2, blocksFromAnnouncements: 0 })
    for (const node of [...holders, v]) node.stop()
  })

  test('past a failed announcer, a light peer is not asked for the block (it holds headers only)', async () => {
    const block = blockOf(new Chain({ genesis: GENESIS }), [])
    const hub = memoryHub()
    const blocksProtocol = syncProtocols(CHAIN).blocks
    const asked: string[] = []
    const v = await startMemoryNode(hub, 'V', GENESIS, {
      network: (api) => ({
        ...api,
        request: (peer, protocol, data, timeoutMs) => {
          if (protocol === blocksProtocol) asked.push(peer)
          return api.request(peer, protocol, data, timeoutMs)
        },
      }),
    })
    const light = await startMemoryNode(hub, 'L', GENESIS, { modePin: 'light' })
    const full = await startMemoryNode(hub, 'F', GENESIS)
    await until(async () => (await v.api.peerStatuses()).length === 2)
    expect((await v.api.peerStatuses()).find((p) => p.peerId === 'L')).toMatchObject({
      head: 0n,
      agent: 'test (light)',
    })
    const silent = await barePeer(hub, 'silent', () => [])
    await silent.api.publish(BIG_BLOCKS, encodeHeader(block.header))
    expect(announcementVerdicts(hub).filter(([, to]) => to === 'V')).toEqual([['silent', 'V', 'reject']])
    // The full peer at the genesis is asked (its claim may be stale); the light one never.
    expect(asked).toEqual(['silent', 'F'])
    for (const node of [v, light, full]) node.stop()
  })

  test('a block of exactly the gossip cap goes whole, one byte larger goes as its header; the peer takes both', async () => {
    const chain = new Chain({ genesis: GENESIS })
    const full = await bulky(8)
    const atCap = await blockOfSize(chain, MAX_GOSSIP_BYTES, full)
    const over = await blockOfSize(chain, MAX_GOSSIP_BYTES + 1, full)
    expect(blockGossip(atCap, CHAIN)).toEqual({ topic: BLOCKS, data: encodeBlock(atCap) })
    expect(blockGossip(over, CHAIN)).toEqual({ topic: BIG_BLOCKS, data: encodeHeader(over.header) })
    const hub = memoryHub()
    const b = await startMemoryNode(hub, 'B', GENESIS)
    const f = await barePeer(hub, 'F', (hashes) => [atCap, over].filter((x) => hashes.includes(hashBlock(x))))
    // The network draws its line at the same byte: whole, the larger block is refused.
    await expect(f.api.publish(BLOCKS, encodeBlock(over))).rejects.toMatchObject({
      type: { code: 'NET_MESSAGE_TOO_LARGE', size: MAX_GOSSIP_BYTES + 1, max: MAX_GOSSIP_BYTES },
    })
    for (const block of [atCap, over]) {
      const { topic, data } = blockGossip(block, CHAIN)
      await f.api.publish(topic, data)
    }
    expect(hub.verdicts.map(([topic, from, , verdict]) => [topic, from, verdict])).toEqual([
      [BLOCKS, 'F', 'accept'],
      [BIG_BLOCKS, 'F', 'accept'],
    ])
    expect(await b.api.blockByHash(hashBlock(atCap))).not.toBeNull()
    expect(await b.api.blockByHash(hashBlock(over))).not.toBeNull()
    expect(await b.api.stats()).toMatchObject({
      blocksFromGossip: 1,
      blocksFromAnnouncements: 1,
      penalties: 0,
    })
    b.stop()
  }, 60_000)

  test('an announcement sent again while its block is being fetched from its sender asks for it once', async () => {
    const block = blockOf(new Chain({ genesis: GENESIS }), [])
    const hub = memoryHub()
    const b = await startMemoryNode(hub, 'B', GENESIS)
    let asked = 0
    let release = (): void => {}
    const served = new Promise<void>((resolve) => {
      release = resolve
    })
    const f = await barePeer(hub, 'F', async () => {
      asked++
      await served
      return [block]
    })
    const header = encodeHeader(block.header)
    const first = f.api.publish(BIG_BLOCKS, header)
    await until(() => asked === 1)
    await f.api.publish(BIG_BLOCKS, header)
    release()
    await first
    expect(announcementVerdicts(hub)).toEqual([
      ['F', 'B', 'ignore'],
      ['F', 'B', 'accept'],
    ])
    expect(asked).toBe(1)
    expect((await b.api.head()).hash).toBe(hashBlock(block))
    b.stop()
  })

  test('a light node takes an announced header and forwards nothing (it could not serve the block)', async () => {
    const chain = new Chain({ genesis: GENESIS })
    const big = blockOf(chain, txsOf(chain, await bulky(12)))
    const hub = memoryHub()
    const light = await startMemoryNode(hub, 'L', GENESIS, { modePin: 'light' })
    const f = await barePeer(hub, 'F', () => [big])
    const { topic, data } = blockGossip(big, CHAIN)
    await f.api.publish(topic, data)
    expect(announcementVerdicts(hub)).toEqual([['F', 'L', 'ignore']])
    await until(async () => (await light.api.head()).hash === hashBlock(big))
    light.stop()
  }, 60_000)

  test('a mined block the network refuses to gossip is counted and told, not dropped unseen', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const clock = Date.now()
    const node = await startMemoryNode(memoryHub(), 'A', GENESIS, {
      now: () => clock,
      network: (api) => ({
        ...api,
        publish: () => Promise.reject(new NetError({ code: 'NET_NOT_STARTED' })),
      }),
    })
    await node.api.setMining(true)
    await until(async () => (await node.api.head()).number === 1n)
    await node.api.setMining(false)
    await until(async () => (await node.api.stats()).blocksUnsent === 1)
    expect(warn).toHaveBeenCalledWith(
      'block #1 was not gossiped',
      expect.objectContaining({ type: { code: 'NET_NOT_STARTED' } }),
    )
    warn.mockRestore()
    node.stop()
  })
})

describe('serving big blocks by sync', () => {
  test('two blocks of ~1.5 MiB asked at once: the answer carries the first only, within the response cap, and the second comes next', async () => {
    const chain = new Chain({ genesis: GENESIS })
    const txs = await Promise.all(Array.from({ length: 26 }, (_, nonce) => padded(nonce, 130_000)))
    const blocks: Block[] = []
    for (const part of [txs.slice(0, 13), txs.slice(13)]) {
      const block = blockOf(chain, txsOf(chain, part))
      expect(chain.importBlock(block, block.header.timestamp).kind).toBe('extended')
      blocks.push(block)
    }
    const sizes = blocks.map((b) => encodeBlock(b).length)
    expect(sizes[0]).toBeGreaterThan(MAX_SYNC_RESPONSE_BYTES / 2)
    const server = createSyncServer({ chain, now: () => 0 })
    const ask = (bs: readonly Block[]) => {
      const answer = server.answer(syncProtocols(CHAIN).blocks, encodeBlocksRequest(bs.map(hashBlock)), 'X')
      if (answer === null) throw new Error('the blocks exchange is not served')
      expect(answer.length).toBeLessThanOrEqual(MAX_SYNC_RESPONSE_BYTES)
      return decodeBlocksResponse(answer).map(hashBlock)
    }
    expect(ask(blocks)).toEqual([hashBlock(blocks[0] as Block)])
    expect(ask(blocks.slice(1))).toEqual([hashBlock(blocks[1] as Block)])
  }, 60_000)
})
