import { type Hex, parseTransaction } from 'viem'
import { PRICE_BUMP_PERCENT } from '../../node/mempool/mempool'
import type { FeeInfo } from '../../node/worker/queries'

/** What a swap transaction offers per gas, in wei. */
export interface StepFees {
  readonly maxFeePerGas: bigint
  readonly maxPriorityFeePerGas: bigint
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/**
 * The fees a new swap step is signed with at the chain's `fees`: the suggested tip, within a fee cap of
 * twice the next base fee plus that tip (the cap still covers the base fee after 5 full blocks).
 */
export function stepFees(fees: FeeInfo): StepFees {
  return {
    maxFeePerGas: 2n * fees.nextBaseFee + fees.suggestedTip,
    maxPriorityFeePerGas: fees.suggestedTip,
  }
}

/**
 * The most a swap step may offer at the chain's `fees`: the wallet signs nothing above it
 * (`checkSwapRequest`), so the node can never spend more on a swap than that. Twice `stepFees`: a step
 * still passes when the base fee rose (the bound follows it) or fell by up to half since the engine
 * read it, and a step that had to be signed again (`replacementFees`) has room to bump its tip about
 * seven times.
 */
export function maxStepFees(fees: FeeInfo): StepFees {
  return {
    maxFeePerGas: 4n * fees.nextBaseFee + 2n * fees.suggestedTip,
    maxPriorityFeePerGas: 2n * fees.suggestedTip,
  }
}

/** Two readings of the chain's fees, each field the higher. */
export function higherFees(a: FeeInfo, b: FeeInfo): FeeInfo {
  return { nextBaseFee: max(a.nextBaseFee, b.nextBaseFee), suggestedTip: max(a.suggestedTip, b.suggestedTip) }
}

const bump = (fee: bigint): bigint => (fee * (100n + PRICE_BUMP_PERCENT) + 99n) / 100n

/**
 * The fees that replace a pending transaction offering `old` (same nonce, signed again) at the chain's
 * `fees`: both fields at least `PRICE_BUMP_PERCENT` above `old`, as a pool takes a replacement only
 * then, and no less than a new step offers (so the cap covers the next base fee again); null when
 * that passes `maxStepFees` (the wallet would refuse it: the transaction waits for the base fee).
 */
export function replacementFees(old: StepFees, fees: FeeInfo): StepFees | null {
  const fresh = stepFees(fees)
  const tip = max(bump(old.maxPriorityFeePerGas), fresh.maxPriorityFeePerGas)
  const cap = max(bump(old.maxFeePerGas), 2n * fees.nextBaseFee + tip)
  const bound = maxStepFees(fees)
  if (tip > bound.maxPriorityFeePerGas || cap > bound.maxFeePerGas) return null
  return { maxFeePerGas: cap, maxPriorityFeePerGas: tip }
}

/** The fees the signed transaction `raw` offers; null when it is not an EIP-1559 transaction. */
export function signedFees(raw: Hex): StepFees | null {
  let tx: ReturnType<typeof parseTransaction>
  try {
    tx = parseTransaction(raw)
  } catch {
    return null
  }
  if (tx.type !== 'eip1559' || tx.maxFeePerGas === undefined || tx.maxPriorityFeePerGas === undefined)
    return null
  return { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas }
}
