import { type ReactNode, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { type Address, getAddress, type Hex } from 'viem'
import type { Remote } from '../../node/rpc/protocol'
import type { BlockSummary } from '../../node/worker/chain-service'
import type { NodeApi } from '../../node/worker/node'
import type { TokenHolding, TokenInfo, TxView } from '../../node/worker/queries'
import { parseAddress } from '../../wallet/address'
import { formatAmount, formatCoin } from '../../wallet/amount'
import {
  addressTxRow,
  type Direction,
  KEPT_BY_FULL,
  lockUnreadText,
  missingBelowNote,
  peerListed,
  rowsAmountTokens,
  shownAmountToken,
  type WhatPart,
} from '../address-activity'
import { type AddressKind, addressKind } from '../address-name'
import { AddressInput } from '../components/AddressInput'
import {
  AddressLink,
  Age,
  BlockHash,
  Fact,
  Loaded,
  LoadFailed,
  Missing,
  short,
  TxLink,
  UnprovenNote,
  useKnownTokens,
  useKnownTokensRead,
  useNodeQuery,
  useTokenShown,
  useTokensShown,
} from '../components/explorer'
import { fieldProblem } from '../components/field-problem'
import { GroupedAmount } from '../components/GroupedAmount'
import { Identicon } from '../components/Identicon'
import { ListNote, type ListNoteText } from '../components/ListNote'
import { TxStatusBadge } from '../components/TxStatusBadge'
import { explorerSearch, type SearchTarget, searchProblemText } from '../explorer-search'
import {
  formatDifficulty,
  pendingNote,
  shownHolding,
  shownToken,
  tokenBalance,
  unprovenRead,
  verifiedNote,
} from '../format'
import { isUnproven } from '../proof-retry'
import { type SettledLockReads, settledLockReads } from '../settled-lock-reads'
import { directPeerCount, useApp } from '../store'
import { ADDRESS_PROBLEMS } from '../token-form'
import { tokenUnreadText } from '../tx-token-reads'

const LATEST = 20
/** Blocks a page lists on a phone: a first screen with the newest blocks and the pager under them. */
const LATEST_ON_PHONE = 10
/** The widths the block list is laid out for a phone at (as the stylesheet's small-screen tables). */
const PHONE = '(max-width: 760px)'

/** Whether the media query `query` matches now, following it as the window changes. */
function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches)
  useEffect(() => {
    const list = window.matchMedia(query)
    const changed = () => setMatches(list.matches)
    changed()
    list.addEventListener('change', changed)
    return () => list.removeEventListener('change', changed)
  }, [query])
  return matches
}

/** The `upto` search parameter: the newest block of an older page, or null for the live list. */
function pageTop(param: string | null): bigint | null {
  return param !== null && /^\d+$/.test(param) ? BigInt(param) : null
}

/** Where a page of the block list sits in the chain, and the blocks above it the node does not hold yet. */
export interface BlocksPage {
  /** The newest block of the next older page, or null at the genesis. */
  readonly older: bigint | null
  /** The newest block of the next newer page (`latest`: the live list), or null on the live list. */
  readonly newer: bigint | null
  /** Blocks up to the page's top that the node reports but does not list yet, or null. */
  readonly pending: { readonly from: bigint; readonly to: bigint } | null
}

/** Blocks between the genesis and a snapshot's base (`base`), which this node never executed nor kept. */
export interface BlocksNotKept {
  readonly from: bigint
  readonly to: bigint
  readonly base: bigint
}

/**
 * The page of `count` blocks ending at `last`, the node's head at `latest`, and `list` the one the node
 * gave last (for `asked`; its newest block `top`, null when none) or null while none came. An `auto` node
 * behind the headers it verified reports their head (its wallet reads through proofs meanwhile) but lists
 * only the blocks it executed: its list tops out below the head, and the blocks above are said to be on
 * their way — but not those below `base`, the snapshot block it started from (`blocksNotKept`), which it
 * never executes. The older page follows the list read for this height, not the height asked for (from a
 * head far above the blocks held, Older showed the same blocks again). Pure.
 */
