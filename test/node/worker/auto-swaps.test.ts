import { encodeFunctionData, getAddress, type Hex, keccak256, stringToHex, toFunctionSelector } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { lockId } from '../../../src/node/contracts/htlc/htlc'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { chainProtocol } from '../../../src/node/network/protocol'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { chainCheckpoint } from '../../../src/node/worker/header-share'
import { createNode, type Node, type NodeEvents } from '../../../src/node/worker/node'
import { hashlockOf } from '../../../src/trade/swap/secret'
import { SwapStore } from '../../../src/trade/swap/store'
import { minMakerTimelock, minTakerTimelock, type SwapTerms } from '../../../src/trade/swap/terms'
import { readReceived } from '../../../src/wallet/activity'
import { until } from '../../until'
import { mineOn } from '../chain/chain-fixtures'
import { ALICE, BOB, block1Txs, extend, GENESIS, must, signCall, TOKEN } from '../light/fixtures'

/** The swaps of an `auto` node: its executed chain, and the light client's verified headers. */

const running: Node[] = []
afterEach(() => {
  for (const n of running.splice(0)) n.stop()
})

const K = GENESIS.params.confirmations
const SECRET = keccak256(stringToHex('the maker secret')) as Hex
const TAKER_BLOCKS = minTakerTimelock(K)
const LOCK = toFunctionSelector('lock(address,uint256,address,bytes32,uint256)')

/**
 * A chain where ALICE creates GLD (#1) and, as the maker of `terms`, locks 10 GLD to BOB (#2) until
 * `makerTimelockBlocks` past it: `makerTxs` are her approval and lock.
 */
async function makerLocked(makerTimelockBlocks: bigint) {
  const store = new MemoryChainStore()
  const chain = new Chain({ genesis: GENESIS, store })
  const mine = async (raws: Hex[]) => {
    const b = mineOn(chain, chain.blockTransactions({ header: chain.headHeader, transactions: raws }))
    chain.importBlock(b, b.header.timestamp)
  }
  await mine(await block1Txs())
  const terms: SwapTerms = {
    chainId: GENESIS.params.chainId,
    offerId: keccak256(stringToHex('offer-1')),
    maker: ALICE,
    taker: BOB,
    tokenA: TOKEN,
    amountA: 10n,
    tokenB: ZERO_ADDRESS,
    amountB: 20n,
    makerTimelockBlocks,
    takerTimelockBlocks: TAKER_BLOCKS,
    hashlock: hashlockOf(SECRET),
    acceptedHeight: 1n,
  }
  const makerTxs = [
    await signCall(
      0,
      3,
      TOKEN,
      encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 10n] }),
    ),
    await signCall(
      0,
      4,
      HTLC_ADDRESS,
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [TOKEN, 10n, BOB, terms.hashlock, 2n + makerTimelockBlocks],
      }),
    ),
  ]
  await mine(makerTxs)
  return { chain, store, terms, mine, makerTxs }
}

/**
 * A chain of 21 blocks: the maker's lock (#2), then the taker BOB's lock of 20 wei to ALICE under the same
 * hashlock (#11), both far from their timelocks.
 */
async function lockedSwap() {
  const swap = await makerLocked(minMakerTimelock(TAKER_BLOCKS, K) + 1_000n)
  extend(swap.chain, 8)
  const takerLock = await signCall(
    1,
    0,
    HTLC_ADDRESS,
    encodeFunctionData({
      abi: htlcAbi,
      functionName: 'lock',
      args: [ZERO_ADDRESS, 20n, ALICE, swap.terms.hashlock, 11n + TAKER_BLOCKS + 100n],
    }),
    20n,
  )
  await swap.mine([takerLock])
  extend(swap.chain, 10)
  return { ...swap, takerLock }
}

/** A peer's sink that serves no blocks: the node syncing from it stays behind, and reads through proofs. */
const servesNoBlocks = (sink: NetworkSink): NetworkSink => ({
  ...sink,
  async request(protocol, data, from) {
    if (protocol === chainProtocol(GENESIS.params.chainId, 'sync-blocks')) throw new Error('no blocks here')
    return sink.request(protocol, data, from)
  },
})

/**
 * A full node `F` on `hub` over `store`, not mining, its sink to the network as `serve` wraps it; its
 * place on the hub (`leave` takes it off).
 */
