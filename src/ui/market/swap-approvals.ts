import {
  type Address,
  decodeFunctionData,
  erc20Abi,
  type Hex,
  type TransactionSerializableEIP1559,
} from 'viem'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../node/contracts/addresses'
import { htlcAbi } from '../../node/contracts/htlc/abi'
import { isJsonObject, keepAside, parseJson, saveRecord } from '../../node/profile/local-record'
import type { FeeInfo } from '../../node/worker/queries'
import type { SwapSignRequest } from '../../node/worker/swap-service'
import { MAX_TIMELOCK_BLOCKS } from '../../trade/offers/timelock'
import { SWAP_GAS } from '../../trade/swap/driver'
import { higherFees, maxStepFees } from '../../trade/swap/fees'
import type { SwapRole } from '../../trade/swap/state'
import type { SwapTerms } from '../../trade/swap/terms'

/**
 * The trades the user approved in this tab (posting an offer approves the maker's side, taking one the
 * taker's): what each lets the wallet sign without asking again. The node asks for a swap's lock,
 * redeem and refund transactions and for the maker's secret; the page answers only what an approval
 * covers (`checkSwapRequest`), so the node can never spend more than the user agreed to.
 */
export interface SwapApproval {
  /** The swap id: the offer's id. */
  readonly swapId: Hex
  readonly role: SwapRole
  /** Our account (lower case). */
  readonly account: Address
  /** What our side locks: token (zero address: the native coin) and amount. */
  readonly give: { readonly token: Address; readonly amount: bigint }
  /** What our side receives. */
  readonly get: { readonly token: Address; readonly amount: bigint }
  /** The swap's hashlock; null for a taker until the maker answered the take. */
  readonly hashlock: Hex | null
  /** The other party's account: the recipient of our lock; null until the take is agreed. */
  readonly counterparty: Address | null
  /**
   * The blocks our lock runs, as the offer states (the maker's timelock, or the taker's): the lock's
   * refund height is at most that far above the head. Null in an approval saved before it was kept:
   * such a lock is bounded by the longest timelock an offer may state (`MAX_TIMELOCK_BLOCKS`).
   */
  readonly lockBlocks: bigint | null
}

/**
 * The approval of our `role` in a swap on agreed `terms`, all its fields taken from them: what posting
 * (maker) or taking (taker) the offer approved, once the take completed it (the counterparty, the
 * hashlock). Approving a running swap again (`MarketSource.approveAgain`) writes it. Pure.
 */
export function approvalOfTerms(terms: SwapTerms, role: SwapRole): SwapApproval {
  const low = (a: string): Address => a.toLowerCase() as Address
  const a = { token: low(terms.tokenA), amount: terms.amountA }
  const b = { token: low(terms.tokenB), amount: terms.amountB }
  const maker = role === 'maker'
  return {
    swapId: terms.offerId.toLowerCase() as Hex,
    role,
    account: low(maker ? terms.maker : terms.taker),
    give: maker ? a : b,
    get: maker ? b : a,
    hashlock: terms.hashlock.toLowerCase() as Hex,
    counterparty: low(maker ? terms.taker : terms.maker),
    lockBlocks: maker ? terms.makerTimelockBlocks : terms.takerTimelockBlocks,
  }
}

export interface SwapApprovals {
  get(swapId: Hex): SwapApproval | undefined
  /** The swap ids approved (lower case). */
  ids(): Hex[]
  put(approval: SwapApproval): void
  /** Drops the approvals of `swapIds`, in one write (none when no id is given). */
  remove(...swapIds: Hex[]): void
}

/**
 * Of the approvals `approved` (their ids, read before `live` was), those nothing can use any more: no
 * offer of that id is listed (a maker's offer expired, cancelled or taken; a take that never agreed), no
 * agreement waits for its swap to start, and the node's swap of that id, if any, is done (both locks
 * settled deeper than a reorganisation reaches). An approval put after `approved` was read is not among
 * them, so one written while `live` was read (an offer being posted, an offer being taken) is kept. A swap
 * the node steps again after a reorganisation past its limit and finds without an approval asks the user
 * to approve it again (My trades), as a lost approval does. Pure.
 */
