import type { Address, Hex } from 'viem'
import { type DecodedTx, decodeTx, recoverSender } from '../chain/tx'
import type { ChainParams, Tx } from '../chain/types'
import { NodeError } from '../rpc/errors'
import { MempoolError } from './errors'
import { SenderCache } from './sender-cache'

/** A decoded transaction whose sender has not been recovered yet. */
export type UnsignedTx = Omit<Tx, 'from'>

/**
 * Transaction decoding split in its cheap and its expensive half, so the pool can refuse most junk before
 * paying for secp256k1 recovery. Both may throw anything; the pool maps failures to `MempoolError`.
 */
export interface TxCodec<U extends UnsignedTx = UnsignedTx> {
  /** Decodes and hashes a raw EIP-1559 transaction without touching the signature's curve point. */
  parse(raw: Hex): U
  /** Recovers the sender of a transaction `parse` returned (the expensive step). */
  recover(parsed: U): Address
}

/** The real codec: chain/tx.ts `decodeTx` (every stateless check) and `recoverSender` (secp256k1). */
export function txCodec(params: ChainParams): TxCodec<DecodedTx> {
  return {
    parse: (raw) => decodeTx(raw, params),
    recover: recoverSender,
  }
}

/** What the pool needs to know about the canonical head. */
export interface MempoolView {
  /** Base fee of the next block. */
  readonly baseFee: bigint
  nonce(address: Address): bigint
  balance(address: Address): bigint
}

export interface MempoolInit {
  readonly params: ChainParams
  /** Defaults to `txCodec(params)`. */
  readonly codec?: TxCodec
  /** Shared with block import; a fresh one by default. */
  readonly senders?: SenderCache
  /**
   * Pending transactions per sender (go-ethereum: 16), held as a nonce window: only nonces in
   * [account nonce, account nonce + maxPerSender) are admitted, and `onHead` evicts those a new head
   * leaves outside it.
   */
  readonly maxPerSender?: number
  /**
   * Transactions per sender that wait behind a nonce gap (go-ethereum's "queued": not mineable until the
   * gap fills, so never paid for); more are refused `MEMPOOL_NONCE_GAP`.
   */
  readonly maxGappedPerSender?: number
  /** Capacity in slots of `TX_SLOT_BYTES` (go-ethereum: 5,120 slots; a small transaction is one slot). */
  readonly maxTotal?: number
  /**
   * Slots of `maxTotal` that transactions waiting behind a nonce gap may take (go-ethereum's global queue:
   * 1,024). Past it a gapped transaction only takes the place of a gapped one it outbids.
   */
  readonly maxGapped?: number
  /** Smallest gas limit worth admitting (a plain transfer). */
  readonly minGas?: bigint
  /** Replacement needs both fee fields raised by at least this percentage (go-ethereum: 10). */
  readonly priceBumpPercent?: bigint
}

export const MAX_PER_SENDER = 16
/** Default `priceBumpPercent` (go-ethereum's): what a replacement must add to both fee fields. */
export const PRICE_BUMP_PERCENT = 10n
export const MAX_TOTAL = 5_120
/** Default `maxGappedPerSender`: half the nonce window, room for transactions gossiped out of order. */
export const MAX_GAPPED_PER_SENDER = 8
/** Default `maxGapped` (go-ethereum's `GlobalQueue`). */
export const MAX_GAPPED = 1_024
/** The tip (wei per gas) suggested while the pool has room (1 gwei): the wallet's and swaps' default. */
export const MIN_SUGGESTED_TIP = 10n ** 9n
/**
 * Transactions are counted in 32 KiB slots, as go-ethereum does, so that the total cap bounds memory too
 * (5,120 slots ≤ 160 MiB) and not just the count.
 */
export const TX_SLOT_BYTES = 32 * 1024

function slotsOf(raw: Hex): number {
  return Math.max(1, Math.ceil((raw.length - 2) / 2 / TX_SLOT_BYTES))
}

