import { describe, expect, test } from 'vitest'
import { claimProfile, listProfiles, lockName, nodeRunsBeside } from '../../../src/node/profile/claim'
import { memoryLocks, type ProfileLocks } from '../../../src/node/profile/locks'
import { localProfileStore, memoryProfileStore, type ProfileStore } from '../../../src/node/profile/store'
import { memoryStorage } from './memory-storage'

let counter = 0
const create = async () => {
  counter++
  return { id: `p${counter}`, createdAt: counter, peerId: `peer-${counter}`, key: new Uint8Array([counter]) }
}

function tab(store: ProfileStore, locks: ProfileLocks, requested: string | null, remembered: string | null) {
  return claimProfile({ store, locks, requested, remembered, create, reloadWaitMs: 50 })
}

for (const [name, makeStore] of [
  ['memory', () => memoryProfileStore()],
  ['localStorage', () => localProfileStore(memoryStorage())],
] as const) {
  describe(`claimProfile (${name} store)`, () => {
    test('a first tab creates a profile and stores its key', async () => {
      const store = makeStore()
      const claim = await tab(store, memoryLocks(), null, null)
      expect(claim.reason).toBe('created')
      expect(claim.profile.name).toBe('Profile 1')
      expect(await store.get(claim.profile.id)).toEqual(claim.profile)
    })

    test('a reload gets the same profile back once the old page lets go', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const first = await tab(store, locks, null, null)
      // The reloading page asks while the old document still holds the lock, which is freed soon after.
      setTimeout(first.release, 10)
      const again = await tab(store, locks, null, first.profile.id)
      expect(again.reason).toBe('remembered')
      expect(again.profile.id).toBe(first.profile.id)
    })

    test('a duplicated tab (same remembered profile) finds it taken and starts its own', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const first = await tab(store, locks, null, null)
      const dup = await tab(store, locks, null, first.profile.id)
      expect(dup.profile.id).not.toBe(first.profile.id)
      expect(dup.reason).toBe('created')
      expect(dup.wantedWasTaken).toBe(first.profile.id)
      expect(dup.profile.name).toBe('Profile 2')
    })

    test('a second tab takes a free existing profile before creating one', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const a = await tab(store, locks, null, null)
      const b = await tab(store, locks, null, null)
      b.release()
      const c = await tab(store, locks, null, null)
      expect(c.reason).toBe('free')
      expect(c.profile.id).toBe(b.profile.id)
      expect(c.profile.id).not.toBe(a.profile.id)
    })

    test('?profile=<id> opens that profile; if it is open elsewhere another is used and the UI is told', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const a = await tab(store, locks, null, null)
      const b = await tab(store, locks, 'new', null)
      b.release()
      const asked = await tab(store, locks, b.profile.id, a.profile.id)
      expect(asked.reason).toBe('requested')
      expect(asked.profile.id).toBe(b.profile.id)
      const busy = await tab(store, locks, a.profile.id, null)
      expect(busy.wantedWasTaken).toBe(a.profile.id)
      expect([a.profile.id, b.profile.id]).not.toContain(busy.profile.id)
    })

    test('?profile=new always creates, even when free profiles exist', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      ;(await tab(store, locks, null, null)).release()
      const fresh = await tab(store, locks, 'new', null)
      expect(fresh.reason).toBe('created')
      expect((await store.list()).length).toBe(2)
    })

    test('an unknown ?profile id falls back to a free profile', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const a = await tab(store, locks, null, null)
      a.release()
      const c = await tab(store, locks, 'nope', null)
      expect(c.profile.id).toBe(a.profile.id)
      expect(c.reason).toBe('free')
    })

    test('a ?profile link is followed over what the tab remembers: the first free profile, not the remembered one', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const a = await tab(store, locks, null, null)
      const b = await tab(store, locks, 'new', null)
      a.release()
      b.release()
      const c = await tab(store, locks, 'nope', b.profile.id)
      expect([c.reason, c.profile.id]).toEqual(['free', a.profile.id])
    })

    test('a new profile is named past every name taken, however many in a row', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      for (const n of [3, 4]) {
        await store.put({
          id: `x${n}`,
          name: `Profile ${n}`,
          createdAt: n,
          peerId: `peer-x${n}`,
          key: new Uint8Array([n]),
        })
        await locks.acquire(lockName(`x${n}`), 0)
      }
      const c = await tab(store, locks, null, null)
      expect([c.reason, c.profile.name]).toEqual(['created', 'Profile 5'])
    })

    test('listProfiles marks the profiles held by some tab', async () => {
      const store = makeStore()
      const locks = memoryLocks()
      const a = await tab(store, locks, null, null)
      const b = await tab(store, locks, 'new', null)
      b.release()
      const list = await listProfiles(store, locks)
      expect(list.map((p) => [p.id, p.inUse])).toEqual([
        [a.profile.id, true],
        [b.profile.id, false],
      ])
      expect(list[0]).not.toHaveProperty('key')
    })
  })
}