async function fullPeer(
  hub: ReturnType<typeof memoryHub>,
  store: MemoryChainStore,
  serve: (sink: NetworkSink) => NetworkSink,
): Promise<ReturnType<ReturnType<typeof memoryHub>['join']>> {
  const peer = hub.join('F')
  const full = createNode({
    profileId: 'F',
    genesis: GENESIS,
    store,
    coinbase: ALICE,
    mine: false,
    network: peer.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
  })
  running.push(full)
  await full.start()
  await peer.attach(serve(full.sink))
  return peer
}

/**
 * The taker's `auto` node: its executed chain holds the blocks up to `executedUpTo`, its verified
 * headers reach #21, and its swap log records the take and, with `sentLock`, its lock as sent. Its one
 * peer holds the whole chain and proves what the taker reads, but serves it no blocks.
 */
async function takerNode(
  swap: Awaited<ReturnType<typeof lockedSwap>>,
  executedUpTo: bigint,
  sentLock = true,
): Promise<{
  node: Node
  requests: NodeEvents['swapSignRequest'][]
  peer: Awaited<ReturnType<typeof fullPeer>>
}> {
  const own = new MemoryChainStore()
  const executed = new Chain({ genesis: GENESIS, store: own })
  for (let n = 1n; n <= executedUpTo; n++) {
    const b = must(swap.chain.getBlockByNumber(n)).block
    executed.importBlock(b, b.header.timestamp)
  }
  const repo = await openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: GENESIS.params.chainId, genesisHash: swap.chain.genesisHash },
  })
  const swaps = new SwapStore(repo)
  await swaps.append(swap.terms.offerId, 0, { kind: 'accepted', terms: swap.terms, role: 'taker' })
  if (sentLock)
    await swaps.append(swap.terms.offerId, 1, {
      kind: 'sent',
      purpose: 'lock',
      lockId: null,
      txs: [{ hash: keccak256(swap.takerLock), raw: swap.takerLock, nonce: 0n }],
      height: 10n,
    })
  const hub = memoryHub()
  const peer = await fullPeer(hub, swap.store, servesNoBlocks)
  const link = hub.join('TAKER')
  const requests: NodeEvents['swapSignRequest'][] = []
  const node = createNode({
    profileId: 'TAKER',
    genesis: GENESIS,
    store: own,
    repo,
    swapRepository: repo,
    modePin: 'auto',
    lightCheckpoint: must(chainCheckpoint(swap.chain, 2 * GENESIS.params.maxReorgDepth)),
    coinbase: ALICE,
    mine: false,
    network: link.api,
    emit: (event, data) => {
      if (event === 'swapSignRequest') requests.push(data as NodeEvents['swapSignRequest'])
    },
    now: () => Date.now(),
    agent: 'test',
  })
  running.push(node)
  await node.start()
  await link.attach(node.sink)
  return { node, requests, peer }
}

const lockRequests = (requests: NodeEvents['swapSignRequest'][]) =>
  requests.filter((r) => r.kind === 'transaction' && r.tx.data?.startsWith(LOCK))

describe('an auto node behind its verified headers reads each swap step from one chain', () => {
  test('with its mined lock executed, the taker waits for the maker and signs nothing', async () => {
    const { node, requests } = await takerNode(await lockedSwap(), 21n)
    await node.api.swapSigners([BOB])
    await until(async () => (await node.api.swaps())[0]?.action.kind === 'wait')
    expect(must((await node.api.swaps())[0]).status.state).toBe('TakerLocked')
    expect(lockRequests(requests)).toEqual([])
  })

  test('with its mined lock under the verified headers but past the executed head, the taker does not lock again', async () => {
    // Executed to #10: the maker's lock (#2) is there, the taker's (#11) only under the headers.
    const { node, requests } = await takerNode(await lockedSwap(), 10n)
    expect(await node.api.mode()).toEqual({ kind: 'light', catchingUp: true })
    // Its wallet unlocked: a pass runs that could sign.
    await node.api.swapSigners([BOB])
    await until(async () => requests.length > 0 || (await node.api.swaps())[0]?.error === null, 10_000)
    const info = must((await node.api.swaps())[0])
    expect(lockRequests(requests)).toEqual([])
    expect(info.status.state).toBe('TakerLocked')
    expect(info.action.kind).toBe('wait')
  })

  test("with the maker's lock under the verified headers but past the executed head, the taker's swap does not expire", async () => {
    // Executed to #1 only, its log holding the take alone: both locks (#2, #11) are under the headers only.
    const { node } = await takerNode(await lockedSwap(), 1n, false)
    await node.api.swapSigners([BOB])
    await until(async () => (await node.api.swaps())[0]?.error === null, 10_000)
    expect(must((await node.api.swaps())[0]).status.state).toBe('TakerLocked')
  })
})

