import type { Address, Hex } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { encodeBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain, type ImportResult } from '../../../src/node/chain/chain'
import { type ChainStore, MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import type { Block, Tx } from '../../../src/node/chain/types'
import { fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import { HeaderChain, type HeaderCheckpoint } from '../../../src/node/light/header-chain'
import type { NodeMode } from '../../../src/node/light/mode'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { SNAPSHOT_PROGRESS_KEY, type SnapshotProgress } from '../../../src/node/snapshot/download'
import { type UpgradeInit, upgradeFromSnapshot, upgradeSource } from '../../../src/node/snapshot/upgrade'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { PersistentChainStore } from '../../../src/node/storage/persistent-chain-store'
import type { NodeRepository } from '../../../src/node/storage/types'
import type { CheckpointConflict } from '../../../src/node/sync/checkpoint-conflict'
import {
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeBlocksResponse,
  encodeHeadersResponse,
} from '../../../src/node/sync/messages'
import type { Offence } from '../../../src/node/sync/peer-scores'
import { decodeSnapshotResponse, encodeSnapshotResponse } from '../../../src/node/sync/snapshot-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { decodeBeacon, encodeBeacon } from '../../../src/node/worker/beacon'
import {
  LIGHT_CHECKPOINT_KEY,
  LIGHT_OWN_TXS_KEY,
  loadLightCheckpoint,
  type OwnTx,
} from '../../../src/node/worker/light-service'
import { createNode, type Node } from '../../../src/node/worker/node'
import { until } from '../../until'
import { addressOf, mineOn, seal, transfer } from '../chain/chain-fixtures'

/** 5,000 funded accounts: about 10,000 tree nodes, more than one snapshot response carries. */
const ACCOUNTS: Address[] = Array.from(
  { length: 5000 },
  (_, i) => toHex(keccak(new Uint8Array([i >> 8, i & 0xff])).subarray(12)) as Address,
)
/** Funded too: the senders of the transfers these tests sign (`transfer(0, …)`, `transfer(1, …)`). */
const SENDERS = [addressOf(0), addressOf(1)]
const GENESIS = testGenesis({
  alloc: [
    ...ACCOUNTS.map((address, i) => ({ address, balance: BigInt(i + 1) * 10n ** 18n })),
    ...SENDERS.map((address) => ({ address, balance: 10n ** 21n })),
  ],
})
const PROTOCOLS = syncProtocols(GENESIS.params.chainId)
const STATUS_PROTOCOL = chainProtocol(GENESIS.params.chainId, 'status')
const MINER = ACCOUNTS[7] as Address

/**
 * `n` sealed blocks on the test genesis (difficulty 2: a handful of hashes each), dated in the past;
 * block `txs.at` holds `txs.txs`.
 */
function minedBlocks(n: number, txs?: { readonly at: number; readonly txs: readonly Tx[] }): Block[] {
  const chain = new Chain({ genesis: GENESIS })
  const start = BigInt(Date.now() - 10 * n - 10_000)
  const out: Block[] = []
  for (let i = 1; i <= n; i++) {
    const template = buildBlockTemplate({
      params: chain.params,
      parent: chain.head.block.header,
      parentState: chain.headState,
      txs: txs?.at === i ? txs.txs : [],
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

/**
 * A slow disk under `repo`: the store's background load of its older blocks waits until the returned
 * function is called.
 */
function slowOlderBlocks<T>(repo: { loadChain: () => Promise<T> }): () => void {
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const loadChain = repo.loadChain.bind(repo)
  repo.loadChain = async () => {
    await gate
    return loadChain()
  }
  return () => release()
}

function must<T>(v: T | undefined | null): T {
  if (v === undefined || v === null) throw new Error('missing')
  return v
}

/** `sink`'s answer to a status request, its head told as #1,000,000,000 (a liar's far claim). */
async function farHeadStatus(sink: NetworkSink, data: Uint8Array, from: string): Promise<Uint8Array> {
  const told = decodeBeacon(await sink.request(STATUS_PROTOCOL, data, from))
  return encodeBeacon({ ...told, head: 1_000_000_000n })
}

/** Answers status requests only 50 ms after `heard` settles: another peer's status comes first. */
const statusAfter =
  (heard: Promise<void>) =>
  (sink: NetworkSink): NetworkSink => ({
    ...sink,
    async request(protocol, data, from) {
      if (protocol === STATUS_PROTOCOL) await heard.then(() => new Promise((r) => setTimeout(r, 50)))
      return sink.request(protocol, data, from)
    },
  })

/** Learns heads from status answers alone: gossiped beacons (which tell the true heads) are ignored. */
const statusAnswersOnly = (sink: NetworkSink): NetworkSink => ({
  ...sink,
  gossip: (topic, data, from) =>
    topic === chainTopic(GENESIS.params.chainId, 'status')
      ? Promise.resolve('ignore')
      : sink.gossip(topic, data, from),
})

const running: Node[] = []
afterEach(() => {
  for (const n of running.splice(0)) n.stop()
})

async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  opts: {
    store?: ChainStore
    wrap?: (s: NetworkSink) => NetworkSink
    repo?: NodeRepository
    retryMs?: number
    lightCheckpoint?: HeaderCheckpoint
    now?: () => number
    onMode?: (mode: NodeMode) => void
  } = {},
) {
  const link = hub.join(peerId)
  const modes: NodeMode[] = []
  const conflicts: CheckpointConflict[] = []
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    ...(opts.repo === undefined ? {} : { repo: opts.repo }),
    ...(opts.lightCheckpoint === undefined ? {} : { lightCheckpoint: opts.lightCheckpoint }),
    coinbase: MINER,
    mine: false,
    network: link.api,
    emit: (event, data) => {
      if (event === 'checkpointConflict') conflicts.push(data as CheckpointConflict)
      if (event !== 'mode') return
      modes.push(data as NodeMode)
      opts.onMode?.(data as NodeMode)
    },
    now: opts.now ?? (() => Date.now()),
    agent: 'test',
    sync: { retryBaseMs: 10, retryMaxMs: 50, breakerOpenMs: 300 },
    upgrade: { replayBelow: 100, retryMs: opts.retryMs ?? 100 },
  })
  running.push(node)
  await node.start()
  await link.attach(opts.wrap === undefined ? node.sink : opts.wrap(node.sink))
  return { node, link, modes, conflicts }
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

/** A peer that serves the same chain but answers every block request with the chain's first block. */
const wrongBlocks =
  (first: Block) =>
  (sink: NetworkSink): NetworkSink => ({
    ...sink,
    async request(protocol, data, from) {
      if (protocol !== PROTOCOLS.blocks) return sink.request(protocol, data, from)
      return encodeBlocksResponse([encodeBlock(first)])
    },
  })

describe('the peer an upgrade takes its blocks from (upgradeSource)', () => {
  const known = new Map<string, bigint>([
    ['LIAR', 300n],
    ['FULL', 300n],
    ['AHEAD', 320n],
    ['BEHIND', 150n],
  ])
  const none = () => false

  test('the peer whose head started it, while no attempt failed with it', () => {
    expect(upgradeSource(['LIAR', 300n], known, new Set(), none, 200n, 320n)).toEqual(['LIAR', 300n])
    expect(upgradeSource(['LIAR', 300n], known, new Set(['FULL']), none, 200n, 320n)).toEqual(['LIAR', 300n])
    // A claim of exactly the verified head is backed: the peer stays, though another claims as much.
    expect(upgradeSource(['FULL', 300n], known, new Set(), none, 200n, 300n)).toEqual(['FULL', 300n])
  })

  test('after a failure with it: the best other peer far enough ahead, not dropped, not failed with', () => {
    expect(upgradeSource(['LIAR', 300n], known, new Set(['LIAR']), none, 200n, 320n)).toEqual(['AHEAD', 320n])
    expect(upgradeSource(['LIAR', 300n], known, new Set(['LIAR']), (p) => p === 'AHEAD', 200n, 320n)).toEqual(
      ['FULL', 300n],
    )
    expect(upgradeSource(['LIAR', 300n], known, new Set(['LIAR', 'AHEAD']), none, 200n, 320n)).toEqual([
      'FULL',
      300n,
    ])
  })

  test('a peer whose claim is above the verified head is not picked while one whose claim is backed will do', () => {
    const lying = new Map<string, bigint>([
      ['LIAR', 1_000_000_000n],
      ['FULL', 300n],
      ['BEHIND', 150n],
    ])
    // Started by the liar's claim: the backed peer, though the liar's attempt never failed.
    expect(upgradeSource(['LIAR', 1_000_000_000n], lying, new Set(), none, 200n, 300n)).toEqual([
      'FULL',
      300n,
    ])
    // Started by the backed peer: it stays, though the liar claims more.
    expect(upgradeSource(['FULL', 300n], lying, new Set(), none, 200n, 300n)).toEqual(['FULL', 300n])
    // Backed but failed with: the liar only when nobody else will do.
    expect(upgradeSource(['FULL', 300n], lying, new Set(['FULL']), none, 200n, 300n)).toEqual([
      'LIAR',
      1_000_000_000n,
    ])
    // No claim is backed (the verified head lags them all): as before, the peer that started it.
    expect(upgradeSource(['LIAR', 1_000_000_000n], lying, new Set(), none, 200n, 250n)).toEqual([
      'LIAR',
      1_000_000_000n,
    ])
    // No claim backed, and another claims more: still the peer that started it, while not failed with.
    expect(upgradeSource(['FULL', 300n], lying, new Set(), none, 200n, 250n)).toEqual(['FULL', 300n])
  })

  test('the same peer again when no other will do (all failed with, dropped, or not far enough ahead)', () => {
    const failed = new Set(['LIAR', 'FULL', 'AHEAD'])
    expect(upgradeSource(['LIAR', 300n], known, failed, none, 200n, 320n)).toEqual(['LIAR', 300n])
    expect(
      upgradeSource(['LIAR', 300n], known, new Set(['LIAR']), (p) => p !== 'BEHIND', 200n, 320n),
    ).toEqual(['LIAR', 300n])
    // A head of exactly minHead is not far enough ahead.
    expect(upgradeSource(['LIAR', 300n], known, new Set(['LIAR']), none, 320n, 320n)).toEqual(['LIAR', 300n])
  })
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
    // Light first (nothing executed yet), then the upgrade, then full.
    expect(fresh.modes.slice(0, 2)).toEqual([{ kind: 'light' }, { kind: 'upgrading', percent: 0 }])
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

  test('an auto node whose own blocks a snapshot replaces sends the transactions mined there again: back in its pool and out to its peers', async () => {
    const hub = memoryHub()
    // Alone, it sends a transfer of its own, takes another's by gossip, and mines both into a chain of
    // its own.
    const alone = await makeNode(hub, 'ALONE')
    const ownRaw = await transfer(0, { nonce: 0 }, GENESIS.params.chainId)
    const own = await alone.node.api.sendRawTransaction(ownRaw)
    const otherRaw = await transfer(1, { nonce: 0 }, GENESIS.params.chainId)
    expect(
      await alone.node.sink.gossip(chainTopic(GENESIS.params.chainId, 'txs'), fromHex(otherRaw), 'X'),
    ).toBe('accept')
    const other = (await alone.node.api.pendingTransactions()).find((t) => t.hash !== own)?.hash as Hex
    await alone.node.api.setMining(true)
    await until(
      async () =>
        (await alone.node.api.receipt(own)) !== null && (await alone.node.api.receipt(other)) !== null,
    )
    await alone.node.api.setMining(false)
    expect((await alone.node.api.head()).number).toBeLessThan(100n)

    // A peer 300 blocks ahead on another branch, without them: the node upgrades from its snapshot.
    const full = await makeNode(hub, 'FULL', { store: storeWith(blocks) })
    await until(async () => (await alone.node.api.head()).number === 300n)
    await alone.node.upgraded()
    expect((await alone.node.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)
    expect((await alone.node.api.head()).hash).toBe((await full.node.api.head()).hash)
    // Both are pending again, here and at the peer (its own from the journal, the other's from the
    // replaced blocks), and the next blocks take them.
    for (const hash of [own, other]) {
      expect(await alone.node.api.receipt(hash)).toBeNull()
      await until(async () => (await alone.node.api.transaction(hash))?.blockNumber === null)
      await until(async () => (await full.node.api.transaction(hash))?.blockNumber === null)
    }
    await full.node.api.setMining(true)
    await until(
      async () =>
        (await alone.node.api.receipt(own)) !== null && (await alone.node.api.receipt(other)) !== null,
    )
    await full.node.api.setMining(false)
  }, 120_000)

  test('an auto node that became full through a snapshot reads its own older transactions (kept by its light mode) as mined in their block, proven against the kept header, not as unknown', async () => {
    // Its transfer mined in block 20, far below the snapshot block; a light run of this profile kept that
    // block's header for it, final, and headers from #200 only.
    const raw = await transfer(0, { nonce: 0 }, GENESIS.params.chainId)
    const tx = parseTx(raw, GENESIS.params)
    const withOwn = minedBlocks(300, { at: 20, txs: [tx] })
    const headers = headerChain(withOwn)
    const block20 = must(headers.byNumber(20n))
    expect(must(withOwn[19]).transactions).toEqual([raw])
    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: GENESIS.params.chainId, genesisHash: must(headers.byNumber(0n)).hash },
    })
    const own: OwnTx = { block: block20, final: true }
    await repo.putMeta(LIGHT_OWN_TXS_KEY, { [tx.hash]: own })
    const hub = memoryHub()
    const full = await makeNode(hub, 'FULL', { store: storeWith(withOwn) })
    const node = await makeNode(hub, 'NODE', { repo, lightCheckpoint: headers.checkpoint(200n) })
    await until(
      async () =>
        (await node.node.api.mode()).kind === 'full' && (await node.node.api.head()).number === 300n,
    )
    await node.node.upgraded()
    expect((await node.node.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)
    expect(await node.node.api.block(20n)).toBeNull()

    const view = await node.node.api.transaction(tx.hash)
    expect(view).toEqual({ ...must(await full.node.api.transaction(tx.hash)), provenBelowBase: true })
    expect(view).toMatchObject({
      state: 'mined',
      blockNumber: 20n,
      blockHash: block20.hash,
      status: 'success',
    })
    const receipt = await node.node.api.receipt(tx.hash)
    const fullReceipt = must(await full.node.api.receipt(tx.hash))
    expect(receipt).toEqual({ ...fullReceipt, logsBloom: receipt?.logsBloom, provenBelowBase: true })
    expect(receipt).toMatchObject({ status: 'success', blockNumber: 20n, gasUsed: 21_000n })
    // Another's transaction as deep, kept for nobody: the executed chain holds none, as before.
    const other = await transfer(1, { nonce: 0 }, GENESIS.params.chainId)
    expect(await node.node.api.transaction(parseTx(other, GENESIS.params).hash)).toBeNull()
  }, 120_000)

  /**
   * A fresh node upgrading beside a misbehaving peer (`wrap` over its sink; it joins first, so it is
   * among the first asked) and an honest one: it reaches full at 300 through the snapshot, with the
   * honest peer's data, not through a replay from genesis.
   */
  async function upgradeBeside(name: string, wrap: (s: NetworkSink) => NetworkSink) {
    const hub = memoryHub()
    await makeNode(hub, name, { store: storeWith(blocks), wrap })
    await makeNode(hub, 'FULL', { store: storeWith(blocks) })
    const fresh = await makeNode(hub, 'FRESH')
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    const stats = await fresh.node.api.stats()
    expect(stats.blocksFromSnapshot).toBeGreaterThan(0)
    expect(stats.blocksFetchedBySync).toBe(0)
    expect((await fresh.node.api.block(300n))?.stateRoot).toBe(blocks.at(-1)?.header.stateRoot)
    return { hub, stats }
  }

  test('snapshot chunks that do not match the root are refused, the forger penalised, and the chunks fetched from the honest peer', async () => {
    const { hub, stats } = await upgradeBeside('FORGER', forging)
    expect(stats.penalties).toBeGreaterThan(0)
    expect(hub.linked('FRESH', 'FORGER')).toBe(false)
  }, 120_000)

  test('a peer that answers the upgrade with blocks not asked for does not send it back to a replay from genesis: the next attempt asks another peer', async () => {
    await upgradeBeside('LIAR', wrongBlocks(blocks[0] as Block))
  }, 120_000)

  test('peers lying about their head (far above the verified one, holding no block past it) are not asked for the blocks: the upgrade takes them from the honest peer', async () => {
    const hub = memoryHub()
    const asked: string[] = []
    let heardLiar = (): void => {}
    const liarHeard = new Promise<void>((r) => {
      heardLiar = r
    })
    // Serves the honest chain, its headers slowly (the verified headers take a while to catch up), but
    // tells a head of 1,000,000,000 in its status and holds none of the blocks asked.
    const lying =
      (name: string) =>
      (sink: NetworkSink): NetworkSink => ({
        ...sink,
        async request(protocol, data, from) {
          if (protocol === STATUS_PROTOCOL) {
            heardLiar()
            return farHeadStatus(sink, data, from)
          }
          if (protocol === PROTOCOLS.headers) await new Promise((r) => setTimeout(r, 300))
          if (protocol !== PROTOCOLS.blocks) return sink.request(protocol, data, from)
          asked.push(name)
          return encodeBlocksResponse([])
        },
      })
    // The honest peer's status comes just after a liar's: a liar's claim starts the upgrade.
    const later = statusAfter(liarHeard)
    // Three of them: before, each was the source of one failed attempt, and after three the node gave up
    // on snapshots for the run and replayed the chain from genesis.
    for (const name of ['LIAR1', 'LIAR2', 'LIAR3'])
      await makeNode(hub, name, { store: storeWith(blocks), wrap: lying(name) })
    await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: later })
    const fresh = await makeNode(hub, 'FRESH', { wrap: statusAnswersOnly })
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    await fresh.node.upgraded()
    const stats = await fresh.node.api.stats()
    expect(stats.blocksFromSnapshot).toBeGreaterThan(0)
    expect(stats.blocksFetchedBySync).toBe(0)
    expect((await fresh.node.api.block(300n))?.stateRoot).toBe(blocks.at(-1)?.header.stateRoot)
    expect(asked).toEqual([])
    expect((await fresh.node.api.peerStatuses()).find((p) => p.peerId === 'LIAR1')?.head).toBe(1_000_000_000n)
  }, 120_000)

  test('a far head no verified header backs holds nothing else: the node syncs from the honest peer meanwhile, never upgrades, and the liar pays', async () => {
    const hub = memoryHub()
    let heardLiar = (): void => {}
    const liarHeard = new Promise<void>((r) => {
      heardLiar = r
    })
    let release = (): void => {}
    const released = new Promise<void>((r) => {
      release = r
    })
    // Serves the honest chain of 300 blocks but tells #1,000,000,000 in its status; its headers answers
    // (which would show the claim false) wait until the test releases them.
    const lying = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === STATUS_PROTOCOL) {
          heardLiar()
          return farHeadStatus(sink, data, from)
        }
        if (protocol === PROTOCOLS.headers) await released
        return sink.request(protocol, data, from)
      },
    })
    // The honest peer's status comes just after the liar's: the liar's claim comes first.
    const later = statusAfter(liarHeard)
    await makeNode(hub, 'LIAR', { store: storeWith(blocks), wrap: lying })
    await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: later })
    // 50 blocks behind the honest peer: the ordinary sync's to close.
    const node = await makeNode(hub, 'NODE', {
      store: storeWith(blocks.slice(0, 250)),
      wrap: statusAnswersOnly,
    })
    // It catches up with the honest peer while the liar's claim is still unchecked (before, the claim
    // held every sync until the verified headers had caught up with it: here, for ever).
    await until(async () => (await node.node.api.head()).number === 300n, 10_000)
    expect((await node.node.api.head()).hash).toBe(hashBlock(blocks[299] as Block))
    expect((await node.node.api.stats()).blocksFetchedBySync).toBe(50)
    // Once its headers answer shows the claim false, the liar pays (what a wrong answer costs).
    release()
    await until(async () => (await node.node.api.stats()).penalties >= 1)
    await node.node.upgraded()
    expect(node.modes.some((m) => m.kind === 'upgrading')).toBe(false)
    expect((await node.node.api.mode()).kind).toBe('full')
    expect((await node.node.api.head()).number).toBe(300n)
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
    // The verified headers are kept from the snapshot block up.
    const kept = must(await first.getMeta<HeaderCheckpoint>(LIGHT_CHECKPOINT_KEY))
    expect(must(kept.headers[0]).number).toBeLessThanOrEqual(partial.target.number)
    expect(must(kept.headers.at(-1)).number).toBe(300n)
    // "Reload": the node goes, its repository closes; a new node opens the same profile's data.
    before.node.stop()
    await before.link.leave()
    first.close()
    serving = 'all'
    served = 0
    const second = await openMemoryRepository({ backend, chain: identity })
    const lightCheckpoint = must(await loadLightCheckpoint(second))
    const after = await makeNode(hub, 'FRESH-AGAIN', { repo: second, lightCheckpoint })
    // Its light client starts from the kept headers, not from the genesis.
    expect(must(after.node.light).client.headers.base.header.number).toBe(must(kept.headers[0]).number)
    await until(
      async () =>
        (await after.node.api.mode()).kind === 'full' && (await after.node.api.head()).number === 300n,
    )
    const done = (await second.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)) as SnapshotProgress
    expect(done.complete).toBe(true)
    expect(done.target.blockHash).toBe(partial.target.blockHash)
    // Only the nodes the first run lacked were fetched again (and the node's counters say so).
    expect(served).toBe(done.nodes - partial.nodes)
    const stats = await after.node.api.stats()
    expect(stats).toMatchObject({
      snapshotNodes: done.nodes,
      snapshotNodesFetched: done.nodes - partial.nodes,
    })
    expect(partial.nodes).toBeGreaterThan(0)
    expect((await after.node.api.block(300n))?.stateRoot).toBe(blocks.at(-1)?.header.stateRoot)
    expect((await after.node.api.stats()).blocksFetchedBySync).toBe(0)
  }, 120_000)

  test('an upgrade that failed when its only peer left holds nothing: a peer that arrives later, not far ahead, is synced from', async () => {
    const hub = memoryHub()
    let leaving: (() => Promise<void>) | undefined
    // The only peer refuses the snapshot (an empty answer) and leaves as it is asked.
    const refusing = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol !== PROTOCOLS.snapshot) return sink.request(protocol, data, from)
        void leaving?.()
        return encodeSnapshotResponse([])
      },
    })
    const full = await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: refusing })
    leaving = () => full.link.leave()
    const fresh = await makeNode(hub, 'FRESH')
    await until(() => fresh.modes.some((m) => m.kind === 'upgrading'))
    await until(() => !hub.linked('FRESH', 'FULL'))
    await fresh.node.upgraded()
    // Its retry (100 ms) finds no peer. A peer 20 blocks ahead, below the replay threshold, then joins.
    await new Promise((r) => setTimeout(r, 300))
    await makeNode(hub, 'NEAR', { store: storeWith(blocks.slice(0, 20)) })
    await until(async () => (await fresh.node.api.block(20n)) !== null, 10_000)
    expect((await fresh.node.api.stats()).blocksFetchedBySync).toBe(20)
    expect((await fresh.node.api.mode()).kind).not.toBe('upgrading')
  }, 120_000)

  test('while it upgrades, an auto node answers reads with proofs, then from its own state, without a gap', async () => {
    const hub = memoryHub()
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    // Snapshot chunks wait at the gate: the node stays in the middle of its upgrade until released.
    const gated = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === PROTOCOLS.snapshot) await gate
        return sink.request(protocol, data, from)
      },
    })
    const full = await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: gated })
    const fresh = await makeNode(hub, 'FRESH')
    const who = ACCOUNTS[777] as Address
    const expected = await full.node.api.account(who)
    // A reader, as the wallet is: every call must answer, with heights that never go back.
    const reads: { number: bigint; balance: bigint }[] = []
    const failures: unknown[] = []
    let reading = true
    const reader = (async () => {
      while (reading) {
        await fresh.node.api.verifiedAccount(who).then(
          (r) => reads.push({ number: r.number, balance: r.value.balance }),
          (err: unknown) => {
            if ((fresh.modes.at(-1)?.kind ?? 'light') !== 'light' || reads.length > 0) failures.push(err)
          },
        )
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
    await until(async () => (await fresh.node.api.mode()).kind === 'upgrading')
    // Mid-upgrade: nothing executed past the genesis, yet the balance is proven at the header k deep.
    expect(await fresh.node.api.block(1n)).toBeNull()
    const proven = await fresh.node.api.verifiedAccount(who)
    expect(proven).toMatchObject({ verified: true, number: 298n })
    expect(proven.hash).toBe(must(await full.node.api.block(298n)).hash)
    expect(proven.value).toEqual(expected)
    // Its token list at the same header, not the executed genesis.
    expect(await fresh.node.api.verifiedTokenHoldings(who)).toMatchObject({ number: 298n, hash: proven.hash })
    expect(await fresh.node.api.account(who)).toEqual(expected)
    expect(await fresh.node.api.head()).toMatchObject({ number: 300n, txCount: null })
    release()
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    reading = false
    await reader
    // Now from the state it executed, at its head.
    const own = await fresh.node.api.verifiedAccount(who)
    expect(own).toMatchObject({ verified: true, number: 300n })
    expect(own.value).toEqual(expected)
    expect(failures).toEqual([])
    expect(reads.length).toBeGreaterThan(0)
    expect(
      reads.every(
        (r, i) =>
          r.balance === expected.balance &&
          (i === 0 || r.number >= (reads[i - 1] as { number: bigint }).number),
      ),
    ).toBe(true)
    expect(reads.some((r) => r.number === 298n) && reads.at(-1)?.number === 300n).toBe(true)
    // light → upgrading n % → full, never back.
    const kinds = fresh.modes.map((m) => m.kind).filter((k, i, all) => i === 0 || all[i - 1] !== k)
    expect(kinds).toEqual(['light', 'upgrading', 'full'])
  }, 120_000)

  test("the snapshot block's total difficulty comes from the verified headers, not from the peer's claim", async () => {
    const hub = memoryHub()
    // A peer that serves the right chain but claims a far heavier head in every headers answer.
    const boasting = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        const answer = await sink.request(protocol, data, from)
        if (protocol !== PROTOCOLS.headers) return answer
        const res = decodeHeadersResponse(answer)
        return encodeHeadersResponse({ ...res, headTotalDifficulty: res.headTotalDifficulty * 1000n })
      },
    })
    const full = await makeNode(hub, 'FULL', { store: storeWith(blocks), wrap: boasting })
    const fresh = await makeNode(hub, 'FRESH')
    await until(
      async () =>
        (await fresh.node.api.mode()).kind === 'full' && (await fresh.node.api.head()).number === 300n,
    )
    expect((await fresh.node.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)
    expect((await fresh.node.api.head()).totalDifficulty).toBe((await full.node.api.head()).totalDifficulty)
  }, 120_000)

  test('a lone auto node at the genesis shows light and reads the genesis state; its first block makes it full', async () => {
    const hub = memoryHub()
    const lone = await makeNode(hub, 'LONE')
    expect(await lone.node.api.mode()).toEqual({ kind: 'light' })
    const r = await lone.node.api.verifiedAccount(ACCOUNTS[3] as Address)
    expect(r).toMatchObject({ verified: true, number: 0n })
    expect(r.value.balance).toBe(4n * 10n ** 18n)
    await lone.node.api.setMining(true)
    await until(async () => (await lone.node.api.mode()).kind === 'full')
    expect((await lone.node.api.head()).number).toBeGreaterThan(0n)
    await lone.node.api.setMining(false)
  }, 60_000)

  describe('refusals of upgradeFromSnapshot: SNAPSHOT_NO_TARGET, and the chain stays at its genesis', () => {
    test('a snapshot block (64 below the head) under a checkpoint restored from 250: nothing is asked', async () => {
      const restored = new HeaderChain(GENESIS, headerChain(blocks).checkpoint(250n), BigInt(Date.now()))
      const r = await upgradeDirect(blocks, restored, () => encodeBlocksResponse([]))
      expect(r.err).toMatchObject({
        type: { code: 'SNAPSHOT_NO_TARGET', reason: 'the snapshot block is below the verified headers' },
      })
      expect(r.asked).toEqual([])
      expect(r.modes).toEqual([])
      expect(r.chain.head.block.header.number).toBe(0n)
    })

    test('a verified chain exactly replayBelow (100) blocks ahead is replayed, asking nothing; one block more is upgraded', async () => {
      const at = (n: number) =>
        upgradeDirect(blocks.slice(0, n), headerChain(blocks.slice(0, n)), () => encodeBlocksResponse([]))
      const replayed = await at(100)
      expect(replayed.err).toEqual({ kind: 'replay', peerHead: 100n })
      expect(replayed.asked).toEqual([])
      expect(replayed.modes).toEqual([])
      const upgraded = await at(101)
      expect(upgraded.asked).toContain(PROTOCOLS.snapshot)
      expect(upgraded.err).toMatchObject({ type: { code: 'SNAPSHOT_NO_TARGET' } })
    })

    test('a peer behind (it holds none of the blocks after the snapshot): no penalty', async () => {
      const behind = createSyncServer({
        chain: new Chain({ genesis: GENESIS, store: storeWith(blocks.slice(0, 200)) }),
        now: Date.now,
      })
      const r = await upgradeDirect(blocks, headerChain(blocks), (data) =>
        must(behind.answer(PROTOCOLS.blocks, data, 'FRESH')),
      )
      expect(r.err).toMatchObject({
        type: { code: 'SNAPSHOT_NO_TARGET', reason: 'PEER holds none of the blocks asked' },
      })
      expect(r.asked).toContain(PROTOCOLS.snapshot)
      expect(r.penalties).toEqual([])
      expect(r.chain.head.block.header.number).toBe(0n)
    })

    test('a peer answering with a block not asked for, or with garbage: penalised', async () => {
      const headers = headerChain(blocks)
      const wrong = await upgradeDirect(blocks, headers, () =>
        encodeBlocksResponse([encodeBlock(blocks[0] as Block)]),
      )
      expect(wrong.err).toMatchObject({
        type: { code: 'SNAPSHOT_NO_TARGET', reason: 'a block that was not asked for' },
      })
      expect(wrong.penalties).toEqual([['PEER', 'wrong-response']])
      expect(wrong.chain.head.block.header.number).toBe(0n)
      const garbage = await upgradeDirect(blocks, headers, () => new Uint8Array([0xff]))
      expect(garbage.err).toMatchObject({ type: { code: 'SNAPSHOT_NO_TARGET', reason: expect.any(String) } })
      expect(garbage.penalties).toEqual([['PEER', 'garbage']])
      expect(garbage.chain.head.block.header.number).toBe(0n)
    })

    test('a peer serving the snapshot block under its header with another body: penalised for an invalid block', async () => {
      const forged = await upgradeDirect(blocks, headerChain(blocks), (data) => {
        const [asked] = decodeBlocksRequest(data)
        const block = blocks.find((b) => hashBlock(b) === asked) as Block
        const transactions: Hex[] = block.transactions.length > 0 ? [] : ['0x02c0']
        return encodeBlocksResponse([encodeBlock({ ...block, transactions })])
      })
      expect(forged.err).toMatchObject({ type: { code: 'SNAPSHOT_NO_TARGET' } })
      expect(forged.penalties).toEqual([['PEER', 'invalid-block']])
      expect(forged.chain.head.block.header.number).toBe(0n)
    })
  })

  test('the node’s own chain reaching the snapshot block during the download is no fault of the peer: the upgrade stops, nobody penalised', async () => {
    const chain = new Chain({ genesis: GENESIS })
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    const r = await upgradeDirect(
      blocks,
      headerChain(blocks),
      (data) => {
        // The blocks imported meanwhile (as a sync not held would): the chain is at the snapshot block.
        const [asked] = decodeBlocksRequest(data)
        const at = blocks.findIndex((b) => hashBlock(b) === asked)
        for (const b of blocks.slice(Number(chain.head.block.header.number), at + 1))
          chain.importBlock(b, BigInt(Date.now()))
        return must(server.answer(PROTOCOLS.blocks, data, 'FRESH'))
      },
      { chain },
    )
    expect(r.err).toMatchObject({
      type: {
        code: 'SNAPSHOT_NO_TARGET',
        reason: expect.stringContaining('the chain already reaches as far'),
      },
    })
    expect(r.penalties).toEqual([])
    expect(chain.base).toBe(0n)
  })

  test('a block after the snapshot that the node rejects costs its peer an invalid block’s penalty, and the upgrade stops short of full', async () => {
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    let imported = 0
    const r = await upgradeDirect(
      blocks,
      headerChain(blocks),
      (data) => must(server.answer(PROTOCOLS.blocks, data, 'FRESH')),
      {
        importBlock: () => (++imported === 2 ? 'reject' : 'accept'),
      },
    )
    expect(r.err).toMatchObject({ type: { code: 'SNAPSHOT_NO_TARGET', reason: 'served an invalid block' } })
    expect(r.penalties).toEqual([['PEER', 'invalid-block']])
    expect(imported).toBe(2)
    expect(r.modes).not.toContainEqual({ kind: 'full' })
  })

  test('the blocks the snapshot takes out that the verified chain does not hold are reported, newest first, as a reorg lists them', async () => {
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    const serve = (data: Uint8Array) => must(server.answer(PROTOCOLS.blocks, data, 'FRESH'))
    const removedFrom = async (held: readonly Block[]) => {
      let removed: readonly Hex[] | undefined
      const chain = new Chain({ genesis: GENESIS, store: storeWith(held) })
      const r = await upgradeDirect(blocks, headerChain(blocks), serve, {
        chain,
        onReplaced: (_, gone) => {
          removed = gone
        },
      })
      expect(r.err).toMatchObject({ kind: 'full' })
      return removed
    }
    // Blocks the verified chain holds too: none leave.
    expect(await removedFrom(blocks.slice(0, 50))).toEqual([])
    // A branch of its own after block 10: its 20 blocks leave, not the 10 shared ones.
    const own = minedBlocksOn(blocks.slice(0, 10), 20)
    expect(await removedFrom([...blocks.slice(0, 10), ...own])).toEqual(own.map(hashBlock).reverse())
  })

  test('under verified headers restored from a checkpoint at #190, the own blocks leaving are reported down to #190, the checkpoint’s block included', async () => {
    const grown = [...blocks, ...minedBlocksOn(blocks, 20)]
    const restored = new HeaderChain(GENESIS, headerChain(grown).checkpoint(190n), BigInt(Date.now()))
    expect(restored.base.header.number).toBe(190n)
    // A branch of its own after #150, to #200: its blocks from #190 up are known to leave, the rest not.
    const own = minedBlocksOn(blocks.slice(0, 150), 50)
    let removed: readonly Hex[] | undefined
    const r = await upgradeDirect(grown, restored, servingBlocks(grown), {
      chain: new Chain({ genesis: GENESIS, store: storeWith([...blocks.slice(0, 150), ...own]) }),
      onReplaced: (_, gone) => {
        removed = gone
      },
    })
    expect(r.err).toMatchObject({ kind: 'full', target: { number: 256n } })
    expect(removed).toEqual(own.slice(39).map(hashBlock).reverse())
  })

  test('a saved download for a block the verified chain has since left is not resumed: the upgrade snapshots its head − 64, and the peer serving the blocks is not penalised', async () => {
    // A lighter branch off #230: the verified chain was on it when the download began, at its #236.
    const side = minedBlocksOn(blocks.slice(0, 230), 10)
    const left = must(side[5])
    const canonical = must(blocks[235])
    expect(left.header.number).toBe(236n)
    expect(left.header.stateRoot).not.toBe(canonical.header.stateRoot)
    const repo = await freshRepository()
    const progress: SnapshotProgress = {
      target: { blockHash: hashBlock(left), number: 236n, stateRoot: left.header.stateRoot },
      pending: [{ hash: left.header.stateRoot, depth: 0 }],
      nodes: 0,
      leaves: 0,
      complete: false,
    }
    await repo.putMeta(SNAPSHOT_PROGRESS_KEY, progress)
    // Every peer holds both branches (the side one seen while it was recent): its state can be served.
    const both = [...blocks.slice(0, 240), ...side, ...blocks.slice(240)]
    const r = await upgradeDirect(both, headerChain(both), servingBlocks(both), { repo })
    expect(r.err).toMatchObject({ kind: 'full', target: { number: 236n, blockHash: hashBlock(canonical) } })
    expect(r.penalties).toEqual([])
  })

  test('a download that completed is not resumed once the verified chain has grown: the next upgrade snapshots the new head − 64, not the old block', async () => {
    const repo = await freshRepository()
    // The first upgrade downloads #236's state, then its peer holds none of the blocks after it.
    const first = await upgradeDirect(blocks, headerChain(blocks), () => encodeBlocksResponse([]), { repo })
    expect(first.err).toMatchObject({ type: { code: 'SNAPSHOT_NO_TARGET' } })
    expect(await repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)).toMatchObject({
      complete: true,
      target: { number: 236n },
    })
    // 40 blocks later, a retry starts from #276: 64 blocks to execute after it, not 104.
    const grown = [...blocks, ...minedBlocksOn(blocks, 40)]
    const r = await upgradeDirect(grown, headerChain(grown), servingBlocks(grown), { repo })
    expect(r.err).toMatchObject({ kind: 'full', target: { number: 276n }, executed: 64 })
  })

  test('a verified chain that switches to a heavier branch during the download: no block of that branch is asked or imported onto the listed one; the upgrade ends at its tip, from which the heavier branch connects', async () => {
    // A heavier branch off #280 (above the snapshot block #236), to #310: the peer holds both.
    const heavier = minedBlocksOn(blocks.slice(0, 280), 30)
    const headers = headerChain(blocks)
    const both = servingBlocks([...blocks, ...heavier])
    const asked: Hex[] = []
    const chain = new Chain({ genesis: GENESIS })
    const imports: ImportResult['kind'][] = []
    const r = await upgradeDirect(
      blocks,
      headers,
      (data) => {
        asked.push(...decodeBlocksRequest(data))
        return both(data)
      },
      {
        chain,
        // Once the download has begun, the header sync hears of the heavier branch and follows it.
        onMode: (mode) => {
          if (
            mode.kind !== 'upgrading' ||
            mode.percent === 0 ||
            mode.percent >= 80 ||
            headers.head.header.number === 310n
          )
            return
          for (const b of heavier) headers.add(b.header, BigInt(Date.now()))
        },
        importBlock: (block) => {
          const result = chain.importBlock(block, BigInt(Date.now()))
          imports.push(result.kind)
          return result.kind === 'extended' ? 'accept' : 'ignore'
        },
      },
    )
    expect(headers.head.hash).toBe(hashBlock(must(heavier.at(-1))))
    expect(r.err).toMatchObject({ kind: 'full', target: { number: 236n }, executed: 64 })
    expect(r.penalties).toEqual([])
    // The blocks listed before the switch, each onto its parent; none of the heavier branch's.
    expect(asked).toEqual(blocks.slice(235).map(hashBlock))
    expect(imports).toEqual(Array.from({ length: 64 }, () => 'extended'))
    expect(chain.head.hash).toBe(hashBlock(must(blocks.at(-1))))
    // The ordinary sync goes on from there: the heavier branch connects at its fork, above the snapshot.
    for (const b of heavier) chain.importBlock(b, BigInt(Date.now()))
    expect(chain.head.hash).toBe(headers.head.hash)
  })

  test('an upgrade that fails after adopting the snapshot block still reports what it replaced: the peer stops answering block requests', async () => {
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    // The snapshot block alone, then nothing more: the chain is on the new branch, the upgrade fails.
    let served = 0
    const stopping = (data: Uint8Array) => {
      if (served++ > 0) throw new Error('PEER stopped answering')
      const [first] = decodeBlocksResponse(must(server.answer(PROTOCOLS.blocks, data, 'FRESH')))
      return encodeBlocksResponse([encodeBlock(must(first))])
    }
    const own = minedBlocksOn(blocks.slice(0, 10), 20)
    const reports: [readonly Hex[], readonly Hex[]][] = []
    const r = await upgradeDirect(blocks, headerChain(blocks), stopping, {
      chain: new Chain({ genesis: GENESIS, store: storeWith([...blocks.slice(0, 10), ...own]) }),
      onReplaced: (txs, gone) => reports.push([txs, gone]),
    })
    expect(r.err).toMatchObject({ message: 'PEER stopped answering' })
    expect(r.chain.base).toBe(236n)
    expect(reports).toEqual([[[], own.map(hashBlock).reverse()]])
  })

  test('each block after the snapshot block is imported as served by the peer that served it (one dated ahead is held with it, and costs it the penalty if found invalid when due)', async () => {
    const server = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    const imported: [number, string][] = []
    const r = await upgradeDirect(
      blocks,
      headerChain(blocks),
      (data) => must(server.answer(PROTOCOLS.blocks, data, 'FRESH')),
      {
        importBlock: (block, from) => {
          imported.push([Number(block.header.number), from])
          return 'accept'
        },
      },
    )
    expect(r.err).toMatchObject({ kind: 'full', executed: 64 })
    // The snapshot block (236) is adopted, not imported; the 64 after it come from PEER.
    expect(imported).toEqual(Array.from({ length: 64 }, (_, i) => [237 + i, 'PEER']))
  })

  test('a block the upgrade imports dated ahead, held and found invalid when due, costs the peer that served it the penalty (the clock stepped back after its header was verified)', async () => {
    const hub = memoryHub()
    // Block 301 on the honest chain: a valid seal over a wrong state root, due (its time past the
    // tolerance) 3 s from now.
    const source = new Chain({ genesis: GENESIS, store: storeWith(blocks) })
    const due = Date.now() + 3_000
    const built = mineOn(source, [], {
      now: BigInt(due + GENESIS.params.futureTimestampToleranceMs),
      miner: MINER,
    })
    const forged = seal({
      header: { ...built.header, stateRoot: `0x${'ab'.repeat(32)}`, nonce: 0n },
      transactions: [],
    })
    const forgedHash = hashBlock(forged)
    // EVIL serves the honest chain with the forged block on top: in its headers answers and to block requests.
    const topped = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        const answer = await sink.request(protocol, data, from)
        if (protocol === PROTOCOLS.headers) {
          const res = decodeHeadersResponse(answer)
          const reaches = res.headers.at(-1)?.number === 300n
          return encodeHeadersResponse({
            headNumber: 301n,
            headTotalDifficulty: res.headTotalDifficulty + forged.header.difficulty,
            headers: reaches ? [...res.headers, forged.header] : res.headers,
          })
        }
        if (protocol === PROTOCOLS.blocks && decodeBlocksRequest(data).includes(forgedHash))
          return encodeBlocksResponse([
            ...decodeBlocksResponse(answer).map((b) => encodeBlock(b)),
            encodeBlock(forged),
          ])
        return answer
      },
    })
    await makeNode(hub, 'EVIL', { store: storeWith(blocks), wrap: topped })
    // FRESH's clock runs 5 s ahead while its light client verifies the headers (block 301 is within the
    // tolerance then), and steps back as the upgrade starts, to 3 s before the block is due, where it
    // stands until the upgrade is checked: the block is 3 s early when imported, however long the
    // upgrade takes (on a loaded machine it took more than 3 s of the wall clock, and found the block due).
    let clock = () => Date.now() + 5_000
    const fresh = await makeNode(hub, 'FRESH', {
      now: () => clock(),
      onMode: (m) => {
        if (m.kind === 'upgrading') clock = () => due - 3_000
      },
    })
    await until(async () => (await fresh.node.api.mode()).kind === 'full')
    await fresh.node.upgraded()
    expect((await fresh.node.api.head()).number).toBe(300n)
    expect((await fresh.node.api.stats()).penalties).toBe(0)
    // The clock runs again, from the block's due time: when the node next looks at the blocks it holds
    // (within 3 s), it finds the block invalid, and EVIL pays, as for a range-sync answer or a gossip.
    const resumed = Date.now()
    clock = () => due + (Date.now() - resumed)
    await until(async () => (await fresh.node.api.stats()).penalties === 1, 10_000)
    expect((await fresh.node.api.head()).number).toBe(300n)
  }, 120_000)

  test('the snapshot block is adopted only once the chain store has loaded its older blocks', async () => {
    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: GENESIS.params.chainId, genesisHash: new Chain({ genesis: GENESIS }).genesisHash },
    })
    const release = slowOlderBlocks(repo)
    const chain = new Chain({ genesis: GENESIS, store: await PersistentChainStore.open(repo) })
    const peer = createSyncServer({
      chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
      now: Date.now,
    })
    let downloaded = false
    const upgrade = upgradeDirect(
      blocks,
      headerChain(blocks),
      (data) => must(peer.answer(PROTOCOLS.blocks, data, 'FRESH')),
      { chain, onMode: (m) => (downloaded ||= m.kind === 'upgrading' && m.percent >= 80) },
    )
    await until(() => downloaded)
    // The snapshot is in but the store is not: the upgrade waits, the chain still at its genesis.
    expect(chain.head.block.header.number).toBe(0n)
    release()
    const r = await upgrade
    expect(r.err).toMatchObject({ kind: 'full' })
    expect(r.penalties).toEqual([])
    expect(chain.base).toBe(236n)
  })

  describe('a heavier chain forking off at #100, below the base of the node facing it', () => {
    /** FRESH upgraded from FULL's 300 blocks, then HEAVY (forking off at #100, 360 blocks) joins. */
    async function facingFork(wrapHeavy: (sink: NetworkSink) => NetworkSink = (sink) => sink) {
      const hub = memoryHub()
      await makeNode(hub, 'FULL', { store: storeWith(blocks) })
      const fresh = await makeNode(hub, 'FRESH')
      await until(async () => (await fresh.node.api.mode()).kind === 'full')
      await fresh.node.upgraded()
      await until(async () => (await fresh.node.api.head()).number === 300n)
      expect(await fresh.node.api.block(235n)).toBeNull()
      expect(await fresh.node.api.block(236n)).not.toBeNull()
      const penalties = (await fresh.node.api.stats()).penalties
      // The headers ranges HEAVY answered, by their first number.
      const answered: bigint[] = []
      const recording = (sink: NetworkSink): NetworkSink => ({
        ...sink,
        async request(protocol, data, from) {
          const answer = await sink.request(protocol, data, from)
          if (protocol === PROTOCOLS.headers && from === 'FRESH')
            answered.push(decodeHeadersRequest(data).from)
          return answer
        },
      })
      const heavy = await makeNode(hub, 'HEAVY', {
        store: storeWith([...blocks.slice(0, 100), ...forkOff100]),
        wrap: (sink) => recording(wrapHeavy(sink)),
      })
      // FRESH steps back to its base, where HEAVY's chain meets none of its blocks.
      await until(() => answered.includes(236n))
      // Its answer is checked a moment after it is sent.
      await new Promise((resolve) => setTimeout(resolve, 200))
      return { fresh, heavy, penalties, answered }
    }
    const forkOff100 = minedBlocksOn(blocks.slice(0, 100), 260)

    test('an honest peer costs nothing: the node keeps its chain, tells the conflict once however often the peer announces, and shows no split', async () => {
      const { fresh, heavy, penalties, answered } = await facingFork()
      const once = { peerId: 'HEAVY', base: 236n, peerHead: 360n, outcome: 'kept' }
      expect(fresh.conflicts).toEqual([once])
      for (let i = 0; i < 3; i++) {
        const asked = answered.filter((n) => n === 236n).length
        await heavy.node.api.announce()
        await until(() => answered.filter((n) => n === 236n).length > asked)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(fresh.conflicts).toEqual([once])
      expect((await fresh.node.api.stats()).penalties).toBe(penalties)
      expect((await fresh.node.api.head()).number).toBe(300n)
      expect((await fresh.node.api.head()).hash).toBe(hashBlock(blocks[299] as Block))
      expect(await fresh.node.api.chainSplit()).toBeNull()
    }, 120_000)

    test('a peer whose headers there break the rules is penalised as for an invalid header, and told so', async () => {
      // Its ranges above the base hold the rules (a range there that broke them would be refused before
      // the pass stepped back to the base).
      const { fresh, penalties } = await facingFork(breakingLastHeaderFrom(236n))
      await until(async () => (await fresh.node.api.stats()).penalties > penalties)
      expect(fresh.conflicts).toEqual([
        {
          peerId: 'HEAVY',
          base: 236n,
          peerHead: 360n,
          outcome: 'penalised',
          reason: expect.stringMatching(
            /^its chain meets none of the headers held \(from #236\), and its header #\d+ breaks the header rules: /,
          ),
        },
      ])
      expect((await fresh.node.api.head()).hash).toBe(hashBlock(blocks[299] as Block))
      expect(await fresh.node.api.chainSplit()).toBeNull()
    }, 120_000)

    test('a node from the genesis whose reopened store still loads its older blocks (its base above #100 meanwhile) tells no conflict: once they are in, the fork is a split', async () => {
      const identity = {
        chainId: GENESIS.params.chainId,
        genesisHash: new Chain({ genesis: GENESIS }).genesisHash,
      }
      const backend = createMemoryBackend()
      const written = await PersistentChainStore.open(
        await openMemoryRepository({ backend, chain: identity }),
      )
      const writer = new Chain({ genesis: GENESIS, store: written })
      for (const b of blocks) writer.importBlock(b, BigInt(Date.now()))
      await written.flush()
      const repo = await openMemoryRepository({ backend, chain: identity })
      const release = slowOlderBlocks(repo)
      const store = await PersistentChainStore.open(repo, { recentBlocks: 50 })
      const hub = memoryHub()
      const node = await makeNode(hub, 'NODE', { store })
      expect((await node.node.api.head()).number).toBe(300n)
      const asked: bigint[] = []
      const heavy = await makeNode(hub, 'HEAVY', {
        store: storeWith([...blocks.slice(0, 100), ...forkOff100]),
        wrap: (sink) => ({
          ...sink,
          async request(protocol, data, from) {
            if (protocol === PROTOCOLS.headers && from === 'NODE') asked.push(decodeHeadersRequest(data).from)
            return sink.request(protocol, data, from)
          },
        }),
      })
      // It steps back as far as the blocks loaded so far, and stops there.
      await until(() => asked.length > 0 && (asked.at(-1) as bigint) < 260n)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(node.conflicts).toEqual([])
      release()
      await store.loaded
      await heavy.node.api.announce()
      await until(async () => (await node.node.api.chainSplit()) !== null)
      expect(await node.node.api.chainSplit()).toMatchObject({ peerId: 'HEAVY', ancestor: { number: 100n } })
      expect(node.conflicts).toEqual([])
    }, 120_000)
  })

  test('a short chain (below the replay threshold) is replayed from genesis by the ordinary sync; a new node follows its headers meanwhile', async () => {
    const hub = memoryHub()
    await makeNode(hub, 'FULL', { store: storeWith(blocks.slice(0, 80)) })
    const fresh = await makeNode(hub, 'FRESH')
    await until(async () => (await fresh.node.api.head()).number === 80n)
    // A node holding nothing past the genesis reads through its light client while it replays: it
    // followed (and verified) the peer's headers too.
    expect(fresh.node.light?.client.counters.headersVerified).toBe(80)
    await until(async () => (await fresh.node.api.block(80n)) !== null)
    const stats = await fresh.node.api.stats()
    expect(stats.blocksFromSnapshot).toBe(0)
    expect(stats.blocksFetchedBySync).toBe(80)
    expect(await fresh.node.api.block(10n)).not.toBeNull()
    expect(await fresh.node.api.mode()).toEqual({ kind: 'full' })
  }, 60_000)
})

