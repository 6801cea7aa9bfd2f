import type { Address, Hex } from 'viem'
import { OfferError } from './errors'
import type { SignedOffer } from './types'

/** Most open offers a node keeps (all pairs); more are refused until some expire or are cancelled. */
export const MAX_BOOK_OFFERS = 5000
/** Most open offers one maker address may have in a node's book. */
export const MAX_OFFERS_PER_MAKER = 64
/**
 * Most cancelled or taken offers a node remembers. A cancellation may come before its offer (a
 * snapshot sends them first, gossip may overtake), so one for an offer never seen is kept too; signed
 * with throwaway keys, such cancellations cost nothing to make, and each holds its whole signed offer.
 */
export const MAX_CLOSED_OFFERS = MAX_BOOK_OFFERS

/** An open offer as the book stores it. */
export interface StoredOffer {
  readonly id: Hex
  readonly signed: SignedOffer
  /** Our clock when it arrived, ms. */
  readonly receivedAt: number
  /** Posted through this node (takes for it are answered here). */
  readonly hosted: boolean
}

/** Why an offer left the book for good (a replay of it is refused until it would have expired). */
export type ClosedReason = 'cancelled' | 'taken'

interface Tombstone {
  readonly reason: ClosedReason
  /** The offer's expiry, unix seconds: after it, a replay is refused as expired anyway. */
  readonly expiresAt: bigint
  /** The signed cancellation, kept so it can be passed on to peers that still have the offer. */
  readonly cancel?: { readonly signed: SignedOffer; readonly cancelSignature: Hex }
  /** The offer was open in this book when it closed (not a cancellation of one never seen here). */
  readonly held: boolean
}

/**
 * Which of two tombstones to forget first: one of an offer never held here (what a flood of free
 * cancellations adds), then the one whose replay would be refused as expired soonest anyway.
 */
const forgetFirst = (a: Tombstone, b: Tombstone): boolean =>
  a.held !== b.held ? !a.held : a.expiresAt < b.expiresAt

const expired = (signed: SignedOffer, nowMs: number): boolean =>
  signed.offer.expiresAt * 1000n <= BigInt(nowMs)

/**
 * The offers a node knows: open ones, and the ids of cancelled and taken ones (so replays stay out).
 * Pure: no IO, time comes in as an argument. Signature and field checks happen before `add`.
 */
export class OfferBook {
  readonly #open = new Map<Hex, StoredOffer>()
  readonly #closed = new Map<Hex, Tombstone>()
  readonly #perMaker = new Map<Address, number>()

