import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem'
import type { LogQuery } from '../node/chain/log-selection'
import { MAX_LOG_RANGE } from '../node/chain/log-selection'
import { fromHex, toHex } from '../node/codec/bytes'
import { addressTopic } from '../node/contracts/abi'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import { htlcAbi, LockState } from '../node/contracts/htlc/abi'
import { type HtlcLock, LOCKED_TOPIC, REDEEMED_TOPIC } from '../node/contracts/htlc/htlc'
import { NodeError } from '../node/rpc/errors'
import type { LogRecord } from '../node/storage/types'
import { isFinal, type SwapState } from '../trade/swap/state'
import { formatAmount, formatCoin } from './amount'
import { showHidden } from './describe'

/**
 * The HTLC locks an account left on chain that no swap of this tab runs: a swap's steps are run by the
 * engine of the one profile holding it, so a lock of a profile that is gone (storage cleared, the wallet
 * restored from its recovery phrase in another browser) waits for a refund or a redeem nobody sends.
 * These are what the Wallet screen lists with the action each one takes.
 */

/** A lock found for the account: its record as the node holds (or proves) it, and its token's name. */
export interface FoundLock {
  readonly id: Hex
  readonly lock: HtlcLock
  /** The token's symbol and decimals; null for the coin, or a token not read. */
  readonly token: { readonly symbol: string; readonly decimals: number } | null
  /**
   * The secret of its hashlock, when a `Redeemed` log on chain carries it (the other side redeemed the
   * paired lock, which has the same hashlock); else null.
   */
  readonly preimage: Hex | null
}

/** What an open lock waits for, and what the account may do about it. */
export type OpenLockAction =
  /** Sent by the account, its timelock reached: a refund pays it back. */
  | { readonly kind: 'refund' }
  /** Sent by the account, refundable from block `at`. */
  | { readonly kind: 'refundable'; readonly at: bigint }
  /** To the account, its secret public and its timelock ahead: a redeem with `preimage` pays it. */
  | { readonly kind: 'collect'; readonly preimage: Hex; readonly until: bigint }
  /**
   * To the account with no secret known before block `refundAt` (or its timelock passed): it waits for
   * the secret, and from `refundAt` on its sender may take it back.
   */
  | { readonly kind: 'waiting'; readonly refundAt: bigint }

