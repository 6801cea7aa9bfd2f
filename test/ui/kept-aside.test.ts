import { afterEach, describe, expect, test, vi } from 'vitest'
import { keepAside, keptAsideKey } from '../../src/node/profile/local-record'
import { isProfileKey } from '../../src/node/profile/remove'
import {
  dismissKeptAside,
  keptAsideText,
  startKeptAsideNotice,
  unseenKeptAside,
} from '../../src/ui/kept-aside'
import { useNotices } from '../../src/ui/notices'
import { memoryStorage } from './memory-storage'

describe('records kept aside are said once, until dismissed', () => {
  test('a record that kept damaged entries aside is listed until dismissed, again when more are kept; the kept text stays', () => {
    const storage = memoryStorage()
    expect(unseenKeptAside(storage, 'p')).toEqual([])
    keepAside(storage, 'tabchain.swapApprovals.p', ['{"0x'])
    expect(unseenKeptAside(storage, 'p')).toEqual(['tabchain.swapApprovals.p'])
    // Another profile's are not this one's.
    expect(unseenKeptAside(storage, 'q')).toEqual([])
    dismissKeptAside(storage, 'p', ['tabchain.swapApprovals.p'])
    expect(unseenKeptAside(storage, 'p')).toEqual([])
    expect(storage.getItem(keptAsideKey('tabchain.swapApprovals.p'))).toBe(JSON.stringify(['{"0x']))
    keepAside(storage, 'tabchain.activity.p', ['[1'])
    keepAside(storage, 'tabchain.swapApprovals.p', ['{"1'])
    expect(unseenKeptAside(storage, 'p')).toEqual(['tabchain.swapApprovals.p', 'tabchain.activity.p'])
    // What the dismissal keeps goes with the profile.
    expect(isProfileKey('tabchain.keptAsideSeen.p', 'p')).toBe(true)
  })

  test('the notice names the records in words and where their text is kept; approvals point to My trades', () => {
    expect(keptAsideText(['tabchain.activity.p'])).toBe(
      "Part of what this browser saved could not be read (your wallet activity): it was kept aside, unchanged, in this site's storage under tabchain.activity.p.damaged, and the rest goes on as before.",
    )
    expect(keptAsideText(['tabchain.swapApprovals.p', 'tabchain.activity.p', 'tabchain.faucet.p'])).toBe(
      "Part of what this browser saved could not be read (your approvals of trades, your wallet activity and your faucet payments): it was kept aside, unchanged, in this site's storage under tabchain.swapApprovals.p.damaged, tabchain.activity.p.damaged, tabchain.faucet.p.damaged, and the rest goes on as before. A running trade it covered asks to be approved again in My trades.",
    )
  })

  test('the page says it as it opens and as soon as more is kept aside; Dismiss remembers it', () => {
    const storage = memoryStorage()
    keepAside(storage, 'tabchain.faucet.p', ['x'])
    startKeptAsideNotice(storage, 'p')
    expect(useNotices.getState().keptAside).toEqual(['tabchain.faucet.p'])
    useNotices.getState().dismissKeptAside()
    expect(useNotices.getState().keptAside).toEqual([])
    expect(unseenKeptAside(storage, 'p')).toEqual([])
    keepAside(storage, 'tabchain.swapApprovals.p', ['y'])
    expect(useNotices.getState().keptAside).toEqual(['tabchain.swapApprovals.p'])
  })
})

describe('a browser that denies the site localStorage', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  test('every caller gets one in-memory storage for the page load, and why it was denied', async () => {
    vi.resetModules()
    const denial = new DOMException('Access is denied for this document.', 'SecurityError')
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get: () => {
        throw denial
      },
    })
    try {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const { pageStorage, storageDenied } = await import('../../src/node/profile/local-record')
      const { saveModePin, storedModePin } = await import('../../src/ui/mode-setting')
      const { localProfileStore } = await import('../../src/node/profile/store')
      expect(storageDenied()).toBe('SecurityError: Access is denied for this document.')
      // The defaults that read localStorage do not throw: the value holds for the page load.
      expect(saveModePin('p', 'light')).toBe(true)
      expect(storedModePin('p')).toBe('light')
      expect(pageStorage().getItem('tabchain.mode.p')).toBe('light')
      expect(await localProfileStore().list()).toEqual([])
      expect(warn).toHaveBeenCalledTimes(1)
      warn.mockRestore()
    } finally {
      Reflect.deleteProperty(globalThis, 'localStorage')
    }
  })
})
