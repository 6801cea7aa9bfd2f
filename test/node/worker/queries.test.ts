import { type Address, encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { encodeBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { type LogQuery, logMatches, MAX_LOG_RESULTS, selectLogs } from '../../../src/node/chain/log-selection'
import { decodeTx } from '../../../src/node/chain/tx'
import { addressTopic } from '../../../src/node/contracts/abi'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { TRANSFER_TOPIC } from '../../../src/node/contracts/erc20/erc20'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { memoryHub } from '../../../src/node/network/memory'
import { chainTopic } from '../../../src/node/network/protocol'
import { decodeBlocksResponse, encodeBlocksRequest } from '../../../src/node/sync/messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { createNode, type NodeEvents } from '../../../src/node/worker/node'
import { until } from '../../until'
import { chainOfTxs, mineOn } from '../chain/chain-fixtures'

const GENESIS = testGenesis({ params: { minBlockIntervalMs: 20 } })
const CHAIN_ID = GENESIS.params.chainId
// Public Hardhat/Anvil devnet keys (devnet only).
const ALICE = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const BOB = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const alice = ALICE.address.toLowerCase() as Address
const bob = BOB.address.toLowerCase() as Address

type Events = { event: keyof NodeEvents; data: unknown }[]

async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  coinbase = 2,
  store?: MemoryChainStore,
) {
  const link = hub.join(peerId)
  const events: Events = []
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(store === undefined ? {} : { store }),
    coinbase: DEVNET_ACCOUNTS[coinbase] ?? '0x',
    mine: false,
    network: link.api,
    emit: (event, data) => events.push({ event, data }),
    now: () => Date.now(),
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  return { api: node.api, sink: node.sink, events }
}

function sign(account: typeof ALICE, nonce: number, to: Address, data: Hex, gas = 300_000n): Promise<Hex> {
  return account.signTransaction({
    chainId: CHAIN_ID,
    type: 'eip1559',
    nonce,
    to,
    data,
    gas,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
}

const createToken = (supply: bigint) =>
  encodeFunctionData({ abi: tokenFactoryAbi, functionName: 'createToken', args: ['Gold', 'GLD', 2, supply] })
const transfer = (to: Address, amount: bigint) =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })

const bad = { type: { code: 'NODE_BAD_PARAMS' } }

/**
 * A chain in a memory store where Alice creates `tokens` tokens (two logs each: the mint's Transfer and
 * TokenCreated), then moves one unit of the first alone in the head block (one log more).
 */
async function logChain(tokens: number): Promise<MemoryChainStore> {
  const raws: Hex[] = []
  for (let i = 0; i < tokens; i++)
    raws.push(await sign(ALICE, i, TOKEN_FACTORY_ADDRESS, createToken(1n), 180_000n))
  raws.push(await sign(ALICE, tokens, tokenAddress(alice, 0n), transfer(bob, 1n)))
  return chainOfTxs(GENESIS, alice, raws, true)
}

type TestNode = Awaited<ReturnType<typeof makeNode>>

/** `to` hears every block of `from`'s chain by gossip, as if `from` (peer "B") had announced each. */
async function hearBranch(to: TestNode, from: TestNode): Promise<void> {
  const blocksTopic = chainTopic(CHAIN_ID, 'blocks')
  const blocksProtocol = syncProtocols(CHAIN_ID).blocks
  const head = (await from.api.head()).number
  for (let n = 1n; n <= head; n++) {
    const summary = await from.api.block(n)
    const answer = await from.sink.request(blocksProtocol, encodeBlocksRequest([summary?.hash ?? '0x']), 'A')
    const [block] = decodeBlocksResponse(answer)
    if (block === undefined) throw new Error(`B does not serve its block ${n}`)
    await to.sink.gossip(blocksTopic, encodeBlock(block), 'B')
  }
}

describe('NodeApi queries (in-process node)', () => {
  test('a token is created and moved: pending, then mined with receipts, logs, balances and indexes', async () => {
    const a = await makeNode(memoryHub(), 'A')
    const token = tokenAddress(alice, 0n)
    const create = await a.api.sendRawTransaction(
      await sign(ALICE, 0, TOKEN_FACTORY_ADDRESS, createToken(1000n)),
    )
    const send = await a.api.sendRawTransaction(await sign(ALICE, 1, token, transfer(bob, 250n)))
    // Too much: reverts with OpenZeppelin's reason once mined.
    const over = await a.api.sendRawTransaction(await sign(ALICE, 2, token, transfer(bob, 10_000n)))

    // Pending: known to the mempool, no receipt, no balance yet, nonce counts the queue.
    expect(await a.api.transaction(create)).toMatchObject({
      state: 'pending',
      blockHash: null,
      blockTimestamp: null,
      confirmations: 0n,
      status: null,
    })
    expect(await a.api.receipt(create)).toBeNull()
    expect((await a.api.pendingTransactions()).map((t) => t.hash)).toEqual([create, send, over])
    // By callee, and sender (any spelling).
    expect((await a.api.pendingCalls(token, ALICE.address)).map((t) => t.hash)).toEqual([send, over])
    expect((await a.api.pendingCalls(TOKEN_FACTORY_ADDRESS)).map((t) => t.hash)).toEqual([create])
    expect(await a.api.pendingCalls(token, bob)).toEqual([])
    expect(await a.api.pendingCalls(bob)).toEqual([])
    expect(await a.api.pendingNonce(alice)).toBe(3n)
    expect(await a.api.pendingNonce(ALICE.address)).toBe(3n)
    expect(await a.api.token(token)).toBeNull()
    expect(await a.api.tokenHoldings(bob)).toEqual([])
    expect(a.events.filter((e) => e.event === 'pendingTx').map((e) => e.data)).toEqual([
      { hash: create, from: alice, to: TOKEN_FACTORY_ADDRESS },
      { hash: send, from: alice, to: token },
      { hash: over, from: alice, to: token },
    ])

    await a.api.setMining(true)
    await until(async () => (await a.api.receipt(over)) !== null)
    await a.api.setMining(false)

    expect(await a.api.pendingTransactions()).toEqual([])
    expect(await a.api.pendingNonce(alice)).toBe(3n)
    const mined = await a.api.transaction(send)
    expect(mined).toMatchObject({ state: 'mined', from: alice, to: token, nonce: 1n, status: 'success' })
    // The outcome its receipt holds.
    expect(await a.api.transaction(over)).toMatchObject({ state: 'mined', status: 'reverted' })
    expect(mined?.confirmations).toBeGreaterThanOrEqual(1n)
    // The signed transaction as sent, and its block by hash.
    expect(mined?.raw).toMatch(/^0x02/)
    const minedIn = await a.api.blockByHash(mined?.blockHash ?? '0x')
    expect(minedIn).toMatchObject({
      number: mined?.blockNumber,
      transactions: expect.arrayContaining([send]),
    })
    // When it was mined: its block's timestamp.
    expect(mined?.blockTimestamp).toBe(minedIn?.timestamp)
    expect(await a.api.blockByHash(`0x${'00'.repeat(32)}`)).toBeNull()
    await expect(a.api.blockByHash('0x12')).rejects.toMatchObject({ type: { code: 'NODE_BAD_PARAMS' } })
    const receipt = await a.api.receipt(send)
    expect(receipt).toMatchObject({ status: 'success', revertReason: null, from: alice })
    expect(receipt?.logs[0]).toMatchObject({ address: token, transactionHash: send })
    expect(await a.api.receipt(over)).toMatchObject({
      status: 'reverted',
      revertReason: 'ERC20: transfer amount exceeds balance',
      logs: [],
    })

    expect(await a.api.token(token)).toEqual({
      address: token,
      name: 'Gold',
      symbol: 'GLD',
      decimals: 2,
      totalSupply: 1000n,
      owner: alice,
    })
    expect((await a.api.tokens()).map((t) => t.address)).toEqual([token])
    expect(await a.api.tokenBalance(token, bob)).toBe(250n)
    expect(await a.api.tokenBalance(token, alice)).toBe(750n)
    expect(await a.api.tokenAllowance(token, alice, bob)).toBe(0n)
    expect(await a.api.tokenHoldings(alice)).toMatchObject([{ balance: 750n, created: true }])
    expect(await a.api.tokenHoldings(bob)).toMatchObject([
      { balance: 250n, created: false, token: { symbol: 'GLD' } },
    ])

    // Logs by filter: the mint (from 0x0) and the transfer, in chain order; filters narrow them.
    const head = (await a.api.head()).number
    const transfers = await a.api.logs({
      fromBlock: 0n,
      toBlock: head,
      address: token,
      topics: [TRANSFER_TOPIC],
    })
    expect(transfers.map((l) => l.data)).toEqual([
      '0x00000000000000000000000000000000000000000000000000000000000003e8',
      '0x00000000000000000000000000000000000000000000000000000000000000fa',
    ])
    const toBob = `0x000000000000000000000000${bob.slice(2)}` as Hex
    expect(await a.api.logs({ fromBlock: 0n, toBlock: head, topics: [null, null, toBob] })).toHaveLength(1)
    expect(await a.api.logs({ fromBlock: 0n, toBlock: head, address: bob })).toEqual([])
    expect((await a.api.tokenTransfers(token, 10)).map((l) => l.transactionHash)).toEqual([send, create])
    // Each as the log filter serves it (its place in its block too), newest first; the newest alone at limit 1.
    expect(await a.api.tokenTransfers(token, 10)).toEqual([...transfers].reverse())
    expect((await a.api.tokenTransfers(token, 1)).map((l) => l.transactionHash)).toEqual([send])

    // The address index: newest first, token transfers count for their parties.
    expect(await a.api.addressTransactions(bob, 10)).toEqual([send])
    expect(await a.api.addressTransactions(alice, 10)).toEqual([over, send, create])
    expect(await a.api.addressTransactions(alice, 1)).toEqual([over])

    // Read-only calls against the head: no state change.
    const call = await a.api.call({
      from: bob,
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [alice, 1_000n] }),
    })
    expect(call).toMatchObject({ status: 'reverted', revertReason: 'ERC20: transfer amount exceeds balance' })
    expect(call.revertData).toMatch(/^0x08c379a0/)
    const ok = await a.api.call({ from: bob, to: token, data: transfer(alice, 1n) })
    expect(ok.status).toBe('success')
    expect(ok.gasUsed).toBeGreaterThan(21_000n)
    expect(await a.api.tokenBalance(token, bob)).toBe(250n)
    expect((await a.api.fees()).nextBaseFee).toBeGreaterThan(0n)
  })

  test('bad params are NODE_BAD_PARAMS and change nothing', async () => {
    const a = await makeNode(memoryHub(), 'A')
    const addr = '0x12' as Address
    await expect(a.api.transaction('0x1234' as Hex)).rejects.toMatchObject(bad)
    await expect(a.api.receipt(7 as unknown as Hex)).rejects.toMatchObject(bad)
    await expect(a.api.token(addr)).rejects.toMatchObject(bad)
    await expect(a.api.tokenBalance(alice, addr)).rejects.toMatchObject(bad)
    await expect(a.api.tokenAllowance(alice, bob, addr)).rejects.toMatchObject(bad)
    await expect(a.api.tokenHoldings(addr)).rejects.toMatchObject(bad)
    await expect(a.api.tokenTransfers(alice, 0)).rejects.toMatchObject(bad)
    await expect(a.api.addressTransactions(alice, 201)).rejects.toMatchObject(bad)
    await expect(a.api.addressTransactions(alice, 1.5)).rejects.toMatchObject(bad)
    await expect(a.api.pendingNonce(addr)).rejects.toMatchObject(bad)
    await expect(a.api.pendingCalls(addr)).rejects.toMatchObject(bad)
    await expect(a.api.pendingCalls(alice, addr)).rejects.toMatchObject(bad)
    await expect(a.api.logs(null as unknown as object)).rejects.toMatchObject(bad)
    await expect(a.api.logs({ fromBlock: 2n, toBlock: 1n })).rejects.toMatchObject(bad)
    await expect(a.api.logs({ fromBlock: 0n, toBlock: 10_000n })).rejects.toMatchObject(bad)
    await expect(a.api.logs({ fromBlock: -1n })).rejects.toMatchObject(bad)
    await expect(a.api.logs({ address: [] })).rejects.toMatchObject(bad)
    await expect(a.api.logs({ topics: ['0x12' as Hex] })).rejects.toMatchObject(bad)
    await expect(a.api.logs({ topics: [null, null, null, null, null] })).rejects.toMatchObject(bad)
    await expect(a.api.call({ to: addr })).rejects.toMatchObject(bad)
    await expect(a.api.call({ to: alice, data: '0x1' as Hex })).rejects.toMatchObject(bad)
    await expect(a.api.call({ to: alice, value: -1n })).rejects.toMatchObject(bad)
    await expect(a.api.call({ to: alice, gas: 0n })).rejects.toMatchObject(bad)
    // Unknown but well-formed: empty answers, not errors.
    const unknown = `0x${'ab'.repeat(32)}` as Hex
    expect(await a.api.transaction(unknown)).toBeNull()
    expect(await a.api.receipt(unknown)).toBeNull()
    expect(await a.api.logs({})).toEqual([])
    expect(await a.api.token(bob)).toBeNull()
    expect(await a.api.tokenBalance(bob, alice)).toBe(0n)
    expect(await a.api.pendingNonce(bob)).toBe(0n)
    expect((await a.api.head()).number).toBe(0n)
  })

  test("a bad parameter's message says which and why in words (a dApp's -32602 shows it), the code in its type", async () => {
    const a = await makeNode(memoryHub(), 'A')
    await expect(a.api.transaction('0x1234' as Hex)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS', reason: 'hash must be a 32-byte 0x-prefixed hex hash' },
      message: 'invalid params: hash must be a 32-byte 0x-prefixed hex hash',
    })
    await expect(a.api.logs({ fromBlock: -1n })).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS', reason: 'fromBlock must be a non-negative bigint' },
      message: 'invalid params: fromBlock must be a non-negative bigint',
    })
  })

  test("logs skip only blocks whose bloom cannot match: every filter's answer is the unfiltered logs that match it", async () => {
    // One block per transaction: two tokens, moved to Bob and Carol in turn, and a plain coin payment.
    const carol = DEVNET_ACCOUNTS[3]?.toLowerCase() as Address
    const [gold, silver] = [tokenAddress(alice, 0n), tokenAddress(alice, 1n)]
    const txs: [Address, Hex][] = [
      [TOKEN_FACTORY_ADDRESS, createToken(9n)],
      [TOKEN_FACTORY_ADDRESS, createToken(9n)],
      [gold, transfer(bob, 1n)],
      [silver, transfer(carol, 2n)],
      [bob, '0x'],
      [gold, transfer(carol, 3n)],
    ]
    const store = new MemoryChainStore()
    const chain = new Chain({ genesis: GENESIS, store })
    for (const [nonce, [to, data]] of txs.entries()) {
      const tx = { ...decodeTx(await sign(ALICE, nonce, to, data), GENESIS.params), from: alice }
      chain.senders.set(tx.hash, alice)
      const block = mineOn(chain, [tx])
      chain.importBlock(block, block.header.timestamp)
    }
    const a = await makeNode(memoryHub(), 'A', 2, store)
    const head = (await a.api.head()).number
    const all = await a.api.logs({ fromBlock: 0n, toBlock: head })
    expect(all).toHaveLength(7)
    const topic = (who: Address) => addressTopic(who)
    const filters: LogQuery[] = [
      { address: gold },
      { address: silver, topics: [TRANSFER_TOPIC] },
      { topics: [TRANSFER_TOPIC, null, topic(carol)] },
      { address: [gold, silver], topics: [[TRANSFER_TOPIC], null, [topic(bob), topic(carol)]] },
      { topics: [null, topic(alice)] },
      { address: bob },
    ]
    for (const filter of filters) {
      const query = { ...filter, fromBlock: 0n, toBlock: head }
      const selection = selectLogs(query, head)
      expect(await a.api.logs(query)).toEqual(all.filter((log) => logMatches(log, selection)))
    }
    expect(
      await a.api.logs({ fromBlock: 0n, toBlock: head, topics: [null, null, topic(carol)] }),
    ).toHaveLength(2)
  })

  test('logs past MAX_LOG_RESULTS are NODE_QUERY_LIMIT, exactly the limit is served', async () => {
    // 5,000 token creations log exactly the limit; the head block's transfer is one log more.
    const a = await makeNode(memoryHub(), 'A', 2, await logChain(MAX_LOG_RESULTS / 2))
    const head = (await a.api.head()).number
    expect(await a.api.logs({ fromBlock: 0n, toBlock: head - 1n })).toHaveLength(MAX_LOG_RESULTS)
    await expect(a.api.logs({ fromBlock: 0n, toBlock: head })).rejects.toMatchObject({
      type: { code: 'NODE_QUERY_LIMIT', limit: MAX_LOG_RESULTS },
      message: `more than ${MAX_LOG_RESULTS} logs match: ask for fewer blocks or a narrower filter`,
    })
    // A narrower filter over the same blocks is served; the refusal changed nothing.
    const transfers = await a.api.logs({ fromBlock: 0n, toBlock: head, topics: [TRANSFER_TOPIC] })
    expect(transfers).toHaveLength(MAX_LOG_RESULTS / 2 + 1)
    expect((await a.api.head()).number).toBe(head)
  }, 60_000)

  test('a reorg emits old and new head, depth and the transactions returned to the mempool', async () => {
    // Two nodes on separate networks build competing branches; A then hears of B's heavier one.
    const a = await makeNode(memoryHub(), 'A', 2)
    const b = await makeNode(memoryHub(), 'B', 3)
    const token = tokenAddress(alice, 0n)
    const created = await a.api.sendRawTransaction(
      await sign(ALICE, 0, TOKEN_FACTORY_ADDRESS, createToken(5n)),
    )
    await a.api.setMining(true)
    await until(async () => (await a.api.receipt(created)) !== null)
    await a.api.setMining(false)
    expect(await a.api.addressTransactions(alice, 5)).toEqual([created])
    expect((await a.api.tokens()).map((t) => t.address)).toEqual([token])
    const aHead = await a.api.head()
    await b.api.setMining(true)
    await until(async () => (await b.api.head()).number >= aHead.number + 2n)
    await b.api.setMining(false)
    const bHead = await b.api.head()
    await hearBranch(a, b)
    expect((await a.api.head()).hash).toBe(bHead.hash)
    const reorgs = a.events.filter((e) => e.event === 'reorg').map((e) => e.data)
    expect(reorgs).toEqual([
      { oldHead: aHead.hash, newHead: expect.any(String), depth: Number(aHead.number), returned: [created] },
    ])
    // Back to pending: the queries follow the new branch at once.
    expect(await a.api.transaction(created)).toMatchObject({ state: 'pending' })
    expect(await a.api.receipt(created)).toBeNull()
    expect(await a.api.tokens()).toEqual([])
    expect(await a.api.addressTransactions(alice, 5)).toEqual([])
    expect(await a.api.pendingNonce(alice)).toBe(1n)
  })

  test("a reorg gives back a sender's mined transactions while it holds its cap of pending ones: the lowest nonces win, and all are mined again", async () => {
    const a = await makeNode(memoryHub(), 'A', 2)
    const b = await makeNode(memoryHub(), 'B', 3)
    const send = async (nonce: number) =>
      a.api.sendRawTransaction(await sign(ALICE, nonce, bob, '0x', 21_000n))
    const mined = [await send(0), await send(1)]
    await a.api.setMining(true)
    await until(async () => (await a.api.receipt(mined[1] ?? '0x')) !== null)
    await a.api.setMining(false)
    const aHead = await a.api.head()
    // Nonces 2 to 17: the sender's cap of 16 pending.
    for (let nonce = 2; nonce < 18; nonce++) await send(nonce)
    expect(await a.api.pendingNonce(alice)).toBe(18n)
    await b.api.setMining(true)
    await until(async () => (await b.api.head()).number >= aHead.number + 2n)
    await b.api.setMining(false)
    await hearBranch(a, b)

    const reorg = a.events.find((e) => e.event === 'reorg')?.data
    expect(reorg).toMatchObject({ returned: mined })
    // Nonces 0 to 15 pending; 16 and 17 fell outside the window and left the pool. Sent here, they are
    // in the node's journal, which puts them back once the mined nonces move the window up.
    expect(await a.api.pendingNonce(alice)).toBe(16n)
    await a.api.setMining(true)
    await until(async () => (await a.api.account(alice)).nonce === 18n, 30_000)
    await a.api.setMining(false)
    expect((await a.api.pendingTransactions()).length).toBe(0)
  }, 60_000)
})
