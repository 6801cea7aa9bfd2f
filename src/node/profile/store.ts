import { type DBSchema, openDB } from 'idb'
import type { ProfileInfo } from './types'

/** A stored profile: its public facts and its libp2p private key (protobuf bytes). */
export interface ProfileRecord extends ProfileInfo {
  readonly key: Uint8Array
}

/** Where this browser's profiles are kept. */
export interface ProfileStore {
  /** All profiles, oldest first. */
  list(): Promise<ProfileRecord[]>
  get(id: string): Promise<ProfileRecord | undefined>
  put(record: ProfileRecord): Promise<void>
}

interface ProfilesDb extends DBSchema {
  profiles: { key: string; value: ProfileRecord }
}

const byAge = (a: ProfileRecord, b: ProfileRecord): number =>
  a.createdAt - b.createdAt || a.id.localeCompare(b.id)

/** The browser's profile registry: one small IndexedDB database shared by every tab of the origin. */
export function idbProfileStore(name = 'tabchain-profiles'): ProfileStore {
  const db = openDB<ProfilesDb>(name, 1, {
    upgrade(d) {
      d.createObjectStore('profiles', { keyPath: 'id' })
    },
  })
  return {
    async list() {
      return (await (await db).getAll('profiles')).sort(byAge)
    },
    async get(id) {
      return (await db).get('profiles', id)
    },
    async put(record) {
      const tx = (await db).transaction('profiles', 'readwrite', { durability: 'strict' })
      await Promise.all([tx.store.put(record), tx.done])
    },
  }
}

/** In-memory twin of the registry, for tests. */
export function memoryProfileStore(): ProfileStore {
  const records = new Map<string, ProfileRecord>()
  return {
    async list() {
      return [...records.values()].sort(byAge)
    },
    async get(id) {
      return records.get(id)
    },
    async put(record) {
      records.set(record.id, record)
    },
  }
}
