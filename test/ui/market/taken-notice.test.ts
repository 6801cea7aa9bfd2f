import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { agreeTerms } from '../../../src/trade/offers/terms'
import { MemoryMarketSource } from '../../../src/ui/market/memory-source'
import { takenOfferNotice, watchTakenOffers } from '../../../src/ui/market/taken-notice'
import { ALICE, BOB, entry, FEES, id, NOW_MS, PARAMS, TOKENS } from './fixtures'

describe('a taken offer is said to its maker', () => {
  test('in the tokens of the offer, what it sold and asked', () => {
    const signed = entry(id(1), { buyAmount: 50_500000n }).signed
    const terms = agreeTerms(id(1), signed, { offerId: id(1), taker: BOB, takerPeer: '' }, id(2), 7n)
    expect(takenOfferNotice(terms, TOKENS)).toBe(
      'Your offer to sell 100 GLD for 50.5 SLV was taken: the swap is starting.',
    )
    // A token not in the list: named by its address, its amount in base units.
    expect(takenOfferNotice(terms, [])).toBe(
      'Your offer to sell 10,000 0x1000…0001 for 50,500,000 0x2000…0002 was taken: the swap is starting.',
    )
  })

  test("the maker's tab is told when its offer is taken, not of other changes", async () => {
    const source = new MemoryMarketSource({
      params: PARAMS,
      fees: FEES,
      tokens: TOKENS,
      account: { address: ALICE, peerId: '12D3KooWAlice', unlocked: true },
      sign: async () => `0x${'22'.repeat(65)}`,
      idOf: () => id(9),
      now: () => NOW_MS,
    })
    source.addOffer(entry(id(1)))
    source.addOffer(entry(id(2), { sellAmount: 20_00n, buyAmount: 8_000000n }))
    const told: [Hex, string][] = []
    const stop = watchTakenOffers(source, (offerId, text) => told.push([offerId, text]))
    source.setHead(5n)
    source.takenBy(id(2), BOB)
    await expect
      .poll(() => told)
      .toEqual([[id(2), 'Your offer to sell 20 GLD for 8 SLV was taken: the swap is starting.']])
    expect((await source.myOffers()).map((e) => e.id)).toEqual([id(1)])
    stop()
    source.takenBy(id(1), BOB)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(told).toHaveLength(1)
  })
})
