import 'fake-indexeddb/auto'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import type { StorageError } from '../../../src/node/storage/errors'
import { openIdbRepository } from '../../../src/node/storage/idb-repository'
import { PersistentChainStore } from '../../../src/node/storage/persistent-chain-store'
import type { BeforeWriteHook, ChainIdentity } from '../../../src/node/storage/types'
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
})
