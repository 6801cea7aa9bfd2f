import type { ReceiptView } from '../node/worker/queries'
import type { SentTransaction } from './provider'

/** A sent transaction and what the chain says about it. */
export interface ActivityItem extends SentTransaction {
  readonly status: 'pending' | 'confirmed' | 'failed'
  /** The block holding it, from its receipt. */
  readonly blockNumber?: string
  /** Why it failed (the decoded revert reason). */
  readonly reason?: string
}

/**
 * An item's status from its canonical receipt: none → pending (again, if a reorg took it out),
 * reverted → failed with the decoded reason, success → confirmed in its block. Failed stays failed.
 */
export function settleActivity(
  item: ActivityItem,
  receipt: Pick<ReceiptView, 'blockNumber' | 'status' | 'revertReason'> | null,
): ActivityItem {
  if (item.status === 'failed') return item
  if (receipt === null) return { ...item, status: 'pending' }
  const blockNumber = String(receipt.blockNumber)
  return receipt.status === 'reverted'
    ? { ...item, status: 'failed', blockNumber, reason: receipt.revertReason ?? 'reverted' }
    : { ...item, status: 'confirmed', blockNumber }
}
