import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Address, Hex } from 'viem'
import { keccakBackend, toHex } from '../../src/node/codec/bytes'
import { accountKey } from '../../src/node/state/keys'
import { State, verifyAccountProof } from '../../src/node/state/state'
import { count, microsPerOp, timeMs } from '../timing'
import type { Bench, BenchResult, Figure, Ratio } from '../types'

/**
 * Issue 3, benchmark 3: state root update and proof cost against the number of accounts.
 *
 * For each size n a state of n accounts is built (untimed), then from that same snapshot:
 * - single updates: one account changed, `commit()` → new root; µs and tree nodes hashed per update;
 * - batched updates: 500 accounts per commit (a block's worth), per key;
 * - proofs: `prove(accountKey)` and `verifyAccountProof`; proof length = hashes to verify.
 * Key hashes (logical key → tree path) are cached by the state module, as they are for the accounts
 * a node touches block after block; "hashes" counts tree node hashes only.
 */

const BATCH = 500

function addressOf(i: number): Address {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, i)
  return toHex(keccak_256(b).subarray(12)) as Address
}

interface SizeFigures {
  readonly n: number
  readonly buildMs: number
  readonly updateUs: number
  readonly updateHashes: number
  readonly batchUs: number
  readonly batchHashes: number
  readonly proveUs: number
  readonly proofNodes: number
  readonly verifyUs: number
}

/** A state of n accounts and the addresses in it. */
interface Sized {
  readonly n: number
  readonly state: State
  readonly addresses: readonly Address[]
  readonly buildMs: number
}

function buildState(n: number): Sized {
  const addresses = Array.from({ length: n }, (_, i) => addressOf(i))
  let state = State.empty()
  const buildMs = timeMs(() => {
    const buf = state.buffer()
    addresses.forEach((a, i) => {
      buf.setAccount(a, { nonce: 1n, balance: BigInt(i + 1) })
    })
    state = buf.commit().state
  })
  return { n, state, addresses, buildMs }
}

/** One round of `ops` operations of each kind on one snapshot; times per operation. */
function measureRound(s: Sized, ops: number, round: number): Omit<SizeFigures, 'n' | 'buildMs'> {
  const { state, addresses, n } = s
  // A stride coprime with n visits accounts spread over the whole tree, different ones each round.
  const pick = (i: number): Address => addresses[((round * ops + i) * 7919 + 13) % n] as Address

  let updateHashes = 0
  const updateMs = timeMs(() => {
    for (let i = 0; i < ops; i++) {
      const buf = state.buffer()
      buf.setAccount(pick(i), { nonce: 2n, balance: BigInt(i) })
      updateHashes += buf.commit().created.length
    }
  })

  let batchHashes = 0
  const batchMs = timeMs(() => {
    const buf = state.buffer()
    for (let j = 0; j < BATCH; j++) buf.setAccount(pick(j), { nonce: 3n, balance: BigInt(j) })
    batchHashes += buf.commit().created.length
  })

  const keys = Array.from({ length: ops }, (_, i) => accountKey(pick(i)))
  const proofs: (readonly Hex[])[] = []
  const proveMs = timeMs(() => {
    for (const key of keys) proofs.push(state.prove(key).nodes)
  })
  const root = state.root
  const verifyMs = timeMs(() => {
    for (let i = 0; i < ops; i++) {
      if (verifyAccountProof(root, pick(i), proofs[i] as readonly Hex[]).nonce !== 1n) {
        throw new Error('proof verified wrong')
      }
    }
  })
  return {
    updateUs: microsPerOp(updateMs, ops),
    updateHashes: updateHashes / ops,
    batchUs: microsPerOp(batchMs, BATCH),
    batchHashes: batchHashes / BATCH,
    proveUs: microsPerOp(proveMs, ops),
    proofNodes: proofs.reduce((sum, p) => sum + p.length, 0) / ops,
    verifyUs: microsPerOp(verifyMs, ops),
  }
}

