import { useRef, useSyncExternalStore } from 'react'
import { Link, Navigate, useParams } from 'react-router'
import { type Address, type Hex, isHash } from 'viem'
import { ZERO_ADDRESS } from '../../node/contracts/addresses'
import { NodeError } from '../../node/rpc/errors'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import type { ReceiptView, TxView } from '../../node/worker/queries'
import { formatCoin } from '../../wallet/amount'
import type { LockRead, SettledLocks } from '../address-activity'
import { AddressLink, Fact, Loaded, MinedAt, Missing, short, useNodeQuery } from '../components/explorer'
import { TxStatusBadge } from '../components/TxStatusBadge'
import { settledLockReads } from '../settled-lock-reads'
import { useApp } from '../store'
import { type CallView, callView, exactCall } from '../tx-call'
import { nonceWords, txFee, txHeadline, WAITING_IN_POOL } from '../tx-headline'
import {
  type TokenReads,
  type TxTokenReads,
  tokensRead,
  tokenUnreadText,
  txTokenReads,
} from '../tx-token-reads'
import { provenAgainst, type TxStatus } from '../tx-tracker'

/**
 * A transaction's status from its receipt, or — a receipt no peer proved (`unverified`, why) — from the
 * transaction alone: confirmed or failed by the status proven with its inclusion (a light node reads the
 * receipt view from its block's receipts, which may be out of reach), else pending or in its block with
 * its outcome not verified, and why.
 */
function txStatus(
  tx: TxView,
  receipt: { readonly value: ReceiptView | null } | { readonly unverified: string },
): TxStatus {
  if ('unverified' in receipt) {
    const { unverified } = receipt
    if (tx.blockNumber === null) return { state: 'pending', hash: tx.hash, unverified }
    if (tx.status === 'reverted') return { state: 'failed', hash: tx.hash, reason: 'reverted' }
    if (tx.status === 'success')
      return { state: 'confirmed', hash: tx.hash, confirmations: tx.confirmations, ...provenAgainst(tx) }
    return { state: 'included', hash: tx.hash, confirmations: tx.confirmations, unverified }
  }
  const r = receipt.value
  if (r === null) return { state: 'pending', hash: tx.hash }
  if (r.status === 'reverted') return { state: 'failed', hash: tx.hash, reason: r.revertReason ?? 'reverted' }
  return { state: 'confirmed', hash: tx.hash, confirmations: r.confirmations, ...provenAgainst(r) }
}

/**
 * The lock reads of one Tx page (`settledLockReads`: the page shows at once, the headline's amount when
 * the read ends), each lock's token read through the page's token reads once its record is, before the
 * read ends: the amount shows once both are read, in its token's symbol (a token not the node's, or whose
 * read failed, by its address in base units, the headline saying why: `txHeadline`).
 */
export interface TxLockReads {
  /**
   * Starts reading, without waiting for it, the lock `tx` redeems or refunds (none for any other), and
   * again the token of a lock read whose token's read failed (as the page's own tokens are, at each call).
   */
  read(tx: TxView): void
  /**
   * The reads so far, a lock read but its token's read not ended still reading: the same map until a
   * lock's or a token's read starts or ends.
   */
  readonly current: () => SettledLocks
  /** Calls `listener` whenever `current` changes; returns what stops that. */
  readonly subscribe: (listener: () => void) => () => void
}

/** The token a lock read in `read` holds (lower-case), or null: not read, no lock, or the coin. */
function lockToken(read: LockRead): Address | null {
  if (read.state !== 'read' || read.lock === null) return null
  const token = read.lock.token.toLowerCase() as Address
  return token === ZERO_ADDRESS ? null : token
}

/**
 * The lock reads of a Tx page, through `api.verifiedHtlc`, and each lock's token through `tokens`, the
 * page's token reads (a token the transaction also names is read once, and its failure said once).
 */
