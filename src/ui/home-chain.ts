import type { Verified } from '../node/light/light-client'
import type { AccountInfo, HeadInfo } from '../node/worker/chain-service'

/** The Home screen's last balance read: the head it was asked on, and what came back. */
export interface BalanceRead {
  /** The head the screen showed when it asked (the store's, pushed by the node). */
  readonly askedAt: HeadInfo | null
  readonly result: { readonly value: Verified<AccountInfo> | null } | { readonly error: string }
}

/** What the Home screen's head and balance cards show, together. */
export interface HomeChainView {
  readonly head: HeadInfo | null
  readonly balance: Verified<AccountInfo> | null
  /** Why no balance is shown (a read that failed), else null. */
  readonly error: string | null
}

/**
 * The head and balance the Home screen shows. A new head reaches the screen first, its balance a read
 * later: showing the new head beside the previous head's balance put two blocks on one screen. So on a
 * full node, whose balance is read at its head, the head card shows the head the balance was read at
 * until the next read is in — both move together. A light node's balance is proven at a header k deep
 * (its card says which, "✓ verified at #n"): its head card shows the newest header as it comes.
 */
export function homeChainView(
  head: HeadInfo | null,
  read: BalanceRead | null,
  light: boolean,
): HomeChainView {
  if (read === null) return { head, balance: null, error: null }
  if ('error' in read.result) return { head, balance: null, error: read.result.error }
  const balance = read.result.value
  const paired = !light && balance !== null && read.askedAt !== null && read.askedAt.hash === balance.hash
  return { head: paired ? read.askedAt : head, balance, error: null }
}