interface Entry {
  readonly tx: Tx
  readonly slots: number
  /** Insertion order, the last tie-breaker so that ordering never depends on hash values. */
  readonly seq: number
}

/** What of a sender's transactions waits behind a nonce gap. */
interface Gap {
  /** The sender's next executable nonce: the first one from its account nonce the pool does not hold. */
  readonly next: bigint
  readonly count: number
  readonly slots: number
}

/** `min(maxPriorityFeePerGas, maxFeePerGas − baseFee)`; negative when the fee cap is below the base fee. */
export function effectiveTip(tx: Pick<Tx, 'maxFeePerGas' | 'maxPriorityFeePerGas'>, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee
  if (room < tx.maxPriorityFeePerGas) return room
  return tx.maxPriorityFeePerGas
}

/**
 * Pending transactions waiting to be mined.
 *
 * Admission runs the cheap checks (size, decoding, chain id, fee floor, gas bounds, already known, pool
 * full and underpriced unless it may be a fee bump) before sender recovery, then the per-sender ones
 * (nonce window, which is the per-sender cap; balance for the max cost; replacement; the gapped caps).
 * Ordering for block building is by effective tip, then nonce, nonce-contiguous per sender from the
 * account's current nonce.
 *
 * As go-ethereum separates "pending" from "queued" transactions, the pool tells executable ones (the
 * nonce-contiguous run from the account nonce) from gapped ones (past a nonce it lacks): those may never be
 * mined, so never paid for, and a peer could otherwise fill the pool with them for free. Gapped ones are
 * capped per sender and in total, a full pool evicts them first (for any executable transaction,
 * whatever they tip), they never evict an executable one, and they do not count in `suggestedTip`. One
 * becomes executable as soon as its gap fills.
 */
export class Mempool {
  readonly senders: SenderCache
  /** How many secp256k1 recoveries admission has performed (for tests and metrics). */
  recoveries = 0
  private readonly params: ChainParams
  private readonly codec: TxCodec
  private readonly maxPerSender: number
  private readonly maxGappedPerSender: number
  private readonly maxTotal: number
  private readonly maxGapped: number
  private readonly minGas: bigint
  private readonly bump: bigint
  private readonly byHash = new Map<Hex, Entry>()
  private readonly bySender = new Map<Address, Map<bigint, Entry>>()
  /** The senders holding gapped transactions; kept by `recount` whenever a sender's set or nonce changes. */
  private readonly gaps = new Map<Address, Gap>()
  private view: MempoolView
  private seq = 0
  private slotsUsed = 0
  private gappedSlots = 0

  /** @param view the canonical head as seen now; follow it with `onHead`. */
  constructor(init: MempoolInit, view: MempoolView) {
    this.params = init.params
    this.codec = init.codec ?? txCodec(init.params)
    this.senders = init.senders ?? new SenderCache()
    this.maxPerSender = init.maxPerSender ?? MAX_PER_SENDER
    this.maxGappedPerSender = init.maxGappedPerSender ?? MAX_GAPPED_PER_SENDER
    this.maxTotal = init.maxTotal ?? MAX_TOTAL
    this.maxGapped = init.maxGapped ?? MAX_GAPPED
    this.minGas = init.minGas ?? 21_000n
    this.bump = init.priceBumpPercent ?? PRICE_BUMP_PERCENT
    this.view = view
  }

  /** Number of pending transactions. */
  get size(): number {
    return this.byHash.size
  }

  /** Slots in use (see `TX_SLOT_BYTES`); at most `maxTotal`. */
  get slots(): number {
    return this.slotsUsed
  }

