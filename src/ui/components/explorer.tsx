import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { Link, Outlet } from 'react-router'
import { type Address, getAddress } from 'viem'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import type { TokenInfo } from '../../node/worker/queries'
import { shortHash } from '../../wallet/describe'
import { type AddressSide, addressName, type TokenDirectory, tokenDirectory } from '../address-name'
import { agoText, minedAtText, type UnprovenRead, unprovenRead } from '../format'
import { createTokenList, followTokenList, type TokenListFollower } from '../known-tokens'
import { useProofRetry } from '../proof-retry'
import { createQueryRunner, type QueryResult, type QueryRunner } from '../query-runner'
import { useApp } from '../store'
import { useNow } from '../useNow'
import { Identicon } from './Identicon'

export type { QueryResult } from '../query-runner'

/**
 * Runs a query against the node whenever its inputs (`deps`), the head or the node's mode change, or
 * one of `refresh` does, and again while no peer proved it or a part of it (`useProofRetry`; `unread`
 * names a part's failure, such as a row's, in an answer that came); null while loading. One
 * run at a time: a new head while a run is on its way queues the next run rather than dropping the
 * answer (see `createQueryRunner`), so a fast chain's heads cannot keep the screen on a stale answer.
 * New inputs drop the answer of the old ones.
 */
export function useNodeQuery<T>(
  query: (api: Remote<NodeApi>) => Promise<T>,
  deps: unknown[],
  refresh: unknown[] = [],
  unread: (value: T) => string | null = () => null,
): QueryResult<T> {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head?.hash)
  // An `auto` node switching from proofs to its own state (light → full) may do so at the same head.
  const mode = useApp((s) => s.mode?.kind)
  const [result, setResult] = useState<QueryResult<T>>(null)
  const runner = useRef<QueryRunner<T> | null>(null)
  const retry = useProofRetry(
    result,
    result === null ? null : 'error' in result ? result.error : unread(result.value),
  )
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query's inputs give it a runner of its own.
  useEffect(() => {
    const r = createQueryRunner<T>(setResult)
    runner.current = r
    return () => r.close()
  }, [api, ...deps])
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query is re-run on its declared inputs, on every new head, on a mode change, on a retry and on each of `refresh`.
  useEffect(() => {
    if (api === null) return
    runner.current?.run(() => query(api))
  }, [api, head, mode, retry, ...deps, ...refresh])
  return result
}

/** "just now" / "42s ago" (`agoText`), with the exact time in the tooltip; `at` in ms since epoch. */
export function Age({ at }: { readonly at: bigint }) {
  const now = useNow(1000)
  return <span title={new Date(Number(at)).toLocaleString()}>{agoText(Number(at), now)}</span>
}

/** When a block was mined: its date and time, then how long ago (`minedAtText`); `at` in ms since epoch. */
export function MinedAt({ at }: { readonly at: bigint }) {
  const now = useNow(1000)
  return (
    <time dateTime={new Date(Number(at)).toISOString()} data-testid="mined-at">
      {minedAtText(at, now)}
    </time>
  )
}

/** `0x12345678…abcdef` (`shortHash`); shown on one line (`.short-hex`, `ShortHexText` in a sentence). */
export const short = shortHash

export function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

/** The tokens the explorer names addresses by, and how a screen says it met a token the list lacks. */
export interface KnownTokensValue {
  readonly directory: TokenDirectory
  /**
   * False until the list's first read has ended (answered or failed): a token not in `directory` may be
   * in it yet, so its amounts are not shown in base units meanwhile (a flash of "100 base units of token
   * 0x…" before "1 GLD").
   */
  readonly read: boolean
  readonly lacks: (address: Address) => void
}

/** None outside `KnownTokens` (native contracts are named still), and none to wait for. */
export const KnownTokensContext = createContext<KnownTokensValue>({
  directory: new Map(),
  read: true,
  lacks: () => {},
})

/**
 * The explorer's screens (a layout route: `Outlet`), with the tokens the node knows to name their
 * addresses by: read when the screens open, and again only when a new head's blocks created a token, on
 * a reorganisation or a switch of the node's mode, or when a screen meets a token the list lacks
 * (`createTokenList`). Naming is an aid: while the list is read, or if it cannot be, addresses show as
 * hashes (and native contracts by name).
 */
export function KnownTokens() {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head?.number)
  const reorg = useApp((s) => s.lastReorg)
  const mode = useApp((s) => s.mode?.kind)
  const list = useMemo(() => (api === null ? null : createTokenList(api)), [api])
  // Null until the first read ended; a failed one leaves the names it had (none, at first).
  const [tokens, setTokens] = useState<readonly TokenInfo[] | null>(null)
  // Bumped when a screen met a token the list lacks: the list is read again without waiting for a head.
  const [lacking, setLacking] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: a reorganisation or a mode switch reads the list again.
  useEffect(() => {
    list?.invalidate()
  }, [list, reorg, mode])
  // Every answer shown, in the order the heads came: one dropped because a newer head came while it was
  // read left a fast chain's tokens unnamed for good (`followTokenList`).
  const follower = useRef<TokenListFollower | null>(null)
  useEffect(() => {
    if (list === null) return
    const followed = followTokenList(list, setTokens, () => setTokens((held) => held ?? []))
    follower.current = followed
    return () => followed.close()
  }, [list])
  // biome-ignore lint/correctness/useExhaustiveDependencies: a reorganisation, a mode switch or `lacking` asks for a read at the same head.
  useEffect(() => {
    if (head !== undefined) follower.current?.head(head)
  }, [list, head, reorg, mode, lacking])
  const value = useMemo(
    () => ({
      directory: tokenDirectory(tokens ?? []),
      read: tokens !== null,
      lacks: (address: Address) => {
        if (list?.lacks(address) === true) setLacking((n) => n + 1)
      },
    }),
    [tokens, list],
  )
  return (
    <KnownTokensContext.Provider value={value}>
      <Outlet />
    </KnownTokensContext.Provider>
  )
}

