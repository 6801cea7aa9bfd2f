import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { FutureBlocks, MAX_FUTURE_BLOCKS, MAX_FUTURE_WAIT_MS } from '../../../src/node/chain/future-blocks'
import type { Block } from '../../../src/node/chain/types'

const hash = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`
const entry = (due: number) => ({
  block: { header: { number: BigInt(due) } } as unknown as Block,
  from: 'P',
  due,
})

describe('FutureBlocks', () => {
  test('holds each block once, until it is due, earliest first', () => {
    const held = new FutureBlocks()
    expect(held.nextDue()).toBeUndefined()
    expect(held.hold(hash(1), entry(1_500), 1_000)).toBe(true)
    expect(held.hold(hash(2), entry(1_200), 1_000)).toBe(true)
    // The same block again (gossip, then the sync's range): kept once.
    expect(held.hold(hash(1), entry(1_500), 1_000)).toBe(false)
    expect(held.size).toBe(2)
    expect(held.nextDue()).toBe(1_200)
    expect(held.takeDue(1_100)).toEqual([])
    expect(held.takeDue(1_600).map((b) => b.due)).toEqual([1_200, 1_500])
    expect(held.size).toBe(0)
    expect(held.nextDue()).toBeUndefined()
  })

  test('refuses a block due further ahead than the bound, and any past the cap', () => {
    const held = new FutureBlocks()
    expect(held.hold(hash(0), entry(MAX_FUTURE_WAIT_MS + 1), 0)).toBe(false)
    // Dated years ahead: never held, so never a timer past the 32-bit limit.
    expect(held.hold(hash(0), entry(1_000 * 86_400 * 365 * 30), 0)).toBe(false)
    expect(held.hold(hash(0), entry(MAX_FUTURE_WAIT_MS), 0)).toBe(true)
    for (let i = 1; i < MAX_FUTURE_BLOCKS; i++) expect(held.hold(hash(i), entry(10), 0)).toBe(true)
    expect(held.hold(hash(MAX_FUTURE_BLOCKS), entry(5), 0)).toBe(false)
    expect(held.size).toBe(MAX_FUTURE_BLOCKS)
    expect(held.takeDue(10)).toHaveLength(MAX_FUTURE_BLOCKS - 1)
    expect(held.hold(hash(MAX_FUTURE_BLOCKS), entry(5), 0)).toBe(true)
  })
})
