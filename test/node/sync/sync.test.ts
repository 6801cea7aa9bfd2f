import type { Address, Hex } from 'viem'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { encodeBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS, testGenesis, validateGenesis } from '../../../src/node/chain/genesis'
import { headerFields } from '../../../src/node/chain/header'
import type { Block, Genesis, Header } from '../../../src/node/chain/types'
import { bigintToBytes, fromHex } from '../../../src/node/codec/bytes'
import { rlpEncode } from '../../../src/node/codec/rlp'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { accountKey } from '../../../src/node/state/keys'
import {
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS_PER_REQUEST,
  MAX_SYNC_RESPONSE_BYTES,
} from '../../../src/node/sync/messages'
import { decodeStateProofResponse, encodeStateProofRequest } from '../../../src/node/sync/proof-messages'
import { decodeSnapshotResponse, encodeSnapshotRequest } from '../../../src/node/sync/snapshot-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { type SyncConfig, Syncer, type SyncStatus, type SyncWait } from '../../../src/node/sync/syncer'
import { decodeBeacon, encodeBeacon } from '../../../src/node/worker/beacon'
import { createNode, type Node, type ReorgInfo } from '../../../src/node/worker/node'
import { asyncCodeOf } from '../../code-of'
import { until } from '../../until'
import { signTx } from '../chain/tx-fixtures'
import { claimingWork } from './claiming-peer'

const GENESIS = testGenesis()
const CHAIN_ID = GENESIS.params.chainId
const PROTOCOLS = syncProtocols(CHAIN_ID)
const STATUS = chainProtocol(CHAIN_ID, 'status')
const MINER = DEVNET_ACCOUNTS[2] ?? '0x'
/** Fast retries and short breaker periods, so failure paths run in well under a second each. */
const FAST: Partial<SyncConfig> = { retryBaseMs: 10, retryMaxMs: 50, breakerOpenMs: 300 }

/** Seals one block on `parent` (difficulty 2: a handful of hashes). */
function sealOn(chain: Chain, parentHash: `0x${string}`, now: bigint, edit?: (b: Block) => Block): Block {
  const parent = chain.getBlock(parentHash)
  if (parent === undefined) throw new Error('no parent')
  const built = buildBlockTemplate({
    params: chain.params,
    parent: parent.block.header,
    parentState: chain.stateAt(parentHash),
    txs: [],
    now,
    miner: MINER,
  }).block
  const template = edit === undefined ? built : edit(built)
  for (let nonce = 0n; ; nonce += 1000n) {
    const r = mineSlice(template.header, nonce, 1000)
    if ('found' in r) return sealBlock(template, r.found)
  }
}

/** A store holding a chain of `n` blocks on the test genesis, dated in the recent past. */
function chainOf(n: number): MemoryChainStore {
  const store = new MemoryChainStore()
  extend(new Chain({ genesis: GENESIS, store }), n, 0)
  return store
}

/** Mines `n` blocks on `chain`'s head; a different `skewMs` gives a different branch. */
function extend(chain: Chain, n: number, skewMs: number): void {
  const start = BigInt(Date.now() - 10 * n - 10_000 + skewMs)
  for (let i = 1; i <= n; i++) {
    const block = sealOn(chain, chain.head.hash, start + BigInt(10 * i))
    chain.importBlock(block, BigInt(Date.now()))
  }
}

/**
 * Two stores on the test genesis sharing blocks 1…`common`, then `a` blocks of A's own and `b` of B's
 * (another branch); `ancestor` is the last block both hold.
 */
function apart(common: number, a: number, b: number) {
  const storeA = chainOf(common)
  const chainA = new Chain({ genesis: GENESIS, store: storeA })
  const storeB = new MemoryChainStore()
  const chainB = new Chain({ genesis: GENESIS, store: storeB })
  for (let n = 1n; n <= BigInt(common); n++)
    chainB.importBlock(chainA.getBlockByNumber(n)?.block as Block, BigInt(Date.now()))
  const ancestor = { number: BigInt(common), hash: chainA.head.hash }
  extend(chainA, a, 0)
  extend(chainB, b, 5_000)
  return { storeA, chainA, storeB, chainB, ancestor }
}

const running: Node[] = []
afterEach(() => {
  for (const n of running.splice(0)) n.stop()
})

async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  opts: {
    store?: MemoryChainStore
    sync?: Partial<SyncConfig>
    wrap?: (s: NetworkSink) => NetworkSink
    /** `auto`: its light client follows the peers' headers beside the block sync (the app's default). */
    auto?: boolean
    genesis?: Genesis
    /** Its clock (ms since the epoch); the wall clock by default. */
    now?: () => number
  } = {},
) {
  const link = hub.join(peerId)
  const syncing: SyncStatus[] = []
  const events: { readonly event: string; readonly data: unknown }[] = []
  const node = createNode({
    profileId: peerId,
    genesis: opts.genesis ?? GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    coinbase: MINER,
    mine: false,
    network: link.api,
    emit: (event, data) => {
      events.push({ event, data })
      if (event === 'syncing') syncing.push(data as SyncStatus)
    },
    now: opts.now ?? (() => Date.now()),
    agent: 'test',
    sync: { ...FAST, ...opts.sync },
    // Block sync itself: an `auto` node at the genesis would also follow the peer's headers with its
    // light client (test/node/light and test/node/snapshot cover that), and answer reads through it.
    modePin: opts.auto === true ? 'auto' : 'full',
  })
  running.push(node)
  await node.start()
  await link.attach(opts.wrap === undefined ? node.sink : opts.wrap(node.sink))
  return { node, link, syncing, events }
}

const sameHead = async (a: Node, b: Node) => (await a.api.head()).hash === (await b.api.head()).hash

/** `from`'s status beacons, each `[seq, head]` in turn, as gossip reaching `to`. */
async function announce(
  to: { readonly sink: { gossip(topic: string, data: Uint8Array, from: string): Promise<unknown> } },
  from: string,
  agent: string,
  beacons: readonly (readonly [bigint, bigint])[],
): Promise<void> {
  for (const [seq, head] of beacons)
    await to.sink.gossip(chainTopic(CHAIN_ID, 'status'), encodeBeacon({ seq, sentAt: 0n, head, agent }), from)
}

type Mode = 'garbage' | 'oversized' | 'invalid-block' | 'wrong-block' | 'unlinked-headers'

/**
 * A peer that claims a far higher head (`claim`: its status answer; its headers answers tell #1) and
 * answers sync requests with bad data of one kind. Its "invalid" block has a valid seal over a wrong state
 * root, so only full validation catches it; with `dueInMs`, that block is dated so far ahead that it is
 * due (past the clock's tolerance) that much later.
 */
function evilPeer(
  hub: ReturnType<typeof memoryHub>,
  mode: Mode,
  honest: Chain,
  dueInMs?: number,
  claim = 10_000n,
) {
  const link = hub.join('EVIL')
  const genesis = honest.getBlockByNumber(0n)
  if (genesis === undefined) throw new Error('no genesis')
  const dated =
    dueInMs === undefined
      ? Date.now() - 5_000
      : Date.now() + GENESIS.params.futureTimestampToleranceMs + dueInMs
  const forged = sealOn(honest, genesis.hash, BigInt(dated), (b) => ({
    ...b,
    header: { ...b.header, stateRoot: `0x${'ab'.repeat(32)}` },
  }))
  const honestBlock = honest.getBlockByNumber(1n)?.block
  if (honestBlock === undefined) throw new Error('no block 1')
  let served = 0
  const sink: NetworkSink = {
    async gossip() {
      return 'ignore'
    },
    async networkChanged() {},
    async request(protocol, data) {
      served++
      if (protocol === STATUS) return encodeBeacon({ seq: 1n, sentAt: 0n, head: claim, agent: 'evil' })
      if (mode === 'garbage') return new Uint8Array([0xf9, 0xff, 0x01, 0x02])
      if (mode === 'oversized') return new Uint8Array(MAX_SYNC_RESPONSE_BYTES + 1)
      if (protocol === PROTOCOLS.headers) {
        const { from } = decodeHeadersRequest(data)
        // The compact form leaves the second parent out (it is the first header's hash): spell out another.
        if (mode === 'unlinked-headers')
          return rlpEncode([
            bigintToBytes(1n),
            bigintToBytes(10n ** 30n),
            [
              headerFields(genesis.block.header),
              headerFields({ ...forged.header, parentHash: `0x${'cd'.repeat(32)}` }),
            ],
          ])
        const headers = [genesis.block.header, forged.header].filter((h) => h.number >= from)
        return encodeHeadersResponse({ headNumber: 1n, headTotalDifficulty: 10n ** 30n, headers })
      }
      decodeBlocksRequest(data)
      return encodeBlocksResponse([encodeBlock(mode === 'wrong-block' ? honestBlock : forged)])
    },
  }
  return {
    served: () => served,
    async start() {
      await link.api.handle(STATUS)
      await link.api.handle(PROTOCOLS.headers)
      await link.api.handle(PROTOCOLS.blocks)
      await link.attach(sink)
    },
  }
}

/** A head claimed far beyond any chain here. */
const CLAIM = 10n ** 9n

type LiarMode = 'times out' | 'answers no headers' | 'tells a lower head'

/**
 * A peer that claims head `CLAIM` (its status answer) and does not back it: its headers requests time out,
 * come back with nothing below the claim, or tell the genesis as its head. `seen` holds where each headers
 * request from B started and B's sync status (`status`) when it came.
 */
