import { type Address, encodeFunctionData, type Hex, sha256 } from 'viem'
import { describe, expect, test } from 'vitest'
import type { Chain } from '../../../src/node/chain/chain'
import type { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { lockId } from '../../../src/node/contracts/htlc/htlc'
import { LightError } from '../../../src/node/light/errors'
import { LightClient } from '../../../src/node/light/light-client'
import { NetError, requestFailed } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import { SyncError } from '../../../src/node/sync/errors'
import type { Offence } from '../../../src/node/sync/peer-scores'
import {
  decodeActivityRequest,
  decodeActivityResponse,
  decodeInclusionRequest,
  decodeInclusionResponse,
  decodeStateProofRequest,
  decodeStateProofResponse,
  encodeActivityRequest,
  encodeActivityResponse,
  encodeInclusionResponse,
  encodeStateProofResponse,
  MAX_INCLUSION_TXS,
} from '../../../src/node/sync/proof-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { ActivityIndex } from '../../../src/node/worker/activity-index'
import { readReceived } from '../../../src/wallet/activity'
import { shortAddress } from '../../../src/wallet/describe'
import { asyncCodeOf, codeOf } from '../../code-of'
import { until } from '../../until'
import { paidOut } from '../../wallet/paid-out'
import { addressOf, snapshotStore } from '../chain/chain-fixtures'
import {
  ALICE,
  BOB,
  extend,
  fullQueries,
  GENESIS,
  mineTxs,
  must,
  nodeStarter,
  RecordingBoard,
  sendToken,
  signCall,
  tokenChain,
} from './fixtures'

/**
 * An address's transactions on a light node (`sync-activity`): what a full node serves, and
 * `LightClient.addressTransactions` against honest, refusing and lying peers. A peer may leave
 * transactions out (nothing proves a list whole) but never add one the client shows.
 */

const P = syncProtocols(GENESIS.params.chainId)
const NOW = 10 ** 15
const CAROL = addressOf(2)
const NOBODY: Address = `0x${'de'.repeat(20)}`

/**
 * 1. ALICE creates GLD, sends 250 to BOB, approves BOB for 40 (`tokenChain`); 2. ALICE pays CAROL, BOB
 * sends CAROL 10 GLD; 3. empty; 4. CAROL pays NOBODY; 5–7. empty.
 */
async function activityChain(): Promise<Chain> {
  const { chain } = await tokenChain(0)
  mineTxs(chain, [await signCall(0, 3, CAROL, '0x', 1_000n), await sendToken(1, 0, CAROL, 10n)])
  extend(chain, 1)
  mineTxs(chain, [await signCall(2, 0, NOBODY, '0x', 5n)])
  extend(chain, 3)
  return chain
}

let cached: Promise<Chain> | undefined
const sharedChain = (): Promise<Chain> => {
  cached ??= activityChain()
  return cached
}

const txOf = (chain: Chain, n: bigint, i: number): Hex => must(must(chain.getBlockByNumber(n)).txHashes[i])

/** A peer's answer to one request (its protocol and body). */
type Answer = (protocol: string, body: Uint8Array) => Uint8Array

/**
 * An honest full node serving `chain` (or refusing the list, as a node that cannot list it whole), as the
 * chain service wires it: version 3 lists every transaction, version 2 those provable without the lock.
 */
function honest(chain: Chain, name: string, opts: { lists?: boolean } = {}): Answer {
  const index = new ActivityIndex(chain, { senders: true })
  const server = createSyncServer({
    chain,
    now: () => 0,
    rateBurst: 1_000_000,
    activity: (address, limit, payouts) =>
      opts.lists === false
        ? undefined
        : payouts
          ? index.transactions(address, limit)
          : index.provableTransactions(address, limit),
  })
  return (protocol, body) => must(server.answer(protocol, body, name))
}

/**
 * An honest full node of before `sync-activity` 3: it speaks version 2 only, and a request of version 3
 * fails as the network reports a protocol the peer does not speak (no typed error from the peer).
 */
function older(chain: Chain, name: string): Answer {
  const inner = honest(chain, name)
  return (protocol, body) => {
    if (protocol === P.activity)
      throw new NetError({
        code: 'NET_REQUEST_FAILED',
        peerId: name,
        protocol,
        reason: 'protocol not supported',
      })
    return inner(protocol, body)
  }
}

/** A peer answering as `inner`, its activity list edited. */
function listing(inner: Answer, edit: (hashes: Hex[]) => Hex[]): Answer {
  return (protocol, body) => {
    const res = inner(protocol, body)
    return protocol === P.activity ? encodeActivityResponse(edit(decodeActivityResponse(res))) : res
  }
}

/** A light client holding `chain`'s headers up to `upTo` (its head by default), with `peers` to ask. */
function lightOf(chain: Chain, peers: Record<string, Answer>, upTo = chain.headHeader.number) {
  const requests: { peerId: string; protocol: string; count: number }[] = []
  const disconnected: string[] = []
  const board = new RecordingBoard({
    now: () => NOW,
    banMs: 60_000,
    disconnect: async (id) => {
      disconnected.push(id)
    },
  })
  const light = new LightClient({
    genesis: GENESIS,
    async request(peerId, protocol, data) {
      const count =
        protocol === P.activity || protocol === P.activityV2
          ? decodeActivityRequest(data).limit
          : protocol === P.inclusion
            ? decodeInclusionRequest(data).length
            : protocol === P.proof
              ? decodeStateProofRequest(data).keys.length
              : -1
      requests.push({ peerId, protocol, count })
      return must(peers[peerId])(protocol, data)
    },
    disconnect: async () => {},
    now: () => NOW,
    board,
  })
  for (let n = 1n; n <= upTo; n++)
    light.headers.add(must(chain.getBlockByNumber(n)).block.header, BigInt(NOW))
  for (const id of Object.keys(peers)) light.notePeerHead(id, upTo)
  return { light, requests, offences: board.offences, disconnected }
}

describe('an address’s transactions served by a full node', () => {
  test('newest first, at most the limit; not served without a list, refused while the node cannot list whole', async () => {
    const chain = await sharedChain()
    const ask = (answer: Answer, address: Address, limit: number) =>
      decodeActivityResponse(answer(P.activity, encodeActivityRequest({ address, limit })))
    const full = honest(chain, 'x')
    expect(ask(full, CAROL, 10)).toEqual([txOf(chain, 4n, 0), txOf(chain, 2n, 1), txOf(chain, 2n, 0)])
    expect(ask(full, CAROL, 2)).toEqual([txOf(chain, 4n, 0), txOf(chain, 2n, 1)])
    expect(ask(full, NOBODY, 10)).toEqual([txOf(chain, 4n, 0)])
    expect(ask(full, addressOf(7), 10)).toEqual([])
    // A list function that gives more than asked is cut to the limit.
    const generous = createSyncServer({
      chain,
      now: () => 0,
      activity: () => [txOf(chain, 1n, 0), txOf(chain, 1n, 1)],
    })
    const body = encodeActivityRequest({ address: ALICE, limit: 1 })
    expect(decodeActivityResponse(must(generous.answer(P.activity, body, 'x')))).toEqual([txOf(chain, 1n, 0)])
    // Without a list function the protocol is not one this server speaks; with none yet, it refuses.
    const plain = createSyncServer({ chain, now: () => 0 })
    expect(plain.protocols).not.toContain(P.activity)
    expect(plain.answer(P.activity, body, 'x')).toBeNull()
    let refusal: unknown
    try {
      honest(chain, 'x', { lists: false })(P.activity, body)
    } catch (err) {
      refusal = err
    }
    expect(refusal).toBeInstanceOf(SyncError)
    expect((refusal as SyncError).type).toEqual({
      code: 'SYNC_NOT_HELD',
      what: 'address transactions',
      from: 0n,
    })
    // Bad requests are typed refusals.
    expect(codeOf(SyncError, () => full(P.activity, fromHex('0xc0')))).toBe('SYNC_MALFORMED')
    expect(
      codeOf(SyncError, () => full(P.activity, encodeActivityRequest({ address: ALICE, limit: 201 }))),
    ).toBe('SYNC_REQUEST_TOO_LARGE')
  })
})

describe('LightClient.addressTransactions', () => {
  test.each([
    ['ALICE', ALICE],
    ['BOB', BOB],
    ['CAROL', CAROL],
    ['NOBODY (received a payment only)', NOBODY],
    ['an address with none', addressOf(7)],
  ])('%s: as the full node lists them, each proven, from one peer', async (_, address) => {
    const chain = await sharedChain()
    const h = lightOf(chain, { a: honest(chain, 'light') })
    const full = await fullQueries(chain).addressTransactions(address, 25)
    expect(await h.light.addressTransactions(address, 25)).toEqual(full)
    expect(h.offences).toEqual([])
    expect(h.requests.map((r) => r.protocol)).toEqual(
      full.length === 0 ? [P.activity] : [P.activity, P.inclusion],
    )
  })

  test('the fixture lists what the test names: token transfers, payments, both sides', async () => {
    const chain = await sharedChain()
    const q = fullQueries(chain)
    const lengths = await Promise.all(
      [ALICE, BOB, CAROL, NOBODY].map(async (a) => (await q.addressTransactions(a, 25)).length),
    )
    expect(lengths).toEqual([4, 2, 3, 1])
  })

  test('at most the limit: the newest', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, { a: honest(chain, 'light') })
    expect(await h.light.addressTransactions(CAROL, 1)).toEqual([txOf(chain, 4n, 0)])
  })

  test(`more than ${MAX_INCLUSION_TXS} are proven ${MAX_INCLUSION_TXS} a request, from the peer that listed them`, async () => {
    const { chain } = await tokenChain(0)
    for (let b = 0; b < 2; b++) {
      const raws: Hex[] = []
      for (let i = 0; i < 20; i++) raws.push(await sendToken(0, 3 + 20 * b + i, BOB, 1n))
      mineTxs(chain, raws)
    }
    const h = lightOf(chain, { a: honest(chain, 'light') })
    const full = await fullQueries(chain).addressTransactions(ALICE, 200)
    expect(full).toHaveLength(43)
    expect(await h.light.addressTransactions(ALICE, 200)).toEqual(full)
    expect(h.requests.map((r) => [r.peerId, r.protocol, r.count])).toEqual([
      ['a', P.activity, 200],
      ['a', P.inclusion, MAX_INCLUSION_TXS],
      ['a', P.inclusion, 43 - MAX_INCLUSION_TXS],
    ])
  })

  test('a transaction in a block past the header head is left out, without penalty', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, { a: honest(chain, 'light') }, 3n)
    expect(await h.light.addressTransactions(CAROL, 10)).toEqual([txOf(chain, 2n, 1), txOf(chain, 2n, 0)])
    expect(await h.light.addressTransactions(NOBODY, 10)).toEqual([])
    expect(h.offences).toEqual([])
  })

  const FORGERIES: Record<
    string,
    { edit: (chain: Chain, hashes: Hex[]) => Hex[]; offence: Offence; limit?: number }
  > = {
    'another address’s transaction added (in order)': {
      edit: (chain, hashes) => [txOf(chain, 4n, 0), ...hashes],
      offence: 'invalid-proof',
    },
    'a transaction it cannot prove': {
      edit: (_, hashes) => [toHex(keccak(fromHex('0x01'))), ...hashes],
      offence: 'wrong-response',
    },
    'oldest first': { edit: (_, hashes) => [...hashes].reverse(), offence: 'wrong-response' },
    'its blocks oldest first (each newest first within)': {
      edit: (_, hashes) => [...hashes.slice(1), must(hashes[0])],
      offence: 'wrong-response',
    },
    'a transaction twice': {
      edit: (_, hashes) => [must(hashes[0]), ...hashes],
      offence: 'wrong-response',
    },
    'more than asked': {
      edit: (chain) => [txOf(chain, 2n, 0), txOf(chain, 1n, 2), txOf(chain, 1n, 1)],
      offence: 'wrong-response',
      limit: 2,
    },
  }

  test.each(Object.keys(FORGERIES))(
    'a peer listing %s is penalised; an honest peer answers',
    async (name) => {
      const chain = await sharedChain()
      const { edit, offence, limit = 25 } = must(FORGERIES[name])
      const evil = listing(honest(chain, 'evil'), (hashes) => edit(chain, hashes))
      const h = lightOf(chain, { evil, a: honest(chain, 'light') })
      expect(await h.light.addressTransactions(ALICE, limit)).toEqual(
        await fullQueries(chain).addressTransactions(ALICE, limit),
      )
      expect(h.offences).toEqual([['evil', offence]])
      expect(h.light.isBanned('evil')).toBe(offence === 'invalid-proof')
      expect(h.light.counters.proofsRejected).toBe(1)
    },
  )

  test('a forged inclusion proof of a listed transaction drops the peer', async () => {
    const chain = await sharedChain()
    const inner = honest(chain, 'evil')
    const evil: Answer = (protocol, body) => {
      const res = inner(protocol, body)
      if (protocol !== P.inclusion) return res
      return encodeInclusionResponse(
        decodeInclusionResponse(res).map((e) =>
          e === null ? null : { ...e, txSiblings: e.txSiblings.map(() => toHex(keccak(fromHex('0x02')))) },
        ),
      )
    }
    const h = lightOf(chain, { evil, a: honest(chain, 'light') })
    expect(await h.light.addressTransactions(BOB, 25)).toEqual(
      await fullQueries(chain).addressTransactions(BOB, 25),
    )
    expect(h.offences).toEqual([['evil', 'invalid-proof']])
    expect(h.disconnected).toEqual(['evil'])
  })

  test('a peer that cannot list whole refuses without penalty and the next is asked; with none that can, LIGHT_UNVERIFIED', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, { held: honest(chain, 'held', { lists: false }), a: honest(chain, 'light') })
    expect(await h.light.addressTransactions(CAROL, 10)).toHaveLength(3)
    expect(h.requests.map((r) => r.peerId)).toEqual(['held', 'a', 'a'])
    expect(h.offences).toEqual([])
    const none = lightOf(chain, { held: honest(chain, 'held', { lists: false }) })
    expect(await asyncCodeOf(none.light.addressTransactions(CAROL, 10))).toBe('LIGHT_UNVERIFIED')
    expect(await asyncCodeOf(lightOf(chain, {}).light.addressTransactions(CAROL, 10))).toBe(
      'LIGHT_UNVERIFIED',
    )
  })
})

