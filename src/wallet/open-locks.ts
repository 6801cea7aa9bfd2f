import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem'
import type { LogQuery } from '../node/chain/log-selection'
import { MAX_LOG_RANGE } from '../node/chain/log-selection'
import { fromHex, toHex } from '../node/codec/bytes'
import { addressTopic } from '../node/contracts/abi'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import { htlcAbi, LockState } from '../node/contracts/htlc/abi'
import { type HtlcLock, LOCKED_TOPIC, REDEEMED_TOPIC } from '../node/contracts/htlc/htlc'
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

/** The secret among `redeemed` (HTLC `Redeemed` logs, each carrying its preimage) whose sha256 is `hashlock`. */
export function preimageOf(hashlock: Hex, redeemed: readonly Pick<LogRecord, 'data'>[]): Hex | null {
  for (const { data } of redeemed) {
    if (data.length !== 66) continue
    if (same(toHex(sha256(fromHex(data))), hashlock)) return data.toLowerCase() as Hex
  }
  return null
}

/** The reads `readOpenLocks` makes (the node's API has them; a light node proves each). */
export interface OpenLockReads {
  logs(query: LogQuery): Promise<LogRecord[]>
  /** The oldest block whose logs the node may hold (a snapshot's block is held without them). */
  blocksFrom(): Promise<bigint>
  verifiedHtlc(id: Hex): Promise<{ readonly value: HtlcLock | null }>
  verifiedToken(token: Address): Promise<{ readonly value: { symbol: string; decimals: number } | null }>
}

/**
 * The locks `account` sent or receives made in the last `MAX_LOG_RANGE` blocks up to `head` (their
 * `Locked` logs name both parties; on a node started from a snapshot, those after its snapshot block,
 * whose logs it does not hold), each record read fresh (`verifiedHtlc`: on a light node a proof), the
 * still-locked ones received with the secret any `Redeemed` log since carries. Throws what the reads
 * throw (a light node without a proof: `LIGHT_UNVERIFIED`).
 */
export async function readOpenLocks(
  account: Address,
  head: bigint,
  reads: OpenLockReads,
): Promise<FoundLock[]> {
  const base = await reads.blocksFrom()
  const held = base === 0n ? 0n : base + 1n
  const recent = head >= MAX_LOG_RANGE ? head - MAX_LOG_RANGE + 1n : 0n
  const fromBlock = recent > held ? recent : held
  const me = addressTopic(account.toLowerCase() as Address)
  const range = { fromBlock, toBlock: head, address: HTLC_ADDRESS }
  const [sent, received] = await Promise.all([
    reads.logs({ ...range, topics: [LOCKED_TOPIC, null, me] }),
    reads.logs({ ...range, topics: [LOCKED_TOPIC, null, null, me] }),
  ])
  const made = new Map<Hex, bigint>()
  for (const log of [...sent, ...received]) {
    const id = log.topics[1]
    if (id !== undefined) made.set(id.toLowerCase() as Hex, log.blockNumber)
  }
  const locks = (
    await Promise.all(
      [...made.keys()].map(async (id) => {
        const { value } = await reads.verifiedHtlc(id)
        return value === null || value.state !== LockState.Locked ? [] : [{ id, lock: value }]
      }),
    )
  ).flat()
  const waiting = locks.filter(({ lock }) => same(lock.recipient, account) && !same(lock.sender, account))
  let redeemed: LogRecord[] = []
  if (waiting.length > 0) {
    let first = head
    for (const { id } of waiting) {
      const block = made.get(id) as bigint
      if (block < first) first = block
    }
    redeemed = await reads.logs({
      fromBlock: first,
      toBlock: head,
      address: HTLC_ADDRESS,
      topics: [REDEEMED_TOPIC],
    })
  }
  const tokens = new Map<Address, FoundLock['token']>()
  for (const { lock } of locks)
    if (lock.token !== ZERO_ADDRESS && !tokens.has(lock.token)) {
      const { value } = await reads.verifiedToken(lock.token)
      tokens.set(lock.token, value === null ? null : { symbol: value.symbol, decimals: value.decimals })
    }
  return locks.map(({ id, lock }) => ({
    id,
    lock,
    token: tokens.get(lock.token) ?? null,
    preimage: waiting.some((w) => w.id === id) ? preimageOf(lock.hashlock, redeemed) : null,
  }))
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
