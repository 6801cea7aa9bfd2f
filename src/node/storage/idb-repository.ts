import { type IDBPDatabase, type IDBPTransaction, openDB } from 'idb'
import type { Hex } from 'viem'
import type { Receipt } from '../chain/types'
import { toHex } from '../codec/bytes'
import type { ProfileLocks } from '../profile/locks'
import type { TrieNodeRecord } from '../state/trie'
import { StorageError, toStorageError } from './errors'
import { checkChain } from './open-check'
import {
  type BodyRow,
  blockFromRows,
  checkStateNode,
  type HeaderRow,
  hashKey,
  type LogRow,
  logMatches,
  logRecord,
  META_HEAD,
  META_SCHEMA,
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
  WriteOptions,
} from './types'

/** Version of the database layout below; `upgrade` migrates every older version step by step. */
export const SCHEMA_VERSION = 2

/**
 * The IndexedDB database of a node profile on one chain. Each chain (genesis) a profile runs gets its own
 * database, so a server switching chains, or a devnet restart, starts the profile afresh on the new chain
 * and leaves the other chain's data as it was.
 */
export function databaseName(profileId: string, chain: ChainIdentity): string {
  return `tabchain-node-${profileId}-${chain.chainId}-${chain.genesisHash.slice(2, 18).toLowerCase()}`
}

export interface IdbRepositoryOptions {
  /** The node profile (src/node/profile) whose database this is. */
  readonly profileId: string
  readonly chain: ChainIdentity
  /** Test hook, see `BeforeWriteHook`. */
  readonly beforeWrite?: BeforeWriteHook
}

/**
 * The Web Lock a node holds for as long as it has its profile's database open. The page's profile lock
 * (`lockName`, profile/claim.ts) is let go when its document unloads, which can be before its worker has
 * ended; this one is the worker's own, freed only when that worker ends or closes the database. So a
 * reloaded tab's new node never opens (and writes to) the database while the old node still can.
 * Not under `lockName('')`: it does not count as a profile some tab runs.
 */
export const writerLockName = (profileId: string): string => `tabchain:profile-writer:${profileId}`

export interface ProfileRepositoryOptions extends IdbRepositoryOptions {
  /** Web Locks in the app (`webLocks`), `memoryLocks` in tests. */
  readonly locks: ProfileLocks
  /** How long to wait for a node that still holds the writer lock to end, ms. */
  readonly waitMs: number
}

/**
 * `openIdbRepository` for the one node that holds the profile's writer lock (`writerLockName`), taken
 * first (waiting up to `waitMs`) and held until the repository is closed: a second opener of the same
 * profile gets `StorageError` `STORAGE_IN_USE` and never opens the database (opening writes to it). Other
 * errors as `openIdbRepository`, the lock let go.
 */
export async function openProfileRepository(options: ProfileRepositoryOptions): Promise<NodeRepository> {
  const { locks, waitMs, ...open } = options
  const held = await locks.acquire(writerLockName(options.profileId), waitMs)
  if (held === null)
    throw new StorageError({ code: 'STORAGE_IN_USE', profileId: options.profileId, waitedMs: waitMs })
  // Once: a failed open closes the repository it made (letting go) and then lands here.
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    held()
  }
  try {
    return await openIdbRepository({ ...open, onClose: release })
  } catch (err) {
    release()
    throw err
  }
}

/** Untyped schema: compound keys and per-store value shapes are checked in ./rows instead. */
type Db = IDBPDatabase<unknown>

/** Creates or migrates the object stores. Keys are out-of-line (see ./rows for each store's key). */
function upgrade(
  db: Db,
  oldVersion: number,
  tx: IDBPTransaction<unknown, StoreName[], 'versionchange'>,
): void {
  if (oldVersion < 1) {
    for (const name of [
      'headers',
      'bodies',
      'receipts',
      'canonical',
      'txIndex',
      'stateNodes',
      'meta',
    ] as const) {
      db.createObjectStore(name)
    }
    const logs = db.createObjectStore('logs')
    logs.createIndex('byAddress', ['a', 'n'])
    logs.createIndex('byTopic0', ['t0', 'n'])
    logs.createIndex('byNumber', 'n')
  }
  if (oldVersion < 2) {
    // Version 2: the swaps' append-only event logs (src/trade/swap), key [swapId, seq].
    db.createObjectStore('swapEvents')
  }
  tx.objectStore('meta').put(SCHEMA_VERSION, META_SCHEMA).catch(ignoreRequestError)
}

