import { NodeError } from '../../node/rpc/errors'

/**
 * Why an offer, a cancellation or a take was refused. One code per failure; callers branch on
 * `err.type.code`. Codes a maker sends back to a taker (`TAKE_REFUSAL_CODES`) travel on the wire.
 */
export type OfferErrorType =
  /** Bytes that do not decode as the expected message (or are larger than its limit). */
  | { readonly code: 'OFFER_MALFORMED'; readonly reason: string }
  /** Signed for another chain (the EIP-712 domain's chain id is not ours). */
  | { readonly code: 'OFFER_WRONG_CHAIN'; readonly expected: number; readonly got: number }
  /** The signature is not 65 bytes, has a high s (EIP-2) or does not recover to the maker. */
  | { readonly code: 'OFFER_BAD_SIGNATURE'; readonly reason: string }
  /** Its expiry (unix seconds) has passed. */
  | { readonly code: 'OFFER_EXPIRED'; readonly expiresAt: bigint; readonly now: bigint }
  /** Its expiry is further away than `MAX_OFFER_LIFETIME_S`. */
  | { readonly code: 'OFFER_EXPIRY_TOO_FAR'; readonly expiresAt: bigint; readonly max: bigint }
  | { readonly code: 'OFFER_ZERO_AMOUNT'; readonly side: 'sell' | 'buy' }
  | { readonly code: 'OFFER_SAME_TOKEN'; readonly token: string }
  /** A timelock outside [min, MAX_TIMELOCK_BLOCKS] (the taker's minimum depends on k, see timelock.ts). */
  | {
      readonly code: 'OFFER_TIMELOCK_OUT_OF_RANGE'
      readonly side: 'maker' | 'taker'
      readonly blocks: number
      readonly min: number
      readonly max: number
    }
  /** timelock(maker) < 2 × timelock(taker) + k + TIMELOCK_MARGIN_BLOCKS. */
  | {
      readonly code: 'OFFER_TIMELOCK_RULE'
      readonly maker: number
      readonly taker: number
      readonly required: number
    }
  /** The maker does not hold what it offers to sell (a flag on book entries; a refusal at take time). */
  | { readonly code: 'OFFER_MAKER_LACKS_BALANCE'; readonly need: bigint; readonly have: bigint }
  /** Already in the book (a duplicate or a replay). */
  | { readonly code: 'OFFER_KNOWN'; readonly offerId: string }
  /** Not in this node's book (or, for a take, not hosted by the maker's node any more). */
  | { readonly code: 'OFFER_UNKNOWN'; readonly offerId: string }
  | { readonly code: 'OFFER_CANCELLED'; readonly offerId: string }
  /** Another taker was accepted first. */
  | { readonly code: 'OFFER_TAKEN'; readonly offerId: string }
  /** The offer expired before the take reached its maker. */
  | { readonly code: 'OFFER_STALE'; readonly offerId: string }
  /** Posted to a node whose peer id is not the offer's `makerPeer` (takes would go elsewhere). */
  | { readonly code: 'OFFER_WRONG_PEER'; readonly expected: string; readonly got: string }
  /** A peer asked for our offers snapshot again too soon. */
  | { readonly code: 'OFFER_SNAPSHOT_RATE_LIMITED'; readonly retryAfterMs: number }
  /** The book (or this maker's share of it) is full. */
  | { readonly code: 'OFFER_BOOK_FULL'; readonly limit: number }
  /** A take whose signature does not recover to its taker. */
  | { readonly code: 'TAKE_BAD_SIGNATURE'; readonly reason: string }
  /** A take sent by another peer than the one it names (only the taker's own tab may send it). */
  | { readonly code: 'TAKE_WRONG_PEER'; readonly expected: string; readonly got: string }
  /** This peer already has takes waiting at the maker's node (flood protection); try again. */
  | { readonly code: 'TAKE_BUSY'; readonly pending: number }
  /** The maker tried to take its own offer. */
  | { readonly code: 'TAKE_SELF' }
  /** The taker does not hold what the offer asks for. */
  | { readonly code: 'TAKER_LACKS_BALANCE'; readonly need: bigint; readonly have: bigint }
  /** The maker's answer does not match the offer and the take (a taker-side check). */
  | { readonly code: 'TAKE_BAD_TERMS'; readonly field: string }
  /** A refusal code the taker does not know (a newer or broken maker). */
  | { readonly code: 'TAKE_REFUSED'; readonly reason: string }
  /** The cancellation's signature does not recover to the offer's maker. */
  | { readonly code: 'CANCEL_BAD_SIGNATURE'; readonly reason: string }

export type OfferErrorCode = OfferErrorType['code']

/** Typed error of src/trade/offers. */
export class OfferError extends NodeError<OfferErrorType> {
  override name = 'OfferError'
}

/** Codes a maker's node may answer a take with; anything else on the wire becomes `TAKE_REFUSED`. */
export const TAKE_REFUSAL_CODES = [
  'OFFER_MALFORMED',
  'OFFER_UNKNOWN',
  'OFFER_CANCELLED',
  'OFFER_TAKEN',
  'OFFER_STALE',
  'OFFER_MAKER_LACKS_BALANCE',
  'TAKE_BAD_SIGNATURE',
  'TAKE_WRONG_PEER',
  'TAKE_SELF',
  'TAKE_BUSY',
  'TAKER_LACKS_BALANCE',
] as const satisfies readonly OfferErrorCode[]

export type TakeRefusalCode = (typeof TAKE_REFUSAL_CODES)[number]
