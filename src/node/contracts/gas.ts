/**
 * Fixed gas cost of each native contract method, charged on top of the transaction's intrinsic
 * gas (21,000 + calldata). Documented in docs/GAS.md; consensus-critical — changing a value
 * changes every later state root.
 */
export const GAS = {
  /** Any read-only method (name, balanceOf, getLock, …). */
  view: 2_000n,
  erc20Transfer: 30_000n,
  erc20Approve: 24_000n,
  erc20TransferFrom: 36_000n,
  erc20Mint: 30_000n,
  erc20Burn: 25_000n,
  createToken: 150_000n,
  htlcLock: 70_000n,
  htlcRedeem: 45_000n,
  htlcRefund: 40_000n,
  /** A call that selects no method (unknown selector, short calldata) before it reverts. */
  dispatchFailure: 0n,
} as const
