import type { Hex } from 'viem'
import type { Receipt } from '../chain/types'
import { toHex } from '../codec/bytes'
import type { TrieNodeRecord } from '../state/trie'
import { StorageError } from './errors'
import type {
  BlockCommit,
  BlockRecord,
  HeaderRecord,
  LogFilter,
  LogRecord,
  StoreName,
  TxLocation,
} from './types'

/*
 * The records both repository implementations store, and the pure plan of a commit. IndexedDB keys
 * cannot be bigints, so block numbers are also kept as `n: number` for keys and indexes (exact below
 * 2^53, which a chain of 2 s blocks reaches in half a billion years).
 */

/** `headers` store, key: lower-case block hash. */
export interface HeaderRow extends HeaderRecord {
  readonly n: number
}

/** `bodies` store, key: lower-case block hash. */
export interface BodyRow {
  readonly transactions: readonly Hex[]
  readonly txHashes: readonly Hex[]
}

/** `logs` store, key: `[blockHash, logIndex]`; indexed by `[a, n]` and `[t0, n]`. */
export interface LogRow extends LogRecord {
  readonly n: number
  /** Lower-case address (logs may carry EIP-55 checksummed ones). */
  readonly a: string
  /** Lower-case first topic, `''` for a log without topics. */
  readonly t0: string
}

/** Meta keys the repository itself uses. */
export const META_HEAD = 'head'
export const META_CHAIN = 'chain'
export const META_SCHEMA = 'schema'

/** One write of a commit: a put, or a delete when `value` is undefined. */
export interface WriteOp {
  readonly store: StoreName
  readonly key: IDBValidKey
  readonly value: unknown
}

/** A commit turned into writes, with an estimate of the bytes they hold (for quota errors). */
export interface CommitPlan {
  readonly ops: WriteOp[]
  readonly bytes: number
}

/** Block number as an IndexedDB key. */
export function numberKey(number: bigint): number {
  if (number < 0n || number > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StorageError({ code: 'STORAGE_ABORTED', reason: `block number ${number} out of range` })
  }
  return Number(number)
}

/** Key of a hash: lower-case hex, so lookups do not depend on the caller's case. */
export function hashKey(hash: Hex): Hex {
  return hash.toLowerCase() as Hex
}

/** Key of a swap event: `[lower-case swap id, seq]`. Throws `STORAGE_ABORTED` for a bad seq. */
export function swapEventKey(swapId: Hex, seq: number): [Hex, number] {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new StorageError({
      code: 'STORAGE_ABORTED',
      reason: `swap event seq ${seq} is not a natural number`,
    })
  }
  return [hashKey(swapId), seq]
}

/** Key of a block's receipt. */
export function receiptKey(blockHash: Hex, index: number): [Hex, number] {
  return [hashKey(blockHash), index]
}

/** The log rows of a block, numbered across the block as Ethereum numbers `logIndex`. */
export function blockLogRows(b: BlockRecord): LogRow[] {
  const rows: LogRow[] = []
  const n = numberKey(b.block.header.number)
  b.receipts.forEach((receipt, txIndex) => {
    for (const log of receipt.logs) {
      rows.push({
        address: log.address,
        topics: log.topics,
        data: log.data,
        blockNumber: b.block.header.number,
        blockHash: b.hash,
        transactionHash: receipt.transactionHash,
        transactionIndex: txIndex,
        logIndex: rows.length,
        n,
        a: log.address.toLowerCase(),
        t0: log.topics[0]?.toLowerCase() ?? '',
      })
    }
  })
  return rows
}

/** Whether a log row passes a filter's address and topic0 (the block range is checked by the caller). */
export function logMatches(row: LogRow, filter: LogFilter): boolean {
  if (filter.address !== undefined && row.a !== filter.address.toLowerCase()) return false
  if (filter.topic0 !== undefined && row.t0 !== filter.topic0.toLowerCase()) return false
  return true
}