export function unusedApprovals(
  approved: readonly Hex[],
  live: {
    readonly offers: readonly Hex[]
    readonly unstarted: readonly Hex[]
    readonly swaps: readonly { readonly swapId: Hex; readonly action: { readonly kind: string } }[]
  },
): Hex[] {
  const used = new Set(
    [
      ...live.offers,
      ...live.unstarted,
      ...live.swaps.filter((s) => s.action.kind !== 'done').map((s) => s.swapId),
    ].map((id) => id.toLowerCase()),
  )
  return approved.filter((id) => !used.has(id.toLowerCase()))
}

interface StoredApproval {
  readonly swapId: Hex
  readonly role: SwapRole
  readonly account: Address
  readonly give: readonly [Address, string]
  readonly get: readonly [Address, string]
  readonly hashlock: Hex | null
  readonly counterparty: Address | null
  /** Absent in an approval saved before it was kept. */
  readonly lockBlocks?: string | null
}

const toStored = (a: SwapApproval): StoredApproval => ({
  ...a,
  give: [a.give.token, a.give.amount.toString()],
  get: [a.get.token, a.get.amount.toString()],
  lockBlocks: a.lockBlocks === null ? null : a.lockBlocks.toString(),
})

const fromStored = (s: StoredApproval): SwapApproval => ({
  ...s,
  give: { token: s.give[0], amount: BigInt(s.give[1]) },
  get: { token: s.get[0], amount: BigInt(s.get[1]) },
  lockBlocks: s.lockBlocks === undefined || s.lockBlocks === null ? null : BigInt(s.lockBlocks),
})

/** Approvals kept in memory (tests; the app persists them with `storedSwapApprovals`). */
export function memorySwapApprovals(): SwapApprovals {
  const map = new Map<Hex, SwapApproval>()
  return {
    get: (id) => map.get(id.toLowerCase() as Hex),
    ids: () => [...map.keys()],
    put: (a) => map.set(a.swapId.toLowerCase() as Hex, a),
    remove: (...ids) => {
      for (const id of ids) map.delete(id.toLowerCase() as Hex)
    },
  }
}

const ROLES: ReadonlySet<unknown> = new Set<SwapRole>(['maker', 'taker'])
const isHexOf = (value: unknown, chars: number): value is string =>
  typeof value === 'string' && value.length === 2 + chars && /^0x[0-9a-fA-F]*$/.test(value)
const isSide = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.length === 2 &&
  isHexOf(value[0], 40) &&
  typeof value[1] === 'string' &&
  /^\d{1,78}$/.test(value[1])

/**
 * A saved approval as `toStored` wrote it under `id`, or null when it is damaged (edited storage, a bad
 * write, another version's shape): a field missing or of the wrong form, or another swap's id.
 */
function savedApproval(id: string, value: unknown): StoredApproval | null {
  if (!isJsonObject(value)) return null
  const { swapId, role, account, give, get, hashlock, counterparty, lockBlocks } = value
  const valid =
    isHexOf(swapId, 64) &&
    swapId.toLowerCase() === id &&
    ROLES.has(role) &&
    isHexOf(account, 40) &&
    isSide(give) &&
    isSide(get) &&
    (hashlock === null || isHexOf(hashlock, 64)) &&
    (counterparty === null || isHexOf(counterparty, 40)) &&
    (lockBlocks === undefined ||
      lockBlocks === null ||
      (typeof lockBlocks === 'string' && /^\d{1,10}$/.test(lockBlocks)))
  return valid ? (value as unknown as StoredApproval) : null
}

