import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  lockoutText,
  lockoutUntil,
  usePasswordLockout,
  watchLockout,
  wrongPasswordText,
} from '../../src/ui/password-lockout'
import { walletError } from '../../src/wallet/errors'
import { memoryWalletStore } from '../../src/wallet/store'
import { createWallet, type Wallet } from '../../src/wallet/wallet'

const T0 = 1_796_000_000_000
const HARDHAT = 'test test test test test test test test test test test junk'
const PASSWORD = 'correct horse battery'

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

/** A password form as the wallet screen's: the lockout's notice, and its submit held while it runs. */
function Form({ wallet }: { readonly wallet: Wallet }) {
  const lockout = usePasswordLockout(() => wallet.passwordRetryAt())
  return createElement(
    'form',
    null,
    lockout.notice === null ? null : createElement('p', { role: 'alert' }, lockout.notice),
    createElement('button', { type: 'submit', disabled: lockout.locked }, 'Unlock'),
  )
}

describe('a password form opened inside a lockout', () => {
  test('counts the wait down, its submit disabled, from its first render (the wallet reloaded on the same store)', async () => {
    // Only the clock is fake: PBKDF2 and the vault run for real.
    vi.useFakeTimers({ now: T0, toFake: ['Date'] })
    const store = memoryWalletStore()
    const first = createWallet({ store })
    await first.load()
    await first.create(HARDHAT, PASSWORD)
    first.lock()
    for (let i = 1; i <= 5; i++)
      await expect(first.unlock(`wrong ${i}`)).rejects.toThrow('incorrect password')
    // A reload 3 s later: a new wallet on the same store, and the unlock form rendered before any try.
    vi.setSystemTime(T0 + 3_000)
    const wallet = createWallet({ store })
    await wallet.load()
    expect(wallet.passwordRetryAt()).toBe(T0 + 30_000)
    const html = renderToStaticMarkup(createElement(Form, { wallet }))
    expect(html).toBe(
      '<form><p role="alert">Too many wrong passwords: try again in 27 s.</p><button type="submit" disabled="">Unlock</button></form>',
    )
    // At the retry time the wallet reports no lockout, and a form rendered then is open.
    vi.setSystemTime(T0 + 30_000)
    expect(wallet.passwordRetryAt()).toBeNull()
    expect(renderToStaticMarkup(createElement(Form, { wallet }))).toBe(
      '<form><button type="submit">Unlock</button></form>',
    )
  })
})

describe('a wrong password, refused again', () => {
  test('reads as a new answer each time: how many in a row (kept across a reload), and what comes next', async () => {
    const store = memoryWalletStore()
    const first = createWallet({ store })
    await first.load()
    await first.create(HARDHAT, PASSWORD)
    first.lock()
    const refused = async (wallet: Wallet, password: string): Promise<string | null> => {
      const err = await wallet.unlock(password).then(
        () => null,
        (e: unknown) => e,
      )
      return wrongPasswordText(err, wallet.passwordFailures())
    }
    expect(await refused(first, 'wrong 1')).toBe('incorrect password')
    expect(await refused(first, 'wrong 2')).toBe(
      'incorrect password (2 wrong in a row; after 5 each try waits)',
    )
    // A reload: the count is the stored wallet's, not the form's.
    const wallet = createWallet({ store })
    await wallet.load()
    expect(wallet.passwordFailures()).toBe(2)
    expect(await refused(wallet, 'wrong 3')).toBe(
      'incorrect password (3 wrong in a row; after 5 each try waits)',
    )
    expect(await refused(wallet, 'wrong 4')).toBe(
      'incorrect password (4 wrong in a row; after 5 each try waits)',
    )
    expect(await refused(wallet, 'wrong 5')).toBe('incorrect password (5 wrong in a row; each try now waits)')
    // Inside the wait that began, even the right password is refused with the wait, not this text.
    expect(await refused(wallet, PASSWORD)).toBeNull()
    expect(wallet.passwordFailures()).toBe(5)
    expect(wrongPasswordText(walletError({ code: 'WALLET_LOCKED' }), 5)).toBeNull()
  })
})
