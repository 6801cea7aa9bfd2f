import type { Hex } from 'viem'
import type { Remote } from '../node/rpc/protocol'
import type { NodeApi } from '../node/worker/node'
import type { TxView } from '../node/worker/queries'
import { type LockRead, type SettledLocks, settledLockId } from './address-activity'

/**
 * The HTLC lock records an address page reads for its redeems and refunds (and the wallet's Activity for
 * the lock payouts its account received), each read once: the page shows its rows at once and each
 * amount when its lock's read ends (on a light node each read is a proof
 * fetched from a peer, and a slow or silent peer held back the whole list).
 */
export interface SettledLockReads {
  /**
   * Starts reading, without waiting for them, the locks the redeems and refunds among `txs` settle (the
   * others, transactions not read, are skipped): each lock that is neither kept nor being read, once (a
   * lock several of them name, once).
   */
  read(txs: readonly (TxView | { readonly error: string })[]): void
  /**
   * Starts reading, without waiting for them, the locks `named` names (lock id, lower-case, and the block
   * of the transaction naming it: null while pending), as `read` does: each that is neither kept nor being
   * read, once.
   */
  readLocks(named: readonly (readonly [id: Hex, block: bigint | null])[]): void
  /** The reads so far, by lock id: the same map until a read starts or ends. */
  readonly current: () => SettledLocks
  /** Calls `listener` whenever `current` changes; returns what stops that. */
  readonly subscribe: (listener: () => void) => () => void
}

/** One lock's read: what its rows show, whether it is kept for good, and whether a read is running. */
interface Entry {
  shown: LockRead
  kept: boolean
  reading: boolean
}

/**
 * The lock reads of one address page or wallet (until its address changes or the chain reorganises), through
 * `api.verifiedHtlc`. A lock read is kept; so is one found missing in a state at or past the blocks of
 * every transaction naming it (a lock record, once made, stays: such a call named none). One missing from
 * an older state (a light node proves a few blocks deep, a pending call may name a lock not mined yet)
 * shows no amount, and one not proven shows why; both are read again at the next `read` (or `readLocks`), their rows
 * showing the last outcome meanwhile.
 */
export function settledLockReads(api: Pick<Remote<NodeApi>, 'verifiedHtlc'>): SettledLockReads {
  const entries = new Map<Hex, Entry>()
  const listeners = new Set<() => void>()
  let current: SettledLocks = new Map()
  const changed = () => {
    current = new Map([...entries].map(([id, entry]) => [id, entry.shown]))
    for (const listener of listeners) listener()
  }
  /** Reads lock `id`, named by transactions up to block `newest` (null: one of them is pending). */
  const readLock = (id: Hex, newest: bigint | null, entry: Entry) => {
    entry.reading = true
    api.verifiedHtlc(id).then(
      ({ value, number }) => {
        entry.reading = false
        entry.kept = value !== null || (newest !== null && number >= newest)
        entry.shown = { state: 'read', lock: value }
        changed()
      },
      (err: unknown) => {
        entry.reading = false
        entry.shown = { state: 'failed', error: err instanceof Error ? err.message : String(err) }
        changed()
      },
    )
  }
  const readLocks = (named: readonly (readonly [id: Hex, block: bigint | null])[]) => {
    /** Each lock to read, with the newest block of the transactions naming it (null: one is pending). */
    const wanted = new Map<Hex, bigint | null>()
    for (const [id, block] of named) {
      const entry = entries.get(id)
      if (entry?.kept === true || entry?.reading === true) continue
      const newest = wanted.get(id)
      if (newest === null || block === null) wanted.set(id, null)
      else wanted.set(id, newest !== undefined && newest > block ? newest : block)
    }
    if (wanted.size === 0) return
    for (const [id, newest] of wanted) {
      const entry = entries.get(id) ?? { shown: { state: 'reading' }, kept: false, reading: false }
      entries.set(id, entry)
      readLock(id, newest, entry)
    }
    changed()
  }
  return {
    read(txs) {
      readLocks(
        txs.flatMap((tx) => {
          if ('error' in tx) return []
          const id = settledLockId(tx)
          return id === null ? [] : [[id, tx.blockNumber] as const]
        }),
      )
    },
    readLocks,
    current: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