export function txLockReads(api: Pick<Remote<NodeApi>, 'verifiedHtlc'>, tokens: TxTokenReads): TxLockReads {
  const reads = settledLockReads({
    async verifiedHtlc(id) {
      const read = await api.verifiedHtlc(id)
      // Its token's read starts before the lock's read ends: the amount never shows in base units meanwhile.
      const token = read.value === null ? null : lockToken({ state: 'read', lock: read.value })
      if (token !== null) tokens.readTokens([token])
      return read
    },
  })
  let shown: { locks: SettledLocks; tokens: TokenReads; view: SettledLocks } = {
    locks: new Map(),
    tokens: new Map(),
    view: new Map(),
  }
  return {
    read(tx) {
      reads.read([tx])
      tokens.readTokens([...reads.current().values()].flatMap((read) => lockToken(read) ?? []))
    },
    current() {
      const [locks, named] = [reads.current(), tokens.current()]
      if (shown.locks !== locks || shown.tokens !== named) {
        const view = new Map(
          [...locks].map(([id, read]): [Hex, LockRead] => {
            const token = lockToken(read)
            const tokenRead = token === null ? null : named.get(token)
            return [
              id,
              tokenRead === undefined || tokenRead?.state === 'reading' ? { state: 'reading' } : read,
            ]
          }),
        )
        shown = { locks, tokens: named, view }
      }
      return shown.view
    },
    subscribe(listener) {
      const stops = [reads.subscribe(listener), tokens.subscribe(listener)]
      return () => {
        for (const stop of stops) stop()
      }
    },
  }
}

/**
 * What the screen shows of the transaction `hash`: null when this node knows none. A receipt that cannot
 * be verified (`LIGHT_UNVERIFIED`: a light tab's own submission no peer answers for) leaves the
 * transaction shown, its status marked not verified with why; any other failure throws. The lock a
 * redeem or refund settles, and the tokens the transaction names, are only started in `locks` and
 * `tokens` (kept by the page across heads): the page does not wait for them (on a light node each a proof
 * from a peer, which a slow or silent peer held back, and a failing one failed the whole page).
 */
export async function readTransaction(
  api: Remote<NodeApi>,
  hash: Hex,
  tokens: TxTokenReads = txTokenReads(api),
  locks: TxLockReads = txLockReads(api, tokens),
): Promise<{
  tx: TxView
  receipt: ReceiptView | null
  status: TxStatus
  tokens: TxTokenReads
  locks: TxLockReads
} | null> {
  const [tx, receipt] = await Promise.all([
    api.transaction(hash),
    api.receipt(hash).then(
      (value) => ({ value }),
      (err: unknown) => {
        if (!(err instanceof NodeError) || err.type.code !== 'LIGHT_UNVERIFIED') throw err
        return { unverified: err.message }
      },
    ),
  ])
  if (tx === null) return null
  locks.read(tx)
  tokens.read(tx)
  return {
    tx,
    receipt: 'value' in receipt ? receipt.value : null,
    status: txStatus(tx, receipt),
    tokens,
    locks,
  }
}

/**
 * One transaction (EIP-3091 route /tx/:hash): mined with its receipt, or pending in this node's mempool.
 * The hash of a block on this node's chain opens that block's page instead.
 */
export function TxScreen() {
  const { hash = '' } = useParams()
  const valid = isHash(hash)
  const reorg = useApp((s) => s.lastReorg)
  // The lock and token reads for this page: a new head reads each again only if it was not kept
  // (`settledLockReads`, `txTokenReads`).
  const seen = useRef<{
    readonly hash: string
    readonly reorg: unknown
    readonly locks: TxLockReads
    readonly tokens: TxTokenReads
  } | null>(null)
  const result = useNodeQuery(
    async (api) => {
      if (!valid) return null
      if (seen.current?.hash !== hash || seen.current.reorg !== reorg) {
        const tokens = txTokenReads(api)
        seen.current = { hash, reorg, locks: txLockReads(api, tokens), tokens }
      }
      const read = await readTransaction(api, hash, seen.current.tokens, seen.current.locks)
      if (read !== null) return read
      // A block's hash (copied from the block list or a block's page) opens that block.
      const block = await api.blockByHash(hash)
      return block === null ? null : { block: block.number }
    },
    [hash, reorg],
  )
  if (!valid) return <Missing what={`“${hash}” is not a transaction hash.`} />
  return (
    <Loaded result={result}>
      {(value) =>
        value === null ? (
          <Missing what="This node knows no such transaction or block: not on its chain, not in its mempool." />
        ) : 'block' in value ? (
          <Navigate to={`/block/${value.block}`} replace />
        ) : (
          <TxDetail {...value} />
        )
      }
    </Loaded>
  )
}