export function blocksPage(
  latest: bigint,
  last: bigint,
  list: { readonly asked: bigint; readonly top: bigint | null } | null,
  count: number,
  base = 0n,
): BlocksPage {
  const newer = last + BigInt(count)
  // A list read for another height (the page before, or the last head) is still on screen while this
  // one is read: Older from it would lead back to the page asked for.
  const held = list === null || list.asked !== last ? last : list.top
  const older = held === null ? null : held - BigInt(count)
  // Past the list's top, but not below the base: those are never executed here.
  const from = list === null || list.top === null ? null : list.top + 1n > base ? list.top + 1n : base
  return {
    older: older !== null && older >= 0n ? older : null,
    newer: last < latest ? (newer < latest ? newer : latest) : null,
    pending: list !== null && from !== null && from <= list.asked ? { from, to: list.asked } : null,
  }
}

/**
 * The blocks of a page read for `asked` (listing `listed`, newest first) that lie between the genesis
 * and `base`, the snapshot block a node started from (0: none), or null when the page reaches none of
 * them: the node's list goes from the base straight to the genesis. Pure.
 */
export function blocksNotKept(asked: bigint, listed: readonly bigint[], base: bigint): BlocksNotKept | null {
  if (base <= 1n || asked < 1n) return null
  const oldest = listed[listed.length - 1]
  // The list passes below the base (to the genesis), or holds nothing at all for this height.
  if (oldest !== undefined && oldest >= base) return null
  return { from: 1n, to: asked < base ? asked : base - 1n, base }
}

/**
 * The note under the block list on the blocks past its top the node has not executed yet. `snapshotFirst`:
 * an upgrade still downloading the chain’s state at a recent block (the snapshot), after which only the
 * blocks above that one are executed.
 */
export function pendingBlocksNote(
  { from, to }: { readonly from: bigint; readonly to: bigint },
  snapshotFirst = false,
): string {
  const one = from === to
  const which = one
    ? `Block #${from.toLocaleString()}`
    : `Blocks #${from.toLocaleString()} to #${to.toLocaleString()}`
  if (snapshotFirst)
    return `${which}: this node verified ${one ? 'its header' : 'their headers'}. It is first downloading a copy of the chain’s state at a recent block: the blocks after that one are listed here as this node executes them; those before it are not kept by this node.`
  return one
    ? `${which}: this node verified its header and is still fetching and executing it; it is listed here once executed.`
    : `${which}: this node verified their headers and is still fetching and executing them; they are listed here once executed.`
}

/**
 * The note on blocks below the snapshot block a node started from: never executed here nor kept (their
 * transactions are not read here), the state they led to checked against the snapshot block's header, and
 * where they can be seen.
 */
export function notKeptNote({ from, to, base }: BlocksNotKept): string {
  const which =
    from === to
      ? `Block #${from.toLocaleString()} is`
      : `Blocks #${from.toLocaleString()} to #${to.toLocaleString()} are`
  return `${which} not kept by this node: it started from a copy of the chain’s state at block #${base.toLocaleString()}, checked against that block’s header, and has executed only the blocks after it. Their transactions are not read here. ${KEPT_BY_FULL}`
}

/** What the snapshot block's page says of its transactions: the node holds its header and the state after it only. */
export const SNAPSHOT_BLOCK_TXS = `Not kept by this node: it started from a copy of the chain’s state at this block and keeps the transactions of the blocks after it only. ${KEPT_BY_FULL}`

/**
 * Latest blocks, live: the list follows the head as blocks arrive. `?upto=N` shows the page of blocks
 * ending at N instead, which stays put as the head moves; Older and Newer page through the chain.
 */
