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

const byAge = (a: ProfileRecord, b: ProfileRecord): number =>
  a.createdAt - b.createdAt || a.id.localeCompare(b.id)

const PREFIX = 'tabchain.profile.'

/** The stored shape: the key as base64 (localStorage holds strings). */
interface StoredProfile {
  readonly id: string
  readonly name: string
  readonly createdAt: number
  readonly peerId: string
  readonly key: string
}

function parse(text: string | null): ProfileRecord | undefined {
  if (text === null) return undefined
  try {
    const p = JSON.parse(text) as StoredProfile
    if (typeof p.id !== 'string' || typeof p.key !== 'string' || typeof p.peerId !== 'string')
      return undefined
    const key = Uint8Array.from(atob(p.key), (c) => c.charCodeAt(0))
    return { id: p.id, name: String(p.name), createdAt: Number(p.createdAt), peerId: p.peerId, key }
  } catch {
    // A damaged entry is skipped (its tab starts a new profile), never fatal.
    return undefined
  }
}

/**
 * The browser's profile registry in localStorage, one entry per profile (so two tabs creating
 * profiles at once never overwrite each other). localStorage is synchronous: claiming a profile costs
 * no database open on the start-up path (an IndexedDB open took 0.5–1.4 s in a fresh context).
 * The entries hold libp2p identity keys only — never wallet keys.
 */
export function localProfileStore(storage: Storage = localStorage): ProfileStore {
  return {
    async list() {
      const out: ProfileRecord[] = []
      for (let i = 0; i < storage.length; i++) {
        const name = storage.key(i)
        if (name?.startsWith(PREFIX) !== true) continue
        const record = parse(storage.getItem(name))
        if (record !== undefined) out.push(record)
      }
      return out.sort(byAge)
    },
    async get(id) {
      return parse(storage.getItem(PREFIX + id))
    },
    async put(record) {
      const stored: StoredProfile = {
        id: record.id,
        name: record.name,
        createdAt: record.createdAt,
        peerId: record.peerId,
        key: btoa(String.fromCharCode(...record.key)),
      }
      // Throws QuotaExceededError when full: the claim fails visibly instead of losing the identity.
      storage.setItem(PREFIX + record.id, JSON.stringify(stored))
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
