import type { Hex } from 'viem'
import { toHex } from '../codec/bytes'
import type { NodeStore, TrieNodeRecord } from './trie'

/** In-memory content-addressed node store (the twin of the IndexedDB store). */
export class MemoryNodeStore implements NodeStore {
  readonly #nodes = new Map<string, Uint8Array>()

  get(hash: Hex): Uint8Array | undefined {
    return this.#nodes.get(hash.toLowerCase())
  }

  /** Stores the nodes a commit created. */
  putAll(records: Iterable<TrieNodeRecord>): void {
    for (const r of records) this.#nodes.set(toHex(r.hash), r.encoded)
  }

  get size(): number {
    return this.#nodes.size
  }
}
