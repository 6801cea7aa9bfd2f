import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { encodeBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import { decodeTx } from '../../../src/node/chain/tx'
import { LOCAL_TXS_META, storedJournal, TxJournal } from '../../../src/node/mempool/journal'
import { MAX_GAPPED_PER_SENDER } from '../../../src/node/mempool/mempool'
import { memoryHub } from '../../../src/node/network/memory'
import { chainTopic } from '../../../src/node/network/protocol'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { until } from '../../until'
import { addressOf, chainOfTxs, mineOn, transfer } from '../chain/chain-fixtures'
import { startMemoryNode } from './memory-node'

// A reorg of at most 4 blocks: a mined transaction leaves the journal 4 blocks after its nonce passed.
const GENESIS = testGenesis({ params: { minBlockIntervalMs: 20, maxReorgDepth: 4 } })
const DEPTH = GENESIS.params.maxReorgDepth
const CHAIN_ID = GENESIS.params.chainId
const ALICE = addressOf(0)

const journalOf = async (repo: NodeRepository) => (await repo.getMeta<Hex[]>(LOCAL_TXS_META)) ?? []

/** A tab's node over the profile's repository and chain store, alone on its network, not mining. */
const openNode = (repo: NodeRepository, store: MemoryChainStore) =>
  startMemoryNode(memoryHub(), 'A', GENESIS, { repo, store })

const newRepository = () =>
  openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: CHAIN_ID, genesisHash: `0x${'01'.repeat(32)}` },
  })

