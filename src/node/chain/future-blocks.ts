import type { Hex } from 'viem'
import type { Block } from './types'

/** At most this many blocks are held for their time to come (go-ethereum kept 256 future blocks). */
export const MAX_FUTURE_BLOCKS = 64
/**
 * A block due more than this far past the clock is not held (go-ethereum: 30 s): a peer serves it again
 * once it is due. Without the bound a peer could have us keep blocks dated years ahead — with the
 * lowest difficulty, since the retarget falls over a long gap, they cost it almost no work.
 */
export const MAX_FUTURE_WAIT_MS = 30_000

/** A block waiting for its time, the peer it came from, and when it is due (ms, the node's clock). */
export interface FutureBlock {
  readonly block: Block
  readonly from: string | null
  readonly due: number
}

/**
 * Blocks dated past the clock's tolerance, kept until they are due (`BLOCK_FUTURE`: "not yet", no
 * penalty): each once, at most `MAX_FUTURE_BLOCKS`, none due more than `MAX_FUTURE_WAIT_MS` ahead.
 */
export class FutureBlocks {
  readonly #held = new Map<Hex, FutureBlock>()

  /** Keeps `block` (hash `hash`) until `due`; false when it is not kept (known, too far ahead, full). */
  hold(hash: Hex, entry: FutureBlock, now: number): boolean {
    if (this.#held.has(hash) || entry.due - now > MAX_FUTURE_WAIT_MS) return false
    if (this.#held.size >= MAX_FUTURE_BLOCKS) return false
    this.#held.set(hash, entry)
    return true
  }

  /** Removes and returns the blocks due at `now`, earliest first. */
  takeDue(now: number): FutureBlock[] {
    const due = [...this.#held].filter(([, b]) => b.due <= now).sort(([, a], [, b]) => a.due - b.due)
    for (const [hash] of due) this.#held.delete(hash)
    return due.map(([, b]) => b)
  }

  /** When the earliest held block is due; undefined when none is held. */
  nextDue(): number | undefined {
    let next: number | undefined
    for (const b of this.#held.values()) if (next === undefined || b.due < next) next = b.due
    return next
  }

  get size(): number {
    return this.#held.size
  }
}