describe('which nodes list an address’s transactions', () => {
  const join = nodeStarter()

  test('a full node held from the genesis lists; a node started from a snapshot refuses, so a light peer asks the other', async () => {
    const hub = memoryHub()
    const { chain: tokens, store } = await tokenChain(6)
    const full = await join(hub, 'F', { store })
    const snap = await join(hub, 'S', { store: snapshotStore(GENESIS, tokens, 4n) })
    const body = encodeActivityRequest({ address: BOB, limit: 10 })
    const listed = decodeActivityResponse(await full.node.sink.request(P.activity, body, 'x'))
    expect(listed).toEqual(await full.api.addressTransactions(BOB, 10))
    expect(listed).toHaveLength(1)
    await expect(snap.node.sink.request(P.activity, body, 'x')).rejects.toMatchObject({
      type: { code: 'SYNC_NOT_HELD', what: 'address transactions' },
    })
    // A light node asks them: whichever it asks first, the list it shows is the full node's.
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    expect(await light.api.addressTransactions(BOB, 10)).toEqual(listed)
  })
})

/**
 * 1. `tokenChain`; 2. ALICE locks 5 wei to BOB twice, the second until block 4; 3. CAROL (neither side)
 * redeems the first with its secret; 4. CAROL refunds the second.
 */
