import { quietForMs } from '../../format'
import { useHeadAge } from '../../head-age'
import { quietTradesNote } from '../../market/trade-view'
import { type AppState, useApp } from '../../store'
import { useNow } from '../../useNow'

/** This tab could mine the blocks its trades wait for: a full node (a light one cannot mine) not mining. */
export const canMineHere = (s: Pick<AppState, 'mode' | 'mining'>): boolean =>
  s.mode?.kind === 'full' && s.mining?.enabled === false

/**
 * Above running trades, while the chain stands still: each of their steps waits for a block, and what
 * starts them again (`quietTradesNote`). A component of its own, so that its clock re-renders it alone.
 */
export function QuietChainNote() {
  const now = useNow(1000)
  const age = useHeadAge(now)
  const canMine = useApp(canMineHere)
  const quiet = age === undefined ? null : quietTradesNote(quietForMs(age), canMine)
  return quiet === null ? null : (
    <p className="notice notice--act" role="status" data-testid="trades-quiet">
      {quiet}
    </p>
  )
}
