import {
  type Address,
  getTypesForEIP712Domain,
  type Hex,
  type TypedDataDomain,
  type TypedDataParameter,
} from 'viem'
import { MAX_LOG_RANGE } from '../../node/chain/log-selection'
import type { ChainParams } from '../../node/chain/types'
import { ZERO_ADDRESS } from '../../node/contracts/addresses'
import type { NodeMode } from '../../node/light/mode'
import type { Remote } from '../../node/rpc/protocol'
import { serialRefresh } from '../../node/serial-runs'
import type { NodeApi, NodeEvents } from '../../node/worker/node'
import type { SwapInfo } from '../../node/worker/swap-service'
import { minTakerTimelock, requiredMakerTimelock } from '../../trade/offers/timelock'
import { cancelTypedData, offerId, offerTypedData, takeTypedData } from '../../trade/offers/typed-data'
import type { BookEntry } from '../../trade/offers/types'
import { MAX_OFFER_LIFETIME_S } from '../../trade/offers/validate'
import {
  lockFilter,
  type ObservedLock,
  observeLocks,
  settleFilter,
  swapLockIds,
  swapLocks,
} from '../../trade/swap/chain-view'
import { SWAP_GAS } from '../../trade/swap/driver'
import { hashlockOf } from '../../trade/swap/secret'
import { isFinal } from '../../trade/swap/state'
import type { SwapTerms } from '../../trade/swap/terms'
import { showHidden } from '../../wallet/describe'
import type { Wallet } from '../../wallet/wallet'
import type {
  MarketAccount,
  MarketBookEntry,
  MarketEvent,
  MarketLock,
  MarketOffer,
  MarketSource,
  MarketSwap,
  MarketSwapTerms,
  MarketToken,
  SignedMarketOffer,
} from './source'
import { approvalOfTerms, type SwapApproval, type SwapApprovals, unusedApprovals } from './swap-approvals'

/**
 * Blocks of slack a new offer's default timelocks give each party at its step, beyond the timelock
 * rule's minimum: 60 blocks, two minutes at the devnet's 2 s blocks — a reload, the links coming back
 * and the wallet unlocked again fit in it. (The taker's refund then comes after 70 blocks, the maker's
 * after 207, about 7 minutes.)
 */
const ACT_WINDOW_BLOCKS = 60

/** Subscribes to one node event; returns the unsubscribe function (the RPC client's `on`). */
export type NodeEventSource = <K extends keyof NodeEvents & string>(
  event: K,
  listener: (data: NodeEvents[K]) => void,
) => () => void

export interface NodeMarketInit {
  readonly api: Remote<NodeApi>
  readonly on: NodeEventSource
  readonly wallet: Wallet
  /** The page's EIP-1193 provider: offers, takes and cancellations are signed through its approval dialog. */
  readonly provider: { request(args: { method: string; params?: unknown }): Promise<unknown> }
  readonly params: ChainParams
  readonly approvals: SwapApprovals
  /** This tab's libp2p peer id (offers and takes name it), null before the network started. */
  readonly peerId: () => string | null
  /**
   * The peer ids this tab has a direct link to now, and a subscription to their changes (the libp2p
   * host runs on the page): My trades tells when the other party's tab is not among them.
   */
  readonly links: {
    readonly direct: () => readonly string[]
    readonly subscribe: (listener: () => void) => () => void
  }
  /** A swap the node could not start after the maker accepted a take (shown or logged by the app). */
  readonly onError: (swapId: Hex, error: unknown) => void
}

/** A `MarketSource` the app can stop (it unsubscribes from the node and the wallet). */
export interface NodeMarketSource extends MarketSource {
  stop(): void
}

/** A typed refusal of the market adapter before anything reaches the node. */
export class MarketAdapterError extends Error {
  override name = 'MarketAdapterError'
  constructor(
    readonly type: {
      readonly code:
        | 'NO_ACCOUNT'
        | 'OFFER_UNKNOWN'
        | 'TERMS_MISMATCH'
        | 'TAKE_SELF'
        | 'SWAP_UNKNOWN'
        | 'SWAP_NOT_YOURS'
      readonly detail: string
    },
  ) {
    super(`${type.code}: ${type.detail}`)
  }
}

