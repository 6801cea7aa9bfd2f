import type { Hex } from 'viem'
import type { Receipt } from '../chain/types'
import type { TrieNodeRecord } from '../state/trie'
import { StorageError, toStorageError } from './errors'
import { checkChain } from './open-check'
import {
  type BodyRow,
  blockFromRows,
  type HeaderRow,
  hashKey,
  type LogRow,
  logMatches,
  logRecord,
  META_HEAD,
  numberKey,
  planCommit,
  receiptKey,
  swapEventKey,
} from './rows'
import type {
  BeforeWriteHook,
  BlockCommit,
  BlockRecord,
  ChainIdentity,
  ChainSnapshot,
  HeaderRecord,
  HeadRecord,
  LogFilter,
  LogRecord,
  NodeRepository,
  StoreName,
  SwapEventRow,
  TxLocation,
} from './types'

/**
 * What the memory twin "persists": one per profile, kept by the caller so that closing and reopening a
 * repository on the same backend finds the same data, as reopening an IndexedDB database does.
 */
export interface MemoryBackend {
  readonly stores: Map<StoreName, Map<string, unknown>>
}

/** An empty backend (a fresh profile). */
export function createMemoryBackend(): MemoryBackend {
  return { stores: new Map() }
}

export interface MemoryRepositoryOptions {
  readonly backend: MemoryBackend
  readonly chain: ChainIdentity
  /** Test hook, see `BeforeWriteHook`. */
  readonly beforeWrite?: BeforeWriteHook
}

/** Memory-map key of an IndexedDB key (array keys joined; no key part here contains `/`). */
function mapKey(key: IDBValidKey): string {
  return Array.isArray(key) ? key.map(String).join('/') : String(key)
}

/**
 * Opens the in-memory twin of the IndexedDB repository. Values are structured-cloned on the way in
 * and out, as IndexedDB does, so a caller mutating an object never changes what is stored and an
 * uncloneable value fails the write the same way. Throws `STORAGE_WRONG_CHAIN` when the backend
 * holds another chain.
 */
export async function openMemoryRepository(options: MemoryRepositoryOptions): Promise<NodeRepository> {
  const repo = new MemoryRepository(options)
  await repo.init()
  return repo
}

class MemoryRepository implements NodeRepository {
  readonly chain: ChainIdentity
  readonly #stores: Map<StoreName, Map<string, unknown>>
  readonly #beforeWrite: BeforeWriteHook | undefined
  #closed = false

  constructor(options: MemoryRepositoryOptions) {
    this.chain = options.chain
    this.#stores = options.backend.stores
    this.#beforeWrite = options.beforeWrite
  }

  async init(): Promise<void> {
    await checkChain(
      this.chain,
      (key) => this.getMeta(key),
      (key, value) => this.putMeta(key, value),
    )
  }

  #store(name: StoreName): Map<string, unknown> {
    if (this.#closed) throw new StorageError({ code: 'STORAGE_CLOSED' })
    let s = this.#stores.get(name)
    if (s === undefined) {
      s = new Map()
      this.#stores.set(name, s)
    }
    return s
  }