/**
 * `upgradeFromSnapshot` of a fresh chain from the verified `headers`, with the snapshot served by a full
 * node of `blocks` (peer FULL) and the blocks after it asked of PEER, which answers with `serveBlocks`.
 */
async function upgradeDirect(
  blocks: readonly Block[],
  headers: HeaderChain,
  serveBlocks: (data: Uint8Array) => Uint8Array,
  opts: {
    chain?: Chain
    onMode?: (mode: NodeMode) => void
    onReplaced?: UpgradeInit['onReplaced']
    importBlock?: UpgradeInit['importBlock']
    /** The profile's repository (a fresh one if not given): a download's saved progress in it resumes. */
    repo?: NodeRepository
  } = {},
) {
  const chain = opts.chain ?? new Chain({ genesis: GENESIS })
  const full = createSyncServer({
    chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
    now: Date.now,
  })
  const asked: string[] = []
  const penalties: [string, Offence][] = []
  const modes: NodeMode[] = []
  const init: UpgradeInit = {
    chain,
    repo: opts.repo ?? (await freshRepository()),
    request: async (peer, protocol, data) => {
      asked.push(protocol)
      return peer === 'PEER' ? serveBlocks(data) : must(full.answer(protocol, data, 'FRESH'))
    },
    peers: () => ['FULL'],
    penalize: (peer, offence) => penalties.push([peer, offence]),
    headers: { synced: async () => headers, keepFrom: async () => {} },
    importBlock: opts.importBlock ?? (() => 'accept'),
    onMode: (mode) => {
      modes.push(mode)
      opts.onMode?.(mode)
    },
    ...(opts.onReplaced === undefined ? {} : { onReplaced: opts.onReplaced }),
    config: { replayBelow: 100 },
  }
  const err = await upgradeFromSnapshot(init, () => 'PEER').catch((e: unknown) => e)
  return { err, chain, asked, penalties, modes }
}

