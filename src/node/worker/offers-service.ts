import type { Hex } from 'viem'
import { OfferBook, type OrderBook, orderBook, pairsOf, type StoredOffer } from '../../trade/offers/book'
import {
  decodeOfferMessage,
  decodeSnapshot,
  decodeTake,
  decodeTakeAnswer,
  encodeOfferMessage,
  encodeSnapshot,
  encodeTake,
  encodeTakeAnswer,
  MAX_TAKE_BYTES,
  type TakeAnswer,
} from '../../trade/offers/codec'
import { OfferError, type OfferErrorType } from '../../trade/offers/errors'
import { agreeTerms } from '../../trade/offers/terms'
import { offerId } from '../../trade/offers/typed-data'
import type {
  BalanceReader,
  BookEntry,
  Pair,
  SignedCancel,
  SignedOffer,
  SignedTake,
} from '../../trade/offers/types'
import {
  checkOfferFields,
  isPeerId,
  validateOffer,
  verifyCancel,
  verifyTake,
} from '../../trade/offers/validate'
import { SwapError } from '../../trade/swap/errors'
import type { SwapRole } from '../../trade/swap/state'
import { LOCK_WINDOW_BLOCKS, type SwapTerms, validateTerms } from '../../trade/swap/terms'
import type { GossipVerdict, NetworkApi } from '../network/bridge'
import { chainProtocol, chainTopic, MAX_EXCHANGE_BYTES } from '../network/protocol'
import { NodeError } from '../rpc/errors'
import type { Remote } from '../rpc/protocol'
import type { NodeRepository } from '../storage/types'
import type { Offence } from '../sync/peer-scores'

/** What the node tells the UI (and, later, the swap engine) about offers. */
export type OffersEvent =
  | { readonly kind: 'added'; readonly entry: BookEntry }
  | { readonly kind: 'removed'; readonly offerId: Hex; readonly reason: 'cancelled' | 'expired' | 'taken' }
  /**
   * A take was accepted: the swap's terms, as this node's party (`role`) holds them, and both tabs'
   * peer ids (for messages between them; the swap itself relies on the chain only).
   */
  | {
      readonly kind: 'agreed'
      readonly role: 'maker' | 'taker'
      readonly terms: SwapTerms
      readonly makerPeer: string
      readonly takerPeer: string
    }

export interface OffersServiceInit {
  readonly chainId: number
  /** The chain's k (the timelock rule depends on it). */
  readonly confirmations: number
  readonly network: Remote<NetworkApi>
  readonly balances: BalanceReader
  /** ms since epoch. */
  readonly now: () => number
  /** The canonical head's height. */
  readonly height: () => bigint
  /** This node's libp2p peer id. */
  readonly selfPeer: () => Promise<string>
  readonly penalize: (peer: string, offence: Offence) => void
  readonly isBanned: (peer: string) => boolean
  readonly onEvent: (event: OffersEvent) => void
  /**
   * Where the offers this node hosts are kept across reloads (the profile's repository meta); in memory
   * only when absent.
   */
  readonly store?: Pick<NodeRepository, 'getMeta' | 'putMeta'>
  /** Whether a swap was started for this offer id (a hosted offer that was taken is not hosted again). */
  readonly hasSwap?: (offerId: Hex) => Promise<boolean>
}

/** Repository meta key of the hosted offers: `{ signed, hashlock }[]`. */
export const HOSTED_OFFERS_META = 'hosted-offers'

interface HostedRow {
  readonly signed: SignedOffer
  readonly hashlock: Hex
}

/**
 * Repository meta key of the takes this node agreed as maker, `{ terms, takerPeer }[]`, kept until the
 * maker's lock window has passed: a winner whose answer was lost to a reload of the maker's tab asks
 * again and gets the same terms, and a page that was gone when the take was agreed starts the swap
 * naming the taker's tab (`agreedSwaps`).
 */
export const AGREED_TAKES_META = 'agreed-takes'

