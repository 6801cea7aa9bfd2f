import type { Address, Hex } from 'viem'
import type {
  BookEntry as MarketBookEntry,
  Offer as MarketOffer,
  Pair as MarketPair,
  SignedOffer as SignedMarketOffer,
} from '../../trade/offers/types'
import type { SwapRole, SwapState } from '../../trade/swap/state'
import type { SwapTerms as MarketSwapTerms } from '../../trade/swap/terms'

/**
 * The seam between the Market screens and the node: the few calls and events the screens need, in the
 * shapes of the node's offers service (`src/trade/offers/`) and swap engine (`src/trade/swap/`). The
 * screens depend on this module only; the app passes an adapter over `NodeApi` and the wallet, tests
 * pass the in-memory twin (`memory-source.ts`).
 */

/** The native coin's token address (the HTLC locks the coin under the zero address). */
export const NATIVE_TOKEN: Address = '0x0000000000000000000000000000000000000000'

/** A token as the market lists it. `address` is lower case; the zero address is the native coin. */
export interface MarketToken {
  readonly address: Address
  readonly symbol: string
  readonly decimals: number
}

// The offers' and swaps' own types (src/trade), under the names the screens use.
export type {
  MarketBookEntry,
  MarketOffer,
  MarketPair,
  MarketSwapTerms,
  SignedMarketOffer,
  SwapRole,
  SwapState,
}

/** One HTLC lock of a swap as the chain shows it. */
export interface MarketLock {
  readonly id: Hex
  /** First block at which the lock can be refunded (and no longer redeemed). */
  readonly timelockHeight: bigint
  /** Block that mined the lock. */
  readonly lockedAt: bigint
  readonly state: 'locked' | 'redeemed' | 'refunded'
}

/** One party's swap: its terms, its state with the steps that led there, and both locks. */
export interface MarketSwap {
  /** The swap's id: the offer's id. */
  readonly id: Hex
  readonly role: SwapRole
  readonly terms: MarketSwapTerms
  readonly state: SwapState
  /** Each state entered, in order, with the height of the chain event that moved it (null: a decision). */
  readonly steps: readonly { readonly state: SwapState; readonly height: bigint | null }[]
  readonly makerLock: MarketLock | null
  readonly takerLock: MarketLock | null
  /**
   * The locks our node has sent a redeem of (`SwapInfo.redeemsSent`): the secret went out with each,
   * and the node sees that redeem through until the lock's timelock.
   */
  readonly redeemsSent: readonly Hex[]
  /** Why the node's last step failed (the wallet did not sign, a transaction reverted), else null. */
  readonly error: string | null
  /**
   * `error` is only that the node could not check the swap on the chain yet (`SwapInfo.unverified`: a
   * light node with no peer to prove it against): `state` and `steps` are as last seen, not checked.
   */
  readonly unverified: boolean
  /**
   * Whether the other party's tab is directly linked to this one now (its node takes the other side's
   * steps); null when this page does not know that tab's peer id (the take was agreed before it loaded).
   */
  readonly counterpartyLinked: boolean | null
  /**
   * Whether this tab holds the user's approval of the swap (what lets the wallet sign its steps
   * unasked). False when the saved approval could not be read (damaged, or removed): the wallet refuses
   * every step until the user approves the trade again (`MarketSource.approveAgain`).
   */
  readonly approved: boolean
}

/** Chain parameters the screens compute with (genesis `params`). */
export interface MarketParams {
  readonly chainId: number
  /** Confirmations (k) a lock needs before the other party acts on it. */
  readonly confirmations: number
  /** Target time between blocks, ms: turns blocks into estimated time. */
  readonly targetBlockTimeMs: number
  /** Timelocks a new offer gets (blocks), chosen by the node to satisfy the timelock rule. */
  readonly defaultTimelocks: { readonly maker: number; readonly taker: number }
  /** Longest offer lifetime the node accepts, seconds. */
  readonly maxOfferLifetimeS: number
  /** Gas each swap transaction is signed with (native HTLC calls cost fixed gas). */
  readonly swapGas: { readonly approve: bigint; readonly lock: bigint; readonly redeem: bigint }
}

/** Fee market at the head, wei per gas. */
export interface MarketFees {
  readonly nextBaseFee: bigint
  readonly suggestedTip: bigint
}

/**
 * What changed: the screens reload the matching part (they never poll). `taken`: another account took
 * an offer this tab hosts (its maker's), now or while the page was gone: the offer has left the book,
 * its swap is starting (the app tells the maker, on whatever screen: `watchTakenOffers`).
 */
export type MarketEvent =
  | { readonly kind: 'offers' }
  | { readonly kind: 'taken'; readonly terms: MarketSwapTerms }
  | { readonly kind: 'swaps' }
  | { readonly kind: 'head'; readonly number: bigint }
  | { readonly kind: 'wallet' }

/** The account the market acts with. */
export interface MarketAccount {
  readonly address: Address
  /** This tab's libp2p peer id: an offer names it so takes come here. */
  readonly peerId: string
  /** False while the wallet is locked: the swap engine cannot sign and waits. */
  readonly unlocked: boolean
}

export interface MarketSource {
  params(): Promise<MarketParams>
  /** Head height. */
  head(): Promise<bigint>
  fees(): Promise<MarketFees>
  /** The account trading, or null before there is one. */
  account(): Promise<MarketAccount | null>
  /** Tokens the market can trade: the native coin, the account's holdings and the tokens of open offers. */
  tokens(): Promise<readonly MarketToken[]>
  /** Balance of `token` (zero address: the native coin) held by `holder`, base units. */
  balanceOf(token: Address, holder: Address): Promise<bigint>
  /** Open offers trading the pair's two tokens, either way. */
  offers(pair: MarketPair): Promise<readonly MarketBookEntry[]>
  /**
   * Open offers made by the wallet's accounts (all of them, locked or not: their addresses are known),
   * in every pair: the node's whole book by maker. A taken, withdrawn or expired offer is not among them.
   */
  myOffers(): Promise<readonly MarketBookEntry[]>
  /** Signs an offer with the wallet (EIP-712 `eth_signTypedData_v4`, through its approval dialog). */
  signOffer(offer: MarketOffer): Promise<SignedMarketOffer>
  /** Posts a signed offer through this node (which answers takes for it). */
  postOffer(signed: SignedMarketOffer): Promise<MarketBookEntry>
  /** Withdraws one of our open offers (the wallet signs the cancellation). */
  cancelOffer(offerId: Hex): Promise<void>
  /** Takes an offer (the wallet signs the take); resolves with the agreed terms. */
  takeOffer(offerId: Hex): Promise<MarketSwapTerms>
  /** Our swaps, newest first, both running and finished. */
  swaps(): Promise<readonly MarketSwap[]>
  /**
   * Approves again one of our running swaps whose approval this tab lost (`MarketSwap.approved` false),
   * on the terms this node holds for it, once the user has seen them: afterwards the wallet signs its
   * steps again. Needs the wallet unlocked, with the account of our side; a maker's hashlock must be
   * this wallet's secret.
   */
  approveAgain(swapId: Hex): Promise<void>
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (event: MarketEvent) => void): () => void
}
