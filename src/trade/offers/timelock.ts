import type { OfferErrorType } from './errors'

/**
 * The timelock rule of an HTLC swap (BIP-199, COMIT RFC-003). The maker locks first and its lock must
 * outlive the taker's by enough that, after the maker redeems the taker's lock at the last moment
 * (revealing the secret), the taker still has as long again to redeem the maker's lock:
 *
 *   timelock(maker) ≥ 2 × timelock(taker) + TIMELOCK_MARGIN_BLOCKS
 *
 * Timelocks are durations in blocks, counted from each party's own lock.
 */

/**
 * Blocks added to the rule for what the doubling does not cover: the taker locks only after the
 * maker's lock has k confirmations (k = 3 on the devnet), and the taker's redeem needs a block or
 * three to be mined. 6 = k + 3.
 */
export const TIMELOCK_MARGIN_BLOCKS = 6

/**
 * Shortest taker timelock: the maker must see the taker's lock confirmed (k blocks) and get its redeem
 * mined before it runs out.
 */
export const MIN_TAKER_TIMELOCK_BLOCKS = 6

/** Longest timelock either side may ask for: 43,200 blocks, a day at the devnet's 2 s blocks. */
export const MAX_TIMELOCK_BLOCKS = 43_200

/** The least maker timelock the rule allows for a taker timelock. */
export const requiredMakerTimelock = (takerBlocks: number): number => 2 * takerBlocks + TIMELOCK_MARGIN_BLOCKS

/**
 * Checks a pair of timelocks (blocks) against the range and the rule; returns the violation, or null
 * when they are acceptable. Pure: the swap engine applies the same function to the locks it sees.
 */
export function timelockViolation(makerBlocks: number, takerBlocks: number): OfferErrorType | null {
  const range = { min: MIN_TAKER_TIMELOCK_BLOCKS, max: MAX_TIMELOCK_BLOCKS }
  if (!Number.isSafeInteger(takerBlocks) || takerBlocks < range.min || takerBlocks > range.max)
    return { code: 'OFFER_TIMELOCK_OUT_OF_RANGE', side: 'taker', blocks: takerBlocks, ...range }
  const required = requiredMakerTimelock(takerBlocks)
  if (!Number.isSafeInteger(makerBlocks) || makerBlocks > range.max)
    return {
      code: 'OFFER_TIMELOCK_OUT_OF_RANGE',
      side: 'maker',
      blocks: makerBlocks,
      min: required,
      max: range.max,
    }
  if (makerBlocks < required)
    return { code: 'OFFER_TIMELOCK_RULE', maker: makerBlocks, taker: takerBlocks, required }
  return null
}