function liarPeer(hub: ReturnType<typeof memoryHub>, mode: LiarMode, status: () => SyncStatus) {
  const link = hub.join('LIAR')
  const genesis = new Chain({ genesis: GENESIS, store: new MemoryChainStore() }).head
  const seen: { readonly from: bigint; readonly status: SyncStatus }[] = []
  const sink: NetworkSink = {
    async gossip() {
      return 'ignore'
    },
    async networkChanged() {},
    async request(protocol, data, peer) {
      if (protocol === STATUS) return encodeBeacon({ seq: 1n, sentAt: 0n, head: CLAIM, agent: 'liar' })
      const { from } = decodeHeadersRequest(data)
      if (peer === 'B') seen.push({ from, status: status() })
      if (mode === 'times out') {
        await new Promise((r) => setTimeout(r, 20))
        throw new Error('timed out')
      }
      if (mode === 'answers no headers')
        return encodeHeadersResponse({ headNumber: CLAIM, headTotalDifficulty: 10n ** 30n, headers: [] })
      return encodeHeadersResponse({
        headNumber: 0n,
        headTotalDifficulty: genesis.totalDifficulty,
        headers: from === 0n ? [genesis.block.header] : [],
      })
    },
  }
  return {
    seen,
    async start() {
      await link.api.handle(STATUS)
      await link.api.handle(PROTOCOLS.headers)
      await link.attach(sink)
    },
  }
}

