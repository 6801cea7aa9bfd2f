import { type Address, encodeFunctionData, type Hex, sha256 } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { createNode, type Node, type NodeEvents } from '../../../src/node/worker/node'
import type { OffersEvent } from '../../../src/node/worker/offers-service'
import { decodeTakeAnswer, encodeOfferMessage, encodeTake } from '../../../src/trade/offers/codec'
import { offerId, randomSalt } from '../../../src/trade/offers/typed-data'
import type { Offer } from '../../../src/trade/offers/types'
import type { SwapTerms } from '../../../src/trade/swap/terms'
import { until } from '../../until'
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  lower,
  NATIVE,
  signCancel,
  signOffer,
  signTake,
  type TestAccount,
} from './fixtures'

const GENESIS = testGenesis({ params: { minBlockIntervalMs: 20 } })
const CHAIN = GENESIS.params.chainId
const ETHER = 10n ** 18n
const GOLD = tokenAddress(lower(ALICE), 0n)
const PAIR = { base: GOLD, quote: NATIVE }
const HASHLOCK = sha256('0x5ec2e7')

interface TestNode {
  readonly node: Node
  readonly peer: string
  readonly offers: OffersEvent[]
  leave(): Promise<void>
}

const hub = memoryHub()
const nodes: TestNode[] = []

async function join(peer: string): Promise<TestNode> {
  const link = hub.join(peer)
  const offers: OffersEvent[] = []
  const node = createNode({
    profileId: peer,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: link.api,
    emit: <K extends keyof NodeEvents>(event: K, data: NodeEvents[K]) => {
      if (event === 'offers') offers.push(data as OffersEvent)
    },
    now: () => Date.now(),
    agent: 'test',
  })
  await node.start()
  await link.attach(node.sink)
  const t = { node, peer, offers, leave: () => link.leave() }
  nodes.push(t)
  return t
}

/** An offer by Alice on node A selling Gold for the native coin, open for `seconds`. */
function goldOffer(overrides: Partial<Offer> = {}, seconds = 600): Offer {
  return {
    maker: lower(ALICE),
    makerPeer: 'A',
    sellToken: GOLD,
    sellAmount: 100n,
    buyToken: NATIVE,
    buyAmount: 5n * ETHER,
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + seconds),
    makerTimelock: 40,
    takerTimelock: 12,
    salt: randomSalt(),
    ...overrides,
  }
}

const asks = async (n: TestNode): Promise<Hex[]> =>
  ((await n.node.api.offers(PAIR))[0]?.asks ?? []).map((e) => e.id)

const takeAs = async (n: TestNode, who: TestAccount, id: Hex): Promise<SwapTerms> =>
  n.node.api.takeOffer(await signTake(who, CHAIN, { offerId: id, taker: lower(who), takerPeer: n.peer }))

let A: TestNode
let B: TestNode
let C: TestNode

beforeAll(async () => {
  A = await join('A')
  B = await join('B')
  C = await join('C')
  // Alice creates 1,000 Gold on A; the blocks reach B and C by gossip.
  const raw = await ALICE.signTransaction({
    chainId: CHAIN,
    type: 'eip1559',
    nonce: 0,
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Gold', 'GLD', 0, 1000n],
    }),
    gas: 300_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
  const hash = await A.node.api.sendRawTransaction(raw)
  await A.node.api.setMining(true)
  await until(async () => (await A.node.api.receipt(hash)) !== null)
  await A.node.api.setMining(false)
  const head = (await A.node.api.head()).number
  for (const n of [B, C]) await until(async () => (await n.node.api.head()).number >= head)
  expect(await C.node.api.tokenBalance(GOLD, lower(ALICE))).toBe(1000n)
})

afterAll(() => {
  for (const n of nodes) n.node.stop()
})