/** The public shape of a log row (drops the index fields). */
export function logRecord(row: LogRow): LogRecord {
  return {
    address: row.address,
    topics: row.topics,
    data: row.data,
    blockNumber: row.blockNumber,
    blockHash: row.blockHash,
    transactionHash: row.transactionHash,
    transactionIndex: row.transactionIndex,
    logIndex: row.logIndex,
  }
}

/** Rebuilds a block record from its rows; a header without a body is not a full block. */
export function blockFromRows(
  header: HeaderRow | undefined,
  body: BodyRow | undefined,
  receipts: readonly (Receipt | undefined)[],
): BlockRecord | undefined {
  if (header === undefined || body === undefined) return undefined
  const complete: Receipt[] = []
  for (const r of receipts) {
    // The commit writes a block's receipts with its body: a gap means the database was altered.
    if (r === undefined)
      throw new StorageError({ code: 'STORAGE_CORRUPT', reason: `block ${header.hash} lacks a receipt` })
    complete.push(r)
  }
  return {
    hash: header.hash,
    block: { header: header.header, transactions: body.transactions },
    totalDifficulty: header.totalDifficulty,
    txHashes: body.txHashes,
    receipts: complete,
  }
}

function hexBytes(hex: string): number {
  return (hex.length - 2) / 2
}

/** Every write a commit makes, in one list both implementations apply atomically. */
export function planCommit(commit: BlockCommit): CommitPlan {
  const ops: WriteOp[] = []
  let bytes = 0
  const header = (h: HeaderRecord): void => {
    const row: HeaderRow = {
      hash: h.hash,
      header: h.header,
      totalDifficulty: h.totalDifficulty,
      n: numberKey(h.header.number),
    }
    ops.push({ store: 'headers', key: hashKey(h.hash), value: row })
    bytes += 600
  }
  for (const h of commit.headers ?? []) header(h)
  for (const b of commit.blocks ?? []) {
    header({ hash: b.hash, header: b.block.header, totalDifficulty: b.totalDifficulty })
    const body: BodyRow = { transactions: b.block.transactions, txHashes: b.txHashes }
    ops.push({ store: 'bodies', key: hashKey(b.hash), value: body })
    for (const raw of b.block.transactions) bytes += hexBytes(raw) + 32
    b.receipts.forEach((receipt, i) => {
      ops.push({ store: 'receipts', key: receiptKey(b.hash, i), value: receipt })
      bytes += 400
    })
    for (const row of blockLogRows(b)) {
      ops.push({ store: 'logs', key: [hashKey(b.hash), row.logIndex], value: row })
      bytes += hexBytes(row.data) + 32 * row.topics.length + 120
    }
  }
  for (const node of commit.stateNodes ?? []) {
    ops.push({
      store: 'stateNodes',
      key: toHex(node.hash),
      value: { hash: node.hash, encoded: node.encoded },
    })
    bytes += node.encoded.length + 64
  }
  for (const c of commit.canonical ?? []) {
    ops.push({
      store: 'canonical',
      key: numberKey(c.number),
      value: c.hash === undefined ? undefined : hashKey(c.hash),
    })
  }
  for (const t of commit.txIndex ?? []) {
    const value: TxLocation | undefined =
      t.location === undefined
        ? undefined
        : {
            blockHash: hashKey(t.location.blockHash),
            blockNumber: t.location.blockNumber,
            index: t.location.index,
          }
    ops.push({ store: 'txIndex', key: hashKey(t.hash), value })
  }
  // Last, so that a store reading ops in order never sees a head whose block is missing.
  if (commit.head !== undefined) ops.push({ store: 'meta', key: META_HEAD, value: commit.head })
  return { ops, bytes }
}

/** Checks that a stored state node record has the shape `planCommit` wrote. */
export function checkStateNode(value: unknown): TrieNodeRecord {
  if (
    typeof value === 'object' &&
    value !== null &&
    'hash' in value &&
    value.hash instanceof Uint8Array &&
    'encoded' in value &&
    value.encoded instanceof Uint8Array
  ) {
    return { hash: value.hash, encoded: value.encoded }
  }
  throw new StorageError({ code: 'STORAGE_CORRUPT', reason: 'malformed state node record' })
}
