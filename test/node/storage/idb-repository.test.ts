import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { type Hex, keccak256, stringToHex } from 'viem'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { memoryLocks } from '../../../src/node/profile/locks'
import { StorageError } from '../../../src/node/storage/errors'
import {
  databaseName,
  openIdbRepository,
  openProfileRepository,
  SCHEMA_VERSION,
} from '../../../src/node/storage/idb-repository'
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

  test('a state node record of another shape is corrupt, whichever read finds it', async () => {
    const repo = await openIdbRepository({ profileId: 'specific-bad-nodes', chain: CHAIN })
    const db = await openDB(databaseName('specific-bad-nodes', CHAIN))
    const bytes = (b: number) => new Uint8Array(32).fill(b)
    // A hash that is not bytes, and an encoding that is not bytes.
    const records: [Hex, unknown][] = [
      [toHex(bytes(0xa1)), { hash: toHex(bytes(0xa1)), encoded: bytes(1) }],
      [toHex(bytes(0xa2)), { hash: bytes(0xa2), encoded: toHex(bytes(2)) }],
    ]
    for (const [key, record] of records) {
      await db.put('stateNodes', record, key)
      expect(await codeOf(repo.getStateNode(key))).toBe('STORAGE_CORRUPT')
      expect(await codeOf(repo.getStateNodes([key]))).toBe('STORAGE_CORRUPT')
      expect(await codeOf(repo.loadStateNodes(() => {}))).toBe('STORAGE_CORRUPT')
      await db.delete('stateNodes', key)
    }
    db.close()
    repo.close()
  })

  test('a repository closed while it loads the state tree reports STORAGE_CLOSED, not a corrupt database', async () => {
    const repo = await openIdbRepository({ profileId: 'specific-close-load', chain: CHAIN })
    const stateNodes = [1, 2, 3].map((b) => ({ hash: new Uint8Array(32).fill(b), encoded: Uint8Array.of(b) }))
    await repo.commitBlock({ stateNodes })
    expect(await codeOf(repo.loadStateNodes(() => repo.close(), 1))).toBe('STORAGE_CLOSED')
  })

  test('a write asks for the durability it is given, the default otherwise', async () => {
    const repo = await openIdbRepository({ profileId: 'specific-durability', chain: CHAIN })
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction')
    await repo.putMeta('a', 1, { durability: 'strict' })
    await repo.putMeta('b', 2)
    expect(transaction.mock.calls.map((call) => call[2])).toEqual([
      { durability: 'strict' },
      { durability: 'default' },
    ])
    transaction.mockRestore()
    repo.close()
  })
})

/** Every store's keys and values of database `name`, read over a connection of its own. */
async function dump(name: string): Promise<Record<string, [IDBValidKey[], unknown[]]>> {
  const db = await openDB(name)
  const out: Record<string, [IDBValidKey[], unknown[]]> = {}
  for (const store of db.objectStoreNames) out[store] = [await db.getAllKeys(store), await db.getAll(store)]
  db.close()
  return out
}

describe("only the holder of a profile's writer lock writes to its database", () => {
  test('a second node of the same profile gets STORAGE_IN_USE and writes nothing; it opens once the first closes', async () => {
    const locks = memoryLocks()
    const name = databaseName('writer-a', CHAIN)
    const first = await openProfileRepository({ profileId: 'writer-a', chain: CHAIN, locks, waitMs: 0 })
    await first.commitBlock({ head: { hash: keccak256(stringToHex('b1')), number: 1n, totalDifficulty: 2n } })
    await first.putMeta('who', 'first')
    const before = await dump(name)
    const writes: string[] = []
    const beforeWrite = (store: string): void => {
      writes.push(store)
    }
    const second = openProfileRepository({
      profileId: 'writer-a',
      chain: CHAIN,
      locks,
      waitMs: 20,
      beforeWrite,
    })
    await expect(second).rejects.toMatchObject({
      name: 'StorageError',
      type: { code: 'STORAGE_IN_USE', profileId: 'writer-a', waitedMs: 20 },
    })
    await expect(second).rejects.toThrow("another tab's node still has this profile's data open")
    expect(writes).toEqual([])
    expect(await dump(name)).toEqual(before)
    // Another profile's node is not held up.
    const other = await openProfileRepository({ profileId: 'writer-b', chain: CHAIN, locks, waitMs: 0 })
    other.close()
    // A reload: the new node waits while the old one still runs, and opens (and writes) once it has closed.
    const next = openProfileRepository({ profileId: 'writer-a', chain: CHAIN, locks, waitMs: 5_000 })
    await new Promise((r) => setTimeout(r, 10))
    expect(await first.getMeta('who')).toBe('first')
    first.close()
    const repo = await next
    await repo.putMeta('who', 'next')
    expect(await repo.getMeta('who')).toBe('next')
    expect(
      await codeOf(openProfileRepository({ profileId: 'writer-a', chain: CHAIN, locks, waitMs: 0 })),
    ).toBe('STORAGE_IN_USE')
    repo.close()
  })

  test('a node whose open fails lets the lock go: the next node of the profile opens', async () => {
    const locks = memoryLocks()
    const wrong: ChainIdentity = {
      chainId: CHAIN.chainId,
      genesisHash: keccak256(stringToHex('writer genesis')),
    }
    // The database of `wrong`'s name records CHAIN: opening it for `wrong` fails its chain check.
    const raw = await openIdbRepository({ profileId: 'writer-c', chain: CHAIN })
    raw.close()
    const db = await openDB(databaseName('writer-c', CHAIN))
    const chainRecord: unknown = await db.get('meta', 'chain')
    db.close()
    const copy = await openIdbRepository({ profileId: 'writer-c', chain: wrong })
    await copy.putMeta('chain', chainRecord)
    copy.close()
    expect(
      await codeOf(openProfileRepository({ profileId: 'writer-c', chain: wrong, locks, waitMs: 0 })),
    ).toBe('STORAGE_WRONG_CHAIN')
    const repo = await openProfileRepository({ profileId: 'writer-c', chain: CHAIN, locks, waitMs: 0 })
    expect(
      await codeOf(openProfileRepository({ profileId: 'writer-c', chain: CHAIN, locks, waitMs: 0 })),
    ).toBe('STORAGE_IN_USE')
    repo.close()
  })

  test('a node whose database is refused before its chain is checked (newer schema) lets the lock go', async () => {
    const locks = memoryLocks()
    const newer = await openDB(databaseName('writer-d', CHAIN), SCHEMA_VERSION + 1)
    newer.close()
    for (let i = 0; i < 2; i++) {
      expect(
        await codeOf(openProfileRepository({ profileId: 'writer-d', chain: CHAIN, locks, waitMs: 0 })),
      ).toBe('STORAGE_CORRUPT')
    }
  })
})
