import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { keccak256, stringToHex } from 'viem'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { encodeHeader } from '../../../src/node/chain/header'
import { checkpointWeight, type HeaderCheckpoint } from '../../../src/node/light/header-chain'
import {
  memorySharedHeaders,
  openSharedHeaders,
  SHARED_HEADERS_DB,
  type SharedHeaders,
} from '../../../src/node/storage/shared-headers'
import type { ChainIdentity } from '../../../src/node/storage/types'
import { chainCheckpoint } from '../../../src/node/worker/header-share'
import { tokenChain } from '../light/fixtures'

let short: HeaderCheckpoint
let long: HeaderCheckpoint

beforeAll(async () => {
  short = chainCheckpoint((await tokenChain(4)).chain, 128) as HeaderCheckpoint
  long = chainCheckpoint((await tokenChain(9)).chain, 128) as HeaderCheckpoint
})

let chains = 0
/** A chain identity no other test used: each test starts with nothing kept. */
function freshChain(): ChainIdentity {
  chains++
  return { chainId: 31_337 + chains, genesisHash: keccak256(stringToHex(`genesis-${chains}`)) }
}

/** The same rules for the IndexedDB store and its in-memory twin; `damage` writes a row as-is. */
function suite(
  name: string,
  make: () => Promise<{ store: SharedHeaders; damage: (row: unknown) => Promise<void> }>,
) {
  describe(`shared headers: ${name}`, () => {
    test('keeps a checkpoint and gives it back as it was', async () => {
      const { store } = await make()
      expect(await store.get()).toBeUndefined()
      expect(await store.offer({ checkpoint: short })).toBe(true)
      expect(await store.get()).toEqual({ checkpoint: short })
    })

    test('keeps the database that holds the state under the headers, when the offer names it', async () => {
      const { store } = await make()
      await store.offer({ checkpoint: short, stateFrom: 'tabchain-node-a' })
      expect(await store.get()).toEqual({ checkpoint: short, stateFrom: 'tabchain-node-a' })
      await store.offer({ checkpoint: long })
      expect(await store.get()).toEqual({ checkpoint: long })
    })

    test('a heavier checkpoint replaces the kept one; a lighter or equal one changes nothing', async () => {
      const { store } = await make()
      expect(checkpointWeight(long)).toBeGreaterThan(checkpointWeight(short))
      await store.offer({ checkpoint: short })
      expect(await store.offer({ checkpoint: long })).toBe(true)
      expect(await store.offer({ checkpoint: short })).toBe(false)
      expect(await store.offer({ checkpoint: long })).toBe(false)
      expect(await store.get()).toEqual({ checkpoint: long })
    })

    test('a damaged row is read as nothing and the next offer replaces it', async () => {
      const { store, damage } = await make()
      const good = long.headers.map(encodeHeader)
      const truncated = [...good.slice(0, 2), (good[2] as Uint8Array).subarray(0, 40), ...good.slice(3)]
      for (const row of [
        'garbage',
        null,
        { totalDifficulty: 5n, headers: [] },
        { totalDifficulty: '5', headers: good },
        { totalDifficulty: 5n, headers: [...good, 'not bytes'] },
        { totalDifficulty: 5n, headers: [...good, null] },
        { totalDifficulty: 5n, headers: truncated },
        { totalDifficulty: 5n, headers: good, stateFrom: 7 },
      ]) {
        await damage(row)
        expect(await store.get()).toBeUndefined()
      }
      expect(await store.offer({ checkpoint: short })).toBe(true)
      expect(await store.get()).toEqual({ checkpoint: short })
    })
  })
}

suite('IndexedDB (fake-indexeddb)', async () => {
  const chain = freshChain()
  const store = await openSharedHeaders(chain)
  return {
    store,
    damage: async (row) => {
      const db = await openDB(SHARED_HEADERS_DB)
      await db.put('checkpoints', row, `${chain.chainId}-${chain.genesisHash.toLowerCase()}`)
      db.close()
    },
  }
})

suite('in memory', async () => {
  const store = memorySharedHeaders()
  return { store, damage: async (row) => void store.rows.set('chain', row) }
})

describe('shared headers in IndexedDB', () => {
  test('each chain (chain id and genesis) has its own', async () => {
    const a = await openSharedHeaders(freshChain())
    const b = await openSharedHeaders(freshChain())
    await a.offer({ checkpoint: long })
    expect(await b.get()).toBeUndefined()
    expect(await b.offer({ checkpoint: short })).toBe(true)
    expect(await a.get()).toEqual({ checkpoint: long })
    expect(await b.get()).toEqual({ checkpoint: short })
  })

  test('a second connection (another tab) reads what the first kept', async () => {
    const chain = freshChain()
    await (await openSharedHeaders(chain)).offer({ checkpoint: long })
    expect(await (await openSharedHeaders(chain)).get()).toEqual({ checkpoint: long })
  })

  test('two tabs offering at once: the heavier is kept, whichever commits last', async () => {
    for (const order of [
      [short, long],
      [long, short],
    ] as const) {
      const chain = freshChain()
      const [a, b] = [await openSharedHeaders(chain), await openSharedHeaders(chain)]
      await Promise.all([a.offer({ checkpoint: order[0] }), b.offer({ checkpoint: order[1] })])
      expect(await a.get()).toEqual({ checkpoint: long })
    }
  })

  test('a closed store reads as nothing and refuses offers with a StorageError', async () => {
    const store = await openSharedHeaders(freshChain())
    store.close()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await store.get()).toBeUndefined()
    expect(warn).toHaveBeenCalledOnce()
    warn.mockRestore()
    await expect(store.offer({ checkpoint: short })).rejects.toMatchObject({ name: 'StorageError' })
  })
})