  /** Where an offer stands here. */
  status(id: Hex): 'open' | ClosedReason | 'unknown' {
    if (this.#open.has(id)) return 'open'
    return this.#closed.get(id)?.reason ?? 'unknown'
  }

  get(id: Hex): StoredOffer | undefined {
    return this.#open.get(id)
  }

  get size(): number {
    return this.#open.size
  }

  /**
   * Adds a checked offer. Throws `OfferError`: `OFFER_KNOWN` (already open), `OFFER_CANCELLED` /
   * `OFFER_TAKEN` (a replay), `OFFER_BOOK_FULL`; changes nothing then.
   */
  add(entry: StoredOffer): void {
    const { id } = entry
    const closed = this.#closed.get(id)
    if (closed !== undefined)
      throw new OfferError({
        code: closed.reason === 'cancelled' ? 'OFFER_CANCELLED' : 'OFFER_TAKEN',
        offerId: id,
      })
    if (this.#open.has(id)) throw new OfferError({ code: 'OFFER_KNOWN', offerId: id })
    if (this.#open.size >= MAX_BOOK_OFFERS)
      throw new OfferError({ code: 'OFFER_BOOK_FULL', limit: MAX_BOOK_OFFERS })
    const maker = entry.signed.offer.maker
    const count = this.#perMaker.get(maker) ?? 0
    if (count >= MAX_OFFERS_PER_MAKER)
      throw new OfferError({ code: 'OFFER_BOOK_FULL', limit: MAX_OFFERS_PER_MAKER })
    this.#open.set(id, entry)
    this.#perMaker.set(maker, count + 1)
  }

  /**
   * Marks an open offer as posted through this node (its maker's tab re-posting an offer it had learnt
   * from a peer, after a reload), or not (`hosted` false: that post failed). Returns the updated entry,
   * or undefined when it is not open.
   */
  host(id: Hex, hosted = true): StoredOffer | undefined {
    const entry = this.#open.get(id)
    if (entry === undefined) return undefined
    const updated = { ...entry, hosted }
    this.#open.set(id, updated)
    return updated
  }

  /** Takes back an open offer without remembering it (a post that could not be stored). */
  withdraw(id: Hex): boolean {
    return this.#remove(id) !== undefined
  }

  #remove(id: Hex): StoredOffer | undefined {
    const entry = this.#open.get(id)
    if (entry === undefined) return undefined
    this.#open.delete(id)
    const maker = entry.signed.offer.maker
    const left = (this.#perMaker.get(maker) ?? 1) - 1
    if (left > 0) this.#perMaker.set(maker, left)
    else this.#perMaker.delete(maker)
    return entry
  }

  /**
   * Records a checked cancellation: the offer leaves the book (if it was there) and stays refused.
   * Returns false when the offer was already cancelled or taken (nothing changes).
   */
  cancel(id: Hex, signed: SignedOffer, cancelSignature: Hex): boolean {
    if (this.#closed.has(id)) return false
    const held = this.#remove(id) !== undefined
    this.#close(id, {
      reason: 'cancelled',
      expiresAt: signed.offer.expiresAt,
      cancel: { signed, cancelSignature },
      held,
    })
    return true
  }

  /** An open offer was taken: it leaves the book and stays refused. Returns the entry, if it was open. */
  markTaken(id: Hex): StoredOffer | undefined {
    const entry = this.#remove(id)
    if (entry !== undefined)
      this.#close(id, { reason: 'taken', expiresAt: entry.signed.offer.expiresAt, held: true })
    return entry
  }

  /** Remembers a closed offer, forgetting another first when `MAX_CLOSED_OFFERS` are remembered. */
  #close(id: Hex, tombstone: Tombstone): void {
    if (this.#closed.size >= MAX_CLOSED_OFFERS) {
      let victim: [Hex, Tombstone] | undefined
      for (const entry of this.#closed)
        if (victim === undefined || forgetFirst(entry[1], victim[1])) victim = entry
      if (victim !== undefined) this.#closed.delete(victim[0])
    }
    this.#closed.set(id, tombstone)
  }

  /** Drops offers and remembered cancellations whose expiry has passed; returns the dropped open ids. */
  prune(nowMs: number): Hex[] {
    const dropped: Hex[] = []
    for (const [id, entry] of this.#open)
      if (expired(entry.signed, nowMs)) {
        this.#remove(id)
        dropped.push(id)
      }
    const now = BigInt(nowMs)
    for (const [id, t] of this.#closed) if (t.expiresAt * 1000n <= now) this.#closed.delete(id)
    return dropped
  }

  /** Open offers, in arrival order. */
  open(): StoredOffer[] {
    return [...this.#open.values()]
  }

  /** Cancellations still worth passing on (their offers have not expired). */
  cancellations(): { readonly signed: SignedOffer; readonly cancelSignature: Hex }[] {
    const out: { signed: SignedOffer; cancelSignature: Hex }[] = []
    for (const t of this.#closed.values()) if (t.cancel !== undefined) out.push(t.cancel)
    return out
  }
}

/** One pair's order book: asks sell `base` for `quote`, bids sell `quote` for `base`; best first. */
export interface OrderBook<T> {
  readonly pair: { readonly base: Address; readonly quote: Address }
  /** Cheapest first: ascending quote per base (buyAmount / sellAmount). */
  readonly asks: readonly T[]
  /** Highest first: descending quote per base (sellAmount / buyAmount). */
  readonly bids: readonly T[]
}

/**
 * Compares two asks by price, best (lowest quote per base) first; ties: larger size, then offer id.
 * Exact: cross-multiplied bigints, no division.
 */
function compareAsks(a: { id: Hex; signed: SignedOffer }, b: { id: Hex; signed: SignedOffer }): number {
  const x = a.signed.offer.buyAmount * b.signed.offer.sellAmount
  const y = b.signed.offer.buyAmount * a.signed.offer.sellAmount
  if (x !== y) return x < y ? -1 : 1
  return tieBreak(a.signed.offer.sellAmount, b.signed.offer.sellAmount, a.id, b.id)
}

/** Compares two bids by price, best (highest quote per base) first; ties: larger size, then offer id. */
function compareBids(a: { id: Hex; signed: SignedOffer }, b: { id: Hex; signed: SignedOffer }): number {
  const x = a.signed.offer.sellAmount * b.signed.offer.buyAmount
  const y = b.signed.offer.sellAmount * a.signed.offer.buyAmount
  if (x !== y) return x > y ? -1 : 1
  return tieBreak(a.signed.offer.buyAmount, b.signed.offer.buyAmount, a.id, b.id)
}

function tieBreak(sizeA: bigint, sizeB: bigint, idA: Hex, idB: Hex): number {
  if (sizeA !== sizeB) return sizeA > sizeB ? -1 : 1
  return idA < idB ? -1 : idA > idB ? 1 : 0
}

/**
 * The order book of `pair` from a set of offers: those trading the two tokens (either way), not
 * expired at `nowMs`, sorted best first. Pure.
 */
export function orderBook<T extends { readonly id: Hex; readonly signed: SignedOffer }>(
  entries: Iterable<T>,
  pair: { readonly base: Address; readonly quote: Address },
  nowMs: number,
): OrderBook<T> {
  const base = pair.base.toLowerCase()
  const quote = pair.quote.toLowerCase()
  const asks: T[] = []
  const bids: T[] = []
  for (const e of entries) {
    if (expired(e.signed, nowMs)) continue
    const { sellToken, buyToken } = e.signed.offer
    if (sellToken === base && buyToken === quote) asks.push(e)
    else if (sellToken === quote && buyToken === base) bids.push(e)
  }
  return { pair, asks: asks.sort(compareAsks), bids: bids.sort(compareBids) }
}

/** Every pair present in `entries`, each once, with the lower address as base. */
export function pairsOf(
  entries: Iterable<{ readonly signed: SignedOffer }>,
): { base: Address; quote: Address }[] {
  const seen = new Map<string, { base: Address; quote: Address }>()
  for (const e of entries) {
    const { sellToken, buyToken } = e.signed.offer
    const [base, quote] = sellToken < buyToken ? [sellToken, buyToken] : [buyToken, sellToken]
    seen.set(`${base}/${quote}`, { base, quote })
  }
  return [...seen.values()]
}
