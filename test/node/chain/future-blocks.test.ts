import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { encodedBlockSize, genesisBlock, MAX_BLOCK_BYTES } from '../../../src/node/chain/block'
import {
  FutureBlocks,
  MAX_FUTURE_BLOCKS,
  MAX_FUTURE_BYTES,
  MAX_FUTURE_WAIT_MS,
} from '../../../src/node/chain/future-blocks'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Block } from '../../../src/node/chain/types'

const hash = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`
const { header } = genesisBlock(testGenesis())
/** A block with one transaction of `txBytes` bytes (only its size matters here), due at `due`. */
const entry = (due: number, txBytes = 100) => ({
  block: { header, transactions: [`0x${'ab'.repeat(txBytes)}`] } as Block,
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

  test('refuses a block due further ahead than the bound; past the cap, one due before the last takes its place', () => {
    const held = new FutureBlocks()
    expect(held.hold(hash(0), entry(MAX_FUTURE_WAIT_MS + 1), 0)).toBe(false)
    // Dated years ahead: never held, so never a timer past the 32-bit limit.
    expect(held.hold(hash(0), entry(1_000 * 86_400 * 365 * 30), 0)).toBe(false)
    expect(held.hold(hash(0), entry(MAX_FUTURE_WAIT_MS), 0)).toBe(true)
    for (let i = 1; i < MAX_FUTURE_BLOCKS; i++) expect(held.hold(hash(i), entry(10), 0)).toBe(true)
    // Full: a block due no earlier than every held one is refused.
    expect(held.hold(hash(MAX_FUTURE_BLOCKS), entry(MAX_FUTURE_WAIT_MS), 0)).toBe(false)
    expect(held.size).toBe(MAX_FUTURE_BLOCKS)
    // One due earlier takes the place of the block due last.
    expect(held.hold(hash(MAX_FUTURE_BLOCKS), entry(5), 0)).toBe(true)
    expect(held.size).toBe(MAX_FUTURE_BLOCKS)
    expect(held.takeDue(MAX_FUTURE_WAIT_MS).map((b) => b.due)).toEqual([
      5,
      ...Array(MAX_FUTURE_BLOCKS - 1).fill(10),
    ])
  })

  test('holds blocks up to a byte budget: the one due last makes room, a block due after all is refused', () => {
    const held = new FutureBlocks()
    // Blocks at the size limit: the count cap alone would have held 64 of them.
    const big = MAX_BLOCK_BYTES - 1_024
    const size = encodedBlockSize(entry(0, big).block)
    const fit = Math.floor(MAX_FUTURE_BYTES / size)
    expect(fit).toBeLessThan(MAX_FUTURE_BLOCKS)
    for (let i = 0; i < fit; i++) expect(held.hold(hash(i), entry(1_000 + i, big), 0)).toBe(true)
    expect(held.bytes).toBe(fit * size)
    // Due after every held block: refused, nothing dropped.
    expect(held.hold(hash(fit), entry(2_000, big), 0)).toBe(false)
    expect(held.size).toBe(fit)
    // Due earlier: the block due last leaves for it.
    expect(held.hold(hash(fit), entry(500, big), 0)).toBe(true)
    expect(held.size).toBe(fit)
    expect(held.bytes).toBe(fit * size)
    expect(held.nextDue()).toBe(500)
    // A small block still fits in what is left.
    expect(held.hold(hash(100), entry(600), 0)).toBe(true)
    const taken = held.takeDue(10_000).map((b) => b.due)
    expect(taken).toEqual([500, 600, ...Array.from({ length: fit - 1 }, (_, i) => 1_000 + i)])
    expect(held.bytes).toBe(0)
  })
})