describe('sync over the memory network twin (two nodes in one process)', () => {
  test('B syncs 500 blocks from A from scratch, then follows the blocks A mines', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', { store: chainOf(500) })
    expect((await a.node.api.head()).number).toBe(500n)
    const b = await makeNode(hub, 'B')
    await until(() => sameHead(a.node, b.node), 60_000)
    expect((await b.node.api.head()).number).toBe(500n)
    const stats = await b.node.api.stats()
    expect(stats.blocksFetchedBySync).toBe(500)
    expect(stats.penalties).toBe(0)
    // Progress went up to 500 and ended with false, eth_syncing-style.
    expect(b.syncing[0]).toMatchObject({ startingBlock: 0n, highestBlock: 500n })
    expect(b.syncing.some((s) => s !== false && s.currentBlock === 500n)).toBe(true)
    expect(b.syncing.at(-1)).toBe(false)
    expect(await b.node.api.syncing()).toBe(false)

    await a.node.api.setMining(true)
    await until(async () => (await a.node.api.head()).number >= 505n)
    await a.node.api.setMining(false)
    await until(() => sameHead(a.node, b.node))
    const after = await b.node.api.stats()
    expect(after.blocksFromGossip).toBeGreaterThanOrEqual(5)
    expect(after.blocksFetchedBySync).toBe(500)
  }, 120_000)

  test('a peer that leaves mid-sync: B goes on from the block it reached, with the other peer', async () => {
    const hub = memoryHub()
    const store = chainOf(600)
    const numberOf = (hash: `0x${string}`) => store.getBlock(hash)?.block.header.number ?? -1n
    // Whichever of A and C serves B its third batch of blocks leaves the network instead of answering.
    const links = new Map<string, { leave(): Promise<void> }>()
    const served = new Map<string, number>()
    const seen: { b: Node | null; left: { peer: string; bHead: bigint } | null; askedAfter: bigint[] } = {
      b: null,
      left: null,
      askedAfter: [],
    }
    const leaving =
      (name: string) =>
      (sink: NetworkSink): NetworkSink => ({
        ...sink,
        async request(protocol, data, from) {
          if (from === 'B' && protocol === PROTOCOLS.blocks) {
            if (seen.left !== null) seen.askedAfter.push(...decodeBlocksRequest(data).map(numberOf))
            served.set(name, (served.get(name) ?? 0) + 1)
            if (seen.left === null && served.get(name) === 3 && seen.b !== null) {
              seen.left = { peer: name, bHead: (await seen.b.api.head()).number }
              await links.get(name)?.leave()
              throw new Error('the link dropped')
            }
          }
          return sink.request(protocol, data, from)
        },
      })
    const a = await makeNode(hub, 'A', { store, wrap: leaving('A') })
    links.set('A', a.link)
    const c = await makeNode(hub, 'C', { wrap: leaving('C') })
    links.set('C', c.link)
    await until(() => sameHead(a.node, c.node), 60_000)
    const b = (await makeNode(hub, 'B')).node
    seen.b = b
    await until(
      async () => seen.left !== null && (await sameHead(seen.left.peer === 'A' ? c.node : a.node, b)),
      60_000,
    )
    // B had imported the two batches before; every block it asked for after the drop was above them.
    expect(seen.left?.bHead).toBe(128n)
    expect(seen.askedAfter.length).toBeGreaterThan(0)
    expect(seen.askedAfter.every((n) => n > 128n)).toBe(true)
    const stats = await b.api.stats()
    expect(stats.blocksFetchedBySync).toBe(600)
    // A link that drops is not misbehaviour.
    expect(stats.penalties).toBe(0)
  }, 120_000)

  test('B on its own branch reorganises onto the heavier branch of A, finding the fork below its window', async () => {
    const hub = memoryHub()
    // Common first 5 blocks, then A has 55 more and B 35 of its own: B's window (32 below its head)
    // starts above the fork, so it must step back to find it.
    const { storeA, chainA, storeB, chainB } = apart(5, 55, 35)
    expect(chainB.getBlockByNumber(6n)?.hash).not.toBe(chainA.getBlockByNumber(6n)?.hash)
    const a = await makeNode(hub, 'A', { store: storeA })
    const b = await makeNode(hub, 'B', { store: storeB })
    await until(() => sameHead(a.node, b.node))
    expect((await b.node.api.head()).number).toBe(60n)
    expect((await b.node.api.stats()).blocksFetchedBySync).toBe(55)
  })

  test('a heavier chain forking off past the reorg limit: told as a split, nothing fetched; followed when the user chooses, its transaction mined once', async () => {
    const hub = memoryHub()
    // Blocks 1–5 shared; then A mines 120 of its own and B 79 and a few more, one with a payment: B's
    // blocks past the fork are more than the reorg limit (64), so B never follows A by itself.
    const { storeA, chainA, storeB, ancestor } = apart(5, 120, 79)
    const b = await makeNode(hub, 'B', { store: storeB })
    const payee = DEVNET_ACCOUNTS[7] as Address
    const before = (await b.node.api.account(payee)).balance
    const payment = await b.node.api.sendRawTransaction(await signTx({ to: payee, value: 1234n }))
    await b.node.api.setMining(true)
    await until(async () => (await b.node.api.receipt(payment)) !== null)
    await b.node.api.setMining(false)
    const bHead = await b.node.api.head()
    const depth = Number(bHead.number - ancestor.number)
    expect(depth).toBeGreaterThan(GENESIS.params.maxReorgDepth)
    // Where each headers request of B to A starts; whether A fails B's block requests.
    const asked: bigint[] = []
    let refuseBlocks = false
    const a = await makeNode(hub, 'A', {
      store: storeA,
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          if (protocol === PROTOCOLS.headers && from === 'B') asked.push(decodeHeadersRequest(data).from)
          if (protocol === PROTOCOLS.blocks && refuseBlocks) throw new Error('not now')
          return sink.request(protocol, data, from)
        },
      }),
    })
    const aHead = await a.node.api.head()
    expect(aHead.totalDifficulty).toBeGreaterThan(bHead.totalDifficulty)

    const split = { peerId: 'A', ancestor, depth, peerHead: 125n, peerTotalDifficulty: aHead.totalDifficulty }
    await until(async () => (await b.node.api.chainSplit()) !== null)
    expect(await b.node.api.chainSplit()).toEqual(split)
    expect(b.events.filter((e) => e.event === 'split').map((e) => e.data)).toEqual([split])
    expect(await a.node.api.chainSplit()).toBeNull()
    // Nothing of A's branch was fetched; B's chain and its payment are as they were.
    expect((await b.node.api.stats()).blocksFetchedBySync).toBe(0)
    expect((await b.node.api.head()).hash).toBe(bHead.hash)
    expect((await b.node.api.receipt(payment))?.status).toBe('success')
    // A mines 3 more blocks: B checks only those 3 headers, and tells the split's new head.
    const checked = asked.length
    await a.node.api.setMining(true)
    await until(async () => (await a.node.api.head()).number >= 128n)
    await a.node.api.setMining(false)
    const grown = await a.node.api.head()
    await until(async () => (await b.node.api.chainSplit())?.peerHead === grown.number)
    expect(await b.node.api.chainSplit()).toEqual({
      ...split,
      peerHead: grown.number,
      peerTotalDifficulty: grown.totalDifficulty,
    })
    expect(asked.length).toBeGreaterThan(checked)
    for (const from of asked.slice(checked)) expect(from).toBeGreaterThan(125n)
    const aTop = grown

    // A wrong or malformed choice: a typed error, nothing changes.
    expect(await asyncCodeOf(b.node.api.followSplit(`0x${'00'.repeat(32)}`))).toBe('NODE_NO_SPLIT')
    expect(await asyncCodeOf(b.node.api.followSplit(aTop.hash))).toBe('NODE_NO_SPLIT')
    expect(await asyncCodeOf(b.node.api.followSplit('0x12' as Hex))).toBe('NODE_BAD_PARAMS')
    expect((await b.node.api.head()).hash).toBe(bHead.hash)

    // Followed while A fails to serve its blocks: a typed error, B's chain unchanged, the split still told.
    refuseBlocks = true
    expect(await asyncCodeOf(b.node.api.followSplit(ancestor.hash))).toBe('NODE_SPLIT_NOT_FOLLOWED')
    expect((await b.node.api.head()).hash).toBe(bHead.hash)
    expect((await b.node.api.chainSplit())?.ancestor).toEqual(ancestor)
    expect((await b.node.api.stats()).blocksFetchedBySync).toBe(0)
    refuseBlocks = false
    await until(() => b.node.syncer.breakerState('A') !== 'open')

    // The user follows A's chain: B reorganises `depth` blocks back, its payment returns to the pool.
    const head = await b.node.api.followSplit(ancestor.hash)
    expect(head.hash).toBe(aTop.hash)
    // A's branch as it was when split (A's later blocks came by gossip while B was split: kept as
    // orphans, they joined once their parent came).
    expect((await b.node.api.stats()).blocksFetchedBySync).toBeGreaterThanOrEqual(120)
    expect(await b.node.api.chainSplit()).toBeNull()
    const splits = b.events.filter((e) => e.event === 'split').map((e) => e.data)
    expect(splits[0]).toEqual(split)
    expect(splits.at(-1)).toBeNull()
    expect((await b.node.api.stats()).penalties).toBe(0)
    // One switch, at the first of A's blocks heavier than B's head.
    const reorgs = b.events.filter((e) => e.event === 'reorg').map((e) => e.data as ReorgInfo)
    expect(reorgs).toEqual([{ oldHead: bHead.hash, newHead: expect.any(String), depth, returned: [payment] }])
    expect(chainA.isCanonical((reorgs[0] as ReorgInfo).newHead)).toBe(true)
    expect(await b.node.api.receipt(payment)).toBeNull()
    expect((await b.node.api.pendingTransactions()).map((t) => t.hash)).toContain(payment)
    // Mined again on the one chain both follow, once.
    await a.node.api.setMining(true)
    await until(async () => (await a.node.api.receipt(payment)) !== null)
    await a.node.api.setMining(false)
    await until(() => sameHead(a.node, b.node))
    for (const n of [a.node, b.node]) {
      expect((await n.api.receipt(payment))?.status).toBe('success')
      expect((await n.api.account(payee)).balance).toBe(before + 1234n)
    }
  }, 60_000)

  test('a peer claiming other work for a deep branch than its headers add up to is penalised and dropped, never shown as a split', async () => {
    const hub = memoryHub()
    // A's branch is the heavier (90 blocks to B's 80), but A claims more work for it than it holds.
    const { storeA, chainA, storeB } = apart(5, 90, 80)
    const b = await makeNode(hub, 'B', { store: storeB })
    const bHead = await b.node.api.head()
    const claimed = (chainA.head.totalDifficulty + 1_000n) as bigint
    await makeNode(hub, 'A', { store: storeA, wrap: claimingWork(PROTOCOLS.headers, claimed) })
    await until(() => b.node.syncer.isBanned('A'))
    expect(await b.node.api.chainSplit()).toBeNull()
    const stats = await b.node.api.stats()
    expect(stats.penalties).toBeGreaterThanOrEqual(2)
    expect(stats.peersDropped).toBe(1)
    expect(stats.blocksFetchedBySync).toBe(0)
    expect((await b.node.api.head()).hash).toBe(bHead.hash)
  })

  test.each<Mode>(['garbage', 'oversized', 'invalid-block', 'wrong-block', 'unlinked-headers'])(
    'a peer serving %s is penalised and dropped; sync completes from the honest peer',
    async (mode) => {
      const hub = memoryHub()
      const store = chainOf(40)
      const a = await makeNode(hub, 'A', { store })
      const honest = new Chain({ genesis: GENESIS, store })
      const evil = evilPeer(hub, mode, honest)
      await evil.start()
      const b = await makeNode(hub, 'B')
      await until(() => sameHead(a.node, b.node))
      await until(() => !hub.linked('B', 'EVIL'))
      const stats = await b.node.api.stats()
      expect(stats.peersDropped).toBe(1)
      expect(stats.penalties).toBeGreaterThanOrEqual(2)
      expect(b.node.syncer.isBanned('EVIL')).toBe(true)
      // Nothing the evil peer sent was stored.
      expect((await b.node.api.head()).number).toBe(40n)
      expect((await b.node.api.block(1n))?.hash).toBe((await a.node.api.block(1n))?.hash)
      // Once dropped it is not asked again, and its gossip is rejected unread.
      const served = evil.served()
      await b.node.api.announce()
      expect(evil.served()).toBe(served)
      const known = honest.getBlockByNumber(40n)?.block
      if (known === undefined) throw new Error('no block 40')
      // (From anyone else, a block B already holds is only ignored.)
      expect(await b.node.sink.gossip(`tabchain/${CHAIN_ID}/blocks/1`, encodeBlock(known), 'A')).toBe(
        'ignore',
      )
      expect(await b.node.sink.gossip(`tabchain/${CHAIN_ID}/blocks/1`, encodeBlock(known), 'EVIL')).toBe(
        'reject',
      )
    },
    60_000,
  )

  test('invalid gossip is rejected before storage, penalised, and repeated rejects drop the peer', async () => {
    const hub = memoryHub()
    const b = await makeNode(hub, 'B')
    const topic = `tabchain/${CHAIN_ID}/blocks/1`
    const chain = new Chain({ genesis: GENESIS })
    const bad = sealOn(chain, chain.head.hash, BigInt(Date.now() - 1_000), (blk) => ({
      ...blk,
      header: { ...blk.header, stateRoot: `0x${'ab'.repeat(32)}` },
    }))
    hub.join('X')
    expect(await b.node.sink.gossip(topic, encodeBlock(bad), 'X')).toBe('reject')
    expect((await b.node.api.head()).number).toBe(0n)
    expect(await b.node.api.block(1n)).toBeNull()
    expect(await b.node.sink.gossip(topic, new Uint8Array([0xc1, 0x00, 0x01]), 'X')).toBe('reject')
    expect((await b.node.api.stats()).peersDropped).toBe(0)
    expect(await b.node.sink.gossip(topic, encodeBlock(bad), 'X')).toBe('reject')
    expect((await b.node.api.stats()).peersDropped).toBe(1)
    expect(hub.linked('B', 'X')).toBe(false)
    // A good block from a banned peer is refused unread too.
    const good = sealOn(chain, chain.head.hash, BigInt(Date.now() - 1_000))
    expect(await b.node.sink.gossip(topic, encodeBlock(good), 'X')).toBe('reject')
    expect((await b.node.api.head()).number).toBe(0n)
  })

  test('a block a range-sync answer dated ahead, held and found invalid when due, costs the peer that served it the penalty', async () => {
    const hub = memoryHub()
    // Due 2 s from now: B holds it, no penalty yet ("not yet" is no offence). The peer tells its true head
    // (a far head its headers answer belies costs a penalty of its own). B's clock stands still until the
    // checks below, so the block is still early when the sync serves it however slow the machine is.
    const start = Date.now()
    let clock = () => start
    const evil = evilPeer(hub, 'invalid-block', new Chain({ genesis: GENESIS, store: chainOf(1) }), 2_000, 1n)
    await evil.start()
    const b = await makeNode(hub, 'B', { now: () => clock() })
    await until(async () => evil.served() >= 3)
    await b.node.syncer.idle()
    expect(await b.node.api.stats()).toMatchObject({ penalties: 0, blocksFetchedBySync: 0 })
    // Two undecodable gossips from EVIL meanwhile: 80 points, short of the drop score...
    const topic = `tabchain/${CHAIN_ID}/blocks/1`
    for (let i = 0; i < 2; i++)
      expect(await b.node.sink.gossip(topic, new Uint8Array([0xc1, 0x00, 0x01]), 'EVIL')).toBe('reject')
    expect(b.node.syncer.isBanned('EVIL')).toBe(false)
    // ...which the held block's penalty, when it is due (the clock runs again from then) and found
    // invalid, takes past it.
    const resumed = Date.now()
    clock = () => start + 2_000 + (Date.now() - resumed)
    await until(async () => b.node.syncer.isBanned('EVIL'), 10_000)
    expect(await b.node.api.stats()).toMatchObject({ penalties: 3, peersDropped: 1 })
    expect(hub.linked('B', 'EVIL')).toBe(false)
    expect((await b.node.api.head()).number).toBe(0n)
  })

  test('a range that does not link to the range before it costs the peer an invalid block’s penalty, and another peer serves the blocks', async () => {
    const hub = memoryHub()
    const store = chainOf(8)
    const a = await makeNode(hub, 'A', { store })
    const honest = new Chain({ genesis: GENESIS, store })
    const at = (n: bigint) => honest.getBlockByNumber(n)?.block as Block
    // Block #8 sealed anew on a parent other than #7, the header its range was asked to continue.
    const unlinked = sealOn(honest, hashBlock(at(7n)), at(8n).header.timestamp, (blk) => ({
      ...blk,
      header: { ...blk.header, parentHash: `0x${'ab'.repeat(32)}` },
    }))
    const link = hub.join('EVIL')
    let served = 0
    await link.api.handle(STATUS)
    await link.api.handle(PROTOCOLS.headers)
    await link.api.handle(PROTOCOLS.blocks)
    await link.attach({
      async gossip() {
        return 'ignore'
      },
      async networkChanged() {},
      async request(protocol, data) {
        served++
        // As a real link does, each answer takes a turn of the event loop (a client asking forever must
        // not starve the test's timers).
        await new Promise((r) => setTimeout(r, 1))
        // A higher claim than A's: asked first.
        if (protocol === STATUS) return encodeBeacon({ seq: 1n, sentAt: 0n, head: 9n, agent: 'evil' })
        const claim = { headNumber: 8n, headTotalDifficulty: 10n ** 30n }
        if (protocol === PROTOCOLS.headers) {
          const { from } = decodeHeadersRequest(data)
          if (from >= 8n) return encodeHeadersResponse({ ...claim, headers: [unlinked.header] })
          const headers = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]
            .map((n) => at(n).header)
            .filter((h) => h.number >= from)
          return encodeHeadersResponse({ ...claim, headers })
        }
        const asked = decodeBlocksRequest(data)
        return encodeBlocksResponse(asked.map((h) => encodeBlock(honest.getBlock(h)?.block as Block)))
      },
    })
    const b = await makeNode(hub, 'B', { sync: { headersPerRequest: 8 } })
    await until(() => sameHead(a.node, b.node), 5_000)
    // Still claiming far more work, it is asked again, and penalised at each unlinked range until dropped.
    await until(async () => b.node.syncer.isBanned('EVIL'), 5_000)
    await b.node.syncer.idle()
    expect(await b.node.api.stats()).toMatchObject({ peersDropped: 1, blocksFetchedBySync: 8 })
    expect(hub.linked('B', 'EVIL')).toBe(false)
    expect(served).toBeLessThan(30)
  })

  test('future and unconnectable gossiped blocks are ignored without a penalty, however many; three invalid ones drop their sender', async () => {
    const hub = memoryHub()
    const b = await makeNode(hub, 'B')
    hub.join('LATE')
    hub.join('EVIL')
    const topic = `tabchain/${CHAIN_ID}/blocks/1`
    const source = new Chain({ genesis: GENESIS })
    const tolerance = GENESIS.params.futureTimestampToleranceMs
    // Ten valid siblings on the genesis dated past the future tolerance ("not yet")...
    const future = Array.from({ length: 10 }, (_, i) =>
      sealOn(source, source.genesisHash, BigInt(Date.now() + tolerance + 3_600_000 + i)),
    )
    // ...and ten valid blocks whose parent B never gets ("not connectable" yet).
    const past = BigInt(Date.now() - 60_000)
    const branch: Block[] = []
    for (let i = 0; i <= 10; i++) {
      const block = sealOn(source, source.head.hash, past + BigInt(100 * i))
      source.importBlock(block, BigInt(Date.now()))
      branch.push(block)
    }
    const [first, ...unconnected] = branch as [Block, ...Block[]]
    const verdicts: string[] = []
    for (const block of [...future, ...unconnected])
      verdicts.push(await b.node.sink.gossip(topic, encodeBlock(block), 'LATE'))
    expect(verdicts).toEqual(Array(20).fill('ignore'))
    expect(await b.node.api.stats()).toMatchObject({ penalties: 0, peersDropped: 0 })
    expect(b.node.syncer.isBanned('LATE')).toBe(false)
    expect(hub.linked('B', 'LATE')).toBe(true)
    expect((await b.node.api.head()).number).toBe(0n)
    // Still heard: the missing parent from the same peer is taken, and the kept blocks connect behind it.
    expect(await b.node.sink.gossip(topic, encodeBlock(first), 'LATE')).toBe('accept')
    expect((await b.node.api.head()).hash).toBe(hashBlock(branch[10] as Block))

    // Three invalid blocks (a sealed header over a wrong state root) from another peer drop it.
    const invalid = [1, 2, 3].map((i) =>
      sealOn(source, source.head.hash, BigInt(Date.now() - 1_000 + i), (blk) => ({
        ...blk,
        header: { ...blk.header, stateRoot: `0x${'ab'.repeat(32)}` },
      })),
    )
    const rejected: string[] = []
    for (const block of invalid) rejected.push(await b.node.sink.gossip(topic, encodeBlock(block), 'EVIL'))
    expect(rejected).toEqual(['reject', 'reject', 'reject'])
    expect(await b.node.api.stats()).toMatchObject({ peersDropped: 1 })
    expect(b.node.syncer.isBanned('EVIL')).toBe(true)
    expect(hub.linked('B', 'EVIL')).toBe(false)
    expect(b.node.syncer.isBanned('LATE')).toBe(false)
    expect(hub.linked('B', 'LATE')).toBe(true)
  })

  test('the circuit breaker opens on failures, stops asking, and recovers through a half-open probe', async () => {
    const hub = memoryHub()
    let failing = true
    let asked = 0
    const a = await makeNode(hub, 'A', {
      store: chainOf(100),
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          if (protocol === PROTOCOLS.headers || protocol === PROTOCOLS.blocks) {
            asked++
            if (failing) throw new Error('unavailable')
          }
          return sink.request(protocol, data, from)
        },
      }),
    })
    const b = await makeNode(hub, 'B', { sync: { breakerFailures: 3, breakerOpenMs: 400 } })
    await until(() => b.node.syncer.breakerState('A') === 'open')
    expect(asked).toBe(3)
    const failed = b.syncing.length
    // Open: no request goes to A.
    await new Promise((r) => setTimeout(r, 200))
    expect(asked).toBe(3)
    expect((await b.node.api.head()).number).toBe(0n)
    failing = false
    // After the open period a probe goes through, succeeds, and sync completes.
    await until(() => sameHead(a.node, b.node))
    expect(b.node.syncer.breakerState('A')).toBe('closed')
    // A's claim, doubted while it failed, stands again once it answers: the catch-up reads as syncing
    // towards its head (blocks come 64 to a request).
    expect(
      b.syncing.slice(failed).some((s) => s !== false && s.currentBlock === 64n && s.highestBlock === 100n),
    ).toBe(true)
    expect((await b.node.api.stats()).penalties).toBe(0)
  })

  test('a peer claiming a head whose requests time out stops counting once one fails: B syncs from the honest peer, never reading as syncing towards the claim again', async () => {
    const hub = memoryHub()
    // A breaker that never opens: only the claim's lost credit lets the honest peer go before the liar.
    const b = await makeNode(hub, 'B', { sync: { breakerFailures: 1_000 } })
    const liar = liarPeer(hub, 'times out', () => b.node.syncer.status)
    await liar.start()
    await until(() => liar.seen.length >= 2)
    const a = await makeNode(hub, 'A', { store: chainOf(100) })
    await until(() => sameHead(a.node, b.node), 20_000)
    expect(liar.seen[0]?.status).toEqual({ startingBlock: 0n, currentBlock: 0n, highestBlock: CLAIM })
    expect(liar.seen.slice(1).every((s) => s.status === false)).toBe(true)
    expect(b.syncing.filter((s) => s !== false && s.highestBlock === CLAIM)).toHaveLength(1)
    // The honest peer's catch-up read as syncing towards its head.
    expect(b.syncing.some((s) => s !== false && s.currentBlock < 100n && s.highestBlock === 100n)).toBe(true)
    await until(async () => (await b.node.api.syncing()) === false)
    expect(b.node.syncer.isBanned('LIAR')).toBe(false)
  })

  test.each<LiarMode>(['answers no headers', 'tells a lower head'])(
    'a peer claiming a head that %s: once it answered, B reads as syncing towards the claim no more, whatever it claims again',
    async (mode) => {
      const hub = memoryHub()
      const a = await makeNode(hub, 'A', { store: chainOf(40) })
      const b = await makeNode(hub, 'B')
      await until(() => sameHead(a.node, b.node))
      const liar = liarPeer(hub, mode, () => b.node.syncer.status)
      await liar.start()
      await until(() => liar.seen.length >= 1)
      await b.node.syncer.idle()
      // It claims the same head again in new beacons.
      for (const seq of [2n, 3n]) {
        const beacon = encodeBeacon({ seq, sentAt: 0n, head: CLAIM, agent: 'liar' })
        await b.node.sink.gossip(chainTopic(CHAIN_ID, 'status'), beacon, 'LIAR')
        await b.node.syncer.idle()
      }
      // A pass's first request (the one from the genesis steps back to where the liar's chain would meet
      // ours, within the same pass): only the first, before it answered, saw B syncing towards the claim.
      const passes = liar.seen.filter((s) => s.from > 0n)
      expect(passes[0]?.status).toEqual({ startingBlock: 40n, currentBlock: 40n, highestBlock: CLAIM })
      expect(passes.length).toBeGreaterThanOrEqual(2)
      expect(passes.slice(1).every((s) => s.status === false)).toBe(true)
      expect(await b.node.api.syncing()).toBe(false)
      expect((await b.node.api.head()).number).toBe(40n)
    },
  )

  test('a peer that announced head 10,000 and then 50 is not synced from for 10,000: B at #100 asks it nothing', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', { store: chainOf(100) })
    const b = await makeNode(hub, 'B')
    await until(() => sameHead(a.node, b.node))
    // A peer level with B (its status tells #100), which counts the headers it is asked for.
    const link = hub.join('FICKLE')
    let asked = 0
    await link.api.handle(STATUS)
    await link.api.handle(PROTOCOLS.headers)
    await link.attach({
      async gossip() {
        return 'ignore'
      },
      async networkChanged() {},
      async request(protocol) {
        if (protocol === STATUS) return encodeBeacon({ seq: 1n, sentAt: 0n, head: 100n, agent: 'fickle' })
        asked++
        throw new Error('not serving')
      },
    })
    await until(async () => (await b.node.api.peerStatuses()).some((p) => p.peerId === 'FICKLE'))
    await b.node.syncer.idle()
    // It announces #10,000, then #50, before B's sync gets to run.
    b.node.syncer.hold(true)
    await announce(b.node, 'FICKLE', 'fickle', [
      [2n, 10_000n],
      [3n, 50n],
    ])
    b.node.syncer.hold(false)
    await b.node.syncer.idle()
    // Its latest word is #50: B is not behind it, so nothing is asked of it (before, its highest claim
    // stayed, and B asked it for #10,000).
    expect(asked).toBe(0)
    expect(await b.node.api.syncing()).toBe(false)
    expect(b.syncing.some((s) => s !== false && s.highestBlock === 10_000n)).toBe(false)
  })

  test('a peer whose headers answer tells a head far below the one it announced pays what a wrong answer does; its answer is still used', async () => {
    const hub = memoryHub()
    // It announces #10,000 but holds the honest chain of 40 blocks, and serves it.
    const a = await makeNode(hub, 'A', {
      store: chainOf(40),
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          const answer = await sink.request(protocol, data, from)
          if (protocol !== STATUS) return answer
          return encodeBeacon({ seq: 1n, sentAt: 0n, head: 10_000n, agent: 'boaster' })
        },
      }),
    })
    // B hears A's head from its status answer alone (its gossiped beacons tell the true one).
    const b = await makeNode(hub, 'B', {
      wrap: (sink) => ({
        ...sink,
        gossip: (topic, data, from) =>
          topic === chainTopic(CHAIN_ID, 'status')
            ? Promise.resolve('ignore')
            : sink.gossip(topic, data, from),
      }),
    })
    await until(() => sameHead(a.node, b.node))
    await b.node.syncer.idle()
    // One penalty for the one false announcement (30 points), not more: the peer is neither dropped
    // nor asked again for it.
    expect(await b.node.api.stats()).toMatchObject({ penalties: 1, peersDropped: 0 })
    expect(b.node.syncer.isBanned('A')).toBe(false)
    // A head it announces truly (a reorg within the limit may take it back a little) costs nothing.
    await announce(b.node, 'A', 'boaster', [[2n, 41n]])
    await b.node.syncer.idle()
    expect((await b.node.api.stats()).penalties).toBe(1)
  })

  /**
   * An `auto` node B synced to a peer A holding `blocks` blocks, both parts idle; once `record` is
   * called, where each of B's headers requests to A starts lands in `asked`.
   */
  async function autoBesidePeer(blocks: number) {
    const hub = memoryHub()
    const asked: bigint[] = []
    let recording = false
    const a = await makeNode(hub, 'A', {
      store: chainOf(blocks),
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          const answer = await sink.request(protocol, data, from)
          if (recording && protocol === PROTOCOLS.headers && from === 'B')
            asked.push(decodeHeadersRequest(data).from)
          return answer
        },
      }),
    })
    const b = await makeNode(hub, 'B', { auto: true })
    await until(() => sameHead(a.node, b.node))
    await until(async () => (await b.node.api.stats()).headersVerified === blocks)
    await b.node.syncer.idle()
    await b.node.light?.client.idle()
    return {
      b,
      asked,
      record: () => {
        recording = true
      },
    }
  }

  test('an `auto` node charges one far false claim once (30 points), though its light client and its sync both check the answer', async () => {
    // Where each of B's headers requests to A starts, once A has lied: its light client asks from past
    // its header head (#41 on), its sync from 32 below its head (#8).
    const { b, asked, record } = await autoBesidePeer(40)
    expect((await b.node.api.stats()).penalties).toBe(0)
    // A announces #10,000 and holds 40 blocks: both parts ask it for headers, and each answer tells #40.
    record()
    await announce(b.node, 'A', 'boaster', [[100n, 10_000n]])
    await until(() => asked.some((from) => from > 40n) && asked.some((from) => from < 40n))
    await b.node.syncer.idle()
    await b.node.light?.client.idle()
    // The first answer to come checked the claim, and the other part's checked nothing; before, each
    // part checked it, and one lie cost 60 points.
    expect(await b.node.api.stats()).toMatchObject({ penalties: 1, peersDropped: 0 })
    expect(b.node.syncer.isBanned('A')).toBe(false)
  })

  test("an honest peer that switched to a lower head after announcing, and announced it, is not charged by an `auto` node's light client for the head it announced before", async () => {
    // Where each of B's headers requests to A starts, once A has switched: its light client asks from
    // past its header head (#101 on).
    const { b, asked, record } = await autoBesidePeer(100)
    // A announced #5,000 (far ahead of B: its light client hears it), then followed a heavier chain
    // whose head is #100 and announced that (near: only the sync hears it). Its answers tell #100.
    record()
    await announce(b.node, 'A', 'switched', [
      [100n, 5_000n],
      [101n, 100n],
    ])
    await until(() => asked.some((from) => from > 100n))
    await b.node.light?.client.idle()
    await b.node.syncer.idle()
    // Its answers agree with its latest announcement: nothing to charge. Before, the light client
    // checked them against #5,000, which it alone still held, and charged 30 points.
    expect(await b.node.api.stats()).toMatchObject({ penalties: 0, peersDropped: 0 })
  })

  test('a node that follows a deep split to a heavier, shorter chain tells its peers its new head at once, so none takes its old word for a lie', async () => {
    // Difficulty that moves (the test genesis fixes it): blocks 10 ms apart raise it, a minute apart
    // keep it at the minimum (16), so 40 quick blocks outweigh 120 slow ones.
    const { fixedDifficulty: _, ...fixed } = GENESIS.params
    const params = { ...fixed, minDifficulty: 16n }
    const genesis = validateGenesis({ ...GENESIS, params, difficulty: 16n })
    const slow = new MemoryChainStore()
    const slowChain = new Chain({ genesis, store: slow })
    const start = BigInt(Date.now()) - 121n * 60_000n
    for (let i = 1n; i <= 120n; i++)
      slowChain.importBlock(sealOn(slowChain, slowChain.head.hash, start + i * 60_000n), BigInt(Date.now()))
    const fast = new MemoryChainStore()
    const fastChain = new Chain({ genesis, store: fast })
    extend(fastChain, 40, 0)
    expect(fastChain.head.totalDifficulty).toBeGreaterThan(slowChain.head.totalDifficulty)
    const hub = memoryHub()
    // A peer that records the heads A's beacons tell.
    const told: bigint[] = []
    const watch = hub.join('WATCH')
    const statusTopic = chainTopic(CHAIN_ID, 'status')
    await watch.api.subscribe(statusTopic)
    await watch.attach({
      async gossip(topic, data, from) {
        if (topic === statusTopic && from === 'A') told.push(decodeBeacon(data).head)
        return 'ignore'
      },
      async networkChanged() {},
      async request() {
        throw new Error('not serving')
      },
    })
    const a = await makeNode(hub, 'A', { store: slow, genesis })
    await until(() => told.includes(120n))
    const c = await makeNode(hub, 'C', { store: fast, genesis })
    // C mines a block: A, lacking its parent, asks C and finds the split.
    await c.node.api.setMining(true)
    await until(async () => (await c.node.api.head()).number > 40n)
    await c.node.api.setMining(false)
    await until(async () => (await a.node.api.chainSplit()) !== null)
    const split = await a.node.api.chainSplit()
    expect(split?.depth).toBe(120)
    const heard = told.length
    // The user follows C's chain: A's head goes back from #120 to C's (#41 or so), and A says so at once (before,
    // its peers kept #120 as its word until the network changed, and the first headers answer they had
    // from it told C's head: a false claim's penalty, for an honest node).
    const head = await a.node.api.followSplit(split?.ancestor.hash ?? '0x')
    expect(head.hash).toBe((await c.node.api.head()).hash)
    expect(head.number + BigInt(GENESIS.params.maxReorgDepth)).toBeLessThan(120n)
    // Told as it switched (at C's first block heavier than #120): an answer from now on tells no more
    // than the reorg limit below it.
    await until(() => told.slice(heard).some((h) => h <= head.number && h + 64n >= head.number), 5_000)
  }, 60_000)

  test('a failed probe opens the breaker again for longer', async () => {
    const hub = memoryHub()
    let asked = 0
    await makeNode(hub, 'A', {
      store: chainOf(5),
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          if (protocol === PROTOCOLS.headers) {
            asked++
            throw new Error('down')
          }
          return sink.request(protocol, data, from)
        },
      }),
    })
    const b = await makeNode(hub, 'B', { sync: { breakerFailures: 2, breakerOpenMs: 150 } })
    await until(() => asked === 3)
    expect(b.node.syncer.breakerState('A')).toBe('open')
    const at = Date.now()
    await until(() => asked === 4)
    // Second open period is twice the first.
    expect(Date.now() - at).toBeGreaterThanOrEqual(250)
  })
})

