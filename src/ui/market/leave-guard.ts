import type { Hex } from 'viem'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import type { SwapInfo } from '../../node/worker/swap-service'
import type { NodeEventSource } from './node-source'

/**
 * Whether closing the tab now could cost this party its side of a swap. Its node runs in the tab, and
 * only it redeems or refunds: a maker from its lock on, a taker from its own lock on (it must redeem
 * the maker's lock before the maker's timelock), until the swap completes or is refunded.
 */
export function atStake({ role, status }: Pick<SwapInfo, 'role' | 'status'>): boolean {
  switch (status.state) {
    case 'MakerLocked':
      return role === 'maker'
    case 'TakerLocked':
    case 'SecretRevealed':
      return true
    default:
      return false
  }
}

export interface LeaveGuardInit {
  readonly api: Pick<Remote<NodeApi>, 'swaps'>
  readonly on: NodeEventSource
  /** The page's window: its `beforeunload` is what the guard answers. */
  readonly target: Pick<EventTarget, 'addEventListener'>
  /** Told how many swaps have coins at stake whenever a swap moves (the header says so on every screen). */
  readonly onChange?: (atStake: number) => void
}

/**
 * Has the browser ask before the tab closes or navigates away while one of this profile's swaps has
 * coins at stake (`atStake`), following the node's swaps as they move, and tells `onChange` how many
 * are. Runs for the page's life.
 */
export function startLeaveGuard(init: LeaveGuardInit): void {
  const staked = new Map<Hex, boolean>()
  const count = (): number => [...staked.values()].filter(Boolean).length
  const note = (swap: SwapInfo): void => void staked.set(swap.swapId, atStake(swap))
  init.on('swap', (swap) => {
    note(swap)
    init.onChange?.(count())
  })
  // The swaps the node resumed before this page listened (an event since is newer: it stays).
  init.api.swaps().then(
    (swaps) => {
      for (const swap of swaps) if (!staked.has(swap.swapId)) note(swap)
      init.onChange?.(count())
    },
    () => {},
  )
  init.target.addEventListener('beforeunload', (event) => {
    if (count() > 0) event.preventDefault()
  })
}