export function ExplorerScreen() {
  const head = useApp((s) => s.head)
  const light = useApp((s) => s.modePin === 'light')
  const upgrading = useApp((s) => s.mode?.kind === 'upgrading')
  const latest = head?.number ?? 0n
  const upTo = pageTop(useSearchParams()[0].get('upto'))
  const last = upTo !== null && upTo < latest ? upTo : latest
  // A phone lists fewer blocks, each on one line (the stylesheet): the newest and Older fit its first screen.
  const count = useMedia(PHONE) ? LATEST_ON_PHONE : LATEST
  // With the height it was asked for: the list shown while the next head's is read is weighed against its
  // own (a note on the blocks it lacks does not flash in at each new head).
  const result = useNodeQuery(
    async (api) => {
      const [blocks, base] = await Promise.all([api.blocks(last, count), api.blocksFrom()])
      // A light node's base is its oldest header: it lists nothing below it, and the genesis with it.
      return { asked: last, blocks, base: light ? 0n : base }
    },
    [last, count, light],
  )
  const list = result !== null && 'value' in result ? result.value : null
  const base = list?.base ?? 0n
  const page = blocksPage(
    latest,
    last,
    list === null ? null : { asked: list.asked, top: list.blocks[0]?.number ?? null },
    count,
    base,
  )
  const notKept =
    list === null
      ? null
      : blocksNotKept(
          list.asked,
          list.blocks.map((b) => b.number),
          base,
        )
  const navigate = useNavigate()
  const [search, setSearch] = useState('')
  const tokens = useKnownTokens()
  const tokensRead = useKnownTokensRead()
  const target = explorerSearch(search, tokensRead ? tokens : null)
  const href = target.kind === 'open' || target.kind === 'token' ? target.href : null
  // Said as soon as it is typed, rather than leaving Open greyed out; tied to the search box.
  const searchProblem = fieldProblem('search-error', searchProblemText(target), {
    className: 'form-error',
    alert: true,
  })
  return (
    <div className="screen">
      <h1>Explorer</h1>
      <p className="lead" data-testid="explorer-source">
        {light
          ? 'Blocks whose headers this node verified, newest first. It runs light: each block’s transactions are read from peers and checked against its header.'
          : 'Blocks this node holds, newest first. Everything here is read from this tab’s own chain.'}
      </p>
      <form
        className="search"
        onSubmit={(e) => {
          e.preventDefault()
          if (href !== null) navigate(href)
        }}
      >
        <AddressInput
          placeholder="Block, address, tx, token"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          aria-label="Search by block number, address, transaction hash or token"
          {...searchProblem.input}
        />
        <button type="submit" className="button" disabled={href === null}>
          Open
        </button>
      </form>
      {searchProblem.message}
      <SearchTokens target={target} />
      {result === null ? (
        <p className="muted">Loading…</p>
      ) : 'error' in result ? (
        <LoadFailed error={result.error} />
      ) : (
        <BlockTable blocks={result.value.blocks} base={base} />
      )}
      {page.pending === null ? null : (
        <p className="muted small" data-testid="blocks-pending">
          {pendingBlocksNote(page.pending, upgrading && base === 0n)}
        </p>
      )}
      {notKept === null ? null : (
        <p className="muted small" data-testid="blocks-not-kept">
          {notKeptNote(notKept)}
        </p>
      )}
      <nav className="row pager" aria-label="Pages of blocks">
        {page.newer === null ? null : (
          <Link
            className="button button--small"
            to={page.newer < latest ? `/explorer?upto=${page.newer}` : '/explorer'}
          >
            ← Newer
          </Link>
        )}
        {page.older === null ? null : (
          <Link className="button button--small" to={`/explorer?upto=${page.older}`}>
            Older →
          </Link>
        )}
      </nav>
      <PendingTransactions />
    </div>
  )
}

/**
 * Under the search box, what a token's symbol or name found: the one token Open goes to, or the several
 * that go by it, each linking to its page (with its address: two tokens may share a name), or that the
 * list of tokens is still being read. Nothing for any other search.
 */
export function SearchTokens({ target }: { readonly target: SearchTarget }) {
  switch (target.kind) {
    case 'reading':
      return (
        <p className="muted small" data-testid="search-tokens">
          Reading the tokens this node knows…
        </p>
      )
    case 'token':
      return (
        <p className="muted small" data-testid="search-tokens">
          Open goes to the token <SearchToken token={target.token} />.
        </p>
      )
    case 'tokens':
      return (
        <div className="search-tokens small" data-testid="search-tokens">
          <p className="muted">
            {target.tokens.length + target.more} tokens{' '}
            {target.exact ? `are called “${target.text}”` : `have “${target.text}” in their symbol or name`}:
            open one.
          </p>
          <ul>
            {target.tokens.map((t) => (
              <li key={t.address}>
                <SearchToken token={t} />
              </li>
            ))}
          </ul>
          {target.more > 0 ? (
            <p className="muted">
              And {target.more} more: type more of the symbol or name, or open a token by its address.
            </p>
          ) : null}
        </div>
      )
    default:
      return null
  }
}

/** A token found by the search: its name and symbol linking to its page, and its short address. */
function SearchToken({ token }: { readonly token: TokenInfo }) {
  const address = getAddress(token.address)
  return (
    <>
      <Link to={`/token/${address}`}>
        {token.name} ({token.symbol})
      </Link>{' '}
      <span className="mono muted">{short(address)}</span>
    </>
  )
}

/** `value`, changing at most once per `ms` (the latest value wins once the interval has passed). */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value)
  const last = useRef(0)
  useEffect(() => {
    const wait = last.current + ms - Date.now()
    const timer = setTimeout(
      () => {
        last.current = Date.now()
        setShown(value)
      },
      Math.max(0, wait),
    )
    return () => clearTimeout(timer)
  }, [value, ms])
  return shown
}

