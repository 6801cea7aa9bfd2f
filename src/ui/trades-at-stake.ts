import { create } from 'zustand'
import type { LockReason } from '../wallet/wallet'
import { lockedCause } from './wallet-locked'

/** The header's line on this profile's trades that have coins at stake: its text and its tooltip. */
export interface TradesAtStakeNote {
  readonly label: string
  readonly title: string
}

/**
 * How many of this profile's swaps have coins at stake (`atStake`: only this tab's node redeems or
 * refunds them), as the leave guard follows them (`startLeaveGuard`'s `onChange`): no query of its own.
 */
export const useTradesAtStake = create<{ readonly count: number }>(() => ({ count: 0 }))

/**
 * What the header says while `count` swaps have coins at stake (`useTradesAtStake`), null when none has: how many, that the tab must stay open, and, while the
 * wallet is locked, that it must be unlocked (the node cannot collect what the trade pays, or take its
 * side back, before).
 * `locked` (why the wallet is locked, as it knows it) opens the tooltip with the Unlock form's reason
 * (`lockedCause`): a trade left running meets a wallet that locked meanwhile, and the label, one line
 * in the header's row of pills, has no room for it.
 */
export function tradesAtStakeNote(
  count: number,
  walletUnlocked: boolean,
  locked?: { readonly reason: LockReason; readonly idleMs: number },
): TradesAtStakeNote | null {
  if (count === 0) return null
  const trades = count === 1 ? '1 trade' : `${count} trades`
  return walletUnlocked
    ? {
        label: `${trades} running: keep this tab open`,
        title:
          'Your node collects what you receive, or takes your side back, by itself while this tab is open. See My trades on the Market screen.',
      }
    : {
        label: `${trades} running: unlock your wallet`,
        title: `${locked === undefined ? '' : `${lockedCause(locked.reason, locked.idleMs)}. `}Your node can collect what you receive, or take your side back, only while the wallet is unlocked, in this open tab. See My trades on the Market screen.`,
      }
}
