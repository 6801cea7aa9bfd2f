import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Header } from '../../../src/node/chain/types'
import type { DecodedHeadersResponse } from '../../../src/node/sync/messages'
import { type BranchTip, type ChainSplit, followSplit, SplitWatch } from '../../../src/node/sync/splits'

const GENESIS = testGenesis()
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

/** A split watch over a chain at `head` whose canonical blocks are `canonical`; `told` lists what `onSplit` heard. */
function watch() {
  const canonical = new Set<Hex>([hash(4), hash(5), hash(6), hash(55)])
  const banned = new Set<string>()
  const head = { number: 10n, totalDifficulty: 100n }
  const told: (ChainSplit | null)[] = []
  const splits = new SplitWatch(
    {
      isCanonical: (h) => canonical.has(h),
      head: () => head,
      isBanned: (peerId) => banned.has(peerId),
      following: () => undefined,
      params: GENESIS.params,
      now: () => Date.now(),
    },
    (split) => told.push(split),
  )
  return { splits, canonical, banned, head, told }
}

/** A branch checked up to its block `number`, of total difficulty `work`. */
const tip = (number: bigint, work: bigint): BranchTip => ({
  header: { number } as Header,
  hash: hash(1000 + Number(number)),
  work,
})
const at = (n: number) => ({ number: BigInt(n), hash: hash(n) })

describe('the splits a sync client found', () => {
  test('the heaviest split whose peer is not banned, still heavier than our head, and whose shared block is still canonical', () => {
    const { splits, canonical, banned, head } = watch()
    expect(splits.note('A', at(5), tip(12n, 150n))).toBe(true)
    expect(splits.best()).toEqual({
      peerId: 'A',
      ancestor: at(5),
      depth: 5,
      peerHead: 12n,
      peerTotalDifficulty: 150n,
    })
    expect(splits.note('B', at(4), tip(13n, 200n))).toBe(true)
    expect(splits.best()?.peerId).toBe('B')
    // No heavier than our head: not kept.
    expect(splits.note('C', at(6), tip(14n, 100n))).toBe(false)
    banned.add('B')
    expect(splits.best()?.peerId).toBe('A')
    expect(splits.note('D', at(6), tip(14n, 120n))).toBe(true)
    canonical.delete(hash(5))
    expect(splits.best()?.peerId).toBe('D')
    head.totalDifficulty = 120n
    expect(splits.best()).toBeNull()
  })

  test("a peer's lighter branch drops its split, and onSplit hears each change of peer, shared block, depth or peer head", () => {
    const { splits, head, told } = watch()
    splits.note('A', at(5), tip(12n, 150n))
    splits.note('A', at(5), tip(12n, 150n))
    expect(told).toHaveLength(1)
    splits.note('A', at(5), tip(13n, 160n))
    expect(told.at(-1)?.peerHead).toBe(13n)
    // Another block at the same height (our chain reorganised below the split): same depth.
    const other = { number: 5n, hash: hash(55) }
    splits.note('A', other, tip(13n, 160n))
    expect(told.at(-1)?.ancestor).toEqual(other)
    head.number = 11n
    splits.note('A', other, tip(13n, 160n))
    expect(told.at(-1)?.depth).toBe(6)
    expect(told).toHaveLength(4)
    expect(splits.note('A', other, tip(13n, 90n))).toBe(false)
    expect(told.at(-1)).toBeNull()
    expect(splits.best()).toBeNull()
    splits.note('B', at(5), tip(12n, 150n))
    splits.drop('B')
    expect(told.at(-1)).toBeNull()
    expect(told).toHaveLength(7)
  })

  test('a recheck goes on from just above the shared block when the branch no longer links, and not at all once that block left our chain', async () => {
    const { splits, canonical } = watch()
    splits.note('A', at(5), tip(12n, 150n))
    const moved = async (): Promise<DecodedHeadersResponse> => ({
      headers: [{ number: 13n, parentHash: hash(1) } as Header],
      hashes: [{ hash: hash(2), seal: new Uint8Array() }],
      headNumber: 13n,
      headTotalDifficulty: 170n,
    })
    expect(await splits.recheck('A', moved)).toBe(6n)
    canonical.delete(hash(5))
    let asked = 0
    expect(
      await splits.recheck('A', () => {
        asked++
        return moved()
      }),
    ).toBeUndefined()
    expect(asked).toBe(0)
  })

  test('following a split whose sync leaves our chain where it was takes the leave to reorganise back (NODE_SPLIT_NOT_FOLLOWED)', async () => {
    const split: ChainSplit = {
      peerId: 'A',
      ancestor: at(5),
      depth: 5,
      peerHead: 12n,
      peerTotalDifficulty: 150n,
    }
    const allowed: (Hex | null)[] = []
    const chain = {
      split: () => split,
      headHash: () => hash(10),
      isCanonical: () => true,
      allowDeepReorg: (ancestor: Hex | null) => allowed.push(ancestor),
      syncFrom: async () => {},
    }
    await expect(followSplit(hash(5), chain)).rejects.toMatchObject({
      type: { code: 'NODE_SPLIT_NOT_FOLLOWED' },
    })
    expect(allowed).toEqual([hash(5), null])
  })
})
