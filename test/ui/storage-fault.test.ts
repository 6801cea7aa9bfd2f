import { describe, expect, test } from 'vitest'
import { storageFaultNotice } from '../../src/ui/storage-fault'

describe('what the storage banner says', () => {
  test('a full quota: the device is full, free up space', () => {
    const n = storageFaultNotice('STORAGE_QUOTA_EXCEEDED')
    expect(n.headline).toBe('This device’s storage for the app is full: new blocks are no longer saved.')
    expect(n.advice).toContain('Free up space')
    expect(n.advice).toContain('The chain saved so far is intact')
  })

  test('a closed database: what closes one, and no word of space or of data surely intact', () => {
    const n = storageFaultNotice('STORAGE_CLOSED')
    expect(n.headline).toBe('The browser closed this tab’s database: new blocks are no longer saved.')
    expect(n.advice).not.toContain('space')
    expect(n.advice).not.toContain('intact')
    expect(n.advice).toContain('newer version of the app')
    expect(n.advice).toContain('reload')
  })

  test('any other failure: saving stopped, reload to try again, and no word of space', () => {
    for (const code of ['STORAGE_ABORTED', 'STORAGE_CORRUPT', 'STORAGE_UNAVAILABLE', 'SOMETHING_NEW']) {
      const n = storageFaultNotice(code)
      expect(n.headline).toBe('Saving the chain on this device stopped.')
      expect(n.advice).not.toContain('space')
      expect(n.advice).toMatch(/reload/i)
    }
  })
})
