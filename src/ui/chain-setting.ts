import { devnetGenesis, validateGenesis } from '../node/chain/genesis'
import type { Genesis } from '../node/chain/types'
import { pageStorage, parseJson, trySave } from '../node/profile/local-record'

/** Where the server says which chain its pages run (a genesis JSON text; see relay `--genesis`). */
export const CHAIN_INFO_URL = '/api/chain'
const REMEMBERED = 'tabchain.genesis'

/** How many times a server too busy to answer (429) is asked before it is taken as unreachable. */
const BUSY_ASKS = 3
/** The longest one Retry-After holds the page's start back, ms. */
export const GENESIS_RETRY_AFTER_MAX_MS = 5_000

/**
 * The chain this page's node runs. The server's answer wins and is remembered; when the server cannot
 * be reached (an offline reload of the installed app) the last one it gave is used, else the built-in
 * devnet. A server too busy to answer (429) runs a chain all the same: it is asked again after its
 * `Retry-After` (at most `GENESIS_RETRY_AFTER_MAX_MS`; 1 s when it gives none), `BUSY_ASKS` times in
 * all, before the page falls back as for one unreachable. A server that answers with an invalid genesis
 * is a misconfiguration: the `GenesisError` (naming the field) is thrown rather than running some
 * other chain.
 */
export async function fetchGenesis(
  fetcher: (url: string) => Promise<Response> = (url) => fetch(url, { cache: 'no-store' }),
  storage: Storage = pageStorage(),
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Genesis> {
  let text: string | undefined
  for (let ask = 1; ask <= BUSY_ASKS && text === undefined; ask++) {
    let busyMs: number | undefined
    try {
      const res = await fetcher(CHAIN_INFO_URL)
      if (res.ok) text = await res.text()
      else if (res.status === 429) busyMs = retryAfterMs(res.headers.get('retry-after'))
    } catch {
      // Unreachable: fall back below.
    }
    if (busyMs === undefined) break
    if (ask < BUSY_ASKS) await wait(busyMs)
  }
  if (text === undefined) return remembered(storage) ?? devnetGenesis
  const genesis = validateGenesis(parseJson(text))
  // Refused (full, storage turned off): this load runs it all the same; an offline load falls back.
  trySave(storage, REMEMBERED, text)
  return genesis
}

/** A `Retry-After` in whole seconds as ms, capped; 1 s for none or another form (an HTTP date). */
function retryAfterMs(header: string | null): number {
  const seconds = header?.trim() ?? ''
  return /^\d+$/.test(seconds) ? Math.min(Number(seconds) * 1_000, GENESIS_RETRY_AFTER_MAX_MS) : 1_000
}

/** The genesis the server gave last time, if it is still readable (a damaged entry is dropped). */
function remembered(storage: Storage): Genesis | undefined {
  const text = storage.getItem(REMEMBERED)
  if (text === null) return undefined
  try {
    return validateGenesis(parseJson(text))
  } catch {
    storage.removeItem(REMEMBERED)
    return undefined
  }
}
