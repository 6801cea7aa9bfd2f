import type { Address, Hex } from 'viem'
import { badParams, NodeError } from '../rpc/errors'
import type { LogRecord } from '../storage/types'
import type { Log } from './types'

/** Widest block range one `logs` query may scan. */
export const MAX_LOG_RANGE = 10_000n
/** Most logs one `logs` query may return. */
export const MAX_LOG_RESULTS = 10_000

/** An `eth_getLogs` filter. Topic positions: null matches anything, a list matches any of its entries. */
export interface LogQuery {
  /** Inclusive; default: the head. */
  readonly fromBlock?: bigint
  /** Inclusive; default: the head. At most `MAX_LOG_RANGE` blocks from `fromBlock`. */
  readonly toBlock?: bigint
  readonly address?: Address | readonly Address[]
  readonly topics?: readonly (Hex | readonly Hex[] | null)[]
}

/** A checked `logs` query: its block range and, lower-cased, what a log must match. */
export interface LogSelection {
  readonly from: bigint
  readonly to: bigint
  /** null: any address. */
  readonly addresses: ReadonlySet<string> | null
  /** Per topic position, null (any) or the accepted topics. */
  readonly topics: readonly (ReadonlySet<string> | null)[]
}

function hex(value: unknown, name: string, digits: number): string {
  if (typeof value !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${digits}}$`).test(value))
    throw badParams(
      `${name} must be a ${digits / 2}-byte 0x-prefixed hex ${digits === 40 ? 'address' : 'hash'}`,
    )
  return value.toLowerCase()
}

function block(value: unknown, name: string, fallback: bigint): bigint {
  if (value === undefined) return fallback
  if (typeof value !== 'bigint' || value < 0n) throw badParams(`${name} must be a non-negative bigint`)
  return value
}

/** Checks a `logs` query (`NODE_BAD_PARAMS`), its blocks defaulting to `head`. */
export function selectLogs(query: unknown, head: bigint): LogSelection {
  if (typeof query !== 'object' || query === null) throw badParams('query must be an object')
  const q = query as Record<string, unknown>
  const from = block(q.fromBlock, 'fromBlock', head)
  const to = block(q.toBlock, 'toBlock', head)
  if (from > to) throw badParams('fromBlock must not be after toBlock')
  if (to - from >= MAX_LOG_RANGE) throw badParams(`the block range may span at most ${MAX_LOG_RANGE} blocks`)
  return { from, to, addresses: addressFilter(q.address), topics: topicFilter(q.topics) }
}

function topicFilter(value: unknown): LogSelection['topics'] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > 4) throw badParams('topics must be a list of at most 4 entries')
  return value.map((t: unknown, i) => {
    if (t === null) return null
    const list = Array.isArray(t) ? t : [t]
    if (list.length === 0 || list.length > 16)
      throw badParams(`topics[${i}] must be a topic, null, or a list of 1-16 topics`)
    return new Set(list.map((x: unknown) => hex(x, `topics[${i}]`, 64)))
  })
}

function addressFilter(value: unknown): ReadonlySet<string> | null {
  if (value === undefined) return null
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || list.length > 64) throw badParams('address must be an address or 1-64 addresses')
  return new Set(list.map((a: unknown) => hex(a, 'address', 40)))
}

/** Whether `log` matches the selection's address and topics. */
export function logMatches(log: Log, s: LogSelection): boolean {
  if (s.addresses !== null && !s.addresses.has(log.address)) return false
  return s.topics.every((set, p) => set === null || set.has(log.topics[p] ?? ''))
}

/**
 * What a block's logs bloom must hold for a log of the block to match: the address (one of them) and
 * each constrained topic position (one of its topics) — for `bloomMayMatch`.
 */
export function bloomGroups(s: LogSelection): Hex[][] {
  const groups: Hex[][] = []
  if (s.addresses !== null) groups.push([...s.addresses] as Hex[])
  for (const set of s.topics) if (set !== null) groups.push([...set] as Hex[])
  return groups
}

/**
 * Appends the logs of one block matching `s` to `out`, indexed as `eth_getLogs` does (`logIndex` within
 * the block): `receipts` in block order, `txHashes` the block's transaction hashes. Throws
 * `NODE_QUERY_LIMIT` once `out` would pass `MAX_LOG_RESULTS`.
 */
export function collectBlockLogs(
  out: LogRecord[],
  block: { readonly number: bigint; readonly hash: Hex },
  receipts: readonly { readonly logs: readonly Log[] }[],
  txHashes: readonly Hex[],
  s: LogSelection,
): void {
  let logIndex = 0
  for (const [transactionIndex, receipt] of receipts.entries()) {
    for (const log of receipt.logs) {
      const i = logIndex++
      if (!logMatches(log, s)) continue
      if (out.length >= MAX_LOG_RESULTS)
        throw new NodeError(
          { code: 'NODE_QUERY_LIMIT', limit: MAX_LOG_RESULTS },
          `more than ${MAX_LOG_RESULTS} logs match: ask for fewer blocks or a narrower filter`,
        )
      out.push({
        ...log,
        blockNumber: block.number,
        blockHash: block.hash,
        transactionHash: txHashes[transactionIndex] as Hex,
        transactionIndex,
        logIndex: i,
      })
    }
  }
}
