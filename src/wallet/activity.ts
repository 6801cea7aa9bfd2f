import { type Address, type Hex, isAddress, isHash } from 'viem'
import { messageOf } from '../node/rpc/errors'
import type { ReceiptView, TxView } from '../node/worker/queries'
import type { SentTransaction } from './provider'

/** A sent transaction and what the chain says about it. */
export interface ActivityItem extends SentTransaction {
  readonly status: 'pending' | 'confirmed' | 'failed' | 'dropped'
  /** The block holding it, from its receipt. */
  readonly blockNumber?: string
  /** Why it failed (the decoded revert reason) or was dropped. */
  readonly reason?: string
  /**
   * Why its status could not be read at the current head (on a light node: no peer gave a proof that
   * verifies): the status is the last one verified. Absent when it is verified.
   */
  readonly unverified?: string
}

/** Why an item is `dropped`. */
export const DROPPED_REASON = 'another transaction of this account with the same nonce was mined'

/**
 * An item's status from its canonical receipt and its sender's nonce at the head: no receipt → pending
 * (again, if a reorg took it out), or dropped once the sender's nonce has passed the item's (another
 * transaction with its nonce was mined: it never can be; a reorg may still bring it back); reverted →
 * failed with the decoded reason; success → confirmed in its block. Failed stays failed. A read that
 * verified: no `unverified` mark stays.
 */
export function settleActivity(
  item: ActivityItem,
  receipt: Pick<ReceiptView, 'blockNumber' | 'status' | 'revertReason'> | null,
  accountNonce: bigint,
): ActivityItem {
  if (item.status === 'failed') return item
  const { blockNumber: _block, reason: _reason, unverified: _unverified, ...sent } = item
  if (receipt === null)
    return accountNonce > BigInt(item.nonce)
      ? { ...sent, status: 'dropped', reason: DROPPED_REASON }
      : { ...sent, status: 'pending' }
  const blockNumber = String(receipt.blockNumber)
  return receipt.status === 'reverted'
    ? { ...sent, status: 'failed', blockNumber, reason: receipt.revertReason ?? 'reverted' }
    : { ...sent, status: 'confirmed', blockNumber }
}

/** A read's value, or why it failed. */
type Read<T> = { readonly value: T } | { readonly unread: string }

/** What `settleActivity` reads of a receipt. */
type ActivityReceipt = Pick<ReceiptView, 'blockNumber' | 'status' | 'revertReason'>

/** The node reads an activity refresh makes (the node's API has them). */
export interface ActivityReads {
  account(address: Address): Promise<{ readonly nonce: bigint }>
  receipt(hash: Hex): Promise<ActivityReceipt | null>
  transaction(hash: Hex): Promise<Pick<TxView, 'blockNumber' | 'status'> | null>
}

/**
 * The receipt of `hash`, or — that read failed (on a light node: its block's receipts out of reach) —
 * what its transaction read proves: in its block with the status proven with its inclusion, as the
 * transaction page reads it (no revert reason: a block's receipts do not hold it). Else why the receipt
 * could not be read: a transaction not proven mined (a light node's own submission reads as pending) or
 * one with no status known proves nothing of its outcome.
 */
const receiptOrProven = (reads: ActivityReads, hash: Hex): Promise<Read<ActivityReceipt | null>> =>
  reads.receipt(hash).then(
    (value): Read<ActivityReceipt | null> => ({ value }),
    async (err: unknown): Promise<Read<ActivityReceipt | null>> => {
      const tx = await reads.transaction(hash).catch(() => null)
      if (tx === null || tx.blockNumber === null || tx.status === null) return { unread: messageOf(err) }
      return { value: { blockNumber: tx.blockNumber, status: tx.status, revertReason: null } }
    },
  )

/**
 * Reads the nonce of each sender with an item waiting (pending or dropped), then the receipt of every
 * item not failed, and settles each item (`settleActivity`) from the reads that succeeded. The nonces
 * first: a block that comes in between then shows as a receipt, never as a nonce passed without one (a
 * false "dropped"). A read that fails (on a light node: no proof verified) settles nothing: the item
 * keeps its last status, marked `unverified` with why — a receipt read is never "no receipt", a nonce
 * read never "not passed" — unless its transaction read proves its outcome (`receiptOrProven`).
 */
