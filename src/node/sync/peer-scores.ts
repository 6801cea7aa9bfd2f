import type { ClaimedHead } from './claimed-head'
import { SyncError } from './errors'
import type { DecodedHeadersResponse } from './messages'

/** What a peer did wrong; each has a weight (see `PENALTY`). */
export type Offence =
  /** A block that fails validation (gossiped or served by sync). */
  | 'invalid-block'
  /** A transaction invalid in itself (bad signature, wrong chain, malformed). */
  | 'invalid-tx'
  /** An offer, cancellation or take that is invalid in itself (forged signature, broken rule). */
  | 'invalid-offer'
  /** Bytes that do not decode (any topic or protocol). */
  | 'garbage'
  /** A response larger than the protocol allows. */
  | 'oversized'
  /** A well-formed response that does not answer the request. */
  | 'wrong-response'
  /** A state snapshot chunk whose nodes do not hash up to the subtree asked for. */
  | 'invalid-snapshot'
  /** A state or inclusion proof that fails verification against a header it was asked at. */
  | 'invalid-proof'

/**
 * Penalty points per offence. A peer reaching `DROP_SCORE` is disconnected and kept out: two invalid
 * blocks, three undecodable messages, ten invalid transactions. Honest peers never earn points
 * (validity is deterministic), except for rare races, which the decay forgives.
 */
export const PENALTY: Record<Offence, number> = {
  'invalid-block': 50,
  'invalid-tx': 10,
  'invalid-offer': 10,
  garbage: 40,
  oversized: 40,
  'wrong-response': 30,
  'invalid-snapshot': 50,
  // Proofs are asked at a block the light node names; an honest server either proves against its root or
  // says it has no state there, so one forged proof is proof of malice.
  'invalid-proof': 100,
}

/** Score at which a peer is dropped. */
export const DROP_SCORE = 100
/** Points forgiven per second. */
const DECAY_PER_SECOND = 0.1

/** Penalty scores of peers; time comes in as an argument. */
export class PeerScores {
  readonly #scores = new Map<string, { score: number; at: number }>()

  /** Adds the offence's points; returns the new score (decayed to `now`). */
  penalize(peerId: string, offence: Offence, now: number): number {
    const score = this.score(peerId, now) + PENALTY[offence]
    this.#scores.set(peerId, { score, at: now })
    return score
  }

  score(peerId: string, now: number): number {
    const s = this.#scores.get(peerId)
    if (s === undefined) return 0
    return Math.max(0, s.score - ((now - s.at) / 1000) * DECAY_PER_SECOND)
  }

  forget(peerId: string): void {
    this.#scores.delete(peerId)
  }
}

/** A failure that is the peer's fault and earns it a penalty. */
export class Misbehaviour extends Error {
  constructor(
    readonly offence: Offence,
    reason: string,
  ) {
    super(reason)
  }
}

/** The offence of a peer whose answer does not decode: too large for its protocol, or garbage. */
export function decodeOffence(err: SyncError): Offence {
  return err.type.code === 'SYNC_RESPONSE_TOO_LARGE' ? 'oversized' : 'garbage'
}

/** Decodes a peer's answer; bytes that do not decode are the peer's fault (`decodeOffence`). */
export function decodeFromPeer<T>(decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (err instanceof SyncError) throw new Misbehaviour(decodeOffence(err), err.message)
    throw err
  }
}

/**
 * A headers answer must hold at most the `count` asked for, numbered on from `from`, and all of them
 * up to the head it claims (an honest server serves them or refuses, `SYNC_NOT_HELD`: an empty answer
 * there would have a branch check ask the same range again forever, a short one would hold a sync to a
 * trickle); else it is the peer's fault.
 */
