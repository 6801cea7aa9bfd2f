import { devnetGenesis, validateGenesis } from '../node/chain/genesis'
import type { Genesis } from '../node/chain/types'

/** Where the server says which chain its pages run (a genesis JSON text; see relay `--genesis`). */
export const CHAIN_INFO_URL = '/api/chain'
const REMEMBERED = 'tabchain.genesis'

/**
 * The chain this page's node runs. The server's answer wins and is remembered; when the server cannot
 * be reached (an offline reload of the installed app) the last one it gave is used, else the built-in
 * devnet. A server that answers with an invalid genesis is a misconfiguration: the `GenesisError`
 * (naming the field) is thrown rather than running some other chain.
 */
export async function fetchGenesis(
  fetcher: (url: string) => Promise<Response> = (url) => fetch(url, { cache: 'no-store' }),
  storage: Storage = localStorage,
): Promise<Genesis> {
  let text: string | undefined
  try {
    const res = await fetcher(CHAIN_INFO_URL)
    if (res.ok) text = await res.text()
  } catch {
    // Unreachable: fall back below.
  }
  if (text === undefined) return remembered(storage) ?? devnetGenesis
  const genesis = validateGenesis(parseJson(text))
  storage.setItem(REMEMBERED, text)
  return genesis
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