/**
 * Approvals of one profile kept in `storage` (localStorage, `tabchain.swapApprovals.<profile>`), so a
 * reloaded tab still signs the steps of the swaps it approved before (the swap resumes from the node's
 * records and the chain). A damaged approval (or the whole saved text, when it is no JSON object) reads
 * as none — the wallet then refuses that swap's steps, never signs them unasked — and is kept aside, raw,
 * under `keptAsideKey` before the approvals are next written, so no write loses it; `put` and `remove`
 * throw `LocalRecordError` (nothing changed) when the browser refuses to save (full, storage turned off).
 */
export function storedSwapApprovals(storage: Storage, profileId: string): SwapApprovals {
  const key = `tabchain.swapApprovals.${profileId}`
  /** The intact approvals, by id, and the raw texts of the damaged ones. */
  const read = (): { all: Record<string, StoredApproval>; damaged: string[] } => {
    const raw = storage.getItem(key)
    if (raw === null) return { all: {}, damaged: [] }
    const saved = parseJson(raw)
    if (!isJsonObject(saved)) return { all: {}, damaged: [raw] }
    const all: Record<string, StoredApproval> = {}
    const damaged: string[] = []
    for (const [id, value] of Object.entries(saved)) {
      const approval = savedApproval(id, value)
      if (approval === null) damaged.push(JSON.stringify({ [id]: value }))
      else all[id] = approval
    }
    return { all, damaged }
  }
  /** Writes `change` of the intact approvals, the damaged ones kept aside first. */
  const update = (change: (all: Record<string, StoredApproval>) => Record<string, StoredApproval>): void => {
    const { all, damaged } = read()
    if (damaged.length > 0) keepAside(storage, key, damaged)
    saveRecord(storage, key, JSON.stringify(change(all)))
  }
  return {
    get(id) {
      const s = read().all[id.toLowerCase()]
      return s === undefined ? undefined : fromStored(s)
    },
    ids() {
      return Object.keys(read().all) as Hex[]
    },
    put(a) {
      update((all) => ({ ...all, [a.swapId.toLowerCase()]: toStored(a) }))
    },
    remove(...ids) {
      if (ids.length === 0) return
      const gone = new Set(ids.map((id) => id.toLowerCase()))
      update((all) => Object.fromEntries(Object.entries(all).filter(([id]) => !gone.has(id))))
    },
  }
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/**
 * Blocks a lock's refund height may lie beyond the head the page read plus the approved timelock: the
 * engine builds a lock at its head + 1, and the page reads the head after it, so only a reorganisation
 * onto a shorter chain meanwhile puts it lower.
 */
const TIMELOCK_SLACK_BLOCKS = 8n

/** The most gas any swap transaction is signed with: with `maxStepFees`, a cap on what one can cost. */
const MAX_SWAP_GAS = BigInt(Math.max(...Object.values(SWAP_GAS).map(Number)))

/**
 * Why the wallet must not answer `request` under `approval` (null: it may). A secret is given only to
 * the maker of an approved swap, for terms that match what was approved; a transaction is signed only
 * for the approved account on this chain, with at most a swap's gas and fees bounded by the chain's
 * fees (`maxStepFees` of the higher of the next base fee and suggested tip the page reads, `fees`, and
 * those the engine priced the step at, `request.priced`: a full pool's suggested tip falls as soon as
 * one slot frees, and a step priced a moment before must still pass), and only as one of:
 * the ERC20 approval of exactly our amount to the HTLC, the HTLC lock of exactly our token and amount
 * to the counterparty under the swap's hashlock, refundable at most the approved timelock above `head`
 * (the chain's head as the page reads it now; `TIMELOCK_SLACK_BLOCKS` more), or an HTLC redeem or refund
 * (which pay only the lock's recipient or sender, whoever sends them). Pure.
 */
export function checkSwapRequest(
  approval: SwapApproval | undefined,
  request: SwapSignRequest,
  chainId: number,
  fees: FeeInfo,
  head: bigint,
): string | null {
  if (approval === undefined) return 'this tab did not approve this swap'
  if (!same(request.account, approval.account)) return 'not the account that approved this swap'
  if (request.kind === 'secret') {
    const t = request.terms
    if (approval.role !== 'maker') return 'only the maker holds the secret'
    const matches =
      same(t.offerId, approval.swapId) &&
      same(t.maker, approval.account) &&
      same(t.tokenA, approval.give.token) &&
      t.amountA === approval.give.amount &&
      same(t.tokenB, approval.get.token) &&
      t.amountB === approval.get.amount &&
      approval.hashlock !== null &&
      same(t.hashlock, approval.hashlock) &&
      (approval.counterparty === null || same(t.taker, approval.counterparty))
    return matches ? null : 'the terms differ from the approved offer'
  }
  return checkSwapTransaction(approval, request.tx, chainId, higherFees(fees, request.priced), head)
}

function checkSwapTransaction(
  approval: SwapApproval,
  tx: TransactionSerializableEIP1559,
  chainId: number,
  fees: FeeInfo,
  head: bigint,
): string | null {
  if (tx.chainId !== chainId) return 'a transaction for another chain'
  if (tx.gas === undefined || tx.gas > MAX_SWAP_GAS) return 'more gas than a swap step needs'
  // The gas cap alone bounds nothing: 150,000 gas at a fee cap of 6.7e18 wei is ~1,000,000 TAB.
  if (tx.maxFeePerGas === undefined || tx.maxPriorityFeePerGas === undefined)
    return 'a transaction without fees'
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) return 'a tip above the fee cap'
  const bound = maxStepFees(fees)
  if (tx.maxPriorityFeePerGas > bound.maxPriorityFeePerGas || tx.maxFeePerGas > bound.maxFeePerGas)
    return 'higher fees than a swap step offers'
  if (tx.to == null) return 'a transaction without a recipient'
  const value = tx.value ?? 0n
  const data = tx.data ?? '0x'
  const { token, amount } = approval.give
  if (same(tx.to, HTLC_ADDRESS)) {
    let call: ReturnType<typeof decodeFunctionData<typeof htlcAbi>>
    try {
      call = decodeFunctionData({ abi: htlcAbi, data })
    } catch {
      return 'not an HTLC call'
    }
    if (call.functionName === 'redeem' || call.functionName === 'refund')
      return value === 0n ? null : 'a redeem or refund must carry no coin'
    if (call.functionName !== 'lock') return `the HTLC call ${call.functionName} is not a swap step`
    const [lockToken, lockAmount, recipient, hashlock, timelockHeight] = call.args
    if (!same(lockToken, token) || lockAmount !== amount) return 'a lock of another token or amount'
    if (approval.counterparty === null || !same(recipient, approval.counterparty))
      return 'a lock for another recipient'
    if (approval.hashlock === null || !same(hashlock, approval.hashlock))
      return 'a lock under another hashlock'
    const runs = approval.lockBlocks ?? BigInt(MAX_TIMELOCK_BLOCKS)
    if (timelockHeight > head + 1n + runs + TIMELOCK_SLACK_BLOCKS)
      return 'a lock that runs longer than the approved timelock'
    return value === (same(token, ZERO_ADDRESS) ? amount : 0n) ? null : 'a lock carrying the wrong coin value'
  }
  if (!same(token, ZERO_ADDRESS) && same(tx.to, token)) {
    let call: ReturnType<typeof decodeFunctionData<typeof erc20Abi>>
    try {
      call = decodeFunctionData({ abi: erc20Abi, data })
    } catch {
      return 'not a token call'
    }
    if (call.functionName !== 'approve') return `the token call ${call.functionName} is not a swap step`
    const [spender, allowance] = call.args
    if (!same(spender, HTLC_ADDRESS) || allowance !== amount)
      return 'an approval of another spender or amount'
    return value === 0n ? null : 'a token approval must carry no coin'
  }
  return 'a transaction to an address the swap does not use'
}
