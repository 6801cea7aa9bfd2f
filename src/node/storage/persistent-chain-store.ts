import type { Hex } from 'viem'
import {
  type ChainBatch,
  type ChainStore,
  MemoryChainStore,
  type StoredBlock,
  type TxLocation,
} from '../chain/chain-store'
import type { NodeStore } from '../state/trie'
import { type StorageError, toStorageError } from './errors'
import type { BlockCommit, HeadRecord, NodeRepository } from './types'

export interface PersistentChainStoreOptions {
  /** Called once, with the first failed write; later batches are then kept in memory only. */
  readonly onError?: (error: StorageError) => void
  /** State nodes read per IndexedDB request at start. */
  readonly stateBatchSize?: number
}

/**
 * The chain core's `ChainStore` backed by a `NodeRepository`: reads are synchronous from a memory
 * cache loaded at start (`open`), and each `write` is committed in the background as one repository
 * commit, in order. So each batch is all stored or absent, the stored head is always a fully stored
 * block, and a reload resumes from the last stored batch without replaying the chain.
 *
 * A failed commit (quota) stops persistence: later batches would depend on it, so they stay in
 * memory only and the stored chain stays a consistent prefix; `onError` and `flush()` report it.
 */
export class PersistentChainStore implements ChainStore {
  readonly #memory: MemoryChainStore
  readonly #repo: NodeRepository
  readonly #onError: ((error: StorageError) => void) | undefined
  readonly #pending: BlockCommit[] = []
  #draining: Promise<void> | undefined
  #error: StorageError | undefined

  private constructor(memory: MemoryChainStore, repo: NodeRepository, options: PersistentChainStoreOptions) {
    this.#memory = memory
    this.#repo = repo
    this.#onError = options.onError
  }

  /** Loads the stored state nodes, blocks, canonical index, tx index and head into memory. */
  static async open(
    repo: NodeRepository,
    options: PersistentChainStoreOptions = {},
  ): Promise<PersistentChainStore> {
    const memory = new MemoryChainStore()
    await repo.loadStateNodes((batch) => memory.nodes.putAll(batch), options.stateBatchSize)
    const snapshot = await repo.loadChain()
    memory.write({
      blocks: snapshot.blocks,
      canonical: snapshot.canonical,
      txIndex: snapshot.txIndex,
      ...(snapshot.head === undefined ? {} : { head: snapshot.head.hash }),
    })
    return new PersistentChainStore(memory, repo, options)
  }

  get nodes(): NodeStore {
    return this.#memory.nodes
  }

  getBlock(hash: Hex): StoredBlock | undefined {
    return this.#memory.getBlock(hash)
  }

  getCanonicalHash(number: bigint): Hex | undefined {
    return this.#memory.getCanonicalHash(number)
  }

  getTxLocation(hash: Hex): TxLocation | undefined {
    return this.#memory.getTxLocation(hash)
  }

  getHead(): Hex | undefined {
    return this.#memory.getHead()
  }

  /** Applies `batch` to memory at once and queues its commit to the repository. */
  write(batch: ChainBatch): void {
    this.#memory.write(batch)
    if (this.#error !== undefined) return
    this.#pending.push(toBlockCommit(batch, (hash) => this.#memory.getBlock(hash)))
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined
    })
  }

  /**
   * Commits queued batches in order. Batches queued while a commit runs are merged into the next one
   * (a sync burst then costs one transaction per round, not per block): the merged commit applies
   * their writes in order, so it stores exactly what the batches would one by one, and the stored
   * chain still only ever moves from one batch boundary to a later one.
   */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && this.#error === undefined) {
      const commit = mergeCommits(this.#pending.splice(0))
      try {
        await this.#repo.commitBlock(commit)
      } catch (e) {
        this.#error = toStorageError(e)
        this.#pending.length = 0
        this.#onError?.(this.#error)
      }
    }
  }

  /** Resolves once every queued batch is stored; rejects with the error that stopped persistence. */
  async flush(): Promise<void> {
    await this.#draining
    if (this.#error !== undefined) throw this.#error
  }

  /** The error that stopped persistence, if any. */
  get storageError(): StorageError | undefined {
    return this.#error
  }
}

/**
 * The repository commit of a chain core batch: the same records, with the head hash expanded to a
 * `HeadRecord` from `getBlock` (which must already know the head block, e.g. the batch applied to memory).
 */
export function toBlockCommit(
  batch: ChainBatch,
  getBlock: (hash: Hex) => StoredBlock | undefined,
): BlockCommit {
  const { head, ...rest } = batch
  if (head === undefined) return rest
  const block = getBlock(head)
  // The chain core only moves its head to a block it stored first (or in the same batch).
  if (block === undefined) throw new RangeError(`head ${head} is not a stored block`)
  return {
    ...rest,
    head: { hash: head, number: block.block.header.number, totalDifficulty: block.totalDifficulty },
  }
}

/** One commit doing what `commits` do in order (later writes of a key win, the last head wins). */
function mergeCommits(commits: readonly BlockCommit[]): BlockCommit {
  if (commits.length === 1) return commits[0] as BlockCommit
  let head: HeadRecord | undefined
  for (const c of commits) head = c.head ?? head
  const merged: BlockCommit = {
    blocks: commits.flatMap((c) => c.blocks ?? []),
    headers: commits.flatMap((c) => c.headers ?? []),
    stateNodes: commits.flatMap((c) => c.stateNodes ?? []),
    canonical: commits.flatMap((c) => c.canonical ?? []),
    txIndex: commits.flatMap((c) => c.txIndex ?? []),
  }
  return head === undefined ? merged : { ...merged, head }
}