describe('an auto node behind its verified headers, as the Explorer reads it', () => {
  test('reports the headers’ head and lists the blocks it executed, newest first, none above them', async () => {
    // Executed to #10, the headers at #21: the Explorer says #11 to #21 are still being executed.
    const { node } = await takerNode(await lockedSwap(), 10n)
    expect((await node.api.head()).number).toBe(21n)
    const listed = await node.api.blocks(21n, 20)
    expect(listed.map((b) => b.number)).toEqual(Array.from({ length: 11 }, (_, i) => 10n - BigInt(i)))
    expect(await node.api.block(21n)).toBeNull()
  })
})

describe('an auto node behind its verified headers, as the wallet reads its transactions', () => {
  test('a transaction mined past the executed head, under the headers, reads mined with its receipt (proven), not unknown', async () => {
    // Executed to #10, the headers at #21: the taker's lock is in #11, the maker's in #2.
    const swap = await lockedSwap()
    const { node } = await takerNode(swap, 10n)
    const hash = keccak256(swap.takerLock)
    const sender = await node.api.account(BOB)
    // The nonce read through the headers has passed the lock's: without its receipt it would read dropped.
    expect(sender.nonce).toBe(1n)
    expect(await node.api.receipt(hash)).toMatchObject({ blockNumber: 11n, status: 'success' })
    expect(await node.api.transaction(hash)).toMatchObject({
      state: 'mined',
      blockNumber: 11n,
      status: 'success',
    })
    // One the executed chain holds answers from it; one neither knows is unknown.
    const makerLock = keccak256(must(swap.makerTxs[1]))
    expect(await node.api.receipt(makerLock)).toMatchObject({ blockNumber: 2n, status: 'success' })
    expect(await node.api.transaction(makerLock)).toMatchObject({ state: 'mined', blockNumber: 2n })
    const unknown = keccak256(stringToHex('no such transaction'))
    expect(await node.api.receipt(unknown)).toBeNull()
    expect(await node.api.transaction(unknown)).toBeNull()
  })
})

describe('an auto node behind its verified headers, as the Explorer and the Market read token holdings', () => {
  test('lists an account’s tokens with the balances proven at the anchor, not the executed chain’s older ones', async () => {
    // Executed to #1 only: ALICE holds 750 GLD there; her lock of 10 GLD (#2) is under the headers only.
    const { node } = await takerNode(await lockedSwap(), 1n, false)
    expect(await node.api.mode()).toEqual({ kind: 'light', catchingUp: true })
    const verified = await node.api.verifiedTokenHoldings(ALICE)
    expect(verified.number).toBeGreaterThanOrEqual(2n)
    expect(verified.value.map((h) => [h.token.address, h.balance, h.created])).toEqual([[TOKEN, 740n, true]])
    expect(await node.api.tokenHoldings(ALICE)).toEqual(verified.value)
  })
})

describe('an auto node behind its verified headers, as the Market and the Explorer list tokens', () => {
  test('lists a token created past the executed head, under the headers, proven', async () => {
    // Executed to the genesis only: GLD is created in #1, which only the verified headers hold.
    const swap = await lockedSwap()
    const { node } = await takerNode(swap, 0n, false)
    expect(await node.api.mode()).toEqual({ kind: 'light' })
    const listed = await node.api.tokens()
    expect(listed.map((t) => [t.address, t.symbol, t.owner])).toEqual([[TOKEN, 'GLD', ALICE]])
  })

  test('keeps the tokens its executed chain holds when no peer proves the list', async () => {
    // Executed to #1 (GLD created there); its only full peer is gone: nothing can be proven.
    const swap = await lockedSwap()
    const { node, peer } = await takerNode(swap, 1n, false)
    expect(await node.api.mode()).toEqual({ kind: 'light', catchingUp: true })
    await peer.leave()
    expect((await node.api.tokens()).map((t) => t.symbol)).toEqual(['GLD'])
  })
})

