import { describe, expect, test } from 'vitest'
import { lockedReason } from '../../src/ui/wallet-locked'

describe('why the wallet is locked', () => {
  test('the Unlock form names the reason the wallet knows, and what else locks it', () => {
    const idle = 15 * 60_000
    expect(lockedReason('load', idle)).toBe(
      'Your wallet locks each time this page loads or reloads, and after 15 minutes without use: enter your password to unlock it.',
    )
    expect(lockedReason('idle', idle)).toBe(
      'Your wallet locked after 15 minutes without use: enter your password to unlock it.',
    )
    expect(lockedReason('user', idle)).toBe('You locked your wallet: enter your password to unlock it.')
  })

  test('an idle time that is not whole minutes reads in seconds, one of either in the singular', () => {
    expect(lockedReason('idle', 60_000)).toBe(
      'Your wallet locked after 1 minute without use: enter your password to unlock it.',
    )
    expect(lockedReason('idle', 1_000)).toBe(
      'Your wallet locked after 1 second without use: enter your password to unlock it.',
    )
    expect(lockedReason('idle', 90_000)).toBe(
      'Your wallet locked after 90 seconds without use: enter your password to unlock it.',
    )
  })
})
