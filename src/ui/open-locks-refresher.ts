import type { Address } from 'viem'
import { messageOf } from '../node/rpc/errors'
import { serialRefresh } from '../node/serial-runs'
import {
  failedView,
  type OpenLockReads,
  type OpenLocksView,
  openLockRows,
  openLocksReader,
  runningHashlocks,
} from '../wallet/open-locks'
import { chainChangeWatch, useApp } from './store'

/** What the Swap locks panel reads through: the open locks' logs and records, and this tab's own swaps. */
export interface SwapLocksReads extends OpenLockReads {
  swaps(): Promise<Parameters<typeof runningHashlocks>[0]>
}

/**
 * What refreshes the Wallet's Swap locks panel (`set`, given the view it replaces) when asked — at each
 * head, on a mode change, when a direct peer links or leaves, when another account is selected. One read
 * at a time (`serialRefresh`): asks during a read make one more read when it ends, of the account
 * `selected` then and the head then, so a slow read never writes over a newer one's and the account
 * selected meanwhile is read too. Each read asks only what the new blocks hold (`openLocksReader`), and
 * everything again after a reorganisation or a mode change this account's reads have not yet seen
 * (`chainChangeWatch`, one per account). A read that fails keeps the rows last read (`failedView`).
 */
export function openLocksRefresher(
  reads: SwapLocksReads,
  selected: () => Address | null,
  set: (next: (last: OpenLocksView | null) => OpenLocksView) => void,
): () => Promise<void> {
  const read = openLocksReader(reads)
  const watches = new Map<Address, () => boolean>()
  return serialRefresh(
    async () => {
      const me = selected()
      const at = useApp.getState().head?.number
      if (me === null || at === undefined) return
      const chainChanged = watches.get(me) ?? chainChangeWatch()
      watches.set(me, chainChanged)
      try {
        const [found, swaps] = await Promise.all([read(me, at, chainChanged()), reads.swaps()])
        const rows = openLockRows(me, found.found, at, runningHashlocks(swaps))
        set(() => ({ account: me, rows, at, older: found.older, unread: null }))
      } catch (err) {
        set((last) => failedView(last, me, messageOf(err)))
      }
    },
    (err) => console.error('the swap locks could not be shown', err),
  )
}