/**
 * Repository meta key of the takes this node made that the maker accepted, `{ terms, makerPeer }[]`,
 * kept until the maker's lock window has passed: a taker's tab closed after the maker's answer but
 * before its page started the swap starts it, naming the maker's tab, when the page loads again
 * (`agreedSwaps`). Rows stored before the maker's peer was kept are bare `SwapTerms`: read with no peer.
 */
export const TAKEN_OFFERS_META = 'taken-offers'

/** A take agreed as maker, with the winner's tab (null: a stored peer id that was not one). */
interface AgreedTake {
  readonly terms: SwapTerms
  readonly takerPeer: string | null
}

/** A take of another's offer that its maker accepted, with the maker's tab (null: not known). */
interface TakenOffer {
  readonly terms: SwapTerms
  readonly makerPeer: string | null
}

/**
 * A take this node agreed, as maker or taker: the swap's terms, our side of it and the other party's tab,
 * if known.
 */
export interface AgreedSwap {
  readonly terms: SwapTerms
  /** Maker: a take of an offer this node hosts; taker: our take of another's. */
  readonly role: SwapRole
  /** The other party's libp2p peer id; null when not known (a row stored before it was kept, or bad). */
  readonly counterpartyPeer: string | null
}

/** A peer gets one offers snapshot from us per this many ms. */
const SNAPSHOT_INTERVAL_MS = 5_000
/** How long an expired offer's id is remembered (to answer `OFFER_STALE`). */
const STALE_MEMORY_MS = 3_600_000
/** Takes one peer may have waiting at once at our node; more are answered `TAKE_BUSY` unread. */
const MAX_PENDING_TAKES_PER_PEER = 2
/** How long a taker waits for the maker's answer. */
const TAKE_TIMEOUT_MS = 15_000
/** How long a snapshot request may take. */
const SNAPSHOT_TIMEOUT_MS = 10_000

/** Gossip verdict for a refused offer or cancellation (gossipsub v1.1). */
function verdictOf(err: OfferError): GossipVerdict {
  switch (err.type.code) {
    // Our clock may differ from the sender's, and replays or duplicates are no fault of the relayer.
    case 'OFFER_EXPIRED':
    case 'OFFER_EXPIRY_TOO_FAR':
    case 'OFFER_KNOWN':
    case 'OFFER_CANCELLED':
    case 'OFFER_TAKEN':
    case 'OFFER_BOOK_FULL':
      return 'ignore'
    default:
      return 'reject'
  }
}

/**
 * Offers in the worker: the book, the offers topic (`tabchain/<chainId>/offers/1`), the snapshot a new
 * peer is asked for (`/tabchain/<chainId>/offers/2.0.0`) and the take protocol
 * (`/tabchain/<chainId>/take/2.0.0`). The worker verifies; signing happens in the wallet on the page.
 */