describe('sync serving side', () => {
  test('refuses over-size ranges and malformed requests with typed errors', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', { store: chainOf(3) })
    await expect(
      a.node.sink.request(
        PROTOCOLS.headers,
        encodeHeadersRequest({ from: 0n, count: MAX_HEADERS_PER_REQUEST + 1 }),
        'X',
      ),
    ).rejects.toMatchObject({ type: { code: 'SYNC_REQUEST_TOO_LARGE', max: MAX_HEADERS_PER_REQUEST } })
    const hashes = Array.from({ length: MAX_BLOCKS_PER_REQUEST + 1 }, () => `0x${'00'.repeat(32)}` as const)
    await expect(
      a.node.sink.request(PROTOCOLS.blocks, encodeBlocksRequest(hashes), 'X'),
    ).rejects.toMatchObject({
      type: { code: 'SYNC_REQUEST_TOO_LARGE', max: MAX_BLOCKS_PER_REQUEST },
    })
    for (const junk of [
      new Uint8Array(),
      new Uint8Array([0xc0]),
      new Uint8Array(5000),
      new Uint8Array([0xc2, 0x80, 0x80]),
    ]) {
      await expect(a.node.sink.request(PROTOCOLS.headers, junk, 'X')).rejects.toMatchObject({
        name: 'SyncError',
      })
      await expect(a.node.sink.request(PROTOCOLS.blocks, junk, 'X')).rejects.toMatchObject({
        name: 'SyncError',
      })
    }
  })

  test('serves canonical headers by range and blocks by hash', async () => {
    const hub = memoryHub()
    const store = chainOf(10)
    const a = await makeNode(hub, 'A', { store })
    const chain = new Chain({ genesis: GENESIS, store })
    const res = decodeHeadersResponse(
      await a.node.sink.request(PROTOCOLS.headers, encodeHeadersRequest({ from: 8n, count: 5 }), 'X'),
    )
    expect(res.headNumber).toBe(10n)
    expect(res.headers.map((h) => h.number)).toEqual([8n, 9n, 10n])
    const want = [9n, 3n].map((n) => chain.getBlockByNumber(n)?.hash ?? '0x')
    const blocks = decodeBlocksResponse(
      await a.node.sink.request(
        PROTOCOLS.blocks,
        encodeBlocksRequest([...want, `0x${'11'.repeat(32)}`, want[0] ?? '0x']),
        'X',
      ),
    )
    // In request order, stopping at the first unknown hash.
    expect(blocks.map(hashBlock)).toEqual(want)
  })

  test('a state proof at a block whose state nodes are gone is "unavailable"; a corrupt node is an error', () => {
    const store = chainOf(2)
    const chain = new Chain({ genesis: GENESIS, store })
    const server = createSyncServer({ chain, now: () => 0 })
    const ask = (blockHash: Hex) => {
      const res = server.answer(
        PROTOCOLS.proof,
        encodeStateProofRequest({ blockHash, keys: [accountKey(MINER)] }),
        'X',
      )
      if (res === null) throw new Error('not a sync protocol')
      return decodeStateProofResponse(res)
    }
    // A block held over a state tree the store does not hold (an old block's nodes gone, or not loaded yet).
    const head = chain.head
    const stateRoot: Hex = `0x${'ab'.repeat(32)}`
    const block = { ...head.block, header: { ...head.block.header, stateRoot } }
    const hash = hashBlock(block)
    store.write({ blocks: [{ ...head, hash, block }] })
    expect(ask(hash)).toBeNull()
    // Bytes that do not match the root's hash are this node's fault, not "unavailable": the error goes on.
    store.nodes.putAll([{ hash: fromHex(stateRoot), encoded: Uint8Array.of(0) }])
    expect(() => ask(hash)).toThrow(
      expect.objectContaining({
        name: 'StateError',
        type: { code: 'STATE_CORRUPT', reason: `stored node ${stateRoot} does not match its hash` },
      }),
    )
    expect(chain.head.hash).toBe(head.hash)
    expect(ask(head.hash)).toHaveLength(1)
  })

  test('snapshot chunks are served for a block held only: a request naming another block is answered empty', () => {
    const chain = new Chain({ genesis: GENESIS, store: chainOf(2) })
    const server = createSyncServer({ chain, now: () => 0 })
    const ask = (blockHash: Hex) => {
      const nodeHashes = [chain.headHeader.stateRoot]
      const res = server.answer(PROTOCOLS.snapshot, encodeSnapshotRequest({ blockHash, nodeHashes }), 'X')
      if (res === null) throw new Error('not a sync protocol')
      return decodeSnapshotResponse(res)
    }
    expect(ask(chain.head.hash).length).toBeGreaterThan(0)
    expect(ask(`0x${'ab'.repeat(32)}`)).toEqual([])
  })

  test('rate-limits each peer on its own', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', { store: chainOf(2) })
    const ask = (from: string) =>
      a.node.sink.request(PROTOCOLS.headers, encodeHeadersRequest({ from: 0n, count: 1 }), from).then(
        () => 'ok',
        (err: { type: { code: string } }) => err.type.code,
      )
    const answers = await Promise.all(Array.from({ length: 100 }, () => ask('X')))
    expect(answers.filter((x) => x === 'ok').length).toBeGreaterThanOrEqual(32)
    expect(answers.filter((x) => x === 'SYNC_RATE_LIMITED').length).toBeGreaterThan(50)
    // Another peer is not affected.
    expect(await ask('Y')).toBe('ok')
  })

  test('refuses a request told to wait however short: 1 ms', () => {
    const chain = new Chain({ genesis: GENESIS, store: chainOf(2) })
    const server = createSyncServer({ chain, now: () => 0, rateBurst: 1, ratePerSecond: 1_000 })
    const request = encodeHeadersRequest({ from: 0n, count: 1 })
    expect(server.answer(PROTOCOLS.headers, request, 'X')).toBeInstanceOf(Uint8Array)
    expect(() => server.answer(PROTOCOLS.headers, request, 'X')).toThrow(
      expect.objectContaining({ type: { code: 'SYNC_RATE_LIMITED', peerId: 'X', retryInMs: 1 } }),
    )
  })
})