  /**
   * A tip (wei per gas) a new executable one-slot transaction enters with: `MIN_SUGGESTED_TIP` while a
   * slot is free or held by a gapped transaction (which it evicts whatever that tips); in a pool full of
   * executable ones, `priceBumpPercent` above the effective tip of the one it would evict first (one at
   * or below that is refused `MEMPOOL_UNDERPRICED`, and the margin keeps the next arrival that tips a
   * little more from evicting it at once), if that is more. Gapped transactions never raise it.
   */
  suggestedTip(): bigint {
    if (this.slotsUsed - this.gappedSlots < this.maxTotal) return MIN_SUGGESTED_TIP
    const lowest = this.evictionCandidate(new Set(), false)
    if (lowest === undefined) return MIN_SUGGESTED_TIP
    const above = (this.tipOf(lowest) * (100n + this.bump) + 99n) / 100n
    return above > MIN_SUGGESTED_TIP ? above : MIN_SUGGESTED_TIP
  }

  /** True if a transaction with this hash is pending. */
  has(hash: Hex): boolean {
    return this.byHash.has(hash)
  }

  /** A pending transaction by hash. */
  get(hash: Hex): Tx | undefined {
    return this.byHash.get(hash)?.tx
  }

  /**
   * Admits a raw transaction; returns it decoded with its sender. Throws `MempoolError`. A replaced or
   * evicted transaction simply leaves the pool.
   */
  add(raw: Hex): Tx {
    return this.admit(raw, true)
  }

