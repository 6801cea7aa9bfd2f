import type { Hex } from 'viem'
import type { Tx } from '../chain/types'
import type { MempoolView } from './mempool'

/** Repository meta key of the local transaction journal: the raw transactions, `Hex[]`. */
export const LOCAL_TXS_META = 'local-txs'

/**
 * The transactions this node's own wallet submitted, kept until the chain has passed their nonce (mined,
 * or replaced by another of the same sender and nonce) — go-ethereum's local transaction journal. The
 * pool lives in memory: a tab closed before its transaction was mined (alone, or before any peer
 * took it) would otherwise lose it, and the wallet would show it pending for ever. The node stores the
 * journal and submits it again as it starts, and on each new head submits again those its pool no
 * longer holds (evicted: outbid, or above the sender's nonce window after a reorg).
 */
export class TxJournal {
  private readonly txs = new Map<Hex, Pick<Tx, 'raw' | 'from' | 'nonce'>>()

  /** Keeps a submitted transaction. */
  add(tx: Pick<Tx, 'hash' | 'raw' | 'from' | 'nonce'>): void {
    this.txs.set(tx.hash, { raw: tx.raw, from: tx.from, nonce: tx.nonce })
  }

  /** Drops the transactions whose nonce the head's state has passed; whether any went. */
  prune(view: Pick<MempoolView, 'nonce'>): boolean {
    let gone = false
    for (const [hash, tx] of this.txs) {
      if (tx.nonce >= view.nonce(tx.from)) continue
      this.txs.delete(hash)
      gone = true
    }
    return gone
  }

  /** The raw transactions, oldest first (as stored). */
  raws(): Hex[] {
    return [...this.txs.values()].map((tx) => tx.raw)
  }

  /** The raw transactions for which `held` is false (by hash), oldest first. */
  missing(held: (hash: Hex) => boolean): Hex[] {
    return [...this.txs].flatMap(([hash, tx]) => (held(hash) ? [] : [tx.raw]))
  }
}

/** The raw transactions of a stored journal; anything that is not a hex string is left out. */
export function storedJournal(rows: unknown): Hex[] {
  if (!Array.isArray(rows)) return []
  return rows.filter((r): r is Hex => typeof r === 'string' && /^0x(?:[0-9a-fA-F]{2})*$/.test(r))
}
