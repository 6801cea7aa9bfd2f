import { DEVNET_ACCOUNTS } from '../../node/chain/genesis'
import { pageStorage, trySave } from '../../node/profile/local-record'

/** Number of funded devnet accounts a profile may act with. */
export const DEVNET_ACCOUNT_COUNT = DEVNET_ACCOUNTS.length

/** Where each profile's devnet account index is remembered (localStorage, by profile id). */
export const DEVNET_KEY = 'tabchain.devnetAccount.'

/** A stored account index, or undefined when absent or not one of the devnet accounts. */
function stored(key: string): number | undefined {
  const raw = pageStorage().getItem(key)
  const n = raw === null ? Number.NaN : Number(raw)
  return Number.isInteger(n) && n >= 0 && n < DEVNET_ACCOUNT_COUNT ? n : undefined
}

/**
 * The profile's account: the one it used before, or else one drawn at random (`crypto.getRandomValues`)
 * among the accounts no other profile of this browser uses — two tabs here are two users, and so are two
 * browsers, whose first profiles have the same id. Remembered, so a reload acts with the same account.
 * `random` draws an index below its argument (a test's choice; the default is uniform and unpredictable).
 */
export function rememberedDevnetIndex(
  profileId: string,
  random: (below: number) => number = randomBelow,
): number {
  const own = stored(DEVNET_KEY + profileId)
  if (own !== undefined) return own
  const taken = new Set<number>()
  for (let i = 0; i < pageStorage().length; i++) {
    const key = pageStorage().key(i)
    const index = key?.startsWith(DEVNET_KEY) === true ? stored(key) : undefined
    if (index !== undefined) taken.add(index)
  }
  const all = Array.from({ length: DEVNET_ACCOUNT_COUNT }, (_, i) => i)
  const free = all.filter((i) => !taken.has(i))
  // Every account taken (more profiles than accounts): any of them, shared with another profile.
  const pool = free.length > 0 ? free : all
  const index = pool[random(pool.length)] ?? 0
  // Refused (full, storage turned off): this load acts with it all the same; the next one may draw another.
  trySave(pageStorage(), DEVNET_KEY + profileId, String(index))
  return index
}

/** A uniform random integer in [0, below), from the browser's cryptographic generator. */
function randomBelow(below: number): number {
  // Rejection sampling: the top of the 32-bit range that doesn't fill a whole `below` would favour low values.
  const limit = 2 ** 32 - (2 ** 32 % below)
  const word = new Uint32Array(1)
  do crypto.getRandomValues(word)
  while ((word[0] ?? 0) >= limit)
  return (word[0] ?? 0) % below
}
