import fc from 'fast-check'
import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { createNode } from '../../../src/node/worker/node'
import {
  decodeTakeAnswer,
  encodeOfferMessage,
  encodeSnapshot,
  encodeTake,
} from '../../../src/trade/offers/codec'
import { offerId } from '../../../src/trade/offers/typed-data'
import { ALICE, DAVE, lower, NATIVE, signOffer, signTake, TOKEN_A } from './fixtures'

const GENESIS = testGenesis()
const CHAIN = GENESIS.params.chainId

async function nodeOn(hub: ReturnType<typeof memoryHub>, peer: string) {
  const link = hub.join(peer)
  const node = createNode({
    profileId: peer,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: link.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
  })
  await node.start()
  await link.attach(node.sink)
  return node
}

const offerFor = (maker = ALICE) => ({
  maker: lower(maker),
  makerPeer: 'E',
  sellToken: NATIVE,
  sellAmount: 100n,
  buyToken: TOKEN_A,
  buyAmount: 50n,
  expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
  makerTimelock: 40,
  takerTimelock: 12,
  salt: `0x${'22'.repeat(32)}` as const,
})

describe('offers service edges', () => {
  test('a snapshot with a forged entry costs its sender a penalty; the valid entries before it are kept', async () => {
    const hub = memoryHub()
    const good = await signOffer(ALICE, CHAIN, offerFor())
    const forged = await signOffer(DAVE, CHAIN, { ...offerFor(), salt: `0x${'33'.repeat(32)}` })
    // E is a peer that answers the snapshot request with one valid offer and one forged by Dave.
    const e = hub.join('E')
    await e.api.handle(chainProtocol(CHAIN, 'offers'))
    await e.attach({
      gossip: async () => 'ignore',
      request: async () => encodeSnapshot({ offers: [good, forged], cancels: [] }),
      networkChanged: async () => {},
    })
    const f = await nodeOn(hub, 'F')
    const ids = async () => (await f.api.offers()).flatMap((b) => [...b.asks, ...b.bids].map((x) => x.id))
    for (let i = 0; i < 200 && (await ids()).length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(await ids()).toEqual([offerId(CHAIN, good.offer)])
    expect((await f.api.stats()).penalties).toBe(1)
  })

  test('a peer asking for the snapshot twice within 5 s is refused the second time', async () => {
    const hub = memoryHub()
    const g = await nodeOn(hub, 'G')
    const protocol = chainProtocol(CHAIN, 'offers')
    await expect(g.sink.request(protocol, new Uint8Array(0), 'Q')).resolves.toBeInstanceOf(Uint8Array)
    await expect(g.sink.request(protocol, new Uint8Array(0), 'Q')).rejects.toMatchObject({
      type: { code: 'OFFER_SNAPSHOT_RATE_LIMITED' },
    })
    await expect(g.sink.request(protocol, Uint8Array.of(1), 'R')).rejects.toMatchObject({
      type: { code: 'OFFER_MALFORMED' },
    })
  })

  test('one peer may have two takes waiting at the maker; more are answered TAKE_BUSY unread', async () => {
    const hub = memoryHub()
    const m = await nodeOn(hub, 'M')
    const id = `0x${'44'.repeat(32)}` as const
    const take = encodeTake(await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'Q' }))
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        m.sink.request(chainProtocol(CHAIN, 'take'), take, 'Q').then((r) => decodeTakeAnswer(r, id)),
      ),
    )
    const codes = answers.map((a) => (a.accepted ? 'accepted' : a.refusal.code))
    expect(codes.filter((c) => c === 'OFFER_UNKNOWN')).toHaveLength(2)
    expect(codes.filter((c) => c === 'TAKE_BUSY')).toHaveLength(3)
    // Once answered, the peer may ask again.
    expect(decodeTakeAnswer(await m.sink.request(chainProtocol(CHAIN, 'take'), take, 'Q'), id)).toMatchObject(
      {
        refusal: { code: 'OFFER_UNKNOWN' },
      },
    )
  })

  test('a maker tab that learnt its own offer from a peer (after a reload) hosts it again by posting it', async () => {
    const hub = memoryHub()
    const n = await nodeOn(hub, 'N')
    const signed = await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' })
    const id = offerId(CHAIN, signed.offer)
    expect(
      await n.sink.gossip(chainTopic(CHAIN, 'offers'), encodeOfferMessage({ kind: 'offer', signed }), 'P'),
    ).toBe('accept')
    const take = encodeTake(await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'Q' }))
    const ask = async () =>
      decodeTakeAnswer(await n.sink.request(chainProtocol(CHAIN, 'take'), take, 'Q'), id)
    expect(await ask()).toMatchObject({ refusal: { code: 'OFFER_UNKNOWN' } })
    expect(await n.api.postOffer(signed, `0x${'55'.repeat(32)}`)).toMatchObject({ id, hosted: true })
    // Answered now: Dave holds none of the token asked for.
    expect(await ask()).toMatchObject({ refusal: { code: 'TAKER_LACKS_BALANCE', need: 50n, have: 0n } })
    await expect(n.api.postOffer(signed, `0x${'55'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'OFFER_KNOWN' },
    })
  })

  test('property: any one-byte change to a valid offer message is never accepted, and the book stays empty', async () => {
    const hub = memoryHub()
    const h = await nodeOn(hub, 'H')
    const topic = chainTopic(CHAIN, 'offers')
    const bytes = encodeOfferMessage({
      kind: 'offer',
      signed: await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'H' }),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const mutated = bytes.slice()
          mutated[at] = (mutated[at] as number) ^ xor
          // Distinct senders, so penalties never ban the one peer and turn verdicts into unread rejects.
          const verdict = await h.sink.gossip(topic, mutated, `P${at}-${xor}`)
          expect(verdict).not.toBe('accept')
        },
      ),
      { numRuns: 300 },
    )
    expect(await h.api.offers()).toEqual([])
    expect(await h.sink.gossip(topic, bytes, 'P')).toBe('accept')
  })
})
