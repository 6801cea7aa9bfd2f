import { atStake } from './market/leave-guard'
import type { MarketSwap } from './market/source'

/** The header's line on this profile's trades that have coins at stake: its text and its tooltip. */
export interface TradesAtStakeNote {
  readonly label: string
  readonly title: string
}

/**
 * What the header says while some of `swaps` have coins at stake (`atStake`: only this tab's node
 * redeems or refunds them), null when none has: how many, that the tab must stay open, and, while the
 * wallet is locked, that it must be unlocked (the node cannot sign the redeem or the refund before).
 */
export function tradesAtStakeNote(
  swaps: readonly Pick<MarketSwap, 'role' | 'state' | 'steps'>[],
  walletUnlocked: boolean,
): TradesAtStakeNote | null {
  const count = swaps.filter((s) => atStake({ role: s.role, status: s })).length
  if (count === 0) return null
  const trades = count === 1 ? '1 trade' : `${count} trades`
  return walletUnlocked
    ? {
        label: `${trades} running: keep this tab open`,
        title:
          'Your node redeems or refunds your side itself while this tab is open. See My trades on the Market screen.',
      }
    : {
        label: `${trades} running: unlock your wallet`,
        title:
          'Your node can sign its redeem or refund only while the wallet is unlocked, in this open tab. See My trades on the Market screen.',
      }
}
