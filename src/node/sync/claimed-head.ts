/**
 * The head a peer claims (status beacon or answer, gossip, headers answer) and whether it backed it. No
 * work stands behind a claimed number: a peer that fails to back its claim (a request to it failed, it
 * was penalised, its headers answer told a lower head) has its claims doubted until a headers answer
 * reaches the head it failed to back. A doubted claim is not shown as the sync target, and the peer is
 * asked after those whose claims stand — still asked (it may have been down a moment), so an honest
 * peer's next answer restores it. A peer's announcement replaces its claim, lower or higher: a peer that
 * once announced a far head and now announces a near one is not taken as far ahead any more.
 */
export interface ClaimedHead {
  /** The head number the peer claims: its latest announcement or answer (-1 before any). */
  head: bigint
  /** The highest claim it failed to back, or -1 when its claims stand. */
  unbacked: bigint
  /**
   * The head it announced last that no headers answer has checked yet, or -1 (see `refutes`). In a node,
   * one for all its parts (`PeerBoard.claim`): whichever part's answer comes first checks it.
   */
  announced: bigint
}

/** The peer announced `head` (status beacon or answer): its claim from now on, whatever it was before. */
export function announce(claim: ClaimedHead, head: bigint): void {
  claim.head = head
  claim.announced = head
}

/**
 * Whether a headers answer telling `head` refutes `asked`, the head the peer had announced when the
 * request went out (`claim.announced` then): true when the answer tells more than `margin` (the reorg
 * limit) below it. An honest head moves back at most the reorg limit, and the answer was made after the
 * announcement, so such an answer shows the announcement false. Each announcement is checked once: the
 * first answer to a request sent after it (other requests then in flight, and later ones, check nothing
 * until the peer announces again).
 */
export function refutes(claim: ClaimedHead, asked: bigint, head: bigint, margin: bigint): boolean {
  if (asked < 0n || claim.announced !== asked) return false
  claim.announced = -1n
  return head + margin < asked
}

/** Whether the peer's claims are doubted (it failed to back one, and no answer reached it since). */
export function doubted(claim: ClaimedHead): boolean {
  return claim.unbacked >= 0n
}

/** The peer failed to back its claim: a request to it failed, or it was penalised. */
export function doubt(claim: ClaimedHead): void {
  if (claim.head > claim.unbacked) claim.unbacked = claim.head
}

/**
 * A checked headers answer of the peer told `head`: a head below its claim doubts it, one that reaches
 * what it failed to back makes its claims stand again. The answer's head is its claim from now on.
 */
export function answered(claim: ClaimedHead, head: bigint): void {
  if (head < claim.head) doubt(claim)
  else if (head >= claim.unbacked) claim.unbacked = -1n
  claim.head = head
}

/** Peers whose claims stand first, then best claimed head first (for `Array.sort` of `[id, claim]`). */
export function byClaim(
  [, a]: readonly [string, ClaimedHead],
  [, b]: readonly [string, ClaimedHead],
): number {
  if (doubted(a) !== doubted(b)) return doubted(a) ? 1 : -1
  return a.head === b.head ? 0 : a.head > b.head ? -1 : 1
}

/** A peer's claim with what a wait on it needs (`waitedOn`). */
export interface ServedClaim extends ClaimedHead {
  /** It served this node (blocks imported, or headers that moved a light node's head). */
  served: boolean
  /** When the first request it failed since its last answer was sent, or null. */
  silentSince: number | null
}

/**
 * The peer a node that is not syncing waits on, of `ahead` (peers ahead, best first): the first that
 * served it, whose claim is doubted and whose requests are failing; its id and since when, or null.
 */
export function waitedOn(
  ahead: readonly (readonly [string, ServedClaim])[],
): { readonly peerId: string; readonly since: number } | null {
  for (const [peerId, p] of ahead)
    if (p.served && p.silentSince !== null && doubted(p)) return { peerId, since: p.silentSince }
  return null
}
