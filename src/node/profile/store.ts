import { pageStorage } from './local-record'
import type { ProfileInfo } from './types'

/** A stored profile: its public facts and its libp2p private key (protobuf bytes). */
export interface ProfileRecord extends ProfileInfo {
  readonly key: Uint8Array
}

/** Where this browser's profiles are kept. */
export interface ProfileStore {
  /** All profiles, oldest first; a profile being removed is no longer one. */
  list(): Promise<ProfileRecord[]>
  get(id: string): Promise<ProfileRecord | undefined>
  put(record: ProfileRecord): Promise<void>
  /**
   * Marks a profile as being removed (src/node/profile/remove.ts): from now on it is not listed, got
   * or claimed, and a removal cut short (the tab closed) is finished later from the mark.
   */
  markRemoving(id: string): Promise<void>
  /** Ids of the profiles marked as being removed. */
  removing(): Promise<string[]>
  /** Drops the profile's entry, its key with it: the last step of a removal. */
  delete(id: string): Promise<void>
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
  /** Set while the profile is being removed. */
  readonly removing?: true
}

/** An entry as stored, or undefined when absent or damaged. */
function parseStored(text: string | null): StoredProfile | undefined {
  if (text === null) return undefined
  try {
    const p = JSON.parse(text) as StoredProfile
    if (typeof p.id !== 'string' || typeof p.key !== 'string' || typeof p.peerId !== 'string')
      return undefined
    return p
  } catch {
    // A damaged entry is skipped (its tab starts a new profile), never fatal.
    return undefined
  }
}

/** The profile of an entry, or undefined when absent, damaged or being removed. */
function parse(text: string | null): ProfileRecord | undefined {
  const p = parseStored(text)
  if (p === undefined || p.removing === true) return undefined
  try {
    const key = Uint8Array.from(atob(p.key), (c) => c.charCodeAt(0))
    return { id: p.id, name: String(p.name), createdAt: Number(p.createdAt), peerId: p.peerId, key }
  } catch {
    return undefined
  }
}

/**
 * The browser's profile registry in localStorage, one entry per profile (so two tabs creating
 * profiles at once never overwrite each other). localStorage is synchronous: claiming a profile costs
 * no database open on the start-up path (an IndexedDB open took 0.5–1.4 s in a fresh context).
 * The entries hold libp2p identity keys only — never wallet keys.
 */
export function localProfileStore(storage: Storage = pageStorage()): ProfileStore {
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
    async markRemoving(id) {
      const text = storage.getItem(PREFIX + id)
      const stored = parseStored(text)
      // Only an entry that reads as a profile (`get`): a damaged one is never written over.
      if (stored === undefined || parse(text) === undefined) return
      // Throws QuotaExceededError when full: the removal then stops before deleting anything.
      storage.setItem(PREFIX + id, JSON.stringify({ ...stored, removing: true }))
    },
    async removing() {
      const out: string[] = []
      for (let i = 0; i < storage.length; i++) {
        const name = storage.key(i)
        if (name?.startsWith(PREFIX) !== true) continue
        if (parseStored(storage.getItem(name))?.removing === true) out.push(name.slice(PREFIX.length))
      }
      return out
    },
    async delete(id) {
      storage.removeItem(PREFIX + id)
    },
  }
}

/** In-memory twin of the registry, for tests. */
export function memoryProfileStore(): ProfileStore {
  const records = new Map<string, ProfileRecord>()
  const marked = new Set<string>()
  return {
    async list() {
      return [...records.values()].filter((p) => !marked.has(p.id)).sort(byAge)
    },
    async get(id) {
      return marked.has(id) ? undefined : records.get(id)
    },
    async put(record) {
      records.set(record.id, record)
    },
    async markRemoving(id) {
      marked.add(id)
    },
    async removing() {
      return [...marked]
    },
    async delete(id) {
      records.delete(id)
      marked.delete(id)
    },
  }
}
