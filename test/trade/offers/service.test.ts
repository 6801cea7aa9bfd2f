import fc from 'fast-check'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { StorageError } from '../../../src/node/storage/errors'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { createNode } from '../../../src/node/worker/node'
import {
  AGREED_TAKES_META,
  createOffersService,
  HOSTED_OFFERS_META,
  type OffersEvent,
  TAKEN_OFFERS_META,
} from '../../../src/node/worker/offers-service'
import {
  decodeTakeAnswer,
  encodeOfferMessage,
  encodeSnapshot,
  encodeTake,
  encodeTakeAnswer,
} from '../../../src/trade/offers/codec'
import { offerId } from '../../../src/trade/offers/typed-data'
import type { SignedOffer } from '../../../src/trade/offers/types'
import { LOCK_WINDOW_BLOCKS } from '../../../src/trade/swap/terms'
import { startMemoryNode } from '../../node/worker/memory-node'
import { until } from '../../until'
import { ALICE, BOB, DAVE, lower, NATIVE, signCancel, signOffer, signTake, TOKEN_A } from './fixtures'

const GENESIS = testGenesis()

const CHAIN = GENESIS.params.chainId

const nodeOn = (hub: ReturnType<typeof memoryHub>, peer: string, repo?: NodeRepository) =>
  startMemoryNode(hub, peer, GENESIS, repo === undefined ? {} : { repo, swapRepository: repo })

/**
 * E, the maker peer of an offer: accepts every take, naming the offer id `answered()`, agreed at
 * `agreedAt()` (5 unless told).
 */
async function acceptingMaker(
  hub: ReturnType<typeof memoryHub>,
  answered: () => Hex,
  agreedAt: () => bigint = () => 5n,
): Promise<void> {
  const e = hub.join('E')
  await e.api.handle(chainProtocol(CHAIN, 'take'))
  await e.attach({
    gossip: async () => 'ignore',
    request: async () =>
      encodeTakeAnswer({
        accepted: true,
        offerId: answered(),
        hashlock: `0x${'55'.repeat(32)}`,
        agreedAtHeight: agreedAt(),
      }),
    networkChanged: async () => {},
  })
}

/**
 * The offers service alone, as a maker tab `N` at height `height` over `store`, every balance ample
 * (the take's terms, not the chain, are under test); not started.
 */
function offersServiceOn(
  link: ReturnType<ReturnType<typeof memoryHub>['join']>,
  store: Pick<NodeRepository, 'getMeta' | 'putMeta'>,
  height: bigint,
  over: Partial<Parameters<typeof createOffersService>[0]> = {},
) {
  return createOffersService({
    chainId: CHAIN,
    confirmations: GENESIS.params.confirmations,
    network: link.api,
    balances: { balanceOf: async () => 10n ** 30n },
    now: () => Date.now(),
    height: () => height,
    selfPeer: async () => 'N',
    penalize: () => {},
    isBanned: () => false,
    onEvent: () => {},
    store,
    ...over,
  })
}

/** `offersServiceOn`, joined to `hub` as `N` and started. */
async function makerService(
  hub: ReturnType<typeof memoryHub>,
  store: Pick<NodeRepository, 'getMeta' | 'putMeta'>,
  height: bigint,
) {
  const link = hub.join('N')
  const service = offersServiceOn(link, store, height)
  await service.start()
  return Object.assign(service, { link })
}

