import { describe, expect, test } from 'vitest'
import { requestPersistence, storageStatus } from '../../../src/node/storage/storage-quota'
import { slowBrowser } from './slow-browser'

describe('storage status and persistence', () => {
  test('reports usage, quota and persistence where the browser tells them', async () => {
    const manager = {
      estimate: async () => ({ usage: 1234, quota: 1_000_000 }),
      persisted: async () => true,
    }
    expect(await storageStatus(manager)).toEqual({ usage: 1234, quota: 1_000_000, persisted: true })
  })

  test('leaves out what is missing or fails, and never throws', async () => {
    expect(await storageStatus(undefined)).toEqual({})
    expect(await storageStatus({ estimate: async () => ({ usage: 5 }) })).toEqual({ usage: 5 })
    expect(
      await storageStatus({
        estimate: () => Promise.reject(new Error('denied')),
        persisted: () => Promise.reject(new Error('denied')),
      }),
    ).toEqual({})
  })

  test('asks for persistence where persist() exists (a page), false elsewhere (a worker)', async () => {
    expect(await requestPersistence({ persist: async () => true })).toBe(true)
    expect(await requestPersistence({ persist: async () => false })).toBe(false)
    expect(await requestPersistence({ persist: () => Promise.reject(new Error('denied')) })).toBe(false)
    expect(await requestPersistence({ estimate: async () => ({}) })).toBe(false)
    expect(await requestPersistence(undefined)).toBe(false)
  })

  test('a status read before the browser answers persist() says not kept; one read after its yes says kept', async () => {
    const browser = slowBrowser()
    const asked = requestPersistence(browser.manager)
    expect(await storageStatus(browser.manager)).toEqual({ usage: 4096, quota: 1_000_000, persisted: false })
    browser.answer(true)
    expect(await asked).toBe(true)
    expect(await storageStatus(browser.manager)).toEqual({ usage: 4096, quota: 1_000_000, persisted: true })
  })
})
