import { type Address, decodeAbiParameters, type Hex } from 'viem'
import { HTLC_ADDRESS } from '../../node/contracts/addresses'
import { LOCKED_TOPIC, REDEEMED_TOPIC, REFUNDED_TOPIC } from '../../node/contracts/htlc/htlc'
import type { LogRecord } from '../../node/storage/types'
import type { FeeInfo } from '../../node/worker/queries'
import type { LockField } from './errors'
import type { SentTx, SwapEvent, SwapRole } from './state'
import type { SwapTerms } from './terms'

/** An HTLC lock as the chain's logs describe it at some head. */
export interface ObservedLock {
  readonly id: Hex
  readonly sender: Address
  readonly recipient: Address
  readonly token: Address
  readonly amount: bigint
  readonly hashlock: Hex
  readonly timelockHeight: bigint
  /** Block that mined the lock. */
  readonly lockedAt: bigint
  readonly state: 'locked' | 'redeemed' | 'refunded'
  /** The secret, once a `Redeemed` log carried it. */
  readonly preimage: Hex | null
  /** Block of the redeem or refund. */
  readonly settledAt: bigint | null
}

/** Where one of our stored transactions stands. */
export type TxState =
  | { readonly kind: 'mined'; readonly ok: boolean }
  /** In the mempool, not mined, offering these fees (wei per gas). */
  | { readonly kind: 'pending'; readonly maxFeePerGas: bigint; readonly maxPriorityFeePerGas: bigint }
  /** Neither mined nor pending (dropped, or never broadcast because we stopped first). */
  | { readonly kind: 'unknown' }
  /**
   * Neither mined nor pending, and sent again just now the pool refused it as underpriced: its tip is
   * not above the lowest of a full pool's (`MEMPOOL_UNDERPRICED`), as it will be at every head.
   */
  | { readonly kind: 'refused' }

/** What the engine knows of the chain at one head, all read at that head. */
export interface SwapChainView {
  readonly head: bigint
  /** The first lock maker → taker under the swap's hashlock, as mined (matching the terms or not). */
  readonly makerLock: ObservedLock | null
  /** The first lock taker → maker under the swap's hashlock. */
  readonly takerLock: ObservedLock | null
  /** Our account's nonce at the head (mined transactions only). */
  readonly nonce: bigint
  /** The next block's base fee and the suggested tip. */
  readonly fees: FeeInfo
  /** The state of each transaction of our `sent` events, and of the pooled ones of `redeemsOut`, by hash. */
  readonly txs: ReadonlyMap<Hex, TxState>
  /**
   * Taker: the secret as a pending (not yet mined) `redeem` of our lock shows it, checked against the
   * hashlock; null when none is in the mempool (or not read: other roles and states).
   */
  readonly pendingPreimage: Hex | null
  /**
   * Maker: the locks a redeem of ours showed the secret for though no `sent` event holds it (broadcast
   * though storage refused its record), each with that redeem while it waits in our pool (its state in
   * `txs`), null once it left the pool unmined (dropped, or mined and reorged out).
   */
  readonly redeemsOut: ReadonlyMap<Hex, SentTx | null>
}

const word = (a: Address): Hex => `0x${a.slice(2).toLowerCase().padStart(64, '0')}`
const addressOf = (topic: Hex | undefined): Address => `0x${(topic ?? '').slice(26)}` as Address

/** The `logs` filters that find a swap's locks: every HTLC lock between the two parties. */
export function lockFilter(terms: SwapTerms): { address: Address; topics: (Hex | Hex[] | null)[] } {
  const parties = [word(terms.maker), word(terms.taker)]
  return { address: HTLC_ADDRESS, topics: [LOCKED_TOPIC, null, parties, parties] }
}

/** The filter for the redeem and refund logs of `ids`. */
export function settleFilter(ids: readonly Hex[]): { address: Address; topics: (Hex | Hex[] | null)[] } {
  return { address: HTLC_ADDRESS, topics: [[REDEEMED_TOPIC, REFUNDED_TOPIC], [...ids]] }
}

