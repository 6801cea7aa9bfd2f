import { type Address, type Hex, sha256 } from 'viem'
import { agreeTerms } from '../../trade/offers/terms'
import type {
  MarketAccount,
  MarketBookEntry,
  MarketEvent,
  MarketFees,
  MarketOffer,
  MarketPair,
  MarketParams,
  MarketSource,
  MarketSwap,
  MarketSwapTerms,
  MarketToken,
  SignedMarketOffer,
} from './source'

/** A refusal of the in-memory market, typed like the node's (`err.type.code`). */
export class MemoryMarketError extends Error {
  override name = 'MemoryMarketError'
  constructor(readonly type: { readonly code: string }) {
    super(type.code)
  }
}

export interface MemoryMarketInit {
  readonly params: MarketParams
  readonly fees: MarketFees
  readonly tokens: readonly MarketToken[]
  readonly account: MarketAccount | null
  readonly head?: bigint
  /** The wallet's signature over an offer (tests sign for real or return fixed bytes). */
  readonly sign: (offer: MarketOffer) => Promise<Hex>
  /** The offer id (its EIP-712 hash, on the node); tests pass a deterministic function. */
  readonly idOf: (offer: MarketOffer) => Hex
  /** The clock, ms since epoch (a fixed value in tests). */
  readonly now: () => number
}

const key = (token: Address, holder: Address): string => `${token.toLowerCase()}/${holder.toLowerCase()}`

/**
 * The in-memory twin of `MarketSource`: one tab's view of a market, with setters tests use to play the
 * other parties and the chain (`addOffer`, `putSwap`, `setHead`, `setBalance`, `setAccount`). Every
 * change emits the event the real adapter would, so screens and hooks are exercised the same way.
 */
export class MemoryMarketSource implements MarketSource {
  readonly #init: MemoryMarketInit
  readonly #listeners = new Set<(event: MarketEvent) => void>()
  readonly #balances = new Map<string, bigint>()
  readonly #book = new Map<Hex, MarketBookEntry>()
  readonly #swaps = new Map<Hex, MarketSwap>()
  #account: MarketAccount | null
  #head: bigint

  constructor(init: MemoryMarketInit) {
    this.#init = init
    this.#account = init.account
    this.#head = init.head ?? 0n
  }

  #emit(event: MarketEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  #me(): MarketAccount {
    if (this.#account === null) throw new MemoryMarketError({ code: 'NO_ACCOUNT' })
    return this.#account
  }

  async params(): Promise<MarketParams> {
    return this.#init.params
  }

  async head(): Promise<bigint> {
    return this.#head
  }

  async fees(): Promise<MarketFees> {
    return this.#init.fees
  }

  async account(): Promise<MarketAccount | null> {
    return this.#account
  }

  async tokens(): Promise<readonly MarketToken[]> {
    return this.#init.tokens
  }

  async balanceOf(token: Address, holder: Address): Promise<bigint> {
    return this.#balances.get(key(token, holder)) ?? 0n
  }

