import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { keccak256, stringToHex } from 'viem'
import { describe, expect, test } from 'vitest'
import { keccak, toHex } from '../../../src/node/codec/bytes'
import { databaseName, openIdbRepository } from '../../../src/node/storage/idb-repository'
import { openStateNodeReader } from '../../../src/node/storage/state-reader'
import type { ChainIdentity } from '../../../src/node/storage/types'

const CHAIN: ChainIdentity = { chainId: 31337, genesisHash: keccak256(stringToHex('reader-genesis')) }

const names = async () => (await indexedDB.databases()).map((d) => d.name)

describe("reading another profile's state nodes", () => {
  test('reads the nodes a profile stored; an unknown hash is undefined', async () => {
    const repo = await openIdbRepository({ profileId: 'writer', chain: CHAIN })
    const encoded = Uint8Array.from([0, ...new Uint8Array(32).fill(7), 1, 2, 3])
    const hash = keccak(encoded)
    await repo.commitBlock({ stateNodes: [{ hash, encoded }] })
    const reader = await openStateNodeReader(databaseName('writer', CHAIN))
    if (reader === undefined) throw new Error('no reader')
    expect(await reader.get(toHex(hash))).toEqual(encoded)
    expect(await reader.get(toHex(keccak(Uint8Array.of(1))))).toBeUndefined()
    // The owner keeps writing while another tab reads.
    const later = Uint8Array.from([0, ...new Uint8Array(32).fill(8), 4])
    await repo.commitBlock({ stateNodes: [{ hash: keccak(later), encoded: later }] })
    expect(await reader.get(toHex(keccak(later)))).toEqual(later)
    reader.close()
    // Closed: nothing more from it, and no throw.
    expect(await reader.get(toHex(hash))).toBeUndefined()
    repo.close()
  })

  test('a database that does not exist is not created', async () => {
    expect(await openStateNodeReader('tabchain-node-nobody')).toBeUndefined()
    expect(await names()).not.toContain('tabchain-node-nobody')
  })

  test('a database without state nodes, or a malformed row, gives nothing', async () => {
    const other = await openDB('not-a-profile', 1, { upgrade: (db) => void db.createObjectStore('things') })
    other.close()
    expect(await openStateNodeReader('not-a-profile')).toBeUndefined()
    const damaged = await openDB('damaged-profile', 1, {
      upgrade: (db) => void db.createObjectStore('stateNodes'),
    })
    const hash = toHex(keccak(Uint8Array.of(9)))
    await damaged.put('stateNodes', { hash: 'not bytes', encoded: 5 }, hash)
    damaged.close()
    const reader = await openStateNodeReader('damaged-profile')
    expect(await reader?.get(hash)).toBeUndefined()
  })
})
