import type { Hex } from 'viem'
import { BlockError } from '../chain/block-error'
import type { HeaderHashes } from '../chain/header'
import type { ChainParams } from '../chain/types'
import { checkPow } from '../consensus/pow'
import { validateHeader } from '../consensus/validate'
import type { DecodedHeadersResponse } from './messages'
import { Misbehaviour } from './peer-scores'

/**
 * A peer whose heavier chain, asked down to the lowest block or header this node holds (`base`: the first
 * header of a restored light checkpoint, or a full node's snapshot block), meets none of those held: its
 * chain forks below them (an honest peer on a split older than our base) or is made up. `kept`: its
 * headers there hold the header rules, so it costs nothing, and the node keeps its own chain (it cannot
 * check the fork without what lies below its base); `penalised`: they break the rules (`reason`), and the
 * peer paid for an invalid header.
 */
export type CheckpointConflict = {
  readonly peerId: string
  readonly base: bigint
  /** The head the peer's answer claimed. */
  readonly peerHead: bigint
} & ({ readonly outcome: 'kept' } | { readonly outcome: 'penalised'; readonly reason: string })

/**
 * A peer's headers range from our base's number that meets none of the headers held (its chain forks
 * below them, or is made up): the first header's proof of work, then each later one against the header
 * before it with the header rules (its parent is below the headers held, so the first cannot be checked
 * against one). Throws `Misbehaviour` ('invalid-block') for one that breaks a rule; a header dated ahead
 * of `now` (ms) ends the check, no fault (`BLOCK_FUTURE` is only raised for an otherwise valid header).
 */
export function checkUnheldRange(
  params: ChainParams,
  now: bigint,
  res: DecodedHeadersResponse,
  base: bigint,
): void {
  const fault = (reason: string): Misbehaviour =>
    new Misbehaviour(
      'invalid-block',
      `its chain meets none of the headers held (from #${base}), and its header ${reason}`,
    )
  const [first, ...rest] = res.headers
  const firstHashes = res.hashes[0]
  if (first === undefined || firstHashes === undefined) return
  if (!checkPow(first, firstHashes.seal))
    throw fault(`#${first.number} does not carry the work its difficulty asks`)
  let parent = first
  let parentHash = firstHashes.hash
  for (const [i, header] of rest.entries()) {
    const hashes = res.hashes[i + 1] as HeaderHashes
    try {
      validateHeader(params, header, parent, now, parentHash, hashes.seal)
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      if (err.type.code === 'BLOCK_FUTURE') return
      throw fault(`#${header.number} breaks the header rules: ${err.message}`)
    }
    parent = header
    parentHash = hashes.hash
  }
}

/**
 * The checkpoint conflicts a sync client (the light client's header sync, the full syncer) told, the last
 * one per peer, so that each is told once: a peer asked again at each of its announcements answers the
 * same. Two are the same when they name the same peer, the same base, the same chain of the peer's (its
 * header at our base: a chain that grew since is the same chain; one that left it for another is not)
 * and the same outcome (and, penalised, the same reason) — everything the sentence a user reads says but
 * the peer's head, which moves with every block it mines. A peer that leaves is forgotten: back later,
 * its conflict is told again once.
 */
export class CheckpointConflicts {
  readonly #tell: ((conflict: CheckpointConflict) => void) | undefined
  readonly #told = new Map<string, string>()

  constructor(tell?: (conflict: CheckpointConflict) => void) {
    this.#tell = tell
  }

  /**
   * Judges a heavier chain's range asked at our `base` that meets none of the blocks held
   * (`checkUnheldRange`), and tells the conflict unless it was the last one told for that peer: returns
   * when the range holds the rules (`kept`), throws the peer's `Misbehaviour` when it breaks one
   * (`penalised`).
   */
  judge(peerId: string, params: ChainParams, now: bigint, res: DecodedHeadersResponse, base: bigint): void {
    const conflict = { peerId, base, peerHead: res.headNumber }
    const chain = res.hashes[0]?.hash ?? '0x'
    try {
      checkUnheldRange(params, now, res, base)
    } catch (err) {
      if (err instanceof Misbehaviour)
        this.#note(chain, { ...conflict, outcome: 'penalised', reason: err.message })
      throw err
    }
    this.#note(chain, { ...conflict, outcome: 'kept' })
  }

  /** The peer left (or was dropped): a conflict it shows when back is told again. */
  drop(peerId: string): void {
    this.#told.delete(peerId)
  }

  #note(chain: Hex, conflict: CheckpointConflict): void {
    const outcome = conflict.outcome === 'penalised' ? `penalised: ${conflict.reason}` : 'kept'
    const key = `${conflict.base} ${chain} ${outcome}`
    if (this.#told.get(conflict.peerId) === key) return
    this.#told.set(conflict.peerId, key)
    this.#tell?.(conflict)
  }
}