export function TxDetail({
  tx,
  receipt,
  status,
  tokens,
  locks,
}: {
  readonly tx: TxView
  readonly receipt: ReceiptView | null
  readonly status: TxStatus
  /** The reads of the tokens it names: each name, symbol and amount shows as its read ends. */
  readonly tokens: TxTokenReads
  /** The read of the lock a redeem or refund settles: the headline's amount shows as it ends. */
  readonly locks: TxLockReads
}) {
  const settled = useSyncExternalStore(locks.subscribe, locks.current, locks.current)
  const reads = useSyncExternalStore(tokens.subscribe, tokens.current, tokens.current)
  const known = tokensRead(reads)
  const toRead = reads.get(tx.to.toLowerCase())
  const token = toRead?.state === 'read' ? toRead.token : null
  const call = callView(tx, reads)
  const exact = exactCall(tx)
  const fee = txFee(tx, receipt)
  // A lock's deadline is timed from the head shown, at the chain's target block time.
  const head = useApp((s) => s.head?.number ?? null)
  const blockMs = useApp((s) => s.chain?.params.targetBlockTimeMs ?? null)
  const clock = head === null || blockMs === null ? null : { head, blockMs }
  return (
    <div className="screen" data-testid="tx-detail" data-state={tx.state}>
      <p className="eyebrow">
        <Link to="/explorer">Explorer</Link>
      </p>
      <h1>Transaction</h1>
      <p className="lead" data-testid="tx-headline">
        {txHeadline(tx, receipt, status, known, settled, reads, clock)}
      </p>
      {/* What a user asks first — whether it went through, who, how much, when, the fee — then the raw fields. */}
      <dl className="facts" data-testid="tx-summary">
        <Fact label="Status">
          <TxStatusBadge status={status} />
        </Fact>
        <Fact label="From">
          <AddressLink address={tx.from} full side="from" />
        </Fact>
        <Fact label="To">
          {token === null ? (
            <>
              <AddressLink address={tx.to} full side="to" />
              {toRead?.state === 'failed' ? (
                <span className="muted" data-testid="tx-to-unread" title={toRead.error}>
                  {` · ${tokenUnreadText(toRead)}`}
                </span>
              ) : null}
            </>
          ) : (
            <Link to={`/token/${tx.to}`}>
              {token.name} ({token.symbol})
            </Link>
          )}
        </Fact>
        {call === null ? null : (
          <Fact label="Contract call">
            <CallSummary call={call} />
          </Fact>
        )}
        <Fact label="TAB sent">{formatCoin(tx.value)}</Fact>
        <Fact label="In block">
          {tx.blockNumber === null ? (
            'not in a block yet'
          ) : (
            <Link to={`/block/${tx.blockNumber}`}>#{tx.blockNumber.toLocaleString()}</Link>
          )}
        </Fact>
        <Fact label="Mined">
          {tx.blockTimestamp === null ? WAITING_IN_POOL : <MinedAt at={tx.blockTimestamp} />}
        </Fact>
        <Fact label={fee.label}>{fee.text}</Fact>
      </dl>
      <h2 className="section">Technical details</h2>
      <dl className="facts" data-testid="tx-technical">
        <Fact label="Transaction hash">
          <span className="mono break">{tx.hash}</span>
        </Fact>
        <Fact label="Sender’s transaction">{nonceWords(tx.nonce)}</Fact>
        {exact === null ? null : (
          <Fact label="Exact call (as sent)">
            <span className="mono break" data-testid="tx-exact-call">
              {exact}
            </span>
          </Fact>
        )}
        <Fact label="Gas used">
          {receipt === null
            ? `not known yet: at most ${tx.gas.toLocaleString()} (its gas limit)`
            : `${receipt.gasUsed.toLocaleString()} of the ${tx.gas.toLocaleString()} allowed (its gas limit)`}
        </Fact>
        {receipt === null || receipt.logs.length === 0 ? null : (
          <Fact label="Events logged">{receipt.logs.length}</Fact>
        )}
      </dl>
    </div>
  )
}

/**
 * The call a transaction makes, as the user knows it (`callView`): its method, then each argument in
 * words, addresses as the Explorer shows them (links, named when known), hashes shortened (the whole one
 * their tooltip).
 */
function CallSummary({ call }: { readonly call: CallView }) {
  return (
    <div data-testid="tx-call">
      <span className="mono">{call.method}</span>
      {call.args.length === 0 ? null : (
        <ul className="call-args">
          {call.args.map((arg) => (
            <li key={arg.label}>
              <span className="muted">{arg.label}: </span>
              {arg.kind === 'address' ? (
                <AddressLink address={arg.address} />
              ) : arg.kind === 'hash' ? (
                <span className="mono" title={arg.hash}>
                  {short(arg.hash)}
                </span>
              ) : (
                arg.text
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
