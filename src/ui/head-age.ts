import type { HeadAge } from './format'
import { useApp } from './store'

/**
 * The head block's age at `now` and the chain's target time between blocks (`HeadAge`), as the store
 * holds them; undefined until the node has told its head and its chain.
 */
export function useHeadAge(now: number): HeadAge | undefined {
  const headTime = useApp((s) => s.head?.timestamp)
  const headNumber = useApp((s) => s.head?.number)
  const targetBlockTimeMs = useApp((s) => s.chain?.params.targetBlockTimeMs)
  return headTime === undefined || headNumber === undefined || targetBlockTimeMs === undefined
    ? undefined
    : { headAgeMs: now - Number(headTime), targetBlockTimeMs, headNumber }
}
