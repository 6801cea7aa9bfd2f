import { useEffect, useState } from 'react'
import { tooManyTriesMessage, WalletError } from '../wallet/errors'
import { FREE_PASSWORD_TRIES } from '../wallet/wallet'

/** When `err` is the wrong-password lockout's refusal: the time (Unix ms) a password may be tried again. */
export function lockoutUntil(err: unknown): number | null {
  return err instanceof WalletError && err.type.code === 'WALLET_TOO_MANY_TRIES' ? err.type.retryAt : null
}

/**
 * When `err` is a wrong password: what the form says, with `failures` (`Wallet.passwordFailures`, this
 * one counted) from the second in a row on, so that a try refused like the one before still reads as
 * a new answer, and with what comes next: `incorrect password (2 wrong in a row; after 5 each try
 * waits)`. Null for any other refusal.
 */
export function wrongPasswordText(err: unknown, failures: number): string | null {
  if (!(err instanceof WalletError) || err.type.code !== 'WALLET_INCORRECT_PASSWORD') return null
  if (failures < 2) return err.message
  const next =
    failures < FREE_PASSWORD_TRIES ? `after ${FREE_PASSWORD_TRIES} each try waits` : 'each try now waits'
  return `${err.message} (${failures} wrong in a row; ${next})`
}

/** The lockout as it reads at `now` (Unix ms): `Too many wrong passwords: try again in 27 s.`, null once over. */
export function lockoutText(retryAt: number, now: number): string | null {
  return now >= retryAt ? null : tooManyTriesMessage(retryAt - now)
}

/**
 * Follows a lockout to its end: `onText` gets its text at once and again on each whole second of the wait
 * left (27 s, 26 s, …), then null at `retryAt`, and no more. Returns a function that stops it.
 */
export function watchLockout(
  retryAt: number,
  onText: (text: string | null) => void,
  now: () => number = Date.now,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = (): void => {
    const at = now()
    const text = lockoutText(retryAt, at)
    onText(text)
    // The shown wait is rounded up: it changes when the time left crosses a whole second.
    if (text !== null) timer = setTimeout(tick, (retryAt - at) % 1000 || 1000)
  }
  tick()
  return () => clearTimeout(timer)
}

/**
 * A password form's view of the lockout: `stored` reads the wallet's (`Wallet.passwordRetryAt`) when the
 * form first renders, so a lockout begun before (another form, the page before a reload) counts down at
 * once; `refused(err)` takes a refusal (true when it was the lockout, which then counts down in `notice`);
 * `locked` while it runs, so the form's submit waits.
 */
export function usePasswordLockout(stored: () => number | null): {
  readonly notice: string | null
  readonly locked: boolean
  readonly refused: (err: unknown) => boolean
} {
  const [retryAt, setRetryAt] = useState<number | null>(stored)
  const [notice, setNotice] = useState<string | null>(() =>
    retryAt === null ? null : lockoutText(retryAt, Date.now()),
  )
  useEffect(() => {
    if (retryAt === null) return
    return watchLockout(retryAt, (text) => {
      setNotice(text)
      if (text === null) setRetryAt(null)
    })
  }, [retryAt])
  return {
    notice,
    locked: notice !== null,
    refused: (err) => {
      const at = lockoutUntil(err)
      if (at === null) return false
      setNotice(lockoutText(at, Date.now()))
      setRetryAt(at)
      return true
    },
  }
}
