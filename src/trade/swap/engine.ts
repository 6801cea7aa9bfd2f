import type { Address, Hex } from 'viem'
import type { FeeInfo } from '../../node/worker/queries'
import {
  chainEvents,
  confirmationsOf,
  lockMismatch,
  type ObservedLock,
  type SwapChainView,
} from './chain-view'
import { replacementFees, type StepFees, signedFees } from './fees'
import {
  type CancelReason,
  foldSwap,
  isFinal,
  type SendPurpose,
  type SentTx,
  type SwapEvent,
  type SwapRole,
  type SwapStatus,
} from './state'
import { LOCK_WINDOW_BLOCKS, REDEEM_MARGIN_BLOCKS, type SwapTerms, WATCHTOWER_BLOCKS } from './terms'

/** How many times a transaction of one purpose may revert before the engine stops retrying it. */
export const MAX_ATTEMPTS = 3

/**
 * Blocks a transaction of ours may stay pending, though its fee cap covers the base fee, before it is
 * signed again with a higher tip (outbid in full blocks, or lost by the pools that mine).
 */
export const REPLACE_AFTER_BLOCKS = 5n

/** The parameters of an HTLC `lock` call. */
export interface LockCall {
  readonly token: Address
  readonly amount: bigint
  readonly recipient: Address
  readonly hashlock: Hex
  readonly timelockHeight: bigint
}

/** The `wait` reason of a maker whose redeem is due but who has no secret (`EngineInput.secret` null). */
export const WAITS_FOR_SECRET = 'the wallet must be unlocked to redeem'

/** What the engine asks the driver to do next. */
export type SwapAction =
  /** Nothing to do until the chain moves. */
  | { readonly kind: 'wait'; readonly reason: string }
  /** Store this decision (no transaction). */
  | { readonly kind: 'record'; readonly event: Extract<SwapEvent, { kind: 'cancelled' | 'expired' }> }
  /** Sign and send a lock (after an ERC20 approval when needed); store first. */
  | { readonly kind: 'lock'; readonly call: LockCall }
  /**
   * Sign and send `redeem(lockId, preimage)`; store first. `watchtower`: on the recipient's behalf (the
   * HTLC pays the recipient whoever calls).
   */
  | { readonly kind: 'redeem'; readonly lockId: Hex; readonly preimage: Hex; readonly watchtower: boolean }
  /** Sign and send `refund(lockId)`; store first. */
  | { readonly kind: 'refund'; readonly lockId: Hex }
  /** Broadcast again transactions stored earlier that never reached the chain (same nonces, same bytes). */
  | { readonly kind: 'rebroadcast'; readonly purpose: SendPurpose; readonly txs: readonly SentTx[] }
  /**
   * Sign again, with `fees`, the stored transactions `txs` (same nonces, same calls) that wait in the
   * pool, or vanished from it: their fee cap fell below the base fee, they waited
   * `REPLACE_AFTER_BLOCKS` in the pool, or a full pool refused them for their tip. Store first.
   */
  | {
      readonly kind: 'replace'
      readonly purpose: SendPurpose
      readonly lockId: Hex | null
      readonly txs: readonly SentTx[]
      readonly fees: StepFees
      /** The chain's fees `fees` were priced at. */
      readonly priced: FeeInfo
    }
  /** The swap is over for this party. */
  | { readonly kind: 'done' }

export interface EngineInput {
  readonly role: SwapRole
  readonly terms: SwapTerms
  /** This party's stored events, in order (they start with `accepted`, after `opened` for the maker). */
  readonly stored: readonly SwapEvent[]
  readonly view: SwapChainView
  /** Confirmations (k) a lock needs before the other party acts on it (genesis `confirmations`). */
  readonly confirmations: number
  /**
   * The deepest reorg the chain takes (genesis `maxReorgDepth`): a block with more confirmations than
   * this can no longer be taken out, and a swap is `done` only once its redeems and refunds are.
   */
  readonly maxReorgDepth: number
  /** Maker: the secret, when the wallet can give it now (null while it is locked). */
  readonly secret: Hex | null
  /** Redeem for the counterparty near its timelock when we know the secret (default on). */
  readonly watchtower: boolean
}

export interface Decision {
  readonly status: SwapStatus
  readonly action: SwapAction
}

const wait = (reason: string): SwapAction => ({ kind: 'wait', reason })

/** The `wait` reason of a swap whose redeems and refunds are all mined, not yet past the deepest reorg. */
export const SETTLED_WAIT = 'settled: waiting for confirmations'