describe('an auto node behind its verified headers, as the wallet reads what an account received', () => {
  test('lists the account’s transactions as its full peer does, each proven, those past the executed head too; what they paid it reads from them', async () => {
    // Executed to #10, the headers at #22: ALICE's 250 GLD to BOB is in #1, BOB's lock in #11, and in #22
    // ALICE pays BOB 3 TAB.
    const swap = await lockedSwap()
    const payment = await signCall(0, 5, BOB, '0x', 3n * 10n ** 18n)
    await swap.mine([payment])
    const { node } = await takerNode(swap, 10n)
    expect(await node.api.mode()).toEqual({ kind: 'light', catchingUp: true })
    const listed = [
      keccak256(payment),
      keccak256(swap.takerLock),
      must(must(swap.chain.getBlockByNumber(1n)).txHashes[1]),
    ]
    expect(await node.api.addressTransactions(BOB, 10)).toEqual(listed)
    const received = await readReceived(BOB, node.api, new Map())
    const from = `from ${getAddress(ALICE).slice(0, 4)}…${getAddress(ALICE).slice(-2)}`
    expect(received.items.map((i) => [i.hash, i.title, i.blockNumber])).toEqual([
      [keccak256(payment), `Received 3 TAB ${from}`, '22'],
      [listed[2], `Received 2.5 GLD ${from}`, '1'],
    ])
  })
})

