import type { ProfileLocks } from './locks'
import type { ProfileRecord, ProfileStore } from './store'
import type { ProfileInfo } from './types'

export interface ClaimInit {
  readonly store: ProfileStore
  readonly locks: ProfileLocks
  /** `?profile=` of the URL: an id, 'new', or null. */
  readonly requested: string | null
  /** The profile this tab ran before a reload (sessionStorage; a duplicated tab inherits it too). */
  readonly remembered: string | null
  /** Makes a fresh identity for a new profile: a new id and key. */
  readonly create: () => Promise<Omit<ProfileRecord, 'name'>>
  /** How long to wait for the remembered profile's lock while a reloading tab lets go, ms. */
  readonly reloadWaitMs?: number
}

export interface Claim {
  readonly profile: ProfileRecord
  /** Why this profile: the one asked for, this tab's own after a reload, a free one, or a new one. */
  readonly reason: 'requested' | 'remembered' | 'free' | 'created'
  /** Set when the profile asked for (or remembered) was open in another tab, so another was taken. */
  readonly wantedWasTaken?: string
  readonly release: () => void
}

export const lockName = (id: string): string => `tabchain:profile:${id}`

/**
 * Claims a profile for this tab. Each profile runs in at most one tab at a time (its Web Lock), so a
 * duplicated or second tab falls through to a free profile, or a new one.
 */
export async function claimProfile(init: ClaimInit): Promise<Claim> {
  const { store, locks } = init
  const profiles = await store.list()
  const known = (id: string | null): ProfileRecord | undefined => profiles.find((p) => p.id === id)
  /**
   * Takes the profile's lock: its release, null when another tab holds it, or 'gone' when the profile
   * was removed since the list was read (its remover held the lock until it was gone).
   */
  const take = async (id: string, waitMs: number): Promise<(() => void) | null | 'gone'> => {
    const release = await locks.acquire(lockName(id), waitMs)
    if (release === null || (await store.get(id)) !== undefined) return release
    release()
    return 'gone'
  }
  let wantedWasTaken: string | undefined

  const requested = init.requested === 'new' ? undefined : known(init.requested)
  if (requested !== undefined) {
    const release = await take(requested.id, 0)
    if (typeof release === 'function') return { profile: requested, reason: 'requested', release }
    if (release === null) wantedWasTaken = requested.id
  }
  const remembered = init.requested === null ? known(init.remembered) : undefined
  if (remembered !== undefined) {
    const release = await take(remembered.id, init.reloadWaitMs ?? 1_000)
    if (typeof release === 'function') return { profile: remembered, reason: 'remembered', release }
    if (release === null) wantedWasTaken = remembered.id
  }
  const extra = wantedWasTaken === undefined ? {} : { wantedWasTaken }
  if (init.requested !== 'new') {
    for (const profile of profiles) {
      const release = await take(profile.id, 0)
      if (typeof release === 'function') return { profile, reason: 'free', release, ...extra }
    }
  }
  const fresh = await init.create()
  const release = await locks.acquire(lockName(fresh.id), 0)
  if (release === null) throw new Error(`new profile ${fresh.id} is already locked`)
  // Numbered on from the count, past the names taken (a removed profile leaves a gap in the numbers).
  const names = new Set(profiles.map((p) => p.name))
  let n = profiles.length + 1
  while (names.has(`Profile ${n}`)) n++
  const profile: ProfileRecord = { ...fresh, name: `Profile ${n}` }
  await store.put(profile)
  return { profile, reason: 'created', release, ...extra }
}

/** The profile list for the picker, each marked with whether some tab holds it. */
export async function listProfiles(
  store: ProfileStore,
  locks: ProfileLocks,
): Promise<(ProfileInfo & { inUse: boolean })[]> {
  const [profiles, held] = await Promise.all([store.list(), locks.held()])
  return profiles.map(({ id, name, createdAt, peerId }) => ({
    id,
    name,
    createdAt,
    peerId,
    inUse: held.has(lockName(id)),
  }))
}

/** Whether a tab of this browser other than `ownId`'s runs a node: holds one of the profiles' locks. */
export async function nodeRunsBeside(locks: ProfileLocks, ownId: string): Promise<boolean> {
  const held = await locks.held()
  const own = lockName(ownId)
  return [...held].some((name) => name !== own && name.startsWith(lockName('')))
}
