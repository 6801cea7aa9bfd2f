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

/**
 * What an offer error says to the person reading it: the market shows its own words for the codes it
 * knows (src/ui/market/errors.ts) and this message for the rest, so a sentence, not the code and its
 * fields.
 */
function offerMessage(type: OfferErrorType): string {
  switch (type.code) {
    case 'OFFER_MALFORMED':
      return `malformed offer message: ${type.reason}`
    case 'OFFER_WRONG_CHAIN':
      return `the offer is signed for chain ${type.got}, not this chain (${type.expected})`
    case 'OFFER_BAD_SIGNATURE':
      return `the offer's signature does not match its maker: ${type.reason}`
    case 'OFFER_EXPIRED':
      return `the offer expired at ${type.expiresAt} (now ${type.now})`
    case 'OFFER_EXPIRY_TOO_FAR':
      return `the offer's expiry ${type.expiresAt} is further away than the longest allowed, ${type.max}`
    case 'OFFER_ZERO_AMOUNT':
      return `the offer's ${type.side} amount is zero`
    case 'OFFER_SAME_TOKEN':
      return `the offer sells and buys the same token, ${type.token}`
    case 'OFFER_TIMELOCK_OUT_OF_RANGE':
      return `the ${type.side}'s timelock of ${type.blocks} blocks is outside ${type.min} to ${type.max}`
    case 'OFFER_TIMELOCK_RULE':
      return `the maker's timelock of ${type.maker} blocks is under the ${type.required} that a taker's of ${type.taker} requires`
    case 'OFFER_MAKER_LACKS_BALANCE':
      return `the maker holds ${type.have} of the ${type.need} the offer sells`
    case 'OFFER_KNOWN':
      return `the offer ${type.offerId} is already in the book`
    case 'OFFER_UNKNOWN':
      return `the offer ${type.offerId} is not open here`
    case 'OFFER_CANCELLED':
      return `the offer ${type.offerId} was withdrawn by its maker`
    case 'OFFER_TAKEN':
      return `the offer ${type.offerId} was taken by someone else`
    case 'OFFER_STALE':
      return `the offer ${type.offerId} expired before its maker answered`
    case 'OFFER_WRONG_PEER':
      return `the offer names the tab ${type.got} as its maker, not this one (${type.expected})`
    case 'OFFER_SNAPSHOT_RATE_LIMITED':
      return `the offers were asked for too soon again: asked again in ${Math.ceil(type.retryAfterMs / 1000)} s`
    case 'OFFER_BOOK_FULL':
      return `the book is full (${type.limit} offers): try again once some have expired`
    case 'TAKE_BAD_SIGNATURE':
      return `the take's signature does not match its taker: ${type.reason}`
    case 'TAKE_WRONG_PEER':
      return `the take names the tab ${type.expected} as its taker, not the one that sent it (${type.got})`
    case 'TAKE_BUSY':
      return `the maker's tab has ${type.pending} takes of this tab waiting: try again in a moment`
    case 'TAKE_SELF':
      return 'this is your own offer'
    case 'TAKER_LACKS_BALANCE':
      return `the taker holds ${type.have} of the ${type.need} the offer asks for`
    case 'TAKE_BAD_TERMS':
      return `the maker answered with a ${type.field} that does not match the offer: nothing was locked`
    case 'TAKE_REFUSED':
      return `the maker refused the take: ${type.reason}`
    case 'CANCEL_BAD_SIGNATURE':
      return `the cancellation's signature does not match the offer's maker: ${type.reason}`
  }
}

/** Typed error of src/trade/offers. Its message is a sentence (`offerMessage`). */
export class OfferError extends NodeError<OfferErrorType> {
  override name = 'OfferError'

  constructor(type: OfferErrorType, message?: string) {
    super(type, message ?? offerMessage(type))
  }
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
