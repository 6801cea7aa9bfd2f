import { type ReactNode, useEffect, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { formatEther, getAddress, isAddress } from 'viem'
import type { AccountInfo, BlockSummary } from '../../node/worker/chain-service'
import { formatDuration } from '../format'
import { useApp } from '../store'
import { useNow } from '../useNow'

const LATEST = 20

/** Runs a query against the node whenever its inputs or the head change; null while loading. */
function useNodeQuery<T>(
  query: (api: NonNullable<ReturnType<typeof useApp.getState>['api']>) => Promise<T>,
  deps: unknown[],
) {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head?.hash)
  const [result, setResult] = useState<{ value: T } | { error: string } | null>(null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query is re-run on its declared inputs and on every new head.
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
  }, [api, head, ...deps])
  return result
}

function Age({ at }: { readonly at: bigint }) {
  const now = useNow(1000)
  const ms = now - Number(at)
  return (
    <span title={new Date(Number(at)).toLocaleString()}>
      {ms < 1500 ? 'just now' : `${formatDuration(ms)} ago`}
    </span>
  )
}

const short = (hex: string): string => `${hex.slice(0, 10)}…${hex.slice(-6)}`

/** Latest blocks, live: the list follows the head as blocks arrive. */
export function ExplorerScreen() {
  const head = useApp((s) => s.head)
  const latest = head?.number ?? 0n
  const result = useNodeQuery((api) => api.blocks(latest, LATEST), [latest])
  const navigate = useNavigate()
  const [search, setSearch] = useState('')
  const target = search.trim()
  const href = /^\d+$/.test(target) ? `/block/${target}` : isAddress(target) ? `/address/${target}` : null
  return (
    <div className="screen">
      <h1>Explorer</h1>
      <p className="lead">
        Blocks this node holds, newest first. Everything here is read from this tab’s own chain.
      </p>
      <form
        className="search"
        onSubmit={(e) => {
          e.preventDefault()
          if (href !== null) navigate(href)
        }}
      >
        <input
          className="input"
          placeholder="Block number or address (0x…)"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          aria-label="Search by block number or address"
        />
        <button type="submit" className="button" disabled={href === null}>
          Open
        </button>
      </form>
      {result === null ? (
        <p className="muted">Loading…</p>
      ) : 'error' in result ? (
        <p className="panel panel--error">{result.error}</p>
      ) : (
        <table className="table" data-testid="latest-blocks">
          <thead>
            <tr>
              <th>Block</th>
              <th>Hash</th>
              <th>Age</th>
              <th>Txs</th>
              <th>Difficulty</th>
            </tr>
          </thead>
          <tbody>
            {result.value.map((b) => (
              <tr key={b.hash} data-testid="block-row" data-number={b.number.toString()}>
                <td>
                  <Link to={`/block/${b.number}`}>#{b.number.toLocaleString()}</Link>
                </td>
                <td className="mono">{short(b.hash)}</td>
                <td>
                  <Age at={b.timestamp} />
                </td>
                <td>{b.transactions.length}</td>
                <td>{b.difficulty.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** One block (EIP-3091 route /block/:n). */
export function BlockScreen() {
  const { number = '' } = useParams()
  const valid = /^\d+$/.test(number)
  const result = useNodeQuery((api) => (valid ? api.block(BigInt(number)) : Promise.resolve(null)), [number])
  if (!valid) return <Missing what={`“${number}” is not a block number.`} />
  if (result === null) return <p className="screen muted">Loading…</p>
  if ('error' in result) return <p className="screen panel panel--error">{result.error}</p>
  if (result.value === null) return <Missing what={`Block #${number} is not on this node’s chain (yet).`} />
  return <BlockDetail block={result.value} />
}

function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function BlockDetail({ block }: { readonly block: BlockSummary }) {
  return (
    <div className="screen" data-testid="block-detail" data-hash={block.hash}>
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1>Block #{block.number.toLocaleString()}</h1>
      <dl className="facts">
        <Fact label="Hash">
          <span className="mono break">{block.hash}</span>
        </Fact>
        <Fact label="Parent">
          {block.number > 0n ? (
            <Link to={`/block/${block.number - 1n}`} className="mono break">
              {block.parentHash}
            </Link>
          ) : (
            <span className="mono break">{block.parentHash}</span>
          )}
        </Fact>
        <Fact label="Time">
          <Age at={block.timestamp} />
        </Fact>
        <Fact label="Confirmations">{block.confirmations.toString()}</Fact>
        <Fact label="Miner">
          <Link to={`/address/${block.miner}`} className="mono break">
            {getAddress(block.miner)}
          </Link>
        </Fact>
        <Fact label="Difficulty">{block.difficulty.toLocaleString()}</Fact>
        <Fact label="Gas used">{block.gasUsed.toLocaleString()}</Fact>
        <Fact label="Base fee">{`${formatEther(block.baseFeePerGas, 'gwei')} gwei`}</Fact>
        <Fact label="State root">
          <span className="mono break">{block.stateRoot}</span>
        </Fact>
        <Fact label="Transactions">
          {block.transactions.length === 0
            ? 'none'
            : block.transactions.map((t) => (
                <div className="mono break" key={t}>
                  {t}
                </div>
              ))}
        </Fact>
      </dl>
    </div>
  )
}

/** An address's native balance and nonce (EIP-3091 route /address/:addr). */
export function AddressScreen() {
  const { address = '' } = useParams()
  const valid = isAddress(address)
  const result = useNodeQuery(
    (api) => (valid ? api.account(address as `0x${string}`) : Promise.resolve(null)),
    [address],
  )
  if (!valid) return <Missing what={`“${address}” is not an address.`} />
  if (result === null) return <p className="screen muted">Loading…</p>
  if ('error' in result) return <p className="screen panel panel--error">{result.error}</p>
  const account = result.value as AccountInfo
  return (
    <div className="screen" data-testid="address-detail">
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1 className="mono break">{getAddress(address)}</h1>
      <dl className="facts">
        <div className="facts__row">
          <dt>Balance</dt>
          <dd data-testid="balance">{formatEther(account.balance)} TAB</dd>
        </div>
        <div className="facts__row">
          <dt>Transactions sent</dt>
          <dd>{account.nonce.toString()}</dd>
        </div>
      </dl>
    </div>
  )
}

function Missing({ what }: { readonly what: string }) {
  return (
    <div className="screen">
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <p className="lead">{what}</p>
    </div>
  )
}
