import { describe, expect, test } from 'vitest'
import { claimProfile, listProfiles, lockName } from '../../../src/node/profile/claim'
import { memoryLocks, type ProfileLocks } from '../../../src/node/profile/locks'
import {
  finishRemovals,
  isProfileDatabase,
  isProfileKey,
  type ProfileData,
  ProfileError,
  type RemoveInit,
  removeProfile,
} from '../../../src/node/profile/remove'
import { localProfileStore, memoryProfileStore, type ProfileStore } from '../../../src/node/profile/store'
import { memoryStorage } from './memory-storage'

const A = '0aaaaaaa-0000-4000-8000-000000000001'
const B = '0bbbbbbb-0000-4000-8000-000000000002'

/** IndexedDB and localStorage twins; `failDelete` makes deleting a database fail (its tab closed, say). */
function memoryData(storage: Storage, names: string[]) {
  const dbs = new Set(names)
  const wallets = new Set<string>()
  const data = {
    dbs,
    wallets,
    failDelete: undefined as string | undefined,
    /** Set to hold the next deletion until the test lets it go. */
    gate: undefined as Promise<void> | undefined,
    listable: true,
    storage,
    async databases() {
      if (!data.listable) throw new Error('this browser cannot list its databases')
      return [...dbs]
    },
    async deleteDatabase(name: string) {
      await data.gate
      if (name === data.failDelete) throw new Error(`${name} is still open in another tab`)
      dbs.delete(name)
      if (name.startsWith('tabchain-wallet-')) wallets.delete(name.slice('tabchain-wallet-'.length))
    },
    async hasWallet(id: string) {
      return wallets.has(id)
    },
  } satisfies ProfileData & Record<string, unknown>
  return data
}

/** Two profiles A and B, each with chain databases, a wallet and settings, beside the browser's shared data. */
async function browser(makeStore: (storage: Storage) => ProfileStore) {
  const storage = memoryStorage()
  const store = makeStore(storage)
  const locks = memoryLocks()
  for (const [id, n] of [
    [A, 1],
    [B, 2],
  ] as const)
    await store.put({ id, name: `Profile ${n}`, createdAt: n, peerId: `peer-${n}`, key: new Uint8Array([n]) })
  for (const id of [A, B]) {
    storage.setItem(`tabchain.mode.${id}`, 'light')
    storage.setItem(`tabchain.rewards.${id}`, '0x01')
    storage.setItem(`tabchain.swapApprovals.${id}`, '{}')
  }
  storage.setItem('tabchain.genesis', '{}')
  const data = memoryData(storage, [
    `tabchain-node-${A}-31415-0123456789abcdef`,
    `tabchain-node-${A}-31416-fedcba9876543210`,
    `tabchain-wallet-${A}`,
    `tabchain-node-${B}-31415-0123456789abcdef`,
    `tabchain-wallet-${B}`,
    'tabchain-shared-headers',
  ])
  data.wallets.add(A).add(B)
  const init: RemoveInit = { store, locks, data }
  return { storage, store, locks, data, init }
}

const keysOf = (storage: Storage): string[] =>
  Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? '').sort()

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (err) {
    if (err instanceof ProfileError) return err.type.code
    throw err
  }
  return 'resolved'
}

function claim(
  store: ProfileStore,
  locks: ProfileLocks,
  requested: string | null,
  remembered: string | null,
) {
  let n = 100
  return claimProfile({
    store,
    locks,
    requested,
    remembered,
    reloadWaitMs: 50,
    create: async () => {
      n++
      return { id: `new-${n}`, createdAt: n, peerId: `peer-${n}`, key: new Uint8Array([n]) }
    },
  })
}

