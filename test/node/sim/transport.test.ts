import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/node/sim/rng'
import { SimTransport } from '../../../src/node/sim/transport'

describe('seeded rng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createRng(42)
    const b = createRng(42)
    const c = createRng(43)
    const sa = Array.from({ length: 50 }, () => a.next())
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(sa)
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(sa)
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true)
    const r = createRng(1)
    for (let i = 0; i < 200; i++) {
      const v = r.between(3, 5)
      expect(v >= 3 && v <= 5).toBe(true)
    }
  })
})

describe('simulated transport', () => {
  it('delivers after a latency in range, in time order, and drops across partitions', () => {
    const t = new SimTransport(createRng(5), { minLatencyMs: 10, maxLatencyMs: 20, lossRate: 0 })
    const got: [number, number][] = []
    for (let i = 0; i < 20; i++) t.send(0, 1, () => got.push([i, t.now]))
    t.runUntil(9)
    expect(got).toEqual([])
    t.runUntil(20)
    expect(got).toHaveLength(20)
    for (const [, at] of got) expect(at >= 10 && at <= 20).toBe(true)
    expect(got.map(([, at]) => at)).toEqual([...got.map(([, at]) => at)].sort((x, y) => x - y))

    t.partition([[0], [1, 2]])
    let arrived = 0
    t.send(0, 1, () => arrived++) // across the partition: dropped at once
    t.send(1, 2, () => arrived++) // same side: in flight
    t.heal()
    t.send(0, 2, () => arrived++) // in flight
    // A new partition (node 1 unlisted, so alone) cuts both messages in flight.
    t.partition([[0], [2]])
    t.runUntil(100)
    expect(arrived).toBe(0)
    expect(t.dropped).toBe(3)
    t.heal()
    t.send(0, 2, () => arrived++)
    t.runUntil(200)
    expect(arrived).toBe(1)
  })

  it('loses about the configured share of messages', () => {
    const t = new SimTransport(createRng(9), { minLatencyMs: 1, maxLatencyMs: 1, lossRate: 0.25 })
    for (let i = 0; i < 2_000; i++) t.send(0, 1, () => {})
    t.runUntil(10)
    expect(t.dropped).toBeGreaterThan(400)
    expect(t.dropped).toBeLessThan(600)
    expect(t.delivered + t.dropped).toBe(2_000)
  })
})
