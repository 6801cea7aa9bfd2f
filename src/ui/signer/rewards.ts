import type { Address } from 'viem'
import { DEVNET_ACCOUNTS } from '../../node/chain/genesis'
import { pageStorage, trySave } from '../../node/profile/local-record'
import { rememberedDevnetIndex } from './devnet-index'

/** Where each profile's rewards address is remembered (localStorage, by profile id). */
const KEY = 'tabchain.rewards.'
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/**
 * Where this profile's mined blocks pay their reward as its node starts: the account the tab acts
 * with — the wallet's selected account, remembered here when it was last named (`rememberRewards`),
 * else the profile's devnet account. Read without opening the wallet, whose start waits for the node.
 */
export function startingRewards(profileId: string): Address {
  const kept = pageStorage().getItem(KEY + profileId)
  if (kept !== null && ADDRESS.test(kept)) return kept as Address
  return DEVNET_ACCOUNTS[rememberedDevnetIndex(profileId)] as Address
}

/**
 * Remembers the account the profile's rewards go to, for its next start; when the browser refuses to
 * save it (`trySave`) this load's rewards still go there, the next start's to the one saved before.
 */
export function rememberRewards(profileId: string, address: Address): void {
  trySave(pageStorage(), KEY + profileId, address)
}

/**
 * The `?coinbase=` address of a page URL, which pays this load's rewards there whatever account the tab
 * acts with; null when absent or not an address (ignored, as an unknown `?mode=` is).
 */
export function pinnedRewards(url: URL): Address | null {
  const value = url.searchParams.get('coinbase')
  return value !== null && ADDRESS.test(value) ? (value as Address) : null
}
