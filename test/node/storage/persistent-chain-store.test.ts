import 'fake-indexeddb/auto'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis, validateGenesis } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import type { Block } from '../../../src/node/chain/types'
import { fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { type NodeStore, nodeChildren } from '../../../src/node/state/trie'
import type { StorageError } from '../../../src/node/storage/errors'
import { openIdbRepository } from '../../../src/node/storage/idb-repository'
import { PersistentChainStore } from '../../../src/node/storage/persistent-chain-store'
import type { BeforeWriteHook, ChainIdentity, StoreName } from '../../../src/node/storage/types'
import { addressOf, mineOn, transfer } from '../chain/chain-fixtures'

const genesis = testGenesis()
let profiles = 0

/** A chain on a fresh IndexedDB profile, and a way to reopen it as a reloaded tab would. */
async function profile(beforeWrite?: BeforeWriteHook) {
  profiles++
  const profileId = `chain-store-${profiles}`
  const chainId: ChainIdentity = {
    chainId: genesis.params.chainId,
    genesisHash: new Chain({ genesis }).genesisHash,
  }
  const open = async (hook?: BeforeWriteHook, onError?: (e: StorageError) => void, recentBlocks?: number) => {
    const repo = await openIdbRepository({
      profileId,
      chain: chainId,
      ...(hook === undefined ? {} : { beforeWrite: hook }),
    })
    const store = await PersistentChainStore.open(repo, {
      ...(onError === undefined ? {} : { onError }),
      ...(recentBlocks === undefined ? {} : { recentBlocks }),
    })
    return { repo, store, chain: new Chain({ genesis, store }) }
  }
  return { first: await open(beforeWrite), open }
}

/** Mines `count` blocks on the head, each with one transfer from account 0. */
async function mine(chain: Chain, count: number): Promise<Hex[]> {
  const txHashes: Hex[] = []
  for (let i = 0; i < count; i++) {
    const nonce = Number(chain.headState.getAccount(addressOf(0)).nonce)
    const tx = parseTx(await transfer(0, { nonce }, genesis.params.chainId), genesis.params)
    const block = mineOn(chain, [tx])
    expect(chain.importBlock(block, block.header.timestamp).kind).toBe('extended')
    txHashes.push(tx.hash)
  }
  return txHashes
}

describe('PersistentChainStore (chain core on IndexedDB)', () => {
  test('a reloaded node resumes at the stored head with its state, transactions and receipts', async () => {
    const { first, open } = await profile()
    const txHashes = await mine(first.chain, 4)
    await first.store.flush()
    expect((await first.repo.getHead())?.hash).toBe(first.chain.head.hash)
    first.repo.close()

    const again = await open()
    expect(again.chain.head.hash).toBe(first.chain.head.hash)
    expect(again.chain.headState.root).toBe(first.chain.headState.root)
    expect(again.chain.headState.getAccount(addressOf(9))).toEqual(
      first.chain.headState.getAccount(addressOf(9)),
    )
    expect(again.chain.getReceipt(txHashes[2] as Hex)?.receipt).toEqual(
      first.chain.getReceipt(txHashes[2] as Hex)?.receipt,
    )
    // It goes on from there: the next block extends the resumed head.
    await mine(again.chain, 1)
    await again.store.flush()
    expect((await again.repo.getHead())?.number).toBe(5n)
    again.repo.close()
  })

  test('a burst of imports with a reorg is stored in merged commits and reloads identically', async () => {
    const { first, open } = await profile()
    let commits = 0
    const commitBlock = first.repo.commitBlock.bind(first.repo)
    first.repo.commitBlock = (commit, options) => {
      commits++
      return commitBlock(commit, options)
    }
    const txHashes = await mine(first.chain, 1)
    const fork = first.chain.head.hash
    // No await between these imports: they queue while the first commit runs.
    for (let i = 0; i < 3; i++) {
      const b = mineOn(first.chain, [])
      expect(first.chain.importBlock(b, b.header.timestamp).kind).toBe('extended')
    }
    let parent = fork
    for (let i = 0; i < 4; i++) {
      const b = mineOn(first.chain, [], { parentHash: parent, miner: addressOf(7) })
      first.chain.importBlock(b, b.header.timestamp)
      parent = hashBlock(b)
    }
    expect(first.chain.head.hash).toBe(parent)
    await first.store.flush()
    // Eight batches; the ones queued behind a running commit share the next one.
    expect(commits).toBeLessThanOrEqual(2)
    first.repo.close()

    const again = await open()
    expect(again.chain.head.hash).toBe(parent)
    for (let n = 0n; n <= 5n; n++)
      expect(again.chain.getBlockByNumber(n)?.hash).toBe(first.chain.getBlockByNumber(n)?.hash)
    expect(again.chain.getBlockByNumber(6n)).toBeUndefined()
    expect(again.chain.getTransaction(txHashes[0] as Hex)?.blockHash).toBe(
      first.chain.getTransaction(txHashes[0] as Hex)?.blockHash,
    )
    again.repo.close()
  })

  test('a quota failure stops persistence cleanly: the stored chain is a consistent prefix', async () => {
    let full = false
    const quota: BeforeWriteHook = () => {
      if (full) throw new DOMException('quota reached', 'QuotaExceededError')
    }
    const { open } = await profile()
    const errors: StorageError[] = []
    const node = await open(quota, (e) => errors.push(e))
    await mine(node.chain, 2)
    await node.store.flush()
    const stored = node.chain.head.hash
    full = true
    await mine(node.chain, 2)
    await expect(node.store.flush()).rejects.toMatchObject({ type: { code: 'STORAGE_QUOTA_EXCEEDED' } })
    expect(errors.map((e) => e.type.code)).toEqual(['STORAGE_QUOTA_EXCEEDED'])
    // The node itself went on in memory.
    expect(node.chain.head.block.header.number).toBe(4n)
    node.repo.close()

    const reloaded = await open()
    expect(reloaded.chain.head.hash).toBe(stored)
    expect(reloaded.chain.head.block.header.number).toBe(2n)
    expect(reloaded.chain.headState.root).toBe(reloaded.chain.head.block.header.stateRoot)
    reloaded.repo.close()
  })

  test('start-up loads the recent chain first and the rest in the background, without undoing new imports', async () => {
    const { first, open } = await profile()
    const txHashes = await mine(first.chain, 8)
    await first.store.flush()
    first.repo.close()

    // Only the last 3 blocks below the head (and genesis) are read before the store opens.
    const node = await open(undefined, undefined, 3)
    expect(node.store.fullyLoaded).toBe(false)
    expect(node.chain.head.hash).toBe(first.chain.head.hash)
    expect(node.chain.headState.root).toBe(first.chain.headState.root)
    expect(node.chain.getBlockByNumber(0n)?.hash).toBe(first.chain.getBlockByNumber(0n)?.hash)
    expect(node.chain.getBlockByNumber(5n)?.hash).toBe(first.chain.getBlockByNumber(5n)?.hash)
    expect(node.chain.getTransaction(txHashes[7] as Hex)?.blockNumber).toBe(8n)
    // A state of a recent block is readable at once (its tree was loaded under its root).
    const recentParent = node.chain.getBlockByNumber(6n)
    if (recentParent === undefined) throw new Error('block 6 not loaded')
    expect(node.chain.stateAt(recentParent.hash).root).toBe(recentParent.block.header.stateRoot)
    // A new block imported before the background load ends is kept.
    await mine(node.chain, 1)
    await node.store.loaded
    expect(node.store.fullyLoaded).toBe(true)
    expect(node.chain.head.block.header.number).toBe(9n)
    for (let n = 0n; n <= 8n; n++)
      expect(node.chain.getBlockByNumber(n)?.hash).toBe(first.chain.getBlockByNumber(n)?.hash)
    expect(node.chain.getTransaction(txHashes[0] as Hex)?.blockNumber).toBe(1n)
    const old = node.chain.getBlockByNumber(1n)
    if (old === undefined) throw new Error('block 1 not loaded')
    expect(node.chain.stateAt(old.hash).root).toBe(old.block.header.stateRoot)
    await node.store.flush()
    expect((await node.repo.getHead())?.number).toBe(9n)
    node.repo.close()
  })

  test('a reorg onto a shorter, heavier chain while the background load reads leaves no stale height or transaction behind', async () => {
    // Difficulty that moves (the test genesis fixes it): two quick blocks outweigh three slow ones.
    const { fixedDifficulty: _, ...moving } = genesis.params
    const params = { ...moving, minDifficulty: 16n, difficultyHalfLife: 1 }
    const g = validateGenesis({ ...genesis, params, difficulty: 16n })
    const chainId: ChainIdentity = {
      chainId: params.chainId,
      genesisHash: new Chain({ genesis: g }).genesisHash,
    }
    const profileId = `chain-store-${++profiles}`
    const openRepo = () => openIdbRepository({ profileId, chain: chainId })
    const first = await openRepo()
    const firstStore = await PersistentChainStore.open(first)
    const slow = new Chain({ genesis: g, store: firstStore })
    const txs: Hex[] = []
    let clock = 0n
    for (let i = 1n; i <= 3n; i++) {
      const tx = parseTx(await transfer(0, { nonce: Number(i - 1n) }, params.chainId), params)
      const b = mineOn(slow, [tx], { now: g.timestamp + i * 60_000n })
      expect(slow.importBlock(b, b.header.timestamp).kind).toBe('extended')
      txs.push(tx.hash)
      clock = b.header.timestamp
    }
    await firstStore.flush()
    first.close()
    const other = new Chain({ genesis: g })
    const fast: Block[] = []
    for (let i = 1n; i <= 2n; i++) {
      const b = mineOn(other, [], { now: g.timestamp + i, miner: addressOf(7) })
      other.importBlock(b, b.header.timestamp)
      fast.push(b)
    }

    // The reopened store's background load reads the stored chain, then waits until the reorg is in: its
    // snapshot still holds height 3 and the slow chain's transactions, which it must not put back.
    const repo = await openRepo()
    const loadChain = repo.loadChain.bind(repo)
    const read = Promise.withResolvers<void>()
    const reorged = Promise.withResolvers<void>()
    repo.loadChain = async () => {
      const snapshot = await loadChain()
      read.resolve()
      await reorged.promise
      return snapshot
    }
    const store = await PersistentChainStore.open(repo)
    const node = new Chain({ genesis: g, store })
    await read.promise
    expect(fast.map((b) => node.importBlock(b, clock).kind)).toEqual(['side', 'reorg'])
    reorged.resolve()
    await store.loaded
    expect(node.head.hash).toBe(hashBlock(fast[1] as Block))
    expect(store.getCanonicalHash(3n)).toBeUndefined()
    expect(node.getBlockByNumber(3n)).toBeUndefined()
    for (const hash of txs) expect(node.getTransaction(hash)).toBeUndefined()
    await store.flush()
    repo.close()
  })
})

/**
 * Every node of the state tree under `root`, read from `nodes`, each checked to hash to its key: throws
 * when one is missing or damaged (a state the node could not read in full).
 */
function stateTree(nodes: NodeStore, root: Hex): Map<Hex, Hex> {
  const out = new Map<Hex, Hex>()
  for (const stack = [fromHex(root)]; stack.length > 0; ) {
    const hash = toHex(stack.pop() as Uint8Array)
    if (out.has(hash)) continue
    const encoded = nodes.get(hash)
    if (encoded === undefined) throw new Error(`state node ${hash} is missing`)
    if (toHex(keccak(encoded)) !== hash) throw new Error(`state node ${hash} does not hash to its key`)
    out.set(hash, toHex(encoded))
    stack.push(...nodeChildren(encoded))
  }
  return out
}

describe('a crash at any write step of a block commit', () => {
  test("reopens at a head whose state root and whole state tree are a reference node's on the same blocks", async () => {
    // Three blocks of transfers from two senders, mined once; every node below imports these same blocks.
    const source = new Chain({ genesis })
    const blocks: Block[] = []
    for (let n = 0; n < 3; n++) {
      const txs = await Promise.all(
        [0, 1].map(async (from) =>
          parseTx(
            await transfer(
              from,
              { nonce: n, to: addressOf(2 + n), value: 1_000n * BigInt(from + 1) },
              genesis.params.chainId,
            ),
            genesis.params,
          ),
        ),
      )
      const block = mineOn(source, txs)
      source.importBlock(block, block.header.timestamp)
      blocks.push(block)
    }
    /** A fresh in-memory node that executed `count` of the blocks from genesis. */
    const reference = (count: number): Chain => {
      const chain = new Chain({ genesis })
      for (const b of blocks.slice(0, count))
        expect(chain.importBlock(b, b.header.timestamp).kind).toBe('extended')
      return chain
    }
    const importAll = (chain: Chain, from: number, to: number): void => {
      for (const b of blocks.slice(from, to)) chain.importBlock(b, b.header.timestamp)
    }
    // The write steps of the last block's commit, in order, counted on a run without faults.
    const steps: StoreName[] = []
    let counting = false
    const { first } = await profile((store) => {
      if (counting) steps.push(store)
    })
    importAll(first.chain, 0, 2)
    await first.store.flush()
    counting = true
    importAll(first.chain, 2, 3)
    await first.store.flush()
    first.repo.close()
    // A real commit: the block's rows, its state nodes and the head record, each a step a crash can stop.
    expect(steps.length).toBeGreaterThan(10)
    expect(steps).toEqual(expect.arrayContaining(['headers', 'bodies', 'stateNodes', 'canonical', 'meta']))
    const before = reference(2)
    const after = reference(3)
    for (let crashAt = 0; crashAt < steps.length; crashAt++) {
      let armed = false
      let step = 0
      const { first: node, open } = await profile((store) => {
        if (armed && step++ === crashAt) throw new Error(`crash at step ${crashAt} (${store})`)
      })
      importAll(node.chain, 0, 2)
      await node.store.flush()
      armed = true
      importAll(node.chain, 2, 3)
      await expect(node.store.flush()).rejects.toMatchObject({ type: { code: 'STORAGE_ABORTED' } })
      node.repo.close()

      const reopened = await open()
      const label = `crash at step ${crashAt} (${steps[crashAt]})`
      // All or nothing: the head is block 2, as a reference node that executed blocks 1–2 has it.
      expect([label, reopened.chain.head.hash]).toEqual([label, before.head.hash])
      expect(reopened.chain.headState.root).toBe(before.headState.root)
      expect(stateTree(reopened.store.nodes, reopened.chain.headState.root)).toEqual(
        stateTree(before.store.nodes, before.headState.root),
      )
      for (let i = 0; i < 10; i++)
        expect(reopened.chain.headState.getAccount(addressOf(i))).toEqual(
          before.headState.getAccount(addressOf(i)),
        )
      // And it goes on: block 3 again reaches the reference's state, and that is what a reload finds.
      importAll(reopened.chain, 2, 3)
      await reopened.store.flush()
      reopened.repo.close()
      const resumed = await open()
      expect(resumed.chain.head.hash).toBe(after.head.hash)
      expect(stateTree(resumed.store.nodes, resumed.chain.headState.root)).toEqual(
        stateTree(after.store.nodes, after.headState.root),
      )
      resumed.repo.close()
    }
  }, 60_000)
})
