import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react'
import { Link, Outlet } from 'react-router'
import { type Address, getAddress } from 'viem'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import { type AddressSide, addressName, type TokenDirectory, tokenDirectory } from '../address-name'
import { formatDuration } from '../format'
import { useApp } from '../store'
import { useNow } from '../useNow'
import { Identicon } from './Identicon'

export type QueryResult<T> = { readonly value: T } | { readonly error: string } | null

/** Runs a query against the node whenever its inputs, the head or the node's mode change; null while loading. */
export function useNodeQuery<T>(
  query: (api: Remote<NodeApi>) => Promise<T>,
  deps: unknown[],
): QueryResult<T> {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head?.hash)
  // An `auto` node switching from proofs to its own state (light → full) may do so at the same head.
  const mode = useApp((s) => s.mode?.kind)
  const [result, setResult] = useState<QueryResult<T>>(null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query is re-run on its declared inputs, on every new head and on a mode change.
  useEffect(() => {
    if (api === null) return
    let live = true
    query(api).then(
      (value) => live && setResult({ value }),
      (err: unknown) => live && setResult({ error: err instanceof Error ? err.message : String(err) }),
    )
    return () => {
      live = false
    }
  }, [api, head, mode, ...deps])
  return result
}

/** "just now" / "42s ago", with the exact time in the tooltip; `at` in ms since epoch. */
export function Age({ at }: { readonly at: bigint }) {
  const now = useNow(1000)
  const ms = now - Number(at)
  return (
    <span title={new Date(Number(at)).toLocaleString()}>
      {ms < 1500 ? 'just now' : `${formatDuration(ms)} ago`}
    </span>
  )
}

/** `0x12345678…abcdef` */
export const short = (hex: string): string => `${hex.slice(0, 10)}…${hex.slice(-6)}`

export function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

/** The tokens the explorer names addresses by; none outside `KnownTokens` (native contracts are named still). */
const KnownTokensContext = createContext<TokenDirectory>(new Map())

/**
 * The explorer's screens (a layout route: `Outlet`), with the tokens the node knows, re-read at each head,
 * to name their addresses by. Naming is an aid: while the list is read, or if it cannot be, addresses
 * show as hashes (and native contracts by name).
 */
export function KnownTokens() {
  const result = useNodeQuery((api) => api.tokens(), [])
  const tokens = result !== null && 'value' in result ? result.value : null
  const directory = useMemo(() => tokenDirectory(tokens ?? []), [tokens])
  return (
    <KnownTokensContext.Provider value={directory}>
      <Outlet />
    </KnownTokensContext.Provider>
  )
}

/** The tokens the explorer knows (`KnownTokens`), to name addresses by. */
export const useKnownTokens = (): TokenDirectory => useContext(KnownTokensContext)

/**
 * An address with its identicon, linking to its explorer page: by name where the explorer knows one
 * (`addressName`: a native contract, `mint`/`burn` for the zero address in `side`, a known token), else
 * in EIP-55 form; `full` adds the whole address under a name, or shows it whole in place of `short`.
 */
export function AddressLink({
  address,
  full = false,
  side = 'other',
}: {
  readonly address: Address
  readonly full?: boolean
  readonly side?: AddressSide
}) {
  const checksummed = getAddress(address)
  const name = addressName(checksummed, useKnownTokens(), side)
  const hash = full ? checksummed : short(checksummed)
  return (
    <Link to={`/address/${checksummed}`} className="address-link" title={checksummed}>
      <Identicon id={checksummed.toLowerCase()} size={16} />
      {name === null ? (
        <span className={full ? 'mono break' : 'mono'}>{hash}</span>
      ) : (
        <span className="address-link__named">
          <span data-testid="address-name">{name}</span>
          {full ? <span className="mono break muted small">{checksummed}</span> : null}
        </span>
      )}
    </Link>
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
  return (
    <p className="panel panel--error" role="alert" data-testid="load-failed">
      {error}
    </p>
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
