import type { Address, Hex } from 'viem'
import { keccak256 } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Genesis } from '../../../src/node/chain/types'
import { type SimConfig, Simulation } from '../../../src/node/sim/simulation'
import { addressOf, transfer } from '../chain/chain-fixtures'

/** About one block per simulated second for five nodes at 16 hashes per 50 ms tick. */
const genesis: Genesis = testGenesis({ params: { fixedDifficulty: 1_600n } })
const base = (seed: number, nodes: number): SimConfig => ({
  seed,
  genesis,
  nodes,
  link: { minLatencyMs: 10, maxLatencyMs: 250, lossRate: 0.02 },
})

/** Lets only node 0 mine for a while (so one branch becomes strictly heavier), then lets gossip settle. */
function settle(sim: Simulation): void {
  sim.transport.setLink({ minLatencyMs: 10, maxLatencyMs: 250, lossRate: 0 })
  for (const n of sim.nodes) n.mining = n.id === 0
  sim.run(4_000)
  for (const n of sim.nodes) n.mining = false
  sim.run(3_000)
}

/** A node that only ever saw the canonical chain of `sim`'s node 0, block by block. */
function replayCanonical(sim: Simulation): Chain {
  const source = sim.node(0).chain
  const fresh = new Chain({ genesis })
  for (let n = 1n; n <= source.headHeader.number; n++) {
    const b = source.getBlockByNumber(n)
    if (b === undefined) throw new Error(`missing block ${n}`)
    fresh.importBlock(b.block, b.block.header.timestamp)
  }
  return fresh
}

const SIGNED: Hex[][] = []
beforeAll(async () => {
  for (let a = 0; a < 5; a++) {
    SIGNED.push(
      await Promise.all([0, 1, 2, 3, 4].map((nonce) => transfer(a, { nonce, value: 1_000n + BigInt(a) }))),
    )
  }
})

describe('simulation', () => {
  it('five nodes with random latency and loss converge on one head that includes every transaction', () => {
    const sim = new Simulation(base(7, 5))
    const submitted: Hex[] = []
    for (let round = 0; round < 5; round++) {
      for (let a = 0; a < 5; a++) {
        const raw = SIGNED[a]?.[round] as Hex
        sim.node(sim.rng.int(5)).submit(raw)
        submitted.push(raw)
        sim.run(sim.rng.between(100, 700))
      }
    }
    sim.run(8_000)
    settle(sim)
    // Messages were really lost and reordered, and still every node ends on one head.
    expect(sim.transport.dropped).toBeGreaterThan(0)
    const heads = sim.heads()
    expect(new Set(heads).size).toBe(1)
    const chain = sim.node(0).chain
    expect(chain.headHeader.number).toBeGreaterThan(10n)
    for (const raw of submitted) expect(chain.getReceipt(keccak256(raw))?.receipt.status).toBe(1)
    for (const n of sim.nodes) expect(n.mempool.size).toBe(0)
    expect(replayCanonical(sim).headHeader.stateRoot).toBe(chain.headHeader.stateRoot)
  })

  it('is deterministic under a seed', () => {
    const run = (seed: number): Hex[] => {
      const sim = new Simulation(base(seed, 3))
      sim.node(1).submit(SIGNED[0]?.[0] as Hex)
      sim.run(6_000)
      return sim.heads()
    }
    expect(run(11)).toEqual(run(11))
    expect(run(11)).not.toEqual(run(12))
  })

  it('partitioned groups mine apart, heal and converge on the heavier chain; orphaned txs are mined again', async () => {
    const sim = new Simulation({ ...base(3, 5), hashesPerTick: [24, 24, 24, 8, 8] })
    sim.run(3_000)
    sim.partition([
      [0, 1, 2],
      [3, 4],
    ])
    const Y: Address = '0x00000000000000000000000000000000000000b1'
    const Z: Address = '0x00000000000000000000000000000000000000b2'
    const toY = await transfer(5, { nonce: 0, to: Y, value: 777n })
    const toZ = await transfer(5, { nonce: 0, to: Z, value: 888n })
    // A double spend across the partition: the same nonce of account 5 pays Y on one side, Z on the other.
    sim.node(0).submit(toY)
    sim.node(3).submit(toZ)
    // Account 4's transaction only reaches the minority side.
    const lonely = SIGNED[4]?.[0] as Hex
    sim.node(4).submit(lonely)
    sim.run(12_000)
    const minority = sim.node(3).chain
    const majority = sim.node(0).chain
    expect(minority.getReceipt(keccak256(lonely))?.receipt.status).toBe(1)
    expect(minority.getReceipt(keccak256(toZ))?.receipt.status).toBe(1)
    expect(majority.getReceipt(keccak256(lonely))).toBeUndefined()
    expect(majority.head.totalDifficulty).toBeGreaterThan(minority.head.totalDifficulty)
    const forkBlocks = minority.headHeader.number
    sim.heal()
    sim.run(6_000)
    settle(sim)
    expect(new Set(sim.heads()).size).toBe(1)
    expect(sim.stats.reorgs).toBeGreaterThan(0)
    const chain = sim.node(3).chain
    // The orphaned transaction was returned to the pool and mined again on the winning branch.
    const again = chain.getReceipt(keccak256(lonely))
    expect(again?.receipt.status).toBe(1)
    expect(chain.isCanonical(again?.blockHash as Hex)).toBe(true)
    // The double spend resolved to the winning side only.
    expect(chain.getReceipt(keccak256(toY))?.receipt.status).toBe(1)
    expect(chain.getReceipt(keccak256(toZ))).toBeUndefined()
    const state = chain.headState
    expect(state.getAccount(Y).balance).toBe(777n)
    expect(state.getAccount(Z).balance).toBe(0n)
    // Every node's state equals that of a node that only ever saw the winning branch.
    const reference = replayCanonical(sim)
    for (const n of sim.nodes) expect(n.chain.headHeader.stateRoot).toBe(reference.headHeader.stateRoot)
    expect(reference.headState.getAccount(addressOf(5)).nonce).toBe(1n)
    expect(forkBlocks).toBeGreaterThan(0n)
  })
})
