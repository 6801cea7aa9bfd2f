import type { Address, Hex } from 'viem'
import type { SignedOffer, Take } from './types'

/**
 * What maker and taker agreed when the maker accepted a take: everything the swap engine needs to
 * lock, check the counterparty's lock against, redeem and refund. Both nodes build it with
 * `agreeTerms` from the signed offer, the signed take and the maker's answer, so they hold the same
 * record; the engine still checks every lock it sees against it and the chain.
 *
 * The shape is the swap engine's (`src/trade/swap/terms.ts` on the swap branch): field for field the
 * same, so either definition can replace the other when the branches meet.
 */
export interface SwapTerms {
  /** EIP-155 chain id the swap settles on. */
  readonly chainId: number
  /** The offer taken (its EIP-712 hash); also the swap's id: an offer is taken once. */
  readonly offerId: Hex
  readonly maker: Address
  readonly taker: Address
  /** What the maker locks for the taker (the offer's sell side); zero address = native coin. */
  readonly tokenA: Address
  readonly amountA: bigint
  /** What the taker locks for the maker (the offer's buy side). */
  readonly tokenB: Address
  readonly amountB: bigint
  /** Blocks the maker's lock runs (the longer one; see timelock.ts). */
  readonly makerTimelockBlocks: bigint
  /** Blocks the taker's lock runs. */
  readonly takerTimelockBlocks: bigint
  /** sha256 of the secret the maker holds (derived from its wallet seed and the offer), 32 bytes. */
  readonly hashlock: Hex
  /** The maker's head height when it accepted the take. */
  readonly acceptedHeight: bigint
}

/** The terms of `signed` taken by `take`, with the maker's hashlock and height. Pure. */
export function agreeTerms(
  offerId: Hex,
  signed: SignedOffer,
  take: Take,
  hashlock: Hex,
  acceptedHeight: bigint,
): SwapTerms {
  const o = signed.offer
  return {
    chainId: signed.chainId,
    offerId,
    maker: o.maker,
    taker: take.taker,
    tokenA: o.sellToken,
    amountA: o.sellAmount,
    tokenB: o.buyToken,
    amountB: o.buyAmount,
    makerTimelockBlocks: BigInt(o.makerTimelock),
    takerTimelockBlocks: BigInt(o.takerTimelock),
    hashlock,
    acceptedHeight,
  }
}
