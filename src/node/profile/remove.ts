import { openDB } from 'idb'
import { NodeError } from '../rpc/errors'
import { lockName } from './claim'
import { KEPT_ASIDE_SUFFIX, pageStorage } from './local-record'
import type { ProfileLocks } from './locks'
import type { ProfileStore } from './store'

/** Why removing a profile failed. Branch on `code`. */
export type ProfileErrorType =
  /** No such profile in the registry (removed meanwhile, or never there). */
  | { readonly code: 'PROFILE_UNKNOWN'; readonly id: string }
  /** A tab runs it (this one or another): it holds the profile's Web Lock. */
  | { readonly code: 'PROFILE_IN_USE'; readonly id: string }
  /** Its data could not all be deleted. `started`: whether any was; the removal then finishes later. */
  | {
      readonly code: 'PROFILE_REMOVE_FAILED'
      readonly id: string
      readonly started: boolean
      readonly reason: string
    }

/**
 * What a removal failure says to the person reading it (the remove dialog words each code itself; a
 * finish cut short is logged with it): a sentence, not the code and its fields.
 */
function profileMessage(type: ProfileErrorType): string {
  switch (type.code) {
    case 'PROFILE_UNKNOWN':
      return `there is no profile ${type.id} in this browser`
    case 'PROFILE_IN_USE':
      return `profile ${type.id} runs in a tab: it cannot be removed while it does`
    case 'PROFILE_REMOVE_FAILED':
      return type.started
        ? `removing profile ${type.id} stopped, to be finished the next time Tabchain starts: ${type.reason}`
        : `profile ${type.id} could not be removed, nothing of it deleted: ${type.reason}`
  }
}

/** The one error type of profile removal. Its message is a sentence (`profileMessage`). */
export class ProfileError extends NodeError<ProfileErrorType> {
  override name = 'ProfileError'

  constructor(type: ProfileErrorType, message?: string) {
    super(type, message ?? profileMessage(type))
  }
}

/** The browser storage a profile's data lives in, besides the registry (`ProfileStore`). */
export interface ProfileData {
  /** Names of this origin's IndexedDB databases. */
  databases(): Promise<string[]>
  /** Deletes a database; rejects when it cannot now (another tab keeps it open). */
  deleteDatabase(name: string): Promise<void>
  /** Whether the profile has a wallet keystore (`tabchain-wallet-<id>` holds one). */
  hasWallet(id: string): Promise<boolean>
  /** This origin's localStorage. */
  readonly storage: Storage
}

export interface RemoveInit {
  readonly store: ProfileStore
  readonly locks: ProfileLocks
  readonly data: ProfileData
}

/** Whether database `name` is profile `id`'s: its chain databases (`databaseName`) or its wallet. */
export function isProfileDatabase(name: string, id: string): boolean {
  return name.startsWith(`tabchain-node-${id}-`) || name === `tabchain-wallet-${id}`
}

const SETTING = /^tabchain\.([^.]+)\.(.+)$/

/**
 * Whether localStorage key `key` is one of profile `id`'s settings, `tabchain.<setting>.<id>` (mode,
 * rewards account, devnet account, activity, swap approvals), or what a damaged one keeps aside
 * (`keptAsideKey`: `tabchain.<setting>.<id>.damaged`). Its registry entry is the store's.
 */
export function isProfileKey(key: string, id: string): boolean {
  const m = SETTING.exec(key)
  return m !== null && (m[2] === id || m[2] === id + KEPT_ASIDE_SUFFIX) && m[1] !== 'profile'
}

/**
 * Removes profile `id` and everything it stored: its chain databases, its wallet, its settings, and
 * last its registry entry with its identity key; nothing of any other profile. Holds the profile's
 * lock throughout, so no tab claims it meanwhile. The profile is first marked as being removed: from
 * then on no tab lists or claims it, and a removal cut short (the tab closed) is finished by
 * `finishRemovals`. Throws `ProfileError`; `PROFILE_UNKNOWN` and `PROFILE_IN_USE` change nothing.
 */
export async function removeProfile(init: RemoveInit, id: string): Promise<void> {
  const release = await init.locks.acquire(lockName(id), 0)
  if (release === null) throw new ProfileError({ code: 'PROFILE_IN_USE', id })
  try {
    if ((await init.store.get(id)) === undefined) throw new ProfileError({ code: 'PROFILE_UNKNOWN', id })
    // Asked before the mark, so a browser that cannot list its databases changes nothing.
    const names = await removeStep(id, false, () => init.data.databases())
    await removeStep(id, false, () => init.store.markRemoving(id))
    await erase(init, id, names)
  } finally {
    release()
  }
}

/**
 * Finishes the removals cut short (see `removeProfile`), each under its profile's lock; one whose lock
 * another tab holds is being removed there. Returns the ids finished; throws `ProfileError`.
 */
export async function finishRemovals(init: RemoveInit): Promise<string[]> {
  const done: string[] = []
  for (const id of await init.store.removing()) {
    const release = await init.locks.acquire(lockName(id), 0)
    if (release === null) continue
    try {
      await erase(init, id, await removeStep(id, true, () => init.data.databases()))
      done.push(id)
    } finally {
      release()
    }
  }
  return done
}

/** Deletes a marked profile's databases and settings, then its registry entry. */
async function erase({ store, data }: RemoveInit, id: string, names: readonly string[]): Promise<void> {
  for (const name of names.filter((n) => isProfileDatabase(n, id)))
    await removeStep(id, true, () => data.deleteDatabase(name))
  const keys: string[] = []
  for (let i = 0; i < data.storage.length; i++) {
    const key = data.storage.key(i)
    if (key !== null && isProfileKey(key, id)) keys.push(key)
  }
  for (const key of keys) data.storage.removeItem(key)
  await removeStep(id, true, () => store.delete(id))
}

async function removeStep<T>(id: string, started: boolean, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (err instanceof ProfileError) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new ProfileError({ code: 'PROFILE_REMOVE_FAILED', id, started, reason })
  }
}

/** The browser's IndexedDB and localStorage. */
export function browserProfileData(
  idb: IDBFactory = indexedDB,
  storage: Storage = pageStorage(),
): ProfileData {
  const databases = async (): Promise<string[]> => {
    if (typeof idb.databases !== 'function') throw new Error('this browser cannot list its databases')
    return (await idb.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name]))
  }
  return {
    databases,
    deleteDatabase: (name) =>
      new Promise((resolve, reject) => {
        const request = idb.deleteDatabase(name)
        request.onsuccess = () => resolve()
        request.onerror = () => reject(request.error ?? new Error(`deleting ${name} failed`))
        // Every connection of this app closes on a version change; one that stays open keeps the
        // database until it closes (the request stays queued), and the removal finishes later.
        request.onblocked = () => reject(new Error(`${name} is still open in another tab`))
      }),
    async hasWallet(id) {
      const name = `tabchain-wallet-${id}`
      if (!(await databases()).includes(name)) return false
      // Without a version: opens the database as it is (it exists), never upgrading it.
      const db = await openDB(name, undefined, { blocking: () => db.close() })
      try {
        return db.objectStoreNames.contains('wallet') && (await db.count('wallet')) > 0
      } finally {
        db.close()
      }
    },
    storage,
  }
}
