import { DEVNET_ACCOUNTS } from '../../node/chain/genesis'

/** Number of funded devnet accounts a profile may act with. */
export const DEVNET_ACCOUNT_COUNT = DEVNET_ACCOUNTS.length

/** Where each profile's devnet account index is remembered (localStorage, by profile id). */
export const DEVNET_KEY = 'tabchain.devnetAccount.'

/** A stored account index, or undefined when absent or not one of the devnet accounts. */
function stored(key: string): number | undefined {
  const raw = localStorage.getItem(key)
  const n = raw === null ? Number.NaN : Number(raw)
  return Number.isInteger(n) && n >= 0 && n < DEVNET_ACCOUNT_COUNT ? n : undefined
}

/**
 * The profile's account: the one it used before, or else its default (`defaultDevnetIndex`) moved on
 * to the next account no other profile of this browser uses — two tabs here are two users. Remembered.
 */
export function rememberedDevnetIndex(profileId: string): number {
  const own = stored(DEVNET_KEY + profileId)
  if (own !== undefined) return own
  const taken = new Set<number>()
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)
    const index = key?.startsWith(DEVNET_KEY) === true ? stored(key) : undefined
    if (index !== undefined) taken.add(index)
  }
  let index = defaultDevnetIndex(profileId)
  for (let tries = 0; tries < DEVNET_ACCOUNT_COUNT && taken.has(index); tries++)
    index = (index + 1) % DEVNET_ACCOUNT_COUNT
  localStorage.setItem(DEVNET_KEY + profileId, String(index))
  return index
}

/**
 * The devnet account a profile uses unless the user picks another: spread over the ten accounts by a
 * hash of the profile id, so two profiles (two tabs) are most likely two different users.
 */
export function defaultDevnetIndex(profileId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < profileId.length; i++) h = Math.imul(h ^ profileId.charCodeAt(i), 0x01000193)
  return (h >>> 0) % DEVNET_ACCOUNT_COUNT
}
