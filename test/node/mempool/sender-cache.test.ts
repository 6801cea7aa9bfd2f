import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { SenderCache } from '../../../src/node/mempool/sender-cache'

const hash = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`
const sender = (i: number): Address => `0x${i.toString(16).padStart(40, '0')}`

describe('SenderCache', () => {
  test('holds at most its capacity, evicting the least recently used', () => {
    const cache = new SenderCache(3)
    for (let i = 1; i <= 3; i++) cache.set(hash(i), sender(i))
    // Reading 1 makes 2 the least recently used.
    expect(cache.get(hash(1))).toBe(sender(1))
    cache.set(hash(4), sender(4))
    expect(cache.size).toBe(3)
    expect(cache.get(hash(2))).toBeUndefined()
    expect([1, 3, 4].map((i) => cache.get(hash(i)))).toEqual([sender(1), sender(3), sender(4)])
  })

  test('setting a held hash again refreshes it without growing the cache', () => {
    const cache = new SenderCache(2)
    cache.set(hash(1), sender(1))
    cache.set(hash(2), sender(2))
    cache.set(hash(1), sender(1))
    cache.set(hash(3), sender(3))
    expect(cache.size).toBe(2)
    expect(cache.get(hash(2))).toBeUndefined()
    expect(cache.get(hash(1))).toBe(sender(1))
  })

  test('a miss takes no slot', () => {
    const cache = new SenderCache(2)
    cache.set(hash(1), sender(1))
    expect(cache.get(hash(2))).toBeUndefined()
    expect(cache.size).toBe(1)
  })

  test('10,000 senders past its capacity leave the default cache at its bound', () => {
    const cache = new SenderCache()
    for (let i = 0; i < cache.capacity + 10_000; i++) cache.set(hash(i), sender(i % 100))
    expect(cache.size).toBe(cache.capacity)
    expect(cache.get(hash(0))).toBeUndefined()
    expect(cache.get(hash(cache.capacity + 9_999))).toBe(sender((cache.capacity + 9_999) % 100))
  })
})