  /**
   * `add`; without `evict`, the pool takes the transaction in whether it has room or not (`onHead`
   * returning orphans, which brings the pool back within its caps after the batch).
   */
  private admit(raw: Hex, evict: boolean): Tx {
    // Cheap checks first: none of these needs the sender.
    const size = (raw.length - 2) / 2
    if (size > this.params.maxTxBytes) {
      throw new MempoolError({ code: 'MEMPOOL_TX_TOO_LARGE', size, max: this.params.maxTxBytes })
    }
    let u: UnsignedTx
    try {
      u = this.codec.parse(raw)
    } catch (err) {
      if (err instanceof NodeError) {
        throw new MempoolError({ code: 'MEMPOOL_INVALID_TX', txCode: err.type.code, reason: err.message })
      }
      throw new MempoolError({
        code: 'MEMPOOL_MALFORMED',
        reason: err instanceof Error ? err.message : 'undecodable',
      })
    }
    if (u.chainId !== this.params.chainId) {
      throw new MempoolError({ code: 'MEMPOOL_WRONG_CHAIN', expected: this.params.chainId, got: u.chainId })
    }
    if (u.maxFeePerGas < this.params.minBaseFee) {
      throw new MempoolError({
        code: 'MEMPOOL_FEE_TOO_LOW',
        maxFeePerGas: u.maxFeePerGas,
        floor: this.params.minBaseFee,
      })
    }
    if (u.maxPriorityFeePerGas > u.maxFeePerGas) {
      throw new MempoolError({
        code: 'MEMPOOL_TIP_ABOVE_FEE',
        maxPriorityFeePerGas: u.maxPriorityFeePerGas,
        maxFeePerGas: u.maxFeePerGas,
      })
    }
    if (u.gas < this.minGas || u.gas > this.params.blockGasLimit) {
      throw new MempoolError({
        code: 'MEMPOOL_BAD_GAS',
        gas: u.gas,
        min: this.minGas,
        max: this.params.blockGasLimit,
      })
    }
    if (this.byHash.has(u.hash)) throw new MempoolError({ code: 'MEMPOOL_KNOWN', hash: u.hash })
    const tip = effectiveTip(u, this.view.baseFee)
    const slots = slotsOf(raw)
    // A pool full even without its gapped transactions takes one in place of cheaper executable ones
    // only (a gapped one not even that), unless it replaces one of its sender's in as many slots (a fee
    // bump needs no room). Its sender is not known yet: the refusal before recovery spares a transaction
    // that would outbid a held one of the same nonce.
    if (evict && this.slotsUsed - this.gappedSlots + slots > this.maxTotal) {
      const lowest = this.evictionCandidate(new Set(), false)
      // The scan for a held transaction it may replace runs only for one the pool would refuse.
      if (lowest !== undefined && tip <= this.tipOf(lowest) && !this.mayReplace(u, slots)) {
        throw new MempoolError({ code: 'MEMPOOL_UNDERPRICED', tip, lowest: this.tipOf(lowest) })
      }
    }

    const from = this.sender(u)
    const tx: Tx = {
      hash: u.hash,
      raw: u.raw,
      from,
      chainId: u.chainId,
      nonce: u.nonce,
      maxPriorityFeePerGas: u.maxPriorityFeePerGas,
      maxFeePerGas: u.maxFeePerGas,
      gas: u.gas,
      to: u.to,
      value: u.value,
      data: u.data,
    }
    const stateNonce = this.view.nonce(from)
    if (tx.nonce < stateNonce) {
      throw new MempoolError({ code: 'MEMPOOL_NONCE_TOO_LOW', expected: stateNonce, got: tx.nonce })
    }
    // The window is as wide as the per-sender cap and `onHead` keeps every held nonce inside it, so the
    // window alone bounds a sender's count: a nonce it lets in is free or held (a replacement).
    if (tx.nonce >= stateNonce + BigInt(this.maxPerSender)) {
      throw new MempoolError({
        code: 'MEMPOOL_NONCE_TOO_HIGH',
        expected: stateNonce,
        got: tx.nonce,
        window: this.maxPerSender,
      })
    }
    const need = tx.gas * tx.maxFeePerGas + tx.value
    const have = this.view.balance(from)
    if (need > have) throw new MempoolError({ code: 'MEMPOOL_INSUFFICIENT_FUNDS', need, have })

    const existing = this.bySender.get(from)?.get(tx.nonce)
    if (existing !== undefined) {
      const { minMaxFee, minTip } = this.replacementFloor(existing)
      if (tx.maxFeePerGas < minMaxFee || tx.maxPriorityFeePerGas < minTip) {
        throw new MempoolError({
          code: 'MEMPOOL_REPLACEMENT_UNDERPRICED',
          nonce: tx.nonce,
          minMaxFee,
          minTip,
        })
      }
    }
    // A replacement holds a nonce the pool holds: it is gapped exactly when the one it replaces is.
    const next = this.nextNonce(from)
    const waitsFor = tx.nonce > next ? next : null
    if (
      waitsFor !== null &&
      existing === undefined &&
      (this.gaps.get(from)?.count ?? 0) >= this.maxGappedPerSender
    ) {
      throw new MempoolError({ code: 'MEMPOOL_NONCE_GAP', expected: next, got: tx.nonce })
    }
    if (evict)
      for (const victim of this.victimsFor(tx, tip, slots, existing, waitsFor)) this.remove(victim.tx.hash)
    if (existing !== undefined) this.remove(existing.tx.hash)
    this.insert(tx, slots)
    return tx
  }

  /** Removes a transaction by hash; true if it was pending. */
  remove(hash: Hex): boolean {
    const e = this.byHash.get(hash)
    if (e === undefined) return false
    this.byHash.delete(hash)
    this.slotsUsed -= e.slots
    const own = this.bySender.get(e.tx.from)
    own?.delete(e.tx.nonce)
    if (own?.size === 0) this.bySender.delete(e.tx.from)
    this.recount(e.tx.from)
    return true
  }

