import { deleteDB } from 'idb'
import type { Address, Hex } from 'viem'
import { genesisBlock, hashBlock } from '../../src/node/chain/block'
import { Chain } from '../../src/node/chain/chain'
import { type ChainBatch, MemoryChainStore } from '../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS, devnetGenesis } from '../../src/node/chain/genesis'
import { buildBlockTemplate } from '../../src/node/consensus/miner'
import type { NetworkApi } from '../../src/node/network/bridge'
import { connect } from '../../src/node/rpc/connect'
import { serve } from '../../src/node/rpc/serve'
import { databaseName, openIdbRepository } from '../../src/node/storage/idb-repository'
import { toBlockCommit } from '../../src/node/storage/persistent-chain-store'
import type { BlockCommit, ChainIdentity, HeadRecord } from '../../src/node/storage/types'
import type { WorkerInit } from '../../src/node/worker/init'
import type { NodeApi } from '../../src/node/worker/node'
import { count, median } from '../timing'
import type { Bench } from '../types'

/**
 * Issue 4, benchmark 3: cold start of a node whose profile stores 10,000 blocks, from the creation of
 * the app's own node worker (`src/node/worker/main.ts`, bundled as the app bundles it) to its first
 * answer to `head()` carrying the stored head. The baseline is the same start on a profile holding
 * only the genesis block, measured in the same run.
 */

/** Blocks committed per repository transaction while building the database (untimed). */
const BUILD_BATCH = 500
/** Cold starts per database; the median is reported. */
const STARTS = 5

class RecordingStore extends MemoryChainStore {
  readonly batches: ChainBatch[] = []

  override write(batch: ChainBatch): void {
    super.write(batch)
    this.batches.push(batch)
  }
}

/**
 * Writes a devnet chain of `blocks` blocks (after genesis) to profile `profileId` through the
 * repository. Blocks are built by the node's block builder, so headers, state roots and state nodes
 * are real (block rewards to ten rotating miners); they are empty and not sealed — a stored block is
 * not re-validated on start, so proof of work would only cost preparation time.
 */
const DEVNET: ChainIdentity = {
  chainId: devnetGenesis.params.chainId,
  genesisHash: hashBlock(genesisBlock(devnetGenesis)),
}

async function writeChain(profileId: string, blocks: number): Promise<HeadRecord> {
  const store = new RecordingStore()
  const chain = new Chain({ genesis: devnetGenesis, store })
  const repo = await openIdbRepository({ profileId, chain: DEVNET })
  try {
    for (const batch of store.batches) await repo.commitBlock(toBlockCommit(batch, (h) => store.getBlock(h)))
    let parent = chain.head
    let state = chain.headState
    let pending: BlockCommit[] = []
    const flush = async (): Promise<void> => {
      await repo.commitBlock({
        blocks: pending.flatMap((c) => c.blocks ?? []),
        stateNodes: pending.flatMap((c) => c.stateNodes ?? []),
        canonical: pending.flatMap((c) => c.canonical ?? []),
        head: headOf(parent),
      })
      pending = []
    }
    for (let i = 1; i <= blocks; i++) {
      const template = buildBlockTemplate({
        params: devnetGenesis.params,
        parent: parent.block.header,
        parentState: state,
        txs: [],
        now: parent.block.header.timestamp + 2_000n,
        miner: DEVNET_ACCOUNTS[i % DEVNET_ACCOUNTS.length] as Address,
      })
      const block = template.block
      const stored = {
        hash: hashBlock(block),
        block,
        totalDifficulty: parent.totalDifficulty + block.header.difficulty,
        txHashes: [],
        receipts: [],
      }
      pending.push({
        blocks: [stored],
        stateNodes: template.execution.created,
        canonical: [{ number: block.header.number, hash: stored.hash }],
      })
      parent = stored
      state = template.execution.state
      if (pending.length === BUILD_BATCH) await flush()
    }
    if (pending.length > 0) await flush()
    return headOf(parent)
  } finally {
    repo.close()
  }
}

function headOf(b: {
  hash: Hex
  block: { header: { number: bigint } }
  totalDifficulty: bigint
}): HeadRecord {
  return { hash: b.hash, number: b.block.header.number, totalDifficulty: b.totalDifficulty }
}

/**
 * Starts the app's node worker on `profileId` (not mining, with a network host that accepts every
 * call and has no peers) and resolves with the ms from `new Worker` until `head()` answered with
 * `expected`, and until the worker reported itself started.
 */
