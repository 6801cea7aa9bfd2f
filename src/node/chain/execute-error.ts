import type { Hex } from 'viem'
import { NodeError } from '../rpc/errors'
import type { TxErrorType } from './tx-error'

/** Why a block's transactions cannot be executed: the block is invalid. */
export type ExecutionErrorType =
  /** A transaction fails the stateful checks at its position (nonce, funds, fee cap, gas). */
  | {
      readonly code: 'BLOCK_INVALID_TX'
      readonly index: number
      readonly hash: Hex
      readonly reason: TxErrorType
    }
  /** The transactions' gas limits do not fit in the block gas limit. */
  | {
      readonly code: 'BLOCK_GAS_LIMIT_EXCEEDED'
      readonly index: number
      readonly gasLimit: bigint
      readonly need: bigint
    }

/** A block whose transactions cannot all be applied. Nothing is committed. */
export class ExecutionError extends NodeError<ExecutionErrorType> {
  override name = 'ExecutionError'
}
