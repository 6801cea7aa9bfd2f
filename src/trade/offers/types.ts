import type { Address, Hex } from 'viem'

/**
 * "Sell `sellAmount` of `sellToken` for `buyAmount` of `buyToken`", as its maker signs it (EIP-712,
 * see typed-data.ts). A token is an ERC20 address, or the zero address for the native coin (the HTLC
 * locks either). Amounts are base units. An offer is filled whole by one taker.
 */
export interface Offer {
  readonly maker: Address
  /** The maker's libp2p peer id: takes are sent there. Signed, so no relay can redirect them. */
  readonly makerPeer: string
  readonly sellToken: Address
  readonly sellAmount: bigint
  readonly buyToken: Address
  readonly buyAmount: bigint
  /** Unix seconds after which the offer can no longer be taken (wall clock: see ARCHITECTURE.md). */
  readonly expiresAt: bigint
  /** Blocks the maker's HTLC lock runs (the longer one: the maker locks first). */
  readonly makerTimelock: number
  /** Blocks the taker's HTLC lock runs. */
  readonly takerTimelock: number
  /** 32 random bytes: two otherwise equal offers get different ids. */
  readonly salt: Hex
}

/** An offer with its maker's EIP-712 signature, bound to a chain id (the signed domain's). */
export interface SignedOffer {
  readonly chainId: number
  readonly offer: Offer
  readonly signature: Hex
}

/** The maker's signed withdrawal of an offer, valid until someone has taken it. */
export interface SignedCancel {
  readonly offerId: Hex
  readonly signature: Hex
}

/** A taker's request for an offer, sent to the maker's peer. */
export interface Take {
  readonly offerId: Hex
  readonly taker: Address
  /** The taker's libp2p peer id; the maker answers only a take that arrives from this peer. */
  readonly takerPeer: string
}

export interface SignedTake {
  readonly take: Take
  readonly signature: Hex
}

/** Two tokens; a book lists offers selling `base` for `quote` (asks) and `quote` for `base` (bids). */
export interface Pair {
  readonly base: Address
  readonly quote: Address
}

/** An open offer as a node holds it. */
export interface BookEntry {
  /** The offer id: its EIP-712 hash. */
  readonly id: Hex
  readonly signed: SignedOffer
  /** Our clock when it arrived, ms. */
  readonly receivedAt: number
  /** The maker's balance of `sellToken` at our head is below `sellAmount` (filled in when read). */
  readonly makerLacksBalance: boolean
  /** Posted through this node: takes for it are answered here. */
  readonly hosted: boolean
}

/**
 * Balances as the node knows them; `token` = the zero address reads the native coin. An interface so
 * it can later read through state proofs (light mode) instead of the full state.
 */
export interface BalanceReader {
  balanceOf(token: Address, holder: Address): Promise<bigint>
}