/** The tokens the explorer knows (`KnownTokens`), to name addresses by. */
export const useKnownTokens = (): TokenDirectory => useContext(KnownTokensContext).directory

/** Whether the explorer's token list has been read once (`KnownTokensValue.read`). */
export const useKnownTokensRead = (): boolean => useContext(KnownTokensContext).read

/**
 * Says to `KnownTokens` that a screen shows `token` (a token the node holds; null: none), so that the
 * list is read again when it lacks it (a token created in blocks no head carried here, e.g. while the
 * node synced them).
 */
export function useTokenShown(token: Address | null): void {
  useTokensShown(token === null ? [] : [token])
}

/**
 * As `useTokenShown`, for each of `tokens` (the tokens whose amounts a list's rows show): each one the
 * list lacks is asked for once (`TokenList.lacks`), so a page listing many does not read it at each.
 */
export function useTokensShown(tokens: readonly Address[]): void {
  const { directory, lacks } = useContext(KnownTokensContext)
  // As one string: the effect runs when the missing tokens change, not at each render's new array.
  const missing = tokens.filter((t) => !directory.has(t.toLowerCase())).join(',')
  useEffect(() => {
    for (const token of missing === '' ? [] : missing.split(',')) lacks(token as Address)
  }, [missing, lacks])
}

/**
 * An address with its identicon, linking to its explorer page: by this tab's own name for it where given
 * (`yours`), by name where the explorer knows one (`addressName`: a native contract, `mint`/`burn` for
 * the zero address in `side`, a known token), else
 * in EIP-55 form; `full` adds the whole address under a name, or shows it whole in place of `short`.
 */
export function AddressLink({
  address,
  full = false,
  side = 'other',
  yours = null,
}: {
  readonly address: Address
  readonly full?: boolean
  readonly side?: AddressSide
  /** This tab's own name for it (`yourName`: "Account 1 (you)"), shown in place of the hash; null: none. */
  readonly yours?: string | null
}) {
  const checksummed = getAddress(address)
  const known = addressName(checksummed, useKnownTokens(), side)
  const name = yours ?? known
  const hash = full ? checksummed : short(checksummed)
  return (
    <Link to={`/address/${checksummed}`} className="address-link" title={checksummed}>
      <Identicon id={checksummed.toLowerCase()} size={16} />
      {name === null ? (
        <span className={full ? 'mono break' : 'mono short-hex'}>{hash}</span>
      ) : (
        <span className="address-link__named">
          <span data-testid="address-name">{name}</span>
          {full ? <span className="mono break muted small">{checksummed}</span> : null}
        </span>
      )}
    </Link>
  )
}

/**
 * A transaction's hash as a link to its Tx page, in the short form (`short`) a list row has room for on a
 * phone, on one line (`.short-hex`); the whole hash is its tooltip and its accessible name.
 */
export function TxLink({ hash, className = 'mono' }: { readonly hash: string; readonly className?: string }) {
  return (
    <Link
      to={`/tx/${hash}`}
      className={`${className} short-hex`}
      title={hash}
      aria-label={`Transaction ${hash}`}
    >
      {short(hash)}
    </Link>
  )
}

/**
 * A block's hash in the short form (`short`) a list row has room for; the whole hash is its tooltip and
 * what a screen reader reads (the row's block number is its link).
 */
export function BlockHash({ hash }: { readonly hash: string }) {
  return (
    <span className="mono short-hex" title={hash}>
      <span aria-hidden="true">{short(hash)}</span>
      <span className="visually-hidden">{hash}</span>
    </span>
  )
}

export function Missing({ what }: { readonly what: string }) {
  return (
    <div className="screen">
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <p className="lead">{what}</p>
    </div>
  )
}

/**
 * A query that failed: its error, announced at once (`role="alert"`) so a screen reader hears that the
 * screen, or this part of it, did not load.
 */
export function LoadFailed({ error }: { readonly error: string }) {
  const unproven = unprovenRead(error)
  if (unproven !== null)
    return (
      <div className="panel panel--error" role="alert" data-testid="load-failed">
        <UnprovenNote read={unproven} />
      </div>
    )
  return (
    <p className="panel panel--error" role="alert" data-testid="load-failed">
      {error}
    </p>
  )
}

/** A read no peer proved (`unprovenRead`): its plain line, the light client's own words folded under Details. */
export function UnprovenNote({ read }: { readonly read: UnprovenRead }) {
  return (
    <>
      <p data-testid="unproven-line">{read.line}</p>
      <details data-testid="unproven-detail">
        <summary>Details</summary>
        <p className="mono break">{read.detail}</p>
      </details>
    </>
  )
}

/** Loading and error states of a query, or its value rendered by `children`. */
export function Loaded<T>({
  result,
  children,
}: {
  readonly result: QueryResult<T>
  readonly children: (value: T) => ReactNode
}) {
  if (result === null) return <p className="muted">Loading…</p>
  if ('error' in result) return <LoadFailed error={result.error} />
  return <>{children(result.value)}</>
}
