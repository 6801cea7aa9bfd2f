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