export async function rereadActivity(
  items: readonly ActivityItem[],
  reads: ActivityReads,
): Promise<ActivityItem[]> {
  const waiting = new Set(
    items.filter((i) => i.status === 'pending' || i.status === 'dropped').map((i) => i.from.toLowerCase()),
  )
  const nonces = new Map(
    await Promise.all(
      [...waiting].map((a) =>
        reads.account(a as Address).then(
          (r): [string, Read<bigint>] => [a, { value: r.nonce }],
          (err: unknown): [string, Read<bigint>] => [a, { unread: messageOf(err) }],
        ),
      ),
    ),
  )
  const receipts = await Promise.all(
    items.map((i) => (i.status === 'failed' ? { value: null } : receiptOrProven(reads, i.hash))),
  )
  return items.map((i, k) => {
    const receipt = receipts[k] ?? { value: null }
    if ('unread' in receipt) return { ...i, unverified: receipt.unread }
    // A confirmed item a reorg took out, its sender's nonce not read: pending (never dropped unread).
    const nonce = nonces.get(i.from.toLowerCase()) ?? { value: 0n }
    if (receipt.value === null && 'unread' in nonce) {
      const last = i.status === 'dropped' ? i : settleActivity(i, null, 0n)
      return { ...last, unverified: nonce.unread }
    }
    return settleActivity(i, receipt.value, 'unread' in nonce ? 0n : nonce.value)
  })
}

/**
 * The activity list `current` with each item a re-read (`rereadActivity`) settled put in its place, by
 * hash: an item added since the re-read began (a transaction sent meanwhile) is kept as it is.
 */
export function withReread(
  current: readonly ActivityItem[],
  reread: readonly ActivityItem[],
): ActivityItem[] {
  const settled = new Map(reread.map((i) => [i.hash, i]))
  return current.map((i) => settled.get(i.hash) ?? i)
}

/** Where a profile's activity list is kept (`localStorage` in the app). */
const activityKey = (profileId: string): string => `tabchain.activity.${profileId}`

/** The items without their `unverified` marks: a mark says something of the head it was read at only. */
const unmarked = (items: readonly ActivityItem[]): ActivityItem[] =>
  items.map(({ unverified: _unverified, ...item }) => item)

const STATUSES: ReadonlySet<unknown> = new Set<ActivityItem['status']>([
  'pending',
  'confirmed',
  'failed',
  'dropped',
])

/**
 * A saved item as `saveActivity` wrote it (without its `unverified` mark), or null when it is damaged
 * (edited storage, a bad write): a field missing or of the wrong form, which later reads (its receipt,
 * `BigInt` of its nonce and block) would trip over.
 */
function savedItem(value: unknown): ActivityItem | null {
  if (typeof value !== 'object' || value === null) return null
  const { hash, from, title, nonce, sentAt, status, blockNumber, reason } = value as Record<string, unknown>
  const valid =
    typeof hash === 'string' &&
    isHash(hash) &&
    typeof from === 'string' &&
    isAddress(from, { strict: false }) &&
    typeof title === 'string' &&
    typeof nonce === 'number' &&
    Number.isSafeInteger(nonce) &&
    nonce >= 0 &&
    typeof sentAt === 'number' &&
    Number.isFinite(sentAt) &&
    STATUSES.has(status) &&
    (blockNumber === undefined || (typeof blockNumber === 'string' && /^\d+$/.test(blockNumber))) &&
    (reason === undefined || typeof reason === 'string')
  return valid ? (value as ActivityItem) : null
}

/**
 * The profile's saved activity list, newest first, each item with its last verified status and no
 * `unverified` mark (also from a list saved with them): the next head's re-read marks again what it
 * cannot verify. A damaged item is left out (a damaged list, not JSON or no list, gives none), with a
 * warning: the wallet starts with what can be kept.
 */
export function storedActivity(storage: Pick<Storage, 'getItem'>, profileId: string): ActivityItem[] {
  const saved = storage.getItem(activityKey(profileId))
  if (saved === null) return []
  let list: unknown
  try {
    list = JSON.parse(saved)
  } catch {
    list = null
  }
  if (!Array.isArray(list)) {
    console.warn('the saved activity list is damaged: it starts empty')
    return []
  }
  const items = unmarked(list.flatMap((value) => savedItem(value) ?? []))
  if (items.length < list.length)
    console.warn(`${list.length - items.length} damaged item(s) of the saved activity list left out`)
  return items
}

/** Saves the profile's activity list without its `unverified` marks (`storedActivity`). */
export function saveActivity(
  storage: Pick<Storage, 'setItem'>,
  profileId: string,
  items: readonly ActivityItem[],
): void {
  storage.setItem(activityKey(profileId), JSON.stringify(unmarked(items)))
}