/** A fresh in-memory profile repository on the test chain. */
const memoryRepository = () =>
  openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: CHAIN, genesisHash: `0x${'01'.repeat(32)}` },
  })

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

  test('a maker answer accepting another offer id is refused with TAKE_BAD_TERMS: nothing agreed, the offer stays open', async () => {
    const hub = memoryHub()
    const signed = await signOffer(ALICE, CHAIN, offerFor())
    const id = offerId(CHAIN, signed.offer)
    let answered: Hex = `0x${'99'.repeat(32)}`
    await acceptingMaker(hub, () => answered)
    const taker = offersServiceOn(hub.join('N'), await memoryRepository(), 5n)
    const message = encodeOfferMessage({ kind: 'offer', signed })
    expect(await taker.gossip(chainTopic(CHAIN, 'offers'), message, 'E')).toBe('accept')
    const take = await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'N' })
    await expect(taker.take(take)).rejects.toMatchObject({
      type: { code: 'TAKE_BAD_TERMS', field: 'offerId' },
    })
    expect((await taker.books()).flatMap((b) => [...b.asks, ...b.bids]).map((x) => x.id)).toEqual([id])
    answered = id
    expect(await taker.take(take)).toMatchObject({ offerId: id, taker: lower(DAVE) })
  })

  test('a maker answer agreed more than LOCK_WINDOW_BLOCKS from the taker head is refused with TAKE_BAD_TERMS: nothing agreed or stored, the offer stays open', async () => {
    const hub = memoryHub()
    const signed = await signOffer(ALICE, CHAIN, offerFor())
    const id = offerId(CHAIN, signed.offer)
    const head = 100n
    let agreedAt = (1n << 64n) - 1n
    await acceptingMaker(
      hub,
      () => id,
      () => agreedAt,
    )
    const repo = await memoryRepository()
    const taker = offersServiceOn(hub.join('N'), repo, head)
    const message = encodeOfferMessage({ kind: 'offer', signed })
    expect(await taker.gossip(chainTopic(CHAIN, 'offers'), message, 'E')).toBe('accept')
    const take = await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'N' })
    // A height the swap would never expire from, and ones just past the window either side.
    for (const height of [agreedAt, head + LOCK_WINDOW_BLOCKS + 1n, head - LOCK_WINDOW_BLOCKS - 1n]) {
      agreedAt = height
      await expect(taker.take(take)).rejects.toMatchObject({
        type: { code: 'TAKE_BAD_TERMS', field: 'agreedAtHeight' },
      })
    }
    expect(await taker.agreedSwaps()).toEqual([])
    expect(await repo.getMeta(TAKEN_OFFERS_META)).toBeUndefined()
    expect((await taker.books()).flatMap((b) => [...b.asks, ...b.bids]).map((x) => x.id)).toEqual([id])
    agreedAt = head + LOCK_WINDOW_BLOCKS
    expect(await taker.take(take)).toMatchObject({ offerId: id, acceptedHeight: agreedAt })
  })

  test('a balance slow to read (a light node proving it) holds back neither the gossip verdict nor a cancellation; the offer is announced once read, never after its removal', async () => {
    const hub = memoryHub()
    const events: OffersEvent[] = []
    const reads: (() => void)[] = []
    const service = offersServiceOn(hub.join('N'), await memoryRepository(), 5n, {
      balances: { balanceOf: () => new Promise<bigint>((resolve) => reads.push(() => resolve(40n))) },
      onEvent: (e) => events.push(e),
    })
    const topic = chainTopic(CHAIN, 'offers')
    const first = await signOffer(ALICE, CHAIN, offerFor())
    expect(await service.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: first }), 'E')).toBe(
      'accept',
    )
    expect(reads).toHaveLength(1)
    expect(events).toEqual([])
    reads[0]?.()
    await until(() => events.length === 1)
    expect(events[0]).toMatchObject({
      kind: 'added',
      entry: { id: offerId(CHAIN, first.offer), makerLacksBalance: true },
    })

    const second = await signOffer(BOB, CHAIN, { ...offerFor(BOB), salt: `0x${'44'.repeat(32)}` })
    expect(await service.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: second }), 'E')).toBe(
      'accept',
    )
    const cancel = await signCancel(BOB, CHAIN, second.offer)
    expect(
      await service.gossip(topic, encodeOfferMessage({ kind: 'cancel', signed: second, cancel }), 'E'),
    ).toBe('accept')
    reads[1]?.()
    await new Promise((r) => setTimeout(r, 20))
    expect(events.slice(1)).toEqual([
      { kind: 'removed', offerId: offerId(CHAIN, second.offer), reason: 'cancelled' },
    ])
  })

  test('the books leave no offer out as expired that was not told removed, however long the balances take to read', async () => {
    const hub = memoryHub()
    const events: OffersEvent[] = []
    const reads: (() => void)[] = []
    let clock = Date.now()
    const service = offersServiceOn(hub.join('N'), await memoryRepository(), 5n, {
      balances: { balanceOf: () => new Promise<bigint>((resolve) => reads.push(() => resolve(10n ** 30n))) },
      onEvent: (e) => events.push(e),
      now: () => clock,
    })
    const signed = await signOffer(ALICE, CHAIN, {
      ...offerFor(),
      expiresAt: BigInt(Math.floor(clock / 1000) + 2),
    })
    const id = offerId(CHAIN, signed.offer)
    const topic = chainTopic(CHAIN, 'offers')
    expect(await service.gossip(topic, encodeOfferMessage({ kind: 'offer', signed }), 'E')).toBe('accept')
    for (const read of reads.splice(0)) read()
    await until(() => events.some((e) => e.kind === 'added'))
    // Read while open; the offer expires while its maker's balance is read for the books.
    const reading = service.books()
    await until(() => reads.length > 0)
    clock += 5_000
    for (const read of reads.splice(0)) read()
    const shown = (await reading).flatMap((b) => [...b.asks, ...b.bids]).map((e) => e.id)
    const told = events.some((e) => e.kind === 'removed' && e.offerId === id)
    expect(shown.includes(id) || told).toBe(true)
    // The next read drops it, told, and a take of it is OFFER_STALE.
    const next = service.books()
    await until(() => reads.length > 0 || events.some((e) => e.kind === 'removed'))
    for (const read of reads.splice(0)) read()
    expect((await next).flatMap((b) => b.asks)).toEqual([])
    expect(events).toContainEqual({ kind: 'removed', offerId: id, reason: 'expired' })
  })

  test('a take of an offer naming this node as its maker is refused with TAKE_SELF, whichever account takes it; the offer stays open', async () => {
    const hub = memoryHub()
    const signed = await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' })
    const id = offerId(CHAIN, signed.offer)
    const service = offersServiceOn(hub.join('N'), await memoryRepository(), 5n)
    await service.post(signed, `0x${'55'.repeat(32)}`)
    const take = await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'N' })
    await expect(service.take(take)).rejects.toMatchObject({
      name: 'OfferError',
      type: { code: 'TAKE_SELF' },
    })
    expect((await service.books()).flatMap((b) => [...b.asks, ...b.bids]).map((x) => x.id)).toEqual([id])
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

  test('a maker node restarted on its repository hosts its open offers again; taken or altered ones are dropped', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    const hashlock = `0x${'55'.repeat(32)}` as const
    const posted: SignedOffer[] = []
    for (const salt of ['66', '77', '88'])
      posted.push(
        await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N', salt: `0x${salt.repeat(32)}` }),
      )
    const ids = posted.map((signed) => offerId(CHAIN, signed.offer))
    const first = await nodeOn(hub, 'N', repo)
    for (const signed of posted) await first.api.postOffer(signed, hashlock)
    first.stop()
    await first.link.leave()
    // While the tab was away: a swap was started for one offer; the stored copy of another was damaged.
    await repo.appendSwapEvent({ swapId: ids[1] as Hex, seq: 0, event: { kind: 'accepted' } })
    const rows = (await repo.getMeta<{ signed: SignedOffer; hashlock: Hex }[]>(HOSTED_OFFERS_META)) ?? []
    expect(rows).toHaveLength(3)
    await repo.putMeta(
      HOSTED_OFFERS_META,
      rows.map((r, i) =>
        i === 2 ? { ...r, signed: { ...r.signed, offer: { ...r.signed.offer, sellAmount: 1n } } } : r,
      ),
    )

    const again = await nodeOn(hub, 'N', repo)
    const open = (await again.api.offers()).flatMap((b) => [...b.asks, ...b.bids])
    expect(open.map((e) => [e.id, e.hosted])).toEqual([[ids[0], true]])
    // Takes for it are answered by the reloaded node (Dave holds none of the token asked for).
    const take = encodeTake(
      await signTake(DAVE, CHAIN, { offerId: ids[0] as Hex, taker: lower(DAVE), takerPeer: 'Q' }),
    )
    expect(
      decodeTakeAnswer(await again.sink.request(chainProtocol(CHAIN, 'take'), take, 'Q'), ids[0] as Hex),
    ).toMatchObject({ refusal: { code: 'TAKER_LACKS_BALANCE' } })
    await until(async () => ((await repo.getMeta<unknown[]>(HOSTED_OFFERS_META)) ?? []).length === 1)
  })

  test('a book read while a restarted maker node starts waits for its offers hosted again: one read sooner would list none of them', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    const signed = await signOffer(ALICE, CHAIN, {
      ...offerFor(),
      makerPeer: 'N',
      salt: `0x${'99'.repeat(32)}`,
    })
    const first = await nodeOn(hub, 'N', repo)
    await first.api.postOffer(signed, `0x${'55'.repeat(32)}`)
    first.stop()
    await first.link.leave()

    const again = createNode({
      profileId: 'N',
      genesis: GENESIS,
      coinbase: DEVNET_ACCOUNTS[9] as Address,
      mine: false,
      network: hub.join('N').api,
      emit: () => {},
      now: () => Date.now(),
      agent: 'test',
      repo,
      swapRepository: repo,
    })
    const started = again.start()
    // Asked as the page asks: while the node starts.
    const open = (await again.api.offers()).flatMap((b) => [...b.asks, ...b.bids])
    expect(open.map((e) => [e.id, e.hosted])).toEqual([[offerId(CHAIN, signed.offer), true]])
    await started
    again.stop()
  })

  test('a maker tab reloaded after agreeing a take answers the winner again with the same terms, others OFFER_TAKEN, until the lock window has passed', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    const take = await (async () => {
      const first = await makerService(hub, repo, 5n)
      const signed = await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' })
      const id = (await first.post(signed, `0x${'55'.repeat(32)}`)).id
      const take = (who: typeof DAVE, peer: string) =>
        signTake(who, CHAIN, { offerId: id, taker: lower(who), takerPeer: peer }).then(encodeTake)
      const answer = decodeTakeAnswer(
        (await first.answer(chainProtocol(CHAIN, 'take'), await take(DAVE, 'Q'), 'Q')) as Uint8Array,
        id,
      )
      expect(answer).toEqual({
        accepted: true,
        offerId: id,
        hashlock: `0x${'55'.repeat(32)}`,
        agreedAtHeight: 5n,
      })
      // The tab reloads before Dave's node heard the answer.
      await first.link.leave()
      return { id, answer, of: take }
    })()
    const ask = async (
      service: { answer: (p: string, d: Uint8Array, f: string) => Promise<Uint8Array | null> },
      who: typeof DAVE,
      peer: string,
    ) =>
      decodeTakeAnswer(
        (await service.answer(chainProtocol(CHAIN, 'take'), await take.of(who, peer), peer)) as Uint8Array,
        take.id,
      )

    const again = await makerService(hub, repo, 6n)
    expect(await ask(again, DAVE, 'Q')).toEqual(take.answer)
    expect(await ask(again, BOB, 'R')).toEqual({
      accepted: false,
      refusal: { code: 'OFFER_TAKEN', offerId: take.id },
    })
    // Dave's address from another tab is not the winner either.
    expect(await ask(again, DAVE, 'S')).toMatchObject({ accepted: false, refusal: { code: 'OFFER_TAKEN' } })
    // The offer itself is not hosted again.
    expect((await again.books()).flatMap((b) => [...b.asks, ...b.bids])).toEqual([])
    // A page that was gone when the take was agreed starts the swap naming the winner's tab.
    const [agreed] = await again.agreedSwaps()
    expect(agreed).toEqual({
      terms: expect.objectContaining({ offerId: take.id }),
      role: 'maker',
      counterpartyPeer: 'Q',
    })
    await again.link.leave()

    // Rows that do not hold together are skipped, the good one still read.
    const rows = (await repo.getMeta<unknown[]>(AGREED_TAKES_META)) ?? []
    await repo.putMeta(AGREED_TAKES_META, [null, 7, { terms: { chainId: 1 } }, ...rows])
    const checked = await makerService(hub, repo, 6n)
    expect(await ask(checked, DAVE, 'Q')).toEqual(take.answer)
    expect(await checked.agreedSwaps()).toEqual([agreed])
    await checked.link.leave()

    // A stored winner's peer id that is not one: the terms stand with the tab unknown, the offer is not
    // hosted again, and no take is recognised as the winner's.
    for (const takerPeer of ['', 'Q\n', 'x'.repeat(129), 7, null]) {
      await repo.putMeta(AGREED_TAKES_META, [{ terms: agreed?.terms, takerPeer }])
      const bad = await makerService(hub, repo, 6n)
      expect(await bad.agreedSwaps()).toEqual([
        { terms: agreed?.terms, role: 'maker', counterpartyPeer: null },
      ])
      expect(await ask(bad, DAVE, 'Q')).toMatchObject({ accepted: false, refusal: { code: 'OFFER_TAKEN' } })
      expect((await bad.books()).flatMap((b) => [...b.asks, ...b.bids])).toEqual([])
      await bad.link.leave()
    }
    await repo.putMeta(AGREED_TAKES_META, rows)

    // Once the maker's lock window has passed, the swap can no longer start: the terms are dropped.
    const late = await makerService(hub, repo, 5n + LOCK_WINDOW_BLOCKS + 1n)
    expect(await ask(late, DAVE, 'Q')).toMatchObject({ accepted: false, refusal: { code: 'OFFER_UNKNOWN' } })
    await until(async () => ((await repo.getMeta<unknown[]>(AGREED_TAKES_META)) ?? []).length === 0)
    await late.link.leave()
  })

  test('a taker tab reloaded after the maker accepted its take still holds the agreed terms, until the lock window has passed', async () => {
    const hub = memoryHub()
    const signed = await signOffer(ALICE, CHAIN, offerFor())
    const id = offerId(CHAIN, signed.offer)
    await acceptingMaker(hub, () => id)
    const repo = await memoryRepository()
    const takerAt = async (height: bigint) => {
      const link = hub.join('N')
      const service = offersServiceOn(link, repo, height)
      await service.start()
      return Object.assign(service, { link })
    }
    const first = await takerAt(5n)
    expect(
      await first.gossip(chainTopic(CHAIN, 'offers'), encodeOfferMessage({ kind: 'offer', signed }), 'E'),
    ).toBe('accept')
    const terms = await first.take(
      await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'N' }),
    )
    // With the maker's tab, the offer's `makerPeer`.
    expect(await first.agreedSwaps()).toEqual([{ terms, role: 'taker', counterpartyPeer: 'E' }])
    // The tab closes before its page starts the swap.
    await first.link.leave()

    const again = await takerAt(6n)
    expect(await again.agreedSwaps()).toEqual([{ terms, role: 'taker', counterpartyPeer: 'E' }])
    await again.link.leave()

    // Rows that do not hold together are skipped, the good one still read.
    const rows = (await repo.getMeta<unknown[]>(TAKEN_OFFERS_META)) ?? []
    await repo.putMeta(TAKEN_OFFERS_META, [null, 7, { chainId: 1 }, { terms: { chainId: 1 } }, ...rows])
    const checked = await takerAt(6n)
    expect(await checked.agreedSwaps()).toEqual([{ terms, role: 'taker', counterpartyPeer: 'E' }])
    await checked.link.leave()

    // A row stored before the maker's peer was kept (the bare terms), or with a peer id that is not one:
    // the terms stand, the maker's tab is not known.
    for (const row of [
      terms,
      ...['', 'E\n', 'x'.repeat(129), 7, null].map((makerPeer) => ({ terms, makerPeer })),
    ]) {
      await repo.putMeta(TAKEN_OFFERS_META, [row])
      const old = await takerAt(6n)
      expect(await old.agreedSwaps()).toEqual([{ terms, role: 'taker', counterpartyPeer: null }])
      await old.link.leave()
    }

    // Past the maker's lock window the swap can no longer start: the terms are dropped.
    const late = await takerAt(5n + LOCK_WINDOW_BLOCKS + 1n)
    expect(await late.agreedSwaps()).toEqual([])
    await until(async () => ((await repo.getMeta<unknown[]>(TAKEN_OFFERS_META)) ?? []).length === 0)
    await late.link.leave()
  })

  test('a take that comes while a reloaded maker still reads its agreed takes waits for them: the winner gets the same terms', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    const first = await makerService(hub, repo, 5n)
    const signed = await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' })
    const id = (await first.post(signed, `0x${'55'.repeat(32)}`)).id
    const take = await signTake(DAVE, CHAIN, { offerId: id, taker: lower(DAVE), takerPeer: 'Q' }).then(
      encodeTake,
    )
    const agreed = await first.answer(chainProtocol(CHAIN, 'take'), take, 'Q')
    await first.link.leave()

    // The reloaded maker's read of its agreed takes is held until the take has arrived.
    let release = () => {}
    const held = new Promise<void>((r) => {
      release = r
    })
    const slow: Pick<NodeRepository, 'getMeta' | 'putMeta'> = {
      getMeta: async <T>(key: string) => {
        if (key === AGREED_TAKES_META) await held
        return repo.getMeta<T>(key)
      },
      putMeta: (key, value) => repo.putMeta(key, value),
    }
    const link = hub.join('N')
    const again = offersServiceOn(link, slow, 6n)
    const started = again.start()
    const answer = again.answer(chainProtocol(CHAIN, 'take'), take, 'Q')
    await new Promise((r) => setTimeout(r, 20))
    release()
    await started
    expect(await answer).toEqual(agreed)
    expect(decodeTakeAnswer(agreed as Uint8Array, id)).toMatchObject({ accepted: true })
    await link.leave()
  })

  test('a take at a maker whose agreed takes cannot be read is refused with that error, never answered from a partial list', async () => {
    const hub = memoryHub()
    const broken = new StorageError({ code: 'STORAGE_ABORTED', reason: 'test' })
    const link = hub.join('N')
    const unreadable: Pick<NodeRepository, 'getMeta' | 'putMeta'> = {
      getMeta: async () => {
        throw broken
      },
      putMeta: async () => {},
    }
    const service = offersServiceOn(link, unreadable, 6n)
    const started = service.start()
    const take = await signTake(DAVE, CHAIN, {
      offerId: `0x${'66'.repeat(32)}`,
      taker: lower(DAVE),
      takerPeer: 'Q',
    }).then(encodeTake)
    await expect(service.answer(chainProtocol(CHAIN, 'take'), take, 'Q')).rejects.toBe(broken)
    await expect(started).rejects.toBe(broken)
    await link.leave()
  })

  test('a take whose agreement cannot be stored is not agreed: the taker gets no answer, the offer stays open for the next', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    let full = false
    const store: Pick<NodeRepository, 'getMeta' | 'putMeta'> = {
      getMeta: (key) => repo.getMeta(key),
      putMeta: async (key, value, options) => {
        if (full && key === AGREED_TAKES_META) throw new StorageError({ code: 'STORAGE_QUOTA_EXCEEDED' })
        return repo.putMeta(key, value, options)
      },
    }
    const maker = await makerService(hub, store, 5n)
    const id = (
      await maker.post(
        await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' }),
        `0x${'55'.repeat(32)}`,
      )
    ).id
    const take = async (who: typeof DAVE, peer: string) =>
      maker.answer(
        chainProtocol(CHAIN, 'take'),
        encodeTake(await signTake(who, CHAIN, { offerId: id, taker: lower(who), takerPeer: peer })),
        peer,
      )
    full = true
    await expect(take(DAVE, 'Q')).rejects.toMatchObject({ type: { code: 'STORAGE_QUOTA_EXCEEDED' } })
    expect(await repo.getMeta(AGREED_TAKES_META)).toBeUndefined()
    full = false
    expect(decodeTakeAnswer((await take(BOB, 'R')) as Uint8Array, id)).toMatchObject({ accepted: true })
    await maker.link.leave()
  })

  test('an offer that cannot be stored is not posted: a typed error, nothing in the book, nothing gossiped', async () => {
    const hub = memoryHub()
    const repo = await memoryRepository()
    const full = new Proxy(repo, {
      get(target, key) {
        if (key === 'putMeta')
          return async () => {
            throw new StorageError({ code: 'STORAGE_QUOTA_EXCEEDED' })
          }
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const heard: string[] = []
    const watcher = hub.join('W')
    await watcher.api.subscribe(chainTopic(CHAIN, 'offers'))
    await watcher.attach({
      gossip: async (_topic, _data, from) => {
        heard.push(from)
        return 'ignore'
      },
      request: async () => new Uint8Array(0),
      networkChanged: async () => {},
    })
    const n = await nodeOn(hub, 'N', full)
    const signed = await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'N' })
    await expect(n.api.postOffer(signed, `0x${'55'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'STORAGE_QUOTA_EXCEEDED' },
    })
    expect(await n.api.offers()).toEqual([])
    // The watcher does hear an offer that was stored (from another node), and never N's.
    const m = await nodeOn(hub, 'M')
    await m.api.postOffer(
      await signOffer(ALICE, CHAIN, { ...offerFor(), makerPeer: 'M' }),
      `0x${'55'.repeat(32)}`,
    )
    await until(async () => heard.length > 0)
    expect(heard).toEqual(['M'])
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
