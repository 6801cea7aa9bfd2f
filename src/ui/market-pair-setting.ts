import { isJsonObject, pageStorage, parseJson, trySave } from '../node/profile/local-record'
import type { MarketPair, MarketToken } from './market/source'

const KEY = 'tabchain.market-pair.'

/**
 * The pair the Market screen shows first in this profile: the one it showed last (`saveMarketPair`),
 * while both its tokens are listed, so that a reload mid-trade comes back to the book that holds the
 * user's offer; else the first two tokens listed (the native coin comes first). Null with fewer than
 * two tokens. A stored value that does not read as a pair is ignored.
 */
export function firstPair(
  profileId: string | undefined,
  tokens: readonly MarketToken[],
  storage: Storage = pageStorage(),
): MarketPair | null {
  const listed = (a: unknown) =>
    tokens.find((t) => typeof a === 'string' && t.address.toLowerCase() === a.toLowerCase())
  const stored = profileId === undefined ? null : storage.getItem(KEY + profileId)
  // Not a pair (no JSON object): the first two tokens, as for a profile that never chose.
  const saved = stored === null ? undefined : parseJson(stored)
  if (isJsonObject(saved)) {
    const [b, q] = [listed(saved.base), listed(saved.quote)]
    if (b !== undefined && q !== undefined) return { base: b.address, quote: q.address }
  }
  const [a, b] = tokens
  return a === undefined || b === undefined ? null : { base: b.address, quote: a.address }
}

/**
 * Remembers the pair the Market screen shows in this profile, for its next load (`firstPair`); when the
 * browser refuses to save it (`trySave`) the next load shows the pair saved before.
 */
export function saveMarketPair(profileId: string, pair: MarketPair, storage: Storage = pageStorage()): void {
  trySave(storage, KEY + profileId, JSON.stringify({ base: pair.base, quote: pair.quote }))
}