describe('headers a peer serves are checked before any body is asked', () => {
  /** A syncer at the genesis whose one peer serves a chain of 10 blocks with its headers bent by `bend`. */
  async function syncWith(bend: (headers: Header[]) => Header[]) {
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: chainOf(10) }),
      now: () => 0,
    })
    const asked: string[] = []
    const syncer = new Syncer({
      chain: new Chain({ genesis: GENESIS }),
      async request(_peer, protocol, data) {
        asked.push(protocol)
        const answer = server.answer(protocol, data, 'B')
        if (answer === null) throw new Error('not a sync protocol')
        if (protocol !== PROTOCOLS.headers) return answer
        const res = decodeHeadersResponse(answer)
        return encodeHeadersResponse({ ...res, headers: bend([...res.headers]) })
      },
      disconnect: async () => {},
      importBlock: () => 'accept',
      now: Date.now,
      onStatus: () => {},
      config: { maxFailuresPerRun: 1, retryBaseMs: 1, retryMaxMs: 1 },
    })
    const penalize = vi.spyOn(syncer.board, 'penalize')
    syncer.notePeerHead('P', 10n)
    await syncer.idle()
    syncer.stop()
    return { asked, offences: penalize.mock.calls.map(([, offence]) => offence) }
  }

  test('a header without its proof of work costs an invalid block’s penalty, and no block is asked', async () => {
    const unworked = await syncWith((hs) => [
      ...hs.slice(0, -1),
      { ...(hs.at(-1) as Header), difficulty: 2n ** 200n },
    ])
    expect(unworked.offences).toEqual(['invalid-block'])
    expect(unworked.asked).not.toContain(PROTOCOLS.blocks)
    // The same peer with its headers as they are: every block is fetched.
    const honest = await syncWith((hs) => hs)
    expect(honest.offences).toEqual([])
    expect(honest.asked).toContain(PROTOCOLS.blocks)
  })
})