/**
 * Folds HTLC logs (in chain order) into the locks under `hashlock`: `Locked` creates one, `Redeemed`
 * (with its preimage) and `Refunded` settle it. Logs of other contracts, other hashlocks or unknown
 * locks are skipped. Pure.
 */
export function observeLocks(logs: readonly LogRecord[], hashlock: Hex): ObservedLock[] {
  const locks = new Map<Hex, ObservedLock>()
  const want = hashlock.toLowerCase()
  for (const log of logs) {
    if (log.address.toLowerCase() !== HTLC_ADDRESS) continue
    const [topic0, id] = log.topics
    if (id === undefined) continue
    const key = id.toLowerCase() as Hex
    if (topic0 === LOCKED_TOPIC) {
      const [token, amount, lockHash, timelockHeight] = decodeAbiParameters(
        [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }],
        log.data,
      )
      if (lockHash.toLowerCase() !== want) continue
      locks.set(key, {
        id: key,
        sender: addressOf(log.topics[2]),
        recipient: addressOf(log.topics[3]),
        token: token.toLowerCase() as Address,
        amount,
        hashlock: want as Hex,
        timelockHeight,
        lockedAt: log.blockNumber,
        state: 'locked',
        preimage: null,
        settledAt: null,
      })
      continue
    }
    const lock = locks.get(key)
    if (lock === undefined || lock.state !== 'locked') continue
    if (topic0 === REDEEMED_TOPIC) {
      locks.set(key, {
        ...lock,
        state: 'redeemed',
        preimage: log.data.toLowerCase() as Hex,
        settledAt: log.blockNumber,
      })
    } else if (topic0 === REFUNDED_TOPIC) {
      locks.set(key, { ...lock, state: 'refunded', settledAt: log.blockNumber })
    }
  }
  return [...locks.values()]
}

/** The maker's and the taker's lock among observed ones (the first of each direction). */
export function swapLocks(
  terms: SwapTerms,
  locks: readonly ObservedLock[],
): { makerLock: ObservedLock | null; takerLock: ObservedLock | null } {
  const first = (from: Address, to: Address) =>
    locks.find((l) => l.sender === from && l.recipient === to) ?? null
  return { makerLock: first(terms.maker, terms.taker), takerLock: first(terms.taker, terms.maker) }
}

/**
 * The ids of the swap's two locks among `lockLogs` (its `lockFilter` logs), to ask for their settle
 * logs: at most two, whatever else was locked under the (public) hashlock between the two parties.
 */
export function swapLockIds(terms: SwapTerms, lockLogs: readonly LogRecord[]): Hex[] {
  const { makerLock, takerLock } = swapLocks(terms, observeLocks(lockLogs, terms.hashlock))
  return [makerLock, takerLock].flatMap((l) => (l === null ? [] : [l.id]))
}

/**
 * How a lock differs from what the terms promise, or null when it matches. The direction (sender,
 * recipient) and hashlock are matched by `swapLocks`; token and amount must be exact; the maker's
 * timelock must reach `acceptedHeight + makerTimelockBlocks` (it may be later, never earlier). The
 * taker's timelock is its own choice within the rule and is not checked here.
 */
export function lockMismatch(
  terms: SwapTerms,
  side: SwapRole,
  lock: ObservedLock,
): { field: LockField; expected: string; got: string } | null {
  const token = side === 'maker' ? terms.tokenA : terms.tokenB
  const amount = side === 'maker' ? terms.amountA : terms.amountB
  if (lock.token !== token) return { field: 'token', expected: token, got: lock.token }
  if (lock.amount !== amount) return { field: 'amount', expected: String(amount), got: String(lock.amount) }
  if (side === 'maker') {
    const min = terms.acceptedHeight + terms.makerTimelockBlocks
    if (lock.timelockHeight < min)
      return { field: 'timelock', expected: `>= ${min}`, got: String(lock.timelockHeight) }
  }
  return null
}

