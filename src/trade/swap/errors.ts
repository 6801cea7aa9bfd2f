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
  /** The wallet did not sign a swap's transaction (locked, refused, or no answer in time). */
  | { readonly code: 'SWAP_NOT_SIGNED'; readonly swapId: Hex; readonly reason: string }

/** The one error type of `src/trade/swap`. */
export class SwapError extends NodeError<SwapErrorType> {
  override name = 'SwapError'
}