  async offers(pair: MarketPair): Promise<readonly MarketBookEntry[]> {
    const tokens = [pair.base.toLowerCase(), pair.quote.toLowerCase()]
    return [...this.#book.values()].filter((e) => {
      const o = e.signed.offer
      return (
        o.sellToken.toLowerCase() !== o.buyToken.toLowerCase() &&
        tokens.includes(o.sellToken.toLowerCase()) &&
        tokens.includes(o.buyToken.toLowerCase())
      )
    })
  }

  /** The account's open offers, every pair (the twin plays a wallet of one account). */
  async myOffers(): Promise<readonly MarketBookEntry[]> {
    const me = this.#account?.address.toLowerCase()
    return [...this.#book.values()].filter((e) => e.signed.offer.maker.toLowerCase() === me)
  }

  async signOffer(offer: MarketOffer): Promise<SignedMarketOffer> {
    return { chainId: this.#init.params.chainId, offer, signature: await this.#init.sign(offer) }
  }

  async postOffer(signed: SignedMarketOffer): Promise<MarketBookEntry> {
    const me = this.#me()
    const o = signed.offer
    if (o.maker.toLowerCase() !== me.address.toLowerCase())
      throw new MemoryMarketError({ code: 'OFFER_BAD_SIGNATURE' })
    const have = await this.balanceOf(o.sellToken, o.maker)
    if (have < o.sellAmount) throw new MemoryMarketError({ code: 'OFFER_MAKER_LACKS_BALANCE' })
    const entry: MarketBookEntry = {
      id: this.#init.idOf(o),
      signed,
      receivedAt: this.#init.now(),
      makerLacksBalance: false,
      hosted: true,
    }
    this.addOffer(entry)
    return entry
  }

  async cancelOffer(offerId: Hex): Promise<void> {
    const entry = this.#book.get(offerId)
    if (entry === undefined) throw new MemoryMarketError({ code: 'OFFER_UNKNOWN' })
    if (entry.signed.offer.maker.toLowerCase() !== this.#me().address.toLowerCase())
      throw new MemoryMarketError({ code: 'OFFER_BAD_SIGNATURE' })
    this.#book.delete(offerId)
    this.#emit({ kind: 'offers' })
  }

  async takeOffer(offerId: Hex): Promise<MarketSwapTerms> {
    const me = this.#me()
    const entry = this.#book.get(offerId)
    if (entry === undefined) throw new MemoryMarketError({ code: 'OFFER_UNKNOWN' })
    const o = entry.signed.offer
    if (o.expiresAt * 1000n <= BigInt(this.#init.now())) throw new MemoryMarketError({ code: 'OFFER_STALE' })
    if (o.maker.toLowerCase() === me.address.toLowerCase()) throw new MemoryMarketError({ code: 'TAKE_SELF' })
    if ((await this.balanceOf(o.buyToken, me.address)) < o.buyAmount)
      throw new MemoryMarketError({ code: 'TAKER_LACKS_BALANCE' })
    const terms = this.#terms(entry, me.address)
    this.#book.delete(offerId)
    this.#emit({ kind: 'offers' })
    this.putSwap({
      id: offerId,
      role: 'taker',
      terms,
      state: 'Accepted',
      steps: [{ state: 'Accepted', height: null }],
      makerLock: null,
      takerLock: null,
      redeemsSent: [],
      error: null,
      unverified: false,
      counterpartyLinked: null,
      approved: true,
    })
    return terms
  }

  async swaps(): Promise<readonly MarketSwap[]> {
    return [...this.#swaps.values()].reverse()
  }

  async approveAgain(swapId: Hex): Promise<void> {
    const swap = this.#swaps.get(swapId)
    if (swap === undefined) throw new MemoryMarketError({ code: 'SWAP_UNKNOWN' })
    this.putSwap({ ...swap, approved: true })
  }

  subscribe(listener: (event: MarketEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** An offer arrives in the book (gossiped by another maker, or posted here). */
  addOffer(entry: MarketBookEntry): void {
    this.#book.set(entry.id, entry)
    this.#emit({ kind: 'offers' })
  }

  /** The terms a take of `entry` by `taker` agrees, at the current head. */
  #terms(entry: MarketBookEntry, taker: Address): MarketSwapTerms {
    // The maker's node derives the secret from its seed; here the offer id stands in for it.
    return agreeTerms(
      entry.id,
      entry.signed,
      { offerId: entry.id, taker, takerPeer: '' },
      sha256(entry.id),
      this.#head,
    )
  }

  /** Another account takes our offer `offerId` (this tab is its maker): it leaves the book, `taken` is said. */
  takenBy(offerId: Hex, taker: Address): MarketSwapTerms {
    const entry = this.#book.get(offerId)
    if (entry === undefined) throw new MemoryMarketError({ code: 'OFFER_UNKNOWN' })
    const terms = this.#terms(entry, taker)
    this.#book.delete(offerId)
    this.#emit({ kind: 'offers' })
    this.#emit({ kind: 'taken', terms })
    return terms
  }

  /** A swap appears or moves on (newest last). */
  putSwap(swap: MarketSwap): void {
    this.#swaps.delete(swap.id)
    this.#swaps.set(swap.id, swap)
    this.#emit({ kind: 'swaps' })
  }

  setHead(number: bigint): void {
    this.#head = number
    this.#emit({ kind: 'head', number })
  }

  setBalance(token: Address, holder: Address, amount: bigint): void {
    this.#balances.set(key(token, holder), amount)
    this.#emit({ kind: 'wallet' })
  }

  setAccount(account: MarketAccount | null): void {
    this.#account = account
    this.#emit({ kind: 'wallet' })
  }
}