async function coldStart(profileId: string, expected: Hex): Promise<{ headMs: number; readyMs: number }> {
  const api = new MessageChannel()
  const network = new MessageChannel()
  const sink = new MessageChannel()
  const fakeNetwork: NetworkApi = {
    subscribe: async () => {},
    unsubscribe: async () => {},
    publish: async () => ({ recipients: 0 }),
    handle: async () => {},
    request: async () => new Uint8Array(0),
    snapshot: async () => ({ peerId: 'bench', relay: { state: 'offline' }, peers: [], linking: [] }),
    disconnect: async () => {},
  }
  const t0 = performance.now()
  const worker = new Worker(new URL('../../src/node/worker/main.ts', import.meta.url), {
    type: 'module',
    name: 'tabchain node (bench)',
  })
  try {
    const ready = new Promise<number>((resolve, reject) => {
      worker.addEventListener('message', (e: MessageEvent<{ type: string }>) => {
        if (e.data.type === 'ready') resolve(performance.now() - t0)
        else reject(new Error(`node worker: ${JSON.stringify(e.data)}`))
      })
      worker.addEventListener('error', (e) => reject(new Error(`node worker failed: ${e.message}`)))
    })
    const init: WorkerInit = {
      type: 'init',
      profileId,
      genesis: devnetGenesis,
      mine: false,
      coinbase: DEVNET_ACCOUNTS[0] as Address,
      modePin: 'full',
      lifeLock: `bench-node-life-${crypto.randomUUID()}`,
      ports: { api: api.port2, network: network.port2, sink: sink.port2 },
    }
    worker.postMessage(init, [api.port2, network.port2, sink.port2])
    serve<NetworkApi>(network.port1, fakeNetwork)
    const node = connect<NodeApi>(api.port1)
    const head = await node.api.head()
    const headMs = performance.now() - t0
    if (head.hash !== expected) throw new Error(`node started at ${head.hash}, stored head is ${expected}`)
    const readyMs = await ready
    node.close()
    return { headMs, readyMs }
  } finally {
    worker.terminate()
  }
}

export const storageColdStartBench: Bench = {
  name: 'storage-cold-start',
  title: 'cold start of a node storing 10,000 blocks: new Worker → head() answers the stored head',
  // The node worker is created from the page, as the app does.
  where: 'page',
  timeoutMs: 10 * 60_000,
  async run(options) {
    const blocks = options.quick ? 500 : 10_000
    const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e9)}`
    const big = `bench-cold-${stamp}`
    const empty = `bench-cold-empty-${stamp}`
    try {
      const buildStart = performance.now()
      const bigHead = await writeChain(big, blocks)
      const buildMs = performance.now() - buildStart
      const emptyHead = await writeChain(empty, 0)
      const bigRuns: { headMs: number; readyMs: number }[] = []
      const emptyRuns: { headMs: number; readyMs: number }[] = []
      // Interleaved, so both see the same machine load.
      for (let i = 0; i < STARTS; i++) {
        emptyRuns.push(await coldStart(empty, emptyHead.hash))
        bigRuns.push(await coldStart(big, bigHead.hash))
      }
      const bigHeadMs = median(bigRuns.map((r) => r.headMs))
      const emptyHeadMs = median(emptyRuns.map((r) => r.headMs))
      return {
        figures: [
          {
            label: `${count(blocks)} blocks: new Worker → head()`,
            value: bigHeadMs,
            unit: 'ms',
            goal: { max: 500 },
            note: `median of ${STARTS}; runs ${bigRuns.map((r) => r.headMs.toFixed(0)).join(', ')}`,
          },
          {
            label: `${count(blocks)} blocks: new Worker → started`,
            value: median(bigRuns.map((r) => r.readyMs)),
            unit: 'ms',
          },
          { label: 'genesis only: new Worker → head()', value: emptyHeadMs, unit: 'ms' },
          { label: 'building the database (untimed prep)', value: buildMs, unit: 'ms' },
        ],
        ratios: [
          {
            label: `${count(blocks)} blocks ÷ genesis only (head())`,
            value: bigHeadMs / emptyHeadMs,
            note: 'what the stored chain adds to a start',
          },
        ],
        notes: [
          `Profile databases written through the repository in batches of ${BUILD_BATCH} blocks: empty`,
          'devnet blocks with real state roots and state nodes (rewards to 10 rotating miners), unsealed.',
          'Each start is a fresh module Worker of the app’s node entry, not mining, on a network host with',
          'no peers; the worker script is in the HTTP cache after the first start.',
        ],
      }
    } finally {
      await deleteDB(databaseName(big, DEVNET))
      await deleteDB(databaseName(empty, DEVNET))
    }
  },
}