describe('which peers a syncer asks', () => {
  /**
   * A syncer on the chain `ours` holds (the genesis alone if none) whose peers serve the chains `peers`
   * names, or fail every request (`'fail'`, as a timeout does; `fails` names more that do, `garbles` those
   * answered with bytes that do not decode). Its clock
   * stands still (at the time it was made) until the test moves `clock.now`; `asked` lists its requests as
   * [peer, protocol]; `served` holds the chain each serving peer answers from.
   */
  function directSyncer(
    peers: Record<string, MemoryChainStore | 'fail'>,
    opts: {
      ours?: MemoryChainStore
      config?: Partial<SyncConfig>
      fails?: (peer: string, protocol: string) => boolean
      garbles?: (peer: string, protocol: string) => boolean
      onStatus?: (status: SyncStatus) => void
    } = {},
  ) {
    const clock = { now: Date.now() }
    const asked: [string, string][] = []
    const chain = new Chain({ genesis: GENESIS, ...(opts.ours === undefined ? {} : { store: opts.ours }) })
    const served = new Map<string, Chain>()
    for (const [id, store] of Object.entries(peers))
      if (store !== 'fail') served.set(id, new Chain({ genesis: GENESIS, store }))
    const servers = new Map(
      [...served].map(([id, c]) => [id, createSyncServer({ chain: c, now: () => 0, rateBurst: 1e6 })]),
    )
    const syncer = new Syncer({
      chain,
      async request(peer, protocol, data) {
        asked.push([peer, protocol])
        if (opts.fails?.(peer, protocol) === true) throw new Error(`${peer} does not answer`)
        if (opts.garbles?.(peer, protocol) === true) return new Uint8Array([0xff])
        const answer = servers.get(peer)?.answer(protocol, data, 'US')
        if (answer === undefined || answer === null) throw new Error(`${peer} does not answer`)
        return answer
      },
      disconnect: async () => {},
      importBlock: (block) => {
        chain.importBlock(block, BigInt(Date.now()))
        return 'accept'
      },
      now: () => clock.now,
      onStatus: opts.onStatus ?? (() => {}),
      config: { retryBaseMs: 1, retryMaxMs: 1, ...opts.config },
    })
    syncers.push(syncer)
    return { syncer, chain, asked, clock, served }
  }
  const syncers: Syncer[] = []
  afterEach(() => {
    for (const s of syncers.splice(0)) s.stop()
  })

  const SOME_BLOCK: Hex = `0x${'ab'.repeat(32)}`

  test('an announcer whose requests failed breakerFailures times in a row is not asked for its next announcement until its breaker lets a probe through', async () => {
    const { syncer, asked, clock } = directSyncer(
      { F: 'fail' },
      { config: { breakerFailures: 2, breakerOpenMs: 1_000 } },
    )
    expect(await syncer.fetchAnnounced('F', SOME_BLOCK)).toEqual({ verdict: 'ignore' })
    expect(await syncer.fetchAnnounced('F', SOME_BLOCK)).toEqual({ verdict: 'ignore' })
    expect(asked).toHaveLength(2)
    // Its breaker is open: the announcement is ignored and nothing is asked.
    expect(await syncer.fetchAnnounced('F', SOME_BLOCK)).toEqual({ verdict: 'ignore' })
    expect(asked).toHaveLength(2)
    clock.now += 1_000
    expect(await syncer.fetchAnnounced('F', SOME_BLOCK)).toEqual({ verdict: 'ignore' })
    expect(asked).toHaveLength(3)
  })

  test('a peer just penalised is not among those asked for a block its announcer failed to serve', async () => {
    const { syncer } = directSyncer({ A: 'fail', H1: chainOf(0), H2: chainOf(0) })
    for (const id of ['A', 'H1', 'H2']) syncer.notePeerHead(id, 0n)
    expect(syncer.holders('A')).toEqual(['H1', 'H2'])
    syncer.penalize('H1', 'wrong-response')
    expect(syncer.isBanned('H1')).toBe(false)
    expect(syncer.holders('A')).toEqual(['H2'])
  })

  test('a light peer, and a peer whose breaker is open, are not among those asked for a block its announcer failed to serve; the best claim comes first', async () => {
    const { syncer } = directSyncer(
      { A: 'fail', H1: chainOf(0), H2: chainOf(0), L: chainOf(0), F: 'fail' },
      { ours: chainOf(5), config: { breakerFailures: 1 } },
    )
    // Claims at or below our head: nothing to sync from.
    syncer.notePeerHead('A', 5n)
    syncer.notePeerHead('H1', 3n)
    syncer.notePeerHead('L', 5n, true)
    syncer.notePeerHead('F', 5n)
    syncer.notePeerHead('H2', 4n)
    expect(await syncer.fetchAnnounced('F', SOME_BLOCK, 'holder')).toEqual({ verdict: 'ignore' })
    expect(syncer.breakerState('F')).toBe('open')
    expect(syncer.holders('A')).toEqual(['H2', 'H1'])
  })

  test('a holder that lacks an announced block costs nothing; an announcer that serves nothing for it, or a banned one, is rejected', async () => {
    const { syncer } = directSyncer({ A: chainOf(0), H: chainOf(0), B: chainOf(0) })
    syncer.notePeerHead('H', 0n)
    expect(await syncer.fetchAnnounced('H', SOME_BLOCK, 'holder')).toEqual({ verdict: 'ignore' })
    expect(await syncer.fetchAnnounced('A', SOME_BLOCK)).toEqual({ verdict: 'reject' })
    expect(syncer.holders('X')).toEqual(['H'])
    syncer.penalize('B', 'invalid-block')
    syncer.penalize('B', 'invalid-block')
    expect(syncer.isBanned('B')).toBe(true)
    expect(await syncer.fetchAnnounced('B', SOME_BLOCK)).toEqual({ verdict: 'reject' })
  })

  test('an answer that does not decode is still an answer: it costs a penalty and ends the run of failures its breaker counts', async () => {
    let requests = 0
    const { syncer, asked } = directSyncer(
      { P: chainOf(5) },
      {
        config: { breakerFailures: 2, maxFailuresPerRun: 3 },
        fails: () => ++requests !== 2,
        garbles: () => requests === 2,
      },
    )
    syncer.notePeerHead('P', 5n)
    await syncer.idle()
    expect(asked).toHaveLength(3)
    expect(syncer.board.counters.penalties).toBe(1)
    expect(syncer.isBanned('P')).toBe(false)
    expect(syncer.breakerState('P')).toBe('closed')
  })

  test('an answer that crossed a newer announcement in flight is checked against the announcement it was asked under: no charge', async () => {
    let syncer: Syncer | undefined
    const direct = directSyncer(
      { P: chainOf(5) },
      {
        // While the first request is out, the peer announces a far head (it synced meanwhile).
        fails: () => {
          syncer?.notePeerHead('P', 10_000n)
          syncer = undefined
          return false
        },
      },
    )
    syncer = direct.syncer
    direct.syncer.notePeerHead('P', 5n)
    await direct.syncer.idle()
    expect(direct.asked[0]).toEqual(['P', PROTOCOLS.headers])
    expect(direct.chain.head.block.header.number).toBe(5n)
    expect(direct.syncer.board.counters.penalties).toBe(0)
  })

  test('the work a peer’s answer told stops counting once it announces another head: one announcing a lower head is not asked', async () => {
    const { syncer, asked } = directSyncer(
      { P: chainOf(5) },
      { config: { maxFailuresPerRun: 1 }, fails: (_, protocol) => protocol === PROTOCOLS.blocks },
    )
    syncer.notePeerHead('P', 5n)
    await syncer.idle()
    expect(asked).toEqual([
      ['P', PROTOCOLS.headers],
      ['P', PROTOCOLS.blocks],
    ])
    // Its headers told the work of its head #5, above ours; it now announces the genesis.
    syncer.notePeerHead('P', 0n)
    syncer.start()
    await syncer.idle()
    expect(asked).toHaveLength(2)
  })

  test('a peer whose gossiped block lacks its parent is synced from though its last answer told no more work than ours, and the node reads as syncing towards that block', async () => {
    const statuses: SyncStatus[] = []
    const { syncer, chain, served } = directSyncer({ P: chainOf(5) }, { onStatus: (s) => statuses.push(s) })
    syncer.notePeerHead('P', 5n)
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(5n)
    const peer = served.get('P') as Chain
    for (let i = 0; i < 2; i++) {
      const block = sealOn(peer, peer.head.hash, peer.head.block.header.timestamp + 10n)
      expect(peer.importBlock(block, BigInt(Date.now())).kind).toBe('extended')
    }
    const before = statuses.length
    syncer.noteGap('P', 7n)
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(7n)
    expect(statuses[before]).toEqual({ startingBlock: 5n, currentBlock: 5n, highestBlock: 7n })
  })

  test('while syncing is held to claims at most n blocks past our head, a peer claiming exactly n is synced from; one claiming n + 1 is not', async () => {
    const held = directSyncer({ P: chainOf(10) })
    held.syncer.holdBeyond(9n)
    held.syncer.notePeerHead('P', 10n)
    await held.syncer.idle()
    expect(held.asked).toEqual([])
    expect(held.chain.head.block.header.number).toBe(0n)
    const within = directSyncer({ P: chainOf(10) })
    within.syncer.holdBeyond(10n)
    within.syncer.notePeerHead('P', 10n)
    await within.syncer.idle()
    expect(within.chain.head.block.header.number).toBe(10n)
    // Released, the held claim is synced from at once.
    held.syncer.holdBeyond(null)
    await held.syncer.idle()
    expect(held.chain.head.block.header.number).toBe(10n)
  })

  test('a peer failing every request is asked maxFailuresPerRun times in a run, no more', async () => {
    const { syncer, asked } = directSyncer(
      { F: 'fail' },
      { config: { maxFailuresPerRun: 3, breakerFailures: 1_000 } },
    )
    syncer.notePeerHead('F', 5n)
    await syncer.idle()
    expect(asked).toEqual([
      ['F', PROTOCOLS.headers],
      ['F', PROTOCOLS.headers],
      ['F', PROTOCOLS.headers],
    ])
  })

  test('a claim told before a ban is not kept either: once the ban ends, the peer is not asked until it tells one again', async () => {
    const { syncer, asked, clock } = directSyncer({ P: chainOf(10) }, { config: { banMs: 1_000 } })
    syncer.holdBeyond(0n)
    syncer.notePeerHead('P', 10n)
    syncer.penalize('P', 'invalid-block')
    syncer.penalize('P', 'invalid-block')
    expect(syncer.isBanned('P')).toBe(true)
    clock.now += 1_000
    syncer.holdBeyond(null)
    await syncer.idle()
    expect(asked).toEqual([])
  })

  test('a peer banned by another part sharing the board (the light client) is not asked, though the syncer still holds its claim', async () => {
    const { syncer, asked } = directSyncer({ P: 'fail' }, { config: { maxFailuresPerRun: 1 } })
    syncer.notePeerHead('P', 5n)
    await syncer.idle()
    expect(asked).toHaveLength(1)
    while (!syncer.board.penalize('P', 'invalid-block')) {}
    syncer.start()
    await syncer.idle()
    expect(asked).toHaveLength(1)
  })

  test('a peer that left is forgotten with what it announced: once back, its answers check no announcement of before', async () => {
    const { syncer } = directSyncer({ P: chainOf(5) })
    syncer.holdBeyond(0n)
    syncer.notePeerHead('P', 10_000n)
    expect(syncer.board.announced('P')).toBe(10_000n)
    syncer.forgetPeer('P')
    expect(syncer.board.announced('P')).toBe(-1n)
  })

  test('a head a banned peer tells is not kept: once its ban ends, it is not asked until it tells one again', async () => {
    const { syncer, asked, clock, chain } = directSyncer({ P: chainOf(10) }, { config: { banMs: 1_000 } })
    syncer.penalize('P', 'invalid-block')
    syncer.penalize('P', 'invalid-block')
    expect(syncer.isBanned('P')).toBe(true)
    syncer.notePeerHead('P', 10n)
    clock.now += 1_000
    expect(syncer.isBanned('P')).toBe(false)
    // Another peer's news starts a run: the once-banned peer is not asked for what it told while banned.
    syncer.start()
    await syncer.idle()
    expect(asked).toEqual([])
    syncer.notePeerHead('P', 10n)
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(10n)
  })

  test('a heavier branch forking exactly maxReorgDepth (64) below our head is followed; one forking 65 below is a split, nothing fetched', async () => {
    const at = async (ownBlocks: number) => {
      const { storeA, storeB, chainA } = apart(10, 70, ownBlocks)
      const { syncer, chain, asked } = directSyncer({ A: storeA }, { ours: storeB })
      syncer.notePeerHead('A', 80n)
      await syncer.idle()
      return { syncer, chain, asked, peerHead: chainA.head.hash }
    }
    const followed = await at(64)
    expect(followed.chain.head.hash).toBe(followed.peerHead)
    expect(followed.syncer.split()).toBeNull()
    const split = await at(65)
    expect(split.chain.head.block.header.number).toBe(75n)
    expect(split.syncer.split()).toMatchObject({ peerId: 'A', ancestor: { number: 10n } })
    expect(split.asked.map(([, protocol]) => protocol)).not.toContain(PROTOCOLS.blocks)
    // Its peer left: no split is known any more.
    split.syncer.forgetPeer('A')
    expect(split.syncer.split()).toBeNull()
  })
})