const NATIVE: MarketToken = { address: ZERO_ADDRESS, symbol: 'TAB', decimals: 18 }
const lower = (a: string): Address => a.toLowerCase() as Address

/** The node's lock records to the screens' shape. */
const marketLock = (lock: ObservedLock | null): MarketLock | null =>
  lock === null
    ? null
    : { id: lock.id, timelockHeight: lock.timelockHeight, lockedAt: lock.lockedAt, state: lock.state }

/** A swap's two locks as its logs show them. */
interface SwapLocks {
  readonly makerLock: ObservedLock | null
  readonly takerLock: ObservedLock | null
}

/** What the node says of a swap (`SwapInfo`), as text to compare with what it said before. */
const infoText = (info: SwapInfo): string =>
  JSON.stringify(info, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))

/**
 * Whether a swap the node says `info` of, with `locks`, can change only with the chain under it: it
 * finished (its step verified and failed in nothing) and neither lock is still locked — nothing is
 * left for either party to redeem or refund.
 */
const settledSwap = (info: SwapInfo, locks: SwapLocks): boolean =>
  isFinal(info.status.state) &&
  info.error === null &&
  !info.unverified &&
  locks.makerLock?.state !== 'locked' &&
  locks.takerLock?.state !== 'locked'

/**
 * The other party's lock of a swap over for us (finished, its step verified and failed in nothing, our
 * own lock redeemed or refunded) while it alone is still locked: only a `Redeemed` or `Refunded` log of
 * its id can change the swap's locks then. Null otherwise.
 */
function openOtherLock(info: SwapInfo, locks: SwapLocks): ObservedLock | null {
  if (!isFinal(info.status.state) || info.error !== null || info.unverified) return null
  const maker = info.role === 'maker'
  const [own, other] = maker ? [locks.makerLock, locks.takerLock] : [locks.takerLock, locks.makerLock]
  return own !== null && own.state !== 'locked' && other?.state === 'locked' ? other : null
}

/**
 * A swap's locks kept while it is settled (`settledSwap`), or over for us with the other lock still
 * locked (`open`: that lock, and the head its settle logs were read up to).
 */
interface KeptSwap {
  readonly info: string
  readonly locks: SwapLocks
  readonly open: { readonly id: Hex; readonly readTo: bigint } | null
}

/** Whether `terms` are exactly what our approval (and, for a taker, the offer taken) promised. */
function termsMatch(terms: SwapTerms, approval: SwapApproval): boolean {
  const maker = approval.role === 'maker'
  const [ours, theirs] = maker ? [terms.maker, terms.taker] : [terms.taker, terms.maker]
  const a = { token: terms.tokenA, amount: terms.amountA }
  const b = { token: terms.tokenB, amount: terms.amountB }
  const [give, get] = maker ? [a, b] : [b, a]
  return (
    lower(terms.offerId) === lower(approval.swapId) &&
    lower(ours) === approval.account &&
    (approval.counterparty === null || lower(theirs) === approval.counterparty) &&
    lower(give.token) === lower(approval.give.token) &&
    give.amount === approval.give.amount &&
    lower(get.token) === lower(approval.get.token) &&
    get.amount === approval.get.amount &&
    (approval.hashlock === null || lower(terms.hashlock) === lower(approval.hashlock)) &&
    (approval.lockBlocks === null ||
      (maker ? terms.makerTimelockBlocks : terms.takerTimelockBlocks) === approval.lockBlocks)
  )
}

/**
 * The Market screens' source over the node (`NodeApi` through the worker's port) and this page's wallet.
 * Offers, takes and cancellations are signed by the wallet through the provider's approval dialog
 * (`eth_signTypedData_v4`); the maker's hashlock comes from the wallet's swap secret for the offer id.
 * Posting or taking records a `SwapApproval` (what the wallet may sign for that swap later, unasked),
 * then starts the swap in the node: the taker as soon as the maker accepted, the maker when the node
 * reports the take `agreed`. Node events become `MarketEvent`s.
 */
