import { type IDBPDatabase, openDB } from 'idb'
import { BlockError } from '../chain/block-error'
import { decodeHeader, encodeHeader } from '../chain/header'
import { checkpointWeight, type HeaderCheckpoint } from '../light/header-chain'
import { StorageError, toStorageError } from './errors'
import type { ChainIdentity } from './types'

/**
 * The heaviest stretch of verified headers any node of this browser kept, per chain. Every profile of
 * the browser offers its own (a light client's verified headers, a full node's executed ones); a new
 * profile, which has verified nothing yet, starts its header chain there instead of at the genesis —
 * a second tab of a running browser then syncs a few headers, not the whole chain. The headers were
 * verified by this origin's own code, as a profile's own checkpoint was (`LIGHT_CHECKPOINT_KEY`), and
 * the descendants of the first are checked again by every header rule when a header chain starts there.
 */
export interface SharedHeaders {
  /** The kept checkpoint of this chain; undefined when there is none or it is damaged (never throws for that). */
  get(): Promise<SharedCheckpoint | undefined>
  /**
   * Keeps `shared` unless the kept checkpoint is at least as heavy (its head's total difficulty); returns
   * whether it was kept. Throws `StorageError` when the write fails (the kept one is then unchanged).
   */
  offer(shared: SharedCheckpoint): Promise<boolean>
  close(): void
}

/** Verified headers, and where the state under them is stored in this browser, if anywhere. */
export interface SharedCheckpoint {
  readonly checkpoint: HeaderCheckpoint
  /**
   * The database (`databaseName`) of the full node that executed these blocks: a new tab proves its
   * first reads from the state nodes there (`openStateNodeReader`) before any peer links.
   */
  readonly stateFrom?: string
}

/** The stored form: the headers as their RLP, decoded strictly on read. */
interface Row {
  readonly totalDifficulty: bigint
  readonly headers: readonly Uint8Array[]
  readonly stateFrom?: string
}

/** Name of the browser-wide database: one per origin, beside the profiles' own (`databaseName`). */
export const SHARED_HEADERS_DB = 'tabchain-shared-headers'
const STORE = 'checkpoints'
const VERSION = 1

function chainKey(chain: ChainIdentity): string {
  return `${chain.chainId}-${chain.genesisHash.toLowerCase()}`
}

function toRow({ checkpoint, stateFrom }: SharedCheckpoint): Row {
  return {
    totalDifficulty: checkpoint.totalDifficulty,
    headers: checkpoint.headers.map(encodeHeader),
    ...(stateFrom === undefined ? {} : { stateFrom }),
  }
}

/** What a stored row holds, if it has the shape `toRow` wrote and every header decodes. */
function fromRow(row: unknown): SharedCheckpoint | undefined {
  if (typeof row !== 'object' || row === null) return undefined
  const r = row as Partial<Record<keyof Row, unknown>>
  if (typeof r.totalDifficulty !== 'bigint' || !Array.isArray(r.headers) || r.headers.length === 0)
    return undefined
  if (!r.headers.every((h): h is Uint8Array => h instanceof Uint8Array)) return undefined
  if (r.stateFrom !== undefined && typeof r.stateFrom !== 'string') return undefined
  try {
    const checkpoint = { totalDifficulty: r.totalDifficulty, headers: r.headers.map(decodeHeader) }
    return r.stateFrom === undefined ? { checkpoint } : { checkpoint, stateFrom: r.stateFrom }
  } catch (err) {
    if (err instanceof BlockError) return undefined
    throw err
  }
}

/** Whether `shared` should replace the stored `row`: it is damaged, absent or lighter. */
function heavier(shared: SharedCheckpoint, row: unknown): boolean {
  const kept = fromRow(row)
  return kept === undefined || checkpointWeight(kept.checkpoint) < checkpointWeight(shared.checkpoint)
}

/**
 * Opens the browser's shared headers for `chain` (IndexedDB, `SHARED_HEADERS_DB`). Throws
 * `StorageError` (`STORAGE_UNAVAILABLE`) without IndexedDB or when opening fails: a node runs without it.
 */
export async function openSharedHeaders(chain: ChainIdentity): Promise<SharedHeaders> {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError({ code: 'STORAGE_UNAVAILABLE', reason: 'IndexedDB is not available' })
  }
  let db: IDBPDatabase<unknown>
  try {
    db = await openDB(SHARED_HEADERS_DB, VERSION, {
      upgrade: (d) => {
        d.createObjectStore(STORE)
      },
      // A newer schema opened in another tab: step aside (this node then shares nothing more).
      blocking: () => db.close(),
    })
  } catch (e) {
    throw new StorageError({
      code: 'STORAGE_UNAVAILABLE',
      reason: e instanceof Error ? e.message : String(e),
    })
  }
  const key = chainKey(chain)
  return {
    async get() {
      try {
        return fromRow(await db.get(STORE, key))
      } catch (e) {
        // A closed or failing database shares nothing: the node starts from its own headers.
        console.warn('reading the shared headers failed', e)
        return undefined
      }
    },
    async offer(shared) {
      try {
        const tx = db.transaction(STORE, 'readwrite')
        const keep = heavier(shared, await tx.store.get(key))
        if (keep) await tx.store.put(toRow(shared), key)
        await tx.done
        return keep
      } catch (e) {
        throw toStorageError(e)
      }
    },
    close() {
      db.close()
    },
  }
}

/** In-memory twin (tests): the same rule, the same stored form. */
export function memorySharedHeaders(): SharedHeaders & { readonly rows: Map<string, unknown> } {
  const rows = new Map<string, unknown>()
  const key = 'chain'
  return {
    rows,
    async get() {
      return fromRow(rows.get(key))
    },
    async offer(shared) {
      const keep = heavier(shared, rows.get(key))
      if (keep) rows.set(key, toRow(shared))
      return keep
    },
    close() {},
  }
}