test('memoryLocks: a waiter gets the lock when it is released, and times out otherwise', async () => {
  const locks = memoryLocks()
  const release = await locks.acquire(lockName('x'), 0)
  expect(release).not.toBeNull()
  expect(await locks.acquire(lockName('x'), 0)).toBeNull()
  expect(await locks.acquire(lockName('x'), 20)).toBeNull()
  const waiting = locks.acquire(lockName('x'), 1_000)
  release?.()
  expect(await waiting).not.toBeNull()
  expect(await locks.held()).toEqual(new Set([lockName('x')]))
})

test('memoryLocks: waiters get the lock one after another, in order, as with Web Locks', async () => {
  const locks = memoryLocks()
  const holder = await locks.acquire(lockName('x'), 0)
  const first = locks.acquire(lockName('x'), 1_000)
  const second = locks.acquire(lockName('x'), 1_000)
  holder?.()
  const releaseFirst = await first
  expect(releaseFirst).not.toBeNull()
  releaseFirst?.()
  const releaseSecond = await second
  expect(releaseSecond).not.toBeNull()
  releaseSecond?.()
  expect(await locks.held()).toEqual(new Set())
})

test('memoryLocks: a waiter timing out leaves the other waiters queued', async () => {
  const locks = memoryLocks()
  const holder = await locks.acquire(lockName('x'), 0)
  const patient = locks.acquire(lockName('x'), 1_000)
  const hasty = locks.acquire(lockName('x'), 20)
  const later = locks.acquire(lockName('x'), 1_000)
  expect(await hasty).toBeNull()
  holder?.()
  const releasePatient = await patient
  expect(releasePatient).not.toBeNull()
  releasePatient?.()
  expect(await later).not.toBeNull()
})

test('memoryLocks: a waiter timing out after another was granted the lock takes no one else’s place', async () => {
  const locks = memoryLocks()
  const holder = await locks.acquire(lockName('x'), 0)
  const granted = locks.acquire(lockName('x'), 1_000)
  const hasty = locks.acquire(lockName('x'), 30)
  holder?.()
  const releaseGranted = await granted
  const later = locks.acquire(lockName('x'), 1_000)
  expect(await hasty).toBeNull()
  releaseGranted?.()
  expect(await later).not.toBeNull()
})

test('localProfileStore keeps keys byte-exact, ignores foreign and damaged entries', async () => {
  const storage = memoryStorage()
  const store = localProfileStore(storage)
  const key = Uint8Array.from({ length: 68 }, (_, i) => (i * 37) & 0xff)
  await store.put({ id: 'a', name: 'Profile 1', createdAt: 5, peerId: 'peer-a', key })
  storage.setItem('tabchain.profile.broken', '{not json')
  storage.setItem('someone.else', 'x')
  const list = await store.list()
  expect(list.map((p) => p.id)).toEqual(['a'])
  expect((await store.get('a'))?.key).toEqual(key)
  expect(await store.get('broken')).toBeUndefined()
})

test('damaged profile entries of every shape: never listed, claimed or marked, never written over; a tab takes a new profile beside them', async () => {
  const storage = memoryStorage()
  const store = localProfileStore(storage)
  const damaged: Record<string, string> = {
    'tabchain.profile.cut': '{"id":"cut","name":"Profile 1","key":"AAE',
    'tabchain.profile.null': 'null',
    'tabchain.profile.list': '["id","key","peerId"]',
    'tabchain.profile.number': '5',
    'tabchain.profile.types': '{"id":7,"name":"x","createdAt":"soon","peerId":[],"key":{}}',
    'tabchain.profile.key': '{"id":"key","name":"x","createdAt":1,"peerId":"p","key":"not base64!"}',
    'tabchain.profile.huge': `{"id":"huge","name":"${'x'.repeat(1_000_000)}`,
  }
  for (const [k, v] of Object.entries(damaged)) storage.setItem(k, v)
  expect(await store.list()).toEqual([])
  expect(await store.removing()).toEqual([])
  for (const id of ['cut', 'null', 'list', 'number', 'types', 'key', 'huge']) {
    expect(await store.get(id)).toBeUndefined()
    await store.markRemoving(id)
  }
  const claim = await tab(store, memoryLocks(), null, 'cut')
  expect(claim.reason).toBe('created')
  expect(await store.list()).toEqual([claim.profile])
  for (const [k, v] of Object.entries(damaged)) expect(storage.getItem(k)).toBe(v)
})

test('nodeRunsBeside: another tab holding a profile counts; this tab’s own profile and other locks do not', async () => {
  const locks = memoryLocks()
  const store = memoryProfileStore()
  const first = await tab(store, locks, null, null)
  expect(await nodeRunsBeside(locks, first.profile.id)).toBe(false)
  await locks.acquire('some.other.lock', 0)
  expect(await nodeRunsBeside(locks, first.profile.id)).toBe(false)
  const second = await tab(store, locks, null, null)
  expect(await nodeRunsBeside(locks, second.profile.id)).toBe(true)
  expect(await nodeRunsBeside(locks, first.profile.id)).toBe(true)
  first.release()
  expect(await nodeRunsBeside(locks, second.profile.id)).toBe(false)
})