/**
 * Opens (creating or upgrading) the profile's IndexedDB repository; `onClose` runs once when it closes.
 * The app's node opens it through `openProfileRepository`, which holds the profile's writer lock. Throws `StorageError`:
 * `STORAGE_UNAVAILABLE` without IndexedDB or when opening fails, `STORAGE_CORRUPT` when the database
 * was written by a newer schema or lacks the stores its version should have, `STORAGE_WRONG_CHAIN` when it holds another chain.
 */
export async function openIdbRepository(
  options: IdbRepositoryOptions & { readonly onClose?: () => void },
): Promise<NodeRepository> {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError({ code: 'STORAGE_UNAVAILABLE', reason: 'IndexedDB is not available' })
  }
  let repo: IdbRepository | undefined
  let db: Db
  /** Why the upgrade gave up (a database of this name without this app's stores), if it did. */
  let unfit: string | undefined
  try {
    db = await openDB(databaseName(options.profileId, options.chain), SCHEMA_VERSION, {
      upgrade: (d, oldVersion, _newVersion, tx) => {
        const change = tx as unknown as IDBPTransaction<unknown, StoreName[], 'versionchange'>
        // An aborted upgrade fails the open itself: its transaction's own rejection is not news.
        change.done.catch(() => {})
        try {
          upgrade(d, oldVersion, change)
        } catch (err) {
          // Thrown out of the handler, it would be uncaught in the worker; the open would fail anyway.
          unfit = err instanceof Error ? err.message : String(err)
          change.abort()
        }
      },
      // Another tab opens a newer schema: step aside rather than block its upgrade forever.
      blocking: () => repo?.close(),
      // The browser closed the connection (storage cleared, disk error).
      terminated: () => repo?.close(),
    })
  } catch (e) {
    if (unfit !== undefined) {
      throw new StorageError({
        code: 'STORAGE_CORRUPT',
        reason: `the database does not hold this app's stores: ${unfit}`,
      })
    }
    if (e instanceof Error && e.name === 'VersionError') {
      throw new StorageError({
        code: 'STORAGE_CORRUPT',
        reason: 'the database was written by a newer schema',
      })
    }
    throw new StorageError({
      code: 'STORAGE_UNAVAILABLE',
      reason: e instanceof Error ? e.message : String(e),
    })
  }
  repo = new IdbRepository(db, options)
  try {
    await checkChain(
      options.chain,
      (key) => repo.getMeta(key),
      (key, value) => repo.putMeta(key, value),
    )
  } catch (e) {
    repo.close()
    throw e
  }
  return repo
}

/** A request's own rejection is reported again by the transaction's outcome; handled there. */
function ignoreRequestError(): void {}

class IdbRepository implements NodeRepository {
  readonly chain: ChainIdentity
  readonly #db: Db
  readonly #beforeWrite: BeforeWriteHook | undefined
  readonly #onClose: (() => void) | undefined
  #closed = false

  constructor(db: Db, options: IdbRepositoryOptions & { readonly onClose?: () => void }) {
    this.#db = db
    this.chain = options.chain
    this.#beforeWrite = options.beforeWrite
    this.#onClose = options.onClose
  }

  #open(): Db {
    if (this.#closed) throw new StorageError({ code: 'STORAGE_CLOSED' })
    return this.#db
  }

  /** Runs a read; errors become StorageErrors (`STORAGE_CLOSED` once closed). */
  async #read<T>(run: (db: Db) => Promise<T>): Promise<T> {
    const db = this.#open()
    try {
      return await run(db)
    } catch (e) {
      if (this.#closed) throw new StorageError({ code: 'STORAGE_CLOSED' })
      if (e instanceof StorageError) throw e
      throw new StorageError({ code: 'STORAGE_CORRUPT', reason: e instanceof Error ? e.message : String(e) })
    }
  }