async function payoutChain(): Promise<{ chain: Chain; store: MemoryChainStore; redeem: Hex; refund: Hex }> {
  const { chain, store } = await tokenChain(0)
  const preimage: Hex = `0x${'7c'.repeat(32)}`
  const hashlock = sha256(preimage)
  const lockTo = (nonce: number, timelock: bigint) =>
    signCall(
      0,
      nonce,
      HTLC_ADDRESS,
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [ZERO_ADDRESS, 5n, BOB, hashlock, timelock],
      }),
      5n,
    )
  mineTxs(chain, [await lockTo(3, 1_000n), await lockTo(4, 4n)])
  const redeemed = lockId(ALICE, 3n, ZERO_ADDRESS, 5n, BOB, hashlock, 1_000n)
  const refunded = lockId(ALICE, 4n, ZERO_ADDRESS, 5n, BOB, hashlock, 4n)
  const call = (data: Hex, nonce: number) => signCall(2, nonce, HTLC_ADDRESS, data)
  mineTxs(chain, [
    await call(encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [redeemed, preimage] }), 0),
  ])
  mineTxs(chain, [
    await call(encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [refunded] }), 1),
  ])
  return { chain, store, redeem: txOf(chain, 3n, 0), refund: txOf(chain, 4n, 0) }
}

