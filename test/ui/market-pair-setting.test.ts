import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import type { MarketToken } from '../../src/ui/market/source'
import { firstPair, saveMarketPair } from '../../src/ui/market-pair-setting'
import { memoryStorage, refusingStorage } from './memory-storage'

const token = (symbol: string, n: number): MarketToken => ({
  address: `0x${n.toString(16).padStart(40, '0')}` as Address,
  symbol,
  decimals: 2,
})
const [TAB, BAN, APL] = [token('TAB', 0), token('BAN', 0xba), token('APL', 0xa1)] as const
const pairOf = (p: ReturnType<typeof firstPair>) => (p === null ? null : `${p.base}/${p.quote}`)

describe('the pair the Market screen shows first', () => {
  test('the first two tokens until the profile chooses; then its choice at the next load, each profile its own', () => {
    const storage = memoryStorage()
    expect(firstPair('p1', [TAB, BAN, APL], storage)).toEqual({ base: BAN.address, quote: TAB.address })
    saveMarketPair('p1', { base: APL.address, quote: BAN.address }, storage)
    expect(firstPair('p1', [TAB, BAN, APL], storage)).toEqual({ base: APL.address, quote: BAN.address })
    expect(pairOf(firstPair('p2', [TAB, BAN, APL], storage))).toBe(`${BAN.address}/${TAB.address}`)
    // No profile yet (the page is starting): the first two tokens.
    expect(pairOf(firstPair(undefined, [TAB, BAN, APL], storage))).toBe(`${BAN.address}/${TAB.address}`)
  })

  test.each([
    ['no JSON', '{"base":'],
    ['null', 'null'],
    ['a list', '[1,2]'],
    ['of the wrong types', '{"base":1,"quote":{"x":2}}'],
    ['huge', `{"base":"${'a'.repeat(500_000)}"}`],
  ])(
    'a stored value that is %s gives the first two tokens; a pair the browser refuses to save does not throw',
    (_what, text) => {
      const storage = memoryStorage()
      storage.setItem('tabchain.market-pair.p1', text)
      expect(pairOf(firstPair('p1', [TAB, BAN, APL], storage))).toBe(`${BAN.address}/${TAB.address}`)
      expect(() =>
        saveMarketPair('p1', { base: APL.address, quote: BAN.address }, refusingStorage(storage)),
      ).not.toThrow()
      expect(storage.getItem('tabchain.market-pair.p1')).toBe(text)
    },
  )

  test('a stored pair whose token is not listed (yet), or a stored value that is not a pair, gives the first two tokens; fewer than two tokens, none', () => {
    const storage = memoryStorage()
    saveMarketPair('p1', { base: APL.address, quote: BAN.address }, storage)
    // APL is not listed yet (a light tab still reading its tokens): the default until it is.
    expect(pairOf(firstPair('p1', [TAB, BAN], storage))).toBe(`${BAN.address}/${TAB.address}`)
    // Listed with other letter case: the listed address.
    saveMarketPair('p1', { base: APL.address.toUpperCase() as Address, quote: BAN.address }, storage)
    expect(firstPair('p1', [TAB, BAN, APL], storage)).toEqual({ base: APL.address, quote: BAN.address })
    for (const bad of ['not json', 'null', '42', '{"base":1,"quote":[]}', `{"base":"${APL.address}"}`]) {
      storage.setItem('tabchain.market-pair.p1', bad)
      expect(pairOf(firstPair('p1', [TAB, BAN, APL], storage))).toBe(`${BAN.address}/${TAB.address}`)
    }
    expect(firstPair('p1', [TAB], storage)).toBeNull()
  })
})