  /**
   * Follows a new canonical head: drops the transactions it mined, every transaction whose nonce is
   * now outside its sender's window — used, or, when a reorg moved the account nonce back, at or beyond
   * account nonce + `maxPerSender` — and every one its sender can no longer pay for (gas × fee cap +
   * value above the balance: a reorg took out the transfer that funded it; go-ethereum drops these too,
   * else it would wait for ever and hold back the sender's later nonces), then re-admits the transactions
   * of blocks a reorg orphaned (their senders are cached, so this costs no recovery). Orphans that no
   * longer fit (nonce used on the new branch, funds gone) are dropped silently, as evicted transactions
   * are. They all come back before anything is evicted for them: one returned early (the block order)
   * would otherwise evict, as gapped, a transaction that a later one's return makes executable again.
   * Last, the caps: gapped transactions past the gapped caps are evicted (a reorg that moved nonces back
   * and did not return what fills the gaps leaves more waiting than admission lets in), then, while the
   * pool holds more than `maxTotal` slots, the next one `add` would evict (gapped ones first, then the
   * lowest tip). Returns the orphans it took back in (and still holds).
   */
  onHead(view: MempoolView, mined: readonly Hex[] = [], orphaned: readonly Hex[] = []): Tx[] {
    this.view = view
    for (const h of mined) this.remove(h)
    for (const [from, own] of [...this.bySender]) {
      const low = view.nonce(from)
      // Above the window are nonces that can only be mined after the ones a reorg gave back: left in,
      // they would fill the sender's cap and keep those executable orphans out for good.
      const high = low + BigInt(this.maxPerSender)
      const balance = view.balance(from)
      for (const [nonce, e] of [...own])
        if (nonce < low || nonce >= high || e.tx.gas * e.tx.maxFeePerGas + e.tx.value > balance)
          this.remove(e.tx.hash)
    }
    // The account nonces moved: what is executable and what waits is counted again.
    for (const from of [...this.bySender.keys()]) this.recount(from)
    const back: Tx[] = []
    for (const raw of orphaned) {
      try {
        back.push(this.admit(raw, false))
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err
      }
    }
    this.trimGapped()
    while (this.slotsUsed > this.maxTotal) {
      const victim = this.evictionCandidate(new Set(), true) ?? this.evictionCandidate(new Set(), false)
      if (victim === undefined) break
      this.remove(victim.tx.hash)
    }
    return back.filter((tx) => this.byHash.has(tx.hash))
  }

  /**
   * Executable transactions in block-building order: by effective tip at `baseFee` (highest first), then
   * nonce, then arrival; per sender only the nonce-contiguous run from the account nonce, stopping at the
   * first one whose fee cap is below `baseFee`.
   */
  pending(baseFee: bigint = this.view.baseFee): Tx[] {
    const queues: Tx[][] = []
    for (const [from, own] of this.bySender) {
      const run: Tx[] = []
      for (let n = this.view.nonce(from); ; n++) {
        const e = own.get(n)
        if (e === undefined || e.tx.maxFeePerGas < baseFee) break
        run.push(e.tx)
      }
      if (run.length > 0) queues.push(run)
    }
    const heads = new Heap<{ q: Tx[]; i: number; tip: bigint; seq: number }>((a, b) => {
      if (a.tip !== b.tip) return a.tip > b.tip
      const an = (a.q[a.i] as Tx).nonce
      const bn = (b.q[b.i] as Tx).nonce
      if (an !== bn) return an < bn
      return a.seq < b.seq
    })
    const push = (q: Tx[], i: number): void => {
      const tx = q[i]
      if (tx === undefined) return
      heads.push({ q, i, tip: effectiveTip(tx, baseFee), seq: this.byHash.get(tx.hash)?.seq ?? 0 })
    }
    for (const q of queues) push(q, 0)
    const out: Tx[] = []
    for (let h = heads.pop(); h !== undefined; h = heads.pop()) {
      out.push(h.q[h.i] as Tx)
      push(h.q, h.i + 1)
    }
    return out
  }