export function createOffersService(init: OffersServiceInit) {
  const { chainId } = init
  const rules = { chainId, confirmations: init.confirmations }
  const topic = chainTopic(chainId, 'offers')
  const snapshotProtocol = chainProtocol(chainId, 'offers')
  const takeProtocol = chainProtocol(chainId, 'take')
  const book = new OfferBook()
  /** Hashlocks of the offers posted here (the maker's secret stays on the page). */
  const hashlocks = new Map<Hex, Hex>()
  /**
   * Terms agreed as maker, by offer id, with the winner's peer: a retried take from it gets the same
   * answer (stored, see `AGREED_TAKES_META`).
   */
  const agreed = new Map<Hex, AgreedTake>()
  /** Terms agreed as taker, by offer id, with the maker's peer (stored, see `TAKEN_OFFERS_META`). */
  const taken = new Map<Hex, TakenOffer>()
  const snapshotsServed = new Map<string, number>()
  /** Offers dropped at expiry, with when (ms): a take for one is answered `OFFER_STALE`, not "unknown". */
  const expired = new Map<Hex, number>()
  /** Takes are answered one at a time, in arrival order: the first valid taker wins. */
  let takeQueue: Promise<unknown> = Promise.resolve()
  /**
   * The takes agreed before a reload, read back (`start`): a take is answered only after it, and is
   * refused with its error if it failed — never against a partial list.
   */
  let agreedRestored: Promise<void> = Promise.resolve()
  /** Takes waiting in `takeQueue`, per sending peer (so one peer cannot hold the queue). */
  const pendingTakes = new Map<string, number>()

  const emit = init.onEvent

  /**
   * Saves the open offers hosted here (after the book changed), one write at a time in order. Resolves
   * when this state is stored; rejects with the repository's error.
   */
  let saving: Promise<unknown> = Promise.resolve()
  const save = (key: string, rows: unknown[]): Promise<void> => {
    const store = init.store
    if (store === undefined) return Promise.resolve()
    const put = () => store.putMeta(key, rows, { durability: 'strict' })
    const write = saving.then(put, put)
    saving = write
    return write
  }
  const persist = (): Promise<void> =>
    save(
      HOSTED_OFFERS_META,
      book.open().flatMap((o): HostedRow[] => {
        const hashlock = hashlocks.get(o.id)
        return o.hosted && hashlock !== undefined ? [{ signed: o.signed, hashlock }] : []
      }),
    )
  const persistAgreed = (): Promise<void> => save(AGREED_TAKES_META, [...agreed.values()])
  const persistTaken = (): Promise<void> => save(TAKEN_OFFERS_META, [...taken.values()])
  /** `persist`, for changes that already happened: a failed save is retried by the next change. */
  const persistQuietly = (): void => {
    persist().catch(() => {})
  }

  /** Drops the entries of `map` whose swap is past the maker's lock window; whether any went. */
  const dropPastLockWindow = <V>(map: Map<Hex, V>, termsOf: (v: V) => SwapTerms): boolean => {
    let gone = false
    for (const [id, v] of map) {
      if (init.height() <= termsOf(v).acceptedHeight + LOCK_WINDOW_BLOCKS) continue
      map.delete(id)
      gone = true
    }
    return gone
  }

  /** Drops expired offers, telling the UI. */
  const prune = (): void => {
    const now = init.now()
    let hostedGone = false
    for (const id of book.prune(now)) {
      hostedGone ||= hashlocks.delete(id)
      expired.set(id, now)
      emit({ kind: 'removed', offerId: id, reason: 'expired' })
    }
    if (hostedGone) persistQuietly()
    // Past its lock window a swap can no longer start: nobody needs its terms again.
    if (dropPastLockWindow(agreed, (a) => a.terms)) persistAgreed().catch(() => {})
    if (dropPastLockWindow(taken, (t) => t.terms)) persistTaken().catch(() => {})
    for (const [id, at] of expired) if (now - at >= STALE_MEMORY_MS) expired.delete(id)
    for (const [peer, at] of snapshotsServed)
      if (init.now() - at >= SNAPSHOT_INTERVAL_MS) snapshotsServed.delete(peer)
  }

  const lacksBalance = async (signed: SignedOffer): Promise<boolean> =>
    (await init.balances.balanceOf(signed.offer.sellToken, signed.offer.maker)) < signed.offer.sellAmount

  /**
   * An offer as the book shows it. A balance that cannot be read (a light node whose peers could not
   * prove it) flags nothing: the offer is listed all the same, and a take checks the balance again.
   */
  const entryOf = async (stored: StoredOffer): Promise<BookEntry> => ({
    ...stored,
    makerLacksBalance: await lacksBalance(stored.signed).catch((err: unknown) => {
      if (err instanceof NodeError) return false
      throw err
    }),
  })

  /**
   * Checks an offer from a peer (gossip or snapshot) and adds it. Cheap checks and the replay check
   * come before signature recovery. Throws `OfferError`.
   */
  async function admit(signed: SignedOffer): Promise<void> {
    checkOfferFields(signed, rules, init.now())
    const id = offerId(chainId, signed.offer)
    const status = book.status(id)
    if (status === 'open') throw new OfferError({ code: 'OFFER_KNOWN', offerId: id })
    if (status === 'cancelled' || status === 'taken')
      throw new OfferError({ code: status === 'cancelled' ? 'OFFER_CANCELLED' : 'OFFER_TAKEN', offerId: id })
    await validateOffer(signed, rules, init.now())
    const stored: StoredOffer = { id, signed, receivedAt: init.now(), hosted: false }
    book.add(stored)
    announce(stored)
  }

  /**
   * Tells the UI of an offer from a peer once its maker's balance is read, off the gossip verdict's path:
   * on a light node that read is a proof from a peer (up to the request timeout), and the balance only
   * sets the book's flag. An offer cancelled, taken or expired meanwhile is not announced after its removal.
   */
  function announce(stored: StoredOffer): void {
    entryOf(stored).then(
      (entry) => {
        if (book.status(stored.id) === 'open') emit({ kind: 'added', entry })
      },
      (err: unknown) => console.warn('could not read the balance behind offer', stored.id, err),
    )
  }

  /** Checks a cancellation from a peer and applies it; false when it was already known. Throws `OfferError`. */
  async function applyCancel(signed: SignedOffer, cancelSignature: Hex): Promise<boolean> {
    // A cancellation of an offer that broke the rules or expired is of no use to anyone.
    checkOfferFields(signed, rules, init.now())
    const id = offerId(chainId, signed.offer)
    const status = book.status(id)
    if (status === 'cancelled' || status === 'taken') return false
    await verifyCancel(signed, id, { offerId: id, signature: cancelSignature })
    book.cancel(id, signed, cancelSignature)
    if (hashlocks.delete(id)) persistQuietly()
    if (status === 'open') emit({ kind: 'removed', offerId: id, reason: 'cancelled' })
    return true
  }

  /** The maker's side of a take (serialised by `takeQueue`). */
  async function answerTake(data: Uint8Array, from: string): Promise<TakeAnswer> {
    const refuse = (refusal: OfferErrorType): TakeAnswer => ({ accepted: false, refusal })
    let signed: SignedTake
    try {
      signed = decodeTake(data)
      await verifyTake(chainId, signed)
    } catch (err) {
      if (!(err instanceof OfferError)) throw err
      init.penalize(from, err.type.code === 'OFFER_MALFORMED' ? 'garbage' : 'invalid-offer')
      return refuse(err.type)
    }
    const { take } = signed
    const id = take.offerId
    if (take.takerPeer !== from)
      return refuse({ code: 'TAKE_WRONG_PEER', expected: take.takerPeer, got: from })
    prune()
    const status = book.status(id)
    const done = agreed.get(id)
    if (done !== undefined) {
      // The winner asking again (its answer was lost) gets the same terms; anyone else is late (so is a
      // winner whose stored peer id was bad: the terms stand, its tab is not known).
      if (done.terms.taker === take.taker && done.takerPeer === take.takerPeer)
        return {
          accepted: true,
          offerId: id,
          hashlock: done.terms.hashlock,
          agreedAtHeight: done.terms.acceptedHeight,
        }
      return refuse({ code: 'OFFER_TAKEN', offerId: id })
    }
    if (status === 'cancelled') return refuse({ code: 'OFFER_CANCELLED', offerId: id })
    if (status === 'taken') return refuse({ code: 'OFFER_TAKEN', offerId: id })
    const entry = book.get(id)
    const hashlock = hashlocks.get(id)
    if (expired.has(id)) return refuse({ code: 'OFFER_STALE', offerId: id })
    if (entry === undefined || hashlock === undefined) return refuse({ code: 'OFFER_UNKNOWN', offerId: id })
    const o = entry.signed.offer
    if (take.taker === o.maker) return refuse({ code: 'TAKE_SELF' })
    const takerHas = await init.balances.balanceOf(o.buyToken, take.taker)
    if (takerHas < o.buyAmount)
      return refuse({ code: 'TAKER_LACKS_BALANCE', need: o.buyAmount, have: takerHas })
    const makerHas = await init.balances.balanceOf(o.sellToken, o.maker)
    if (makerHas < o.sellAmount)
      return refuse({ code: 'OFFER_MAKER_LACKS_BALANCE', need: o.sellAmount, have: makerHas })
    const terms = agreeTerms(id, entry.signed, take, hashlock, init.height())
    agreed.set(id, { terms, takerPeer: take.takerPeer })
    try {
      // Stored before the answer leaves: if this tab reloads before the winner hears it, the winner's
      // retry still gets these terms. Not stored, not agreed: the take fails and can be sent again.
      await persistAgreed()
    } catch (err) {
      agreed.delete(id)
      throw err
    }
    book.markTaken(id)
    hashlocks.delete(id)
    persistQuietly()
    emit({ kind: 'removed', offerId: id, reason: 'taken' })
    emit({ kind: 'agreed', role: 'maker', terms, makerPeer: o.makerPeer, takerPeer: take.takerPeer })
    return { accepted: true, offerId: id, hashlock, agreedAtHeight: terms.acceptedHeight }
  }

  /**
   * Hosts again the offers this node hosted before a reload: each is checked as a post is (fields,
   * expiry, signature, our peer id); expired ones, ones a swap was started for and anything that fails
   * a check are dropped from the store. Those kept are gossiped again (peers that joined meanwhile ask
   * for the snapshot anyway).
   */
  async function rehost(): Promise<void> {
    const rows = await init.store?.getMeta<unknown>(HOSTED_OFFERS_META)
    if (!Array.isArray(rows) || rows.length === 0) return
    const self = await init.selfPeer()
    for (const row of rows as Partial<HostedRow>[]) {
      try {
        const { signed, hashlock } = row
        if (signed === undefined || typeof hashlock !== 'string' || !/^0x[0-9a-f]{64}$/.test(hashlock))
          continue
        const id = await validateOffer(signed, rules, init.now())
        if (signed.offer.makerPeer !== self || book.status(id) !== 'unknown') continue
        if (agreed.has(id) || (await init.hasSwap?.(id)) === true) continue
        const stored: StoredOffer = { id, signed, receivedAt: init.now(), hosted: true }
        book.add(stored)
        hashlocks.set(id, hashlock)
        emit({ kind: 'added', entry: await entryOf(stored) })
        await init.network.publish(topic, encodeOfferMessage({ kind: 'offer', signed })).catch(() => {})
      } catch (err) {
        if (!(err instanceof OfferError)) throw err
      }
    }
    if (book.open().length !== rows.length) persistQuietly()
  }

  /** The terms of a stored row, or null when they do not hold together. */
  const storedTerms = (row: unknown): SwapTerms | null => {
    try {
      return validateTerms(row, chainId, init.confirmations)
    } catch (err) {
      if (!(err instanceof SwapError)) throw err
      return null
    }
  }

  /** A stored peer id, or null when it is not one (absent, or bad data): the terms stand without it. */
  const storedPeer = (peer: unknown): string | null => (isPeerId(peer) ? peer : null)

  /**
   * The takes agreed before a reload, as maker and as taker; rows whose terms do not hold together are
   * dropped.
   */
  async function restoreAgreed(): Promise<void> {
    const [makerRows, takerRows] = await Promise.all([
      init.store?.getMeta<unknown>(AGREED_TAKES_META),
      init.store?.getMeta<unknown>(TAKEN_OFFERS_META),
    ])
    for (const row of Array.isArray(makerRows) ? (makerRows as unknown[]) : []) {
      if (typeof row !== 'object' || row === null) continue
      const { terms: stored, takerPeer } = row as Record<keyof AgreedTake, unknown>
      const terms = storedTerms(stored)
      if (terms !== null) agreed.set(terms.offerId, { terms, takerPeer: storedPeer(takerPeer) })
    }
    for (const row of Array.isArray(takerRows) ? (takerRows as unknown[]) : []) {
      // A row stored before the maker's peer was kept is the bare terms.
      const withPeer = typeof row === 'object' && row !== null && 'terms' in row
      const { terms: stored, makerPeer } = withPeer
        ? (row as Record<keyof TakenOffer, unknown>)
        : { terms: row, makerPeer: null }
      const terms = storedTerms(stored)
      if (terms !== null) taken.set(terms.offerId, { terms, makerPeer: storedPeer(makerPeer) })
    }
  }

  return {
    async start(): Promise<void> {
      // The exchanges are handled at once, beside the read of the agreed takes (each a round trip to the
      // page): takes that come before that read is done wait for it in `answer`.
      agreedRestored = restoreAgreed()
      await Promise.all([
        init.network.subscribe(topic),
        init.network.handle(snapshotProtocol),
        init.network.handle(takeProtocol),
        agreedRestored,
      ])
      await rehost()
    },

    /**
     * Posts an offer signed by the wallet on the page, hosted here: takes for it are answered by this
     * node with `hashlock` (sha256 of the maker's secret). Refuses (`OfferError`) offers that fail any
     * check, that name another peer, or whose maker lacks the balance; gossips the rest.
     */
    async post(signed: SignedOffer, hashlock: Hex): Promise<BookEntry> {
      prune()
      const id = await validateOffer(signed, rules, init.now())
      const self = await init.selfPeer()
      if (signed.offer.makerPeer !== self)
        throw new OfferError({ code: 'OFFER_WRONG_PEER', expected: self, got: signed.offer.makerPeer })
      const have = await init.balances.balanceOf(signed.offer.sellToken, signed.offer.maker)
      if (have < signed.offer.sellAmount)
        throw new OfferError({ code: 'OFFER_MAKER_LACKS_BALANCE', need: signed.offer.sellAmount, have })
      // Known from a peer but not hosted (the maker's tab reloaded): host it again, nothing to gossip.
      const known = book.get(id)
      if (known !== undefined && !known.hosted) {
        hashlocks.set(id, hashlock)
        const hosted = book.host(id) ?? known
        try {
          await persist()
        } catch (err) {
          hashlocks.delete(id)
          book.host(id, false)
          throw err
        }
        return entryOf(hosted)
      }
      const stored: StoredOffer = { id, signed, receivedAt: init.now(), hosted: true }
      book.add(stored)
      hashlocks.set(id, hashlock)
      // Stored before anyone hears of it: an offer that could not be kept is not posted at all.
      try {
        await persist()
      } catch (err) {
        book.withdraw(id)
        hashlocks.delete(id)
        throw err
      }
      const entry = await entryOf(stored)
      emit({ kind: 'added', entry })
      await init.network.publish(topic, encodeOfferMessage({ kind: 'offer', signed })).catch(() => {})
      return entry
    },

    /** Withdraws an open offer with its maker's signed cancellation, and gossips it. Throws `OfferError`. */
    async cancel(cancel: SignedCancel): Promise<void> {
      prune()
      const id = cancel.offerId
      const status = book.status(id)
      if (status === 'cancelled') throw new OfferError({ code: 'OFFER_CANCELLED', offerId: id })
      if (status === 'taken') throw new OfferError({ code: 'OFFER_TAKEN', offerId: id })
      const entry = book.get(id)
      if (entry === undefined) throw new OfferError({ code: 'OFFER_UNKNOWN', offerId: id })
      await verifyCancel(entry.signed, id, cancel)
      book.cancel(id, entry.signed, cancel.signature)
      if (hashlocks.delete(id)) persistQuietly()
      emit({ kind: 'removed', offerId: id, reason: 'cancelled' })
      await init.network
        .publish(topic, encodeOfferMessage({ kind: 'cancel', signed: entry.signed, cancel }))
        .catch(() => {})
    },

    /** The order books of every pair with open offers, or of `pair` only; best price first. */
    async books(pair?: Pair): Promise<OrderBook<BookEntry>[]> {
      // The books are as of the prune: an offer that expired while the makers' balances were read is
      // still in them, and goes (told as `removed`) at the next prune, never left out untold.
      const now = init.now()
      prune()
      const entries = await Promise.all(book.open().map(entryOf))
      const pairs = pair === undefined ? pairsOf(entries) : [pair]
      return pairs.map((p) => orderBook(entries, p, now))
    },

    /**
     * Takes an open offer: checks the take here, sends it to the maker's peer and returns the swap's
     * terms once the maker accepts. Refusals are `OfferError`s (`OFFER_TAKEN`, `OFFER_STALE`, …);
     * network failures are `NetError`s.
     */
    async take(signed: SignedTake): Promise<SwapTerms> {
      prune()
      await verifyTake(chainId, signed)
      const { take } = signed
      const id = take.offerId
      const status = book.status(id)
      if (status === 'cancelled') throw new OfferError({ code: 'OFFER_CANCELLED', offerId: id })
      if (status === 'taken') throw new OfferError({ code: 'OFFER_TAKEN', offerId: id })
      if (expired.has(id)) throw new OfferError({ code: 'OFFER_STALE', offerId: id })
      const entry = book.get(id)
      if (entry === undefined) throw new OfferError({ code: 'OFFER_UNKNOWN', offerId: id })
      const self = await init.selfPeer()
      if (take.takerPeer !== self)
        throw new OfferError({ code: 'TAKE_WRONG_PEER', expected: self, got: take.takerPeer })
      const o = entry.signed.offer
      // An offer this node hosts is ours, whichever account takes it (one node holds one side of a swap).
      if (take.taker === o.maker || o.makerPeer === self) throw new OfferError({ code: 'TAKE_SELF' })
      const have = await init.balances.balanceOf(o.buyToken, take.taker)
      if (have < o.buyAmount) throw new OfferError({ code: 'TAKER_LACKS_BALANCE', need: o.buyAmount, have })
      const raw = await init.network.request(o.makerPeer, takeProtocol, encodeTake(signed), TAKE_TIMEOUT_MS)
      const answer = decodeTakeAnswer(raw, id)
      if (!answer.accepted) {
        const { code } = answer.refusal
        if (code === 'OFFER_TAKEN' && book.markTaken(id) !== undefined)
          emit({ kind: 'removed', offerId: id, reason: 'taken' })
        throw new OfferError(answer.refusal)
      }
      if (answer.offerId !== id) throw new OfferError({ code: 'TAKE_BAD_TERMS', field: 'offerId' })
      // The swap's lock window, and how long its terms are kept here and restarted on each load, count
      // from this height: one far from our head (a hostile maker's 2^64 - 1, say) would make the swap
      // expire at once or never. Both heads are the same chain's, a few blocks apart at most.
      const drift = answer.agreedAtHeight - init.height()
      if (drift > LOCK_WINDOW_BLOCKS || -drift > LOCK_WINDOW_BLOCKS)
        throw new OfferError({ code: 'TAKE_BAD_TERMS', field: 'agreedAtHeight' })
      const terms = agreeTerms(id, entry.signed, take, answer.hashlock, answer.agreedAtHeight)
      taken.set(id, { terms, makerPeer: o.makerPeer })
      // Kept so that a page closed before it started the swap starts it as it loads again. Without
      // storage the page still starts the swap now; only that rescue is lost.
      await persistTaken().catch(() => {})
      if (book.markTaken(id) !== undefined) emit({ kind: 'removed', offerId: id, reason: 'taken' })
      emit({ kind: 'agreed', role: 'taker', terms, makerPeer: o.makerPeer, takerPeer: take.takerPeer })
      return terms
    },

    /**
     * The takes this node agreed, as maker of our offers and as taker of others' (kept until the maker's
     * lock window has passed), those agreed before a reload included: each swap's terms, our role in it
     * and the other party's tab (the winner's peer for the maker, the offer's `makerPeer` for the taker).
     */
    async agreedSwaps(): Promise<AgreedSwap[]> {
      await agreedRestored
      prune()
      return [
        ...[...agreed.values()].map(
          (a): AgreedSwap => ({ terms: a.terms, role: 'maker', counterpartyPeer: a.takerPeer }),
        ),
        ...[...taken.values()].map(
          (t): AgreedSwap => ({ terms: t.terms, role: 'taker', counterpartyPeer: t.makerPeer }),
        ),
      ]
    },

    /** Verdict on an offers-topic message; null for other topics. Rejections penalise the sender. */
    async gossip(t: string, data: Uint8Array, from: string): Promise<GossipVerdict | null> {
      if (t !== topic) return null
      if (init.isBanned(from)) return 'reject'
      prune()
      try {
        const message = decodeOfferMessage(data)
        if (message.cancelSignature === null) await admit(message.signed)
        else if (!(await applyCancel(message.signed, message.cancelSignature))) return 'ignore'
        return 'accept'
      } catch (err) {
        if (!(err instanceof OfferError)) throw err
        const verdict = verdictOf(err)
        if (verdict === 'reject')
          init.penalize(from, err.type.code === 'OFFER_MALFORMED' ? 'garbage' : 'invalid-offer')
        return verdict
      }
    },

    /** Answers a snapshot or take request; null for other protocols. */
    async answer(protocol: string, data: Uint8Array, from: string): Promise<Uint8Array | null> {
      if (protocol === snapshotProtocol) {
        prune()
        if (data.byteLength !== 0)
          throw new OfferError({ code: 'OFFER_MALFORMED', reason: 'snapshot takes no body' })
        const last = snapshotsServed.get(from)
        if (last !== undefined)
          throw new OfferError({
            code: 'OFFER_SNAPSHOT_RATE_LIMITED',
            retryAfterMs: Math.max(0, last + SNAPSHOT_INTERVAL_MS - init.now()),
          })
        snapshotsServed.set(from, init.now())
        return encodeSnapshot({ offers: book.open().map((e) => e.signed), cancels: book.cancellations() })
      }
      if (protocol !== takeProtocol) return null
      if (data.byteLength > MAX_TAKE_BYTES)
        return encodeTakeAnswer({
          accepted: false,
          refusal: { code: 'OFFER_MALFORMED', reason: 'take too large' },
        })
      const pending = pendingTakes.get(from) ?? 0
      if (pending >= MAX_PENDING_TAKES_PER_PEER)
        return encodeTakeAnswer({ accepted: false, refusal: { code: 'TAKE_BUSY', pending } })
      pendingTakes.set(from, pending + 1)
      const answer = takeQueue.then(() => agreedRestored).then(() => answerTake(data, from))
      takeQueue = answer.catch(() => {})
      try {
        return encodeTakeAnswer(await answer)
      } finally {
        const left = (pendingTakes.get(from) ?? 1) - 1
        if (left > 0) pendingTakes.set(from, left)
        else pendingTakes.delete(from)
      }
    },

    /**
     * A new direct peer: asks it for its open offers and the cancellations it knows, and takes in
     * the valid ones. A snapshot with a forged entry costs the peer a penalty and is not read further.
     */
    async peerJoined(peer: string): Promise<void> {
      const raw = await init.network.request(peer, snapshotProtocol, new Uint8Array(0), SNAPSHOT_TIMEOUT_MS)
      let snapshot: ReturnType<typeof decodeSnapshot>
      try {
        snapshot = decodeSnapshot(raw, MAX_EXCHANGE_BYTES)
      } catch (err) {
        if (!(err instanceof OfferError)) throw err
        init.penalize(peer, 'garbage')
        return
      }
      prune()
      // Cancellations first, so the offers they withdraw are refused below.
      const items = [
        ...snapshot.cancels.map((c) => () => applyCancel(c.signed, c.cancelSignature)),
        ...snapshot.offers.map((signed) => () => admit(signed)),
      ]
      for (const apply of items) {
        try {
          await apply()
        } catch (err) {
          if (!(err instanceof OfferError)) throw err
          if (verdictOf(err) === 'reject') {
            init.penalize(peer, 'invalid-offer')
            return
          }
        }
      }
    },
  }
}
