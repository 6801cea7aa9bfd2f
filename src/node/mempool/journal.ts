import type { Address, Hex } from 'viem'
import type { Tx } from '../chain/types'
import type { MempoolView } from './mempool'

/** Repository meta key of the local transaction journal: the raw transactions, `Hex[]`. */
export const LOCAL_TXS_META = 'local-txs'

interface Entry {
  readonly raw: Hex
  readonly from: Address
  readonly nonce: bigint
  /** The head height at which the sender's nonce was first seen past this one's; null while it waits. */
  passedAt: bigint | null
}

/**
 * The transactions this node's own wallet submitted — go-ethereum's local transaction journal. The pool
 * lives in memory: a tab closed before its transaction was mined (alone, or before any peer took it)
 * would otherwise lose it, and the wallet would show it pending for ever. The node stores the journal
 * and submits it again as it starts, and on each new head submits again those its pool no longer holds
 * (evicted: outbid, or above the sender's nonce window after a reorg). A transaction stays until the
 * sender's nonce has been past its own for more blocks than any reorg the chain takes (mined and
 * final, or replaced for good): a reorg that gives it back finds it still here.
 */
export class TxJournal {
  private readonly txs = new Map<Hex, Entry>()

  /** Keeps a submitted transaction; `passedAt` for one whose nonce the head has already passed. */
  add(tx: Pick<Tx, 'hash' | 'raw' | 'from' | 'nonce'>, passedAt: bigint | null = null): void {
    this.txs.set(tx.hash, { raw: tx.raw, from: tx.from, nonce: tx.nonce, passedAt })
  }

  /**
   * Follows the head at `height`: marks the transactions whose nonce its state has passed, unmarks those
   * a reorg gave back, and drops those passed `depth` blocks ago or more; whether any went.
   */
  prune(view: Pick<MempoolView, 'nonce'>, height: bigint, depth: number): boolean {
    let gone = false
    for (const [hash, tx] of this.txs) {
      if (tx.nonce >= view.nonce(tx.from)) tx.passedAt = null
      else if (tx.passedAt === null || tx.passedAt > height) tx.passedAt = height
      else if (height - tx.passedAt >= BigInt(depth)) {
        this.txs.delete(hash)
        gone = true
      }
    }
    return gone
  }

  /** The raw transactions, oldest first (as stored). */
  raws(): Hex[] {
    return [...this.txs.values()].map((tx) => tx.raw)
  }

  /** The raw transactions still waiting (nonce not passed) for which `held` is false (by hash). */
  missing(held: (hash: Hex) => boolean): Hex[] {
    return [...this.txs].flatMap(([hash, tx]) => (tx.passedAt !== null || held(hash) ? [] : [tx.raw]))
  }
}

/** The raw transactions of a stored journal; anything that is not a hex string is left out. */
export function storedJournal(rows: unknown): Hex[] {
  if (!Array.isArray(rows)) return []
  return rows.filter((r): r is Hex => typeof r === 'string' && /^0x(?:[0-9a-fA-F]{2})*$/.test(r))
}
