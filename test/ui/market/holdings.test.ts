import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { readHoldings, readWithFees } from '../../../src/ui/market/holdings'
import type { MemoryMarketSource } from '../../../src/ui/market/memory-source'
import type { MarketPair } from '../../../src/ui/market/source'
import { ALICE, aliceMarket, GLD, NATIVE, SLV } from './fixtures'

/** A memory market whose balance reads are counted by token (lower case). */
function countingSource(): { readonly source: MemoryMarketSource; readonly reads: Map<string, number> } {
  const source = aliceMarket()
  const reads = new Map<string, number>()
  const read = source.balanceOf.bind(source)
  source.balanceOf = (token: Address, holder: Address) => {
    reads.set(token.toLowerCase(), (reads.get(token.toLowerCase()) ?? 0) + 1)
    return read(token, holder)
  }
  return { source, reads }
}

/** Reads the holdings once per new head, as the Market screen does; resolves with the reads of one head. */
async function readsOfOneHead(pair: MarketPair) {
  const { source, reads } = countingSource()
  source.setBalance(NATIVE, ALICE, 7n)
  source.setBalance(GLD, ALICE, 5n)
  const loads: Promise<unknown>[] = []
  const stop = source.subscribe((event) => {
    if (event.kind === 'head') loads.push(readHoldings(source, pair, ALICE))
  })
  source.setHead(6n)
  stop()
  const [held] = await Promise.all(loads)
  return { held, reads }
}

describe('what the account holds of a pair, read per head', () => {
  test('a pair of two tokens: each read once, and the native coin once for the fees', async () => {
    const { held, reads } = await readsOfOneHead({ base: GLD, quote: SLV })
    expect(Object.fromEntries(reads)).toEqual({ [GLD]: 1, [SLV]: 1, [NATIVE]: 1 })
    expect(held).toEqual({
      holder: ALICE,
      holdings: [
        { token: GLD, amount: 5n },
        { token: SLV, amount: 0n },
        { token: NATIVE, amount: 7n },
      ],
    })
  })

  test('a pair holding the native coin reads it once (a light node proves each read)', async () => {
    for (const pair of [
      { base: NATIVE, quote: GLD },
      { base: GLD, quote: NATIVE },
    ]) {
      const { held, reads } = await readsOfOneHead(pair)
      expect(Object.fromEntries(reads)).toEqual({ [GLD]: 1, [NATIVE]: 1 })
      expect(held).toEqual({
        holder: ALICE,
        holdings: [
          { token: pair.base, amount: pair.base === NATIVE ? 7n : 5n },
          { token: pair.quote, amount: pair.quote === NATIVE ? 7n : 5n },
        ],
      })
    }
  })

  test('the native coin unreadable alone: the pair is still said, the fees are not judged', async () => {
    const { source } = countingSource()
    source.setBalance(GLD, ALICE, 5n)
    const read = source.balanceOf
    source.balanceOf = (token, holder) =>
      token === NATIVE ? Promise.reject(new Error('no peer to prove it')) : read(token, holder)
    expect(await readHoldings(source, { base: GLD, quote: SLV }, ALICE)).toEqual({
      holder: ALICE,
      holdings: [
        { token: GLD, amount: 5n },
        { token: SLV, amount: 0n },
      ],
    })
  })
})

describe('what the account holds of the token a form spends, and of the native coin for the fees', () => {
  test('a token and the native coin: each read once', async () => {
    const { source, reads } = countingSource()
    source.setBalance(NATIVE, ALICE, 7n)
    source.setBalance(GLD, ALICE, 5n)
    expect(await readWithFees(source, GLD, ALICE)).toEqual({ amount: 5n, native: 7n })
    expect(Object.fromEntries(reads)).toEqual({ [GLD]: 1, [NATIVE]: 1 })
  })

  test('spending the native coin reads it once', async () => {
    const { source, reads } = countingSource()
    source.setBalance(NATIVE, ALICE, 7n)
    expect(await readWithFees(source, NATIVE, ALICE)).toEqual({ amount: 7n, native: 7n })
    expect(Object.fromEntries(reads)).toEqual({ [NATIVE]: 1 })
  })
})