for (const [name, makeStore] of [
  ['memory', () => memoryProfileStore()],
  ['localStorage', (storage: Storage) => localProfileStore(storage)],
] as const) {
  describe(`removeProfile (${name} store)`, () => {
    test('deletes everything the profile stored and nothing of another profile or of the browser', async () => {
      const { storage, store, data, init } = await browser(makeStore)
      const before = keysOf(storage)
      await removeProfile(init, A)
      expect((await store.list()).map((p) => p.id)).toEqual([B])
      expect(await store.get(A)).toBeUndefined()
      expect(await store.removing()).toEqual([])
      expect([...data.dbs].sort()).toEqual([
        `tabchain-node-${B}-31415-0123456789abcdef`,
        'tabchain-shared-headers',
        `tabchain-wallet-${B}`,
      ])
      expect(keysOf(storage)).toEqual(before.filter((k) => !k.endsWith(`.${A}`)))
      expect(storage.getItem(`tabchain.mode.${B}`)).toBe('light')
      expect(storage.getItem('tabchain.genesis')).toBe('{}')
    })

    test('a profile a tab runs (its lock held) is refused and kept whole', async () => {
      const { storage, store, locks, data, init } = await browser(makeStore)
      const running = await claim(store, locks, A, null)
      expect(running.profile.id).toBe(A)
      const keys = keysOf(storage)
      expect(await codeOf(removeProfile(init, A))).toBe('PROFILE_IN_USE')
      expect((await store.list()).map((p) => p.id)).toEqual([A, B])
      expect(data.dbs.size).toBe(6)
      expect(keysOf(storage)).toEqual(keys)
      // Once that tab lets go, it can be removed.
      running.release()
      await removeProfile(init, A)
      expect((await store.list()).map((p) => p.id)).toEqual([B])
    })

    test('an unknown profile is refused and nothing changes', async () => {
      const { storage, store, data, init } = await browser(makeStore)
      const keys = keysOf(storage)
      expect(await codeOf(removeProfile(init, 'no-such-profile'))).toBe('PROFILE_UNKNOWN')
      expect((await store.list()).length).toBe(2)
      expect(data.dbs.size).toBe(6)
      expect(keysOf(storage)).toEqual(keys)
    })

    test('a browser that cannot list its databases refuses before changing anything', async () => {
      const { storage, store, data, init } = await browser(makeStore)
      data.listable = false
      const keys = keysOf(storage)
      const err = await removeProfile(init, A).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProfileError)
      expect((err as ProfileError).type).toMatchObject({ code: 'PROFILE_REMOVE_FAILED', started: false })
      expect((await store.list()).map((p) => p.id)).toEqual([A, B])
      expect(keysOf(storage)).toEqual(keys)
      expect(data.dbs.size).toBe(6)
    })

    test('while it is deleted the profile’s lock is held: no tab claims it, the picker no longer lists it', async () => {
      const { store, locks, data, init } = await browser(makeStore)
      let letGo = () => {}
      data.gate = new Promise((resolve) => {
        letGo = resolve
      })
      const removing = removeProfile(init, A)
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect((await locks.held()).has(lockName(A))).toBe(true)
      expect((await listProfiles(store, locks)).map((p) => p.id)).toEqual([B])
      const asked = await claim(store, locks, A, null)
      expect(asked.profile.id).toBe(B)
      asked.release()
      letGo()
      await removing
      expect((await locks.held()).has(lockName(A))).toBe(false)
      const later = await claim(store, locks, A, A)
      expect(later.profile.id).toBe(B)
      expect(later.wantedWasTaken).toBeUndefined()
    })

    test('a removal cut short leaves no half profile: not listed or claimed, and finished later', async () => {
      const { storage, store, data, init } = await browser(makeStore)
      data.failDelete = `tabchain-wallet-${A}`
      const err = await removeProfile(init, A).catch((e: unknown) => e)
      expect((err as ProfileError).type).toMatchObject({
        code: 'PROFILE_REMOVE_FAILED',
        id: A,
        started: true,
      })
      // The tab closes: its locks go. A new tab lists, claims and starts as if A were gone.
      const locks = memoryLocks()
      expect((await listProfiles(store, locks)).map((p) => p.id)).toEqual([B])
      expect(await store.removing()).toEqual([A])
      const first = await claim(store, locks, null, A)
      expect(first.profile.id).toBe(B)
      expect(first.wantedWasTaken).toBeUndefined()
      const second = await claim(store, locks, A, null)
      expect(second.reason).toBe('created')
      expect(second.profile.name).toBe('Profile 3')
      // A later start finishes the removal.
      data.failDelete = undefined
      expect(await finishRemovals({ ...init, locks })).toEqual([A])
      expect(await store.removing()).toEqual([])
      expect([...data.dbs].some((n) => n.includes(A))).toBe(false)
      expect(keysOf(storage).some((k) => k.endsWith(`.${A}`))).toBe(false)
    })

    test('finishRemovals leaves a removal another tab is doing (it holds the lock) to that tab', async () => {
      const { store, data, init } = await browser(makeStore)
      data.gate = new Promise(() => {})
      void removeProfile(init, A)
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(await store.removing()).toEqual([A])
      expect(await finishRemovals(init)).toEqual([])
      expect(data.dbs.size).toBe(6)
    })

    test('a profile removed between a claim’s list and its lock is not taken', async () => {
      const { store, locks, init } = await browser(makeStore)
      const racing: ProfileStore = {
        ...store,
        async list() {
          const listed = await store.list()
          await removeProfile(init, A)
          return listed
        },
      }
      const c = await claim(racing, locks, A, null)
      expect(c.profile.id).toBe(B)
      expect(c.wantedWasTaken).toBeUndefined()
      // The claim let go of the removed profile's lock: no tab seems to run it.
      expect(await locks.held()).toEqual(new Set([lockName(B)]))
    })

    test('a new profile after a removal takes a name no profile has', async () => {
      const { store, locks, init } = await browser(makeStore)
      await removeProfile(init, A)
      const c = await claim(store, locks, 'new', null)
      expect(c.profile.name).toBe('Profile 3')
      expect((await store.list()).map((p) => p.name)).toEqual(['Profile 2', 'Profile 3'])
    })
  })
}

