import type { Hex } from 'viem'
import type { NodeRepository } from '../../node/storage/types'
import { isPeerId } from '../offers/validate'
import { SwapError } from './errors'
import { STORED_KINDS, type SwapEvent } from './state'

/** The repository calls a swap store needs (the profile's `NodeRepository` has them). */
export type SwapRepository = Pick<NodeRepository, 'appendSwapEvent' | 'getSwapEvents' | 'swapIds'>

/**
 * `event` with an `accepted` event's `counterpartyPeer` only when it is a peer id: a record written before
 * the field was kept has none, and a malformed one reads as unknown too (it only tells whether the other
 * party's tab is linked, and the swap itself must still resume).
 */
function knownPeer(event: SwapEvent): SwapEvent {
  if (event.kind !== 'accepted' || !('counterpartyPeer' in event) || isPeerId(event.counterpartyPeer))
    return event
  const { counterpartyPeer: _, ...rest } = event
  return rest
}

/**
 * A party's swap logs: append-only lists of its own decisions (`STORED_KINDS`), one per swap, written
 * with `durability: 'strict'` so a record survives a power cut before the transaction it announces is
 * broadcast. Throws `StorageError` from the repository, `SwapError` `SWAP_CORRUPT` for a record this
 * code did not write.
 */
export class SwapStore {
  constructor(private readonly repo: SwapRepository) {}

  /** The stored events of a swap, in order (empty when unknown). */
  async events(swapId: Hex): Promise<SwapEvent[]> {
    const rows = await this.repo.getSwapEvents(swapId)
    return rows.map((row, i) => {
      if (row.seq !== i)
        throw new SwapError({ code: 'SWAP_CORRUPT', swapId, reason: `event ${i} is missing` })
      const event = row.event
      if (
        typeof event !== 'object' ||
        event === null ||
        !('kind' in event) ||
        !STORED_KINDS.includes(event.kind as SwapEvent['kind'])
      ) {
        throw new SwapError({ code: 'SWAP_CORRUPT', swapId, reason: `event ${i} has no known kind` })
      }
      return knownPeer(event as SwapEvent)
    })
  }

  /** Appends `event` after the `count` events the caller read (refused if another append came first). */
  async append(swapId: Hex, count: number, event: SwapEvent): Promise<void> {
    await this.repo.appendSwapEvent({ swapId, seq: count, event }, { durability: 'strict' })
  }

  /** Every stored swap. */
  ids(): Promise<Hex[]> {
    return this.repo.swapIds()
  }
}