/**
 * Whether `action` is `settled`'s: the swap's redeems and refunds are mined and it waits for their depth
 * (`SETTLED_WAIT`), or is done. A decision reaches it from the locks, the stored events and the head
 * alone, never from the transactions, nonce, fees or pool of the view.
 */
export const isSettled = (action: SwapAction): boolean =>
  action.kind === 'done' || (action.kind === 'wait' && action.reason === SETTLED_WAIT)

type SentEvent = Extract<SwapEvent, { kind: 'sent' }>

/**
 * Decides the next step of one party's swap from its stored events and the chain at one head. Pure:
 * no clock (heights only), no IO; the same input always gives the same action, so a node that lost its
 * memory recomputes exactly where it is. A refused step is a `record` of why (the maker's lock differs
 * from the terms, a window passed), never an exception; an illegal stored history throws `SwapError`.
 *
 * A transaction mined at the next block sees `blockNumber = head + 1`: a redeem is valid there while
 * `head + 1 < timelockHeight`, a refund once `head + 1 >= timelockHeight`.
 */
export function decide(input: EngineInput): Decision {
  const { role, terms, view } = input
  const status = foldSwap(role, input.stored, chainEvents(role, terms, view))
  return { status, action: nextAction(input, status) }
}

function nextAction(input: EngineInput, status: SwapStatus): SwapAction {
  const { role, view } = input
  const own = role === 'maker' ? view.makerLock : view.takerLock
  const next = view.head + 1n
  // Ours back past the timelock, whatever else happened (the rule that makes every swap end).
  if (own !== null && own.state === 'locked' && next >= own.timelockHeight) {
    return send(input, 'refund', own.id, { kind: 'refund', lockId: own.id })
  }
  const watch = watchtower(input)
  if (watch !== null) return watch
  if (isFinal(status.state))
    return own?.state === 'locked' ? wait('our lock awaits its timelock') : settled(input)
  return role === 'maker' ? makerStep(input, own) : takerStep(input, own)
}

function makerStep(input: EngineInput, own: ObservedLock | null): SwapAction {
  const { terms, view } = input
  const next = view.head + 1n
  if (own === null) {
    if (next > terms.acceptedHeight + LOCK_WINDOW_BLOCKS) {
      // A lock we sent may still be on its way: only give up when nothing of ours is live.
      const live = liveIntent(input, 'lock', null)
      if (live !== null) return live
      return record({ kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } })
    }
    return send(input, 'lock', null, {
      kind: 'lock',
      call: {
        token: terms.tokenA,
        amount: terms.amountA,
        recipient: terms.taker,
        hashlock: terms.hashlock,
        timelockHeight: next + terms.makerTimelockBlocks,
      },
    })
  }
  const taker = view.takerLock
  if (taker === null) return wait('waiting for the taker to lock')
  if (lockMismatch(terms, 'taker', taker) !== null)
    return wait('the taker locked other terms: refunding after our timelock')
  if (taker.state === 'redeemed') {
    return own.state === 'locked' ? wait('secret revealed: waiting for the taker to redeem') : settled(input)
  }
  if (taker.state !== 'locked') return wait('the taker refunded: refunding after our timelock')
  // Our lock redeemed: the secret is public (the taker took it from our redeem in the mempool, say, and
  // that redeem was then lost). The margins below protect a secret that is out already; waiting would
  // only let the taker refund and keep both sides. Redeem, or send the stored redeem again, while it can
  // still land, with the preimage the chain gives us (no unlocked wallet needed).
  if (own.state === 'redeemed' && own.preimage !== null) {
    if (next >= taker.timelockHeight) return wait('the taker lock can no longer be redeemed')
    return send(input, 'redeem', taker.id, {
      kind: 'redeem',
      lockId: taker.id,
      preimage: own.preimage,
      watchtower: false,
    })
  }
  // A redeem of ours already out showed the secret to every pool: the margin below guards a first reveal
  // only. That redeem is seen through (waited for, sent again, its fees raised) while it can land. One
  // storage refused to record is known from our pool only (its signing height unknown: signed again
  // once the base fee passes its cap), and signed anew once it left the pool unmined.
  if (next < taker.timelockHeight) {
    const live = liveIntent(input, 'redeem', taker.id)
    if (live !== null) return live
    const unrecorded = view.redeemsOut.get(taker.id)
    if (unrecorded !== undefined) {
      const pooled =
        unrecorded === null
          ? null
          : liveIntent(input, 'redeem', taker.id, { txs: [unrecorded], height: view.head })
      return pooled ?? redeemWith(input, taker.id)
    }
  }
  if (confirmationsOf(taker, view.head) < BigInt(input.confirmations)) return wait('taker lock confirming')
  // Redeem (revealing the secret) only while our redeem surely lands before the taker's timelock and
  // the taker still has time to use the secret before ours.
  if (
    next + REDEEM_MARGIN_BLOCKS >= taker.timelockHeight ||
    next + REDEEM_MARGIN_BLOCKS >= own.timelockHeight
  ) {
    return wait('too late to redeem safely: refunding after our timelock')
  }
  return redeemWith(input, taker.id)
}