/** One row of the list: the lock, whether the account sent or receives it, the other side, its action. */
export interface OpenLockRow {
  readonly id: Hex
  readonly lock: HtlcLock
  readonly direction: 'sent' | 'received'
  readonly other: Address
  /** `10 APL`, `1 TAB`, or the amount in base units of a token not read. */
  readonly amount: string
  readonly action: OpenLockAction
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/**
 * The rows of `account`'s open locks at head `head`: each of `found` still `Locked` that it sent or
 * receives, less those whose hashlock a swap of this tab's engine runs (`running`, lower-case: that
 * engine refunds and redeems them; an action here would race it), soonest timelock first. Pure.
 */
export function openLockRows(
  account: Address,
  found: readonly FoundLock[],
  head: bigint,
  running: ReadonlySet<Hex>,
): OpenLockRow[] {
  const rows: OpenLockRow[] = []
  for (const { id, lock, token, preimage } of found) {
    if (lock.state !== LockState.Locked || running.has(lock.hashlock.toLowerCase() as Hex)) continue
    const sent = same(lock.sender, account)
    if (!sent && !same(lock.recipient, account)) continue
    const amount =
      lock.token === ZERO_ADDRESS
        ? formatCoin(lock.amount)
        : token === null
          ? formatAmount(lock.amount, 0, `base units of token ${getAddress(lock.token)}`)
          : formatAmount(lock.amount, token.decimals, showHidden(token.symbol))
    const timelock = lock.timelockHeight
    const action: OpenLockAction = sent
      ? head >= timelock
        ? { kind: 'refund' }
        : { kind: 'refundable', at: timelock }
      : preimage !== null && head < timelock
        ? { kind: 'collect', preimage, until: timelock }
        : { kind: 'waiting', refundAt: timelock }
    rows.push({
      id,
      lock,
      direction: sent ? 'sent' : 'received',
      other: getAddress(sent ? lock.recipient : lock.sender),
      amount,
      action,
    })
  }
  return rows.sort((a, b) => (a.lock.timelockHeight < b.lock.timelockHeight ? -1 : 1))
}

/**
 * The hashlocks (lower-case) of the swaps this tab's engine still drives (`api.swaps()` not in a final
 * state): it refunds and redeems their locks itself, so `openLockRows` leaves them out. Pure.
 */
export function runningHashlocks(
  swaps: readonly {
    readonly status: { readonly state: SwapState }
    readonly terms: { readonly hashlock: Hex }
  }[],
): Set<Hex> {
  return new Set(
    swaps.filter((s) => !isFinal(s.status.state)).map((s) => s.terms.hashlock.toLowerCase() as Hex),
  )
}

/**
 * The secrets `redeemed` (HTLC `Redeemed` logs, each carrying its preimage) make public, by the hashlock
 * (their sha256, lower-case) each opens. Pure.
 */
export function secretsOf(redeemed: readonly Pick<LogRecord, 'data'>[]): Map<Hex, Hex> {
  const out = new Map<Hex, Hex>()
  for (const { data } of redeemed)
    if (data.length === 66) out.set(toHex(sha256(fromHex(data))), data.toLowerCase() as Hex)
  return out
}

/** The reads `openLocksReader` makes (the node's API has them; a light node proves each). */
export interface OpenLockReads {
  logs(query: LogQuery): Promise<LogRecord[]>
  /** The oldest block whose logs the node may hold (a snapshot's block is held without them). */
  blocksFrom(): Promise<bigint>
  verifiedHtlc(id: Hex): Promise<{ readonly value: HtlcLock | null }>
  verifiedToken(token: Address): Promise<{ readonly value: { symbol: string; decimals: number } | null }>
}

/**
 * Most `MAX_LOG_RANGE` windows the first read of an account pages back through (100,000 blocks): on a
 * long chain the locks made before are not looked for, and the panel says from which block.
 */
export const MAX_LOCK_WINDOWS = 10

/**
 * Why locks made before block `before` may be missing (their blocks were not all looked at): a limit the
 * panel shows, not a failure.
 */
export type OlderLocks =
  /** `MAX_LOCK_WINDOWS` windows were read back from the head. */
  | { readonly code: 'LOCKS_SCAN_BOUND'; readonly before: bigint; readonly message: string }
  /** The node refused the next window as too wide (a light node: too many blocks may match). */
  | {
      readonly code: 'LIGHT_LOGS_TOO_WIDE' | 'NODE_QUERY_LIMIT'
      readonly before: bigint
      readonly message: string
    }

/** A read of an account's open locks at head `at`. */
export interface OpenLocksRead {
  readonly found: FoundLock[]
  readonly at: bigint
  /** Null: every block whose logs the node holds was looked at. */
  readonly older: OlderLocks | null
}

/** What one account's reads found so far, kept from head to head. */
interface Scan {
  /** The blocks whose `Locked` logs were read, `from` to `to`. */
  readonly from: bigint
  readonly to: bigint
  readonly older: OlderLocks | null
  /** Each lock found, with the block of its `Locked` log. */
  readonly made: Map<Hex, bigint>
  /** The locks found whose recipient is the account (not sent by it): their secrets are looked for. */
  readonly received: Set<Hex>
  /** The locks whose record is no longer `Locked`: not read again (a reorg reads everything again). */
  readonly settled: Set<Hex>
  /** The blocks whose `Redeemed` logs were read, and the secrets they carry by hashlock (lower-case). */
  readonly secrets: { readonly from: bigint; readonly to: bigint; readonly byHashlock: Map<Hex, Hex> } | null
}

const OLDER_MESSAGES = {
  LIGHT_LOGS_TOO_WIDE:
    'more blocks before it may hold them than a light node fetches at once (a full node reads them all)',
  NODE_QUERY_LIMIT: 'more logs name this account before it than one query returns',
} as const

const tooWide = (err: unknown): 'LIGHT_LOGS_TOO_WIDE' | 'NODE_QUERY_LIMIT' | null => {
  const code = err instanceof NodeError ? err.type.code : null
  return code === 'LIGHT_LOGS_TOO_WIDE' || code === 'NODE_QUERY_LIMIT' ? code : null
}

/** The `MAX_LOG_RANGE` windows covering `from`…`to`, oldest first. */
function windows(from: bigint, to: bigint): { fromBlock: bigint; toBlock: bigint }[] {
  const out: { fromBlock: bigint; toBlock: bigint }[] = []
  for (let at = from; at <= to; at += MAX_LOG_RANGE) {
    const end = at + MAX_LOG_RANGE - 1n
    out.push({ fromBlock: at, toBlock: end < to ? end : to })
  }
  return out
}

/**
 * What reads `account`'s open locks at each head (`read`), keeping from one read to the next what it
 * found: the blocks whose logs it read, the locks with their blocks, those settled, the secrets seen.
 * Its first read of an account (and any read with `fresh`: a reorganisation or a mode change replaced the
 * chain; or a head below the last one read) pages back from the head through the blocks whose logs the
 * node holds (after a snapshot's block), `MAX_LOG_RANGE` at a time, at most `MAX_LOCK_WINDOWS` windows;
 * a window refused as too wide stops there (`older` says so). Each later read asks only the new blocks'
 * `Locked` logs naming the account as sender (topic 2) or recipient (topic 3), and reads fresh
 * (`verifiedHtlc`: on a light node a proof) the record of each lock not yet seen settled; for a lock to the
 * account, the secret comes from any `Redeemed` log since its block whose data hashes to its hashlock.
 * New blocks refused as too wide are read as a first read is, the locks found before kept. A read that throws (a light node without a proof: `LIGHT_UNVERIFIED`) keeps nothing of what it read.
 */
export function openLocksReader(
  reads: OpenLockReads,
): (account: Address, head: bigint, fresh: boolean) => Promise<OpenLocksRead> {
  const scans = new Map<Address, Scan>()
  const tokens = new Map<Address, NonNullable<FoundLock['token']>>()

  /** The `Locked` logs naming `me` in the range, into `made` (and `received`). */
  const lockedLogs = async (
    me: Hex,
    range: { fromBlock: bigint; toBlock: bigint },
    made: Map<Hex, bigint>,
    received: Set<Hex>,
  ): Promise<void> => {
    const query = { ...range, address: HTLC_ADDRESS }
    const [sent, toMe] = await Promise.all([
      reads.logs({ ...query, topics: [LOCKED_TOPIC, null, me] }),
      reads.logs({ ...query, topics: [LOCKED_TOPIC, null, null, me] }),
    ])
    const sentIds = new Set<Hex>()
    for (const [list, isSent] of [
      [sent, true],
      [toMe, false],
    ] as const)
      for (const log of list) {
        const id = log.topics[1]?.toLowerCase() as Hex | undefined
        if (id === undefined) continue
        made.set(id, log.blockNumber)
        if (isSent) sentIds.add(id)
        else if (!sentIds.has(id)) received.add(id)
      }
  }

  /** The first read: back from `head` to the oldest block held, window by window, within the bounds. */
  const firstScan = async (me: Hex, head: bigint): Promise<Scan> => {
    const base = await reads.blocksFrom()
    const floor = base === 0n ? 0n : base + 1n
    const made = new Map<Hex, bigint>()
    const received = new Set<Hex>()
    let from = head + 1n
    let older: OlderLocks | null = null
    for (let read = 0; from > floor; read++) {
      if (read === MAX_LOCK_WINDOWS) {
        older = {
          code: 'LOCKS_SCAN_BOUND',
          before: from,
          message: `only the last ${MAX_LOCK_WINDOWS} × ${MAX_LOG_RANGE} blocks are looked at`,
        }
        break
      }
      const start = from - MAX_LOG_RANGE > floor ? from - MAX_LOG_RANGE : floor
      try {
        await lockedLogs(me, { fromBlock: start, toBlock: from - 1n }, made, received)
      } catch (err) {
        const code = tooWide(err)
        if (code === null) throw err
        older = { code, before: from, message: OLDER_MESSAGES[code] }
        break
      }
      from = start
    }
    return { from, to: head, older, made, received, settled: new Set(), secrets: null }
  }

  /** The scan extended to `head`: the new blocks' `Locked` logs (a copy: the kept one changes on success only). */
  const extend = async (me: Hex, kept: Scan, head: bigint): Promise<Scan> => {
    const made = new Map(kept.made)
    const received = new Set(kept.received)
    for (const range of windows(kept.to + 1n, head)) await lockedLogs(me, range, made, received)
    return { ...kept, to: head, made, received, settled: new Set(kept.settled) }
  }

  /** The secrets of the `Redeemed` logs from `need` (the oldest lock to the account still open) to `head`. */
  const secretsSince = async (
    secrets: Scan['secrets'],
    need: bigint,
    head: bigint,
  ): Promise<Scan['secrets']> => {
    const ranges =
      secrets === null
        ? windows(need, head)
        : [
            ...(need < secrets.from ? windows(need, secrets.from - 1n) : []),
            ...windows(secrets.to + 1n, head),
          ]
    const byHashlock = new Map(secrets?.byHashlock)
    for (const range of ranges) {
      const redeemed = await reads.logs({ ...range, address: HTLC_ADDRESS, topics: [REDEEMED_TOPIC] })
      for (const [hashlock, secret] of secretsOf(redeemed)) byHashlock.set(hashlock, secret)
    }
    const from = secrets === null || need < secrets.from ? need : secrets.from
    return { from, to: head, byHashlock }
  }

  return async (account, head, fresh) => {
    if (fresh) scans.clear()
    const me = addressTopic(account.toLowerCase() as Address)
    const kept = scans.get(account)
    // New blocks a light node will not read at once (a tab asleep for long): read back from the head anew,
    // which says how far it got, keeping the locks found before.
    const scan =
      kept === undefined || head < kept.to
        ? await firstScan(me, head)
        : await extend(me, kept, head).catch(async (err: unknown) => {
            if (tooWide(err) === null) throw err
            const anew = await firstScan(me, head)
            return {
              ...anew,
              made: new Map([...kept.made, ...anew.made]),
              received: new Set([...kept.received, ...anew.received]),
              settled: new Set(kept.settled),
            }
          })
    const open = [...scan.made.keys()].filter((id) => !scan.settled.has(id))
    const locks: { id: Hex; lock: HtlcLock }[] = []
    for (const [i, { value }] of (await Promise.all(open.map((id) => reads.verifiedHtlc(id)))).entries()) {
      const id = open[i] as Hex
      // Null: not in the state proven yet (a light node proves a block `confirmations` deep): read again.
      if (value === null) continue
      if (value.state === LockState.Locked) locks.push({ id, lock: value })
      else scan.settled.add(id)
    }
    let need: bigint | null = null
    for (const id of scan.received) {
      const block = scan.made.get(id) as bigint
      if (!scan.settled.has(id) && (need === null || block < need)) need = block
    }
    const secrets = need === null ? scan.secrets : await secretsSince(scan.secrets, need, head)
    for (const { lock } of locks)
      if (lock.token !== ZERO_ADDRESS && !tokens.has(lock.token)) {
        const { value } = await reads.verifiedToken(lock.token)
        if (value !== null) tokens.set(lock.token, { symbol: value.symbol, decimals: value.decimals })
      }
    scans.set(account, { ...scan, secrets })
    return {
      at: head,
      older: scan.older,
      found: locks.map(({ id, lock }) => ({
        id,
        lock,
        token: tokens.get(lock.token) ?? null,
        preimage: scan.received.has(id)
          ? (secrets?.byHashlock.get(lock.hashlock.toLowerCase() as Hex) ?? null)
          : null,
      })),
    }
  }
}

/** What the Wallet's Swap locks show of an account: the rows as last read, or why none could be read. */
export type OpenLocksView =
  | {
      readonly account: Address
      readonly rows: readonly OpenLockRow[]
      /** The head they were read at. */
      readonly at: bigint
      readonly older: OlderLocks | null
      /** Why the reads since `at` failed; null: read at the last head. */
      readonly unread: string | null
    }
  | { readonly account: Address; readonly error: string }

/**
 * The view once a read of `account` failed with `message`: the rows last read of it kept, marked as of
 * their head with why they could not be read again (a light node with no peer to prove, at any head), or
 * the error alone when nothing of it was read. Pure.
 */
export function failedView(last: OpenLocksView | null, account: Address, message: string): OpenLocksView {
  return last !== null && last.account === account && 'rows' in last
    ? { ...last, unread: message }
    : { account, error: message }
}

/** The transaction that takes `row`'s action (a refund to its sender, a redeem with the secret); null when none is open. */
export function settleRequest(
  account: Address,
  row: OpenLockRow,
): { from: Address; to: Address; data: Hex } | null {
  const id = row.id
  if (row.action.kind === 'refund')
    return {
      from: account,
      to: HTLC_ADDRESS,
      data: encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [id] }),
    }
  if (row.action.kind === 'collect')
    return {
      from: account,
      to: HTLC_ADDRESS,
      data: encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, row.action.preimage] }),
    }
  return null
}

