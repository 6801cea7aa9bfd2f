import type { ChainParams, Header } from '../chain/types'

/**
 * Difficulty of the child of `parent` mined at `timestamp` (ms).
 *
 * With `params.fixedDifficulty` (test genesis files) it is that constant. Otherwise it retargets every
 * block, Homestead style, toward `params.targetBlockTimeMs`:
 *
 *   step = max(parent / difficultyBoundDivisor, 1)
 *   adj  = max(1 − floor((timestamp − parent.timestamp) / targetBlockTimeMs), −99)
 *   next = max(parent + step · adj, minDifficulty)
 *
 * A block faster than the target raises difficulty by one step, one within [T, 2T) keeps it, slower ones
 * lower it by one step per extra target interval. So a block moves difficulty at most one step up and 99
 * steps down (a long gap cannot crash it in one block), and never below `minDifficulty`.
 */
export function nextDifficulty(params: ChainParams, parent: Header, timestamp: bigint): bigint {
  if (params.fixedDifficulty !== undefined) return params.fixedDifficulty
  const target = BigInt(params.targetBlockTimeMs)
  const elapsed = timestamp - parent.timestamp
  let adj = 1n - elapsed / target
  if (adj < -99n) adj = -99n
  let step = parent.difficulty / params.difficultyBoundDivisor
  if (step < 1n) step = 1n
  const next = parent.difficulty + step * adj
  if (next < params.minDifficulty) return params.minDifficulty
  return next
}