/** Maker: redeem the taker's lock `lockId` with the secret, once the wallet gives it. */
function redeemWith(input: EngineInput, lockId: Hex): SwapAction {
  if (input.secret === null) return wait(WAITS_FOR_SECRET)
  return send(input, 'redeem', lockId, { kind: 'redeem', lockId, preimage: input.secret, watchtower: false })
}

function takerStep(input: EngineInput, own: ObservedLock | null): SwapAction {
  const { terms, view } = input
  const next = view.head + 1n
  const maker = view.makerLock
  if (own === null) {
    const live = liveIntent(input, 'lock', null)
    if (live !== null) return live
    if (maker === null) {
      if (next > terms.acceptedHeight + LOCK_WINDOW_BLOCKS)
        return record({ kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } })
      return wait('waiting for the maker to lock')
    }
    const mismatch = lockMismatch(terms, 'maker', maker)
    if (mismatch !== null)
      return record({ kind: 'cancelled', reason: { code: 'LOCK_MISMATCH', ...mismatch } })
    if (maker.state !== 'locked')
      return record({
        kind: 'expired',
        reason: { code: 'MAKER_LOCK_TOO_CLOSE', timelockHeight: maker.timelockHeight, needed: next },
      })
    if (confirmationsOf(maker, view.head) < BigInt(input.confirmations)) return wait('maker lock confirming')
    // After our lock expires we need about as long again to redeem the maker's with the secret.
    const ours = next + terms.takerTimelockBlocks
    const needed = ours + terms.takerTimelockBlocks
    if (maker.timelockHeight < needed) {
      return record({
        kind: 'expired',
        reason: { code: 'MAKER_LOCK_TOO_CLOSE', timelockHeight: maker.timelockHeight, needed },
      })
    }
    return send(input, 'lock', null, {
      kind: 'lock',
      call: {
        token: terms.tokenB,
        amount: terms.amountB,
        recipient: terms.maker,
        hashlock: terms.hashlock,
        timelockHeight: ours,
      },
    })
  }
  if (maker === null) return wait('our lock awaits its timelock')
  if (maker.state === 'redeemed')
    return own.state === 'locked' ? wait('waiting for our lock to settle') : settled(input)
  // The secret is public from the moment the maker broadcasts its redeem: using it from the mempool
  // puts our redeem in the same block as the maker's, one block sooner than waiting for its log.
  const preimage = own.preimage ?? maker.preimage ?? view.pendingPreimage
  if (preimage === null) return wait('waiting for the maker to redeem')
  if (maker.state !== 'locked' || next >= maker.timelockHeight)
    return wait('the maker lock can no longer be redeemed')
  return send(input, 'redeem', maker.id, { kind: 'redeem', lockId: maker.id, preimage, watchtower: false })
}

/**
 * `done` once every redeem and refund of the swap's locks has more than `maxReorgDepth` confirmations:
 * the chain refuses any reorg that would take it out. Not at `confirmations` (k, the depth a lock is
 * trusted at): a reorg deeper than k but within the limit may still take one out, and a pool need not
 * bring it back (a light node has none, a full one drops orphans that no longer fit). Until then the
 * swap is stepped on each head: the state reads from the chain again, and the step is redone or its
 * stored transaction sent again. (Once both locks are settled the driver reads them again only when a
 * reorg replaced a block of their logs: `SettledLocks`.)
 */
function settled(input: EngineInput): SwapAction {
  const { view } = input
  const shallow = [view.makerLock, view.takerLock].some(
    (l) => l?.settledAt != null && view.head - l.settledAt + 1n <= BigInt(input.maxReorgDepth),
  )
  return shallow ? wait(SETTLED_WAIT) : { kind: 'done' }
}

/**
 * The watchtower rule: a lock of this swap whose recipient is the counterparty, still locked in its last
 * `WATCHTOWER_BLOCKS`, while the secret is public (a Redeemed log of the other lock): redeem it for
 * the recipient. In practice the maker's node covering a taker that went away after the secret came out.
 */