export function checkHeadersRange(res: DecodedHeadersResponse, from: bigint, count: number): void {
  if (res.headers.length > count) throw new Misbehaviour('wrong-response', 'more headers than asked')
  if (res.headers.length === 0 && res.headNumber >= from)
    throw new Misbehaviour('wrong-response', 'no headers below its head')
  res.headers.forEach((h, i) => {
    if (h.number !== from + BigInt(i)) throw new Misbehaviour('wrong-response', 'header out of range')
  })
  // An honest server answers short only at its head: a range's headers (≤ 512 of ≤ 1 KiB) stay far
  // below its response budget. Fewer below the head it claims would hold a sync to a trickle.
  const last = res.headers.at(-1)
  if (last !== undefined && res.headers.length < count && last.number < res.headNumber)
    throw new Misbehaviour('wrong-response', 'fewer headers than its head')
}

export interface PeerBoardInit {
  readonly now: () => number
  /** How long a dropped peer is kept out, ms. */
  readonly banMs: number
  /** Closes the links to a dropped peer and keeps it out for `banMs` (the network host's `disconnect`). */
  readonly disconnect: (peerId: string, reason: string, banMs: number) => Promise<void>
}

/**
 * A node's penalties and bans: one score and one ban per peer, whichever part of the node caught it
 * (its blocks, headers, proofs, snapshot chunks, transactions or offers). A peer reaching `DROP_SCORE`
 * is disconnected and kept out for `banMs`.
 */
export class PeerBoard {
  /** Penalties given, and peers dropped for them (tests and the node's stats). */
  readonly counters = { penalties: 0, peersDropped: 0 }
  readonly #init: PeerBoardInit
  readonly #scores = new PeerScores()
  readonly #banned = new Map<string, number>()
  readonly #announced = new Map<string, bigint>()

  constructor(init: PeerBoardInit) {
    this.#init = init
  }

  /** Whether `peerId` is kept out (its traffic is refused until the ban ends). */
  isBanned(peerId: string): boolean {
    const until = this.#banned.get(peerId)
    if (until === undefined) return false
    if (until > this.#init.now()) return true
    this.#banned.delete(peerId)
    return false
  }

  /**
   * The head `peerId` announced last that no headers answer has checked yet, or -1: its
   * `ClaimedHead.announced` in every part of the node (syncer and light client), so that one announcement
   * is checked by one answer, whichever part gets it first, and costs at most one penalty (each part
   * kept its own, and an `auto` node charged one false claim twice). Every announcement the node hears
   * lands here, so a part told only some of them (an `auto` node's light client) never checks one the
   * peer has since replaced.
   */
  announced(peerId: string): bigint {
    return this.#announced.get(peerId) ?? -1n
  }

  /** Sets what `announced` returns for `peerId` (-1: none left to check). */
  setAnnounced(peerId: string, head: bigint): void {
    if (head < 0n) this.#announced.delete(peerId)
    else this.#announced.set(peerId, head)
  }

  /**
   * A new claim of `peerId` for one part of the node: its head and what it failed to back are that
   * part's, its `announced` is this board's (`announced`), shared by every part.
   */
  claim(peerId: string): ClaimedHead {
    const board = this
    return {
      head: -1n,
      unbacked: -1n,
      get announced() {
        return board.announced(peerId)
      },
      set announced(head) {
        board.setAnnounced(peerId, head)
      },
    }
  }

  /** How many peers are kept out now. */
  bannedCount(): number {
    return [...this.#banned.keys()].filter((peerId) => this.isBanned(peerId)).length
  }

  /** Gives `peerId` the offence's penalty; returns whether that dropped it (disconnected and banned). */
  penalize(peerId: string, offence: Offence): boolean {
    if (this.isBanned(peerId)) return false
    const now = this.#init.now()
    this.counters.penalties++
    if (this.#scores.penalize(peerId, offence, now) < DROP_SCORE) return false
    this.#banned.set(peerId, now + this.#init.banMs)
    this.#scores.forget(peerId)
    this.#announced.delete(peerId)
    this.counters.peersDropped++
    void this.#init.disconnect(peerId, offence, this.#init.banMs).catch(() => {})
    return true
  }
}
