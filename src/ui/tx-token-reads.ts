import type { Address } from 'viem'
import { messageOf } from '../node/rpc/errors'
import type { Remote } from '../node/rpc/protocol'
import type { NodeApi } from '../node/worker/node'
import type { TokenInfo, TxView } from '../node/worker/queries'
import { firstClause, tokensNamed } from './address-activity'
import type { TokenDirectory } from './address-name'
import { shownToken } from './format'

/** A token read not ended (`reading`), or ended in an error: `failed`, with why (the error's message). */
export type TokenUnread = { readonly state: 'reading' } | { readonly state: 'failed'; readonly error: string }

/** A read of what lives at an address: being read, failed, or read (null: no token there). */
export type TokenRead = TokenUnread | { readonly state: 'read'; readonly token: TokenInfo | null }

/** The token reads of one Tx page, by address in lower case. */
export type TokenReads = ReadonlyMap<string, TokenRead>

/**
 * The token reads of one Tx page: the tokens its transaction names (`tokensNamed`), each read apart, the
 * page showing at once and each token's name, symbol and decimals when its read ends (on a light node each
 * read is a proof from a peer: one slow or failing read held back, or failed, the whole page).
 */
export interface TxTokenReads {
  /**
   * Starts reading, without waiting for them, the tokens `tx` names: each neither kept nor being read,
   * once. A token read is kept for good; an address found holding no token, or whose read failed, is read
   * again at the next call (the page's next refresh), showing the last outcome meanwhile.
   */
  read(tx: TxView): void
  /**
   * Starts reading, as `read` does, the tokens at `addresses` (a lock's token, read once its record is):
   * each neither kept nor being read, once, an address the transaction also names not read twice.
   */
  readTokens(addresses: readonly Address[]): void
  /** The reads so far: the same map until a read starts or ends. */
  readonly current: () => TokenReads
  /** Calls `listener` whenever `current` changes; returns what stops that. */
  readonly subscribe: (listener: () => void) => () => void
}

/** The token reads of a Tx page, through `api.token`. */
export function txTokenReads(api: Pick<Remote<NodeApi>, 'token'>): TxTokenReads {
  const entries = new Map<string, { shown: TokenRead; kept: boolean; reading: boolean }>()
  const listeners = new Set<() => void>()
  let current: TokenReads = new Map()
  const changed = () => {
    current = new Map([...entries].map(([address, entry]) => [address, entry.shown]))
    for (const listener of listeners) listener()
  }
  const readTokens = (addresses: readonly Address[]) => {
    const wanted = new Map(addresses.map((a) => [a.toLowerCase(), a]))
    let started = false
    for (const [address, named] of wanted) {
      const entry = entries.get(address) ?? { shown: { state: 'reading' }, kept: false, reading: false }
      if (entry.kept || entry.reading) continue
      entries.set(address, entry)
      entry.reading = true
      started = true
      api.token(named).then(
        (token) => {
          entry.reading = false
          entry.kept = token !== null
          entry.shown = { state: 'read', token: token === null ? null : shownToken(token) }
          changed()
        },
        (err: unknown) => {
          entry.reading = false
          entry.shown = { state: 'failed', error: messageOf(err) }
          changed()
        },
      )
    }
    if (started) changed()
  }
  return {
    read: (tx) => readTokens(tokensNamed(tx)),
    readTokens,
    current: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}

/** The tokens `reads` has read, as a directory to name addresses and amounts with. Pure. */
export function tokensRead(reads: TokenReads): TokenDirectory {
  const directory = new Map<string, TokenInfo>()
  for (const [address, read] of reads)
    if (read.state === 'read' && read.token !== null) directory.set(address, read.token)
  return directory
}

/** The addresses whose read has not ended yet (lower-case), in `reads`. Pure. */
export function tokensReading(reads: TokenReads): ReadonlySet<string> {
  return new Set([...reads].filter(([, read]) => read.state === 'reading').map(([address]) => address))
}

/**
 * What the Tx page says of a token whose read has not ended (`Reading the token…`) or failed (`Token not
 * read: why`, the error's first clause, as a lock's amount says it). Pure.
 */
export function tokenUnreadText(read: TokenUnread): string {
  return read.state === 'reading' ? 'Reading the token…' : `Token not read: ${firstClause(read.error)}`
}