describe('an HTLC payout sent by a third party', () => {
  const join = nodeStarter()

  test('the full node lists it for the lock’s payee and serves it on sync-activity 3 (version 2 leaves it out, for older light clients); a light node lists it, its lock proven, without penalty', async () => {
    const hub = memoryHub()
    const { chain, store, redeem, refund } = await payoutChain()
    extend(chain, 3)
    const full = await join(hub, 'F', { store })
    const bobs = await full.api.addressTransactions(BOB, 10)
    const alices = await full.api.addressTransactions(ALICE, 10)
    expect(bobs[0]).toBe(redeem)
    expect(alices[0]).toBe(refund)
    const served = async (protocol: string, address: Address) =>
      decodeActivityResponse(
        await full.node.sink.request(protocol, encodeActivityRequest({ address, limit: 10 }), 'x'),
      )
    // Version 3: the whole list. Version 2: the rest of each list, in order.
    expect(await served(P.activity, BOB)).toEqual(bobs)
    expect(await served(P.activity, ALICE)).toEqual(alices)
    expect(await served(P.activityV2, BOB)).toEqual(bobs.slice(1))
    expect(await served(P.activityV2, ALICE)).toEqual(alices.slice(1))
    expect(await served(P.activity, CAROL)).toEqual([refund, redeem])
    expect(await served(P.activityV2, CAROL)).toEqual([refund, redeem])

    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    // F is its only peer: a row it took for forged would have dropped F and failed the read.
    expect(await light.api.addressTransactions(BOB, 10)).toEqual(bobs)
    expect(await light.api.addressTransactions(ALICE, 10)).toEqual(alices)
  })

  test('a light node’s wallet reads what the payee received from the full peer’s list, each payment and lock proven, as the full node reads it, the payout someone else sent included', async () => {
    const hub = memoryHub()
    const { chain, store, redeem } = await payoutChain()
    extend(chain, 3)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    const onFull = {
      items: await paidOut(full.api, BOB, (await readReceived(BOB, full.api, new Map())).items),
    }
    const gold = must(must(chain.getBlockByNumber(1n)).txHashes[1])
    expect(onFull.items.map((i) => i.hash)).toEqual([redeem, gold])
    // F is its only peer; every transaction and receipt read is proven, the lock and the token's symbol
    // and decimals too.
    const onLight = {
      items: await paidOut(light.api, BOB, (await readReceived(BOB, light.api, new Map())).items),
    }
    expect(onLight.items).toEqual(onFull.items)
    expect(onLight.items.map((i) => i.title)).toEqual([
      must(onFull.items[0]).title,
      `Received 2.5 GLD from ${shortAddress(ALICE)}`,
    ])
    expect(must(onLight.items[0]).title).toMatch(/^Received .* from a swap, collected from lock /)
    // With no peer to list them, the read fails with a typed error, its message a sentence.
    await full.link.leave()
    const err = await readReceived(BOB, light.api, new Map()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LightError)
    expect(err).toMatchObject({ type: { code: 'LIGHT_UNVERIFIED' } })
  })

  test('a reorg that takes the redeem and the refund out takes them out of the payees’ lists, and nothing else', async () => {
    const { chain, redeem, refund } = await payoutChain()
    const index = new ActivityIndex(chain, { senders: true })
    const before = { bob: index.transactions(BOB, 10), alice: index.transactions(ALICE, 10) }
    expect(before.bob[0]).toBe(redeem)
    expect(before.alice[0]).toBe(refund)
    // A heavier branch from block 2 holds neither.
    extend(chain, 3, { parentHash: must(chain.getBlockByNumber(2n)).hash })
    expect(chain.head.block.header.number).toBe(5n)
    expect(index.transactions(BOB, 10)).toEqual(before.bob.slice(1))
    expect(index.transactions(ALICE, 10)).toEqual(before.alice.slice(1))
    expect(index.transactions(CAROL, 10)).not.toContain(redeem)
  })
})