  async #write(
    stores: StoreName[],
    ops: { store: StoreName; key: IDBValidKey; value: unknown }[],
    bytes: number,
    options: WriteOptions | undefined,
    mode: 'put' | 'add' = 'put',
  ): Promise<void> {
    const db = this.#open()
    if (ops.length === 0) return
    let tx: IDBPTransaction<unknown, StoreName[], 'readwrite'>
    try {
      tx = db.transaction(stores, 'readwrite', { durability: options?.durability ?? 'default' })
    } catch (e) {
      throw this.#closed ? new StorageError({ code: 'STORAGE_CLOSED' }) : toStorageError(e, bytes)
    }
    try {
      for (const op of ops) {
        this.#beforeWrite?.(op.store, op.key)
        const store = tx.objectStore(op.store)
        const request =
          op.value === undefined
            ? store.delete(op.key)
            : mode === 'add'
              ? store.add(op.value, op.key)
              : store.put(op.value, op.key)
        request.catch(ignoreRequestError)
      }
    } catch (e) {
      // A put that throws (uncloneable value, injected failure) leaves the transaction active: abort
      // it so nothing of this commit is stored.
      tx.abort()
      await tx.done.catch(ignoreRequestError)
      throw toStorageError(e, bytes)
    }
    try {
      await tx.done
    } catch (e) {
      // A quota failure surfaces here, as the transaction's error, after the transaction aborted.
      throw toStorageError(tx.error ?? e, bytes)
    }
  }

  async commitBlock(commit: BlockCommit, options?: WriteOptions): Promise<void> {
    const plan = planCommit(commit)
    const stores = [...new Set(plan.ops.map((op) => op.store))]
    await this.#write(stores, plan.ops, plan.bytes, options)
  }

  getHead(): Promise<HeadRecord | undefined> {
    return this.getMeta<HeadRecord>(META_HEAD)
  }

  getBlock(hash: Hex): Promise<BlockRecord | undefined> {
    return this.#read(async (db) => {
      const key = hashKey(hash)
      const tx = db.transaction(['headers', 'bodies', 'receipts'], 'readonly')
      const [header, body, receipts] = await Promise.all([
        tx.objectStore('headers').get(key) as Promise<HeaderRow | undefined>,
        tx.objectStore('bodies').get(key) as Promise<BodyRow | undefined>,
        tx
          .objectStore('receipts')
          .getAll(
            IDBKeyRange.bound(receiptKey(key, 0), receiptKey(key, Number.POSITIVE_INFINITY)),
          ) as Promise<Receipt[]>,
      ])
      return blockFromRows(
        header,
        body,
        Array.from({ length: body?.txHashes.length ?? 0 }, (_, i) => receipts[i]),
      )
    })
  }

  async getBlockByNumber(number: bigint): Promise<BlockRecord | undefined> {
    const hash = await this.getCanonicalHash(number)
    return hash === undefined ? undefined : this.getBlock(hash)
  }

  getCanonicalHash(number: bigint): Promise<Hex | undefined> {
    return this.#read((db) => db.get('canonical', numberKey(number)) as Promise<Hex | undefined>)
  }

  getHeader(hash: Hex): Promise<HeaderRecord | undefined> {
    return this.#read(async (db) => {
      const row = (await db.get('headers', hashKey(hash))) as HeaderRow | undefined
      return row === undefined
        ? undefined
        : { hash: row.hash, header: row.header, totalDifficulty: row.totalDifficulty }
    })
  }

  async getReceipts(blockHash: Hex): Promise<Receipt[]> {
    return (await this.getBlock(blockHash))?.receipts.slice() ?? []
  }

  getTxLocation(txHash: Hex): Promise<TxLocation | undefined> {
    return this.#read((db) => db.get('txIndex', hashKey(txHash)) as Promise<TxLocation | undefined>)
  }

  getReceipt(txHash: Hex): Promise<{ receipt: Receipt; location: TxLocation } | undefined> {
    return this.#read(async (db) => {
      const tx = db.transaction(['txIndex', 'receipts'], 'readonly')
      const location = (await tx.objectStore('txIndex').get(hashKey(txHash))) as TxLocation | undefined
      if (location === undefined) return undefined
      const receipt = (await tx
        .objectStore('receipts')
        .get(receiptKey(location.blockHash, location.index))) as Receipt | undefined
      return receipt === undefined ? undefined : { receipt, location }
    })
  }

  getLogs(filter: LogFilter): Promise<LogRecord[]> {
    return this.#read(async (db) => {
      const from = numberKey(filter.fromBlock)
      const to = numberKey(filter.toBlock)
      if (from > to) return []
      const tx = db.transaction(['logs', 'canonical'], 'readonly')
      const logs = tx.objectStore('logs')
      // The narrowest index first: an address or a topic0 selects far fewer logs than a block range.
      let rows: LogRow[]
      if (filter.address !== undefined) {
        const a = filter.address.toLowerCase()
        rows = await logs.index('byAddress').getAll(IDBKeyRange.bound([a, from], [a, to]))
      } else if (filter.topic0 !== undefined) {
        const t0 = filter.topic0.toLowerCase()
        rows = await logs.index('byTopic0').getAll(IDBKeyRange.bound([t0, from], [t0, to]))
      } else {
        rows = await logs.index('byNumber').getAll(IDBKeyRange.bound(from, to))
      }
      rows = rows.filter((row) => logMatches(row, filter))
      // Logs of blocks that lost a reorg stay stored with their block; only canonical ones answer.
      const numbers = [...new Set(rows.map((row) => row.n))]
      const hashes = await Promise.all(
        numbers.map((n) => tx.objectStore('canonical').get(n) as Promise<Hex | undefined>),
      )
      const canonical = new Map(numbers.map((n, i) => [n, hashes[i]]))
      return rows
        .filter((row) => canonical.get(row.n) === hashKey(row.blockHash))
        .sort((x, y) => x.n - y.n || x.logIndex - y.logIndex)
        .map(logRecord)
    })
  }

  loadChain(): Promise<ChainSnapshot> {
    return this.#read(async (db) => {
      const stores = ['headers', 'bodies', 'receipts', 'canonical', 'txIndex', 'meta'] as const
      const tx = db.transaction([...stores], 'readonly')
      const [
        headers,
        bodyKeys,
        bodies,
        receiptKeys,
        receipts,
        canonicalKeys,
        canonical,
        txKeys,
        txLocations,
        head,
      ] = await Promise.all([
        tx.objectStore('headers').getAll() as Promise<HeaderRow[]>,
        tx.objectStore('bodies').getAllKeys() as Promise<Hex[]>,
        tx.objectStore('bodies').getAll() as Promise<BodyRow[]>,
        tx.objectStore('receipts').getAllKeys() as Promise<[Hex, number][]>,
        tx.objectStore('receipts').getAll() as Promise<Receipt[]>,
        tx.objectStore('canonical').getAllKeys() as Promise<number[]>,
        tx.objectStore('canonical').getAll() as Promise<Hex[]>,
        tx.objectStore('txIndex').getAllKeys() as Promise<Hex[]>,
        tx.objectStore('txIndex').getAll() as Promise<TxLocation[]>,
        tx.objectStore('meta').get(META_HEAD) as Promise<HeadRecord | undefined>,
      ])
      const headerByHash = new Map(headers.map((row) => [hashKey(row.hash), row]))
      // Receipt keys sort by block hash then index, so each block's receipts are one run in order.
      const receiptsByBlock = new Map<string, Receipt[]>()
      receiptKeys.forEach(([blockHash], i) => {
        let list = receiptsByBlock.get(blockHash)
        if (list === undefined) {
          list = []
          receiptsByBlock.set(blockHash, list)
        }
        list.push(receipts[i] as Receipt)
      })
      const blocks: BlockRecord[] = []
      bodyKeys.forEach((key, i) => {
        const body = bodies[i] as BodyRow
        const list = receiptsByBlock.get(key) ?? []
        const b = blockFromRows(
          headerByHash.get(key),
          body,
          Array.from({ length: body.txHashes.length }, (_, j) => list[j]),
        )
        if (b !== undefined) blocks.push(b)
      })
      return {
        head,
        blocks,
        canonical: canonicalKeys.map((n, i) => ({ number: BigInt(n), hash: canonical[i] as Hex })),
        txIndex: txKeys.map((hash, i) => ({ hash, location: txLocations[i] as TxLocation })),
      }
    })
  }

  loadRecent(depth: number): Promise<ChainSnapshot> {
    return this.#read(async (db) => {
      const tx = db.transaction(['headers', 'bodies', 'receipts', 'canonical', 'txIndex', 'meta'], 'readonly')
      const head = (await tx.objectStore('meta').get(META_HEAD)) as HeadRecord | undefined
      if (head === undefined) return { head, blocks: [], canonical: [], txIndex: [] }
      const from = Math.max(1, numberKey(head.number) - depth)
      const canonicalStore = tx.objectStore('canonical')
      const range = IDBKeyRange.lowerBound(from)
      const [genesis, keys, hashes] = await Promise.all([
        canonicalStore.get(0) as Promise<Hex | undefined>,
        canonicalStore.getAllKeys(range) as Promise<number[]>,
        canonicalStore.getAll(range) as Promise<Hex[]>,
      ])
      const canonical = keys.map((n, i) => ({ number: BigInt(n), hash: hashes[i] as Hex }))
      if (genesis !== undefined) canonical.unshift({ number: 0n, hash: genesis })
      const read = async (hash: Hex): Promise<BlockRecord | undefined> => {
        const [header, body] = await Promise.all([
          tx.objectStore('headers').get(hash) as Promise<HeaderRow | undefined>,
          tx.objectStore('bodies').get(hash) as Promise<BodyRow | undefined>,
        ])
        const receipts = (await tx
          .objectStore('receipts')
          .getAll(
            IDBKeyRange.bound(receiptKey(hash, 0), receiptKey(hash, Number.POSITIVE_INFINITY)),
          )) as Receipt[]
        return blockFromRows(
          header,
          body,
          Array.from({ length: body?.txHashes.length ?? 0 }, (_, i) => receipts[i]),
        )
      }
      const blocks = (await Promise.all(canonical.map((c) => read(c.hash)))).filter(
        (b): b is BlockRecord => b !== undefined,
      )
      const txHashes = blocks.flatMap((b) => b.txHashes)
      const locations = await Promise.all(
        txHashes.map((h) => tx.objectStore('txIndex').get(hashKey(h)) as Promise<TxLocation | undefined>),
      )
      const txIndex = txHashes.flatMap((hash, i) => {
        const location = locations[i]
        return location === undefined ? [] : [{ hash, location }]
      })
      return { head, blocks, canonical, txIndex }
    })
  }

  getStateNodes(hashes: readonly Hex[]): Promise<(Uint8Array | undefined)[]> {
    return this.#read(async (db) => {
      const store = db.transaction('stateNodes', 'readonly').objectStore('stateNodes')
      const values: unknown[] = await Promise.all(hashes.map((h) => store.get(hashKey(h))))
      return values.map((v) => (v === undefined ? undefined : checkStateNode(v).encoded))
    })
  }

  getStateNode(hash: Hex): Promise<Uint8Array | undefined> {
    return this.#read(async (db) => {
      const value: unknown = await db.get('stateNodes', hashKey(hash))
      return value === undefined ? undefined : checkStateNode(value).encoded
    })
  }

  loadStateNodes(sink: (batch: TrieNodeRecord[]) => void, batchSize = 10_000): Promise<number> {
    return this.#read(async (db) => {
      let count = 0
      let after: string | undefined
      for (;;) {
        // One short transaction per batch: the sink may be slow, and state nodes are only ever added.
        const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true)
        const values: unknown[] = await db.getAll('stateNodes', range, batchSize)
        if (values.length === 0) return count
        const batch = values.map(checkStateNode)
        count += batch.length
        sink(batch)
        if (values.length < batchSize) return count
        after = toHex((batch[batch.length - 1] as TrieNodeRecord).hash)
      }
    })
  }

  async appendSwapEvent(row: SwapEventRow, options?: WriteOptions): Promise<void> {
    const key = swapEventKey(row.swapId, row.seq)
    const value: SwapEventRow = { swapId: key[0], seq: row.seq, event: row.event }
    // `add` refuses an existing key (ConstraintError aborts the transaction): the log is append-only.
    await this.#write(['swapEvents'], [{ store: 'swapEvents', key, value }], 0, options, 'add')
  }

  getSwapEvents(swapId: Hex): Promise<SwapEventRow[]> {
    return this.#read(async (db) => {
      const id = swapEventKey(swapId, 0)[0]
      const range = IDBKeyRange.bound([id, 0], [id, Number.POSITIVE_INFINITY])
      return (await db.getAll('swapEvents', range)) as SwapEventRow[]
    })
  }

  swapIds(): Promise<Hex[]> {
    return this.#read(async (db) => {
      const keys = (await db.getAllKeys('swapEvents')) as [Hex, number][]
      return [...new Set(keys.map(([id]) => id))]
    })
  }

  getMeta<T>(key: string): Promise<T | undefined> {
    return this.#read((db) => db.get('meta', key) as Promise<T | undefined>)
  }

  putMeta(key: string, value: unknown, options?: WriteOptions): Promise<void> {
    return this.#write(['meta'], [{ store: 'meta', key, value }], 0, options)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
    this.#onClose?.()
  }
}
