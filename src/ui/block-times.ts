import type { Hex } from 'viem'
import type { Remote } from '../node/rpc/protocol'
import type { HeaderSummary } from '../node/worker/chain-service'
import type { NodeApi, ReorgInfo } from '../node/worker/node'
import { useNodeQuery } from './components/explorer'
import { useApp } from './store'

/** Where the chain stood when block times were asked for: its head and the last reorganisation heard of. */
export interface ChainAt {
  readonly head: { readonly number: bigint; readonly hash: Hex } | null
  readonly reorg: ReorgInfo | null
}

/** The block times a list asks for, kept across heads (`blockTimeCache`). */
export interface BlockTimeCache {
  /**
   * The time of each block of `numbers` (decimal block numbers) as of `at`, ms since epoch by number; a
   * block the node holds no header for (none yet, or below what a light node holds) is left out.
   */
  times(numbers: readonly string[], at: ChainAt): Promise<ReadonlyMap<string, bigint>>
}

/**
 * Block times read through `read` (the node's header read: a light node answers from its verified
 * headers), each block's header read once: a block's time never changes. Each is held by its number with
 * the hash it was read at, so a reorganisation — a reorg event heard of since the last ask, or a head no
 * higher than the last one asked at with another hash — reads the held ones again: a block now another
 * at its number gets that block's time. A read that fails or finds no header leaves the block out, asked
 * again next time.
 */
export function blockTimeCache(read: (number: bigint) => Promise<HeaderSummary | null>): BlockTimeCache {
  const held = new Map<string, HeaderSummary>()
  let last: ChainAt | undefined
  const reorganised = (now: ChainAt): boolean =>
    last !== undefined &&
    (last.reorg !== now.reorg ||
      (last.head !== null &&
        now.head !== null &&
        now.head.number <= last.head.number &&
        now.head.hash !== last.head.hash))
  return {
    async times(numbers, at) {
      if (reorganised(at)) held.clear()
      last = at
      const due = numbers.filter((n) => !held.has(n))
      const headers = await Promise.all(due.map((n) => read(BigInt(n)).catch(() => null)))
      for (const h of headers) if (h !== null) held.set(String(h.number), h)
      return new Map(
        numbers.flatMap((n) => {
          const h = held.get(n)
          return h === undefined ? [] : [[n, h.timestamp] as const]
        }),
      )
    },
  }
}

/** One cache per node API: every list of the page shares the times read. */
const caches = new WeakMap<Remote<NodeApi>, BlockTimeCache>()

/**
 * The time of each block of `numbers` (decimal block numbers; ms since epoch by number) as the node's
 * headers give them (`blockTimeCache`): empty until read; a block the node holds no header for is left out.
 */
export function useBlockTimes(numbers: readonly (string | undefined)[]): ReadonlyMap<string, bigint> {
  const unique = [...new Set(numbers.flatMap((n) => (n === undefined ? [] : [n])))]
  const read = useNodeQuery(
    async (api) => {
      let cache = caches.get(api)
      if (cache === undefined) {
        cache = blockTimeCache((n) => api.header(n))
        caches.set(api, cache)
      }
      const { head, lastReorg } = useApp.getState()
      return cache.times(unique, {
        head: head === null ? null : { number: head.number, hash: head.hash },
        reorg: lastReorg,
      })
    },
    [unique.join(',')],
  )
  return read !== null && 'value' in read ? read.value : new Map()
}