describe('LightClient.addressTransactions: HTLC payouts someone else sent', () => {
  let payouts: ReturnType<typeof payoutChain> | undefined
  /** `payoutChain` with 3 empty blocks on top; shared (read only). */
  const shared = () => {
    payouts ??= payoutChain().then((p) => {
      extend(p.chain, 3)
      return p
    })
    return payouts
  }

  test.each([
    ['BOB, paid by a redeem CAROL sent', BOB],
    ['ALICE, paid back by a refund CAROL sent', ALICE],
  ])(
    '%s: listed as the full node lists it, the lock proven in one request of the peer that listed it',
    async (_, address) => {
      const { chain, redeem, refund } = await shared()
      const h = lightOf(chain, { a: honest(chain, 'light') })
      const full = await fullQueries(chain).addressTransactions(address, 10)
      expect(full[0]).toBe(address === BOB ? redeem : refund)
      expect(await h.light.addressTransactions(address, 10)).toEqual(full)
      expect(h.offences).toEqual([])
      expect(h.requests.map((r) => [r.peerId, r.protocol, r.count])).toEqual([
        ['a', P.activity, 10],
        ['a', P.inclusion, full.length],
        ['a', P.proof, 1],
      ])
    },
  )

  test.each([
    [
      'BOB, a refund that paid ALICE',
      BOB,
      (p: { redeem: Hex; refund: Hex }, hashes: Hex[]) => [p.refund, ...hashes],
    ],
    [
      'ALICE, a redeem that paid BOB',
      ALICE,
      (p: { redeem: Hex; refund: Hex }, hashes: Hex[]) => [must(hashes[0]), p.redeem, ...hashes.slice(1)],
    ],
    ['an address with none, a redeem that paid BOB', addressOf(7), (p: { redeem: Hex }) => [p.redeem]],
  ])(
    '%s: a peer listing a payout whose lock pays another is dropped and the next peer asked',
    async (_, address, edit) => {
      const p = await shared()
      const evil = listing(honest(p.chain, 'evil'), (hashes) => edit(p, hashes))
      const h = lightOf(p.chain, { evil, a: honest(p.chain, 'light') })
      expect(await h.light.addressTransactions(address, 10)).toEqual(
        await fullQueries(p.chain).addressTransactions(address, 10),
      )
      expect(h.offences).toEqual([['evil', 'invalid-proof']])
      expect(h.light.isBanned('evil')).toBe(true)
      expect(h.requests.filter((r) => r.peerId === 'evil').map((r) => r.protocol)).toEqual([
        P.activity,
        P.inclusion,
        P.proof,
      ])
      expect(h.requests.filter((r) => r.peerId === 'a').map((r) => r.protocol)[0]).toBe(P.activity)
    },
  )

  test('a lock proof that does not verify drops the peer; a peer holding no state there is passed over without penalty', async () => {
    const { chain } = await shared()
    const inner = honest(chain, 'evil')
    const truncated: Answer = (protocol, body) => {
      const res = inner(protocol, body)
      if (protocol !== P.proof) return res
      return encodeStateProofResponse(must(decodeStateProofResponse(res)).map((nodes) => nodes.slice(0, -1)))
    }
    const stateless: Answer = (protocol, body) =>
      protocol === P.proof ? encodeStateProofResponse(null) : inner(protocol, body)
    const h = lightOf(chain, { truncated, stateless, a: honest(chain, 'light') })
    expect(await h.light.addressTransactions(BOB, 10)).toEqual(
      await fullQueries(chain).addressTransactions(BOB, 10),
    )
    expect(h.offences).toEqual([['truncated', 'invalid-proof']])
    expect(h.requests.map((r) => r.peerId)).toEqual([
      ...Array(3).fill('truncated'),
      ...Array(3).fill('stateless'),
      ...Array(3).fill('a'),
    ])
  })

  test('a lock proof answer with a proof count unlike the keys is a wrong response, not a forged proof', async () => {
    const { chain } = await shared()
    const inner = honest(chain, 'extra')
    const extra: Answer = (protocol, body) => {
      const res = inner(protocol, body)
      if (protocol !== P.proof) return res
      const proofs = must(decodeStateProofResponse(res))
      return encodeStateProofResponse([...proofs, must(proofs[0])])
    }
    const h = lightOf(chain, { extra, a: honest(chain, 'light') })
    expect(await h.light.addressTransactions(BOB, 10)).toEqual(
      await fullQueries(chain).addressTransactions(BOB, 10),
    )
    expect(h.offences).toEqual([['extra', 'wrong-response']])
  })

  test('locks made after the oldest payout listed are proven at the newest payout’s block, where all exist', async () => {
    const { chain } = await tokenChain(0)
    const preimage: Hex = `0x${'3d'.repeat(32)}`
    const hashlock = sha256(preimage)
    // ALICE locks for BOB and CAROL redeems it, twice: the second lock is made after the first redeem.
    for (const [i, nonce] of [3n, 4n].entries()) {
      mineTxs(chain, [
        await signCall(
          0,
          Number(nonce),
          HTLC_ADDRESS,
          encodeFunctionData({
            abi: htlcAbi,
            functionName: 'lock',
            args: [ZERO_ADDRESS, 5n, BOB, hashlock, 1_000n],
          }),
          5n,
        ),
      ])
      const id = lockId(ALICE, nonce, ZERO_ADDRESS, 5n, BOB, hashlock, 1_000n)
      mineTxs(chain, [
        await signCall(
          2,
          i,
          HTLC_ADDRESS,
          encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, preimage] }),
        ),
      ])
    }
    const h = lightOf(chain, { a: honest(chain, 'light') })
    const full = await fullQueries(chain).addressTransactions(BOB, 10)
    expect(full.slice(0, 2)).toEqual([txOf(chain, 5n, 0), txOf(chain, 3n, 0)])
    expect(await h.light.addressTransactions(BOB, 10)).toEqual(full)
    expect(h.offences).toEqual([])
  })

  test('a peer that speaks only sync-activity 2 is asked that: its list, without the payouts others sent, is taken without penalty', async () => {
    const { chain, redeem } = await shared()
    const h = lightOf(chain, { old: older(chain, 'old') })
    const full = await fullQueries(chain).addressTransactions(BOB, 10)
    expect(full[0]).toBe(redeem)
    expect(await h.light.addressTransactions(BOB, 10)).toEqual(full.slice(1))
    expect(h.offences).toEqual([])
    expect(h.requests.map((r) => r.protocol)).toEqual([P.activity, P.activityV2, P.inclusion])
    // A typed refusal of version 3 (the peer speaks it; the network carries its error as `remote`) is not
    // asked again in version 2.
    const refusing = honest(chain, 'held', { lists: false })
    const held = lightOf(chain, {
      held: (protocol, body) => {
        try {
          return refusing(protocol, body)
        } catch (err) {
          throw requestFailed('held', protocol, err)
        }
      },
    })
    expect(await asyncCodeOf(held.light.addressTransactions(BOB, 10))).toBe('LIGHT_UNVERIFIED')
    expect(held.requests.map((r) => r.protocol)).toEqual([P.activity])
  })
})