test('a profile’s databases and settings are told apart by its whole id', () => {
  expect(isProfileDatabase(`tabchain-node-${A}-31415-0123456789abcdef`, A)).toBe(true)
  expect(isProfileDatabase(`tabchain-wallet-${A}`, A)).toBe(true)
  expect(isProfileDatabase(`tabchain-node-${B}-31415-0123456789abcdef`, A)).toBe(false)
  expect(isProfileDatabase(`tabchain-wallet-${A}x`, A)).toBe(false)
  expect(isProfileDatabase('tabchain-shared-headers', A)).toBe(false)
  expect(isProfileKey(`tabchain.devnetAccount.${A}`, A)).toBe(true)
  expect(isProfileKey(`tabchain.activity.${A}`, A)).toBe(true)
  // What a damaged record keeps aside is the profile's too.
  expect(isProfileKey(`tabchain.swapApprovals.${A}.damaged`, A)).toBe(true)
  expect(isProfileKey(`tabchain.activity.${A}.damaged`, A)).toBe(true)
  expect(isProfileKey(`tabchain.activity.${A}.other`, A)).toBe(false)
  expect(isProfileKey(`tabchain.activity.${B}.damaged`, A)).toBe(false)
  // The registry entry goes last, by the store.
  expect(isProfileKey(`tabchain.profile.${A}`, A)).toBe(false)
  expect(isProfileKey(`tabchain.mode.${A}x`, A)).toBe(false)
  expect(isProfileKey('tabchain.genesis', A)).toBe(false)
  expect(isProfileKey(`other.mode.${A}`, A)).toBe(false)
})

describe('profile removal errors', () => {
  test('every removal failure says what happened in words, the code in its type (a finish cut short is logged with it)', () => {
    const types: ProfileError['type'][] = [
      { code: 'PROFILE_UNKNOWN', id: A },
      { code: 'PROFILE_IN_USE', id: A },
      {
        code: 'PROFILE_REMOVE_FAILED',
        id: A,
        started: false,
        reason: 'this browser cannot list its databases',
      },
      { code: 'PROFILE_REMOVE_FAILED', id: A, started: true, reason: 'it is still open in another tab' },
    ]
    for (const type of types) {
      const err = new ProfileError(type)
      expect(err.message, type.code).not.toMatch(/[A-Z]{2,}_[A-Z_]+|\(\w+=/)
      expect(err.type).toBe(type)
    }
    expect(new ProfileError({ code: 'PROFILE_IN_USE', id: A }).message).toBe(
      `profile ${A} runs in a tab: it cannot be removed while it does`,
    )
  })
})