  /**
   * Every transaction held, executable or waiting for an earlier nonce: each sender's by nonce, so a
   * peer admitting them in this order never sees a gap it could have filled (the pool exchange on link).
   */
  all(): Tx[] {
    return [...this.bySender.values()].flatMap((own) =>
      [...own.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : 1)).map((e) => e.tx),
    )
  }

  private sender(parsed: UnsignedTx): Address {
    const cached = this.senders.get(parsed.hash)
    if (cached !== undefined) return cached
    let from: Address
    try {
      this.recoveries++
      from = this.codec.recover(parsed)
    } catch (err) {
      throw new MempoolError({
        code: 'MEMPOOL_BAD_SIGNATURE',
        reason: err instanceof Error ? err.message : 'unrecoverable signature',
      })
    }
    this.senders.set(parsed.hash, from)
    return from
  }

  private insert(tx: Tx, slots: number): void {
    const e: Entry = { tx, slots, seq: this.seq++ }
    this.byHash.set(tx.hash, e)
    this.slotsUsed += slots
    let own = this.bySender.get(tx.from)
    if (own === undefined) {
      own = new Map()
      this.bySender.set(tx.from, own)
    }
    own.set(tx.nonce, e)
    this.recount(tx.from)
  }

  /** The first nonce from `from`'s account nonce that the pool does not hold: its next executable one. */
  private nextNonce(from: Address): bigint {
    const own = this.bySender.get(from)
    let n = this.view.nonce(from)
    while (own?.has(n) === true) n++
    return n
  }

  /** Counts again what of `from`'s transactions waits behind a nonce gap. */
  private recount(from: Address): void {
    const old = this.gaps.get(from)
    if (old !== undefined) {
      this.gappedSlots -= old.slots
      this.gaps.delete(from)
    }
    const own = this.bySender.get(from)
    if (own === undefined) return
    const next = this.nextNonce(from)
    let count = 0
    let slots = 0
    for (const e of own.values()) {
      if (e.tx.nonce <= next) continue
      count++
      slots += e.slots
    }
    if (count === 0) return
    this.gaps.set(from, { next, count, slots })
    this.gappedSlots += slots
  }

  /** Evicts gapped transactions past the caps: each sender's highest nonces, then the pool's cheapest. */
  private trimGapped(): void {
    for (const [from, gap] of [...this.gaps]) {
      const own = [...(this.bySender.get(from)?.values() ?? [])].sort((a, b) =>
        a.tx.nonce > b.tx.nonce ? -1 : 1,
      )
      for (const e of own.slice(0, Math.max(0, gap.count - this.maxGappedPerSender))) this.remove(e.tx.hash)
    }
    while (this.gappedSlots > this.maxGapped) {
      const victim = this.evictionCandidate(new Set(), true)
      if (victim === undefined) break
      this.remove(victim.tx.hash)
    }
  }

  /** The fees a replacement of `e` must reach: both fields raised by `priceBumpPercent`, rounded up. */
  private replacementFloor(e: Entry): { minMaxFee: bigint; minTip: bigint } {
    return {
      minMaxFee: (e.tx.maxFeePerGas * (100n + this.bump) + 99n) / 100n,
      minTip: (e.tx.maxPriorityFeePerGas * (100n + this.bump) + 99n) / 100n,
    }
  }

  /**
   * True when `u`, taking `slots`, would be a valid replacement of some held transaction of its nonce
   * in at least as many slots, were that one its sender's (which only recovery tells).
   */
  private mayReplace(u: UnsignedTx, slots: number): boolean {
    for (const own of this.bySender.values()) {
      const e = own.get(u.nonce)
      if (e === undefined || e.slots < slots) continue
      const { minMaxFee, minTip } = this.replacementFloor(e)
      if (u.maxFeePerGas >= minMaxFee && u.maxPriorityFeePerGas >= minTip) return true
    }
    return false
  }

  private tipOf(e: Entry): bigint {
    return effectiveTip(e.tx, this.view.baseFee)
  }

  /**
   * What must leave for `tx` (taking `slots`, replacing `existing` if set; gapped when `waitsFor`, its
   * sender's next executable nonce, is set) to fit, chosen without changing anything: repeatedly a gapped
   * eviction candidate of another sender, then, for an executable `tx` only, an executable one. Throws
   * (pool unchanged) `MEMPOOL_UNDERPRICED` when a victim pays at least `tip` (a gapped victim of an
   * executable `tx` pays nothing that counts: it may never be mined), or is the sender's own predecessor
   * (evicting it would strand `tx` behind a nonce gap); `MEMPOOL_NONCE_GAP` when a gapped `tx` would
   * need an executable one evicted.
   */
  private victimsFor(
    tx: Tx,
    tip: bigint,
    slots: number,
    existing: Entry | undefined,
    waitsFor: bigint | null,
  ): Entry[] {
    const gone = new Set<Hex>()
    const victims: Entry[] = []
    let free = this.maxTotal - this.slotsUsed + (existing?.slots ?? 0)
    // A gapped one must fit the gapped room too (a replacement frees its own there).
    let gappedFree =
      waitsFor === null
        ? Number.POSITIVE_INFINITY
        : this.maxGapped - this.gappedSlots + (existing?.slots ?? 0)
    if (existing !== undefined) gone.add(existing.tx.hash)
    while (free < slots || gappedFree < slots) {
      // The sender's own gapped ones are spared: behind `tx`, they wait for it or become executable with it.
      let victim = this.evictionCandidate(gone, true, tx.from)
      if (waitsFor !== null) {
        if (victim === undefined) {
          throw new MempoolError({ code: 'MEMPOOL_NONCE_GAP', expected: waitsFor, got: tx.nonce })
        }
        const lowest = this.tipOf(victim)
        if (lowest >= tip) throw new MempoolError({ code: 'MEMPOOL_UNDERPRICED', tip, lowest })
        gappedFree += victim.slots
      } else if (victim === undefined) {
        victim = this.evictionCandidate(gone, false)
        if (victim === undefined) break
        const lowest = this.tipOf(victim)
        if (lowest >= tip || (victim.tx.from === tx.from && victim.tx.nonce < tx.nonce)) {
          throw new MempoolError({ code: 'MEMPOOL_UNDERPRICED', tip, lowest })
        }
      }
      gone.add(victim.tx.hash)
      victims.push(victim)
      free += victim.slots
    }
    return victims
  }

  /**
   * The gapped or the executable transaction to evict next (ignoring those in `gone` and the sender
   * `spare`'s): the lowest-tip one among each sender's highest remaining nonce of that kind, so that
   * eviction never opens a nonce gap in front of a sender's remaining executable transactions. Ties evict
   * the newest.
   */
  private evictionCandidate(gone: ReadonlySet<Hex>, gapped: boolean, spare?: Address): Entry | undefined {
    let worst: Entry | undefined
    for (const from of gapped ? this.gaps.keys() : this.bySender.keys()) {
      const own = this.bySender.get(from)
      if (own === undefined || from === spare) continue
      // Looked up once per sender: this scan runs for every transaction a full pool weighs.
      const next = this.gaps.get(from)?.next
      let last: Entry | undefined
      for (const e of own.values()) {
        if (gone.has(e.tx.hash) || (next !== undefined && e.tx.nonce > next) !== gapped) continue
        if (last === undefined || e.tx.nonce > last.tx.nonce) last = e
      }
      if (last === undefined) continue
      if (worst === undefined) {
        worst = last
        continue
      }
      const a = this.tipOf(last)
      const b = this.tipOf(worst)
      if (a < b || (a === b && last.seq > worst.seq)) worst = last
    }
    return worst
  }
}

/** Minimal binary heap; `before(a, b)` is true when `a` must come out first. */
class Heap<T> {
  private readonly items: T[] = []

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  push(item: T): void {
    const a = this.items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.before(a[i] as T, a[p] as T)) break
      ;[a[i], a[p]] = [a[p] as T, a[i] as T]
      i = p
    }
  }

  pop(): T | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length === 0 || last === undefined) return top
    a[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < a.length && this.before(a[l] as T, a[m] as T)) m = l
      if (r < a.length && this.before(a[r] as T, a[m] as T)) m = r
      if (m === i) break
      ;[a[i], a[m]] = [a[m] as T, a[i] as T]
      i = m
    }
    return top
  }
}
