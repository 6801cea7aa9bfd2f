import type { ReceiptView } from '../node/worker/queries'
import type { SentTransaction } from './provider'

/** A sent transaction and what the chain says about it. */
export interface ActivityItem extends SentTransaction {
  readonly status: 'pending' | 'confirmed' | 'failed' | 'dropped'
  /** The block holding it, from its receipt. */
  readonly blockNumber?: string
  /** Why it failed (the decoded revert reason) or was dropped. */
  readonly reason?: string
}

/** Why an item is `dropped`. */
export const DROPPED_REASON = 'another transaction of this account with the same nonce was mined'

/**
 * An item's status from its canonical receipt and its sender's nonce at the head: no receipt → pending
 * (again, if a reorg took it out), or dropped once the sender's nonce has passed the item's (another
 * transaction with its nonce was mined: it never can be; a reorg may still bring it back); reverted →
 * failed with the decoded reason; success → confirmed in its block. Failed stays failed.
 */
export function settleActivity(
  item: ActivityItem,
  receipt: Pick<ReceiptView, 'blockNumber' | 'status' | 'revertReason'> | null,
  accountNonce: bigint,
): ActivityItem {
  if (item.status === 'failed') return item
  const { blockNumber: _block, reason: _reason, ...sent } = item
  if (receipt === null)
    return accountNonce > BigInt(item.nonce)
      ? { ...sent, status: 'dropped', reason: DROPPED_REASON }
      : { ...sent, status: 'pending' }
  const blockNumber = String(receipt.blockNumber)
  return receipt.status === 'reverted'
    ? { ...sent, status: 'failed', blockNumber, reason: receipt.revertReason ?? 'reverted' }
    : { ...sent, status: 'confirmed', blockNumber }
}
