import type { Hex } from 'viem'
import type { SwapTerms } from '../swap/terms'
import type { SignedOffer, Take } from './types'

/**
 * The terms of `signed` taken by `take`, with the maker's hashlock and height: what maker and taker
 * agreed, both building the same record; the swap engine still checks every lock against it and the
 * chain. Pure.
 */
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
