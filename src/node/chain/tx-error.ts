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

/**
 * What a refusal says to the person reading it (a light tab's send shows it as it is, a full node's
 * inside the pool's `MEMPOOL_INVALID_TX`): a sentence, not the code and its fields; go-ethereum's words
 * first where viem and ethers type a node's refusal by them.
 */
function txMessage(type: TxErrorType): string {
  switch (type.code) {
    case 'TX_TOO_LARGE':
      return `the transaction is ${type.size} bytes, over the limit of ${type.max}`
    case 'TX_MALFORMED':
      return `malformed transaction: ${type.reason}`
    case 'TX_TYPE_UNSUPPORTED':
      return `transaction type ${type.type} is not supported: only EIP-1559 (type 2)`
    case 'TX_ACCESS_LIST_UNSUPPORTED':
      return 'access lists are not supported'
    case 'TX_CONTRACT_CREATION':
      return 'contract deployment is not supported'
    case 'TX_WRONG_CHAIN':
      return `the transaction is signed for chain ${type.got}, not this chain (${type.expected})`
    case 'TX_HIGH_S':
      return 'signature s value is above n/2 (EIP-2)'
    case 'TX_BAD_SIGNATURE':
      return `its signature does not verify: ${type.reason}`
    case 'TX_GAS_LIMIT_EXCEEDED':
      return `its gas limit ${type.got} is above the block gas limit, ${type.limit}`
    case 'TX_INTRINSIC_GAS_TOO_LOW':
      return `intrinsic gas too low: it needs ${type.need} gas, its limit is ${type.got}`
    case 'TX_TIP_ABOVE_FEE_CAP':
      return `max priority fee per gas higher than max fee per gas: ${type.maxPriorityFeePerGas} wei above ${type.maxFeePerGas} wei`
    case 'TX_FEE_CAP_TOO_LOW':
      return `max fee per gas less than block base fee: ${type.maxFeePerGas} wei below ${type.baseFeePerGas} wei`
    case 'TX_NONCE_TOO_LOW':
      return `nonce too low: nonce ${type.got} is already used, the account is at nonce ${type.expected}`
    case 'TX_NONCE_TOO_HIGH':
      return `nonce too high: nonce ${type.got} is ahead of the account's, ${type.expected}`
    case 'TX_INSUFFICIENT_FUNDS':
      return `insufficient funds: the account holds ${type.have} wei and the transaction may cost ${type.need} wei`
  }
}

/** A transaction refused by decoding, signature recovery or the stateful checks. Its message is a sentence (`txMessage`). */
export class TxError extends NodeError<TxErrorType> {
  override name = 'TxError'

  constructor(type: TxErrorType, message?: string) {
    super(type, message ?? txMessage(type))
  }
}