describe('an auto node upgraded from a snapshot steps the swaps accepted below its base', () => {
  const REFUND = toFunctionSelector('refund(bytes32)')

  for (const pin of ['full', 'auto'] as const)
    test(`a maker's tab reloaded 250 blocks after its lock (${pin === 'full' ? 'pinned full: replays from the genesis' : 'auto: upgrades from a snapshot'}) refunds it past its timelock`, async () => {
      // The maker's lock (#2) at the shortest timelock; the taker never locks, the chain runs 250 blocks on.
      const swap = await makerLocked(minMakerTimelock(TAKER_BLOCKS, K))
      extend(swap.chain, 250)
      const hub = memoryHub()
      const start = async (peer: string, init: Partial<Parameters<typeof createNode>[0]>) => {
        const link = hub.join(peer)
        const node = createNode({
          profileId: peer,
          genesis: GENESIS,
          coinbase: BOB,
          mine: false,
          network: link.api,
          emit: () => {},
          now: () => Date.now(),
          agent: 'test',
          upgrade: { replayBelow: 100 },
          ...init,
        })
        running.push(node)
        await node.start()
        await link.attach(node.sink)
        return node
      }
      await start('F', { store: swap.store })

      // The maker's tab, reloaded: its swap log, nothing of the chain since.
      const repo = await openMemoryRepository({
        backend: createMemoryBackend(),
        chain: { chainId: GENESIS.params.chainId, genesisHash: swap.chain.genesisHash },
      })
      const swaps = new SwapStore(repo)
      const { terms } = swap
      await swaps.append(terms.offerId, 0, { kind: 'opened', offerId: terms.offerId })
      await swaps.append(terms.offerId, 1, { kind: 'accepted', terms, role: 'maker' })
      await swaps.append(terms.offerId, 2, {
        kind: 'sent',
        purpose: 'lock',
        lockId: null,
        txs: swap.makerTxs.map((raw, i) => ({ hash: keccak256(raw), raw, nonce: 3n + BigInt(i) })),
        height: 1n,
      })
      const requests: NodeEvents['swapSignRequest'][] = []
      const maker = await start('M', {
        store: new MemoryChainStore(),
        repo,
        swapRepository: repo,
        modePin: pin,
        emit: (event, data) => {
          if (event === 'swapSignRequest') requests.push(data as NodeEvents['swapSignRequest'])
        },
      })
      const head = swap.chain.head.block.header.number
      await until(
        async () => (await maker.api.mode()).kind === 'full' && (await maker.api.head()).number === head,
        30_000,
      )
      await maker.upgraded()
      if (pin === 'auto') {
        expect((await maker.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)
        // The headers from the swap's accepted height are kept for a reload.
        expect(must(maker.light?.checkpoint()).headers[0]?.number).toBeLessThanOrEqual(terms.acceptedHeight)
      }

      // Its wallet unlocked: the lock, past its timelock, is refunded.
      await maker.api.swapSigners([ALICE])
      await until(
        async () => requests.some((r) => r.kind === 'transaction' && r.tx.data?.startsWith(REFUND)),
        10_000,
      )
      expect(must((await maker.api.swaps())[0]).status.state).toBe('MakerLocked')
    }, 60_000)
})

describe('an auto node whose own branch a snapshot replaces steps its finished swaps again', () => {
  const REFUND = toFunctionSelector('refund(bytes32)')

  test('a swap done on its own branch, whose redeems the snapshot chain does not hold, is taken up again: the taker refunds its lock', async () => {
    // Its own branch: the maker's lock (#2), the taker's (#3), both redeemed (#4), then past the reorg
    // limit.
    const swap = await makerLocked(minMakerTimelock(TAKER_BLOCKS, K))
    const { terms } = swap
    const takerLock = await signCall(
      1,
      0,
      HTLC_ADDRESS,
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [ZERO_ADDRESS, 20n, ALICE, terms.hashlock, 3n + TAKER_BLOCKS],
      }),
      20n,
    )
    await swap.mine([takerLock])
    const forkedAfter = must(swap.chain.getBlockByNumber(3n)).block
    const redeem = (from: number, nonce: number, id: Hex) =>
      signCall(
        from,
        nonce,
        HTLC_ADDRESS,
        encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, SECRET] }),
      )
    await swap.mine([
      await redeem(0, 5, lockId(BOB, 0n, ZERO_ADDRESS, 20n, ALICE, terms.hashlock, 3n + TAKER_BLOCKS)),
      await redeem(
        1,
        1,
        lockId(ALICE, 4n, TOKEN, 10n, BOB, terms.hashlock, 2n + minMakerTimelock(TAKER_BLOCKS, K)),
      ),
    ])
    extend(swap.chain, GENESIS.params.maxReorgDepth + 5)

    // The peers' chain: the same up to the locks, then 300 blocks of another branch, past both timelocks.
    const theirs = new MemoryChainStore()
    const other = new Chain({ genesis: GENESIS, store: theirs })
    for (let n = 1n; n <= 3n; n++) {
      const b = must(swap.chain.getBlockByNumber(n)).block
      other.importBlock(b, b.header.timestamp)
    }
    extend(other, 300, { miner: BOB })
    expect(hashBlock(must(other.getBlockByNumber(3n)).block)).toBe(hashBlock(forkedAfter))

    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: GENESIS.params.chainId, genesisHash: swap.chain.genesisHash },
    })
    const swaps = new SwapStore(repo)
    await swaps.append(terms.offerId, 0, { kind: 'accepted', terms, role: 'taker' })
    await swaps.append(terms.offerId, 1, {
      kind: 'sent',
      purpose: 'lock',
      lockId: null,
      txs: [{ hash: keccak256(takerLock), raw: takerLock, nonce: 0n }],
      height: 2n,
    })
    const hub = memoryHub()
    const requests: NodeEvents['swapSignRequest'][] = []
    const link = hub.join('TAKER')
    const node = createNode({
      profileId: 'TAKER',
      genesis: GENESIS,
      store: swap.store,
      repo,
      swapRepository: repo,
      modePin: 'auto',
      coinbase: BOB,
      mine: false,
      network: link.api,
      emit: (event, data) => {
        if (event === 'swapSignRequest') requests.push(data as NodeEvents['swapSignRequest'])
      },
      now: () => Date.now(),
      agent: 'test',
      upgrade: { replayBelow: 100 },
    })
    running.push(node)
    await node.start()
    await link.attach(node.sink)
    // Alone on its branch: the swap is done there.
    await until(async () => (await node.api.swaps())[0]?.action.kind === 'done', 10_000)
    expect(must((await node.api.swaps())[0]).status.state).toBe('Completed')

    // A peer far ahead on the other branch: the node upgrades from its snapshot, its branch leaves.
    await fullPeer(hub, theirs, (sink) => sink)
    const head = other.head.block.header.number
    await until(
      async () => (await node.api.mode()).kind === 'full' && (await node.api.head()).number === head,
      30_000,
    )
    await node.upgraded()
    expect((await node.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)

    // On the new chain both locks stand, past the taker's timelock: its wallet unlocked, it refunds.
    await node.api.swapSigners([BOB])
    await until(
      async () => requests.some((r) => r.kind === 'transaction' && r.tx.data?.startsWith(REFUND)),
      10_000,
    )
    expect(must((await node.api.swaps())[0]).status.state).toBe('TakerLocked')
  }, 60_000)
})