describe('the local transaction journal', () => {
  test('keeps each submission until its nonce has been passed for the reorg depth; a reorg that gives one back unmarks it', async () => {
    const [a0, a1] = await Promise.all([0, 1].map((nonce) => transfer(0, { nonce }, CHAIN_ID)))
    const txs = [a0, a1].map((raw) => ({ ...decodeTx(raw as Hex, GENESIS.params), from: ALICE }))
    const journal = new TxJournal()
    for (const tx of txs) journal.add(tx)
    expect(journal.raws()).toEqual([a0, a1])
    // Those a pool no longer holds, by hash.
    expect(journal.missing((hash) => hash === txs[0]?.hash)).toEqual([a1])
    expect(journal.prune({ nonce: () => 0n }, 5n, 2)).toBe(false)
    // Mined at 6: kept, but no longer waiting.
    expect(journal.prune({ nonce: () => 1n }, 6n, 2)).toBe(false)
    expect(journal.missing(() => false)).toEqual([a1])
    // A reorg gives it back: waiting again.
    expect(journal.prune({ nonce: () => 0n }, 6n, 2)).toBe(false)
    expect(journal.missing(() => false)).toEqual([a0, a1])
    // Mined again at 7: gone once 2 blocks are on top.
    expect(journal.prune({ nonce: () => 1n }, 7n, 2)).toBe(false)
    expect(journal.prune({ nonce: () => 1n }, 8n, 2)).toBe(false)
    expect(journal.prune({ nonce: () => 1n }, 9n, 2)).toBe(true)
    expect(journal.raws()).toEqual([a1])
    // The same transaction twice is one entry.
    journal.add(txs[1] as (typeof txs)[1])
    expect(journal.raws()).toEqual([a1])
  })

  test('a reorg onto a shorter branch that passed the nonce too marks it at the lower height: it leaves the journal the reorg depth after that', async () => {
    const raw = await transfer(0, { nonce: 0 }, CHAIN_ID)
    const journal = new TxJournal()
    journal.add({ ...decodeTx(raw, GENESIS.params), from: ALICE })
    // Mined at 10; the branch that wins is at 8 and mined it (or another of nonce 0) below.
    expect(journal.prune({ nonce: () => 1n }, 10n, 2)).toBe(false)
    expect(journal.prune({ nonce: () => 1n }, 8n, 2)).toBe(false)
    expect(journal.prune({ nonce: () => 1n }, 9n, 2)).toBe(false)
    expect(journal.prune({ nonce: () => 1n }, 10n, 2)).toBe(true)
    expect(journal.raws()).toEqual([])
  })

  test('a transaction added with its nonce already passed is not missing, and leaves the reorg depth after; submitted again it waits', async () => {
    const raw = await transfer(0, { nonce: 0 }, CHAIN_ID)
    const tx = { ...decodeTx(raw, GENESIS.params), from: ALICE }
    const journal = new TxJournal()
    journal.add(tx, 5n)
    expect(journal.raws()).toEqual([raw])
    expect(journal.missing(() => false)).toEqual([])
    expect(journal.prune({ nonce: () => 1n }, 7n, 2)).toBe(true)
    journal.add(tx, 5n)
    // Submitted again (a reorg gave its nonce back): the new mark holds.
    journal.add(tx)
    expect(journal.missing(() => false)).toEqual([raw])
  })

  test('a stored journal is read as its hex strings only', () => {
    expect(storedJournal(undefined)).toEqual([])
    expect(storedJournal({ 0: '0x00' })).toEqual([])
    expect(storedJournal([null, 7, '0xzz', '0x0', 'ab', '0x', '0x02f8'])).toEqual(['0x', '0x02f8'])
    // A row that only reads as hex once made a string (an array of one) is not a transaction.
    expect(storedJournal([['0x02f8'], '0x02f8'])).toEqual(['0x02f8'])
  })

  test('a transaction sent from a tab closed before it was mined is in the pool again when the node restarts, and mined', async () => {
    const repo = await newRepository()
    const store = new MemoryChainStore()
    const first = await openNode(repo, store)
    const sent = [await transfer(0, { nonce: 0 }, CHAIN_ID), await transfer(0, { nonce: 1 }, CHAIN_ID)]
    const hashes = [
      await first.api.sendRawTransaction(sent[0] as Hex),
      await first.api.sendRawTransaction(sent[1] as Hex),
    ]
    // Stored once the submission has resolved.
    expect(await journalOf(repo)).toEqual(sent)
    first.stop()

    const again = await openNode(repo, store)
    expect(await again.api.pendingNonce(ALICE)).toBe(2n)
    for (const hash of hashes)
      expect(await again.api.transaction(hash as Hex)).toMatchObject({ hash, blockNumber: null })
    await again.api.setMining(true)
    await until(async () => (await again.api.account(ALICE)).nonce === 2n)
    const minedAt = (await again.api.receipt(hashes[1] as Hex))?.blockNumber ?? 0n
    // Mined, and final once the reorg depth is on top: the journal is empty again.
    await until(async () => (await journalOf(repo)).length === 0)
    await again.api.setMining(false)
    expect((await again.api.head()).number).toBeGreaterThanOrEqual(minedAt + BigInt(DEPTH))
    for (const hash of hashes) expect((await again.api.receipt(hash as Hex))?.status).toBe('success')
    again.stop()
  })

  test('a journaled transaction whose nonce another took while the tab was away leaves the journal once that is final; bad rows are dropped', async () => {
    const repo = await newRepository()
    const mine = await transfer(0, { nonce: 0, value: 1n }, CHAIN_ID)
    const first = await openNode(repo, new MemoryChainStore())
    await first.api.sendRawTransaction(mine)
    first.stop()
    await repo.putMeta(LOCAL_TXS_META, [null, 7, '0xzz', ...(await journalOf(repo))])

    // Meanwhile the chain mined another transaction of Alice's with nonce 0 (sent from elsewhere).
    const other = await transfer(0, { nonce: 0, value: 2n }, CHAIN_ID)
    const again = await openNode(repo, chainOfTxs(GENESIS, ALICE, [other]))
    expect(await again.api.pendingNonce(ALICE)).toBe(1n)
    expect((await again.api.stats()).pendingTxs).toBe(0)
    // Not in the pool, still journaled until the block that took the nonce is final.
    expect(await journalOf(repo)).toContain(mine)
    await again.api.setMining(true)
    await until(async () => (await journalOf(repo)).length === 0)
    await again.api.setMining(false)
    expect((await again.api.stats()).pendingTxs).toBe(0)
    again.stop()
  })

  test('journaled transactions that wait behind a nonce gap past the gapped cap stay journaled, and are mined once the gap fills', async () => {
    const repo = await newRepository()
    // Nonces 1 to MAX_GAPPED_PER_SENDER + 1, sent while nonce 0 was elsewhere (say, another tab of the profile).
    const later = await Promise.all(
      Array.from({ length: MAX_GAPPED_PER_SENDER + 1 }, (_, i) => transfer(0, { nonce: i + 1 }, CHAIN_ID)),
    )
    await repo.putMeta(LOCAL_TXS_META, later)
    const node = await openNode(repo, new MemoryChainStore())
    // The pool holds the gapped cap's worth; the last one waits in the journal.
    expect((await node.api.stats()).pendingTxs).toBe(MAX_GAPPED_PER_SENDER)
    expect(await journalOf(repo)).toEqual(later)
    await node.api.sendRawTransaction(await transfer(0, { nonce: 0 }, CHAIN_ID))
    await node.api.setMining(true)
    await until(async () => (await node.api.account(ALICE)).nonce === BigInt(later.length + 1))
    await node.api.setMining(false)
    node.stop()
  })

  test('a transaction a reorg took out of the chain is still journaled: a tab closed then sends it again when it opens', async () => {
    const repo = await newRepository()
    const store = new MemoryChainStore()
    const first = await openNode(repo, store)
    const hash = await first.api.sendRawTransaction(await transfer(0, { nonce: 0 }, CHAIN_ID))
    await first.api.setMining(true)
    await until(async () => (await first.api.receipt(hash)) !== null)
    await first.api.setMining(false)
    const height = (await first.api.head()).number

    // A heavier branch from the genesis without it, heard by gossip.
    const other = new Chain({ genesis: GENESIS, store: new MemoryChainStore() })
    for (let n = 0n; n < height + 2n; n++) {
      const block = mineOn(other, [], { now: other.head.block.header.timestamp + 20n })
      other.importBlock(block, block.header.timestamp)
      await first.sink.gossip(chainTopic(CHAIN_ID, 'blocks'), encodeBlock(block), 'B')
    }
    expect((await first.api.head()).hash).toBe(other.head.hash)
    expect(await first.api.receipt(hash)).toBeNull()
    expect(await journalOf(repo)).toHaveLength(1)
    first.stop()

    const again = await openNode(repo, store)
    expect(await again.api.transaction(hash)).toMatchObject({ hash, blockNumber: null })
    again.stop()
  })

  test('an auto node reading through its light client journals what its wallet sends: a tab closed before it was mined sends it again when it opens', async () => {
    const BOB = addressOf(12)
    // The network's chain: Alice pays Bob (who holds nothing at the genesis), then 5 empty blocks.
    const networkChain = async () => {
      const pay = await transfer(0, { nonce: 0, to: BOB, value: 10n ** 18n }, CHAIN_ID)
      const store = new MemoryChainStore()
      const chain = new Chain({ genesis: GENESIS, store })
      for (const txs of [[{ ...decodeTx(pay, GENESIS.params), from: ALICE }], [], [], [], [], []]) {
        const block = mineOn(chain, txs)
        chain.importBlock(block, block.header.timestamp)
      }
      return store
    }
    const blocksProtocol = syncProtocols(CHAIN_ID).blocks
    // A peer that serves headers and proofs but no blocks: the tab's own chain stays at the genesis.
    const hub = memoryHub()
    await startMemoryNode(hub, 'F', GENESIS, { store: await networkChain() }, (sink) => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === blocksProtocol) throw new Error('not serving blocks')
        return sink.request(protocol, data, from)
      },
    }))
    const repo = await newRepository()
    const first = await startMemoryNode(hub, 'A', GENESIS, { repo })
    await until(async () => (await first.api.head()).number === 6n)
    expect(await first.api.mode()).toEqual({ kind: 'light' })
    const raw = await transfer(12, { nonce: 0 }, CHAIN_ID)
    const hash = await first.api.sendRawTransaction(raw)
    // Journaled as the submission resolves, though its own chain could not take it (Bob is unfunded there).
    expect(await journalOf(repo)).toEqual([raw])
    first.stop()
    await first.link.leave()

    // The tab opens again, on a network whose peers never saw the transaction.
    const elsewhere = memoryHub()
    const again = await startMemoryNode(elsewhere, 'A', GENESIS, { repo })
    expect(await journalOf(repo)).toEqual([raw])
    const peer = await startMemoryNode(elsewhere, 'G', GENESIS, { store: await networkChain() })
    await until(async () => (await peer.api.transaction(hash)) !== null)
    await peer.api.setMining(true)
    await until(async () => (await again.api.receipt(hash))?.status === 'success')
    await peer.api.setMining(false)
    for (const n of [again, peer]) n.stop()
  })
})
