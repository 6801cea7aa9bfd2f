import type { Address } from 'viem'
import { Chain } from '../../src/node/chain/chain'
import { MemoryChainStore } from '../../src/node/chain/chain-store'
import { testGenesis } from '../../src/node/chain/genesis'
import type { Genesis } from '../../src/node/chain/types'
import { keccak, keccakBackend, toHex } from '../../src/node/codec/bytes'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../src/node/consensus/miner'
import type { ModePin } from '../../src/node/light/mode'
import { memoryHub } from '../../src/node/network/memory'
import { downloadSnapshot } from '../../src/node/snapshot/download'
import { createMemoryBackend, openMemoryRepository } from '../../src/node/storage/memory-repository'
import {
  collectSubtrees,
  decodeSnapshotRequest,
  encodeSnapshotResponse,
} from '../../src/node/sync/snapshot-messages'
import { syncProtocols } from '../../src/node/sync/sync-server'
import { createNode } from '../../src/node/worker/node'
import { count, perSecond } from '../timing'
import type { Bench } from '../types'

/**
 * Issue 7, benchmark 3: snapshot download + verify throughput (accounts/s), and time to full on a
 * 10,000-block chain, in process (two nodes on the memory network twin: no WebRTC, no IndexedDB — the
 * repository is the memory twin), in a Chromium worker and in Node. The baseline of time to full is the
 * same fresh node pinned `full`, which replays the chain from genesis through the ordinary sync.
 */

function genesisWith(accounts: number): Genesis {
  const alloc = Array.from({ length: accounts }, (_, i) => ({
    address: toHex(keccak(new Uint8Array([i >> 16, (i >> 8) & 0xff, i & 0xff])).subarray(12)) as Address,
    balance: BigInt(i + 1) * 10n ** 15n,
  }))
  return testGenesis({ alloc })
}

/** A chain of `n` sealed empty blocks (difficulty 2), rewards to ten rotating miners, dated in the past. */
function buildChain(genesis: Genesis, n: number): MemoryChainStore {
  const store = new MemoryChainStore()
  const chain = new Chain({ genesis, store })
  const start = BigInt(Date.now() - 10 * n - 60_000)
  for (let i = 1; i <= n; i++) {
    const template = buildBlockTemplate({
      params: chain.params,
      parent: chain.head.block.header,
      parentState: chain.headState,
      txs: [],
      now: start + BigInt(10 * i),
      miner: `0x${(i % 10).toString(16).padStart(40, '0')}` as Address,
    }).block
    for (let nonce = 0n; ; nonce += 1000n) {
      const r = mineSlice(template.header, nonce, 1000)
      if ('found' in r) {
        chain.importBlock(sealBlock(template, r.found), BigInt(Date.now()))
        break
      }
    }
  }
  return store
}

/** Ms from a fresh node joining `store`'s holder until it is full at the same head. */
async function timeToFull(
  genesis: Genesis,
  store: MemoryChainStore,
  pin: ModePin,
): Promise<{ ms: number; viaSnapshot: number }> {
  const hub = memoryHub()
  const fullLink = hub.join('FULL')
  const full = createNode({
    profileId: 'FULL',
    genesis,
    store,
    coinbase: `0x${'00'.repeat(19)}01`,
    mine: false,
    network: fullLink.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'bench',
  })
  await full.start()
  await fullLink.attach(full.sink)
  const target = (await full.api.head()).hash
  const freshLink = hub.join('FRESH')
  const fresh = createNode({
    profileId: 'FRESH',
    genesis,
    coinbase: `0x${'00'.repeat(19)}01`,
    mine: false,
    network: freshLink.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'bench',
    modePin: pin,
  })
  const t0 = performance.now()
  await fresh.start()
  await freshLink.attach(fresh.sink)
  try {
    for (;;) {
      const [head, mode] = [await fresh.api.head(), await fresh.api.mode()]
      if (head.hash === target && mode.kind === 'full') break
      await new Promise((r) => setTimeout(r, 5))
    }
    const ms = performance.now() - t0
    return { ms, viaSnapshot: (await fresh.api.stats()).blocksFromSnapshot }
  } finally {
    fresh.stop()
    full.stop()
  }
}

export const snapshotBench: Bench = {
  name: 'snapshot-upgrade',
  title: 'state snapshot download + verify (accounts/s) and time to full on a 10,000-block chain, in process',
  where: 'worker',
  timeoutMs: 15 * 60_000,
  async run(options) {
    const backend = await keccakBackend
    const blocks = options.quick ? 1_500 : 10_000
    const accounts = options.quick ? 2_000 : 20_000
    const genesis = genesisWith(accounts)
    const store = buildChain(genesis, blocks)
    const head = store.getBlock(store.getHead() ?? '0x')
    if (head === undefined) throw new Error('no head')

    // Download + verify alone: chunks served from the node store (encode → decode as on the wire).
    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: genesis.params.chainId, genesisHash: store.getCanonicalHash(0n) ?? '0x' },
    })
    const protocol = syncProtocols(genesis.params.chainId).snapshot
    const t0 = performance.now()
    const result = await downloadSnapshot({
      repo,
      target: {
        blockHash: head.hash,
        number: head.block.header.number,
        stateRoot: head.block.header.stateRoot,
      },
      protocol,
      peers: () => ['a', 'b'],
      penalize: () => {},
      request: async (_peer, _protocol, data) =>
        encodeSnapshotResponse(collectSubtrees(store.nodes, decodeSnapshotRequest(data).nodeHashes)),
    })
    const downloadMs = performance.now() - t0

    const snap = await timeToFull(genesis, store, 'auto')
    const replay = await timeToFull(genesis, store, 'full')
    return {
      figures: [
        {
          label: 'snapshot download + verify',
          value: perSecond(result.leaves, downloadMs),
          unit: 'accounts/s',
          note: `${count(result.leaves)} leaves, ${count(result.nodes)} nodes in ${downloadMs.toFixed(0)} ms, final root check included`,
        },
        {
          label: 'time to full, snapshot',
          value: snap.ms,
          unit: 'ms',
          note: `${count(snap.viaSnapshot)} blocks executed after the snapshot block`,
        },
        { label: 'time to full, replay from genesis', value: replay.ms, unit: 'ms' },
      ],
      ratios: [
        {
          label: 'time to full: replay ÷ snapshot',
          value: replay.ms / snap.ms,
          note: 'how many times faster the snapshot upgrade reaches full',
        },
      ],
      notes: [
        `${count(blocks)} empty blocks over a genesis of ${count(accounts)} funded accounts; memory network and repository (no WebRTC, no IndexedDB); keccak backend: ${backend}`,
      ],
    }
  },
}
