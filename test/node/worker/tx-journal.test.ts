import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import { decodeTx } from '../../../src/node/chain/tx'
import { LOCAL_TXS_META, storedJournal, TxJournal } from '../../../src/node/mempool/journal'
import { memoryHub } from '../../../src/node/network/memory'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { until } from '../../until'
import { addressOf, chainOfTxs, transfer } from '../chain/chain-fixtures'
import { startMemoryNode } from './memory-node'

const GENESIS = testGenesis({ params: { minBlockIntervalMs: 20 } })
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
  test('keeps each submission until the head state has passed its nonce', async () => {
    const [a0, a1] = await Promise.all([0, 1].map((nonce) => transfer(0, { nonce }, CHAIN_ID)))
    const txs = [a0, a1].map((raw) => ({ ...decodeTx(raw as Hex, GENESIS.params), from: ALICE }))
    const journal = new TxJournal()
    for (const tx of txs) journal.add(tx)
    expect(journal.raws()).toEqual([a0, a1])
    // Those a pool no longer holds, by hash.
    expect(journal.missing((hash) => hash === txs[0]?.hash)).toEqual([a1])
    expect(journal.prune({ nonce: () => 0n })).toBe(false)
    expect(journal.prune({ nonce: () => 1n })).toBe(true)
    expect(journal.raws()).toEqual([a1])
    // The same transaction twice is one entry.
    journal.add(txs[1] as (typeof txs)[1])
    expect(journal.raws()).toEqual([a1])
  })

  test('a stored journal is read as its hex strings only', () => {
    expect(storedJournal(undefined)).toEqual([])
    expect(storedJournal({ 0: '0x00' })).toEqual([])
    expect(storedJournal([null, 7, '0xzz', '0x0', 'ab', '0x', '0x02f8'])).toEqual(['0x', '0x02f8'])
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
    await again.api.setMining(false)
    for (const hash of hashes) expect((await again.api.receipt(hash as Hex))?.status).toBe('success')
    // Mined: the journal is empty again.
    await until(async () => (await journalOf(repo)).length === 0)
    again.stop()
  })

  test('a journaled transaction whose nonce was used by another while the tab was away leaves the journal; bad rows are dropped', async () => {
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
    expect(await journalOf(repo)).toEqual([])
    again.stop()
  })
})
