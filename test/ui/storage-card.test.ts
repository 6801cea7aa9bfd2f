import { beforeEach, describe, expect, test } from 'vitest'
import { type StorageStatus, storageStatus } from '../../src/node/storage/storage-quota'
import { askPersistence, storageReadKey } from '../../src/ui/storage-card'
import { useApp } from '../../src/ui/store'
import { slowBrowser } from '../node/storage/slow-browser'

/**
 * The Home screen's storage card, rendered at a head as its effect runs: it reads the status (the worker's
 * `storageStatus`, here on the same fake browser) whenever its read key changed since the last render.
 */
function homeCard(read: () => Promise<StorageStatus>) {
  const shown: StorageStatus[] = []
  let key: string | null = null
  return {
    shown,
    async render(head: bigint): Promise<void> {
      const next = storageReadKey(head, useApp.getState().persistence)
      if (next === key) return
      key = next
      shown.push(await read())
    },
  }
}

describe("the Home storage card's reads", () => {
  beforeEach(() => useApp.setState({ persistence: null }))

  test('the browser grants persistence after the card first read the status: the card reads it again at once, kept', async () => {
    const browser = slowBrowser()
    const asked = askPersistence(browser.manager)
    const card = homeCard(() => storageStatus(browser.manager))
    await card.render(17n)
    await card.render(18n)
    expect(card.shown).toEqual([{ usage: 4096, quota: 1_000_000, persisted: false }])
    browser.answer(true)
    await asked
    expect(useApp.getState().persistence).toBe(true)
    // Still block #18: not ten blocks later.
    await card.render(18n)
    expect(card.shown).toEqual([
      { usage: 4096, quota: 1_000_000, persisted: false },
      { usage: 4096, quota: 1_000_000, persisted: true },
    ])
  })

  test('a refusal is an answer too: the card reads once more, and says nothing is kept', async () => {
    const browser = slowBrowser()
    const asked = askPersistence(browser.manager)
    const card = homeCard(() => storageStatus(browser.manager))
    await card.render(3n)
    browser.answer(false)
    await asked
    expect(useApp.getState().persistence).toBe(false)
    await card.render(3n)
    await card.render(4n)
    expect(card.shown).toEqual([
      { usage: 4096, quota: 1_000_000, persisted: false },
      { usage: 4096, quota: 1_000_000, persisted: false },
    ])
  })

  test('a browser without persist() (or a failing one) answers no at once', async () => {
    await askPersistence({ estimate: async () => ({}) })
    expect(useApp.getState().persistence).toBe(false)
    useApp.setState({ persistence: null })
    await askPersistence({ persist: () => Promise.reject(new Error('denied')) })
    expect(useApp.getState().persistence).toBe(false)
  })

  test('the key moves every tenth block, and when the answer comes', () => {
    expect(storageReadKey(null, null)).not.toBe(storageReadKey(0n, null))
    expect(storageReadKey(10n, null)).toBe(storageReadKey(19n, null))
    expect(storageReadKey(19n, null)).not.toBe(storageReadKey(20n, null))
    expect(storageReadKey(12n, null)).not.toBe(storageReadKey(12n, true))
    expect(storageReadKey(12n, null)).not.toBe(storageReadKey(12n, false))
    expect(storageReadKey(12n, true)).not.toBe(storageReadKey(12n, false))
  })
})
