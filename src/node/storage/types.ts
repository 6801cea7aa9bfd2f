import type { Address, Hex } from 'viem'
import type { Block, Header, Log, Receipt } from '../chain/types'
import type { TrieNodeRecord } from '../state/trie'

/**
 * The node profile's repository: everything a node keeps across reloads (docs/DESIGN.md §6).
 *
 * Two implementations share this contract and one test suite: `openIdbRepository` (IndexedDB through
 * `idb`, one database per profile) and `openMemoryRepository` (the in-memory twin). Every method is
 * async and throws only `StorageError`. Hashes are `0x` hex; lookups ignore hex case.
 */
export interface NodeRepository {
  /** The chain this repository was opened for (checked against the stored one on open). */
  readonly chain: ChainIdentity

  /**
   * Writes a block import (or a reorg, or a head-only move) atomically: every record of `commit` is
   * stored, or — on any failure, the quota included — none is and the head stays where it was.
   */
  commitBlock(commit: BlockCommit, options?: WriteOptions): Promise<void>

  /** The canonical head, or undefined for a repository no block was committed to. */
  getHead(): Promise<HeadRecord | undefined>
  /** A stored block (canonical or not) with its receipts. */
  getBlock(hash: Hex): Promise<BlockRecord | undefined>
  /** The canonical block at a height. */
  getBlockByNumber(number: bigint): Promise<BlockRecord | undefined>
  getCanonicalHash(number: bigint): Promise<Hex | undefined>
  /** A stored header (of a full block, or of a header-only record). */
  getHeader(hash: Hex): Promise<HeaderRecord | undefined>
  /** The receipts of a stored block, in transaction order (empty when the block is unknown). */
  getReceipts(blockHash: Hex): Promise<Receipt[]>
  /** Where a transaction sits on the canonical chain. */
  getTxLocation(txHash: Hex): Promise<TxLocation | undefined>
  /** The receipt of a canonical transaction, with its location. */
  getReceipt(txHash: Hex): Promise<{ readonly receipt: Receipt; readonly location: TxLocation } | undefined>
  /** Canonical logs matching `filter`, ordered by block number then log index. */
  getLogs(filter: LogFilter): Promise<LogRecord[]>

  /**
   * Everything but the state nodes, read in one go at start: the chain core keeps its index in memory
   * (see `PersistentChainStore`). Blocks come in no particular order.
   */
  loadChain(): Promise<ChainSnapshot>

  /**
   * What a node needs to start at once, read in one go: the head, the canonical chain from `depth`
   * blocks below the head up to it (and the genesis block), and the tx index entries of those blocks.
   * Side branches and older blocks are left to `loadChain` (see `PersistentChainStore.open`).
   */
  loadRecent(depth: number): Promise<ChainSnapshot>

  /** One state tree node's encoding. */
  getStateNode(hash: Hex): Promise<Uint8Array | undefined>
  /** Several state tree nodes in one read, in the order asked (undefined where unknown). */
  getStateNodes(hashes: readonly Hex[]): Promise<(Uint8Array | undefined)[]>
  /**
   * Streams every stored state tree node to `sink` in batches of at most `batchSize` (the chain core
   * keeps the tree in memory and loads it once at start). Resolves with the number of nodes read.
   */
  loadStateNodes(sink: (batch: TrieNodeRecord[]) => void, batchSize?: number): Promise<number>

  /**
   * Appends one event to a swap's log (`src/trade/swap` defines the events; the repository stores
   * `event` as given, structured-cloned). Append-only: a `(swapId, seq)` already stored is refused with
   * `STORAGE_ABORTED` and nothing changes. Swap records must survive a power cut: pass
   * `durability: 'strict'`.
   */
  appendSwapEvent(row: SwapEventRow, options?: WriteOptions): Promise<void>
  /** The events of one swap in `seq` order (empty for an unknown swap). */
  getSwapEvents(swapId: Hex): Promise<SwapEventRow[]>
  /** Every swap with at least one stored event (lower-case ids, sorted). */
  swapIds(): Promise<Hex[]>

  /** Small structured-clonable values by key (settings, later wallet records). */
  getMeta<T>(key: string): Promise<T | undefined>
  putMeta(key: string, value: unknown, options?: WriteOptions): Promise<void>

