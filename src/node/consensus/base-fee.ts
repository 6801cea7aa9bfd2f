import type { ChainParams, Header } from '../chain/types'

/**
 * EIP-1559 base fee of the child of `parent`, never below `params.minBaseFee`.
 *
 * The gas target is `gasLimit / elasticityMultiplier`; a parent above target raises the fee by
 * `parentFee · (used − target) / target / denominator` (at least 1 wei), one below lowers it by the same
 * formula, one at target keeps it — exactly EIP-1559, plus the floor.
 */
export function nextBaseFee(params: ChainParams, parent: Header): bigint {
  const target = parent.gasLimit / params.elasticityMultiplier
  const fee = parent.baseFeePerGas
  let next: bigint
  if (target === 0n || parent.gasUsed === target) {
    next = fee
  } else if (parent.gasUsed > target) {
    const delta = (fee * (parent.gasUsed - target)) / target / params.baseFeeChangeDenominator
    next = fee + (delta > 1n ? delta : 1n)
  } else {
    next = fee - (fee * (target - parent.gasUsed)) / target / params.baseFeeChangeDenominator
  }
  if (next < params.minBaseFee) return params.minBaseFee
  return next
}
