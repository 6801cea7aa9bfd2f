import type { Hex } from 'viem'
import { type LockField, SwapError } from './errors'
import type { SwapTerms } from './terms'

/** Which side of the swap this node's account is. */
export type SwapRole = 'maker' | 'taker'

/**
 * An order's state as one party sees it (docs/DESIGN.md §7). Only moves forward; `Completed`,
 * `Cancelled`, `Expired` and `Refunded` are ends.
 */
export type SwapState =
  | 'Open'
  | 'Accepted'
  | 'MakerLocked'
  | 'TakerLocked'
  | 'SecretRevealed'
  | 'Completed'
  | 'Cancelled'
  | 'Expired'
  | 'Refunded'

export const SWAP_STATES: readonly SwapState[] = [
  'Open',
  'Accepted',
  'MakerLocked',
  'TakerLocked',
  'SecretRevealed',
  'Completed',
  'Cancelled',
  'Expired',
  'Refunded',
]

/** The ends: nothing moves a swap out of them. */
export function isFinal(state: SwapState): boolean {
  return state === 'Completed' || state === 'Cancelled' || state === 'Expired' || state === 'Refunded'
}

/** Why a swap was cancelled (a refusal to go on, stored with the `cancelled` event). */
export type CancelReason =
  /** The maker withdrew before anyone locked. */
  | { readonly code: 'WITHDRAWN' }
  /** The maker's lock on chain differs from the terms: the taker refuses to lock. */
  | {
      readonly code: 'LOCK_MISMATCH'
      readonly field: LockField
      readonly expected: string
      readonly got: string
    }
  /** Our lock transaction kept reverting (e.g. funds or allowance gone): we stop trying. */
  | { readonly code: 'LOCK_FAILED'; readonly attempts: number }

/** Why a swap expired. */
export type ExpireReason =
  /** The offer's validity ran out before anyone took it. */
  | { readonly code: 'OFFER_EXPIRED' }
  /** The maker's lock was not mined within `LOCK_WINDOW_BLOCKS` of the take. */
  | { readonly code: 'NO_MAKER_LOCK' }
  /** The maker's lock expires too soon for the taker to lock safely now (the taker came back late). */
  | { readonly code: 'MAKER_LOCK_TOO_CLOSE'; readonly timelockHeight: bigint; readonly needed: bigint }

/** A signed transaction this party stored before broadcasting it. */
export interface SentTx {
  readonly hash: Hex
  readonly raw: Hex
  readonly nonce: bigint
}

/** What a `sent` event was for. */
export type SendPurpose = 'lock' | 'redeem' | 'refund'

/**
 * The events of a swap. The first five kinds are this party's own decisions, stored (strict durability)
 * in its log; the others are facts read from the chain's HTLC logs every time the state is computed
 * (`chainEvents`), never stored, so a reloaded node derives them again from the chain.
 */
export type SwapEvent =
  /** Maker: the offer was posted. */
  | { readonly kind: 'opened'; readonly offerId: Hex }
  /**
   * The take was agreed on these terms, this party being `role` (the taker's log starts here), with the
   * other party's tab, `counterpartyPeer` (its libp2p peer id), when the start named it: records written
   * before it was kept have none, and read as not knowing it.
   */
  | {
      readonly kind: 'accepted'
      readonly terms: SwapTerms
      readonly role: SwapRole
      readonly counterpartyPeer?: string
    }
  | { readonly kind: 'cancelled'; readonly reason: CancelReason }
  | { readonly kind: 'expired'; readonly reason: ExpireReason }
  /**
   * Signed transactions about to be broadcast (stored before they are): a lock (with the approval it
   * needs, if any), or a redeem / refund of lock `lockId`. Changes no state; lets a resumed node
   * rebroadcast the very same transactions instead of signing conflicting ones.
   */
  | {
      readonly kind: 'sent'
      readonly purpose: SendPurpose
      readonly lockId: Hex | null
      readonly txs: readonly SentTx[]
      /** Head height when they were signed. */
      readonly height: bigint
    }
  /** Chain: the maker's lock, matching the terms, is mined. */
  | { readonly kind: 'makerLocked'; readonly lockId: Hex; readonly height: bigint }
  /** Chain: the taker's lock, matching the terms, is mined. */
  | { readonly kind: 'takerLocked'; readonly lockId: Hex; readonly height: bigint }
  /** Chain: a lock of this swap was redeemed, so the secret is public. */
  | { readonly kind: 'secretRevealed'; readonly preimage: Hex; readonly height: bigint }
  /** Chain: both locks are redeemed, each party holds what it bought. */
  | { readonly kind: 'completed'; readonly height: bigint }
  /** Chain: this party's own lock was refunded to it. */
  | { readonly kind: 'refunded'; readonly lockId: Hex; readonly height: bigint }
  /**
   * Chain: this party's own lock was redeemed (the secret is out) but the counterparty's lock `lockId`
   * can no longer be: refunded to its sender, or past its timelock (from `height` on). This party's
   * redeem never landed: the swap ends for it (Expired), nothing of its own left to act on.
   */
  | { readonly kind: 'missed'; readonly lockId: Hex; readonly height: bigint }

