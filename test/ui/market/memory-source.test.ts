import { keccak256, toHex } from 'viem'
import { describe, expect, test } from 'vitest'
import { MemoryMarketSource } from '../../../src/ui/market/memory-source'
import type { MarketEvent } from '../../../src/ui/market/source'
import { ALICE, BOB, entry, FEES, GLD, id, NOW_MS, NOW_S, offer, PARAMS, SLV, TOKENS } from './fixtures'

function market(me = BOB) {
  const source = new MemoryMarketSource({
    params: PARAMS,
    fees: FEES,
    tokens: TOKENS,
    account: { address: me, peerId: '12D3KooWMe', unlocked: true },
    head: 10n,
    sign: async (o) => keccak256(toHex(`${o.maker}${o.sellAmount}`)),
    idOf: (o) => keccak256(toHex(`${o.maker}${o.salt}`)),
    now: () => NOW_MS,
  })
  const events: MarketEvent['kind'][] = []
  source.subscribe((e) => events.push(e.kind))
  return { source, events }
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { type: { code: string } }) => e.type.code,
  )

describe('in-memory market source', () => {
  test('posts a signed offer when the maker holds it; refuses one it does not', async () => {
    const { source, events } = market(ALICE)
    const o = offer()
    expect(await codeOf(source.signOffer(o).then((s) => source.postOffer(s)))).toBe(
      'OFFER_MAKER_LACKS_BALANCE',
    )
    source.setBalance(GLD, ALICE, 100_00n)
    const signed = await source.signOffer(o)
    expect(signed.chainId).toBe(PARAMS.chainId)
    const posted = await source.postOffer(signed)
    expect(posted.hosted).toBe(true)
    expect(await source.offers({ base: SLV, quote: GLD })).toEqual([posted])
    expect(await source.offers({ base: GLD, quote: id(9).slice(0, 42) as typeof GLD })).toEqual([])
    await source.cancelOffer(posted.id)
    expect(await source.offers({ base: GLD, quote: SLV })).toEqual([])
    expect(events).toEqual(['wallet', 'offers', 'offers'])
  })

  test('takes an offer: it leaves the book and a taker swap appears; refusals are typed', async () => {
    const { source, events } = market()
    source.addOffer(entry(id(1)))
    source.addOffer(entry(id(2), { maker: BOB }))
    source.addOffer(entry(id(3), { expiresAt: NOW_S }))
    expect(await codeOf(source.takeOffer(id(1)))).toBe('TAKER_LACKS_BALANCE')
    source.setBalance(SLV, BOB, 50_000000n)
    expect(await codeOf(source.takeOffer(id(2)))).toBe('TAKE_SELF')
    expect(await codeOf(source.takeOffer(id(3)))).toBe('OFFER_STALE')
    expect(await codeOf(source.takeOffer(id(4)))).toBe('OFFER_UNKNOWN')
    const terms = await source.takeOffer(id(1))
    expect(terms).toMatchObject({
      offerId: id(1),
      maker: ALICE,
      taker: BOB,
      amountA: 100_00n,
      acceptedHeight: 10n,
    })
    expect(await codeOf(source.takeOffer(id(1)))).toBe('OFFER_UNKNOWN')
    const [swap] = await source.swaps()
    expect(swap).toMatchObject({ id: id(1), role: 'taker', state: 'Accepted', makerLock: null })
    expect(events.slice(-2)).toEqual(['offers', 'swaps'])
  })

  test('head, account and swaps changes are events; swaps list newest first', async () => {
    const { source, events } = market()
    source.setHead(11n)
    expect(await source.head()).toBe(11n)
    source.setAccount(null)
    expect(await source.account()).toBeNull()
    expect(await codeOf(source.takeOffer(id(1)))).toBe('NO_ACCOUNT')
    expect(events).toEqual(['head', 'wallet'])
    source.setAccount({ address: BOB, peerId: '12D3KooWMe', unlocked: true })
    source.setBalance(SLV, BOB, 100_000000n)
    source.addOffer(entry(id(1)))
    source.addOffer(entry(id(2), { salt: `0x${'44'.repeat(32)}` }))
    await source.takeOffer(id(1))
    await source.takeOffer(id(2))
    const [newest, older] = await source.swaps()
    expect([newest?.id, older?.id]).toEqual([id(2), id(1)])
    if (older === undefined) throw new Error('no swap')
    source.putSwap({ ...older, state: 'MakerLocked' })
    expect((await source.swaps()).map((s) => [s.id, s.state])).toEqual([
      [id(1), 'MakerLocked'],
      [id(2), 'Accepted'],
    ])
  })
})
