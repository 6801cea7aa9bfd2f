import { describe, expect, test } from 'vitest'
import { NodeError } from '../../../src/node/rpc/errors'
import { StorageError, type StorageErrorType, toStorageError } from '../../../src/node/storage/errors'

describe('StorageError mapping', () => {
  test('a QuotaExceededError DOMException becomes STORAGE_QUOTA_EXCEEDED with the refused size', () => {
    const err = toStorageError(new DOMException('full', 'QuotaExceededError'), 4096)
    expect(err.type).toEqual({ code: 'STORAGE_QUOTA_EXCEEDED', needed: 4096 })
    expect(toStorageError(new DOMException('full', 'QuotaExceededError')).type).toEqual({
      code: 'STORAGE_QUOTA_EXCEEDED',
    })
  })

  test('other failures become STORAGE_ABORTED with their name and message; StorageErrors pass through', () => {
    expect(toStorageError(new DOMException('cannot clone', 'DataCloneError')).type).toEqual({
      code: 'STORAGE_ABORTED',
      reason: 'DataCloneError: cannot clone',
    })
    expect(toStorageError('odd').type).toEqual({ code: 'STORAGE_ABORTED', reason: 'odd' })
    const closed = new StorageError({ code: 'STORAGE_CLOSED' })
    expect(toStorageError(closed)).toBe(closed)
  })

  test('crosses the worker boundary with its code', () => {
    const err = new StorageError({ code: 'STORAGE_QUOTA_EXCEEDED', needed: 10 })
    expect(err).toBeInstanceOf(NodeError)
    const back = NodeError.fromObject(structuredClone(err.toObject()))
    expect(back.name).toBe('StorageError')
    expect(back.type).toEqual({ code: 'STORAGE_QUOTA_EXCEEDED', needed: 10 })
  })

  test("a storage failure reads in words, never its code and fields: the node's failed screen shows a start's as it is", () => {
    const types: StorageErrorType[] = [
      { code: 'STORAGE_QUOTA_EXCEEDED' },
      { code: 'STORAGE_QUOTA_EXCEEDED', needed: 4096 },
      {
        code: 'STORAGE_WRONG_CHAIN',
        expectedChainId: 1337,
        foundChainId: 1,
        expectedGenesis: '0xaa',
        foundGenesis: '0xbb',
      },
      { code: 'STORAGE_CLOSED' },
      { code: 'STORAGE_ABORTED', reason: 'DataCloneError: cannot clone' },
      { code: 'STORAGE_CORRUPT', reason: 'malformed chain record' },
      { code: 'STORAGE_UNAVAILABLE', reason: 'IndexedDB is not available' },
      { code: 'STORAGE_IN_USE', profileId: 'p1', waitedMs: 10_000 },
    ]
    for (const type of types) {
      const err = new StorageError(type)
      expect(err.message, type.code).not.toMatch(/[A-Z]{2,}_[A-Z_]+|\(\w+=/)
      expect(err.type).toBe(type)
    }
    expect(
      new StorageError({ code: 'STORAGE_UNAVAILABLE', reason: 'IndexedDB is not available' }).message,
    ).toBe('the database cannot be opened: IndexedDB is not available')
  })
})