export type SwapEventKind = SwapEvent['kind']

/** The kinds a party stores itself (the rest come from the chain). */
export const STORED_KINDS: readonly SwapEventKind[] = ['opened', 'accepted', 'cancelled', 'expired', 'sent']

type Table = Readonly<Record<SwapEventKind, Partial<Record<SwapState | 'Start', SwapState>>>>

const common = {
  accepted: { Open: 'Accepted' },
  makerLocked: { Accepted: 'MakerLocked' },
  takerLocked: { MakerLocked: 'TakerLocked' },
  secretRevealed: { TakerLocked: 'SecretRevealed' },
  completed: { SecretRevealed: 'Completed' },
  sent: {
    Accepted: 'Accepted',
    MakerLocked: 'MakerLocked',
    TakerLocked: 'TakerLocked',
    SecretRevealed: 'SecretRevealed',
  },
} as const

/**
 * Legal moves per role: `TABLE[role][event.kind][from] = to`; anything absent is illegal. `Start` is
 * the state before the first event.
 */
export const TABLE: Readonly<Record<SwapRole, Table>> = {
  maker: {
    ...common,
    opened: { Start: 'Open' },
    // The maker withdraws only before it has locked anything.
    cancelled: { Open: 'Cancelled', Accepted: 'Cancelled' },
    expired: { Open: 'Expired', Accepted: 'Expired' },
    // Its own lock back: the taker never locked, or the maker never got to redeem (or, having
    // revealed the secret, the taker and every watchtower missed the maker's timelock).
    refunded: { MakerLocked: 'Refunded', TakerLocked: 'Refunded', SecretRevealed: 'Refunded' },
    // The taker took the secret from our redeem in the mempool, and that redeem did not land before
    // the taker's timelock: our lock went to the taker, its lock stays or goes back to it.
    missed: { SecretRevealed: 'Expired' },
  },
  taker: {
    ...common,
    opened: {},
    accepted: { Start: 'Accepted' },
    // The taker refuses before locking: a maker lock that differs from the terms, or a failing lock.
    cancelled: { Accepted: 'Cancelled', MakerLocked: 'Cancelled' },
    expired: { Accepted: 'Expired', MakerLocked: 'Expired' },
    // Its own lock back: the maker never redeemed it (or, after the taker redeemed the maker's lock
    // with the secret from the maker's pending redeem, that redeem was lost and not sent again in time).
    refunded: { TakerLocked: 'Refunded', SecretRevealed: 'Refunded' },
    // The maker redeemed our lock and we did not redeem its lock before the maker's timelock.
    missed: { SecretRevealed: 'Expired' },
  },
}

/**
 * One step of the state machine. Throws `SwapError` `SWAP_ILLEGAL_TRANSITION` for an event the state
 * cannot take (moving backwards, skipping a step, anything after an end).
 */
export function transition(role: SwapRole, from: SwapState | 'Start', event: SwapEvent): SwapState {
  const to = TABLE[role][event.kind][from]
  if (to === undefined) {
    throw new SwapError({ code: 'SWAP_ILLEGAL_TRANSITION', role, from, event: event.kind })
  }
  return to
}

/** A swap's state with the step history that led there. */
export interface SwapStatus {
  readonly state: SwapState
  /** Each state entered, in order, with the height of the chain event that moved it (null: a decision). */
  readonly steps: readonly { readonly state: SwapState; readonly height: bigint | null }[]
}

/**
 * The state as a pure fold: this party's stored events, in order, then the chain's facts. Stored
 * events must all be legal (a violation is a `SWAP_ILLEGAL_TRANSITION`: the log is corrupt); chain facts
 * that arrive after an end (e.g. the maker's lock mined after the taker gave up) are history and leave
 * the state where it ended. Throws `SwapError`.
 */
export function foldSwap(
  role: SwapRole,
  stored: readonly SwapEvent[],
  chain: readonly SwapEvent[],
): SwapStatus {
  let state: SwapState | 'Start' = 'Start'
  const steps: { state: SwapState; height: bigint | null }[] = []
  const apply = (event: SwapEvent): void => {
    const next = transition(role, state, event)
    if (next !== state)
      steps.push({ state: next, height: 'height' in event && event.kind !== 'sent' ? event.height : null })
    state = next
  }
  for (const event of stored) apply(event)
  for (const event of chain) {
    if (state !== 'Start' && isFinal(state)) break
    apply(event)
  }
  if (state === 'Start')
    throw new SwapError({ code: 'SWAP_ILLEGAL_TRANSITION', role, from: 'Start', event: 'none' })
  return { state, steps }
}
