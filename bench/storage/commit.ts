import { deleteDB, openDB } from 'idb'
import type { Hex } from 'viem'
import { decodeBlock } from '../../src/node/chain/block'
import { Chain } from '../../src/node/chain/chain'
import { type ChainBatch, MemoryChainStore } from '../../src/node/chain/chain-store'
import { SenderCache } from '../../src/node/mempool/sender-cache'
import { databaseName, openIdbRepository } from '../../src/node/storage/idb-repository'
import { toBlockCommit } from '../../src/node/storage/persistent-chain-store'
import { planCommit, type WriteOp } from '../../src/node/storage/rows'
import type { BlockCommit, StoreName } from '../../src/node/storage/types'
import { buildChainWorkload } from '../chain/workload'
import { count, median } from '../timing'
import type { Bench, BenchOptions } from '../types'

/**
 * Issue 4, benchmark 1: a block commit to IndexedDB through the repository (`commitBlock`: rows
 * planned from the chain core's batch, written in one transaction) against a raw `idb` batch write of
 * the very same rows in one transaction, in the same worker, interleaved block by block.
 */

/** Records the batches the chain core writes, as the app's PersistentChainStore receives them. */
class RecordingStore extends MemoryChainStore {
  readonly batches: ChainBatch[] = []

  override write(batch: ChainBatch): void {
    super.write(batch)
    this.batches.push(batch)
  }
}

/** The repository commits of real blocks of ERC20 transfers (imported untimed into a recording chain). */
function realCommits(options: BenchOptions): { commits: BlockCommit[]; txs: number } {
  const shape = options.quick ? { senders: 20, blocks: 3 } : { senders: 100, blocks: 30 }
  const w = buildChainWorkload(shape)
  const senders = new SenderCache(1 << 20)
  for (const [hash, from] of [...w.prepSenders, ...w.senders]) senders.set(hash, from)
  const store = new RecordingStore()
  const chain = new Chain({ genesis: w.genesis, store, senders })
  for (const block of [...w.prep, decodeBlock(w.warmup), ...w.blocks.map((b) => decodeBlock(b))]) {
    const result = chain.importBlock(block, block.header.timestamp)
    if (result.kind !== 'extended') throw new Error(`bench block did not extend the chain: ${result.kind}`)
  }
  const commits = store.batches.map((batch) => toBlockCommit(batch, (hash: Hex) => store.getBlock(hash)))
  return { commits, txs: w.txCount }
}

/** The repository's object stores (the raw baseline gets the same ones, and the same log indexes). */
const STORES: readonly StoreName[] = [
  'headers',
  'bodies',
  'receipts',
  'canonical',
  'txIndex',
  'logs',
  'stateNodes',
  'meta',
]

async function rawWrite(db: Awaited<ReturnType<typeof openDB>>, ops: readonly WriteOp[]): Promise<void> {
  const tx = db.transaction([...new Set(ops.map((op) => op.store))], 'readwrite')
  for (const op of ops) {
    const store = tx.objectStore(op.store)
    void (op.value === undefined ? store.delete(op.key) : store.put(op.value, op.key))
  }
  await tx.done
}

export const storageCommitBench: Bench = {
  name: 'storage-commit',
  title: 'block commit to IndexedDB (repository) vs a raw idb batch write of the same records',
  where: 'worker',
  // IndexedDB exists only in the browser (fake-indexeddb in Node would time a JavaScript model).
  nodeToo: false,
  async run(options) {
    const { commits, txs } = realCommits(options)
    const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e9)}`
    const oursId = `bench-commit-${stamp}`
    const rawName = `bench-commit-raw-${stamp}`
    const genesis = commits[0]?.head?.hash
    if (genesis === undefined) throw new Error('no genesis commit')
    const identity = { chainId: 31416, genesisHash: genesis }
    const repo = await openIdbRepository({ profileId: oursId, chain: identity })
    // Same stores and the same indexes as the repository's schema, so both write the same amount.
    const raw = await openDB(rawName, 1, {
      upgrade(db) {
        for (const name of STORES) {
          if (name === 'logs') {
            const logs = db.createObjectStore(name)
            logs.createIndex('byAddress', ['a', 'n'])
            logs.createIndex('byTopic0', ['t0', 'n'])
            logs.createIndex('byNumber', 'n')
          } else db.createObjectStore(name)
        }
      },
    })
    // The raw side writes precomputed rows: planning them is part of what the repository costs.
    const rawOps = commits.map((c) => planCommit(c).ops)
    // Genesis, the prep blocks (token creation, funding) and the warm-up block are written untimed by both.
    const untimed = 4
    for (let i = 0; i < untimed; i++) {
      await repo.commitBlock(commits[i] as BlockCommit)
      await rawWrite(raw, rawOps[i] as WriteOp[])
    }
    const ours: number[] = []
    const raws: number[] = []
    let records = 0
    const timed = commits.length - untimed
    for (let i = untimed; i < commits.length; i++) {
      const commit = commits[i] as BlockCommit
      const ops = rawOps[i] as WriteOp[]
      records += ops.length
      // Alternate which goes first, so neither always writes into a warmer engine.
      const runOurs = async (): Promise<void> => {
        const t0 = performance.now()
        await repo.commitBlock(commit)
        ours.push(performance.now() - t0)
      }
      const runRaw = async (): Promise<void> => {
        const t0 = performance.now()
        await rawWrite(raw, ops)
        raws.push(performance.now() - t0)
      }
      if (i % 2 === 0) {
        await runOurs()
        await runRaw()
      } else {
        await runRaw()
        await runOurs()
      }
    }
    repo.close()
    raw.close()
    await deleteDB(databaseName(oursId, identity))
    await deleteDB(rawName)
    const perBlock = records / timed
    // Medians: on a shared machine a single stalled transaction would swing a sum.
    const oursMs = median(ours)
    const rawMs = median(raws)
    return {
      figures: [
        { label: 'repository commitBlock, median', value: oursMs, unit: 'ms/block' },
        { label: 'raw idb batch write, median', value: rawMs, unit: 'ms/block' },
        { label: 'records per block', value: perBlock, unit: 'records' },
      ],
      ratios: [
        {
          label: 'raw idb time ÷ repository time (medians)',
          value: rawMs / oursMs,
          goal: { min: 0.8 },
          note: '1 = no overhead over the raw write',
        },
      ],
      notes: [
        `${timed} real blocks of ${count(txs / timed)} ERC20 transfers (header, body, receipts, logs,`,
        'state nodes, canonical, tx index, head), each written once by each side, interleaved; the',
        'raw side puts the same rows (planned untimed) into an identical schema in one transaction.',
      ],
    }
  },
}