describe('the peer a syncer waits on', () => {
  const syncers: Syncer[] = []
  afterEach(() => {
    for (const s of syncers.splice(0)) s.stop()
  })

  /**
   * A syncer at the genesis whose peer `S` serves a chain of 200 blocks until `silent.on` (then each of
   * its requests fails, as a frozen tab's times out; it falls silent by itself after `silent.batches`), and `L` (a liar) fails every request. Its clock
   * stands still until the test moves `clock.now`. `told` lists what it told, in order; `shown` replays
   * that as the page's sync card reads it: each time it reads as neither syncing nor waiting while below
   * S's head, the head then.
   */
  function servedThenSilent(config: Partial<SyncConfig> = {}) {
    const clock = { now: Date.now() }
    // `batches`: the blocks answers S gives before it falls silent.
    const silent = { on: false, batches: Number.POSITIVE_INFINITY }
    const chain = new Chain({ genesis: GENESIS })
    const source = new Chain({ genesis: GENESIS, store: chainOf(200) })
    const server = createSyncServer({ chain: source, now: () => 0, rateBurst: 1e6 })
    const told: ({ readonly status: SyncStatus } | { readonly wait: SyncWait | null })[] = []
    const upToDate: bigint[] = []
    let status: SyncStatus = false
    let wait: SyncWait | null = null
    const shown = () => {
      const head = chain.head.block.header.number
      if (told.length > 0 && status === false && wait === null && head < 200n) upToDate.push(head)
    }
    const syncer = new Syncer({
      chain,
      async request(peer, protocol, data) {
        if (peer === 'S' && !silent.on) {
          const answer = server.answer(protocol, data, 'US')
          if (answer !== null) {
            if (protocol === PROTOCOLS.blocks && --silent.batches <= 0) silent.on = true
            return answer
          }
        }
        throw new Error(`${peer} does not answer`)
      },
      disconnect: async () => {},
      importBlock: (block) => {
        chain.importBlock(block, BigInt(Date.now()))
        // As the node does on every head change.
        syncer.checkWait()
        return 'accept'
      },
      now: () => clock.now,
      onStatus: (s) => {
        status = s
        told.push({ status: s })
        shown()
      },
      onWait: (w) => {
        wait = w
        told.push({ wait: w })
        shown()
      },
      config: { retryBaseMs: 1, retryMaxMs: 1, maxFailuresPerRun: 3, breakerFailures: 1_000, ...config },
    })
    syncers.push(syncer)
    const waits = () => told.flatMap((t) => ('wait' in t ? [t.wait] : []))
    return { syncer, chain, source, clock, silent, waits, upToDate }
  }

  test("a run that gave up on a silent peer still ahead asks it again a breaker's longest open time later: woken, it is synced from though it announced nothing new", async () => {
    const { syncer, chain, silent, waits } = servedThenSilent({ breakerMaxOpenMs: 50 })
    silent.batches = 1
    syncer.notePeerHead('S', 200n)
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(BigInt(MAX_BLOCKS_PER_REQUEST))
    expect(syncer.wait?.peerId).toBe('S')
    // It wakes and answers; it tells nothing, and nobody asks the syncer to start.
    silent.on = false
    silent.batches = Number.POSITIVE_INFINITY
    await until(() => chain.head.block.header.number === 200n, 10_000)
    await syncer.idle()
    expect(syncer.wait).toBeNull()
    expect(waits().at(-1)).toBeNull()
  })

  test('a peer that served blocks and then fails: the node waits on it, from its first failed request, never reading as up to date meanwhile; once it answers again, the wait ends as the sync goes on, and a new silence is a new spell', async () => {
    const { syncer, chain, clock, silent, waits, upToDate } = servedThenSilent()
    const start = clock.now
    const batch = BigInt(MAX_BLOCKS_PER_REQUEST)
    silent.batches = 1
    syncer.notePeerHead('S', 200n)
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(batch)
    expect(waits()).toEqual([{ peerId: 'S', since: start }])
    expect(syncer.wait).toEqual({ peerId: 'S', since: start })
    // Asked again later (a new run): still silent, still the same spell.
    clock.now += 5_000
    syncer.start()
    await syncer.idle()
    expect(waits()).toEqual([{ peerId: 'S', since: start }])
    // It answers with one more batch, then falls silent again: a spell from its next failed request.
    silent.on = false
    silent.batches = 1
    syncer.start()
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(2n * batch)
    const again = { peerId: 'S', since: start + 5_000 }
    expect(waits()).toEqual([{ peerId: 'S', since: start }, null, again])
    silent.on = false
    silent.batches = Number.POSITIVE_INFINITY
    syncer.start()
    await syncer.idle()
    expect(chain.head.block.header.number).toBe(200n)
    expect(waits()).toEqual([{ peerId: 'S', since: start }, null, again, null])
    expect(syncer.wait).toBeNull()
    expect(upToDate).toEqual([])
  })

  test('a peer that never served this node, claiming a far head and failing every request, is not waited on', async () => {
    const { syncer, waits } = servedThenSilent()
    syncer.notePeerHead('L', 10n ** 9n)
    await syncer.idle()
    syncer.start()
    await syncer.idle()
    expect(waits()).toEqual([])
    expect(syncer.wait).toBeNull()
  })

  test('a node tells the peer it waits on as a syncWait event, and answers it from syncWait()', async () => {
    const hub = memoryHub()
    let batches = 1
    await makeNode(hub, 'A', {
      store: chainOf(200),
      wrap: (sink) => ({
        ...sink,
        async request(protocol, data, from) {
          if (batches <= 0 && (protocol === PROTOCOLS.headers || protocol === PROTOCOLS.blocks))
            throw new Error('frozen')
          if (protocol === PROTOCOLS.blocks) batches--
          return sink.request(protocol, data, from)
        },
      }),
    })
    const b = await makeNode(hub, 'B', { sync: { maxFailuresPerRun: 3, breakerFailures: 1_000 } })
    await until(async () => (await b.node.api.syncWait()) !== null)
    expect(await b.node.api.syncWait()).toMatchObject({ peerId: 'A' })
    expect(b.events.filter((e) => e.event === 'syncWait').map((e) => e.data)).toEqual([
      await b.node.api.syncWait(),
    ])
  })

  test('the wait on a silent peer ends when it is banned, when it is forgotten, and when the head reaches its claim', async () => {
    const silentPeer = async () => {
      const s = servedThenSilent()
      s.silent.batches = 1
      s.syncer.notePeerHead('S', 200n)
      await s.syncer.idle()
      expect(s.syncer.wait).toMatchObject({ peerId: 'S' })
      return s
    }
    const banned = await silentPeer()
    banned.syncer.penalize('S', 'invalid-block')
    banned.syncer.penalize('S', 'invalid-block')
    expect(banned.syncer.isBanned('S')).toBe(true)
    expect(banned.waits().at(-1)).toBeNull()
    const forgotten = await silentPeer()
    forgotten.syncer.forgetPeer('S')
    expect(forgotten.waits().at(-1)).toBeNull()
    const caughtUp = await silentPeer()
    for (let n = caughtUp.chain.head.block.header.number + 1n; n <= 200n; n++)
      caughtUp.chain.importBlock(caughtUp.source.getBlockByNumber(n)?.block as Block, BigInt(Date.now()))
    caughtUp.syncer.checkWait()
    expect(caughtUp.waits().at(-1)).toBeNull()
  })
})
