import type { Address, Hex } from 'viem'
import { NodeError } from '../../node/rpc/errors'

/** Which field of the agreed terms a lock on chain contradicts. */
export type LockField = 'token' | 'amount' | 'timelock'

/**
 * Why a swap step was refused. Branch on `code`; the other fields say what was wrong. Every refusal is
 * raised before anything is stored, signed or sent.
 */
export type SwapErrorType =
  /** A field of the terms is malformed or out of range. */
  | { readonly code: 'SWAP_BAD_TERMS'; readonly field: string; readonly reason: string }
  /** The taker's timelock leaves the maker no room to wait k confirmations and redeem. */
  | { readonly code: 'SWAP_TIMELOCK_TOO_SHORT'; readonly takerTimelockBlocks: bigint; readonly min: bigint }
  /** timelock(maker) < 2 × timelock(taker) + margin. */
  | {
      readonly code: 'SWAP_TIMELOCKS_TOO_CLOSE'
      readonly makerTimelockBlocks: bigint
      readonly takerTimelockBlocks: bigint
      readonly min: bigint
    }
  /** An event that this party's swap cannot take in its current state (the order only moves forward). */
  | {
      readonly code: 'SWAP_ILLEGAL_TRANSITION'
      readonly role: 'maker' | 'taker'
      readonly from: string
      readonly event: string
    }
  /** A stored event does not have the shape this code writes. */
  | { readonly code: 'SWAP_CORRUPT'; readonly swapId: Hex; readonly reason: string }
  /** The maker's secret does not hash to the agreed hashlock (wrong wallet, or forged terms). */
  | { readonly code: 'SWAP_WRONG_SECRET'; readonly swapId: Hex }
  /** This node's account is neither the maker nor the taker of the terms. */
  | { readonly code: 'SWAP_NOT_A_PARTY'; readonly swapId: Hex; readonly account: Address }
  /** A swap with this id is already stored (with other terms, or started twice). */
  | { readonly code: 'SWAP_EXISTS'; readonly swapId: Hex }
  /** No swap with this id is stored. */
  | { readonly code: 'SWAP_UNKNOWN'; readonly swapId: Hex }
  /**
   * One advance took `steps` steps without reaching a wait, a send or the end: its decisions took no
   * effect (a record storage acknowledged but did not keep). Nothing more is done until the next step.
   */
  | { readonly code: 'SWAP_STEPS_EXCEEDED'; readonly swapId: Hex; readonly steps: number }
  /** The wallet did not sign a swap's transaction (locked, refused, or no answer in time). */
  | { readonly code: 'SWAP_NOT_SIGNED'; readonly swapId: Hex; readonly reason: string }

/**
 * What a swap error says to the person reading it (the market's swap error line shows it as it is): a
 * sentence, not the code and its fields.
 */
function swapMessage(type: SwapErrorType): string {
  switch (type.code) {
    case 'SWAP_BAD_TERMS':
      return `the swap's ${type.field} is not valid: ${type.reason}`
    case 'SWAP_TIMELOCK_TOO_SHORT':
      return `the taker's timelock of ${type.takerTimelockBlocks} blocks is under the ${type.min} the maker needs to redeem`
    case 'SWAP_TIMELOCKS_TOO_CLOSE':
      return `the maker's timelock of ${type.makerTimelockBlocks} blocks is under the ${type.min} that a taker's of ${type.takerTimelockBlocks} requires`
    case 'SWAP_ILLEGAL_TRANSITION':
      return `the ${type.role}'s swap cannot take "${type.event}" once ${type.from}`
    case 'SWAP_CORRUPT':
      return `the stored swap ${type.swapId} is damaged: ${type.reason}`
    case 'SWAP_WRONG_SECRET':
      return `the secret does not match the swap ${type.swapId}'s hashlock`
    case 'SWAP_NOT_A_PARTY':
      return `the account ${type.account} is neither the maker nor the taker of the swap ${type.swapId}`
    case 'SWAP_EXISTS':
      return `the swap ${type.swapId} is already stored`
    case 'SWAP_UNKNOWN':
      return `no swap ${type.swapId} is stored`
    case 'SWAP_STEPS_EXCEEDED':
      return `the swap ${type.swapId} took ${type.steps} steps in a row without its records taking effect: it is tried again at the next block`
    case 'SWAP_NOT_SIGNED':
      return `the wallet did not sign the swap's transaction: ${type.reason}`
  }
}

/** The one error type of `src/trade/swap`. Its message is a sentence (`swapMessage`). */
export class SwapError extends NodeError<SwapErrorType> {
  override name = 'SwapError'

  constructor(type: SwapErrorType, message?: string) {
    super(type, message ?? swapMessage(type))
  }
}
