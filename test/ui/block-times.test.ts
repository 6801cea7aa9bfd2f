import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { HeaderSummary } from '../../src/node/worker/chain-service'
import type { ReorgInfo } from '../../src/node/worker/node'
import { blockTimeCache, type ChainAt } from '../../src/ui/block-times'

const hash = (n: number, branch = 'a'): Hex => `0x${branch.repeat(2)}${n.toString(16).padStart(62, '0')}`

/** A chain whose block `n` was mined at `n` seconds (`branch` b: at `n` s and 500 ms), counting the header reads. */
function chain() {
  const reads: bigint[] = []
  let branch = 'a'
  let tip = 10n
  return {
    reads,
    reorg(to: string) {
      branch = to
    },
    grow(to: bigint) {
      tip = to
    },
    at(reorg: ReorgInfo | null = null): ChainAt {
      return { head: { number: tip, hash: hash(Number(tip), branch) }, reorg }
    },
    async read(n: bigint): Promise<HeaderSummary | null> {
      reads.push(n)
      if (n > tip) return null
      return { number: n, hash: hash(Number(n), branch), timestamp: n * 1000n + (branch === 'b' ? 500n : 0n) }
    },
  }
}

describe('block times', () => {
  test('each block’s header is read once across heads; a block past the head is asked again', async () => {
    const c = chain()
    const cache = blockTimeCache((n) => c.read(n))
    expect(await cache.times(['3', '7'], c.at())).toEqual(
      new Map([
        ['3', 3000n],
        ['7', 7000n],
      ]),
    )
    for (let tip = 11n; tip < 15n; tip++) {
      c.grow(tip)
      expect((await cache.times(['3', '7'], c.at())).get('7')).toBe(7000n)
    }
    expect(c.reads).toEqual([3n, 7n])
    // Not mined yet: left out, and read again at the next head.
    expect((await cache.times(['7', '20'], c.at())).has('20')).toBe(false)
    c.grow(20n)
    expect((await cache.times(['7', '20'], c.at())).get('20')).toBe(20_000n)
    expect(c.reads).toEqual([3n, 7n, 20n, 20n])
  })

  test('a reorganisation reads the held blocks again: a block now another at its number gets its time', async () => {
    const c = chain()
    const cache = blockTimeCache((n) => c.read(n))
    await cache.times(['3', '7'], c.at())
    // Another head at the same height: the chain switched branches.
    c.reorg('b')
    expect(await cache.times(['3', '7'], c.at())).toEqual(
      new Map([
        ['3', 3500n],
        ['7', 7500n],
      ]),
    )
    expect(c.reads).toEqual([3n, 7n, 3n, 7n])
    // A reorg event heard of, the head higher: read again too.
    c.reorg('a')
    c.grow(12n)
    const event: ReorgInfo = { oldHead: hash(10, 'b'), newHead: hash(12), depth: 3, returned: [] }
    expect((await cache.times(['7'], c.at(event))).get('7')).toBe(7000n)
    expect(c.reads).toEqual([3n, 7n, 3n, 7n, 7n])
    expect((await cache.times(['7'], c.at(event))).get('7')).toBe(7000n)
    expect(c.reads).toHaveLength(5)
  })

  test('a read that fails leaves the block out, asked again next time', async () => {
    let fail = true
    const cache = blockTimeCache(async (n) => {
      if (fail) throw new Error('no peer')
      return { number: n, hash: hash(Number(n)), timestamp: 42n }
    })
    const at: ChainAt = { head: { number: 9n, hash: hash(9) }, reorg: null }
    expect((await cache.times(['4'], at)).size).toBe(0)
    fail = false
    expect((await cache.times(['4'], at)).get('4')).toBe(42n)
  })
})