/** Confirmations of a lock at `head` (1 in the head block). */
export function confirmationsOf(lock: ObservedLock, head: bigint): bigint {
  return head - lock.lockedAt + 1n
}

/**
 * The chain's facts about a swap as events, in protocol order, for `foldSwap`: each needs the one
 * before (a taker lock counts only after a matching maker lock), `secretRevealed` when a Redeemed log
 * of either lock shows the preimage, `completed` when both are redeemed; `refunded` when `role`'s own
 * lock went back to it; `missed` when its own lock was redeemed and the other can no longer be. Pure.
 */
export function chainEvents(role: SwapRole, terms: SwapTerms, view: SwapChainView): SwapEvent[] {
  const out: SwapEvent[] = []
  const own = role === 'maker' ? view.makerLock : view.takerLock
  const refund = (): void => {
    if (own?.state === 'refunded')
      out.push({ kind: 'refunded', lockId: own.id, height: own.settledAt ?? view.head })
  }
  const maker = view.makerLock
  if (maker === null || lockMismatch(terms, 'maker', maker) !== null) return out
  out.push({ kind: 'makerLocked', lockId: maker.id, height: maker.lockedAt })
  const taker = view.takerLock
  if (taker === null || lockMismatch(terms, 'taker', taker) !== null) {
    refund()
    return out
  }
  out.push({ kind: 'takerLocked', lockId: taker.id, height: taker.lockedAt })
  const revealedBy = [taker, maker]
    .filter((l) => l.preimage !== null)
    .sort((a, b) => Number((a.settledAt ?? 0n) - (b.settledAt ?? 0n)))[0]
  if (revealedBy === undefined) {
    refund()
    return out
  }
  out.push({
    kind: 'secretRevealed',
    preimage: revealedBy.preimage as Hex,
    height: revealedBy.settledAt ?? view.head,
  })
  if (maker.state === 'redeemed' && taker.state === 'redeemed') {
    out.push({ kind: 'completed', height: maker.settledAt ?? view.head })
    return out
  }
  // Ours redeemed, theirs not and never to be (a redeem is valid only below its timelock height).
  const [mine, theirs] = role === 'maker' ? [maker, taker] : [taker, maker]
  if (mine.state === 'redeemed' && (theirs.state === 'refunded' || view.head + 1n >= theirs.timelockHeight)) {
    out.push({ kind: 'missed', lockId: theirs.id, height: theirs.settledAt ?? theirs.timelockHeight })
    return out
  }
  refund()
  return out
}

/** A block, by height and hash. */
export interface BlockRef {
  readonly number: bigint
  readonly hash: Hex
}

/**
 * A view whose locks no later block changes while `blocks`, those holding the locks' logs (`Locked`,
 * `Redeemed`, `Refunded`), stay canonical and no later block holds a settle log of `open`: a lock settles
 * once, and a lock made later under the hashlock is not the first of its direction. A block's hash fixes
 * its logs and every block below it, so a reorg that changes any of those logs replaces one of these hashes.
 */
export interface SettledLocks {
  readonly view: SwapChainView
  readonly blocks: readonly BlockRef[]
  /**
   * The one lock of the two still locked (absent when both are settled), which only a `Redeemed` or
   * `Refunded` log of its id changes: `scanned` is the canonical block its settle logs were read up to,
   * none found — at first the block of its `Locked` log (the full read's range has no hash to keep).
   */
  readonly open?: { readonly id: Hex; readonly scanned: BlockRef }
}

/**
 * `view` as `SettledLocks` when both its locks are settled, with the blocks of their logs among `logs`
 * (those `view` was folded from); null while either is missing or still locked. Pure.
 */
export function settledLocks(view: SwapChainView, logs: readonly LogRecord[]): SettledLocks | null {
  const { makerLock, takerLock } = view
  if (makerLock === null || takerLock === null) return null
  if (makerLock.state === 'locked' || takerLock.state === 'locked') return null
  return { view, blocks: lockBlocks(view, logs) }
}

