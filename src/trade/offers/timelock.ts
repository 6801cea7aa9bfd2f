import { minMakerTimelock, minTakerTimelock as minTaker } from '../swap/terms'
import type { OfferErrorType } from './errors'

/**
 * The timelock rule of an HTLC swap (BIP-199, COMIT RFC-003). The maker locks first and its lock must
 * outlive the taker's by enough that, after the maker redeems the taker's lock at the last moment
 * (revealing the secret), the taker still has as long again to redeem the maker's lock:
 *
 *   timelock(maker) ≥ 2 × timelock(taker) + k + TIMELOCK_MARGIN_BLOCKS
 *
 * where k is the chain's confirmation count (the taker locks only once the maker's lock has k
 * confirmations). And the taker's timelock must leave the maker time to see the taker's lock
 * confirmed and redeem: timelock(taker) ≥ 2k + REDEEM_MARGIN_BLOCKS + 1. Timelocks are durations in
 * blocks, counted from each party's own lock. The numbers are the swap engine's
 * (`src/trade/swap/terms.ts`), which applies them to the locks it sees.
 */

/** Longest timelock either side may ask for: 43,200 blocks, a day at the devnet's 2 s blocks. */
export const MAX_TIMELOCK_BLOCKS = 43_200

/** Shortest taker timelock for k confirmations (the swap engine's rule, in the offer's plain numbers). */
export const minTakerTimelock = (confirmations: number): number => Number(minTaker(confirmations))

/** The least maker timelock the rule allows for a taker timelock and k confirmations. */
export const requiredMakerTimelock = (takerBlocks: number, confirmations: number): number =>
  Number(minMakerTimelock(BigInt(takerBlocks), confirmations))

/**
 * Checks a pair of timelocks (blocks) against the range and the rule for k = `confirmations`; returns
 * the violation, or null when they are acceptable. Pure.
 */
export function timelockViolation(
  makerBlocks: number,
  takerBlocks: number,
  confirmations: number,
): OfferErrorType | null {
  const range = { min: minTakerTimelock(confirmations), max: MAX_TIMELOCK_BLOCKS }
  if (!Number.isSafeInteger(takerBlocks) || takerBlocks < range.min || takerBlocks > range.max)
    return { code: 'OFFER_TIMELOCK_OUT_OF_RANGE', side: 'taker', blocks: takerBlocks, ...range }
  const required = requiredMakerTimelock(takerBlocks, confirmations)
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
