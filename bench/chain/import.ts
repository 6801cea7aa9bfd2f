import { secp256k1 } from '@noble/curves/secp256k1.js'
import { decodeBlock } from '../../src/node/chain/block'
import type { Chain } from '../../src/node/chain/chain'
import { executeBlock } from '../../src/node/chain/execute'
import { decodeTx, txSigningHash } from '../../src/node/chain/tx'
import type { Tx } from '../../src/node/chain/types'
import { best, count, perSecond, timeMs } from '../timing'
import type { Bench, BenchResult } from '../types'
import { EVM_BASELINE, evmBaselineBench } from './ethereumjs'
import {
  buildChainWorkload,
  type ChainWorkload,
  preparedChain,
  type WorkloadShape,
  workloadShape,
} from './workload'

const UNCACHED = 'Tabchain import, senders not cached'
/** Timed rounds per bench, each on a fresh chain; the best is reported (least disturbed by other load). */
const ROUNDS = 3

function describeWorkload(w: ChainWorkload, shape: WorkloadShape): string {
  return (
    `${count(w.txCount)} ERC20 transfers in ${shape.blocks} blocks of ${shape.senders} ` +
    `(one per sender per block, ${w.gasPerTx} gas each), after 1 untimed warm-up block`
  )
}

/**
 * Times `decodeBlock` + `Chain.importBlock` (header rules, proof of work, body, sender lookup or
 * recovery, execution, state root, receipts) of every timed block. The block bytes are what a peer
 * sends; the warm-up block is imported first, untimed.
 */
function timeImport(chain: Chain, w: ChainWorkload): number {
  const warm = decodeBlock(w.warmup)
  chain.importBlock(warm, warm.header.timestamp)
  return timeMs(() => {
    for (const bytes of w.blocks) {
      const block = decodeBlock(bytes)
      const result = chain.importBlock(block, block.header.timestamp)
      if (result.kind !== 'extended') throw new Error(`timed block did not extend the chain: ${result.kind}`)
    }
  })
}

/** The per-core bound: noble's secp256k1 `recoverPublicKey` alone on the workload's signatures. */
function timeEcrecover(w: ChainWorkload, max: number): { perSec: number; n: number } {
  const inputs: { sig: InstanceType<typeof secp256k1.Signature>; hash: Uint8Array }[] = []
  for (const bytes of w.blocks) {
    for (const raw of decodeBlock(bytes).transactions) {
      if (inputs.length >= max) break
      const d = decodeTx(raw, w.genesis.params)
      inputs.push({ sig: new secp256k1.Signature(d.r, d.s, d.yParity), hash: txSigningHash(d) })
    }
  }
  for (const { sig, hash } of inputs.slice(0, 20)) sig.recoverPublicKey(hash)
  const ms = timeMs(() => {
    for (const { sig, hash } of inputs) sig.recoverPublicKey(hash)
  })
  return { perSec: perSecond(inputs.length, ms), n: inputs.length }
}

/**
 * Issue 3, benchmark 1: import of uncached blocks against the ecrecover bound (measured in the same
 * worker, interleaved with the import rounds) and ethereumjs (its own bench and worker: sharing a heap
 * with this workload slowed it about threefold through the garbage collector).
 */
export const chainImportBench: Bench = {
  name: 'chain-import',
  title: 'Import of blocks of signed ERC20 transfers, senders not cached',
  where: 'worker',
  derived: [
    {
      label: 'Tabchain import ÷ ethereumjs',
      numerator: { bench: 'chain-import', label: UNCACHED },
      denominator: { bench: evmBaselineBench.name, label: EVM_BASELINE },
      goal: { min: 2 },
      note: `ethereumjs: the ${evmBaselineBench.name} bench`,
    },
  ],
  async run(options): Promise<BenchResult> {
    const shape = workloadShape(options)
    const w = buildChainWorkload(shape)
    // Interleaved rounds, best of each: both sides see the same background load.
    const imports: number[] = []
    const recovers: number[] = []
    let recoverN = 0
    for (let round = 0; round < ROUNDS; round++) {
      const r = timeEcrecover(w, 1000)
      recovers.push(r.perSec)
      recoverN = r.n
      imports.push(perSecond(w.txCount, timeImport(preparedChain(w, false), w)))
    }
    const ours = best(imports)
    const bound = best(recovers)
    return {
      figures: [
        { label: UNCACHED, value: ours, unit: 'tx/s', note: `best of ${ROUNDS}` },
        {
          label: 'noble secp256k1 recoverPublicKey',
          value: bound,
          unit: 'recover/s',
          note: `${count(recoverN)} signatures, best of ${ROUNDS}, interleaved with the import rounds`,
        },
      ],
      ratios: [{ label: 'Tabchain import ÷ ecrecover bound', value: ours / bound, goal: { min: 0.9 } }],
      notes: [
        describeWorkload(w, shape),
        'Timed: decodeBlock + Chain.importBlock per block (header, PoW, body, recovery, execution, ' +
          'state root, receipts) on a chain whose sender cache has never seen these transactions.',
      ],
    }
  },
}

/** Issue 3, benchmark 2: import of blocks whose senders are already cached (the mempool saw them). */
export const chainImportCachedBench: Bench = {
  name: 'chain-import-cached',
  title: 'Import of blocks whose senders are already cached (incl. state root)',
  where: 'worker',
  async run(options): Promise<BenchResult> {
    const shape = workloadShape(options)
    const w = buildChainWorkload(shape)
    const imports: number[] = []
    const executes: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      imports.push(perSecond(w.txCount, timeImport(preparedChain(w, true), w)))
      executes.push(perSecond(w.txCount, timeExecute(preparedChain(w, true), w)))
    }
    const ours = best(imports)
    return {
      figures: [
        {
          label: 'Tabchain import, senders cached',
          value: ours,
          unit: 'tx/s',
          goal: { min: 20_000 },
          note: `best of ${ROUNDS}`,
        },
        { label: `  per block of ${shape.senders}`, value: (shape.senders / ours) * 1000, unit: 'ms' },
        {
          label: '  of which executeBlock + state root',
          value: best(executes),
          unit: 'tx/s',
          note: `executeBlock alone on recovered txs, best of ${ROUNDS}`,
        },
      ],
      ratios: [],
      notes: [
        describeWorkload(w, shape),
        'Timed: decodeBlock + Chain.importBlock per block, every sender already in the shared cache.',
      ],
    }
  },
}

/** `executeBlock` alone (fees, contract calls, receipts, state root) on the timed blocks. */
function timeExecute(chain: Chain, w: ChainWorkload): number {
  const warm = decodeBlock(w.warmup)
  chain.importBlock(warm, warm.header.timestamp)
  const blocks = w.blocks.map((bytes) => decodeBlock(bytes))
  const txs = blocks.map((b) => chain.blockTransactions(b))
  let state = chain.headState
  return timeMs(() => {
    blocks.forEach((block, i) => {
      const h = block.header
      const exec = executeBlock(
        state,
        {
          number: h.number,
          timestamp: h.timestamp,
          miner: h.miner,
          baseFeePerGas: h.baseFeePerGas,
          gasLimit: h.gasLimit,
        },
        txs[i] as Tx[],
        w.genesis.params,
      )
      if (exec.state.root !== h.stateRoot) throw new Error('executeBlock produced another state root')
      state = exec.state
    })
  })
}