/** An empty repository of a profile on the test genesis. */
function freshRepository(): Promise<NodeRepository> {
  return openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: GENESIS.params.chainId, genesisHash: new Chain({ genesis: GENESIS }).genesisHash },
  })
}

/** PEER's answers to block requests as a full node of `blocks` gives them. */
function servingBlocks(blocks: readonly Block[]): (data: Uint8Array) => Uint8Array {
  const server = createSyncServer({
    chain: new Chain({ genesis: GENESIS, store: storeWith(blocks) }),
    now: Date.now,
  })
  return (data) => must(server.answer(PROTOCOLS.blocks, data, 'FRESH'))
}

/** The verified header chain of `blocks`, from the genesis. */
function headerChain(blocks: readonly Block[]): HeaderChain {
  const headers = new HeaderChain(GENESIS)
  for (const b of blocks) headers.add(b.header, BigInt(Date.now()))
  return headers
}

/**
 * Wraps a node's sink so that the last header of each headers response it sends from #`at` (of two or
 * more) claims a difficulty of 2^200: a header that breaks the rules (the difficulty rule, and it does not
 * carry that work). Its ranges from elsewhere are as they were.
 */
const breakingLastHeaderFrom =
  (at: bigint) =>
  (sink: NetworkSink): NetworkSink => ({
    ...sink,
    async request(protocol, data, from) {
      const answer = await sink.request(protocol, data, from)
      if (protocol !== PROTOCOLS.headers || decodeHeadersRequest(data).from !== at) return answer
      const res = decodeHeadersResponse(answer)
      const last = res.headers.at(-1)
      if (last === undefined || res.headers.length < 2) return answer
      const headers = [...res.headers.slice(0, -1), { ...last, difficulty: 2n ** 200n }]
      return encodeHeadersResponse({ ...res, headers })
    },
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
