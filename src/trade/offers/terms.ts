import type { Address, Hex } from 'viem'
import type { SignedOffer, Take } from './types'

/**
 * What maker and taker agreed when the maker accepted a take: everything the swap engine needs to
 * lock, check the counterparty's lock against, redeem and refund. Both nodes build it with
 * `agreeTerms` from the signed offer, the signed take and the maker's answer, so they hold the same
 * record; the engine still checks every lock it sees against it and the chain.
 */
export interface SwapTerms {
  /** The offer's EIP-712 hash. */
  readonly offerId: Hex
  readonly chainId: number
  readonly maker: Address
  readonly makerPeer: string
  readonly taker: Address
  readonly takerPeer: string
  /** What the maker locks for the taker (the offer's sell side); zero address = native coin. */
  readonly makerToken: Address
  readonly makerAmount: bigint
  /** What the taker locks for the maker (the offer's buy side). */
  readonly takerToken: Address
  readonly takerAmount: bigint
  /** Blocks the maker's lock runs, counted from the block holding it (the longer one). */
  readonly makerTimelock: number
  /** Blocks the taker's lock runs, counted from the block holding it. */
  readonly takerTimelock: number
  /** sha256 of the secret the maker holds (derived from its wallet seed and the offer). */
  readonly hashlock: Hex
  /** The maker's head height when it accepted. */
  readonly agreedAtHeight: bigint
}

/** The terms of `signed` taken by `take`, with the maker's hashlock and height. Pure. */
export function agreeTerms(
  offerId: Hex,
  signed: SignedOffer,
  take: Take,
  hashlock: Hex,
  agreedAtHeight: bigint,
): SwapTerms {
  const o = signed.offer
  return {
    offerId,
    chainId: signed.chainId,
    maker: o.maker,
    makerPeer: o.makerPeer,
    taker: take.taker,
    takerPeer: take.takerPeer,
    makerToken: o.sellToken,
    makerAmount: o.sellAmount,
    takerToken: o.buyToken,
    takerAmount: o.buyAmount,
    makerTimelock: o.makerTimelock,
    takerTimelock: o.takerTimelock,
    hashlock,
    agreedAtHeight,
  }
}
