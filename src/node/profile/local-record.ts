import { NodeError } from '../rpc/errors'

/**
 * The one way the page reads and writes its per-profile values in localStorage (docs/ARCHITECTURE.md,
 * "Values kept in localStorage"). A preference that cannot be read is its default; one that cannot be
 * written holds for this page load (`trySave`). A record the user would miss (swap approvals,
 * activity, faucet payments) that is damaged is kept aside, raw, under `keptAsideKey` before the record
 * is written again (`keepAside`), and one that cannot be written is a `LocalRecordError`.
 */

/** `text` parsed as JSON, or undefined when it is none (no JSON text parses to undefined). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Whether `value` is a JSON object: not null, not an array. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Where the damaged entries of the record at `key` are kept aside: `<key>.damaged` (`tabchain.activity.<profile>.damaged`).
 * The record's own writes never touch it; removing the profile removes it (`isProfileKey`).
 */
export const keptAsideKey = (key: string): string => `${key}.damaged`

/** The suffix `keptAsideKey` adds. */
export const KEPT_ASIDE_SUFFIX = '.damaged'

/**
 * Most characters kept aside per record (about 200 KB of the origin's 5 MB or so of localStorage): past
 * it the oldest entries go first, and an entry longer than it alone keeps its first characters.
 */
export const KEPT_ASIDE_CHARS = 100_000

/**
 * Appends `entries` (raw texts) to those kept aside for the record at `key` (`keptAsideKey`), a JSON list
 * of strings, oldest first, bounded by `KEPT_ASIDE_CHARS`; a kept-aside value that is no such list is kept
 * as one entry. Throws `LocalRecordError` when the browser refuses (full): the caller must then not
 * write the record.
 */
export function keepAside(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  key: string,
  entries: readonly string[],
): void {
  const asideKey = keptAsideKey(key)
  const before = storage.getItem(asideKey)
  let kept: string[] = []
  if (before !== null) {
    const parsed = parseJson(before)
    kept = Array.isArray(parsed) && parsed.every((e) => typeof e === 'string') ? parsed : [before]
  }
  const all = [...kept, ...entries]
  while (all.length > 1 && JSON.stringify(all).length > KEPT_ASIDE_CHARS) all.shift()
  const [only] = all
  let text = JSON.stringify(all)
  if (only !== undefined && text.length > KEPT_ASIDE_CHARS) {
    // One entry alone too long: its longest start that fits once JSON escapes it (a quote takes two).
    let [fits, over] = [0, only.length]
    while (over - fits > 1) {
      const mid = Math.floor((fits + over) / 2)
      if (JSON.stringify([only.slice(0, mid)]).length <= KEPT_ASIDE_CHARS) fits = mid
      else over = mid
    }
    text = JSON.stringify([only.slice(0, fits)])
  }
  saveRecord(storage, asideKey, text)
  for (const listener of keptAsideListeners) listener(key)
}

const keptAsideListeners = new Set<(key: string) => void>()

/**
 * Calls `listener` with the record's key each time `keepAside` has kept entries aside (the page tells
 * the user: `src/ui/kept-aside.ts`); returns the function that stops it.
 */
export function onKeptAside(listener: (key: string) => void): () => void {
  keptAsideListeners.add(listener)
  return () => keptAsideListeners.delete(listener)
}

/** Why a record could not be saved in localStorage. Branch on `code`. */
export type LocalRecordErrorType = {
  readonly code: 'LOCAL_RECORD_NOT_SAVED'
  /** The localStorage key. */
  readonly key: string
  /** What the browser said (`QuotaExceededError`: full; `SecurityError`: storage turned off). */
  readonly reason: string
}

/** A record the browser refused to save: what was stored before is as it was. */
export class LocalRecordError extends NodeError<LocalRecordErrorType> {
  override name = 'LocalRecordError'

  constructor(type: LocalRecordErrorType) {
    super(type, `this browser did not save ${type.key}: ${type.reason}`)
  }
}

const reasonOf = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err)

/**
 * Writes a record the user would miss; throws `LocalRecordError` when the browser refuses (full, or
 * storage turned off), the value stored before left as it was.
 */
export function saveRecord(storage: Pick<Storage, 'setItem'>, key: string, value: string): void {
  try {
    storage.setItem(key, value)
  } catch (err) {
    throw new LocalRecordError({ code: 'LOCAL_RECORD_NOT_SAVED', key, reason: reasonOf(err) })
  }
}

/**
 * Writes a preference (or a list the page also holds in memory); when the browser refuses (full, or
 * storage turned off) the value holds for this page load only — the next load reads what was saved
 * before, untouched — with a warning, and false is returned.
 */
export function trySave(storage: Pick<Storage, 'setItem'>, key: string, value: string): boolean {
  try {
    storage.setItem(key, value)
    return true
  } catch (err) {
    console.warn(`${key} could not be saved: ${reasonOf(err)}`)
    return false
  }
}

/** A `Storage` over a Map: it holds its values for the page's life only. */
export function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  }
}

/** The storage this page load holds its values in when the browser denied localStorage, and why. */
let denied: { readonly storage: Storage; readonly reason: string } | null = null

/**
 * This page's localStorage, the one every caller uses (never the bare global: reading it throws a
 * `SecurityError` when the browser does not let the site keep data — site data or third-party storage
 * blocked — which would stop the page from starting). When it is denied, a `memoryStorage` that holds
 * the values for this page load instead, the same one for every caller; `storageDenied` says why.
 */
export function pageStorage(): Storage {
  if (denied !== null) return denied.storage
  try {
    return globalThis.localStorage
  } catch (err) {
    denied = { storage: memoryStorage(), reason: reasonOf(err) }
    console.warn(`localStorage is denied, values held for this page load: ${denied.reason}`)
    return denied.storage
  }
}

/** Why the browser denied this page localStorage (`pageStorage` holds the values in memory), or null. */
export const storageDenied = (): string | null => {
  pageStorage()
  return denied?.reason ?? null
}

/** This tab's sessionStorage, or null when the browser denies it (as it does localStorage). */
export function pageSessionStorage(): Storage | null {
  try {
    return globalThis.sessionStorage
  } catch {
    return null
  }
}
