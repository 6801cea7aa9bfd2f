import { keptAsideKey, onKeptAside, parseJson, trySave } from '../node/profile/local-record'
import { useNotices } from './notices'

/** The records that keep damaged entries aside (`keepAside`), by key prefix, in the user's words. */
const RECORDS: readonly { readonly prefix: string; readonly name: string }[] = [
  { prefix: 'tabchain.swapApprovals.', name: 'your approvals of trades' },
  { prefix: 'tabchain.activity.', name: 'your wallet activity' },
  { prefix: 'tabchain.faucet.', name: 'your faucet payments' },
]

/** Where a profile keeps, per record key, the fingerprint of the kept-aside text the user dismissed. */
const SEEN = 'tabchain.keptAsideSeen.'

/** FNV-1a (32 bits) of `text` in hex: whether a kept-aside text changed since the user dismissed it. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, '0')
}

function seenOf(storage: Pick<Storage, 'getItem'>, profileId: string): Record<string, string> {
  const saved = parseJson(storage.getItem(SEEN + profileId) ?? '')
  const seen: Record<string, string> = {}
  if (typeof saved === 'object' && saved !== null && !Array.isArray(saved))
    for (const [k, v] of Object.entries(saved)) if (typeof v === 'string') seen[k] = v
  return seen
}

/**
 * The keys of `profileId`'s records whose kept-aside entries (`<key>.damaged`) the user has not
 * dismissed a notice of: none kept, or the same text as when dismissed, is not listed. Pure over `storage`.
 */
export function unseenKeptAside(storage: Pick<Storage, 'getItem'>, profileId: string): string[] {
  const seen = seenOf(storage, profileId)
  return RECORDS.map((r) => r.prefix + profileId).filter((key) => {
    const text = storage.getItem(keptAsideKey(key))
    return text !== null && seen[key] !== fingerprint(text)
  })
}

/**
 * Remembers that the user dismissed the notice of `keys`' kept-aside entries as they are now (a later
 * entry kept aside changes the text, and is said again). The kept-aside texts are never touched.
 */
export function dismissKeptAside(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  profileId: string,
  keys: readonly string[],
): void {
  const seen = seenOf(storage, profileId)
  for (const key of keys) seen[key] = fingerprint(storage.getItem(keptAsideKey(key)) ?? '')
  trySave(storage, SEEN + profileId, JSON.stringify(seen))
}

/** What the notice says of the records `keys` whose damaged entries were kept aside. */
export function keptAsideText(keys: readonly string[]): string {
  const names = RECORDS.filter((r) => keys.some((k) => k.startsWith(r.prefix))).map((r) => r.name)
  const list = names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  const approvals = keys.some((k) => k.startsWith(RECORDS[0]?.prefix ?? ''))
  return `Part of what this browser saved could not be read (${list}): it was kept aside, unchanged, in this site's storage under ${keys.map(keptAsideKey).join(', ')}, and the rest goes on as before.${approvals ? ' A running trade it covered asks to be approved again in My trades.' : ''}`
}

/**
 * Tells the user, once, when a record of `profileId` kept damaged entries aside: as the page opens, and
 * each time `keepAside` keeps more (the notice's Dismiss remembers what was seen). Runs for the page's life.
 */
export function startKeptAsideNotice(storage: Storage, profileId: string): void {
  const tell = (): void => {
    const keys = unseenKeptAside(storage, profileId)
    useNotices.setState({
      keptAside: keys,
      dismissKeptAside: () => {
        dismissKeptAside(storage, profileId, keys)
        useNotices.setState({ keptAside: [] })
      },
    })
  }
  tell()
  onKeptAside(tell)
}