export function createNodeMarketSource(init: NodeMarketInit): NodeMarketSource {
  const { api, wallet, approvals } = init
  const chainId = init.params.chainId
  const listeners = new Set<(event: MarketEvent) => void>()
  const emit = (event: MarketEvent): void => {
    for (const l of listeners) l(event)
  }

  /** `eth_signTypedData_v4` with the standard JSON payload (its domain type listed, numbers as strings). */
  const signTyped = async (
    from: Address,
    typed: {
      readonly domain?: TypedDataDomain | undefined
      readonly types: Readonly<Record<string, readonly TypedDataParameter[]>>
      readonly primaryType: string
      readonly message: Readonly<Record<string, unknown>>
    },
  ): Promise<Hex> => {
    const payload = {
      ...typed,
      types: { EIP712Domain: getTypesForEIP712Domain({ domain: typed.domain }), ...typed.types },
    }
    const json = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    return (await init.provider.request({ method: 'eth_signTypedData_v4', params: [from, json] })) as Hex
  }

  const me = async (): Promise<MarketAccount> => {
    const account = await source.account()
    if (account === null)
      throw new MarketAdapterError({ code: 'NO_ACCOUNT', detail: 'create or unlock a wallet' })
    return account
  }

  /**
   * Drops the approval of an offer that will never be agreed (withdrawn, or its post or take failed).
   * Storage that refuses the write leaves it, with a warning: the node never asks to sign for an offer
   * not agreed, and the failure it would hide (or the withdrawal done) is what the user must see.
   */
  const forget = (id: Hex): void => {
    try {
      approvals.remove(id)
    } catch (err) {
      console.warn(`the approval of ${id} could not be dropped`, err)
    }
  }

  /** Ids whose approval this page is writing now (an offer being posted, one being taken): never unused. */
  const writing = new Set<Hex>()
  /**
   * Drops the approvals no trade can use any more (`unusedApprovals`): those of offers that expired or
   * were withdrawn without a take (also while the tab was closed) and of swaps done. Without it every
   * offer posted and every trade kept its approval in localStorage, which a maker posting often fills.
   * Runs as the page opens, when an offer expires and when a swap is done; one run at a time.
   */
  const dropUnused = serialRefresh(
    async () => {
      const approved = approvals.ids().filter((id) => !writing.has(id))
      const [books, unstarted, swaps] = await Promise.all([api.offers(), api.unstartedSwaps(), api.swaps()])
      const offers = books.flatMap((b) => [...b.asks, ...b.bids].map((e) => e.id))
      const unused = unusedApprovals(approved, {
        offers,
        unstarted: unstarted.map((u) => u.terms.offerId),
        swaps,
      })
      approvals.remove(...unused)
    },
    (err) => console.warn('the approvals no trade uses could not be dropped', err),
  )

  const findOffer = async (id: Hex): Promise<BookEntry> => {
    for (const book of await api.offers())
      for (const e of [...book.asks, ...book.bids]) if (lower(e.id) === lower(id)) return e
    throw new MarketAdapterError({ code: 'OFFER_UNKNOWN', detail: `${id} is not in this node's book` })
  }

  /**
   * Starts our side of a swap on agreed `terms` that match `approval`, which they complete: the maker's
   * counterparty, the taker's hashlock. `peer`, the other party's tab when the agreement named it, is
   * kept by the node with the swap (a reloaded page reads it from `SwapInfo`).
   */
  const startWith = async (
    terms: SwapTerms,
    approval: SwapApproval,
    peer: string | undefined,
  ): Promise<void> => {
    approvals.put(
      approval.role === 'maker'
        ? { ...approval, counterparty: lower(terms.taker) }
        : { ...approval, hashlock: lower(terms.hashlock) as Hex },
    )
    await api.startSwap(terms, approval.account, peer)
  }

  /**
   * Starts our side of a swap the node agreed, under the approval this page kept for `role`: the
   * maker's when the node says a take of one of our offers was agreed, either side's when it was
   * agreed while the page was gone (then with the `peer` the node's list of them names, if it knows
   * it). The terms must be what was approved. One whose approval this profile lost (its saved copy
   * damaged or cleared) is started all the same, approving nothing: the wallet signs none of its steps,
   * and My trades offers to approve it again on the node's terms, as any running trade whose approval
   * was lost. Left unstarted, it would show nowhere: the node runs only swaps a page started.
   */
  const startApproved = async (
    terms: SwapTerms,
    role: SwapApproval['role'],
    peer: string | undefined,
  ): Promise<void> => {
    const approval = approvals.get(terms.offerId)
    if (approval === undefined) {
      await api.startSwap(terms, lower(role === 'maker' ? terms.maker : terms.taker), peer)
      return
    }
    if (approval.role !== role) return
    if (!termsMatch(terms, approval))
      throw new MarketAdapterError({
        code: 'TERMS_MISMATCH',
        detail: 'the agreed terms differ from what was approved',
      })
    await startWith(terms, approval, peer)
  }

  const locksOf = async (terms: SwapTerms, head: bigint): Promise<SwapLocks> => {
    const from =
      head - terms.acceptedHeight >= MAX_LOG_RANGE ? head - MAX_LOG_RANGE + 1n : terms.acceptedHeight
    const locked = await api.logs({ fromBlock: from, toBlock: head, ...lockFilter(terms) })
    const ids = swapLockIds(terms, locked)
    const settled =
      ids.length === 0 ? [] : await api.logs({ fromBlock: from, toBlock: head, ...settleFilter(ids) })
    const logs = [...locked, ...settled].sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    )
    return swapLocks(terms, observeLocks(logs, terms.hashlock))
  }

  /**
   * The swaps settled (`settledSwap`), or over for us with the other lock still locked (`openOtherLock`),
   * as the node last said it, by id, with their locks. The node steps a finished swap at every block
   * until its settlement is `maxReorgDepth` deep, saying the same each time: while it does, such a swap
   * neither reloads My trades nor has its logs read again (but for that lock's settle logs in the new
   * blocks, `readOpenLock`). Only a reorganisation, or a change of the node's mode (a snapshot upgrade
   * replaces the chain with no reorg event), can change its logs then: either forgets them all.
   */
  const settled = new Map<Hex, KeptSwap>()
  /** The node's mode the last `mode` event said; null: none came (the first one forgets them too). */
  let modeKind: NodeMode['kind'] | null = null
  const forgetSettled = (): void => {
    settled.clear()
    emit({ kind: 'swaps' })
  }

  /** The swap's locks: those kept while it is settled, else read from its logs (and kept if it is). */
  const locksNow = async (info: SwapInfo, head: bigint): Promise<SwapLocks> => {
    const said = infoText(info)
    const kept = settled.get(info.swapId)
    if (kept?.info === said) return kept.locks
    settled.delete(info.swapId)
    const locks = await locksOf(info.terms, head)
    const open = openOtherLock(info, locks)
    if (settledSwap(info, locks)) settled.set(info.swapId, { info: said, locks, open: null })
    else if (open !== null)
      settled.set(info.swapId, { info: said, locks, open: { id: open.id, readTo: head } })
    return locks
  }

  /**
   * A swap kept with the other lock still locked, its node saying the same again: reads that lock's
   * settle logs in the blocks since they were last read (a logs query, not the swap's logs since its
   * take), and reloads My trades when one came. A reorganisation forgets the kept swaps meanwhile.
   */
  const readOpenLock = async (swapId: Hex, kept: KeptSwap, open: NonNullable<KeptSwap['open']>) => {
    const head = (await api.head()).number
    if (head <= open.readTo) return
    const logs = await api.logs({ fromBlock: open.readTo + 1n, toBlock: head, ...settleFilter([open.id]) })
    if (logs.length > 0) return reloadSwap(swapId)
    if (settled.get(swapId) === kept) settled.set(swapId, { ...kept, open: { ...open, readTo: head } })
  }
  /** Forgets the locks kept of one swap and reloads My trades (they are read again). */
  const reloadSwap = (swapId: Hex): void => {
    settled.delete(swapId)
    emit({ kind: 'swaps' })
  }

  const marketSwap = async (info: SwapInfo, head: bigint): Promise<MarketSwap> => {
    // A light node may not serve logs: the swap still shows, without its locks.
    const locks = await locksNow(info, head).catch(() => ({ makerLock: null, takerLock: null }))
    return {
      id: info.swapId,
      role: info.role,
      terms: info.terms,
      state: info.status.state,
      steps: info.status.steps,
      makerLock: marketLock(locks.makerLock),
      takerLock: marketLock(locks.takerLock),
      redeemsSent: info.redeemsSent,
      error: info.error,
      unverified: info.unverified,
      counterpartyLinked: linkedTo(info.counterpartyPeer),
      approved: approvals.get(info.swapId) !== undefined,
    }
  }

  /**
   * Offer ids whose swap this page has started (or is taking): the agreement's event, the page's own
   * take and the load's read of unstarted swaps may each name one.
   */
  const starting = new Set<Hex>()
  const startAgreed = (terms: SwapTerms, role: SwapApproval['role'], peer?: string): void => {
    const id = lower(terms.offerId) as Hex
    if (starting.has(id)) return
    starting.add(id)
    startApproved(terms, role, peer).then(
      () => emit({ kind: 'swaps' }),
      (err: unknown) => init.onError(terms.offerId, err),
    )
  }

  /** Whether the other party's tab (as the node's swap record names it) is linked now; null if unknown. */
  const linkedTo = (peer: string | null): boolean | null =>
    peer === null ? null : init.links.direct().includes(peer)

  const unsubscribe = [
    init.on('offers', (e) => {
      emit({ kind: 'offers' })
      if (e.kind === 'removed' && e.reason === 'expired') void dropUnused()
      if (e.kind === 'agreed' && e.role === 'maker') {
        // Said before the swap is listed: the offer has just left the maker's open offers.
        emit({ kind: 'taken', terms: e.terms })
        startAgreed(e.terms, 'maker', e.takerPeer)
      }
    }),
    // A link that opens or closes changes what My trades says of the other party's tab.
    init.links.subscribe(() => emit({ kind: 'swaps' })),
    // A settled swap stepped again and saying the same changes no row; one with the other lock still
    // locked only a settle log of that lock does.
    init.on('swap', (info) => {
      if (info.action.kind === 'done') void dropUnused()
      const kept = settled.get(info.swapId)
      if (kept?.info !== infoText(info)) emit({ kind: 'swaps' })
      else if (kept.open !== null)
        readOpenLock(info.swapId, kept, kept.open).catch(() => reloadSwap(info.swapId))
    }),
    init.on('reorg', forgetSettled),
    init.on('mode', (mode) => {
      if (mode.kind !== modeKind) forgetSettled()
      modeKind = mode.kind
    }),
    init.on('head', (h) => emit({ kind: 'head', number: h.number })),
    wallet.subscribe(() => emit({ kind: 'wallet' })),
  ]

  // Takes agreed while this page was gone (its tab closed before it started our side of the swap).
  api.unstartedSwaps().then(
    (unstarted) => {
      for (const { terms, role, counterpartyPeer } of unstarted) {
        // One approval per swap id: the role it holds, if any, says which of the node's agreements is ours.
        const approval = approvals.get(terms.offerId)
        if (approval !== undefined && approval.role !== role) continue
        // The maker has not heard of this take: its page was gone when it was agreed.
        if (role === 'maker') emit({ kind: 'taken', terms })
        startAgreed(terms, role, counterpartyPeer ?? undefined)
      }
    },
    (err: unknown) => console.error('the unstarted swaps could not be read', err),
  )

  void dropUnused()

  const source: NodeMarketSource = {
    async params() {
      const k = init.params.confirmations
      // The rule's minimums leave each party a few blocks to act once the other's lock is confirmed
      // (the taker to lock, the maker to redeem): too little for a tab that reloads, reconnects and is
      // unlocked again. Each side gets ACT_WINDOW_BLOCKS more.
      const taker = minTakerTimelock(k) + ACT_WINDOW_BLOCKS
      return {
        chainId,
        confirmations: k,
        targetBlockTimeMs: init.params.targetBlockTimeMs,
        defaultTimelocks: { maker: requiredMakerTimelock(taker, k) + ACT_WINDOW_BLOCKS, taker },
        maxOfferLifetimeS: Number(MAX_OFFER_LIFETIME_S),
        swapGas: { approve: SWAP_GAS.approve, lock: SWAP_GAS.lock, redeem: SWAP_GAS.redeem },
      }
    },
    async head() {
      return (await api.head()).number
    },
    async fees() {
      const f = await api.fees()
      return { nextBaseFee: f.nextBaseFee, suggestedTip: f.suggestedTip }
    },
    async account() {
      const view = wallet.view()
      if (view.state === 'none' || view.selected === null) return null
      return {
        address: lower(view.selected),
        peerId: init.peerId() ?? '',
        unlocked: view.state === 'unlocked',
      }
    },
    async tokens() {
      const selected = wallet.view().selected
      const out = new Map<Address, MarketToken>([[NATIVE.address, NATIVE]])
      const add = (t: { address: Address; symbol: string; decimals: number }): void => {
        const address = lower(t.address)
        // A symbol is what its token's creator typed: hidden characters written out (`showHidden`).
        if (!out.has(address))
          out.set(address, { address, symbol: showHidden(t.symbol), decimals: t.decimals })
      }
      // The account's holdings first, then every token of the chain (a maker asks for tokens it does
      // not hold; a light node cannot list them), then those of open offers.
      if (selected !== null) for (const h of await api.tokenHoldings(selected)) add(h.token)
      for (const t of await api.tokens().catch(() => [])) add(t)
      for (const book of await api.offers())
        for (const address of [lower(book.pair.base), lower(book.pair.quote)]) {
          if (out.has(address)) continue
          const t = await api.token(address)
          if (t !== null) add(t)
        }
      return [...out.values()]
    },
    async balanceOf(token, holder) {
      return lower(token) === ZERO_ADDRESS
        ? (await api.account(holder)).balance
        : api.tokenBalance(token, holder)
    },
    async offers(pair) {
      const [book] = await api.offers(pair)
      return book === undefined ? [] : [...book.asks, ...book.bids]
    },
    async myOffers() {
      const mine = new Set(wallet.view().accounts.map((a) => lower(a.address)))
      const books = await api.offers()
      return books.flatMap((book) =>
        [...book.asks, ...book.bids].filter((e) => mine.has(lower(e.signed.offer.maker))),
      )
    },
    async signOffer(offer: MarketOffer): Promise<SignedMarketOffer> {
      return { chainId, offer, signature: await signTyped(offer.maker, offerTypedData(chainId, offer)) }
    },
    async postOffer(signed): Promise<MarketBookEntry> {
      const o = signed.offer
      const id = offerId(signed.chainId, o)
      const hashlock = hashlockOf(wallet.swapSecret(signed.chainId, id))
      // Recorded first: a take may be agreed as soon as the node hosts the offer.
      writing.add(lower(id) as Hex)
      approvals.put({
        swapId: lower(id) as Hex,
        role: 'maker',
        account: lower(o.maker),
        give: { token: lower(o.sellToken), amount: o.sellAmount },
        get: { token: lower(o.buyToken), amount: o.buyAmount },
        hashlock,
        counterparty: null,
        lockBlocks: BigInt(o.makerTimelock),
      })
      try {
        return await api.postOffer(signed, hashlock)
      } catch (err) {
        forget(id)
        throw err
      } finally {
        writing.delete(lower(id) as Hex)
      }
    },
    async cancelOffer(id) {
      const entry = await findOffer(id)
      const signature = await signTyped(entry.signed.offer.maker, cancelTypedData(chainId, entry.id))
      await api.cancelOffer({ offerId: entry.id, signature })
      forget(entry.id)
    },
    async takeOffer(id): Promise<MarketSwapTerms> {
      const account = await me()
      const entry = await findOffer(id)
      // One approval per swap id: a taker's would take the place of the maker's this tab keeps.
      if (approvals.get(entry.id)?.role === 'maker')
        throw new MarketAdapterError({ code: 'TAKE_SELF', detail: 'this tab posted this offer' })
      const o = entry.signed.offer
      const take = { offerId: entry.id, taker: account.address, takerPeer: account.peerId }
      const signature = await signTyped(account.address, takeTypedData(chainId, take))
      const approval: SwapApproval = {
        swapId: lower(entry.id) as Hex,
        role: 'taker',
        account: account.address,
        give: { token: lower(o.buyToken), amount: o.buyAmount },
        get: { token: lower(o.sellToken), amount: o.sellAmount },
        hashlock: null,
        counterparty: lower(o.maker),
        lockBlocks: BigInt(o.takerTimelock),
      }
      // Kept before the take goes out: if this tab closes after the maker accepted but before the swap
      // started, the page starts it as it loads again (the node keeps the agreed terms).
      writing.add(approval.swapId)
      approvals.put(approval)
      starting.add(approval.swapId)
      let terms: SwapTerms
      try {
        terms = await api.takeOffer({ take, signature })
        if (!termsMatch(terms, approval))
          throw new MarketAdapterError({
            code: 'TERMS_MISMATCH',
            detail: 'the maker answered other terms than its offer',
          })
      } catch (err) {
        forget(approval.swapId)
        starting.delete(approval.swapId)
        writing.delete(approval.swapId)
        throw err
      }
      try {
        await startWith(terms, approval, o.makerPeer)
      } finally {
        writing.delete(approval.swapId)
      }
      emit({ kind: 'swaps' })
      return terms
    },
    async swaps() {
      const [infos, head] = await Promise.all([api.swaps(), source.head()])
      const swaps = await Promise.all(infos.map((i) => marketSwap(i, head)))
      return swaps.sort((a, b) =>
        a.terms.acceptedHeight === b.terms.acceptedHeight
          ? 0
          : a.terms.acceptedHeight > b.terms.acceptedHeight
            ? -1
            : 1,
      )
    },
    async approveAgain(id) {
      const info = (await api.swaps()).find((i) => lower(i.swapId) === lower(id))
      if (info === undefined || isFinal(info.status.state) || info.terms.chainId !== chainId)
        throw new MarketAdapterError({
          code: 'SWAP_UNKNOWN',
          detail: `${id} is no running swap of this node`,
        })
      const approval = approvalOfTerms(info.terms, info.role)
      const view = wallet.view()
      if (view.state !== 'unlocked')
        throw new MarketAdapterError({ code: 'NO_ACCOUNT', detail: 'unlock the wallet to approve a trade' })
      if (!view.accounts.some((a) => lower(a.address) === approval.account))
        throw new MarketAdapterError({
          code: 'SWAP_NOT_YOURS',
          detail: `${approval.account} is not an account of this wallet`,
        })
      // A maker's approval lets the wallet give its secret: only for the hashlock of this wallet's own.
      if (
        info.role === 'maker' &&
        hashlockOf(wallet.swapSecret(chainId, info.swapId)) !== lower(info.terms.hashlock)
      )
        throw new MarketAdapterError({
          code: 'SWAP_NOT_YOURS',
          detail: "the swap's hashlock is not this wallet's secret",
        })
      approvals.put(approval)
      emit({ kind: 'swaps' })
      // The approval is saved whatever the node answers: at worst its next block steps the trade.
      await api.swapApproved().catch(() => {})
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop() {
      for (const u of unsubscribe) u()
      listeners.clear()
    },
  }
  return source
}
