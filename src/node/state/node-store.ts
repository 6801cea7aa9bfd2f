import type { Hex } from 'viem'
import { toHex } from '../codec/bytes'
import type { NodeStore, TrieNodeRecord } from './trie'

/** In-memory content-addressed node store (the twin of the IndexedDB store). */
export class MemoryNodeStore implements NodeStore {
  readonly #nodes = new Map<string, Uint8Array>()
  /**
   * Records written but not yet indexed by hex hash. A block import writes a few nodes per
   * transaction, and keying each by its hex hash was the costliest line of an import, while reads
   * are rare (the live tree holds its nodes as objects; the store is read only when a state is
   * rebuilt from a root). So the index is brought up to date by the first read after a write.
   */
  #pending: TrieNodeRecord[] = []

  get(hash: Hex): Uint8Array | undefined {
    this.#index()
    return this.#nodes.get(hash.toLowerCase())
  }

  /** Stores the nodes a commit created. */
  putAll(records: Iterable<TrieNodeRecord>): void {
    for (const r of records) this.#pending.push(r)
  }

  #index(): void {
    if (this.#pending.length === 0) return
    for (const r of this.#pending) this.#nodes.set(toHex(r.hash), r.encoded)
    this.#pending = []
  }
}
