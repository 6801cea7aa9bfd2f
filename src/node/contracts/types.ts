import type { Address } from 'viem'
import type { Log } from '../chain/types'
import type { StateBuffer } from '../state/state'

/** One call into a native contract. Addresses are lower-case. */
export interface CallFrame {
  readonly state: StateBuffer
  readonly from: Address
  readonly to: Address
  /** Native coin sent with the call; already moved from `from` to `to` when the call runs. */
  readonly value: bigint
  readonly data: Uint8Array
  /** Number of the block the call executes in. */
  readonly blockNumber: bigint
  /** Nonce of the transaction (the sender's nonce before it was bumped): makes derived ids unique. */
  readonly txNonce: bigint
  /** Logs emitted so far; contracts append. */
  readonly logs: Log[]
}

/** A selected contract method: its fixed gas cost and its body (returns ABI-encoded output). */
export interface Method {
  readonly gas: bigint
  /** Only payable methods accept native coin; others revert when `value > 0`. */
  readonly payable?: boolean
  readonly run: (frame: CallFrame) => Uint8Array
}

/**
 * Thrown inside a contract to revert with `Error(reason)`. Control flow only: the executor
 * catches it, undoes the call's writes and records the ABI-encoded reason in the receipt.
 */
export class Revert extends Error {
  override name = 'Revert'
  readonly reason: string
  constructor(reason: string) {
    super(reason)
    this.reason = reason
  }
}

/** Reverts with `reason` unless `condition` holds. */
export function require(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new Revert(reason)
}