function watchtower(input: EngineInput): SwapAction | null {
  if (!input.watchtower) return null
  const { view } = input
  const next = view.head + 1n
  const locks = [view.makerLock, view.takerLock]
  const preimage = locks.find((l) => l?.preimage != null)?.preimage ?? null
  if (preimage === null) return null
  const me = input.role === 'maker' ? input.terms.maker : input.terms.taker
  for (const lock of locks) {
    if (lock === null || lock.state !== 'locked' || lock.recipient === me) continue
    if (next < lock.timelockHeight && lock.timelockHeight - next <= WATCHTOWER_BLOCKS) {
      return send(input, 'redeem', lock.id, { kind: 'redeem', lockId: lock.id, preimage, watchtower: true })
    }
  }
  return null
}

const record = (event: Extract<SwapEvent, { kind: 'cancelled' | 'expired' }>): SwapAction => ({
  kind: 'record',
  event,
})

/** `sent` events of one purpose (and lock), oldest first. */
function intents(stored: readonly SwapEvent[], purpose: SendPurpose, lockId: Hex | null) {
  return stored.flatMap((e) => (e.kind === 'sent' && e.purpose === purpose && e.lockId === lockId ? [e] : []))
}

/**
 * What to do about the latest transactions stored for `purpose` (or `last`, signed at its `height`, when
 * given): wait while they are pending (or mined and about to show in the logs), sign them again with
 * higher fees when the base fee passed their fee cap (they cannot be mined until it falls back) or they
 * waited `REPLACE_AFTER_BLOCKS`, broadcast them again when they vanished but their nonces are still
 * unused (signed again instead when the base fee passed their fee cap, or the pool refused them as
 * underpriced), or null when there are none or they are dead (reverted, or their nonce used by another).
 */
function liveIntent(
  input: EngineInput,
  purpose: SendPurpose,
  lockId: Hex | null,
  last: Pick<SentEvent, 'txs' | 'height'> | undefined = intents(input.stored, purpose, lockId).at(-1),
): SwapAction | null {
  const { view } = input
  if (last === undefined) return null
  const final = last.txs.at(-1)
  if (final === undefined) return null
  const state = view.txs.get(final.hash) ?? { kind: 'unknown' }
  if (state.kind === 'pending') {
    const stuck = state.maxFeePerGas < view.fees.nextBaseFee
    if (!stuck && view.head < last.height + REPLACE_AFTER_BLOCKS)
      return wait(`${purpose} transaction pending`)
    const fees = replacementFees(state, view.fees)
    if (fees === null) return wait(`${purpose} transaction pending: higher fees would pass the swap's bound`)
    const txs = last.txs.filter((t) => t.nonce >= view.nonce)
    return { kind: 'replace', purpose, lockId, txs, fees, priced: view.fees }
  }
  if (state.kind === 'mined') return state.ok ? wait(`${purpose} transaction mined`) : null
  if (final.nonce < view.nonce) return null
  const txs = last.txs.filter((t) => t.nonce >= view.nonce)
  // Vanished below the base fee, or refused by a full pool for its tip when sent again: a pool refuses
  // the same bytes as underpriced, every time. (Bytes that do not read as a transaction can only be
  // sent as they are.)
  const refused = txs.some((t) => view.txs.get(t.hash)?.kind === 'refused')
  const offered = signedFees(final.raw)
  if (offered === null || (!refused && offered.maxFeePerGas >= view.fees.nextBaseFee))
    return { kind: 'rebroadcast', purpose, txs }
  const fees = replacementFees(offered, view.fees)
  if (fees === null) {
    const why = refused ? 'refused by a full pool' : 'dropped below the base fee'
    return wait(`${purpose} transaction ${why}: higher fees would pass the swap's bound`)
  }
  return { kind: 'replace', purpose, lockId, txs, fees, priced: view.fees }
}

/** `action`, unless transactions for it are already live, or have reverted `MAX_ATTEMPTS` times. */
function send(input: EngineInput, purpose: SendPurpose, lockId: Hex | null, action: SwapAction): SwapAction {
  const live = liveIntent(input, purpose, lockId)
  if (live !== null) return live
  const reverted = intents(input.stored, purpose, lockId).filter((e) => {
    const final = e.txs.at(-1)
    const state = final === undefined ? undefined : input.view.txs.get(final.hash)
    return state?.kind === 'mined' && !state.ok
  }).length
  if (reverted >= MAX_ATTEMPTS) {
    if (purpose === 'lock' && !isFinal(foldSwap(input.role, input.stored, []).state)) {
      const reason: CancelReason = { code: 'LOCK_FAILED', attempts: reverted }
      return record({ kind: 'cancelled', reason })
    }
    return wait(`${purpose} reverted ${reverted} times`)
  }
  return action
}
