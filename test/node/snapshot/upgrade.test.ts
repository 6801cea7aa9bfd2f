import type { Address } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Block } from '../../../src/node/chain/types'
import { keccak, toHex } from '../../../src/node/codec/bytes'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import type { NodeMode } from '../../../src/node/light/mode'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { SNAPSHOT_PROGRESS_KEY, type SnapshotProgress } from '../../../src/node/snapshot/download'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { decodeSnapshotResponse, encodeSnapshotResponse } from '../../../src/node/sync/snapshot-messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { createNode, type Node } from '../../../src/node/worker/node'

/** 5,000 funded accounts: about 10,000 tree nodes, more than one snapshot response carries. */
const ACCOUNTS: Address[] = Array.from(
  { length: 5000 },
  (_, i) => toHex(keccak(new Uint8Array([i >> 8, i & 0xff])).subarray(12)) as Address,
)
const GENESIS = testGenesis({
  alloc: ACCOUNTS.map((address, i) => ({ address, balance: BigInt(i + 1) * 10n ** 18n })),
})
const PROTOCOLS = syncProtocols(GENESIS.params.chainId)
const MINER = ACCOUNTS[7] as Address

/** `n` sealed blocks on the test genesis (difficulty 2: a handful of hashes each), dated in the past. */
function minedBlocks(n: number): Block[] {
  const chain = new Chain({ genesis: GENESIS })
  const start = BigInt(Date.now() - 10 * n - 10_000)
  const out: Block[] = []
  for (let i = 1; i <= n; i++) {
    const template = buildBlockTemplate({
      params: chain.params,
      parent: chain.head.block.header,
      parentState: chain.headState,
      txs: [],
      now: start + BigInt(10 * i),
      miner: i % 2 === 0 ? MINER : (ACCOUNTS[i % ACCOUNTS.length] as Address),
    }).block
    for (let nonce = 0n; ; nonce += 1000n) {
      const r = mineSlice(template.header, nonce, 1000)
      if ('found' in r) {
        const block = sealBlock(template, r.found)
        chain.importBlock(block, BigInt(Date.now()))
        out.push(block)
        break
      }
    }
  }
  return out
}

function storeWith(blocks: readonly Block[]): MemoryChainStore {
  const store = new MemoryChainStore()
  const chain = new Chain({ genesis: GENESIS, store })
  for (const b of blocks) chain.importBlock(b, BigInt(Date.now()))
  return store
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
    wrap?: (s: NetworkSink) => NetworkSink
    repo?: NodeRepository
    retryMs?: number
  } = {},
) {
  const link = hub.join(peerId)
  const modes: NodeMode[] = []
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    ...(opts.repo === undefined ? {} : { repo: opts.repo }),
    coinbase: MINER,
    mine: false,
    network: link.api,
    emit: (event, data) => {
      if (event === 'mode') modes.push(data as NodeMode)
    },
    now: () => Date.now(),
    agent: 'test',
    sync: { retryBaseMs: 10, retryMaxMs: 50, breakerOpenMs: 300 },
    upgrade: { replayBelow: 100, retryMs: opts.retryMs ?? 100 },
  })
  running.push(node)
  await node.start()
  await link.attach(opts.wrap === undefined ? node.sink : opts.wrap(node.sink))
  return { node, link, modes }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A peer that serves the same chain but flips a byte of every leaf in its snapshot chunks. */
const forging = (sink: NetworkSink): NetworkSink => ({
  ...sink,
  async request(protocol, data, from) {
    const answer = await sink.request(protocol, data, from)
    if (protocol !== PROTOCOLS.snapshot) return answer
    return encodeSnapshotResponse(
      decodeSnapshotResponse(answer).map((n) =>
        n[0] === 0 ? Uint8Array.from(n, (b, j) => (j === n.length - 1 ? b ^ 1 : b)) : n,
      ),
    )
  },
})

