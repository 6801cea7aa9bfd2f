import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { encodeBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import type { Block } from '../../../src/node/chain/types'
import { toHex } from '../../../src/node/codec/bytes'
import { rlpEncode } from '../../../src/node/codec/rlp'
import { checkPow } from '../../../src/node/consensus/pow'
import { ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { LightError } from '../../../src/node/light/errors'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { decodeInclusionRequest } from '../../../src/node/sync/proof-messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import {
  LIGHT_OWN_TXS_KEY,
  LIGHT_PENDING_BLOCKS,
  OWN_KEPT,
  type OwnTx,
} from '../../../src/node/worker/light-service'
import type { NodeEvents } from '../../../src/node/worker/node'
import { randomSalt } from '../../../src/trade/offers/typed-data'
import type { Offer, SignedOffer, SignedTake } from '../../../src/trade/offers/types'
import type { SwapTerms } from '../../../src/trade/swap/terms'
import {
  type ActivityItem,
  type ActivityReads,
  rereadActivity,
  settleActivity,
} from '../../../src/wallet/activity'
import type { SentTransaction } from '../../../src/wallet/provider'
import { asyncCodeOf } from '../../code-of'
import { lower, ALICE as OFFER_MAKER, signOffer } from '../../trade/offers/fixtures'
import { until } from '../../until'
import { addressOf, mineOn, seal, transfer } from '../chain/chain-fixtures'
import {
  ALICE,
  BOB,
  CALLS,
  extend,
  forgeProofs,
  GENESIS,
  must,
  nodeStarter,
  TOKEN,
  tokenChain,
} from './fixtures'

const PROOF = syncProtocols(GENESIS.params.chainId).proof
const INCLUSION = syncProtocols(GENESIS.params.chainId).inclusion
const join = nodeStarter()

/**
 * Mines `raws` into the next block of `mirror` (built as the full node's chain) and hands it to `full` as
 * gossip, which `full` passes on to its peers: one block, as the test says.
 */
async function oneBlock(
  mirror: Chain,
  raws: readonly Hex[],
  full: Awaited<ReturnType<typeof join>>,
): Promise<void> {
  const block = mineOn(
    mirror,
    mirror.blockTransactions({ header: mirror.headHeader, transactions: [...raws] }),
  )
  mirror.importBlock(block, block.header.timestamp)
  const topic = chainTopic(GENESIS.params.chainId, 'blocks')
  expect(await full.node.sink.gossip(topic, encodeBlock(block), 'M')).toBe('accept')
  await full.link.api.publish(topic, encodeBlock(block))
}

/** A full node whose state proofs are forged: BOB's token balance leaf says something else. */
const forging = (sink: NetworkSink): NetworkSink => ({
  ...sink,
  async request(protocol, data, from) {
    const res = await sink.request(protocol, data, from)
    return protocol === PROOF ? forgeProofs(res) : res
  },
})

describe('light node on the memory network', () => {
  test('identical verified reads at once share one proof request; a later read asks again', async () => {
    const hub = memoryHub()
    let proofRequests = 0
    const counting = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === PROOF) proofRequests++
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store: (await tokenChain(10)).store, wrap: counting })
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => light.api.verifiedTokenBalance(TOKEN, BOB)),
    )
    expect(proofRequests).toBe(1)
    for (const r of reads) expect(r).toMatchObject({ value: 250n, verified: true, number: head.number - 2n })
    expect((await light.api.verifiedTokenBalance(TOKEN, BOB)).value).toBe(250n)
    expect(proofRequests).toBe(2)
  })

  test('asks a new peer for headers at once: it syncs from a peer whose status it never hears', async () => {
    const hub = memoryHub()
    const chainId = GENESIS.params.chainId
    // The full node answers no status request, and the light node drops its status beacons: only
    // asking for headers on the join can tell the light node that the peer is ahead.
    const mute = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === chainProtocol(chainId, 'status')) throw new Error('no status here')
        return sink.request(protocol, data, from)
      },
    })
    const deaf = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async gossip(topic, data, from) {
        return topic === chainTopic(chainId, 'status') ? 'ignore' : sink.gossip(topic, data, from)
      },
    })
    const full = await join(hub, 'F', { store: (await tokenChain(10)).store, wrap: mute })
    const light = await join(hub, 'L', { light: true, wrap: deaf })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    expect(await light.api.peerStatuses()).toEqual([])
    expect((await light.api.verifiedTokenBalance(TOKEN, BOB)).value).toBe(250n)
  })

  test('syncs headers only and reads balances, tokens and a receipt through verified proofs', async () => {
    const hub = memoryHub()
    const full = await join(hub, 'F', { store: (await tokenChain(10)).store })
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    expect(await light.api.mode()).toEqual({ kind: 'light' })
    expect((await light.api.head()).txCount).toBeNull()
    // Header sync reports its progress as the full syncer does, and ends with false.
    const syncing = light.events
      .filter((e) => e.event === 'syncing')
      .map((e) => e.data as NodeEvents['syncing'])
    expect(syncing.some((st) => st !== false && st.highestBlock === head.number)).toBe(true)
    await until(async () => (await light.api.syncing()) === false)
    const lightHeaders = must(light.node.light).client.headers
    expect(lightHeaders.head.totalDifficulty).toBe(head.totalDifficulty)

    const acct = await light.api.verifiedAccount(ALICE)
    // k = 3 confirmations: proven at head − 2.
    expect(acct).toMatchObject({ verified: true, number: head.number - 2n })
    expect(acct.hash).toBe(must(await full.api.block(head.number - 2n)).hash)
    expect(acct.value).toEqual(await full.api.account(ALICE))
    expect((await light.api.verifiedTokenBalance(TOKEN, BOB)).value).toBe(250n)
    expect((await light.api.verifiedTokenAllowance(TOKEN, ALICE, BOB)).value).toBe(40n)
    expect((await light.api.verifiedToken(TOKEN)).value).toMatchObject({ symbol: 'GLD', totalSupply: 1000n })
    expect((await light.api.verifiedToken(BOB)).value).toBeNull()
    expect((await light.api.verifiedHtlc(`0x${'77'.repeat(32)}`)).value).toBeNull()
    // The plain queries answer with proven values too; an address's transactions as the full node lists them.
    expect(await light.api.tokenBalance(TOKEN, BOB)).toBe(250n)
    expect(await light.api.addressTransactions(BOB, 10)).toEqual(await full.api.addressTransactions(BOB, 10))
    expect(await light.api.addressTransactions(BOB, 10)).toHaveLength(1)
    // Logs, transactions and receipts come from blocks checked against their headers: as the full node's.
    const everything = { fromBlock: 0n, toBlock: head.number }
    const logs = await light.api.logs(everything)
    expect(logs.length).toBeGreaterThan(0)
    expect(logs).toEqual(await full.api.logs(everything))
    const transfers = { fromBlock: 0n, topics: [logs[0]?.topics[0] ?? null] }
    expect(await light.api.logs(transfers)).toEqual(await full.api.logs(transfers))
    const minted = must(logs[0]).transactionHash
    expect(await light.api.transaction(minted)).toEqual(await full.api.transaction(minted))
    // When it was mined: its header's timestamp.
    expect((await light.api.transaction(minted))?.blockTimestamp).toBe(
      must(await full.api.block(must(logs[0]).blockNumber)).timestamp,
    )
    expect({ ...must(await light.api.receipt(minted)), revertReason: null }).toEqual({
      ...must(await full.api.receipt(minted)),
      revertReason: null,
    })
    expect(await light.api.receipt(`0x${'00'.repeat(32)}`)).toBeNull()
    // Calls run over state proven key by key: as the full node's (the state has not moved since block 2).
    const calls = CALLS
    for (const request of calls) {
      const answer = await light.api.call(request)
      expect(answer).toEqual(await full.api.call(request))
    }
    expect((await light.api.call(calls[2])).status).toBe('reverted')
    await expect(light.api.call({ to: 'nope' } as never)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    // The wallet's tokens: found in those logs, each balance and token proven.
    for (const holder of [ALICE, BOB]) {
      const holdings = await light.api.tokenHoldings(holder)
      expect(holdings.length).toBe(1)
      expect(holdings).toEqual(await full.api.tokenHoldings(holder))
    }
    expect(await light.api.tokenHoldings(must(GENESIS.alloc[5]).address)).toEqual([])
    // The wallet's token rows: the same list, proven at the header the coin balance is (k deep).
    const held = await light.api.verifiedTokenHoldings(BOB)
    expect(held).toMatchObject({ verified: true, number: head.number - 2n, hash: acct.hash })
    expect(held.value).toEqual(await full.api.tokenHoldings(BOB))
    expect(held.value).toHaveLength(1)
    // Every token created in the headers it holds: the market's choices.
    expect(await light.api.tokens()).toEqual(await full.api.tokens())
    expect((await light.api.tokens()).map((t) => t.symbol)).toEqual(['GLD'])

    const txHash = must(must(await full.api.block(1n)).transactions[1])
    const included = must(await light.api.verifiedTransaction(txHash))
    expect(included).toMatchObject({ verified: true, number: 1n })
    expect(included.value).toMatchObject({ status: 1, index: 1, confirmations: head.number })
    expect(await light.api.verifiedTransaction(`0x${'00'.repeat(32)}`)).toBeNull()

    // Full mode answers the same verified reads from its own executed state, at its head.
    expect(await full.api.verifiedTokenHoldings(BOB)).toEqual({
      value: await full.api.tokenHoldings(BOB),
      verified: true,
      number: head.number,
      hash: head.hash,
    })
    expect(await full.api.verifiedTokenBalance(TOKEN, BOB)).toMatchObject({
      value: 250n,
      number: head.number,
    })
  })

  test('a peer behind our head saying "not found" proves no absence: the read is LIGHT_UNVERIFIED, not null, and never reads as dropped', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(10)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    const sent = must(must(await full.api.block(1n)).transactions[1])
    const unknown: Hex = `0x${'00'.repeat(32)}`
    expect((await light.api.receipt(sent))?.status).toBe('success')
    expect(await light.api.receipt(unknown)).toBeNull()
    // The wallet reads ALICE's nonce (3: past the transfer's 1) while the peer at our head is there…
    const nonce = (await light.api.verifiedAccount(ALICE)).value.nonce
    expect(nonce).toBe(3n)

    // …which then goes; a full node still at the genesis (syncing, with no one to sync from) is left.
    await full.link.leave()
    const behind = await join(hub, 'S')
    await until(async () => (await light.api.peerStatuses()).some((p) => p.peerId === 'S'))
    await must(light.node.light).synced()
    expect((await behind.api.head()).number).toBe(0n)
    expect((await light.api.head()).hash).toBe(head.hash)
    // It knows no transaction of blocks it does not hold: no proof that ours is not mined.
    for (const hash of [sent, unknown]) {
      expect(await asyncCodeOf(light.api.receipt(hash))).toBe('LIGHT_UNVERIFIED')
      expect(await asyncCodeOf(light.api.transaction(hash))).toBe('LIGHT_UNVERIFIED')
      expect(await asyncCodeOf(light.api.verifiedTransaction(hash))).toBe('LIGHT_UNVERIFIED')
    }
    // A null receipt would have had the activity list show the mined transfer as dropped.
    const item = {
      hash: sent,
      from: ALICE,
      title: 'Send GLD',
      nonce: 1,
      sentAt: 0,
      status: 'pending',
    } as const
    expect(settleActivity(item, null, nonce).status).toBe('dropped')

    // A peer at our head again: found, and an unknown hash is absent again.
    await join(hub, 'G', { store })
    await until(async () => (await light.api.receipt(sent).catch(() => null)) !== null)
    expect(await light.api.receipt(unknown)).toBeNull()
  })

  test("the wallet's activity: each item settles from the reads that verified; one whose receipt or nonce no peer proved keeps its last status, marked unverified with why", async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(10)
    // The full node refuses to prove one transaction's inclusion (ALICE's approval) while `refuse` is set.
    let approve: Hex | undefined
    let refuse = true
    const refusing = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (refuse && protocol === INCLUSION && decodeInclusionRequest(data).includes(must(approve)))
          throw new Error('refused')
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store, wrap: refusing })
    const [, send] = must(await full.api.block(1n)).transactions
    approve = must(await full.api.block(1n)).transactions[2]
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    const item = (hash: Hex, from: Address, nonce: number): SentTransaction => ({
      hash,
      from,
      title: 'Send GLD',
      nonce,
      sentAt: 0,
    })
    const items: ActivityItem[] = [
      // Pending when last read: mined since.
      { ...item(must(send), ALICE, 1), status: 'pending' },
      // Confirmed when last read: its receipt cannot be read now.
      { ...item(must(approve), ALICE, 2), status: 'confirmed', blockNumber: '1' },
      // Not mined, and its sender's nonce cannot be read: dropped or not cannot be told.
      { ...item(`0x${'ab'.repeat(32)}`, BOB, 0), status: 'pending' },
    ]
    const unreadNonce = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'account',
      attempts: 1,
      failures: ['timeout'],
    })
    let bobUnread = true
    const reads: ActivityReads = {
      account: (a) => (bobUnread && a === BOB ? Promise.reject(unreadNonce) : light.api.account(a)),
      receipt: (h) => light.api.receipt(h),
      transaction: (h) => light.api.transaction(h),
    }
    const [sent, approved, other] = await rereadActivity(items, reads)
    expect(sent).toEqual({ ...items[0], status: 'confirmed', blockNumber: '1' })
    expect(approved).toEqual({
      ...items[1],
      unverified: expect.stringContaining(`no peer proved transaction ${approve}`),
    })
    expect(approved?.unverified).toContain('refused')
    expect(other).toEqual({ ...items[2], unverified: unreadNonce.message })

    // Read again once the peer proves it and the nonce reads: settled, the marks gone.
    refuse = false
    bobUnread = false
    const again = await rereadActivity([must(sent), must(approved), must(other)], reads)
    expect(again).toEqual([{ ...items[0], status: 'confirmed', blockNumber: '1' }, items[1], items[2]])
  })

  test('a peer serving a forged proof is penalised and dropped; the request is retried at another', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(10)
    // The forger is one block ahead, so it is the best peer and asked first.
    const evilStore = new MemoryChainStore()
    const evil = new Chain({ genesis: GENESIS, store: evilStore })
    for (let n = 1n; n <= chain.head.block.header.number; n++) {
      const b = must(chain.getBlockByNumber(n)).block
      evil.importBlock(b, b.header.timestamp)
    }
    extend(evil, 1)
    await join(hub, 'E', { store: evilStore, wrap: forging })
    await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).hash === evil.head.hash)
    const client = must(light.node.light).client

    const balance = await light.api.verifiedTokenBalance(TOKEN, BOB)
    expect(balance.value).toBe(250n)
    expect(client.counters).toMatchObject({ proofsRejected: 1 })
    expect(client.board.counters.peersDropped).toBe(1)
    expect(client.isBanned('E')).toBe(true)
    expect(hub.linked('L', 'E')).toBe(false)
    expect((await light.api.stats()).peersDropped).toBe(1)
  })

  test('when every peer forges, the data stays unverified and the error says why', async () => {
    const hub = memoryHub()
    await join(hub, 'E1', { store: (await tokenChain(6)).store, wrap: forging })
    await join(hub, 'E2', { store: (await tokenChain(6)).store, wrap: forging })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 7n)
    const err = await light.api.verifiedTokenBalance(TOKEN, BOB).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LightError)
    const type = (err as LightError).type
    if (type.code !== 'LIGHT_UNVERIFIED') throw new Error(`unexpected ${type.code}`)
    expect(type.what).toContain(BOB)
    expect(type.attempts).toBe(2)
    expect(type.failures.join('\n')).toMatch(/E1.*\n.*E2/)
    expect(await asyncCodeOf(light.api.tokenBalance(TOKEN, BOB))).toBe('LIGHT_UNVERIFIED')
  })

  test('an offer gossiped to a light node whose peers prove nothing is still listed, not flagged; posting one then is LIGHT_UNVERIFIED', async () => {
    const hub = memoryHub()
    const full = await join(hub, 'F', { store: (await tokenChain(6)).store, wrap: forging })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 7n)
    const offer: Offer = {
      maker: lower(OFFER_MAKER),
      makerPeer: 'F',
      sellToken: TOKEN,
      sellAmount: 10n,
      buyToken: ZERO_ADDRESS,
      buyAmount: 1n,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
      makerTimelock: 40,
      takerTimelock: 12,
      salt: randomSalt(),
    }
    const signed = await signOffer(OFFER_MAKER, GENESIS.params.chainId, offer)
    await full.api.postOffer(signed, `0x${'11'.repeat(32)}`)
    await until(async () => (await light.api.offers()).some((b) => b.asks.length + b.bids.length > 0))
    const [book] = await light.api.offers()
    expect([...(book?.asks ?? []), ...(book?.bids ?? [])].map((e) => e.makerLacksBalance)).toEqual([false])
    // Its own post checks the balance, and says it could not.
    const mine = await signOffer(OFFER_MAKER, GENESIS.params.chainId, {
      ...offer,
      makerPeer: 'L',
      salt: randomSalt(),
    })
    expect(await asyncCodeOf(light.api.postOffer(mine, `0x${'22'.repeat(32)}`))).toBe('LIGHT_UNVERIFIED')
  })

  test('follows a reorg of its header chain and re-verifies at the new branch', async () => {
    const hub = memoryHub()
    const a = await tokenChain(5)
    const b = await tokenChain(5)
    extend(a.chain, 4)
    extend(b.chain, 8, { miner: addressOf(7) })
    await join(hub, 'A', { store: a.store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).hash === a.chain.head.hash)
    const before = await light.api.verifiedAccount(addressOf(7))
    expect(before.number).toBe(8n)
    // Node A will follow B too (same store): keep the heads apart now.
    const oldHead = a.chain.head.hash
    const newHead = b.chain.head.hash

    await join(hub, 'B', { store: b.store })
    await until(async () => (await light.api.head()).hash === newHead)
    const reorg = light.events.find((e) => e.event === 'reorg')?.data as NodeEvents['reorg'] | undefined
    // The branch switch happens at the first header heavier than A's head (11'), 4 blocks above block 6.
    expect(reorg).toMatchObject({ oldHead, depth: 4 })
    const headers = must(light.node.light).client.headers
    expect(headers.isCanonical(before.hash)).toBe(false)

    const after = await light.api.verifiedAccount(addressOf(7))
    expect(after.number).toBe(12n)
    expect(headers.isCanonical(after.hash)).toBe(true)
    // Blocks 7'…12' paid their rewards to account 7 on the new branch.
    expect(after.value.balance - before.value.balance).toBe(6n * GENESIS.params.minerReward)
  })

  test("gossiped blocks: a header it can take moves its head, a future or unconnectable one is ignored unpenalised, garbage and bad headers are rejected and change nothing; a dropped sender's next block is refused unread", async () => {
    const light = await join(memoryHub(), 'L', { light: true })
    const client = must(light.node.light).client
    const topic = chainTopic(GENESIS.params.chainId, 'blocks')
    const gossip = (block: Block | Uint8Array, from: string) =>
      light.node.sink.gossip(topic, block instanceof Uint8Array ? block : encodeBlock(block), from)
    const source = new Chain({ genesis: GENESIS })
    const [b1, b2, b3] = extend(source, 3) as [Block, Block, Block]
    expect(await gossip(b1, 'H')).toBe('ignore')
    expect((await light.api.head()).hash).toBe(hashBlock(b1))
    const tolerance = BigInt(GENESIS.params.futureTimestampToleranceMs)
    const future = mineOn(source, [], {
      parentHash: hashBlock(b1),
      now: BigInt(Date.now()) + tolerance + 60_000n,
    })
    // Its parent (b2) unknown: the light client asks the sender for the headers in between, no penalty.
    expect(await gossip(future, 'F')).toBe('ignore')
    expect(await gossip(b3, 'U')).toBe('ignore')
    expect(client.board.counters.penalties).toBe(0)
    // b2 with a difficulty its parent does not give, sealed again: work done, but the wrong work.
    const badDifficulty = seal({
      header: { ...b2.header, difficulty: b2.header.difficulty + 1n },
      transactions: [],
    })
    const rejected: [string, Block | Uint8Array][] = [
      ['garbage', Uint8Array.of(1, 2, 3)],
      ['bad difficulty', badDifficulty],
      ['bad difficulty again', badDifficulty],
    ]
    for (const [what, bytes] of rejected) {
      expect([what, await gossip(bytes, 'X')]).toEqual([what, 'reject'])
      expect((await light.api.head()).hash).toBe(hashBlock(b1))
    }
    // 40 for the garbage and 50 for each bad header: dropped at the third.
    expect(client.board.counters).toEqual({ penalties: 3, peersDropped: 1 })
    expect(client.isBanned('X')).toBe(true)
    expect(await gossip(b2, 'X')).toBe('reject')
    expect((await light.api.head()).hash).toBe(hashBlock(b1))
    expect(client.board.counters.penalties).toBe(3)
    // The same block from an honest peer is taken.
    expect(await gossip(b2, 'H')).toBe('ignore')
    expect((await light.api.head()).hash).toBe(hashBlock(b2))
  })

  test('a gossiped header whose parent it lacks is believed only when sealed: one without its work, or with a difficulty no block has, is rejected and its sender penalised before its height is a sync target; a sealed one makes it ask the sender', async () => {
    const light = await join(memoryHub(), 'L', { light: true })
    const client = must(light.node.light).client
    const topic = chainTopic(GENESIS.params.chainId, 'blocks')
    const gossip = (block: Block, from: string) => light.node.sink.gossip(topic, encodeBlock(block), from)
    const targets = () =>
      light.events.flatMap((e) => {
        const st = e.data as NodeEvents['syncing']
        return e.event === 'syncing' && st !== false ? [st.highestBlock] : []
      })
    const [b1] = extend(new Chain({ genesis: GENESIS }), 1) as [Block]
    // A header far ahead, on a parent no one has: its nonce the first whose seal fails.
    const far = { ...b1.header, number: 10n ** 9n, parentHash: `0x${'ab'.repeat(32)}` as Hex }
    let nonce = 0n
    while (checkPow({ ...far, nonce })) nonce++
    const unsealed = { header: { ...far, nonce }, transactions: [] }
    // Sealed, but at a difficulty below the one every block of this chain has.
    const easy = seal({ header: { ...far, number: 10n ** 9n + 1n, difficulty: 1n }, transactions: [] })
    for (const [what, block, from] of [
      ['unsealed', unsealed, 'X'],
      ['impossible difficulty', easy, 'Y'],
    ] as const) {
      expect([what, await gossip(block, from)]).toEqual([what, 'reject'])
      await client.idle()
    }
    expect(client.board.counters.penalties).toBe(2)
    expect(targets()).toEqual([])
    expect(await light.api.syncing()).toBe(false)
    expect((await light.api.head()).number).toBe(0n)
    // The same far header sealed: the light client takes its height and asks its sender, unpenalised.
    const sealed = seal({ header: { ...far, number: 50n }, transactions: [] })
    expect(await gossip(sealed, 'U')).toBe('ignore')
    await until(() => targets().includes(50n))
    expect(client.board.counters.penalties).toBe(2)
  })

  test('submits a transaction by gossip; a bad one is refused with a typed error', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const nonce = await light.api.pendingNonce(ALICE)
    expect(nonce).toBe(3n)
    const raw = await transfer(0, { nonce: Number(nonce), to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
    const wrongChain = await transfer(0, { nonce: 4, chainId: 1 })
    await expect(light.api.sendRawTransaction(wrongChain)).rejects.toMatchObject({ name: 'TxError' })
    await expect(light.api.sendRawTransaction(toHex(rlpEncode([])) as Hex)).rejects.toBeTruthy()
    await expect(light.api.setMining(true)).rejects.toMatchObject({ type: { code: 'LIGHT_UNSUPPORTED' } })
    // Its headers and its peer's are one chain: no split, and none to follow.
    expect(await light.api.chainSplit()).toBeNull()
    expect(await asyncCodeOf(light.api.followSplit((await full.api.block(0n))?.hash as Hex))).toBe(
      'NODE_NO_SPLIT',
    )
    // It sees what it sent as pending until a proof shows it mined.
    expect((await light.api.transaction(hash))?.state).toBe('pending')
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    // Its pool for a swap step's reads: what it sent, by callee and sender.
    expect((await light.api.pendingCalls(BOB, ALICE)).map((t) => t.hash)).toEqual([hash])
    expect((await light.api.pendingCalls(BOB)).map((t) => t.hash)).toEqual([hash])
    expect(await light.api.pendingCalls(BOB, BOB)).toEqual([])
    expect(await light.api.pendingCalls(ALICE)).toEqual([])
    await expect(light.api.pendingCalls('0x12' as Address)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    // Trading is the full node's: bad input is refused by its own checks, not as unsupported.
    for (const refused of [
      light.api.postOffer({} as SignedOffer, `0x${'00'.repeat(32)}`),
      light.api.takeOffer({} as SignedTake),
      light.api.startSwap({} as SwapTerms, ALICE),
    ])
      await expect(refused).rejects.not.toMatchObject({ type: { code: 'LIGHT_UNSUPPORTED' } })

    // With no peer linked nobody takes it: refused, and the next nonce stays where it was.
    await full.link.leave()
    const alone = await transfer(0, { nonce: 4, to: BOB, value: 5n })
    await expect(light.api.sendRawTransaction(alone)).rejects.toMatchObject({
      name: 'NetError',
      type: { code: 'NET_NO_PEERS', topic: chainTopic(GENESIS.params.chainId, 'txs') },
    })
    // Not counted as sent: with a peer again, the next nonce is still 4.
    await join(hub, 'G', { store })
    await until(async () => (await light.api.pendingNonce(ALICE).catch(() => null)) !== null)
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
  })

  test('its own submission reads as pending from its record when no peer answers for it; any other read stays LIGHT_UNVERIFIED', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    // The full node's inclusion answers fail once `failing` is set (a timeout, a link that broke).
    let failing = false
    const mute = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (failing && protocol === INCLUSION) throw new Error('no answer')
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store, wrap: mute })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const hash = await light.api.sendRawTransaction(await transfer(0, { nonce: 3, to: BOB, value: 5n }))
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))
    failing = true
    expect(await light.api.transaction(hash)).toMatchObject({ hash, state: 'pending', nonce: 3n })
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    // Whether it is mined is not known: its receipt is not claimed absent, nor anything else's.
    expect(await asyncCodeOf(light.api.receipt(hash))).toBe('LIGHT_UNVERIFIED')
    expect(await asyncCodeOf(light.api.transaction(`0x${'00'.repeat(32)}`))).toBe('LIGHT_UNVERIFIED')
  })

  test('a submission leaves the pending list once its block is known, read or not; no proof is asked while none is pending', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const { chain: mirror } = await tokenChain(3)
    // The full node answers inclusion proofs slowly, and counts them.
    let inclusions = 0
    const slow = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === INCLUSION) {
          inclusions++
          await new Promise((r) => setTimeout(r, 300))
        }
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store, wrap: slow })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: 3, to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))
    await oneBlock(mirror, [], full)
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    expect(inclusions).toBe(1)
    // Mined in block 6, well within the blocks it would read as pending with no proof of it mined.
    await oneBlock(mirror, [raw], full)
    expect((await light.api.head()).number).toBe(6n)
    expect(6n - 4n).toBeLessThan(LIGHT_PENDING_BLOCKS)
    // Proven mined, unread: a read at the head waits for the head's check, and lists it no more.
    expect(await light.api.pendingTransactions()).toEqual([])
    expect(inclusions).toBe(2)
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
    // Nothing pending: new heads ask for no proof.
    await oneBlock(mirror, [], full)
    await oneBlock(mirror, [], full)
    expect((await light.api.head()).number).toBe(8n)
    expect(await light.api.pendingTransactions()).toEqual([])
    expect(inclusions).toBe(2)
  })

  test("its own mined transactions stay provable after a reload whose headers start past their block, against the header it kept (the newest OWN_KEPT of them); another's of that depth stays LIGHT_UNVERIFIED", async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const { chain: mirror } = await tokenChain(3)
    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: GENESIS.params.chainId, genesisHash: must(mirror.getBlockByNumber(0n)).hash },
    })
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true, repo })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: 3, to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))
    await oneBlock(mirror, [raw], full)
    expect((await light.api.transaction(hash))?.state).toBe('mined')
    // Far past two reorg limits: a reload keeps only the headers from there.
    for (let i = 0; i < 4 * GENESIS.params.maxReorgDepth; i++) await oneBlock(mirror, [], full)
    const top = BigInt(5 + 4 * GENESIS.params.maxReorgDepth)
    await until(async () => (await light.api.head()).number === top)
    const kept = must(light.node.light?.checkpoint())
    expect(must(kept.headers[0]).number).toBeGreaterThan(5n)
    await until(async () => {
      const own = await repo.getMeta<Record<Hex, OwnTx>>(LIGHT_OWN_TXS_KEY)
      return own?.[hash]?.final === true
    })
    // As many others kept before it as the bound allows, in blocks below the headers it will hold.
    const own = must(await repo.getMeta<Record<Hex, OwnTx>>(LIGHT_OWN_TXS_KEY))
    const older = Array.from(
      { length: OWN_KEPT - 1 },
      (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hex,
    )
    const { block } = must(own[hash])
    const filler: OwnTx = { block: { ...block, header: { ...block.header, number: 1n } }, final: true }
    // And one whose block went below them before it was seen final: not trusted, so forgotten.
    const unconfirmed = `0x${'ee'.repeat(32)}` as Hex
    await repo.putMeta(LIGHT_OWN_TXS_KEY, {
      [unconfirmed]: { ...filler, final: false },
      ...Object.fromEntries(older.map((h) => [h, filler])),
      ...own,
    })
    light.node.stop()
    await light.link.leave()

    const back = await join(hub, 'L2', { light: true, repo, checkpoint: kept })
    await until(async () => (await back.api.head()).number === top)
    expect(await back.api.transaction(hash)).toMatchObject({ hash, state: 'mined', blockNumber: 5n })
    expect(await back.api.receipt(hash)).toMatchObject({
      transactionHash: hash,
      status: 'success',
      blockNumber: 5n,
      confirmations: top - 4n,
    })
    // One not its own, as deep: nothing here proves it.
    const other = must(must(await full.api.block(1n)).transactions[1])
    expect(await asyncCodeOf(back.api.transaction(other))).toBe('LIGHT_UNVERIFIED')
    // One more of its own mined: the unconfirmed one is gone, the oldest kept makes room, the others stay.
    const again = await transfer(0, { nonce: 4, to: BOB, value: 5n })
    const next = await back.api.sendRawTransaction(again)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === next))
    await oneBlock(mirror, [again], full)
    await until(async () => {
      const now = await repo.getMeta<Record<Hex, OwnTx>>(LIGHT_OWN_TXS_KEY)
      return now?.[next] !== undefined
    })
    const now = Object.keys(must(await repo.getMeta<Record<Hex, OwnTx>>(LIGHT_OWN_TXS_KEY)))
    expect(now).toHaveLength(OWN_KEPT)
    expect(now).not.toContain(older[0])
    expect(now).toEqual([...older.slice(1), hash, next])
  })

  test('a submission proven mined, then reorged out, reads as pending again and is sent to the peers again', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const { chain: mirror } = await tokenChain(3)
    // B's branch leaves A's after block 4 and is heavier: it never held the submission.
    const b = await tokenChain(3)
    const { chain: mirrorB } = await tokenChain(3)
    for (const chain of [b.chain, mirrorB]) extend(chain, 6, { miner: addressOf(7) })
    const full = await join(hub, 'A', { store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: 3, to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))
    await oneBlock(mirror, [raw], full)
    expect(await light.api.pendingTransactions()).toEqual([])
    expect((await light.api.transaction(hash))?.state).toBe('mined')

    // A goes; B, whose pool never saw it, brings the heavier branch: block 5 leaves the header chain.
    await full.link.leave()
    const other = await join(hub, 'B', { store: b.store })
    await until(async () => (await light.api.head()).hash === b.chain.head.hash)
    expect(light.events.some((e) => e.event === 'reorg')).toBe(true)
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    expect((await light.api.transaction(hash))?.state).toBe('pending')
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
    // Sent again, so a pool holds it and a miner can take it.
    await until(async () => (await other.api.pendingTransactions()).some((t) => t.hash === hash))

    // Mined on the new branch: proven again, and listed no more.
    await oneBlock(mirrorB, [raw], other)
    expect(await light.api.pendingTransactions()).toEqual([])
    expect((await light.api.transaction(hash))?.state).toBe('mined')
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
  })

  test('a submission replaced by one of its nonce (fees bumped as the pools ask) no longer reads as pending', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const first = await light.api.sendRawTransaction(await transfer(0, { nonce: 3, to: BOB, value: 5n }))
    const bumped = { nonce: 3, to: BOB, value: 5n, maxFee: 11n * 10n ** 9n, tip: 11n * 10n ** 8n }
    const second = await light.api.sendRawTransaction(await transfer(0, bumped))
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === second))
    // As the full node's pool: only the replacement.
    expect((await full.api.pendingTransactions()).map((t) => t.hash)).toEqual([second])
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([second])
    expect(await light.api.transaction(first)).toBeNull()
    expect((await light.api.transaction(second))?.state).toBe('pending')
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
  })

  test('a replacement the pools refuse (too small a bump) leaves both listed until one is proven mined, then neither', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    const { chain: mirror } = await tokenChain(3)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: 3, to: BOB, value: 5n })
    const first = await light.api.sendRawTransaction(raw)
    const low = { nonce: 3, to: BOB, value: 5n, maxFee: 11n * 10n ** 9n - 1n, tip: 11n * 10n ** 8n }
    const second = await light.api.sendRawTransaction(await transfer(0, low))
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === first))
    expect((await full.api.pendingTransactions()).map((t) => t.hash)).toEqual([first])
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([first, second])
    await oneBlock(mirror, [raw], full)
    // The one mined is proven; the other, of its nonce, never can be.
    expect(await light.api.pendingTransactions()).toEqual([])
    expect(await light.api.transaction(second)).toBeNull()
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)
  })
})
