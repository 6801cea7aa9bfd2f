import { type Address, getAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { encodeBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import type { Block } from '../../../src/node/chain/types'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol, chainTopic } from '../../../src/node/network/protocol'
import { encodeBlocksRequest } from '../../../src/node/sync/messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { createNode, type NodeEvents } from '../../../src/node/worker/node'
import { until } from '../../until'
import { addressOf, mineOn, seal } from '../chain/chain-fixtures'

// A difficulty-2 genesis with a 30 ms minimum block interval: blocks every ~30 ms, deterministic rules.
const GENESIS = testGenesis({ params: { minBlockIntervalMs: 30 } })
// First Hardhat/Anvil devnet key (public test key, devnet only).
const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  mine: boolean,
  clockOffsetMs = 0,
  now = () => Date.now() + clockOffsetMs,
) {
  const link = hub.join(peerId)
  const heads: NodeEvents['head'][] = []
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
    mine,
    network: link.api,
    emit: (event, data) => {
      if (event === 'head') heads.push(data as NodeEvents['head'])
    },
    now,
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  return { node, heads, link }
}

describe('chain in the node (in-process, memory network twin)', () => {
  test('one node mines, the other follows block by block', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    const b = await makeNode(hub, 'B', false)
    await until(async () => (await b.node.api.head()).number >= 5n)
    await a.node.api.setMining(false)
    await until(async () => (await b.node.api.head()).hash === (await a.node.api.head()).hash)
    expect((await a.node.api.mining()).enabled).toBe(false)
    expect(b.heads.length).toBeGreaterThanOrEqual(5)
    // Head events say when the head moved and, for gossiped blocks, when the block arrived.
    const [start, ...followed] = b.heads
    expect(start?.arrivedAt).toBeNull()
    // (A block fetched because a beacon showed A ahead has no arrival time; most come by gossip.)
    const gossiped = followed.filter((h) => h.arrivedAt !== null)
    expect(gossiped.length).toBeGreaterThanOrEqual(followed.length / 2)
    for (const h of gossiped)
      expect(h.movedAt).toBeGreaterThanOrEqual(h.arrivedAt ?? Number.POSITIVE_INFINITY)
    expect(a.heads.slice(1).every((h) => h.arrivedAt === null && h.movedAt > 0)).toBe(true)
  })

  test('a node joining late catches up from a peer (sync by range)', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    await until(async () => (await a.node.api.head()).number >= 8n)
    await a.node.api.setMining(false)
    const b = await makeNode(hub, 'B', false)
    await a.node.api.announce()
    await until(async () => (await b.node.api.head()).hash === (await a.node.api.head()).hash)
  })

  test('blocks gossiped before a peer subscribed are fetched once its subscriptions arrive', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', false)
    const b = await makeNode(hub, 'B', false)
    await a.node.api.announce()
    // B is linked to A but its blocks subscription has not reached A yet: A's gossip misses B.
    const blocks = chainTopic(GENESIS.params.chainId, 'blocks')
    await b.link.api.unsubscribe(blocks)
    await a.node.api.setMining(true)
    await until(async () => (await a.node.api.head()).number >= 3n)
    await a.node.api.setMining(false)
    expect((await b.node.api.head()).number).toBe(0n)
    await b.link.api.subscribe(blocks)
    // The host reports A's subscriptions arriving: B asks A's status again (the same beacon sequence
    // as at the link's opening, a higher head) and catches up.
    const snapshot = await b.link.api.snapshot()
    const withTopics = {
      ...snapshot,
      peers: snapshot.peers.map((p) => ({ ...p, topics: [blocks] })),
    }
    await b.node.sink.networkChanged(snapshot)
    await b.node.sink.networkChanged(withTopics)
    await until(async () => (await b.node.api.head()).hash === (await a.node.api.head()).hash)
  })

  test('a submitted transaction is gossiped and mined into a block both nodes hold', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    const b = await makeNode(hub, 'B', false)
    const account = privateKeyToAccount(KEY)
    const raw = await account.signTransaction({
      chainId: GENESIS.params.chainId,
      type: 'eip1559',
      nonce: 0,
      to: '0x000000000000000000000000000000000000dEaD',
      value: 12345n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    const hash = await b.node.api.sendRawTransaction(raw)
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    // Gossiped again, a transaction A already holds (or has mined) is ignored, not penalised.
    const txs = chainTopic(GENESIS.params.chainId, 'txs')
    expect(await a.node.sink.gossip(txs, Uint8Array.from(Buffer.from(raw.slice(2), 'hex')), 'B')).toBe(
      'ignore',
    )
    // Probing the head's txCount could miss the one head holding it (blocks come every ~30 ms): ask for the receipt.
    await until(async () => (await a.node.api.receipt(hash)) !== null)
    await a.node.api.setMining(false)
    await until(async () => (await b.node.api.head()).hash === (await a.node.api.head()).hash)
  })

  test('a transaction that arrives while the template is fresh is in the next block', async () => {
    // The clock stands still unless moved: the miner waits for the minimum block interval, so the
    // next block is mined only once the clock moves past it, after the transaction arrived.
    let clock = Date.now()
    const hub = memoryHub()
    const link = hub.join('A')
    const node = createNode({
      profileId: 'A',
      genesis: GENESIS,
      coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
      mine: false,
      network: link.api,
      emit: () => {},
      now: () => clock,
      agent: 'test',
    })
    await link.attach(node.sink)
    await node.start()
    await node.api.setMining(true)
    await until(async () => (await node.api.head()).number === 1n)
    // Block 2's template is built and waits for its time; the transaction comes with the clock unmoved.
    await new Promise((r) => setTimeout(r, 100))
    const account = privateKeyToAccount(KEY)
    const raw = await account.signTransaction({
      chainId: GENESIS.params.chainId,
      type: 'eip1559',
      nonce: 0,
      to: '0x000000000000000000000000000000000000dEaD',
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    const hash = await node.api.sendRawTransaction(raw)
    clock += 100
    await until(async () => (await node.api.head()).number >= 2n)
    await node.api.setMining(false)
    expect((await node.api.receipt(hash))?.blockNumber).toBe(2n)
    node.stop()
  })

  test('a submitted transaction is admitted without waiting for its gossip to go out', async () => {
    const link = memoryHub().join('A')
    const node = createNode({
      profileId: 'A',
      genesis: GENESIS,
      coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
      mine: false,
      // The page's libp2p never answers a publish.
      network: { ...link.api, publish: () => new Promise<{ readonly recipients: number }>(() => {}) },
      emit: () => {},
      now: () => Date.now(),
      agent: 'test',
    })
    await link.attach(node.sink)
    await node.start()
    const raw = await privateKeyToAccount(KEY).signTransaction({
      chainId: GENESIS.params.chainId,
      type: 'eip1559',
      nonce: 0,
      to: '0x000000000000000000000000000000000000dEaD',
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    const hash = await node.api.sendRawTransaction(raw)
    expect((await node.api.transaction(hash))?.state).toBe('pending')
    node.stop()
  })

  test('blocks, block and account read the canonical chain; bad params are typed errors', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    await until(async () => (await a.node.api.head()).number >= 3n)
    await a.node.api.setMining(false)
    const head = await a.node.api.head()
    const list = await a.node.api.blocks(head.number, 100)
    expect(list.map((b) => b.number)).toEqual(
      [...Array(Number(head.number) + 1).keys()].map((i) => head.number - BigInt(i)),
    )
    expect((await a.node.api.block(head.number))?.hash).toBe(head.hash)
    expect(await a.node.api.block(head.number + 1n)).toBeNull()
    const miner = await a.node.api.account(DEVNET_ACCOUNTS[2] ?? '0x')
    expect(miner.balance).toBeGreaterThan(0n)
    await expect(a.node.api.blocks(0n, 0)).rejects.toMatchObject({ type: { code: 'NODE_BAD_PARAMS' } })
    await expect(a.node.api.block(-1n)).rejects.toMatchObject({ type: { code: 'NODE_BAD_PARAMS' } })
    await expect(a.node.api.account('0x12' as `0x${string}`)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
  })

  test('setCoinbase pays the blocks mined from then on to the new address; a bad address changes nothing', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    const first = DEVNET_ACCOUNTS[2] ?? '0x'
    const payee = addressOf(7)
    await until(async () => (await a.node.api.head()).number >= 2n)
    await expect(a.node.api.setCoinbase('0x12' as Address)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    expect((await a.node.api.mining()).coinbase).toBe(first)
    expect((await a.node.api.setCoinbase(getAddress(payee))).coinbase).toBe(payee)
    // The block in work when the call came is built again: every block past this head pays `payee`.
    const from = (await a.node.api.head()).number
    await until(async () => (await a.node.api.head()).number >= from + 3n)
    await a.node.api.setMining(false)
    const blocks = await a.node.api.blocks((await a.node.api.head()).number, 100)
    expect(blocks.find((b) => b.number === 1n)?.miner.toLowerCase()).toBe(first.toLowerCase())
    const after = blocks.filter((b) => b.number > from)
    expect(after.length).toBeGreaterThanOrEqual(3)
    for (const b of after) expect(b.miner.toLowerCase()).toBe(payee)
    expect((await a.node.api.account(payee)).balance).toBeGreaterThan(0n)
  })

  test('a follower whose clock is behind keeps future blocks and imports them when their time comes', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', true)
    await until(async () => (await a.node.api.head()).number >= 2n)
    await a.node.api.setMining(false)
    // B's clock runs 0.8 s behind the tolerance: A's blocks are "from the future" for a moment.
    const behind = -(GENESIS.params.futureTimestampToleranceMs + 800)
    const b = await makeNode(hub, 'B', false, behind)
    await a.node.api.announce()
    expect((await b.node.api.head()).number).toBe(0n)
    // No new block arrives to trigger anything: B must retry on its own.
    await until(async () => (await b.node.api.head()).hash === (await a.node.api.head()).hash, 5_000)
  })

  test('a block due within the bound is imported when due, however often it came; one dated a day ahead is ignored and not kept', async () => {
    const clock = { offset: 0 }
    const b = await makeNode(memoryHub(), 'B', false, 0, () => Date.now() + clock.offset)
    const source = new Chain({ genesis: GENESIS })
    const at = (ms: number) => BigInt(Date.now() + GENESIS.params.futureTimestampToleranceMs + ms)
    // Due 2.5 s from now: the six gossips below must all come before (on a loaded machine 0.4 s did not).
    const near = mineOn(source, [], { now: at(2_500) })
    // A sibling dated a day ahead: the lowest difficulty, almost no work for whoever sends it.
    const far = mineOn(source, [], {
      parentHash: source.genesisHash,
      now: at(86_400_000),
      miner: addressOf(7),
    })
    const blocks = chainTopic(GENESIS.params.chainId, 'blocks')
    for (let i = 0; i < 3; i++) {
      expect(await b.node.sink.gossip(blocks, encodeBlock(far), 'X')).toBe('ignore')
      expect(await b.node.sink.gossip(blocks, encodeBlock(near), 'X')).toBe('ignore')
    }
    expect((await b.node.api.head()).number).toBe(0n)
    await until(async () => (await b.node.api.head()).hash === hashBlock(near), 10_000)
    // A day later, with every held block retried on each mining slice, the far block is not there: a
    // peer serves it again once it is due.
    clock.offset = 86_400_000 + 60_000
    await b.node.api.setMining(true)
    await until(async () => (await b.node.api.head()).number >= 3n)
    await b.node.api.setMining(false)
    expect(await b.node.api.blockByHash(hashBlock(far))).toBeNull()
    b.node.stop()
  })

  test('a future block with a forged body is rejected, not held in the place of the honest one', async () => {
    // B's clock stands 400 ms before the block is due until both gossips are in (on a loaded machine they
    // may take longer than that), then runs on from the due time.
    const start = Date.now()
    let clock = () => start
    const b = await makeNode(memoryHub(), 'B', false, 0, () => clock())
    const source = new Chain({ genesis: GENESIS })
    const near = mineOn(source, [], {
      now: BigInt(start + GENESIS.params.futureTimestampToleranceMs + 400),
    })
    // The honest header over a body it does not commit to, arriving first.
    const forged = { header: near.header, transactions: ['0x01' as const] }
    const blocks = chainTopic(GENESIS.params.chainId, 'blocks')
    expect(await b.node.sink.gossip(blocks, encodeBlock(forged), 'X')).toBe('reject')
    expect(await b.node.sink.gossip(blocks, encodeBlock(near), 'Y')).toBe('ignore')
    const resumed = Date.now()
    clock = () => start + 400 + (Date.now() - resumed)
    await until(async () => (await b.node.api.head()).hash === hashBlock(near), 5_000)
    b.node.stop()
  })

  test('a held future block found invalid when due costs its sender the penalty it would have on arrival, never the sender of the parent it waited for', async () => {
    const hub = memoryHub()
    // B's clock stands 2 s before the blocks below are due until they are all in and checked (on a
    // loaded machine sealing and sending them may take longer than that), then runs on from the due time.
    const start = Date.now()
    let clock = () => start
    const b = await makeNode(hub, 'B', false, 0, () => clock())
    hub.join('X')
    hub.join('Y')
    const source = new Chain({ genesis: GENESIS })
    const blocks = chainTopic(GENESIS.params.chainId, 'blocks')
    // B lacks this block at first; Y sends it last.
    const parent = mineOn(source, [], { now: BigInt(start - 1_000), miner: addressOf(4) })
    source.importBlock(parent, BigInt(Date.now()))
    const due = BigInt(start + GENESIS.params.futureTimestampToleranceMs + 2_000)
    /** A sealed header over a wrong state root on `parentHash`, dated `at` (just past the tolerance: "not yet"). */
    const forged = (parentHash: Hex, at: bigint, miner: number): Block => {
      const built = mineOn(source, [], { parentHash, now: at, miner: addressOf(miner) })
      return seal({
        header: { ...built.header, stateRoot: `0x${'ab'.repeat(32)}`, nonce: 0n },
        transactions: [],
      })
    }
    for (const i of [1, 2, 3]) {
      // Held from X as they arrive...
      const held = forged(source.genesisHash, due + BigInt(i), i)
      expect(await b.node.sink.gossip(blocks, encodeBlock(held), 'X')).toBe('ignore')
      // ...and kept as orphans (their sender is not kept) until Y's block connects them, too early.
      const orphan = forged(hashBlock(parent), due - BigInt(i), i)
      expect(await b.node.sink.gossip(blocks, encodeBlock(orphan), 'X')).toBe('ignore')
    }
    expect(await b.node.sink.gossip(blocks, encodeBlock(parent), 'Y')).toBe('accept')
    expect((await b.node.api.stats()).penalties).toBe(0)
    const resumed = Date.now()
    clock = () => start + 2_000 + (Date.now() - resumed)
    await until(async () => b.node.syncer.isBanned('X'), 5_000)
    expect(hub.linked('B', 'X')).toBe(false)
    expect(b.node.syncer.isBanned('Y')).toBe(false)
    expect((await b.node.api.head()).hash).toBe(hashBlock(parent))
    b.node.stop()
  })

  test('bad gossip and bad requests get verdicts and typed errors, not crashes', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A', false)
    const chainId = GENESIS.params.chainId
    expect(await a.node.sink.gossip(chainTopic(chainId, 'blocks'), new Uint8Array([1, 2, 3]), 'X')).toBe(
      'reject',
    )
    expect(await a.node.sink.gossip(chainTopic(chainId, 'txs'), new Uint8Array([2, 0xc0]), 'X')).toBe(
      'reject',
    )
    const { headers, blocks } = syncProtocols(chainId)
    await expect(a.node.sink.request(headers, new Uint8Array(5), 'X')).rejects.toMatchObject({
      type: { code: 'SYNC_MALFORMED' },
    })
    // An unknown hash: an empty list, not an error.
    expect(await a.node.sink.request(blocks, encodeBlocksRequest([`0x${'11'.repeat(32)}`]), 'X')).toEqual(
      new Uint8Array([0xc0]),
    )
    await expect(
      a.node.sink.request(chainProtocol(chainId, 'block'), new Uint8Array(32), 'X'),
    ).rejects.toMatchObject({ type: { code: 'NODE_NO_HANDLER' } })
    await expect(a.node.api.sendRawTransaction('nope' as `0x${string}`)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    await expect(a.node.api.sendRawTransaction('0x02c0')).rejects.toMatchObject({ name: 'MempoolError' })
    expect((await a.node.api.head()).number).toBe(0n)
  })
})