/** Why a refund or redeem of a listed lock did not go, as its simulation or the node said. */
export type SettleProblem =
  /** Settled meanwhile: another browser of the account, the other side or a watchtower refunded or redeemed it. */
  | { readonly code: 'LOCK_SETTLED'; readonly message: string }
  /** A redeem from the timelock on: only the sender's refund is left. */
  | { readonly code: 'TIMELOCK_PASSED'; readonly message: string }
  /** A refund before the timelock. */
  | { readonly code: 'TIMELOCK_AHEAD'; readonly message: string }
  | { readonly code: 'OTHER'; readonly message: string }

/** The problem a failed refund or redeem's error `message` (the HTLC's revert reason within it) names. */
export function settleProblem(message: string): SettleProblem {
  if (/already (refunded|redeemed)/.test(message))
    return {
      code: 'LOCK_SETTLED',
      message:
        'This lock was settled meanwhile (another browser of this account, the other side or a watchtower refunded or redeemed it): nothing is left to do.',
    }
  if (message.includes('timelock expired'))
    return {
      code: 'TIMELOCK_PASSED',
      message:
        'Too late: its timelock is reached, so it can no longer be redeemed; its sender may take it back.',
    }
  if (message.includes('timelock not reached'))
    return { code: 'TIMELOCK_AHEAD', message: 'Too early: its timelock is not reached yet.' }
  return { code: 'OTHER', message }
}
