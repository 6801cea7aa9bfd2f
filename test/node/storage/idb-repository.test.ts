import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { keccak256, stringToHex } from 'viem'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { StorageError } from '../../../src/node/storage/errors'
import { databaseName, openIdbRepository, SCHEMA_VERSION } from '../../../src/node/storage/idb-repository'
import type { ChainIdentity } from '../../../src/node/storage/types'
import { runStorageCompliance } from './compliance'

let profiles = 0

runStorageCompliance('IndexedDB (fake-indexeddb)', () => {
  profiles++
  const profileId = `compliance-${profiles}`
  return { open: (options) => openIdbRepository({ profileId, ...options }) }
})

const CHAIN: ChainIdentity = { chainId: 31337, genesisHash: keccak256(stringToHex('genesis')) }

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof StorageError ? e.type.code : `not a StorageError: ${String(e)}`),
  )
}

describe('IndexedDB repository specifics', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  test('each profile has its own database, named after the profile, recording its schema version', async () => {
    const a = await openIdbRepository({ profileId: 'specific-a', chain: CHAIN })
    const b = await openIdbRepository({ profileId: 'specific-b', chain: CHAIN })
    await a.putMeta('who', 'a')
    expect(await b.getMeta('who')).toBeUndefined()
    expect(await a.getMeta('schema')).toBe(SCHEMA_VERSION)
    a.close()
    b.close()
    const raw = await openDB(databaseName('specific-a', CHAIN))
    expect(raw.version).toBe(SCHEMA_VERSION)
    expect([...raw.objectStoreNames].sort()).toEqual(
      [
        'bodies',
        'canonical',
        'headers',
        'logs',
        'meta',
        'receipts',
        'stateNodes',
        'swapEvents',
        'txIndex',
      ].sort(),
    )
    raw.close()
  })

  test('each chain a profile runs gets its own database; one whose recorded chain differs is refused', async () => {
    const other: ChainIdentity = { chainId: 31338, genesisHash: keccak256(stringToHex('other genesis')) }
    const a = await openIdbRepository({ profileId: 'specific-chains', chain: CHAIN })
    await a.putMeta('who', 'first chain')
    a.close()
    const b = await openIdbRepository({ profileId: 'specific-chains', chain: other })
    expect(await b.getMeta('who')).toBeUndefined()
    b.close()
    expect(databaseName('specific-chains', other)).not.toBe(databaseName('specific-chains', CHAIN))
    const again = await openIdbRepository({ profileId: 'specific-chains', chain: CHAIN })
    expect(await again.getMeta('who')).toBe('first chain')
    again.close()

    const raw = await openDB(databaseName('specific-chains', other))
    await raw.put('meta', { chainId: CHAIN.chainId, genesisHash: CHAIN.genesisHash }, 'chain')
    raw.close()
    expect(await codeOf(openIdbRepository({ profileId: 'specific-chains', chain: other }))).toBe(
      'STORAGE_WRONG_CHAIN',
    )
  })

  test('a database written by a newer schema is refused, not misread', async () => {
    const newer = await openDB(databaseName('specific-newer', CHAIN), SCHEMA_VERSION + 1)
    newer.close()
    expect(await codeOf(openIdbRepository({ profileId: 'specific-newer', chain: CHAIN }))).toBe(
      'STORAGE_CORRUPT',
    )
  })

  test('a version-1 database without its stores (not written by this app) is refused as corrupt, nothing thrown elsewhere', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => void uncaught.push(err)
    process.on('uncaughtException', onUncaught)
    try {
      const foreign = await openDB(databaseName('specific-foreign', CHAIN), 1)
      foreign.close()
      expect(await codeOf(openIdbRepository({ profileId: 'specific-foreign', chain: CHAIN }))).toBe(
        'STORAGE_CORRUPT',
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(uncaught).toEqual([])
      // Refused whole: the database is left as it was, at version 1.
      const after = await openDB(databaseName('specific-foreign', CHAIN))
      expect([after.version, [...after.objectStoreNames]]).toEqual([1, []])
      after.close()
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })

  test('a version-1 database upgrades to version 2 in place: its records stay, the swap log store appears', async () => {
    const name = databaseName('specific-v1', CHAIN)
    const v1 = await openDB(name, 1, {
      upgrade: (db) => {
        for (const store of ['headers', 'bodies', 'receipts', 'canonical', 'txIndex', 'stateNodes', 'meta']) {
          db.createObjectStore(store)
        }
        const logs = db.createObjectStore('logs')
        logs.createIndex('byAddress', ['a', 'n'])
        logs.createIndex('byTopic0', ['t0', 'n'])
        logs.createIndex('byNumber', 'n')
      },
    })
    await v1.put('meta', { chainId: CHAIN.chainId, genesisHash: CHAIN.genesisHash }, 'chain')
    await v1.put('meta', 1, 'schema')
    await v1.put('meta', 'kept', 'setting')
    v1.close()

    const repo = await openIdbRepository({ profileId: 'specific-v1', chain: CHAIN })
    expect(await repo.getMeta('setting')).toBe('kept')
    expect(await repo.getMeta('schema')).toBe(2)
    const id = keccak256(stringToHex('swap'))
    await repo.appendSwapEvent({ swapId: id, seq: 0, event: { kind: 'accepted' } }, { durability: 'strict' })
    expect(await repo.swapIds()).toEqual([id])
    repo.close()
  })

  test('without IndexedDB, opening fails with a typed error', async () => {
    vi.stubGlobal('indexedDB', undefined)
    expect(await codeOf(openIdbRepository({ profileId: 'specific-none', chain: CHAIN }))).toBe(
      'STORAGE_UNAVAILABLE',
    )
  })

  test('another tab upgrading the schema closes this connection instead of waiting on it', async () => {
    const repo = await openIdbRepository({ profileId: 'specific-upgrade', chain: CHAIN })
    const upgraded = await openDB(databaseName('specific-upgrade', CHAIN), SCHEMA_VERSION + 1)
    expect(await codeOf(repo.getHead())).toBe('STORAGE_CLOSED')
    upgraded.close()
  })

  test('the state tree loads in batches, every node once', async () => {
    const repo = await openIdbRepository({ profileId: 'specific-nodes', chain: CHAIN })
    const count = 12_000
    const nodes = Array.from({ length: count }, (_, i) => {
      const hash = new Uint8Array(32)
      new DataView(hash.buffer).setUint32(0, i * 2654435761)
      new DataView(hash.buffer).setUint32(28, i)
      return { hash, encoded: new Uint8Array(40).fill(i & 0xff) }
    })
    await repo.commitBlock({ stateNodes: nodes })
    const seen = new Set<string>()
    const sizes: number[] = []
    const loaded = await repo.loadStateNodes((batch) => {
      sizes.push(batch.length)
      for (const n of batch) seen.add(toHex(n.hash))
    }, 5_000)
    expect(loaded).toBe(count)
    expect(seen.size).toBe(count)
    expect(sizes).toEqual([5_000, 5_000, 2_000])
    repo.close()
  })
})