/** Rounds interleaved across sizes (a burst of outside load hits every size alike); fastest round kept. */
function measureSizes(sizes: readonly number[], ops: number, rounds: number): SizeFigures[] {
  const states = sizes.map(buildState)
  const results = states.map(() => [] as Omit<SizeFigures, 'n' | 'buildMs'>[])
  for (let r = 0; r < rounds; r++) {
    states.forEach((s, i) => {
      results[i]?.push(measureRound(s, ops, r))
    })
  }
  return states.map((s, i) => {
    const rs = results[i] ?? []
    const min = (f: (x: Omit<SizeFigures, 'n' | 'buildMs'>) => number): number => Math.min(...rs.map(f))
    const mean = (f: (x: Omit<SizeFigures, 'n' | 'buildMs'>) => number): number =>
      rs.reduce((sum, x) => sum + f(x), 0) / rs.length
    return {
      n: s.n,
      buildMs: s.buildMs,
      updateUs: min((x) => x.updateUs),
      updateHashes: mean((x) => x.updateHashes),
      batchUs: min((x) => x.batchUs),
      batchHashes: mean((x) => x.batchHashes),
      proveUs: min((x) => x.proveUs),
      proofNodes: mean((x) => x.proofNodes),
      verifyUs: min((x) => x.verifyUs),
    }
  })
}

function short(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n)
}

export const stateScalingBench: Bench = {
  name: 'state-scaling',
  title: 'State root update and proof cost vs number of accounts',
  where: 'worker',
  async run(options): Promise<BenchResult> {
    // Hashing switches to WebAssembly when it has compiled, as in the node's long-lived worker.
    const keccakImpl = await keccakBackend
    const sizes = options.quick ? [1000, 10_000] : [1000, 10_000, 100_000]
    const ops = options.quick ? 100 : 400
    const rounds = options.quick ? 2 : 5
    const rows = measureSizes(sizes, ops, rounds)
    const figures: Figure[] = []
    for (const r of rows) {
      const n = short(r.n)
      figures.push(
        {
          label: `n=${n}: update, 1 key per commit`,
          value: r.updateUs,
          unit: 'µs/update',
          note: `${r.updateHashes.toFixed(1)} hashes/update; log2 n = ${Math.log2(r.n).toFixed(1)}`,
        },
        {
          label: `n=${n}: update, ${BATCH} keys per commit`,
          value: r.batchUs,
          unit: 'µs/key',
          note: `${r.batchHashes.toFixed(1)} hashes/key`,
        },
        {
          label: `n=${n}: prove`,
          value: r.proveUs,
          unit: 'µs/proof',
          note: `${r.proofNodes.toFixed(1)} nodes/proof (= hashes to verify)`,
        },
        { label: `n=${n}: verify proof`, value: r.verifyUs, unit: 'µs/proof' },
      )
    }
    const first = rows[0] as SizeFigures
    const last = rows[rows.length - 1] as SizeFigures
    const logRatio = Math.log2(last.n) / Math.log2(first.n)
    const span = `${short(last.n)} ÷ ${short(first.n)}`
    const ratios: Ratio[] = [
      {
        label: `hashes per update, ${span}`,
        value: last.updateHashes / first.updateHashes,
        // O(log n) predicts log2 ratio (1.67 for 100k vs 1k); O(n) would be 100.
        goal: { max: 2 },
        note: `log2 ratio ${logRatio.toFixed(2)}, linear ${last.n / first.n}`,
      },
      {
        label: `µs per update, ${span}`,
        value: last.updateUs / first.updateUs,
        note: `log2 ratio ${logRatio.toFixed(2)}; memory effects add to it`,
      },
      {
        label: `proof nodes, ${span}`,
        value: last.proofNodes / first.proofNodes,
        goal: { max: 2 },
        note: `log2 ratio ${logRatio.toFixed(2)}`,
      },
      {
        label: `µs per proof, ${span}`,
        value: last.proveUs / first.proveUs,
        note: `log2 ratio ${logRatio.toFixed(2)}`,
      },
    ]
    return {
      figures,
      ratios,
      notes: [
        `keccak-256 on ${keccakImpl === 'wasm' ? 'WebAssembly (hash-wasm)' : 'JavaScript'}.`,
        `Per size and round: ${count(ops)} single updates, one ${BATCH}-key batch, ${count(ops)} proofs and ` +
          `verifications, all from the same n-account snapshot; ${rounds} rounds interleaved across sizes, ` +
          'fastest round shown (least disturbed by other load); hashes and nodes are means.',
        `Building the states took ${rows.map((r) => `${short(r.n)}: ${Math.round(r.buildMs)} ms`).join(', ')} ` +
          '(one batch, untimed).',
      ],
    }
  },
}
