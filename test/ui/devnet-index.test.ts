import { afterEach, describe, expect, test, vi } from 'vitest'
import { DEVNET_ACCOUNT_COUNT, DEVNET_KEY, rememberedDevnetIndex } from '../../src/ui/signer/devnet-index'
import { memoryStorage } from './memory-storage'

/** A fresh browser: its own empty localStorage. */
const freshBrowser = () => vi.stubGlobal('localStorage', memoryStorage())

afterEach(() => {
  vi.unstubAllGlobals()
})

describe("a profile's devnet account", () => {
  test("two browsers' first profiles (the same id) don't all act with the same account", () => {
    const picks = new Set<number>()
    for (let i = 0; i < 20; i++) {
      freshBrowser()
      const index = rememberedDevnetIndex('profile-1')
      expect(index >= 0 && index < DEVNET_ACCOUNT_COUNT).toBe(true)
      picks.add(index)
    }
    // Twenty browsers on one account by chance: 10^-19 with a uniform draw.
    expect(picks.size).toBeGreaterThan(1)
  })

  test('the draw is among the accounts no other profile of this browser uses, then remembered', () => {
    freshBrowser()
    for (let i = 0; i < DEVNET_ACCOUNT_COUNT - 1; i++)
      localStorage.setItem(`${DEVNET_KEY}other-${i}`, String(i))
    // Only the last account is free: whatever the draw, it is the one.
    const draws: number[] = []
    const last = rememberedDevnetIndex('p', (below) => {
      draws.push(below)
      return below - 1
    })
    expect(draws).toEqual([1])
    expect(last).toBe(DEVNET_ACCOUNT_COUNT - 1)
    expect(localStorage.getItem(`${DEVNET_KEY}p`)).toBe(String(DEVNET_ACCOUNT_COUNT - 1))
    // Remembered: no draw at all the next time.
    expect(rememberedDevnetIndex('p', () => expect.unreachable('drawn again'))).toBe(last)
  })

  test('with every account taken, any of the ten; a stored entry that is not an account is drawn again', () => {
    freshBrowser()
    for (let i = 0; i < DEVNET_ACCOUNT_COUNT; i++) localStorage.setItem(`${DEVNET_KEY}other-${i}`, String(i))
    expect(rememberedDevnetIndex('p', (below) => below - 1)).toBe(DEVNET_ACCOUNT_COUNT - 1)
    freshBrowser()
    localStorage.setItem(`${DEVNET_KEY}p`, '12')
    expect(rememberedDevnetIndex('p', () => 3)).toBe(3)
    expect(localStorage.getItem(`${DEVNET_KEY}p`)).toBe('3')
  })
})