describe('LightClient.included', () => {
  const UNKNOWN = toHex(keccak(fromHex('0x01')))

  test('those proven in canonical blocks of the header chain, in one request; the rest left out without penalty', async () => {
    const chain = await sharedChain()
    // Headers to #3: the transaction of #4 is past the header head.
    const h = lightOf(chain, { a: honest(chain, 'light') }, 3n)
    const hashes = [txOf(chain, 1n, 0), UNKNOWN, txOf(chain, 2n, 1), txOf(chain, 4n, 0)]
    const proven = await h.light.included(hashes)
    expect([...proven.keys()]).toEqual([txOf(chain, 1n, 0), txOf(chain, 2n, 1)])
    expect(proven.get(txOf(chain, 2n, 1))).toMatchObject({ blockNumber: 2n, index: 1, status: 1 })
    expect(h.requests.map((r) => [r.peerId, r.protocol, r.count])).toEqual([['a', P.inclusion, 4]])
    expect(h.offences).toEqual([])
  })

  test('a forged proof drops the peer and the next is asked; an entry count unlike the hashes is penalised', async () => {
    const chain = await sharedChain()
    const inner = honest(chain, 'evil')
    const forged: Answer = (protocol, body) =>
      encodeInclusionResponse(
        decodeInclusionResponse(inner(protocol, body)).map((e) =>
          e === null ? null : { ...e, txSiblings: e.txSiblings.map(() => toHex(keccak(fromHex('0x02')))) },
        ),
      )
    const short: Answer = (protocol, body) =>
      encodeInclusionResponse(decodeInclusionResponse(inner(protocol, body)).slice(1))
    const h = lightOf(chain, { forged, short, a: honest(chain, 'light') })
    const hashes = [txOf(chain, 1n, 0), txOf(chain, 2n, 0)]
    expect([...(await h.light.included(hashes)).keys()]).toEqual(hashes)
    expect(h.offences).toEqual([
      ['forged', 'invalid-proof'],
      ['short', 'wrong-response'],
    ])
    expect(h.disconnected).toEqual(['forged'])
    expect(await asyncCodeOf(lightOf(chain, {}).light.included(hashes))).toBe('LIGHT_UNVERIFIED')
  })
})
