import { afterEach, describe, expect, test, vi } from 'vitest'
import { lockoutText, lockoutUntil, watchLockout } from '../../src/ui/password-lockout'
import { walletError } from '../../src/wallet/errors'

const T0 = 1_796_000_000_000

afterEach(() => {
  vi.useRealTimers()
})

describe("the password forms' lockout countdown", () => {
  test('is read from the lockout refusal only', () => {
    const refusal = walletError({ code: 'WALLET_TOO_MANY_TRIES', retryAt: T0 + 30_000, waitMs: 30_000 })
    expect(lockoutUntil(refusal)).toBe(T0 + 30_000)
    expect(lockoutUntil(walletError({ code: 'WALLET_INCORRECT_PASSWORD' }))).toBeNull()
    expect(lockoutUntil(new Error('Too many wrong passwords'))).toBeNull()
    expect(lockoutUntil(undefined)).toBeNull()
    // At the refusal it reads as the refusal does.
    expect(lockoutText(T0 + 30_000, T0)).toBe(refusal.message)
  })

  test('counts down each second, rounded up, then clears at the retry time and stops', () => {
    vi.useFakeTimers({ now: T0 })
    const shown: (string | null)[] = []
    watchLockout(T0 + 27_400, (text) => shown.push(text))
    expect(shown).toEqual(['Too many wrong passwords: try again in 28 s.'])
    vi.advanceTimersByTime(400)
    expect(shown.at(-1)).toBe('Too many wrong passwords: try again in 27 s.')
    vi.advanceTimersByTime(1_000)
    expect(shown.at(-1)).toBe('Too many wrong passwords: try again in 26 s.')
    vi.advanceTimersByTime(24_999)
    expect(shown.at(-1)).toBe('Too many wrong passwords: try again in 2 s.')
    vi.advanceTimersByTime(1)
    expect(shown.at(-1)).toBe('Too many wrong passwords: try again in 1 s.')
    vi.advanceTimersByTime(999)
    expect(shown).toHaveLength(28)
    vi.advanceTimersByTime(1)
    expect(shown.at(-1)).toBeNull()
    expect(shown).toHaveLength(29)
    expect(new Set(shown).size).toBe(29)
    vi.advanceTimersByTime(60_000)
    expect(shown).toHaveLength(29)
    expect(vi.getTimerCount()).toBe(0)
  })

  test('a long wait reads in minutes; stopping it stops the countdown', () => {
    vi.useFakeTimers({ now: T0 })
    const shown: (string | null)[] = []
    const stop = watchLockout(T0 + 4 * 60_000, (text) => shown.push(text))
    expect(shown).toEqual(['Too many wrong passwords: try again in 4 min.'])
    vi.advanceTimersByTime(61_000)
    expect(shown.at(-1)).toBe('Too many wrong passwords: try again in 3 min.')
    stop()
    const seen = shown.length
    vi.advanceTimersByTime(10 * 60_000)
    expect(shown).toHaveLength(seen)
  })

  test('a lockout already over clears at once', () => {
    vi.useFakeTimers({ now: T0 })
    const shown: (string | null)[] = []
    watchLockout(T0 - 1, (text) => shown.push(text))
    expect(shown).toEqual([null])
    expect(vi.getTimerCount()).toBe(0)
  })
})
