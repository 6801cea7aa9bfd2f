import { NodeError } from '../rpc/errors'

/**
 * Why a transaction was refused. Decoding codes (cheap, stateless) come first, then signature
 * codes, then codes that need the sender's account or the block's base fee.
 */
export type TxErrorType =
  | { readonly code: 'TX_TOO_LARGE'; readonly size: number; readonly max: number }
  | { readonly code: 'TX_MALFORMED'; readonly reason: string }
  | { readonly code: 'TX_TYPE_UNSUPPORTED'; readonly type: number }
  | { readonly code: 'TX_ACCESS_LIST_UNSUPPORTED' }
  | { readonly code: 'TX_CONTRACT_CREATION' }
  | { readonly code: 'TX_WRONG_CHAIN'; readonly expected: number; readonly got: bigint }
  | { readonly code: 'TX_HIGH_S' }
  | { readonly code: 'TX_BAD_SIGNATURE'; readonly reason: string }
  | { readonly code: 'TX_GAS_LIMIT_EXCEEDED'; readonly limit: bigint; readonly got: bigint }
  | { readonly code: 'TX_INTRINSIC_GAS_TOO_LOW'; readonly need: bigint; readonly got: bigint }
  | {
      readonly code: 'TX_TIP_ABOVE_FEE_CAP'
      readonly maxPriorityFeePerGas: bigint
      readonly maxFeePerGas: bigint
    }
  | { readonly code: 'TX_FEE_CAP_TOO_LOW'; readonly maxFeePerGas: bigint; readonly baseFeePerGas: bigint }
  | { readonly code: 'TX_NONCE_TOO_LOW'; readonly expected: bigint; readonly got: bigint }
  | { readonly code: 'TX_NONCE_TOO_HIGH'; readonly expected: bigint; readonly got: bigint }
  | { readonly code: 'TX_INSUFFICIENT_FUNDS'; readonly need: bigint; readonly have: bigint }

/** A transaction refused by decoding, signature recovery or the stateful checks. */
export class TxError extends NodeError<TxErrorType> {
  override name = 'TxError'
}