/** The mempool, live: re-read when a transaction enters it (event) or a block takes some out (head). */
function PendingTransactions() {
  // A flood of transactions must not become a flood of queries: at most one re-read per 500 ms.
  const lastPending = useThrottled(
    useApp((s) => s.lastPendingTx?.hash),
    500,
  )
  const reorg = useApp((s) => s.lastReorg)
  const result = useNodeQuery(
    async (api) => {
      const [txs, stats] = await Promise.all([api.pendingTransactions(), api.stats()])
      return { txs, note: pendingNote(txs.length, stats.pendingTxs) }
    },
    [],
    // A refresh, not an input: a run on its way when the next transaction comes is not dropped.
    [lastPending],
  )
  return (
    <section className="section" aria-labelledby="pending-title">
      <h2 id="pending-title">Pending transactions</h2>
      {reorg === null ? null : (
        <p className="muted small" data-testid="last-reorg">
          Last reorganisation: {reorg.depth} block{reorg.depth === 1 ? '' : 's'} replaced,{' '}
          {reorg.returned.length} transaction{reorg.returned.length === 1 ? '' : 's'} back to pending.
        </p>
      )}
      <Loaded result={result}>
        {({ txs, note }) =>
          txs.length === 0 ? (
            <p className="muted">None: every transaction this node knows is in a block.</p>
          ) : (
            <>
              {note === null ? null : (
                <p className="muted small" data-testid="pending-count">
                  {note}
                </p>
              )}
              <PendingTable txs={txs} />
            </>
          )
        }
      </Loaded>
    </section>
  )
}

/**
 * The Explorer's list of blocks, newest first: each one's number links to its page; its hash is short,
 * whole in its tooltip and for a screen reader. The snapshot block a node started from (`base`, above
 * 0) shows no count of transactions: this node did not index them.
 */