describe('upgrade to full from a state snapshot (memory network)', () => {
  const blocks = minedBlocks(300)

  test('a fresh node next to a full node with 300 blocks upgrades through a snapshot and matches its state root', async () => {
    const hub = memoryHub()
    const full = await makeNode(hub, 'FULL', { store: storeWith(blocks) })
    const fresh = await makeNode(hub, 'FRESH')
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    await fresh.node.upgraded()
    const [a, b] = [await full.node.api.head(), await fresh.node.api.head()]
    expect(b.hash).toBe(a.hash)
    expect(b.totalDifficulty).toBe(a.totalDifficulty)
    expect((await fresh.node.api.block(300n))?.stateRoot).toBe((await full.node.api.block(300n))?.stateRoot)
    for (const address of [ACCOUNTS[0], ACCOUNTS[777], ACCOUNTS[4999], MINER] as Address[]) {
      expect(await fresh.node.api.account(address)).toEqual(await full.node.api.account(address))
    }
    const stats = await fresh.node.api.stats()
    // Executed on top of the snapshot: the blocks above it only, nothing replayed from genesis.
    expect(stats.blocksFromSnapshot).toBeGreaterThan(0)
    expect(stats.blocksFromSnapshot).toBeLessThan(100)
    expect(stats.blocksFetchedBySync).toBe(0)
    // Nothing below the snapshot block is held.
    expect(await fresh.node.api.block(10n)).toBeNull()
    expect(fresh.modes[0]).toEqual({ kind: 'upgrading', percent: 0 })
    const percents = fresh.modes.flatMap((m) => (m.kind === 'upgrading' ? [m.percent] : []))
    expect(percents.every((p, i) => i === 0 || p >= (percents[i - 1] as number))).toBe(true)
    expect(fresh.modes.at(-1)).toEqual({ kind: 'full' })

    // Once full, it follows new blocks as usual (the ordinary sync from its snapshot base).
    const more = minedBlocksOn(blocks, 40)
    const store = storeWith([...blocks, ...more])
    const ahead = await makeNode(hub, 'AHEAD', { store })
    await until(async () => (await fresh.node.api.head()).number === 340n)
    expect((await fresh.node.api.head()).hash).toBe((await ahead.node.api.head()).hash)
  }, 120_000)

  test('snapshot chunks that do not match the root are refused, the forger penalised, and the chunks fetched from the honest peer', async () => {
    const hub = memoryHub()
    // The forger joins first, so it is among the first asked.
    await makeNode(hub, 'FORGER', { store: storeWith(blocks), wrap: forging })
    await makeNode(hub, 'FULL', { store: storeWith(blocks) })
    const fresh = await makeNode(hub, 'FRESH')
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    const stats = await fresh.node.api.stats()
    expect(stats.penalties).toBeGreaterThan(0)
    // Still through the snapshot (retried from the honest peer), not a replay from genesis.
    expect(stats.blocksFromSnapshot).toBeGreaterThan(0)
    expect(stats.blocksFetchedBySync).toBe(0)
    expect((await fresh.node.api.block(300n))?.stateRoot).toBe(blocks.at(-1)?.header.stateRoot)
    expect(hub.linked('FRESH', 'FORGER')).toBe(false)
  }, 120_000)

  test('a node reloaded in the middle of the download resumes it from its stored progress', async () => {
    const hub = memoryHub()
    let serving: 'one' | 'none' | 'all' = 'one'
    let served = 0
    const metered = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol !== PROTOCOLS.snapshot) return sink.request(protocol, data, from)
        if (serving === 'none') return encodeSnapshotResponse([])
        if (serving === 'one') serving = 'none'
        const answer = await sink.request(protocol, data, from)
        served += decodeSnapshotResponse(answer).length
        return answer
      },
    })
    await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: metered })
    const backend = createMemoryBackend()
    const identity = {
      chainId: GENESIS.params.chainId,
      genesisHash: new Chain({ genesis: GENESIS }).genesisHash,
    }
    const first = await openMemoryRepository({ backend, chain: identity })
    // The only peer serves one chunk, then nothing: the download stops part-way (retry far off).
    const before = await makeNode(hub, 'FRESH', { repo: first, retryMs: 60_000 })
    await until(async () => ((await first.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY))?.nodes ?? 0) > 0)
    expect((await before.node.api.mode()).kind).toBe('upgrading')
    const partial = (await first.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)) as SnapshotProgress
    expect(partial.complete).toBe(false)
    expect(served).toBe(partial.nodes)
    // "Reload": the node goes, its repository closes; a new node opens the same profile's data.
    before.node.stop()
    await before.link.leave()
    first.close()
    serving = 'all'
    served = 0
    const second = await openMemoryRepository({ backend, chain: identity })
    const after = await makeNode(hub, 'FRESH-AGAIN', { repo: second })
    await until(
      async () =>
        (await after.node.api.mode()).kind === 'full' && (await after.node.api.head()).number === 300n,
    )
    const done = (await second.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)) as SnapshotProgress
    expect(done.complete).toBe(true)
    expect(done.target.blockHash).toBe(partial.target.blockHash)
    // Only the nodes the first run lacked were fetched again.
    expect(served).toBe(done.nodes - partial.nodes)
    expect(partial.nodes).toBeGreaterThan(0)
    expect((await after.node.api.block(300n))?.stateRoot).toBe(blocks.at(-1)?.header.stateRoot)
    expect((await after.node.api.stats()).blocksFetchedBySync).toBe(0)
  }, 120_000)

  test('a short chain (below the replay threshold) is replayed from genesis by the ordinary sync', async () => {
    const hub = memoryHub()
    await makeNode(hub, 'FULL', { store: storeWith(blocks.slice(0, 80)) })
    const fresh = await makeNode(hub, 'FRESH')
    await until(async () => (await fresh.node.api.head()).number === 80n)
    const stats = await fresh.node.api.stats()
    expect(stats.blocksFromSnapshot).toBe(0)
    expect(stats.blocksFetchedBySync).toBe(80)
    expect(await fresh.node.api.block(10n)).not.toBeNull()
    expect(await fresh.node.api.mode()).toEqual({ kind: 'full' })
  }, 60_000)
})

/** `n` more sealed blocks on top of `base`. */
function minedBlocksOn(base: readonly Block[], n: number): Block[] {
  const chain = new Chain({ genesis: GENESIS })
  for (const b of base) chain.importBlock(b, BigInt(Date.now()))
  const start = BigInt(Date.now() - 10 * n - 5_000)
  const out: Block[] = []
  for (let i = 1; i <= n; i++) {
    const template = buildBlockTemplate({
      params: chain.params,
      parent: chain.head.block.header,
      parentState: chain.headState,
      txs: [],
      now: start + BigInt(10 * i),
      miner: MINER,
    }).block
    for (let nonce = 0n; ; nonce += 1000n) {
      const r = mineSlice(template.header, nonce, 1000)
      if ('found' in r) {
        const block = sealBlock(template, r.found)
        chain.importBlock(block, BigInt(Date.now()))
        out.push(block)
        break
      }
    }
  }
  return out
}
