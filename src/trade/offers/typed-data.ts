import { type Hex, hashTypedData, type TypedDataDefinition } from 'viem'
import type { Offer, Take } from './types'

/**
 * EIP-712 definitions of offers, cancellations and takes. The page builds these for the wallet
 * (`eth_signTypedData_v4`), the worker for verification: both import this module, so they hash the
 * same bytes. The domain binds every signature to one chain id.
 */

export const OFFER_DOMAIN_NAME = 'Tabchain Offers'
export const OFFER_DOMAIN_VERSION = '1'

export const offerDomain = (chainId: number) =>
  ({ name: OFFER_DOMAIN_NAME, version: OFFER_DOMAIN_VERSION, chainId }) as const

export const OFFER_TYPES = {
  Offer: [
    { name: 'maker', type: 'address' },
    { name: 'makerPeer', type: 'string' },
    { name: 'sellToken', type: 'address' },
    { name: 'sellAmount', type: 'uint256' },
    { name: 'buyToken', type: 'address' },
    { name: 'buyAmount', type: 'uint256' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'makerTimelock', type: 'uint32' },
    { name: 'takerTimelock', type: 'uint32' },
    { name: 'salt', type: 'bytes32' },
  ],
} as const

export const CANCEL_TYPES = {
  Cancel: [{ name: 'offerId', type: 'bytes32' }],
} as const

export const TAKE_TYPES = {
  Take: [
    { name: 'offerId', type: 'bytes32' },
    { name: 'taker', type: 'address' },
    { name: 'takerPeer', type: 'string' },
  ],
} as const

export type OfferTypedData = TypedDataDefinition<typeof OFFER_TYPES, 'Offer'>
export type CancelTypedData = TypedDataDefinition<typeof CANCEL_TYPES, 'Cancel'>
export type TakeTypedData = TypedDataDefinition<typeof TAKE_TYPES, 'Take'>

/** The typed data a maker signs to post `offer` on chain `chainId`. */
export function offerTypedData(chainId: number, offer: Offer): OfferTypedData {
  return {
    domain: offerDomain(chainId),
    types: OFFER_TYPES,
    primaryType: 'Offer',
    message: {
      maker: offer.maker,
      makerPeer: offer.makerPeer,
      sellToken: offer.sellToken,
      sellAmount: offer.sellAmount,
      buyToken: offer.buyToken,
      buyAmount: offer.buyAmount,
      expiresAt: offer.expiresAt,
      makerTimelock: offer.makerTimelock,
      takerTimelock: offer.takerTimelock,
      salt: offer.salt,
    },
  }
}

/** The typed data a maker signs to withdraw the offer `offerId`. */
export function cancelTypedData(chainId: number, offerId: Hex): CancelTypedData {
  return { domain: offerDomain(chainId), types: CANCEL_TYPES, primaryType: 'Cancel', message: { offerId } }
}

/** The typed data a taker signs to ask for an offer. */
export function takeTypedData(chainId: number, take: Take): TakeTypedData {
  return {
    domain: offerDomain(chainId),
    types: TAKE_TYPES,
    primaryType: 'Take',
    message: { offerId: take.offerId, taker: take.taker, takerPeer: take.takerPeer },
  }
}

/** An offer's id: the EIP-712 hash its maker signs (so it covers every field and the chain id). */
export function offerId(chainId: number, offer: Offer): Hex {
  return hashTypedData(offerTypedData(chainId, offer))
}

/** 32 random bytes for an offer's salt (WebCrypto: page, worker and Node alike). */
export function randomSalt(): Hex {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}` as Hex
}