  #get<T>(name: StoreName, key: IDBValidKey): T | undefined {
    const v = this.#store(name).get(mapKey(key))
    return v === undefined ? undefined : (structuredClone(v) as T)
  }

  async commitBlock(commit: BlockCommit): Promise<void> {
    const plan = planCommit(commit)
    // Stage every write (hook and clone included) before applying any: a failure changes nothing.
    const staged: { map: Map<string, unknown>; key: string; value: unknown }[] = []
    try {
      for (const op of plan.ops) {
        const map = this.#store(op.store)
        this.#beforeWrite?.(op.store, op.key)
        staged.push({
          map,
          key: mapKey(op.key),
          value: op.value === undefined ? undefined : structuredClone(op.value),
        })
      }
    } catch (e) {
      throw toStorageError(e, plan.bytes)
    }
    for (const { map, key, value } of staged) {
      if (value === undefined) map.delete(key)
      else map.set(key, value)
    }
  }

  async getHead(): Promise<HeadRecord | undefined> {
    return this.#get<HeadRecord>('meta', META_HEAD)
  }

  async getBlock(hash: Hex): Promise<BlockRecord | undefined> {
    const key = hashKey(hash)
    const body = this.#get<BodyRow>('bodies', key)
    const receipts: (Receipt | undefined)[] = []
    for (let i = 0; i < (body?.txHashes.length ?? 0); i++)
      receipts.push(this.#get<Receipt>('receipts', receiptKey(key, i)))
    return blockFromRows(this.#get<HeaderRow>('headers', key), body, receipts)
  }

  async getBlockByNumber(number: bigint): Promise<BlockRecord | undefined> {
    const hash = await this.getCanonicalHash(number)
    return hash === undefined ? undefined : this.getBlock(hash)
  }

  async getCanonicalHash(number: bigint): Promise<Hex | undefined> {
    return this.#get<Hex>('canonical', numberKey(number))
  }

  async getHeader(hash: Hex): Promise<HeaderRecord | undefined> {
    const row = this.#get<HeaderRow>('headers', hashKey(hash))
    return row === undefined
      ? undefined
      : { hash: row.hash, header: row.header, totalDifficulty: row.totalDifficulty }
  }

  async getReceipts(blockHash: Hex): Promise<Receipt[]> {
    return (await this.getBlock(blockHash))?.receipts.slice() ?? []
  }

  async getTxLocation(txHash: Hex): Promise<TxLocation | undefined> {
    return this.#get<TxLocation>('txIndex', hashKey(txHash))
  }

  async getReceipt(txHash: Hex): Promise<{ receipt: Receipt; location: TxLocation } | undefined> {
    const location = await this.getTxLocation(txHash)
    if (location === undefined) return undefined
    const receipt = this.#get<Receipt>('receipts', receiptKey(location.blockHash, location.index))
    return receipt === undefined ? undefined : { receipt, location }
  }

  async getLogs(filter: LogFilter): Promise<LogRecord[]> {
    const from = numberKey(filter.fromBlock)
    const to = numberKey(filter.toBlock)
    const canonical = this.#store('canonical')
    const out: LogRow[] = []
    for (const value of this.#store('logs').values()) {
      const row = value as LogRow
      if (row.n < from || row.n > to || !logMatches(row, filter)) continue
      if (canonical.get(mapKey(row.n)) !== hashKey(row.blockHash)) continue
      out.push(structuredClone(row))
    }
    out.sort((x, y) => x.n - y.n || x.logIndex - y.logIndex)
    return out.map(logRecord)
  }

  async loadChain(): Promise<ChainSnapshot> {
    const blocks: BlockRecord[] = []
    for (const key of this.#store('bodies').keys()) {
      const b = await this.getBlock(key as Hex)
      if (b !== undefined) blocks.push(b)
    }
    return {
      head: await this.getHead(),
      blocks,
      canonical: [...this.#store('canonical')].map(([n, hash]) => ({ number: BigInt(n), hash: hash as Hex })),
      txIndex: [...this.#store('txIndex')].map(([hash, location]) => ({
        hash: hash as Hex,
        location: structuredClone(location) as TxLocation,
      })),
    }
  }

  async loadRecent(depth: number): Promise<ChainSnapshot> {
    const head = await this.getHead()
    if (head === undefined) return { head, blocks: [], canonical: [], txIndex: [] }
    const from = Math.max(1, numberKey(head.number) - depth)
    const canonical = [...this.#store('canonical')]
      .map(([n, hash]) => ({ number: BigInt(n), hash: hash as Hex }))
      .filter((c) => c.number === 0n || c.number >= from)
      .sort((a, b) => Number(a.number - b.number))
    const blocks: BlockRecord[] = []
    for (const c of canonical) {
      const b = await this.getBlock(c.hash)
      if (b !== undefined) blocks.push(b)
    }
    const txIndex: { hash: Hex; location: TxLocation }[] = []
    for (const hash of blocks.flatMap((b) => b.txHashes)) {
      const location = await this.getTxLocation(hash)
      if (location !== undefined) txIndex.push({ hash, location })
    }
    return { head, blocks, canonical, txIndex }
  }

  async getStateNodes(hashes: readonly Hex[]): Promise<(Uint8Array | undefined)[]> {
    return hashes.map((h) => this.#get<TrieNodeRecord>('stateNodes', hashKey(h))?.encoded)
  }

  async getStateNode(hash: Hex): Promise<Uint8Array | undefined> {
    return this.#get<TrieNodeRecord>('stateNodes', hashKey(hash))?.encoded
  }

  async loadStateNodes(sink: (batch: TrieNodeRecord[]) => void, batchSize = 10_000): Promise<number> {
    let batch: TrieNodeRecord[] = []
    let count = 0
    for (const value of this.#store('stateNodes').values()) {
      batch.push(structuredClone(value as TrieNodeRecord))
      count++
      if (batch.length === batchSize) {
        sink(batch)
        batch = []
      }
    }
    if (batch.length > 0) sink(batch)
    return count
  }

  async appendSwapEvent(row: SwapEventRow): Promise<void> {
    const key = swapEventKey(row.swapId, row.seq)
    const map = this.#store('swapEvents')
    const k = mapKey(key)
    if (map.has(k)) {
      throw new StorageError({
        code: 'STORAGE_ABORTED',
        reason: `swap event ${row.seq} of ${key[0]} is already stored`,
      })
    }
    try {
      this.#beforeWrite?.('swapEvents', key)
      map.set(k, structuredClone({ swapId: key[0], seq: row.seq, event: row.event }))
    } catch (e) {
      throw toStorageError(e)
    }
  }

  async getSwapEvents(swapId: Hex): Promise<SwapEventRow[]> {
    const id = swapEventKey(swapId, 0)[0]
    const rows: SwapEventRow[] = []
    for (const value of this.#store('swapEvents').values()) {
      const row = value as SwapEventRow
      if (row.swapId === id) rows.push(structuredClone(row))
    }
    return rows.sort((a, b) => a.seq - b.seq)
  }

  async swapIds(): Promise<Hex[]> {
    const ids = new Set<Hex>()
    for (const value of this.#store('swapEvents').values()) ids.add((value as SwapEventRow).swapId)
    return [...ids].sort()
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.#get<T>('meta', key)
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    const map = this.#store('meta')
    try {
      this.#beforeWrite?.('meta', key)
      map.set(key, structuredClone(value))
    } catch (e) {
      throw toStorageError(e)
    }
  }

  close(): void {
    this.#closed = true
  }
}