  /** Closes the repository; every later call throws `STORAGE_CLOSED`. */
  close(): void
}

/** The stored chain, as `loadChain` (all of it) or `loadRecent` (its recent canonical part) read it. */
export interface ChainSnapshot {
  readonly head: HeadRecord | undefined
  /** The full blocks read (for `loadChain`, every one stored, canonical or not). */
  readonly blocks: BlockRecord[]
  readonly canonical: { readonly number: bigint; readonly hash: Hex }[]
  readonly txIndex: { readonly hash: Hex; readonly location: TxLocation }[]
}

/** One event of a swap's append-only log, stored under `[swapId, seq]` (seq counts from 0). */
export interface SwapEventRow {
  readonly swapId: Hex
  readonly seq: number
  readonly event: unknown
}

/** Which chain a database belongs to. A database of another chain refuses to open. */
export interface ChainIdentity {
  readonly chainId: number
  readonly genesisHash: Hex
}

/** IndexedDB transaction durability. `'strict'` for records that must survive a power cut (wallet, swaps). */
export type Durability = 'default' | 'strict' | 'relaxed'

export interface WriteOptions {
  /** Default `'default'` (a killed tab still never leaves a partial transaction). */
  readonly durability?: Durability
}

/** The canonical head: the block with the most cumulative work. */
export interface HeadRecord {
  readonly hash: Hex
  readonly number: bigint
  /** Sum of the difficulties from genesis to the head, inclusive. */
  readonly totalDifficulty: bigint
}

/** A full block as the chain stores it (the same shape as the chain store's `StoredBlock`). */
export interface BlockRecord {
  readonly hash: Hex
  readonly block: Block
  readonly totalDifficulty: bigint
  /** Transaction hashes in block order (`keccak256(raw)`). */
  readonly txHashes: readonly Hex[]
  readonly receipts: readonly Receipt[]
}

/** A header without its body (light mode, or the header half of a full block). */
export interface HeaderRecord {
  readonly hash: Hex
  readonly header: Header
  readonly totalDifficulty: bigint
}

/** Where a transaction sits on the canonical chain. */
export interface TxLocation {
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly index: number
}

/** A log with its position, as `eth_getLogs` reports it. */
export interface LogRecord extends Log {
  readonly blockNumber: bigint
  readonly blockHash: Hex
  readonly transactionHash: Hex
  readonly transactionIndex: number
  /** Index of the log within its block. */
  readonly logIndex: number
}

/** An `eth_getLogs`-style filter: an inclusive block range, optionally one address and one topic0. */
export interface LogFilter {
  readonly fromBlock: bigint
  readonly toBlock: bigint
  readonly address?: Address
  readonly topic0?: Hex
}

/**
 * One atomic write. A block import stores `blocks` (their headers, receipts and logs are indexed from
 * them), the state nodes its execution created, the canonical and transaction-index rewrites, and the
 * new head. A reorg lists every height whose canonical hash changes (`hash: undefined` deletes a height
 * the chain no longer reaches) and every transaction whose location changes (`location: undefined`:
 * the transaction left the canonical chain).
 */
export interface BlockCommit {
  readonly blocks?: readonly BlockRecord[]
  /** Header-only records (light sync). */
  readonly headers?: readonly HeaderRecord[]
  /** State tree nodes the blocks' execution created. */
  readonly stateNodes?: readonly TrieNodeRecord[]
  readonly canonical?: readonly { readonly number: bigint; readonly hash: Hex | undefined }[]
  readonly txIndex?: readonly { readonly hash: Hex; readonly location: TxLocation | undefined }[]
  /** The new head; the head moves in the same transaction as the records above, never alone. */
  readonly head?: HeadRecord
}

/**
 * Test hook: called with each record just before it is written inside a commit's transaction. A
 * throw aborts the transaction (simulates a failing put, e.g. a `QuotaExceededError` DOMException).
 */
export type BeforeWriteHook = (store: StoreName, key: IDBValidKey) => void

/** The repository's record stores (IndexedDB object stores; maps in the memory twin). */
export type StoreName =
  | 'headers'
  | 'bodies'
  | 'receipts'
  | 'canonical'
  | 'txIndex'
  | 'logs'
  | 'stateNodes'
  | 'meta'
  | 'swapEvents'