export function BlockTable({
  blocks,
  base = 0n,
}: {
  readonly blocks: readonly BlockSummary[]
  readonly base?: bigint
}) {
  return (
    <table className="table table--blocks" data-testid="latest-blocks">
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
        {blocks.map((b) => (
          <tr key={b.hash} data-testid="block-row" data-number={b.number.toString()}>
            <td>
              <Link to={`/block/${b.number}`}>#{b.number.toLocaleString()}</Link>
            </td>
            <td className="table__wide" data-label="Hash">
              <BlockHash hash={b.hash} />
            </td>
            <td data-label="Age">
              <Age at={b.timestamp} />
            </td>
            {base > 0n && b.number === base ? (
              <td
                data-label="Txs"
                className="muted"
                title="Not kept by this node: it started from this block"
              >
                not kept
              </td>
            ) : (
              <td data-label="Txs">{b.transactions.length}</td>
            )}
            <td className="table__wide" data-label="Difficulty">
              {formatDifficulty(b.difficulty)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The Explorer's pending transactions, each one's short hash linking to its Tx page (`TxLink`). */
export function PendingTable({ txs }: { readonly txs: readonly TxView[] }) {
  return (
    <table className="table" data-testid="pending-txs">
      <thead>
        <tr>
          <th>Transaction</th>
          <th>From</th>
          <th>To</th>
          <th>Nonce</th>
        </tr>
      </thead>
      <tbody>
        {txs.map((t) => (
          <tr key={t.hash} data-testid="pending-tx">
            <td data-label="Transaction">
              <TxLink hash={t.hash} />
            </td>
            <td data-label="From">
              <AddressLink address={t.from} side="from" />
            </td>
            <td data-label="To">
              <AddressLink address={t.to} side="to" />
            </td>
            <td data-label="Nonce">{t.nonce.toString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** One block (EIP-3091 route /block/:n). */
export function BlockScreen() {
  const { number = '' } = useParams()
  const valid = /^\d+$/.test(number)
  const light = useApp((s) => s.modePin === 'light')
  const result = useNodeQuery(
    async (api) =>
      valid ? { block: await api.block(BigInt(number)), base: light ? 0n : await api.blocksFrom() } : null,
    [number, light],
  )
  if (!valid) return <Missing what={`“${number}” is not a block number.`} />
  if (result === null) return <p className="screen muted">Loading…</p>
  if ('error' in result)
    return (
      <div className="screen">
        <LoadFailed error={result.error} />
      </div>
    )
  if (result.value === null) return null
  const { block, base } = result.value
  if (block === null) {
    const n = BigInt(number)
    return (
      <Missing
        what={
          n > 0n && n < base
            ? notKeptNote({ from: n, to: n, base })
            : `Block #${number} is not on this node’s chain (yet).`
        }
      />
    )
  }
  return <BlockDetail block={block} snapshot={base > 0n && block.number === base} />
}

/**
 * One block's page: first when it came, how deep it is, who mined it and its transactions, then its raw
 * header fields under Technical details, each labelled in words with its technical name. The snapshot
 * block a node started from (`snapshot`) says its transactions are not kept here, not "none".
 */
export function BlockDetail({
  block,
  snapshot = false,
}: {
  readonly block: BlockSummary
  readonly snapshot?: boolean
}) {
  return (
    <div className="screen" data-testid="block-detail" data-hash={block.hash}>
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1>Block #{block.number.toLocaleString()}</h1>
      <dl className="facts">
        <Fact label="Time">
          <Age at={block.timestamp} />
        </Fact>
        <Fact label="Confirmations">
          {block.confirmations <= 1n
            ? `${block.confirmations.toLocaleString()} (the latest block)`
            : `${block.confirmations.toLocaleString()} (${(block.confirmations - 1n).toLocaleString()} ${block.confirmations === 2n ? 'block' : 'blocks'} on top of it)`}
        </Fact>
        <Fact label="Mined by">
          <AddressLink address={block.miner} full />
        </Fact>
        <Fact label="Transactions">
          {snapshot
            ? SNAPSHOT_BLOCK_TXS
            : block.transactions.length === 0
              ? 'none'
              : block.transactions.map((t) => (
                  <div key={t}>
                    <Link to={`/tx/${t}`} className="mono break">
                      {t}
                    </Link>
                  </div>
                ))}
        </Fact>
      </dl>
      <h2 className="section">Technical details</h2>
      <dl className="facts">
        <Fact label="Block hash">
          <span className="mono break">{block.hash}</span>
        </Fact>
        <Fact label="Previous block (parent)">
          {block.number > 0n ? (
            <Link to={`/block/${block.number - 1n}`} className="mono break">
              {block.parentHash}
            </Link>
          ) : (
            <span className="mono break">{block.parentHash}</span>
          )}
        </Fact>
        <Fact label="Difficulty (work to mine it)">{`${formatDifficulty(block.difficulty)}, on average`}</Fact>
        <Fact label="Gas used (its transactions’ work)">{block.gasUsed.toLocaleString()}</Fact>
        <Fact label="Base fee (least price per gas)">{formatAmount(block.baseFeePerGas, 9, 'gwei')}</Fact>
        <Fact label="State root (all balances’ fingerprint)">
          <span className="mono break">{block.stateRoot}</span>
        </Fact>
      </dl>
    </div>
  )
}

/**
 * An address: what it is (an account, a token contract, a native contract), native balance, nonce, token
 * balances and transactions (EIP-3091 route /address/:addr). The balance and nonce are a verified read: a
 * light node says at which header it proved them.
 */
export function AddressScreen() {
  const { address = '' } = useParams()
  // Read as the wallet reads a typed address: a mixed case that breaks its EIP-55 checksum is a likely
  // typo, not shown as the page of the address it would be (whose checksummed form one might copy).
  const read = parseAddress(address)
  const valid = read !== 'not an address' && read !== 'bad checksum'
  // Reads go through proofs while the node is light or upgrading (the note under the list says so).
  const proven = useApp((s) => s.mode !== null && s.mode.kind !== 'full')
  const full = useApp((s) => s.mode?.kind === 'full')
  const directPeers = useApp(directPeerCount)
  const reorg = useApp((s) => s.lastReorg)
  // Where a full node's own index starts: past a snapshot's block, on a node started from one (its list
  // reads that index, as the Wallet's Activity does).
  const base = useNodeQuery((api) => api.blocksFrom(), [])
  const keptAfter = full && base !== null && 'value' in base ? base.value : 0n
  // The transactions read for this page, by hash: a mined one does not change but by a reorganisation,
  // so a new head reads only those new to the list (on a light node each read asks a peer for a proof).
  const seen = useRef<ListedCache | null>(null)
  const result = useNodeQuery(
    async (api) => {
      if (!valid) return null
      if (seen.current?.address !== address || seen.current.reorg !== reorg)
        seen.current = { address, reorg, txs: new Map(), locks: settledLockReads(api) }
      return readAddressPage(api, address as Address, seen.current)
    },
    [address, reorg],
    [],
    // A row no peer proved is asked again too (`readListed` reads again those it could not).
    (value) => value?.txs.flatMap((t) => ('error' in t ? [t.error] : [])).find(isUnproven) ?? null,
  )
  if (!valid)
    return (
      <Missing
        what={
          read === 'bad checksum'
            ? `“${address}”: ${ADDRESS_PROBLEMS['bad checksum']}`
            : `“${address}” is not an address.`
        }
      />
    )
  return (
    <div className="screen" data-testid="address-detail">
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1 className="my-address">
        <Identicon id={address.toLowerCase()} size={32} />
        <span className="mono my-address__value">{getAddress(address)}</span>
      </h1>
      <Loaded result={result}>
        {(value) =>
          value === null ? null : (
            <>
              <dl className="facts">
                <AddressFacts kind={value.kind} />
                <Fact label="Balance">
                  <span data-testid="balance">
                    {formatCoin(value.account.value.balance)}
                    {proven ? (
                      <span className="muted small" title={value.account.hash}>
                        {` ${verifiedNote(value.account.number, directPeers)}`}
                      </span>
                    ) : null}
                  </span>
                </Fact>
                <Fact label="Transactions sent">{value.account.value.nonce.toString()}</Fact>
              </dl>
              <h2 className="section">Tokens</h2>
              <AddressTokens
                holdings={value.holdings}
                at={value.holdingsAt}
                proven={proven}
                directPeers={directPeers}
              />
              <h2 className="section">Transactions</h2>
              {proven ? <ListNote note={addressListNote()} testId="address-txs-light" /> : null}
              {keptAfter > 0n ? (
                <p className="muted small" data-testid="address-txs-not-kept">
                  {missingBelowNote('Transactions', keptAfter)}
                </p>
              ) : null}
              <AddressTxs
                address={getAddress(address)}
                keptAfter={keptAfter}
                txs={value.txs}
                older={value.older}
                locks={value.locks}
                token={value.kind.kind === 'token' ? value.kind.token : null}
              />
            </>
          )
        }
      </Loaded>
    </div>
  )
}

/**
 * What a light or upgrading node's address page says of its list of transactions (`peerListed`): that a
 * full peer listed them, each proven, on one line; the rest under "About this list".
 */
export function addressListNote(): ListNoteText {
  const { line, about } = peerListed('address')
  return { line: `Listed by a full peer, ${line}`, about }
}

/**
 * An address's tokens, each linking to its token page; on a light (or upgrading) node (`proven`) each
 * balance marked with the header the list was proven at (`at`), as the Wallet's token rows are. A full
 * node's balances are its own executed state's, unmarked, as the balance above them.
 */
export function AddressTokens({
  holdings,
  at,
  proven,
  directPeers,
}: {
  readonly holdings: readonly TokenHolding[]
  readonly at: bigint
  readonly proven: boolean
  readonly directPeers: number
}) {
  if (holdings.length === 0) return <p className="muted">No tokens.</p>
  return (
    <table className="table" data-testid="address-tokens">
      <thead>
        <tr>
          <th>Token</th>
          <th>Balance</th>
        </tr>
      </thead>
      <tbody>
        {holdings.map((h) => (
          <tr key={h.token.address} data-testid="address-token" data-token={h.token.address}>
            <td data-label="Token">
              <Link to={`/token/${getAddress(h.token.address)}`}>
                {h.token.name} ({h.token.symbol})
              </Link>
              {h.created ? <span className="tag tag--ghost">creator</span> : null}
            </td>
            <td data-label="Balance" data-testid="address-token-balance" data-raw={h.balance.toString()}>
              <GroupedAmount text={tokenBalance(h, at, proven, directPeers)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** What an address is, for its page: a token contract with its metadata, a native contract, the zero address or an account. */
function AddressFacts({ kind }: { readonly kind: AddressKind }) {
  useTokenShown(kind.kind === 'token' ? kind.token.address : null)
  const what = (text: ReactNode) => (
    <Fact label="What it is">
      <span data-testid="address-kind" data-kind={kind.kind}>
        {text}
      </span>
    </Fact>
  )
  switch (kind.kind) {
    case 'account':
      return what('An account: whoever holds its key signs its transactions.')
    case 'zero':
      return what(
        'The zero address: no one holds its key. Tokens minted come from it (shown as “mint”), tokens burnt go to it (“burn”).',
      )
    case 'native':
      return what(`${kind.name}: ${kind.about}`)
    case 'token': {
      const { token } = kind
      return (
        <>
          {what(
            <>
              Token contract:{' '}
              <Link to={`/token/${getAddress(token.address)}`}>
                {token.name} ({token.symbol})
              </Link>
            </>,
          )}
          <Fact label="Decimals">{token.decimals}</Fact>
          <Fact label="Total supply">
            <span data-testid="address-token-supply">
              {formatAmount(token.totalSupply, token.decimals, token.symbol)}
            </span>
          </Fact>
          <Fact label="Owner (may mint)">
            <AddressLink address={token.owner} full />
          </Fact>
        </>
      )
    }
  }
}

/**
 * The transactions an address page has read, and the reads of the HTLC locks its redeems and refunds
 * settle, for the address and since the reorganisation they were read after.
 */
export interface ListedCache {
  readonly address: string
  readonly reorg: unknown
  readonly txs: Map<Hex, TxView>
  readonly locks: SettledLockReads
}

/** A listed transaction this node could not read: its hash, and why. */
interface Unread {
  readonly hash: Hex
  readonly error: string
}

/**
 * The transactions `hashes`, in their order: those in `cache` as they are, the others read (and kept in
 * `cache`). One that cannot be read is listed with why, and read again next time.
 */
export async function readListed(
  api: Pick<Remote<NodeApi>, 'transaction'>,
  hashes: readonly Hex[],
  cache: Map<Hex, TxView>,
): Promise<(TxView | Unread)[]> {
  return Promise.all(
    hashes.map(async (hash): Promise<TxView | Unread> => {
      const kept = cache.get(hash)
      if (kept !== undefined) return kept
      try {
        const tx = await api.transaction(hash)
        if (tx === null) return { hash, error: 'this node no longer finds it' }
        // Pending ones change when mined: only a mined one is kept.
        if (tx.blockNumber !== null) cache.set(hash, tx)
        return tx
      } catch (err) {
        return { hash, error: err instanceof Error ? err.message : String(err) }
      }
    }),
  )
}

/** Most transactions an address page lists (the newest). */
export const ADDRESS_TXS = 25

/**
 * What the page of `address` shows, read through `api`: its account (proven on a light node), token
 * holdings, kind and latest `ADDRESS_TXS` transactions (those in `listed` as they are, the others read and
 * kept; `older`: that many were listed, so older ones may be left out). The
 * locks its redeems and refunds settle are only started (`listed.locks`): the page shows its rows without
 * waiting for them, each amount as its lock's read ends.
 */
export async function readAddressPage(
  api: Pick<
    Remote<NodeApi>,
    'verifiedAccount' | 'verifiedTokenHoldings' | 'addressTransactions' | 'token' | 'transaction'
  >,
  address: Address,
  listed: ListedCache,
) {
  const [account, holdings, hashes, token] = await Promise.all([
    api.verifiedAccount(address),
    api.verifiedTokenHoldings(address),
    api.addressTransactions(address, ADDRESS_TXS),
    api.token(address),
  ])
  const txs = await readListed(api, hashes, listed.txs)
  listed.locks.read(txs)
  return {
    account,
    holdings: holdings.value.map(shownHolding),
    // The header the whole list was proven at (a full node's: its head, where it read them).
    holdingsAt: holdings.number,
    txs,
    // As many as asked: older ones may be left out (the list says so).
    older: hashes.length >= ADDRESS_TXS,
    locks: listed.locks,
    kind: addressKind(address, token === null ? null : shownToken(token)),
  }
}

/**
 * An address's transactions, one row each: what it did seen from the address, the amount it moved in or
 * out, its block and status; a token contract's also point to its token page's transfers.
 */
export function AddressTxs({
  address,
  txs,
  older = false,
  locks: reads,
  token,
  keptAfter = 0n,
}: {
  readonly address: Address
  readonly txs: readonly (TxView | Unread)[]
  /** The block the list starts after (a full node started from a snapshot: its base), 0 from the genesis. */
  readonly keptAfter?: bigint
  /** The list holds `ADDRESS_TXS` transactions, older ones left out: it says so under its rows. */
  readonly older?: boolean
  /** The reads of the HTLC locks its redeems and refunds settle: each row's amount shows as its read ends. */
  readonly locks: SettledLockReads
  readonly token: TokenInfo | null
}) {
  const locks = useSyncExternalStore(reads.subscribe, reads.current, reads.current)
  const tokens = useKnownTokens()
  // The tokens the rows' amounts are in: the list is asked to read again for those it lacks, and until its
  // first read ends, theirs show no figure (not "100 base units of token 0x…" a moment before "1 GLD").
  const amountTokens = rowsAmountTokens(txs, locks)
  useTokensShown(amountTokens)
  const reading: ReadonlySet<string> = new Set(
    useKnownTokensRead() ? [] : amountTokens.map((t) => t.toLowerCase()).filter((t) => !tokens.has(t)),
  )
  const head = useApp((s) => s.head?.number ?? 0n)
  // A lock's deadline is timed from the head shown, at the chain's target block time.
  const blockMs = useApp((s) => s.chain?.params.targetBlockTimeMs ?? null)
  return (
    <>
      {token === null ? null : (
        <p className="muted small" data-testid="address-token-transfers">
          Sent to this token contract. Its tokens moving between holders, whoever sent the transaction:{' '}
          <Link to={`/token/${getAddress(token.address)}`}>latest {token.symbol} transfers</Link>.
        </p>
      )}
      {txs.length === 0 ? (
        <p className="muted">
          {keptAfter === 0n
            ? 'None on the canonical chain.'
            : `None on the canonical chain after block #${keptAfter.toLocaleString()}.`}
        </p>
      ) : (
        <table className="table" data-testid="tx-list">
          <thead>
            <tr>
              <th>What</th>
              <th>Amount</th>
              <th>Block</th>
              <th>Status</th>
              <th>Transaction</th>
            </tr>
          </thead>
          <tbody>
            {txs.map((t) => {
              if ('error' in t)
                return (
                  <tr key={t.hash} data-testid="address-tx">
                    <td data-label="What" className="muted">
                      <TxNotRead error={t.error} />
                    </td>
                    <td data-label="Amount">—</td>
                    <td data-label="Block">—</td>
                    <td data-label="Status">—</td>
                    <td data-label="Transaction">
                      <TxLink hash={t.hash} />
                    </td>
                  </tr>
                )
              const row = addressTxRow(t, address, tokens, head, locks, blockMs, reading)
              const token = shownAmountToken(t, locks)?.toLowerCase()
              return (
                <tr key={t.hash} data-testid="address-tx" data-direction={row.direction ?? 'none'}>
                  <td data-label="What">
                    <WhatWords parts={row.whatParts} />
                  </td>
                  {row.lockRead === null && token !== undefined && reading.has(token) ? (
                    <td
                      data-label="Amount"
                      data-testid="address-tx-amount"
                      data-token-read="reading"
                      className="muted"
                    >
                      {tokenUnreadText({ state: 'reading' })}
                    </td>
                  ) : row.lockRead === null ? (
                    <td data-label="Amount" data-testid="address-tx-amount">
                      {row.amount === null ? (
                        '—'
                      ) : (
                        <GroupedAmount text={`${SIGN[row.direction ?? 'none']}${row.amount}`} />
                      )}
                    </td>
                  ) : (
                    <td
                      data-label="Amount"
                      data-testid="address-tx-amount"
                      data-lock-read={row.lockRead.state}
                      className="muted"
                      title={row.lockRead.state === 'failed' ? row.lockRead.error : undefined}
                    >
                      {lockUnreadText(row.lockRead)}
                    </td>
                  )}
                  <td data-label="Block">
                    {row.blockNumber === null ? 'pending' : `#${row.blockNumber.toLocaleString()}`}
                  </td>
                  <td data-label="Status">
                    <TxStatusBadge status={row.status} />
                  </td>
                  <td data-label="Transaction">
                    <TxLink hash={t.hash} />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {older ? (
        <p className="muted small" data-testid="address-txs-older">
          {`The latest ${ADDRESS_TXS} transactions: older ones are not listed.`}
        </p>
      ) : null}
    </>
  )
}

/** A row's words (`AddressTxRow.whatParts`), each token, contract or address it names a link to its page. */
export function WhatWords({ parts }: { readonly parts: readonly WhatPart[] }) {
  return (
    <>
      {parts.map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one sentence, in a fixed order.
          <Link key={i} to={part.href} className="inline-link">
            {part.text}
          </Link>
        ),
      )}
    </>
  )
}

/** An address page's row whose transaction was not read: a proof no peer gave in plain words, else why. */
function TxNotRead({ error }: { readonly error: string }) {
  const unproven = unprovenRead(error)
  return unproven === null ? <>Not read: {error}</> : <UnprovenNote read={unproven} />
}

/** The sign before an amount: received (+), sent (−), to itself or moved by others (none). */
const SIGN: Record<NonNullable<Direction> | 'none', string> = { in: '+', out: '−', self: '', none: '' }
