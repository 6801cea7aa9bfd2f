import type { ChainParams, Header } from '../chain/types'

/** Fixed-point scale of the exponent: 16 fractional bits. */
const RADIX = 16n
const ONE = 1n << RADIX

/**
 * Difficulty of the child of `parent` mined at `timestamp` (ms).
 *
 * With `params.fixedDifficulty` (test genesis files) it is that constant. Otherwise it retargets every
 * block by the relative form of ASERT (aserti3-2d, Bitcoin Cash):
 *
 *   next = parent · 2^((T − elapsed) / (T · halfLife))
 *
 * with T = `params.targetBlockTimeMs` and halfLife = `params.difficultyHalfLife` blocks, and never below
 * `minDifficulty`. A block found at once raises difficulty by 2^(1/halfLife); a gap of T keeps it; each
 * halfLife intervals of extra gap halve it. Because log(difficulty) moves linearly in the block interval,
 * it settles where the mean interval is exactly T (Homestead's `1 − ⌊elapsed / T⌋` step, used before,
 * settled around 1.2 T). Integer only: 2^frac comes from ASERT's cubic approximation (error < 0.013 %),
 * so every node computes the same value.
 */
export function nextDifficulty(params: ChainParams, parent: Header, timestamp: bigint): bigint {
  if (params.fixedDifficulty !== undefined) return params.fixedDifficulty
  const target = BigInt(params.targetBlockTimeMs)
  const span = target * BigInt(params.difficultyHalfLife)
  const exponent = floorDiv((target - (timestamp - parent.timestamp)) * ONE, span)
  const shifts = exponent >> RADIX
  const frac = exponent & (ONE - 1n)
  const factor =
    ONE +
    ((195_766_423_245_049n * frac + 971_821_376n * frac * frac + 5_127n * frac * frac * frac + (1n << 47n)) >>
      48n)
  const scaled = parent.difficulty * factor
  const shift = shifts - RADIX
  const next = shift >= 0n ? scaled << shift : scaled >> -shift
  return next < params.minDifficulty ? params.minDifficulty : next
}

/**
 * False when no valid block can have `difficulty`: `nextDifficulty` never goes below `minDifficulty`, and
 * is `fixedDifficulty` when that is set. For a header whose parent is not known, so whose exact difficulty
 * cannot be computed yet.
 */
export function isPossibleDifficulty(params: ChainParams, difficulty: bigint): boolean {
  if (params.fixedDifficulty !== undefined) return difficulty === params.fixedDifficulty
  return difficulty >= params.minDifficulty
}

/** ⌊a / b⌋ for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a < 0n && q * b !== a ? q - 1n : q
}
