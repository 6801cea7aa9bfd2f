import type { Hex } from 'viem'
import {
  type ChainBatch,
  type ChainStore,
  MemoryChainStore,
  type StoredBlock,
  type TxLocation,
} from '../chain/chain-store'
import { fromHex, toHex } from '../codec/bytes'
import { EMPTY_ROOT, type NodeStore, nodeChildren, type TrieNodeRecord } from '../state/trie'
import { StorageError, toStorageError } from './errors'
import type { BlockCommit, HeadRecord, NodeRepository } from './types'

export interface PersistentChainStoreOptions {
  /** Called once, with the first failed write; later batches are then kept in memory only. */
  readonly onError?: (error: StorageError) => void
  /** State nodes read per IndexedDB request by the background load. */
  readonly stateBatchSize?: number
  /**
   * Canonical blocks below the head loaded before `open` resolves (default 256, above any chain's
   * reorg limit, so every block a new block may fork from is in memory at once).
   */
  readonly recentBlocks?: number
}

/** The default of `PersistentChainStoreOptions.recentBlocks`. */
export const RECENT_BLOCKS = 256

/**
 * The chain core's `ChainStore` backed by a `NodeRepository`: reads are synchronous from a memory
 * cache loaded at start (`open`), and each `write` is committed in the background as one repository
 * commit, in order. So each batch is all stored or absent, the stored head is always a fully stored
 * block, and a reload resumes from the last stored batch without replaying the chain.
 *
 * A failed commit (quota) stops persistence: later batches would depend on it, so they stay in
 * memory only and the stored chain stays a consistent prefix; `onError` and `flush()` report it.
 *
 * Start-up is lazy so that it does not grow with the chain: `open` reads the head, the recent canonical
 * blocks and the state trees under their roots (what importing, mining and account queries need),
 * and the rest — older blocks, side branches, older state nodes — is loaded in the background
 * (`loaded`). Until then a lookup of an old block answers undefined.
 */
export class PersistentChainStore implements ChainStore {
  readonly #memory: MemoryChainStore
  readonly #repo: NodeRepository
  readonly #onError: ((error: StorageError) => void) | undefined
  readonly #pending: BlockCommit[] = []
  #draining: Promise<void> | undefined
  #error: StorageError | undefined
  #fullyLoaded = false

  private constructor(
    memory: MemoryChainStore,
    repo: NodeRepository,
    options: PersistentChainStoreOptions,
    firstRecent: bigint,
  ) {
    this.#memory = memory
    this.#repo = repo
    this.#onError = options.onError
    this.loaded = this.#loadRest(firstRecent, options.stateBatchSize)
    // Awaited by whoever cares; unobserved, a failure must not count as unhandled.
    this.loaded.catch(() => {})
  }

  async #loadRest(firstRecent: bigint, stateBatchSize: number | undefined): Promise<void> {
    try {
      await this.#repo.loadStateNodes((batch) => this.#memory.nodes.putAll(batch), stateBatchSize)
      const all = await this.#repo.loadChain()
      const memory = this.#memory
      memory.write({
        blocks: all.blocks.filter((b) => memory.getBlock(b.hash) === undefined),
        canonical: all.canonical.filter(
          (c) => c.number < firstRecent && memory.getCanonicalHash(c.number) === undefined,
        ),
        txIndex: all.txIndex.filter(
          (t) => t.location.blockNumber < firstRecent && memory.getTxLocation(t.hash) === undefined,
        ),
      })
      this.#fullyLoaded = true
    } catch (e) {
      throw toStorageError(e)
    }
  }

  /**
   * Resolves once everything is in memory: every stored block, canonical and tx index entry and
   * state node. Rejects with the `StorageError` that stopped the background load.
   */
  readonly loaded: Promise<void>

  /** True once `loaded` has resolved; stays false after a failed load. */
  get fullyLoaded(): boolean {
    return this.#fullyLoaded
  }

  /**
   * Loads the head, the recent canonical chain (`recentBlocks`) with its tx index, and the state
   * trees of those blocks, then starts loading the rest in the background (`loaded`).
   */
  static async open(
    repo: NodeRepository,
    options: PersistentChainStoreOptions = {},
  ): Promise<PersistentChainStore> {
    const memory = new MemoryChainStore()
    const recent = await repo.loadRecent(options.recentBlocks ?? RECENT_BLOCKS)
    memory.write({
      blocks: recent.blocks,
      canonical: recent.canonical,
      txIndex: recent.txIndex,
      ...(recent.head === undefined ? {} : { head: recent.head.hash }),
    })
    await loadTrees(
      repo,
      memory.nodes,
      recent.blocks.map((b) => b.block.header.stateRoot),
    )
    // Heights at or above the first recent one were loaded as they are now; the background load fills
    // in below it only, never overwriting what imports have written since.
    const firstRecent = recent.canonical.find((c) => c.number > 0n)?.number ?? 0n
    return new PersistentChainStore(memory, repo, options, firstRecent)
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

/**
 * Loads the state trees under `roots` into `nodes`, level by level (one repository read per level),
 * skipping subtrees already there: recent states share most of their nodes, so this reads about the
 * head's tree plus what the recent blocks changed.
 */
async function loadTrees(
  repo: NodeRepository,
  nodes: NodeStore & { putAll(records: Iterable<TrieNodeRecord>): void },
  roots: readonly Hex[],
): Promise<void> {
  const seen = new Set<string>()
  const want = (hash: Hex): boolean => {
    const key = hash.toLowerCase()
    if (key === EMPTY_ROOT || seen.has(key) || nodes.get(key as Hex) !== undefined) return false
    seen.add(key)
    return true
  }
  let level = roots.filter(want)
  while (level.length > 0) {
    const encodings = await repo.getStateNodes(level)
    const records: TrieNodeRecord[] = []
    const next: Hex[] = []
    level.forEach((hash, i) => {
      const encoded = encodings[i]
      // A missing node surfaces as the state layer's STATE_MISSING_NODE when a state reads it.
      if (encoded === undefined) return
      records.push({ hash: fromHex(hash), encoded })
      let children: Uint8Array[]
      try {
        children = nodeChildren(encoded)
      } catch {
        throw new StorageError({ code: 'STORAGE_CORRUPT', reason: `undecodable state node ${hash}` })
      }
      for (const child of children) {
        const childHash = toHex(child)
        if (want(childHash)) next.push(childHash)
      }
    })
    nodes.putAll(records)
    level = next
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