describe('offers between in-process nodes (memory network)', () => {
  test('A posts; B and C see it in their order books, with the maker holding the balance', async () => {
    const offer = goldOffer()
    const entry = await A.node.api.postOffer(await signOffer(ALICE, CHAIN, offer), HASHLOCK)
    expect(entry).toMatchObject({ id: offerId(CHAIN, offer), hosted: true, makerLacksBalance: false })
    for (const n of [B, C]) {
      const [book] = await n.node.api.offers(PAIR)
      expect(book?.asks).toEqual([
        expect.objectContaining({ id: entry.id, hosted: false, makerLacksBalance: false }),
      ])
      expect(book?.bids).toEqual([])
      expect(n.offers).toContainEqual(expect.objectContaining({ kind: 'added' }))
    }
    // All books (no pair given): the one pair, the lower address as base.
    expect((await B.node.api.offers()).map((b) => b.pair)).toEqual([{ base: NATIVE, quote: GOLD }])
  })

  test('posting is refused for another peer id, a maker without the balance, and a replay', async () => {
    await expect(
      A.node.api.postOffer(await signOffer(ALICE, CHAIN, goldOffer({ makerPeer: 'B' })), HASHLOCK),
    ).rejects.toMatchObject({ type: { code: 'OFFER_WRONG_PEER', expected: 'A', got: 'B' } })
    await expect(
      A.node.api.postOffer(await signOffer(ALICE, CHAIN, goldOffer({ sellAmount: 1001n })), HASHLOCK),
    ).rejects.toMatchObject({ type: { code: 'OFFER_MAKER_LACKS_BALANCE', need: 1001n, have: 1000n } })
    const signed = await signOffer(ALICE, CHAIN, goldOffer())
    await A.node.api.postOffer(signed, HASHLOCK)
    await expect(A.node.api.postOffer(signed, HASHLOCK)).rejects.toMatchObject({
      type: { code: 'OFFER_KNOWN' },
    })
    await expect(A.node.api.postOffer(signed, '0x12')).rejects.toMatchObject({
      type: { code: 'OFFER_MALFORMED' },
    })
  })

  test('forged and expired offers are not shown nor relayed (reject / ignore); a maker without the balance is flagged', async () => {
    const topic = chainTopic(CHAIN, 'offers')
    const before = await asks(B)
    const penalties = (await B.node.api.stats()).penalties
    // Dave signs an offer that names Alice as its maker.
    const forged = await signOffer(DAVE, CHAIN, goldOffer())
    expect(await B.node.sink.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: forged }), 'X')).toBe(
      'reject',
    )
    // Expired: validly signed, but its time is up (our clock may differ from the sender's: ignore).
    const expired = await signOffer(
      ALICE,
      CHAIN,
      goldOffer({ expiresAt: BigInt(Math.floor(Date.now() / 1000) - 1) }),
    )
    expect(await B.node.sink.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: expired }), 'X')).toBe(
      'ignore',
    )
    // Breaks the timelock rule: invalid in itself.
    const tight = await signOffer(ALICE, CHAIN, goldOffer({ makerTimelock: 20, takerTimelock: 12 }))
    expect(await B.node.sink.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: tight }), 'X')).toBe(
      'reject',
    )
    expect(await B.node.sink.gossip(topic, Uint8Array.of(0xc0), 'X')).toBe('reject')
    expect(await asks(B)).toEqual(before)
    expect((await B.node.api.stats()).penalties).toBe(penalties + 3)

    // Bob holds no Gold: his offer is shown, flagged.
    const unfunded = await signOffer(BOB, CHAIN, goldOffer({ maker: lower(BOB), makerPeer: 'B' }))
    expect(
      await A.node.sink.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: unfunded }), 'B'),
    ).toBe('accept')
    expect(
      await A.node.sink.gossip(topic, encodeOfferMessage({ kind: 'offer', signed: unfunded }), 'C'),
    ).toBe('ignore')
    const [book] = await A.node.api.offers(PAIR)
    expect(book?.asks.find((e) => e.id === offerId(CHAIN, unfunded.offer))?.makerLacksBalance).toBe(true)
  })

  test('repeated malformed offers gossip drops its sender, as blocks do: its later offers are refused unread', async () => {
    const topic = chainTopic(CHAIN, 'offers')
    hub.join('SPAM')
    const before = await B.node.api.stats()
    const verdicts: string[] = []
    for (const junk of [Uint8Array.of(0xc0), Uint8Array.of(0xff, 0x00), new Uint8Array(40)])
      verdicts.push(await B.node.sink.gossip(topic, junk, 'SPAM'))
    expect(verdicts).toEqual(['reject', 'reject', 'reject'])
    const after = await B.node.api.stats()
    expect(after.penalties).toBe(before.penalties + 3)
    expect(after.peersDropped).toBe(before.peersDropped + 1)
    expect(B.node.syncer.isBanned('SPAM')).toBe(true)
    expect(hub.linked('B', 'SPAM')).toBe(false)
    // Dropped: a valid offer from it is refused unread (and not put in the book); from another peer it is taken.
    const valid = encodeOfferMessage({ kind: 'offer', signed: await signOffer(ALICE, CHAIN, goldOffer()) })
    expect(await B.node.sink.gossip(topic, valid, 'SPAM')).toBe('reject')
    expect(await B.node.sink.gossip(topic, valid, 'C')).toBe('accept')
  })

  test('two takers race: exactly one wins with the agreed terms, the other gets OFFER_TAKEN', async () => {
    const offer = goldOffer()
    const id = (await A.node.api.postOffer(await signOffer(ALICE, CHAIN, offer), HASHLOCK)).id
    await until(async () => (await asks(C)).includes(id))
    const results = await Promise.allSettled([takeAs(B, BOB, id), takeAs(C, CAROL, id)])
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
      type: { code: 'OFFER_TAKEN', offerId: id },
    })
    const terms = (won[0] as PromiseFulfilledResult<SwapTerms>).value
    const [winner, winnerNode] = terms.taker === lower(BOB) ? [BOB, B] : [CAROL, C]
    expect(terms).toEqual({
      chainId: CHAIN,
      offerId: id,
      maker: lower(ALICE),
      taker: lower(winner),
      tokenA: GOLD,
      amountA: 100n,
      tokenB: NATIVE,
      amountB: 5n * ETHER,
      makerTimelockBlocks: 40n,
      takerTimelockBlocks: 12n,
      hashlock: HASHLOCK,
      acceptedHeight: (await A.node.api.head()).number,
    })
    // Both parties hold the same terms, as maker and as taker.
    const peers = { makerPeer: 'A', takerPeer: winnerNode.peer }
    expect(A.offers).toContainEqual({ kind: 'agreed', role: 'maker', terms, ...peers })
    expect(winnerNode.offers).toContainEqual({ kind: 'agreed', role: 'taker', terms, ...peers })
    // The winner asking again (its answer lost) gets the same terms from the maker.
    const again = await A.node.sink.request(
      chainProtocol(CHAIN, 'take'),
      encodeTake(
        await signTake(winner, CHAIN, { offerId: id, taker: lower(winner), takerPeer: winnerNode.peer }),
      ),
      winnerNode.peer,
    )
    expect(decodeTakeAnswer(again, id)).toEqual({
      accepted: true,
      offerId: id,
      hashlock: HASHLOCK,
      agreedAtHeight: terms.acceptedHeight,
    })
    expect(await asks(A)).not.toContain(id)
    expect(await asks(winnerNode)).not.toContain(id)
    // The loser is still refused.
    const loserNode = winnerNode === B ? C : B
    const loser = winnerNode === B ? CAROL : BOB
    await expect(takeAs(loserNode, loser, id)).rejects.toMatchObject({ type: { code: 'OFFER_TAKEN' } })
  })

  test('takes are refused: a taker without the balance, a forged take, the maker itself, an unknown offer', async () => {
    const id = (
      await A.node.api.postOffer(
        await signOffer(ALICE, CHAIN, goldOffer({ buyAmount: 20_000n * ETHER })),
        HASHLOCK,
      )
    ).id
    await until(async () => (await asks(B)).includes(id))
    await expect(takeAs(B, BOB, id)).rejects.toMatchObject({
      type: { code: 'TAKER_LACKS_BALANCE', need: 20_000n * ETHER },
    })
    // Bob's take, signed by Carol.
    const forged = {
      take: { offerId: id, taker: lower(BOB), takerPeer: 'B' },
      signature: (await signTake(CAROL, CHAIN, { offerId: id, taker: lower(BOB), takerPeer: 'B' })).signature,
    }
    await expect(B.node.api.takeOffer(forged)).rejects.toMatchObject({ type: { code: 'TAKE_BAD_SIGNATURE' } })
    await expect(takeAs(A, ALICE, id)).rejects.toMatchObject({ type: { code: 'TAKE_SELF' } })
    await expect(takeAs(B, BOB, `0x${'00'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'OFFER_UNKNOWN' },
    })
    // A take naming another tab's peer id is refused before it leaves.
    await expect(
      B.node.api.takeOffer(await signTake(BOB, CHAIN, { offerId: id, taker: lower(BOB), takerPeer: 'C' })),
    ).rejects.toMatchObject({ type: { code: 'TAKE_WRONG_PEER' } })
  })

  test('the maker checks every take itself: wrong peer and an unfunded taker are refused, then a valid taker wins', async () => {
    const id = (await A.node.api.postOffer(await signOffer(ALICE, CHAIN, goldOffer()), HASHLOCK)).id
    const takeProtocol = chainProtocol(CHAIN, 'take')
    const ask = async (who: TestAccount, peer: string, from: string) =>
      decodeTakeAnswer(
        await A.node.sink.request(
          takeProtocol,
          encodeTake(await signTake(who, CHAIN, { offerId: id, taker: lower(who), takerPeer: peer })),
          from,
        ),
        id,
      )
    expect(await ask(BOB, 'B', 'X')).toEqual({
      accepted: false,
      refusal: { code: 'TAKE_WRONG_PEER', expected: 'B', got: 'X' },
    })
    const broke = privateKeyToAccount(generatePrivateKey())
    expect(await ask(broke, 'Z', 'Z')).toEqual({
      accepted: false,
      refusal: { code: 'TAKER_LACKS_BALANCE', need: 5n * ETHER, have: 0n },
    })
    expect(
      await A.node.sink
        .request(takeProtocol, Uint8Array.of(1, 2, 3), 'Y')
        .then((r) => decodeTakeAnswer(r, id)),
    ).toMatchObject({
      accepted: false,
      refusal: { code: 'OFFER_MALFORMED' },
    })
    expect(await ask(DAVE, 'D', 'D')).toMatchObject({ accepted: true, offerId: id, hashlock: HASHLOCK })
    expect(await ask(BOB, 'B', 'B')).toEqual({
      accepted: false,
      refusal: { code: 'OFFER_TAKEN', offerId: id },
    })
  })

  test('a cancelled offer disappears from the other books and its replay is ignored', async () => {
    const offer = goldOffer()
    const signed = await signOffer(ALICE, CHAIN, offer)
    const id = (await A.node.api.postOffer(signed, HASHLOCK)).id
    await until(async () => (await asks(B)).includes(id))
    await expect(A.node.api.cancelOffer(await signCancel(BOB, CHAIN, offer))).rejects.toMatchObject({
      type: { code: 'CANCEL_BAD_SIGNATURE' },
    })
    expect(await asks(B)).toContain(id)
    await A.node.api.cancelOffer(await signCancel(ALICE, CHAIN, offer))
    for (const n of [A, B, C]) {
      expect(await asks(n)).not.toContain(id)
      expect(n.offers).toContainEqual({ kind: 'removed', offerId: id, reason: 'cancelled' })
    }
    const replay = encodeOfferMessage({ kind: 'offer', signed })
    expect(await B.node.sink.gossip(chainTopic(CHAIN, 'offers'), replay, 'X')).toBe('ignore')
    expect(await asks(B)).not.toContain(id)
    await expect(takeAs(B, BOB, id)).rejects.toMatchObject({ type: { code: 'OFFER_CANCELLED' } })
    await expect(A.node.api.cancelOffer(await signCancel(ALICE, CHAIN, offer))).rejects.toMatchObject({
      type: { code: 'OFFER_CANCELLED' },
    })
  })

  test('a tab joining later gets the open offers from a peer, not the cancelled ones', async () => {
    const open = goldOffer()
    const openId = (await A.node.api.postOffer(await signOffer(ALICE, CHAIN, open), HASHLOCK)).id
    const gone = goldOffer()
    const goneSigned = await signOffer(ALICE, CHAIN, gone)
    const goneId = (await A.node.api.postOffer(goneSigned, HASHLOCK)).id
    await A.node.api.cancelOffer(await signCancel(ALICE, CHAIN, gone))
    const D = await join('D')
    await until(async () => (await asks(D)).includes(openId))
    expect(await asks(D)).not.toContain(goneId)
    // D learnt the cancellation too: the cancelled offer stays out if someone replays it.
    expect(
      await D.node.sink.gossip(
        chainTopic(CHAIN, 'offers'),
        encodeOfferMessage({ kind: 'offer', signed: goneSigned }),
        'X',
      ),
    ).toBe('ignore')
    await D.leave()
  })

  test('an offer that expired is dropped from the books, and taking it is OFFER_STALE', async () => {
    const id = (await A.node.api.postOffer(await signOffer(ALICE, CHAIN, goldOffer({}, 2)), HASHLOCK)).id
    await until(async () => (await asks(B)).includes(id))
    await until(async () => !(await asks(B)).includes(id), 5_000)
    expect(B.offers).toContainEqual({ kind: 'removed', offerId: id, reason: 'expired' })
    await expect(takeAs(B, BOB, id)).rejects.toMatchObject({ type: { code: 'OFFER_STALE', offerId: id } })
  })
})
