import type { Hex } from 'viem'
import { NodeError } from '../rpc/errors'
import { TxError, type TxErrorType } from './tx-error'

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

/** What an execution failure says to the person reading it: a sentence, the transaction's refusal in words. */
function executionMessage(type: ExecutionErrorType): string {
  switch (type.code) {
    case 'BLOCK_INVALID_TX':
      return `transaction ${type.index} (${type.hash}) is invalid: ${new TxError(type.reason).message}`
    case 'BLOCK_GAS_LIMIT_EXCEEDED':
      return `the transactions' gas limits reach ${type.need} at transaction ${type.index}, over the block gas limit of ${type.gasLimit}`
  }
}

/** A block whose transactions cannot all be applied. Nothing is committed. Its message is a sentence (`executionMessage`). */
export class ExecutionError extends NodeError<ExecutionErrorType> {
  override name = 'ExecutionError'

  constructor(type: ExecutionErrorType, message?: string) {
    super(type, message ?? executionMessage(type))
  }
}
