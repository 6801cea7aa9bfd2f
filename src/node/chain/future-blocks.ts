import type { Hex } from 'viem'
import { encodedBlockSize } from './block'
import type { Block } from './types'

/** At most this many blocks are held for their time to come (go-ethereum kept 256 future blocks). */
export const MAX_FUTURE_BLOCKS = 64
/**
 * At most this many bytes of blocks (encoded) are held: 8 blocks at the gossip limit (1 MiB), hundreds of
 * ordinary ones. The count alone let a peer make us hold 64 blocks at the size limit (128 MiB, about
 * three times that in memory, as for orphans); honest blocks due within `MAX_FUTURE_WAIT_MS` are some
 * fifteen at the target interval, and one dropped is served again once it is due.
 */
export const MAX_FUTURE_BYTES = 8 * 1024 * 1024
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
 * penalty): each once, none due more than `MAX_FUTURE_WAIT_MS` ahead, at most `MAX_FUTURE_BLOCKS` and
 * `MAX_FUTURE_BYTES` — when full, the blocks due last make room for one due before them.
 */
export class FutureBlocks {
  readonly #held = new Map<Hex, { readonly entry: FutureBlock; readonly size: number }>()
  #bytes = 0

  /** Keeps `block` (hash `hash`) until `due`; false when it is not kept (known, too far ahead, full). */
  hold(hash: Hex, entry: FutureBlock, now: number): boolean {
    if (this.#held.has(hash) || entry.due - now > MAX_FUTURE_WAIT_MS) return false
    const size = encodedBlockSize(entry.block)
    // Only blocks due after this one leave for it, the last first; none leaves unless it then fits.
    const later = [...this.#held]
      .filter(([, h]) => h.entry.due > entry.due)
      .sort(([, a], [, b]) => b.entry.due - a.entry.due)
    let count = this.#held.size
    let bytes = this.#bytes
    let drop = 0
    while ((count >= MAX_FUTURE_BLOCKS || bytes + size > MAX_FUTURE_BYTES) && drop < later.length) {
      bytes -= (later[drop] as [Hex, { size: number }])[1].size
      count--
      drop++
    }
    if (count >= MAX_FUTURE_BLOCKS || bytes + size > MAX_FUTURE_BYTES) return false
    for (const [h] of later.slice(0, drop)) this.#held.delete(h)
    this.#held.set(hash, { entry, size })
    this.#bytes = bytes + size
    return true
  }

  /** Removes and returns the blocks due at `now`, earliest first. */
  takeDue(now: number): FutureBlock[] {
    const due = [...this.#held].filter(([, h]) => h.entry.due <= now)
    due.sort(([, a], [, b]) => a.entry.due - b.entry.due)
    for (const [hash, h] of due) {
      this.#held.delete(hash)
      this.#bytes -= h.size
    }
    return due.map(([, h]) => h.entry)
  }

  /** When the earliest held block is due; undefined when none is held. */
  nextDue(): number | undefined {
    let next: number | undefined
    for (const { entry } of this.#held.values()) if (next === undefined || entry.due < next) next = entry.due
    return next
  }

  get size(): number {
    return this.#held.size
  }

  /** Encoded bytes of the held blocks. */
  get bytes(): number {
    return this.#bytes
  }
}