/**
 * `view` as `SettledLocks` when one of its locks is settled and the other still locked (`open`, read on
 * from the block of its `Locked` log among `logs`); null otherwise: while a lock is missing a later
 * `Locked` log may bring it. Pure.
 */
export function openLocks(view: SwapChainView, logs: readonly LogRecord[]): SettledLocks | null {
  const { makerLock, takerLock } = view
  if (makerLock === null || takerLock === null) return null
  const locked = [makerLock, takerLock].filter((l) => l.state === 'locked')
  const lock = locked[0]
  if (lock === undefined || locked.length > 1) return null
  const mined = logs.find((l) => isLockLog(l, lock.id) && l.topics[0]?.toLowerCase() === LOCKED_TOPIC)
  if (mined === undefined) return null
  const scanned = { number: mined.blockNumber, hash: mined.blockHash.toLowerCase() as Hex }
  return { view, blocks: lockBlocks(view, logs), open: { id: lock.id, scanned } }
}

/** Whether `log` is the HTLC's and names lock `id`. */
const isLockLog = (log: LogRecord, id: Hex): boolean =>
  log.address.toLowerCase() === HTLC_ADDRESS && log.topics[1]?.toLowerCase() === id.toLowerCase()

/** The blocks of the logs of `view`'s locks among `logs`, each once. */
function lockBlocks(view: SwapChainView, logs: readonly LogRecord[]): BlockRef[] {
  const ids = [view.makerLock?.id, view.takerLock?.id].flatMap((id) => (id === undefined ? [] : [id]))
  const blocks = new Map<string, BlockRef>()
  for (const log of logs) {
    if (!ids.some((id) => isLockLog(log, id))) continue
    const hash = log.blockHash.toLowerCase() as Hex
    blocks.set(`${log.blockNumber} ${hash}`, { number: log.blockNumber, hash })
  }
  return [...blocks.values()]
}

/**
 * `kept`'s view at `head` while the canonical chain still holds every block of its locks' logs, and the
 * block its open lock was read up to (`canonical`: the canonical block hash at a height, null where the
 * node holds none); else null, and the locks must be read again. Pure.
 */
export function settledView(
  kept: SettledLocks,
  head: bigint,
  canonical: (number: bigint) => Hex | null,
): SwapChainView | null {
  const held = keptBlocks(kept).every((b) => canonical(b.number)?.toLowerCase() === b.hash)
  return held ? { ...kept.view, head } : null
}

/**
 * The blocks whose hashes must stay canonical for `kept` to stand: those of its logs, and the one its
 * open lock was read up to — whose hash fixes every block below it, so of the others only those above.
 */
export function keptBlocks(kept: SettledLocks): BlockRef[] {
  const { open } = kept
  if (open === undefined) return [...kept.blocks]
  return [...kept.blocks.filter((b) => b.number > open.scanned.number), open.scanned]
}

/**
 * `kept` (its view at a later head, `settledView`) read on to block `to`: `logs`, the settle logs of its
 * open lock over the blocks after `open.scanned` up to `to`, were read between two reads of `to`'s hash,
 * `to.hash` and `after` (null where the node held none). Null when a log came (the lock settled: the
 * swap is read again), or `to` changed during the read (the logs may be another branch's). Pure.
 */
export function openLockRead(
  kept: SettledLocks,
  logs: readonly LogRecord[],
  to: BlockRef,
  after: Hex | null,
): SettledLocks | null {
  if (kept.open === undefined) return kept
  if (logs.length > 0 || after?.toLowerCase() !== to.hash.toLowerCase()) return null
  return {
    ...kept,
    open: { ...kept.open, scanned: { number: to.number, hash: to.hash.toLowerCase() as Hex } },
  }
}

/** The transactions of every `sent` event, for the driver to look up. */
export function sentTxs(stored: readonly SwapEvent[]): SentTx[] {
  return stored.flatMap((e) => (e.kind === 'sent' ? e.txs : []))
}
