import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem'
import { testGenesis } from '../../src/node/chain/genesis'
import { decodeTx, recoverSender } from '../../src/node/chain/tx'
import type { Genesis } from '../../src/node/chain/types'
import { MAX_TOTAL } from '../../src/node/mempool/mempool'
import { memoryHub } from '../../src/node/network/memory'
import { chainTopic } from '../../src/node/network/protocol'
import { createNode, type Node } from '../../src/node/worker/node'
import { count, perSecond } from '../timing'
import type { Bench } from '../types'
import { benchKeys } from './keys'
import { signTx } from './workload'

const ETHER = 10n ** 18n
const GWEI = 10n ** 9n
const SINK = `0x${'5e'.repeat(20)}` as Address

/** How big a flood is: funded senders, transactions each (nonces 0…), and the pace, per second. */
export interface FloodShape {
  readonly senders: number
  readonly perSender: number
  readonly ratePerSecond: number
}

export interface FloodWorkload {
  readonly genesis: Genesis
  /**
   * The flood: valid, signed transfers, in sending order (every sender's nonce 0, then every nonce 1,
   * …), each sender tipping 1–50 gwei.
   */
  readonly flood: readonly Uint8Array[]
  /** A transfer from an account outside the flood, tipping more than any of it. */
  readonly honest: Hex
}

/** The flood's genesis (every sender and the honest account funded) and its signed transactions. */
export function buildFlood(shape: Omit<FloodShape, 'ratePerSecond'>): FloodWorkload {
  const senders = benchKeys('flood', shape.senders)
  const [honest] = benchKeys('honest', 1)
  if (honest === undefined) throw new Error('no honest key')
  const genesis = testGenesis({
    alloc: [...senders, honest].map((k) => ({ address: k.address, balance: ETHER })),
  })
  const transfer = { chainId: genesis.params.chainId, to: SINK, data: '0x', gas: 21_000n } as const
  const flood: Uint8Array[] = []
  for (let nonce = 0n; nonce < BigInt(shape.perSender); nonce++)
    senders.forEach((key, i) => {
      const fees = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: BigInt(1 + (i % 50)) * GWEI }
      flood.push(hexToBytes(signTx(key, { ...transfer, nonce, fees })))
    })
  const fees = { maxFeePerGas: 200n * GWEI, maxPriorityFeePerGas: 100n * GWEI }
  return { genesis, flood, honest: signTx(honest, { ...transfer, nonce: 0n, fees }) }
}

/** A node on the memory network twin that does not mine until asked; started. `now`: its clock. */
export async function floodedNode(genesis: Genesis, now: () => number = () => Date.now()): Promise<Node> {
  const node = createNode({
    profileId: 'FLOODED',
    genesis,
    coinbase: SINK,
    mine: false,
    network: memoryHub().join('FLOODED').api,
    emit: () => {},
    now,
    agent: 'bench',
  })
  await node.start()
  return node
}

/** Mines one block on `node` and says whether `hash` is in it. */
export async function minedNext(node: Node, hash: Hex): Promise<boolean> {
  await node.api.setMining(true)
  while ((await node.api.head()).number < 1n) await new Promise((r) => setTimeout(r, 5))
  await node.api.setMining(false)
  const block = await node.api.block(1n)
  return block?.transactions.includes(hash) ?? false
}

/**
 * RELIABILITY.md, load to hold: one peer floods the txs topic with valid, signed transfers at a set
 * pace (1,000 a second for 60 s; funded senders, 60 nonces each, so most of it breaks the per-sender
 * cap of 16 or the pool's 5,120), fed to the node's gossip validation as the network host does; mid-way
 * an honest transfer is submitted, then the node mines a block.
 * Untimed: signing the flood. Measured: the node thread's time in validation (its capacity in tx/s,
 * and its share of the flood's wall time), the pool's size after it, the flooder's penalties (valid
 * transactions earn none), and whether the honest transfer is in the next block. Baseline in the same
 * place: `decodeTx` + `recoverSender` alone over the flood's first transactions — the recovery every
 * valid transaction costs at least once.
 */
export const floodBench: Bench = {
  name: 'flood',
  title: 'a peer floods 1,000 valid tx/s for 60 s: validation cost, pool caps, honest tx mined next',
  where: 'worker',
  timeoutMs: 10 * 60_000,
  async run(options) {
    const shape: FloodShape = options.quick
      ? { senders: 200, perSender: 20, ratePerSecond: 1_000 }
      : { senders: 1_000, perSender: 60, ratePerSecond: 1_000 }
    const w = buildFlood(shape)

    const sample = w.flood.slice(0, options.quick ? 500 : 2_000)
    const r0 = performance.now()
    for (const raw of sample) recoverSender(decodeTx(bytesToHex(raw), w.genesis.params))
    const recoverPerSecond = perSecond(sample.length, performance.now() - r0)

    const node = await floodedNode(w.genesis)
    try {
      const topic = chainTopic(w.genesis.params.chainId, 'txs')
      const verdicts = { accept: 0, ignore: 0, reject: 0 }
      const perTick = Math.max(1, Math.round(shape.ratePerSecond / 50))
      const half = Math.floor(w.flood.length / 2)
      let honestHash: Hex | null = null
      let busyMs = 0
      const t0 = performance.now()
      for (let i = 0; i < w.flood.length; i += perTick) {
        const due = t0 + (i / shape.ratePerSecond) * 1000
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        const b0 = performance.now()
        for (const raw of w.flood.slice(i, i + perTick)) {
          const verdict = await node.sink.gossip(topic, raw, 'FLOODER')
          verdicts[verdict]++
        }
        busyMs += performance.now() - b0
        if (honestHash === null && i + perTick > half)
          honestHash = await node.api.sendRawTransaction(w.honest)
      }
      const wallMs = performance.now() - t0
      const stats = await node.api.stats()
      const mined = honestHash !== null && (await minedNext(node, honestHash))
      const handled = perSecond(w.flood.length, busyMs)
      return {
        figures: [
          {
            label: 'flood handled by the node thread',
            value: Math.round(handled),
            unit: 'tx/s',
            goal: { min: shape.ratePerSecond },
            note: `${count(w.flood.length)} txs in ${(wallMs / 1000).toFixed(1)} s of flood`,
          },
          {
            label: 'node thread busy with the flood',
            value: Math.round((busyMs / wallMs) * 100),
            unit: '%',
            note: `at ${count(shape.ratePerSecond)} tx/s offered`,
          },
          {
            label: 'pool after the flood',
            value: stats.pendingTxs,
            unit: 'txs',
            goal: { max: MAX_TOTAL },
            note: `accepted ${count(verdicts.accept)}, ignored ${count(verdicts.ignore)}, rejected ${count(verdicts.reject)}`,
          },
          { label: "flooder's penalties", value: stats.penalties, unit: '', goal: { max: 0 } },
          { label: 'honest transfer in the next block', value: mined ? 1 : 0, unit: '', goal: { min: 1 } },
          { label: 'decode + recover alone (baseline)', value: Math.round(recoverPerSecond), unit: 'tx/s' },
        ],
        ratios: [
          {
            label: 'flood handled ÷ decode + recover',
            value: handled / recoverPerSecond,
            note: 'above 1: refusals before recovery (pool full, underpriced, known) pay for the admissions',
          },
        ],
      }
    } finally {
      node.stop()
    }
  },
}
