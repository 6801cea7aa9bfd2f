import type { Hex } from 'viem'
import { MemoryNodeStore } from '../state/node-store'
import type { NodeStore, TrieNodeRecord } from '../state/trie'
import type { Block, Receipt } from './types'

/** A block as the chain keeps it: validated, executed, with its receipts and cumulative work. */
export interface StoredBlock {
  readonly hash: Hex
  readonly block: Block
  /** Sum of the difficulties from genesis to this block, inclusive. */
  readonly totalDifficulty: bigint
  /** Transaction hashes in block order (`keccak256(raw)`). */
  readonly txHashes: readonly Hex[]
  readonly receipts: readonly Receipt[]
}

/** Where a transaction sits on the canonical chain. */
export interface TxLocation {
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly index: number
}

/**
 * One atomic write: everything importing a block (or switching branches) changes. An IndexedDB
 * implementation applies it in a single transaction, so a killed tab leaves each block all there or
 * not there (docs/DESIGN.md §6).
 */
export interface ChainBatch {
  readonly blocks?: readonly StoredBlock[]
  /** Tree nodes the blocks' state transitions created. */
  readonly stateNodes?: readonly TrieNodeRecord[]
  /** Canonical hash by number; `undefined` deletes the entry (the chain got shorter). */
  readonly canonical?: readonly { readonly number: bigint; readonly hash: Hex | undefined }[]
  /** Transaction index of the canonical chain; `undefined` deletes the entry. */
  readonly txIndex?: readonly { readonly hash: Hex; readonly location: TxLocation | undefined }[]
  readonly head?: Hex
}

/**
 * The chain's storage seam: synchronous reads, one atomic `write` per import. The in-memory store below
 * is the twin of the IndexedDB one (a later issue), which reads through a memory cache loaded at start
 * and writes each batch in one transaction.
 */
export interface ChainStore {
  /** Content-addressed state tree nodes (every stored block's state is readable from its root). */
  readonly nodes: NodeStore
  getBlock(hash: Hex): StoredBlock | undefined
  getCanonicalHash(number: bigint): Hex | undefined
  getTxLocation(hash: Hex): TxLocation | undefined
  getHead(): Hex | undefined
  write(batch: ChainBatch): void
  /**
   * For a store that loads its older blocks in the background: resolves once every stored block is
   * readable (until then an older block answers undefined). Absent: everything is readable at once.
   */
  readonly loaded?: Promise<void>
  /** False until `loaded` has resolved (older blocks may answer undefined). Absent: always true. */
  readonly fullyLoaded?: boolean
}

/** The in-memory chain store. */
export class MemoryChainStore implements ChainStore {
  readonly nodes = new MemoryNodeStore()
  private readonly blocks = new Map<Hex, StoredBlock>()
  private readonly canonical = new Map<bigint, Hex>()
  private readonly txIndex = new Map<Hex, TxLocation>()
  private head: Hex | undefined

  getBlock(hash: Hex): StoredBlock | undefined {
    return this.blocks.get(hash)
  }

  getCanonicalHash(number: bigint): Hex | undefined {
    return this.canonical.get(number)
  }

  getTxLocation(hash: Hex): TxLocation | undefined {
    return this.txIndex.get(hash)
  }

  getHead(): Hex | undefined {
    return this.head
  }

  write(batch: ChainBatch): void {
    if (batch.stateNodes !== undefined) this.nodes.putAll(batch.stateNodes)
    for (const b of batch.blocks ?? []) this.blocks.set(b.hash, b)
    for (const { number, hash } of batch.canonical ?? []) {
      if (hash === undefined) this.canonical.delete(number)
      else this.canonical.set(number, hash)
    }
    for (const { hash, location } of batch.txIndex ?? []) {
      if (location === undefined) this.txIndex.delete(hash)
      else this.txIndex.set(hash, location)
    }
    if (batch.head !== undefined) this.head = batch.head
  }
}
