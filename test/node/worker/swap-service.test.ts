import { mnemonicToSeedSync } from '@scure/bip39'
import {
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  keccak256,
  stringToHex,
  toFunctionSelector,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { REDEEMED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { LightError } from '../../../src/node/light/errors'
import type { HeaderCheckpoint } from '../../../src/node/light/header-chain'
import { memoryHub } from '../../../src/node/network/memory'
import { NodeError } from '../../../src/node/rpc/errors'
import { StorageError } from '../../../src/node/storage/errors'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { LIGHT_CHECKPOINT_KEY, startingCheckpoint } from '../../../src/node/worker/light-service'
import { createNode, type NodeApi, type NodeEvents } from '../../../src/node/worker/node'
import type { TxView } from '../../../src/node/worker/queries'
import {
  createSwapService,
  SWAPS_DONE_KEY,
  SWAPS_SEEN_KEY,
  type SwapInfo,
  type SwapService,
  type SwapSignRequest,
} from '../../../src/node/worker/swap-service'
import { lockFilter, observeLocks, swapLocks } from '../../../src/trade/swap/chain-view'
import type { SwapChain } from '../../../src/trade/swap/driver'
import { SETTLED_WAIT, WAITS_FOR_SECRET } from '../../../src/trade/swap/engine'
import { hashlockOf, swapKeyFromSeed, swapSecret } from '../../../src/trade/swap/secret'
import { SwapStore } from '../../../src/trade/swap/store'
import { minMakerTimelock, REDEEM_MARGIN_BLOCKS, type SwapTerms } from '../../../src/trade/swap/terms'
import {
  createToken as createTestToken,
  FINAL,
  flood,
  K,
  type Party,
  party,
  SUPPLY,
  GENESIS as TEST_GENESIS,
  TestChain,
  termsFor,
  testSigner,
} from '../../trade/swap/harness'
import { until } from '../../until'

// Blocks every ~30 ms on a difficulty-2 genesis.
const GENESIS = testGenesis({ params: { minBlockIntervalMs: 30 } })
const CHAIN_ID = GENESIS.params.chainId
const MNEMONIC = 'test test test test test test test test test test test junk'
const SWAP_KEY = swapKeyFromSeed(mnemonicToSeedSync(MNEMONIC))

/**
 * A node whose "page" holds the wallet of Hardhat account `index`: it answers the node's signature
 * requests (the user approved the trade once) while `unlocked`.
 */
async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  index: number,
  repo?: NodeRepository,
  {
    attach = true,
    light = false,
    lightCheckpoint,
    beforeSigning = async () => {},
    duringStart = async () => {},
    onRequest = () => {},
  }: {
    /** Link to the hub before starting (else the caller attaches later). */
    attach?: boolean
    /** Pinned to light mode: headers only, every read through proofs from the other node. */
    light?: boolean
    /** The headers a light node kept before a reload. */
    lightCheckpoint?: HeaderCheckpoint
    /** Runs before the page answers each transaction request. */
    beforeSigning?: (tx: Extract<SwapSignRequest, { kind: 'transaction' }>['tx']) => Promise<void>
    /** Runs beside the node's start, as a page asks its node while it starts. */
    duringStart?: (api: NodeApi) => Promise<void>
    /** Told the protocol of each request the node sends a peer. */
    onRequest?: (protocol: string) => void
  } = {},
) {
  const link = hub.join(peerId)
  const wallet = mnemonicToAccount(MNEMONIC, { addressIndex: index })
  const requests: NodeEvents['swapSignRequest'][] = []
  const swaps: NodeEvents['swap'][] = []
  const repository =
    repo ??
    (await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: CHAIN_ID, genesisHash: keccak256(stringToHex(peerId)) },
    }))
  let api: NodeApi | undefined
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: {
      ...link.api,
      request: (peer, protocol, data, timeoutMs) => {
        onRequest(protocol)
        return link.api.request(peer, protocol, data, timeoutMs)
      },
    },
    emit: (event, data) => {
      if (event === 'swap') swaps.push(data as NodeEvents['swap'])
      if (event !== 'swapSignRequest') return
      const request = data as NodeEvents['swapSignRequest']
      requests.push(request)
      const answer =
        request.kind === 'secret'
          ? Promise.resolve({ secret: swapSecret(SWAP_KEY, CHAIN_ID, request.terms.offerId) })
          : beforeSigning(request.tx)
              .then(() => wallet.signTransaction(request.tx))
              .then((raw) => ({ raw }))
      void answer.then((a) => api?.swapAnswer(request.id, a))
    },
    now: () => Date.now(),
    agent: 'test',
    swapRepository: repository,
    ...(light ? { modePin: 'light' as const, light: { requestTimeoutMs: 2_000 } } : {}),
    ...(lightCheckpoint === undefined ? {} : { lightCheckpoint }),
  })
  api = node.api
  if (attach) await link.attach(node.sink)
  await Promise.all([node.start(), duringStart(node.api)])
  return {
    node,
    api: node.api,
    address: wallet.address.toLowerCase() as Address,
    requests,
    swaps,
    repository,
    link,
  }
}

/** An in-process node of `makeNode`, with what it told its page. */
type Node = Awaited<ReturnType<typeof makeNode>>

async function createToken(api: NodeApi, index: number, symbol: string): Promise<Address> {
  const account = mnemonicToAccount(MNEMONIC, { addressIndex: index })
  const nonce = await api.pendingNonce(account.address)
  const raw = await account.signTransaction({
    type: 'eip1559',
    chainId: CHAIN_ID,
    nonce: Number(nonce),
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: [symbol, symbol, 18, 1000n],
    }),
    gas: 400_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
  const hash: Hex = await api.sendRawTransaction(raw)
  await until(async () => (await api.receipt(hash)) !== null)
  return tokenAddress(account.address.toLowerCase() as Address, nonce)
}

/**
 * Agreed terms for 10 of the maker's `A` against 20 of the taker's `B`: the taker's timelock
 * `takerTimelockBlocks`, the maker's `extra` blocks past the rule's minimum.
 */
function swapTerms(o: {
  readonly offer: string
  readonly maker: Address
  readonly taker: Address
  readonly A: Address
  readonly B: Address
  readonly takerTimelockBlocks: bigint
  readonly extra: bigint
  readonly acceptedHeight: bigint
}): SwapTerms {
  const offerId = keccak256(stringToHex(o.offer))
  return {
    chainId: CHAIN_ID,
    offerId,
    maker: o.maker,
    taker: o.taker,
    tokenA: o.A,
    amountA: 10n,
    tokenB: o.B,
    amountB: 20n,
    makerTimelockBlocks: minMakerTimelock(o.takerTimelockBlocks, GENESIS.params.confirmations) + o.extra,
    takerTimelockBlocks: o.takerTimelockBlocks,
    hashlock: hashlockOf(swapSecret(SWAP_KEY, CHAIN_ID, offerId)),
    acceptedHeight: o.acceptedHeight,
  }
}

describe('swap service in the node (two in-process nodes, memory network)', () => {
  test('a swap started on both nodes completes on its own as blocks come; the page signs on request', async () => {
    const hub = memoryHub()
    const maker = await makeNode(hub, 'maker', 1)
    const taker = await makeNode(hub, 'taker', 2)
    await maker.api.setMining(true)
    const A = await createToken(maker.api, 1, 'APPLE')
    const B = await createToken(taker.api, 2, 'BANANA')
    const terms = swapTerms({
      offer: 'service offer',
      maker: maker.address,
      taker: taker.address,
      A,
      B,
      takerTimelockBlocks: 12n,
      extra: 0n,
      acceptedHeight: (await maker.api.head()).number,
    })
    // A malformed peer id for the other party's tab is refused before anything is stored.
    await expect(maker.api.startSwap(terms, maker.address, 'not a peer')).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    expect(await maker.api.swaps()).toEqual([])
    // Until the page says its wallet is unlocked, nothing is asked and the maker waits.
    const first = await maker.api.startSwap(terms, maker.address, 'taker')
    expect(first.role).toBe('maker')
    expect(first.counterpartyPeer).toBe('taker')
    expect(first.status.state).toBe('Accepted')
    expect(first.error).toContain("the wallet did not sign the swap's transaction")
    expect(first.error).toContain('the wallet is locked')
    // A real failure: the wallet did not sign, the chain was read.
    expect(first.unverified).toBe(false)
    expect(first.redeemsSent).toEqual([])
    expect(maker.requests).toEqual([])
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    await taker.api.swapSigners([taker.address])
    await until(async () => {
      const [m] = await maker.api.swaps()
      const [t] = await taker.api.swaps()
      return m?.status.state === 'Completed' && t?.status.state === 'Completed'
    })
    await maker.api.setMining(false)
    // Each side sent one redeem, of the other's lock: the page knows the secret went out with it.
    const [m] = await maker.api.swaps()
    const [t] = await taker.api.swaps()
    expect(m?.redeemsSent).toHaveLength(1)
    expect(t?.redeemsSent).toHaveLength(1)
    expect(m?.redeemsSent[0]).not.toBe(t?.redeemsSent[0])
    // Told with the step that sent it, not a step later.
    const redeeming = maker.swaps.find((i) => i.action.kind === 'redeem')
    expect(redeeming?.redeemsSent).toEqual(m?.redeemsSent)
    expect(await maker.api.tokenBalance(B, maker.address)).toBe(20n)
    expect(await taker.api.tokenBalance(A, taker.address)).toBe(10n)
    expect(maker.requests.some((r) => r.kind === 'secret')).toBe(true)
    expect(taker.requests.every((r) => r.kind === 'transaction')).toBe(true)
    expect(taker.swaps.at(-1)?.status.steps.map((s) => s.state)).toEqual([
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Completed',
    ])
    // The node checks what the page answers.
    await expect(maker.api.swapAnswer(1, { bogus: true } as never)).rejects.toMatchObject({
      type: { code: 'NODE_BAD_PARAMS' },
    })
    maker.node.stop()
    taker.node.stop()
  }, 60_000)

  test.each(['taker', 'maker'] as const)(
    'a %s pinned to light mode trades with a full node: it reads the locks from blocks it checks against their headers',
    async (side) => {
      const hub = memoryHub()
      const maker = await makeNode(hub, 'maker', 1, undefined, { light: side === 'maker' })
      const taker = await makeNode(hub, 'taker', 2, undefined, { light: side === 'taker' })
      const [full, light] = side === 'maker' ? [taker, maker] : [maker, taker]
      await full.api.setMining(true)
      // The light node creates its token by gossip, and sees the receipt through an inclusion proof.
      const A = await createToken(maker.api, 1, 'APPLE')
      const B = await createToken(taker.api, 2, 'BANANA')
      // Blocks come every ~30 ms here: room for the light node's steps, each a few proofs.
      const terms = swapTerms({
        offer: `light ${side}`,
        maker: maker.address,
        taker: taker.address,
        A,
        B,
        takerTimelockBlocks: 300n,
        extra: 300n,
        acceptedHeight: (await full.api.head()).number,
      })
      await maker.api.startSwap(terms, maker.address)
      await taker.api.startSwap(terms, taker.address)
      await maker.api.swapSigners([maker.address])
      await taker.api.swapSigners([taker.address])
      await until(
        async () => (await state(maker.api)) === 'Completed' && (await state(taker.api)) === 'Completed',
        30_000,
      )
      // Both sides of the trade, proven on the light node and read from state on the full one.
      const balances = async (api: NodeApi) => [
        await api.tokenBalance(B, maker.address),
        await api.tokenBalance(A, taker.address),
      ]
      await until(async () => (await balances(light.api)).join() === '20,10')
      expect(await balances(full.api)).toEqual([20n, 10n])
      await full.api.setMining(false)
      expect(light.swaps.at(-1)?.status.steps.map((s) => s.state)).toEqual([
        ...(side === 'maker' ? ['Open'] : []),
        'Accepted',
        'MakerLocked',
        'TakerLocked',
        'SecretRevealed',
        'Completed',
      ])
      expect(await light.api.mode()).toEqual({ kind: 'light' })
      // Its logs came from blocks it checked: the receipts of the blocks whose blooms named the swap.
      expect(light.node.light?.client.counters.proofsVerified ?? 0).toBeGreaterThan(0)
      maker.node.stop()
      taker.node.stop()
    },
    60_000,
  )

  test("a light taker steps its settled swap at every head until done with no proof asked of its peers: the blocks of its locks' logs are still canonical", async () => {
    const { steps, proofs } = await lightTakerSettledWait(async (maker, taker) => {
      await maker.api.swapSigners([maker.address])
      await taker.api.swapSigners([taker.address])
    })
    // Stepped at the heads of its wait (some come while a pass runs, and make one more).
    expect(steps.length).toBeGreaterThan(1)
    expect(proofs).toEqual([])
    expect(steps.at(-1)?.status.state).toBe('Completed')
  }, 60_000)

  test("a light taker that refunded its lock while the maker's is still locked steps its swap at every head until done with no proof asked of its peers: the new blocks' blooms hold no settle log of the maker's lock", async () => {
    const { steps, proofs } = await lightTakerSettledWait(async (maker, taker) => {
      await maker.api.swapSigners([maker.address])
      await until(async () => taker.swaps.at(-1)?.status.state === 'MakerLocked', 30_000)
      // The maker's wallet locked once its lock is out: it neither redeems nor refunds.
      await maker.api.swapSigners([])
      await taker.api.swapSigners([taker.address])
    })
    expect(steps.length).toBeGreaterThan(1)
    expect(proofs).toEqual([])
    expect(steps.map((s) => s.status.state)).toEqual(steps.map(() => 'Refunded'))
  }, 120_000)

  test('a light taker reloaded long after the take keeps the headers from it, reads its swap and completes', async () => {
    const { hub, maker, taker, terms, kept } = await lightTakerPastTwoReorgLimits('light reload')
    expect(kept.headers[0]?.number).toBeLessThanOrEqual(terms.acceptedHeight)
    taker.node.stop()
    await taker.link.leave()
    // Reloaded from those headers and its swap records: it reads the maker's lock and trades.
    const back = await makeNode(hub, 'taker', 2, taker.repository, { light: true, lightCheckpoint: kept })
    await back.api.swapSigners([back.address])
    await until(
      async () => (await state(maker.api)) === 'Completed' && (await state(back.api)) === 'Completed',
      30_000,
    )
    await maker.api.setMining(false)
    maker.node.stop()
    back.node.stop()
  }, 90_000)

  test('a light taker reloaded while another profile of the browser shares heavier headers that start past the take starts from its own, reads its swap and completes', async () => {
    const { hub, maker, taker, terms, kept } = await lightTakerPastTwoReorgLimits(
      'light reload beside another profile',
    )
    taker.node.stop()
    await taker.link.leave()
    await taker.repository.putMeta(LIGHT_CHECKPOINT_KEY, kept)
    // Another profile of the browser, light with no swap, follows the chain a little longer: the headers
    // it shares are heavier, and start two reorg limits below its head, past the take.
    const other = await makeNode(hub, 'other', 3, undefined, { light: true })
    const keptHead = kept.headers.at(-1)?.number ?? 0n
    await until(async () => (await other.api.head()).number > keptHead + 5n, 30_000)
    const shared = other.node.light?.checkpoint()
    if (shared === undefined) throw new Error('the other profile keeps no headers')
    other.node.stop()
    await other.link.leave()
    expect(shared.headers[0]?.number).toBeGreaterThan(terms.acceptedHeight)
    const lightCheckpoint = await startingCheckpoint({
      modePin: 'light',
      repo: taker.repository,
      executedBlocks: false,
      shared,
      maxReorgDepth: GENESIS.params.maxReorgDepth,
    })
    if (lightCheckpoint === undefined) throw new Error('no checkpoint to start from')
    const back = await makeNode(hub, 'taker', 2, taker.repository, { light: true, lightCheckpoint })
    await back.api.swapSigners([back.address])
    await until(
      async () => (await state(maker.api)) === 'Completed' && (await state(back.api)) === 'Completed',
      30_000,
    )
    await maker.api.setMining(false)
    maker.node.stop()
    back.node.stop()
  }, 120_000)

  /** Maker and taker with a token each and agreed terms (timelocks with room for a reload). */
  async function twoParties(
    hub: ReturnType<typeof memoryHub>,
    takerOptions: Parameters<typeof makeNode>[4] = {},
    makerOptions: Parameters<typeof makeNode>[4] = {},
  ) {
    const maker = await makeNode(hub, 'maker', 1, undefined, makerOptions)
    const taker = await makeNode(hub, 'taker', 2, undefined, takerOptions)
    await maker.api.setMining(true)
    const A = await createToken(maker.api, 1, 'APPLE')
    const B = await createToken(taker.api, 2, 'BANANA')
    const terms = swapTerms({
      offer: `offer ${Math.random()}`,
      maker: maker.address,
      taker: taker.address,
      A,
      B,
      takerTimelockBlocks: 60n,
      extra: 60n,
      acceptedHeight: (await maker.api.head()).number,
    })
    return { maker, taker, A, B, terms }
  }

  /**
   * A light taker and a full maker, their swap started on both, `play` letting it run: once the taker's
   * step waits for its settlement's depth (`SETTLED_WAIT`), gives its steps from there until done, and the
   * proof requests (`sync-proof`, `sync-inclusion`, `sync-receipts`) it sent its peers meanwhile.
   */
  async function lightTakerSettledWait(play: (maker: Node, taker: Node) => Promise<void>) {
    const hub = memoryHub()
    let counting = false
    const asked: string[] = []
    const { maker, taker, terms } = await twoParties(hub, {
      light: true,
      onRequest: (protocol) => {
        if (counting) asked.push(protocol)
      },
    })
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await play(maker, taker)
    const waiting = () => {
      const action = taker.swaps.at(-1)?.action
      return action?.kind === 'wait' && action.reason === SETTLED_WAIT
    }
    await until(waiting, 45_000)
    counting = true
    const from = taker.swaps.length
    await until(async () => taker.swaps.at(-1)?.action.kind === 'done', 45_000)
    counting = false
    maker.node.stop()
    taker.node.stop()
    const proofs = asked.filter((p) => /sync-(proof|inclusion|receipts)/.test(p))
    return { steps: taker.swaps.slice(from), proofs }
  }

  /**
   * A light taker past both locks of a swap, the maker's wallet locked once its lock was out (the swap stays
   * unredeemed) and its miner stopped; then the taker's tab closed (its node stopped, its link left). Gives
   * the status it had reached and the headers it kept, to reload it with.
   */
  async function lightTakerPastBothLocksGone() {
    const hub = memoryHub()
    const { maker, taker, terms } = await twoParties(hub, { light: true })
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    await until(async () => taker.swaps.at(-1)?.status.state === 'MakerLocked', 30_000)
    await maker.api.swapSigners([])
    await taker.api.swapSigners([taker.address])
    await until(async () => taker.swaps.at(-1)?.status.state === 'TakerLocked', 30_000)
    const shown = taker.swaps.at(-1)?.status
    const kept = taker.node.light?.checkpoint()
    if (kept === undefined) throw new Error('the light taker keeps no headers')
    await maker.api.setMining(false)
    taker.node.stop()
    await taker.link.leave()
    return { hub, maker, taker, terms, shown, kept }
  }

  const state = async (api: NodeApi) => (await api.swaps())[0]?.status.state

  test('a light taker keeps the headers of a done swap while a reorg it can follow may step it again; reloaded long after, it reads it as done, though its headers no longer reach the take, and a split it follows there leaves it done', async () => {
    const hub = memoryHub()
    const { maker, taker, terms } = await twoParties(hub, { light: true })
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    // The taker's wallet stays locked a while: the swap settles well after the take.
    await until(async () => (await taker.api.head()).number > terms.acceptedHeight + 40n, 30_000)
    await taker.api.swapSigners([taker.address])
    await until(async () => taker.swaps.at(-1)?.action.kind === 'done', 30_000)
    // Done, its last status is kept as a finished one only, not as one a failed step falls back on.
    expect(await taker.repository.getMeta(SWAPS_SEEN_KEY)).toEqual({})
    const settled = taker.swaps.at(-1)?.status.steps.at(-1)?.height
    if (settled == null) throw new Error('the swap settled in no block')
    // A reorg the light node can follow (two reorg limits) may still take its settlement out and step it
    // again: its headers stay, from the take, past two reorg limits above the take.
    const span = BigInt(2 * GENESIS.params.maxReorgDepth)
    await until(async () => (await taker.api.head()).number > terms.acceptedHeight + span, 30_000)
    const held = taker.node.light?.checkpoint()
    expect(held?.headers.at(-1)?.number).toBeLessThanOrEqual(settled + span)
    expect(held?.headers[0]?.number).toBeLessThanOrEqual(terms.acceptedHeight)
    // Two reorg limits past its settlement, they go: the kept ones start above the take.
    await until(async () => (await taker.api.head()).number > settled + span + 10n, 30_000)
    const kept = taker.node.light?.checkpoint()
    if (kept === undefined) throw new Error('the light taker keeps no headers')
    expect(kept.headers[0]?.number).toBeGreaterThan(terms.acceptedHeight)
    taker.node.stop()
    await taker.link.leave()
    const back = await makeNode(hub, 'taker', 2, taker.repository, { light: true, lightCheckpoint: kept })
    const head = (await back.api.head()).number
    await until(async () => (await back.api.head()).number > head + 3n, 30_000)
    // A full node takes the chain so far, then mines a branch of its own apart: the split forks above
    // the oldest header the taker holds, deeper than the reorg limit below its head.
    const fork = await makeNode(hub, 'fork', 3)
    await until(
      async () =>
        (await fork.api.mode()).kind === 'full' &&
        (await fork.api.head()).hash === (await maker.api.head()).hash,
      30_000,
    )
    const forkedAt = (await fork.api.head()).number
    expect(forkedAt).toBeGreaterThanOrEqual(kept.headers[0]?.number ?? 0n)
    await fork.link.api.disconnect('maker', 'test', 120_000)
    await fork.link.api.disconnect('taker', 'test', 120_000)
    const depth = BigInt(GENESIS.params.maxReorgDepth + 6)
    await until(async () => (await back.api.head()).number >= forkedAt + depth, 30_000)
    await maker.api.setMining(false)
    const makerHead = (await maker.api.head()).number
    await until(async () => (await back.api.head()).number === makerHead, 30_000)
    await fork.api.setMining(true)
    await until(async () => (await fork.api.head()).number > makerHead + 5n, 30_000)
    await fork.api.setMining(false)
    await fork.link.api.disconnect('maker', 'test', 0)
    await fork.link.api.disconnect('taker', 'test', 0)
    // The user has the light taker follow it: a reorg past the limit, which steps its finished swaps.
    await until(async () => (await back.api.chainSplit()) !== null, 30_000)
    const split = await back.api.chainSplit()
    expect(split?.ancestor.number).toBe(forkedAt)
    await back.api.followSplit(split?.ancestor.hash as Hex)
    // Its swap settled below the split: still done, with no error, on this head and the next ones.
    const followed = (await back.api.head()).number
    await fork.api.setMining(true)
    await until(async () => (await back.api.head()).number > followed + 3n, 30_000)
    await fork.api.setMining(false)
    const [info] = await back.api.swaps()
    expect(info?.status.state).toBe('Completed')
    expect(info?.action.kind).toBe('done')
    expect(info?.error).toBeNull()
    expect(back.swaps.map((i) => i.error)).toEqual(back.swaps.map(() => null))
    maker.node.stop()
    fork.node.stop()
    back.node.stop()
  }, 150_000)

  test('a light taker reloaded past both locks, with no peer yet to prove its logs, shows the status it had reached with the failed step, not one its stored events alone give', async () => {
    const { hub, maker, taker, shown, kept } = await lightTakerPastBothLocksGone()
    // Reloaded with no link yet: its headers name blocks with the swap's logs, and no peer proves them.
    const back = await makeNode(hub, 'taker', 2, taker.repository, {
      light: true,
      lightCheckpoint: kept,
      attach: false,
    })
    // Its pass at start, and the one its unlocked wallet brings: each step fails, the status stays.
    await back.api.swapSigners([back.address])
    await until(async () => back.swaps.length >= 2, 10_000)
    for (const info of back.swaps) {
      expect(info.status).toEqual(shown)
      expect(info.error).toContain('cannot be proved: no peer to ask')
      expect(info.unverified).toBe(true)
    }
    maker.node.stop()
    back.node.stop()
  }, 60_000)

  test('a light taker reloaded past both locks, asked for its swaps while it starts with no peer, lists them from what it kept, marked with the failure; a peer that links proves them again', async () => {
    const { hub, maker, taker, terms, shown, kept } = await lightTakerPastBothLocksGone()
    // Reloaded with no link: the page asks for the trade list before the node has shown any swap.
    let listed: SwapInfo[] | undefined
    const back = await makeNode(hub, 'taker', 2, taker.repository, {
      light: true,
      lightCheckpoint: kept,
      attach: false,
      duringStart: async (api) => {
        listed = await api.swaps()
      },
    })
    expect(listed).toHaveLength(1)
    expect(listed?.[0]).toMatchObject({ swapId: terms.offerId, role: 'taker', status: shown })
    expect(listed?.[0]?.error).toContain('cannot be proved: no peer to ask')
    expect(listed?.[0]?.unverified).toBe(true)
    // Once a peer links, with no new block, the swap is read from the chain again: no failure left.
    await back.link.attach(back.node.sink)
    await until(async () => (await back.api.swaps())[0]?.error === null, 10_000)
    const [now] = await back.api.swaps()
    expect(now?.status).toEqual(shown)
    expect(now?.unverified).toBe(false)
    maker.node.stop()
    back.node.stop()
  }, 60_000)

  test('a taker reloaded after signing its lock, which reached no one, sends it again; the miner gets it on link', async () => {
    const hub = memoryHub()
    let cut = false
    // When the taker's page is asked to sign its lock, the maker stops mining and drops the link: the
    // signed lock stays in the taker's pool alone.
    const { maker, taker, A, B, terms } = await twoParties(hub, {
      beforeSigning: async () => {
        if (cut) return
        cut = true
        await maker.api.setMining(false)
        await maker.link.api.disconnect('taker', 'test', 3_000)
      },
    })
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    await taker.api.swapSigners([taker.address])
    await until(async () => taker.swaps.some((s) => s.action.kind === 'lock'))
    expect(hub.linked('maker', 'taker')).toBe(false)
    expect(await maker.api.pendingTransactions()).toEqual([])

    // The tab reloads: a new node on the same swap records, an empty mempool, its chain to sync again,
    // and no link yet (the old one is still refused).
    taker.node.stop()
    await taker.link.leave()
    const back = await makeNode(hub, 'taker', 2, taker.repository, { attach: false })
    await until(async () => back.swaps.some((s) => s.action.kind === 'rebroadcast'))
    expect(await maker.api.pendingTransactions()).toEqual([])

    // The link comes back: the maker gets the taker's lock from the pool exchange, and mines it.
    await until(async () => hub.linked('maker', 'taker'), 10_000)
    await back.link.attach(back.node.sink)
    await until(async () => (await maker.api.pendingTransactions()).length === 2)
    await maker.api.setMining(true)
    await back.api.swapSigners([back.address])
    await until(
      async () => (await state(maker.api)) === 'Completed' && (await state(back.api)) === 'Completed',
    )
    await maker.api.setMining(false)
    expect(await maker.api.tokenBalance(B, maker.address)).toBe(20n)
    expect(await back.api.tokenBalance(A, back.address)).toBe(10n)
    maker.node.stop()
    back.node.stop()
  }, 60_000)

  test('the taker redeems as soon as the maker’s redeem reaches its pool: both redeems in one block', async () => {
    const hub = memoryHub()
    const redeem = toFunctionSelector('redeem(bytes32,bytes32)')
    let frozenAt: bigint | null = null
    // The maker's page freezes the chain (its node is the only miner) as it signs the redeem.
    const { maker, taker, terms } = await twoParties(
      hub,
      {},
      {
        beforeSigning: async (tx) => {
          if (!tx.data?.startsWith(redeem) || frozenAt !== null) return
          await maker.api.setMining(false)
          frozenAt = (await maker.api.head()).number
        },
      },
    )
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    await taker.api.swapSigners([taker.address])
    await until(async () => taker.swaps.some((s) => s.action.kind === 'redeem'))
    // No block since the maker's redeem: the taker read the secret from its pool.
    expect(frozenAt).not.toBeNull()
    expect((await taker.api.head()).number).toBe(frozenAt)
    expect(taker.swaps.at(-1)?.status.state).toBe('TakerLocked')
    await maker.api.setMining(true)
    await until(
      async () => (await state(maker.api)) === 'Completed' && (await state(taker.api)) === 'Completed',
    )
    await maker.api.setMining(false)
    const [m] = await maker.api.swaps()
    const [t] = await taker.api.swaps()
    const completedAt = (info: SwapInfo | undefined) =>
      info?.status.steps.find((s) => s.state === 'Completed')?.height
    expect(completedAt(t)).toBe(completedAt(m))
    maker.node.stop()
    taker.node.stop()
  }, 60_000)

  test('a step due while the wallet is locked goes on as soon as the page unlocks it, with no new block', async () => {
    const hub = memoryHub()
    const { maker, taker, terms } = await twoParties(hub)
    await maker.api.startSwap(terms, maker.address)
    await taker.api.startSwap(terms, taker.address)
    await maker.api.swapSigners([maker.address])
    // The maker's lock confirms; the taker's lock is due but its wallet is locked.
    await until(async () => {
      const [t] = await taker.api.swaps()
      return t?.status.state === 'MakerLocked' && (t.error ?? '').includes('the wallet is locked')
    })
    await maker.api.setMining(false)
    const head = (await taker.api.head()).number
    expect(taker.requests).toEqual([])
    await taker.api.swapSigners([taker.address])
    await until(async () => taker.swaps.some((s) => s.action.kind === 'lock'))
    expect((await taker.api.head()).number).toBe(head)
    expect(taker.requests.length).toBeGreaterThan(0)
    maker.node.stop()
    taker.node.stop()
  }, 60_000)
})

/**
 * A full maker and a light taker in a swap the maker has locked; the taker's wallet stays locked while the
 * chain goes on past two reorg limits (the headers a light node keeps otherwise). `kept`: the headers the
 * taker would close its tab with.
 */
async function lightTakerPastTwoReorgLimits(offer: string) {
  const hub = memoryHub()
  const maker = await makeNode(hub, 'maker', 1)
  const taker = await makeNode(hub, 'taker', 2, undefined, { light: true })
  await maker.api.setMining(true)
  const A = await createToken(maker.api, 1, 'APPLE')
  const B = await createToken(taker.api, 2, 'BANANA')
  const terms = swapTerms({
    offer,
    maker: maker.address,
    taker: taker.address,
    A,
    B,
    takerTimelockBlocks: 600n,
    extra: 300n,
    acceptedHeight: (await maker.api.head()).number,
  })
  await maker.api.startSwap(terms, maker.address)
  await taker.api.startSwap(terms, taker.address)
  await maker.api.swapSigners([maker.address])
  const span = BigInt(2 * GENESIS.params.maxReorgDepth)
  await until(async () => (await taker.api.head()).number > terms.acceptedHeight + span + 10n, 30_000)
  const kept = taker.node.light?.checkpoint()
  if (kept === undefined) throw new Error('the light taker keeps no headers')
  return { hub, maker, taker, terms, kept }
}

/**
 * A swap service of Hardhat account 1 (the maker of `terms`) on a chain stuck at height 5, where what
 * is broadcast stays pending (its reads replaced by `reads`). `onTransaction` runs as the page is asked
 * to sign each transaction.
 */
async function stepsFixture(
  onTransaction: (count: number, service: SwapService) => void = () => {},
  reads: Partial<SwapChain> = {},
) {
  const wallet = mnemonicToAccount(MNEMONIC, { addressIndex: 1 })
  const maker = wallet.address.toLowerCase() as Address
  const offerId = keccak256(stringToHex('one step at a time'))
  const terms: SwapTerms = {
    chainId: CHAIN_ID,
    offerId,
    maker,
    taker: DEVNET_ACCOUNTS[2] as Address,
    tokenA: DEVNET_ACCOUNTS[7] as Address,
    amountA: 10n,
    tokenB: DEVNET_ACCOUNTS[8] as Address,
    amountB: 20n,
    makerTimelockBlocks: minMakerTimelock(12n, GENESIS.params.confirmations),
    takerTimelockBlocks: 12n,
    hashlock: hashlockOf(swapSecret(SWAP_KEY, CHAIN_ID, offerId)),
    acceptedHeight: 5n,
  }
  const broadcast: Hex[] = []
  const chain: SwapChain = {
    head: async () => ({ number: 5n }),
    header: async () => null,
    logs: async () => [],
    transaction: async (hash) =>
      broadcast.some((raw) => keccak256(raw) === hash) ? ({ hash, state: 'pending' } as TxView) : null,
    receipt: async () => null,
    account: async () => ({ nonce: 0n }),
    pendingNonce: async () => BigInt(broadcast.length),
    fees: async () => ({ nextBaseFee: 10n ** 9n, suggestedTip: 10n ** 9n }),
    pendingCalls: async () => [],
    tokenAllowance: async () => 0n,
    sendRawTransaction: async (raw) => {
      broadcast.push(raw)
      return keccak256(raw)
    },
    ...reads,
  }
  const infos: SwapInfo[] = []
  const requests: SwapSignRequest[] = []
  const repo = await openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: CHAIN_ID, genesisHash: keccak256(stringToHex('steps')) },
  })
  const service: SwapService = createSwapService({
    repo,
    chain: () => chain,
    chainId: CHAIN_ID,
    confirmations: GENESIS.params.confirmations,
    maxReorgDepth: GENESIS.params.maxReorgDepth,
    emitSwap: (info) => infos.push(info),
    emitSignRequest: (request) => {
      requests.push(request)
      if (request.kind === 'transaction')
        onTransaction(requests.filter((r) => r.kind === 'transaction').length, service)
      const answer =
        request.kind === 'secret'
          ? Promise.resolve({ secret: swapSecret(SWAP_KEY, CHAIN_ID, request.terms.offerId) })
          : wallet.signTransaction(request.tx).then((raw) => ({ raw }))
      void answer.then((a) => setTimeout(() => service.answer(request.id, a), 5))
    },
  })
  service.setSigners([maker])
  return { maker, terms, repo, service, infos, requests, broadcast, chain }
}

describe('swap service steps', () => {
  test('a head during startSwap waits for its first step: the lock is signed and sent once, no step fails', async () => {
    // A head arrives while the page signs the first step's first transaction.
    const { maker, terms, repo, service, infos, requests, broadcast } = await stepsFixture(
      (count, service) => {
        if (count === 1) service.onHead()
      },
    )
    await service.idle()
    const first = await service.startSwap(terms, maker)
    await service.idle()
    expect(first.action.kind).toBe('lock')
    expect(infos.map((i) => i.error)).toEqual(infos.map(() => null))
    expect(infos.at(-1)?.action).toEqual({ kind: 'wait', reason: 'lock transaction pending' })
    // The approval and the lock, each signed once and broadcast once.
    expect(requests.filter((r) => r.kind === 'transaction')).toHaveLength(2)
    expect(broadcast).toHaveLength(2)
    expect((await new SwapStore(repo).events(terms.offerId)).map((e) => e.kind)).toEqual([
      'opened',
      'accepted',
      'sent',
    ])
  })

  test('a step whose chain reads fail, its status read too, still reports the failure', async () => {
    const missing = new NodeError({ code: 'NODE_HISTORY_MISSING', number: 5n, base: 100n })
    const { maker, terms, service, infos } = await stepsFixture(() => {}, {
      logs: async () => {
        throw missing
      },
    })
    const info = await service.startSwap(terms, maker)
    expect(info).toMatchObject({
      status: { state: 'Accepted' },
      action: { kind: 'wait', reason: 'step failed' },
      error: missing.message,
    })
    expect(infos.at(-1)).toEqual(info)
    expect(await service.swaps()).toEqual([info])
  })

  test('asked before it starts, with a chain it cannot read (no peer), the service lists a swap kept as done as it ended and one kept as seen with the failure; its start shows the same done one', async () => {
    const { maker, terms, repo, service, chain } = await stepsFixture()
    const first = await service.startSwap(terms, maker)
    await service.idle()
    // A second swap of the same maker, and the statuses an earlier run kept: the first one done.
    const otherId = keccak256(stringToHex('another one'))
    const other = {
      ...terms,
      offerId: otherId,
      hashlock: hashlockOf(swapSecret(SWAP_KEY, CHAIN_ID, otherId)),
    }
    await service.startSwap(other, maker)
    await service.idle()
    const ended = { state: 'Refunded', steps: [...first.status.steps, { state: 'Refunded', height: 9n }] }
    await repo.putMeta(SWAPS_DONE_KEY, { [terms.offerId]: ended })
    await repo.putMeta(SWAPS_SEEN_KEY, { [other.offerId]: first.status })
    const unproved = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'the logs',
      attempts: 0,
      failures: ['no peer to ask'],
    })
    let reads = 0
    const failing: SwapChain = {
      ...chain,
      logs: async () => {
        reads++
        throw unproved
      },
    }
    const reloaded = createSwapService({
      repo,
      meta: repo,
      chain: () => failing,
      chainId: CHAIN_ID,
      confirmations: GENESIS.params.confirmations,
      maxReorgDepth: GENESIS.params.maxReorgDepth,
      emitSwap: () => {},
      emitSignRequest: () => {},
    })
    const listed = await reloaded.swaps()
    const byId = new Map(listed.map((i) => [i.swapId, i]))
    expect(byId.get(terms.offerId)).toMatchObject({
      status: ended,
      action: { kind: 'done' },
      error: null,
      unverified: false,
    })
    expect(byId.get(other.offerId)).toMatchObject({
      status: first.status,
      action: { kind: 'wait', reason: 'not stepped yet' },
      error: unproved.message,
      unverified: true,
    })
    expect(listed).toHaveLength(2)
    // The done one was not read from the chain; its start shows it the same.
    expect(reads).toBe(1)
    await reloaded.start()
    expect((await reloaded.swaps()).find((i) => i.swapId === terms.offerId)).toEqual(byId.get(terms.offerId))
  })

  test("a maker's start cut short after `opened`, and a log this code did not write, leave the other swaps listed; the cut-short one completes when started again", async () => {
    const { maker, terms, repo, service } = await stepsFixture()
    const corrupt = keccak256(stringToHex('not written by this code'))
    await repo.appendSwapEvent({
      swapId: terms.offerId,
      seq: 0,
      event: { kind: 'opened', offerId: terms.offerId },
    })
    await repo.appendSwapEvent({ swapId: corrupt, seq: 0, event: { kind: 'bogus' } })
    await service.start()
    expect(await service.swaps()).toEqual([])

    const info = await service.startSwap(terms, maker)
    expect(info).toMatchObject({
      swapId: terms.offerId,
      role: 'maker',
      error: null,
      action: { kind: 'lock' },
    })
    expect((await new SwapStore(repo).events(terms.offerId)).map((e) => e.kind)).toEqual([
      'opened',
      'accepted',
      'sent',
    ])
    expect((await service.swaps()).map((s) => s.swapId)).toEqual([terms.offerId])
    // The log it could not read is kept as it was.
    expect(await repo.getSwapEvents(corrupt)).toEqual([{ swapId: corrupt, seq: 0, event: { kind: 'bogus' } }])
  })

  test("a swap's SwapInfo names the other party's tab, kept with it: a service recreated over the same store (a reload) still names it, listed, stepped and done; one started without it names none", async () => {
    const { maker, terms, repo, service, chain } = await stepsFixture()
    const first = await service.startSwap(terms, maker, '12D3KooWTaker')
    await service.idle()
    expect(first.counterpartyPeer).toBe('12D3KooWTaker')
    const otherId = keccak256(stringToHex('started without a peer'))
    const other = {
      ...terms,
      offerId: otherId,
      hashlock: hashlockOf(swapSecret(SWAP_KEY, CHAIN_ID, otherId)),
    }
    expect((await service.startSwap(other, maker)).counterpartyPeer).toBeNull()
    await service.idle()

    const reload = (): SwapService =>
      createSwapService({
        repo,
        meta: repo,
        chain: () => chain,
        chainId: CHAIN_ID,
        confirmations: GENESIS.params.confirmations,
        maxReorgDepth: GENESIS.params.maxReorgDepth,
        emitSwap: () => {},
        emitSignRequest: () => {},
      })
    const peers = async (s: SwapService): Promise<Record<Hex, string | null>> =>
      Object.fromEntries((await s.swaps()).map((i) => [i.swapId, i.counterpartyPeer]))
    const expected = { [terms.offerId]: '12D3KooWTaker', [otherId]: null }
    // Listed before its first step, then stepped.
    const reloaded = reload()
    expect(await peers(reloaded)).toEqual(expected)
    await reloaded.start()
    expect(await peers(reloaded)).toEqual(expected)
    // Kept as done by an earlier run: shown as it ended, not stepped, the peer still named.
    await repo.putMeta(SWAPS_DONE_KEY, { [terms.offerId]: first.status })
    const again = reload()
    await again.start()
    expect((await again.swaps()).find((i) => i.swapId === terms.offerId)).toMatchObject({
      action: { kind: 'done' },
      counterpartyPeer: '12D3KooWTaker',
    })
  })
})

/**
 * The swap service of party `p` over `chain`, its page signing every request (counted in `signed`) and
 * its infos sent to `emit`.
 */
function chainService(
  chain: TestChain,
  p: Party,
  emit: (info: SwapInfo) => void,
  signed: { count: number } = { count: 0 },
): SwapService {
  const service = createSwapService({
    repo: p.repo,
    chain: () => chain,
    chainId: TEST_GENESIS.params.chainId,
    confirmations: K,
    maxReorgDepth: TEST_GENESIS.params.maxReorgDepth,
    emitSwap: emit,
    emitSignRequest: (request) => {
      if (request.kind === 'transaction') signed.count++
      const answer =
        request.kind === 'secret'
          ? p.signer
              .secret(request.terms)
              .then((secret) => (secret === null ? { refused: 'none' } : { secret }))
          : p.signer.signTransaction(request.tx, request.priced).then((raw) => ({ raw }))
      void answer.then((a) => service.answer(request.id, a))
    },
  })
  service.setSigners([p.signer.address])
  return service
}

/**
 * A maker and a taker, each its node's swap service over one shared `TestChain` (its genesis refuses
 * reorgs deeper than 2k), each page signing every request; the swap started on both.
 */
async function reorgFixture() {
  const chain = new TestChain()
  const maker = await party(chain, 1)
  const taker = await party(chain, 2)
  const A = await createTestToken(chain, maker.signer, 'APPLE')
  const B = await createTestToken(chain, taker.signer, 'BANANA')
  const terms = termsFor(chain, maker, taker, A, B)
  const infos = new Map<Party, SwapInfo[]>([
    [maker, []],
    [taker, []],
  ])
  const serviceOf = (p: Party): SwapService => chainService(chain, p, (info) => infos.get(p)?.push(info))
  const services = [serviceOf(maker), serviceOf(taker)]
  /** Every node steps on the head as it is now, reached by a reorg `reorgDepth` blocks deep. */
  const step = async (reorgDepth = 0): Promise<void> => {
    for (const s of services) s.onHead(reorgDepth)
    await Promise.all(services.map((s) => s.idle()))
  }
  const block = async (): Promise<void> => {
    chain.mine()
    await step()
  }
  const last = (p: Party) => infos.get(p)?.at(-1)
  const completed = () => [maker, taker].every((p) => last(p)?.status.state === 'Completed')
  const done = () => [maker, taker].every((p) => last(p)?.action.kind === 'done')
  /** The blocks of the HTLC's Redeemed logs, in chain order. */
  const redeemedAt = async () =>
    (await chain.queries.logs({ address: HTLC_ADDRESS, fromBlock: 0n, toBlock: chain.height }))
      .filter((l) => l.topics[0] === REDEEMED_TOPIC)
      .map((l) => l.blockNumber)
  await (services[0] as SwapService).startSwap(terms, maker.signer.address)
  await (services[1] as SwapService).startSwap(terms, taker.signer.address)
  return { chain, maker, taker, A, B, terms, step, block, last, completed, done, redeemedAt }
}

describe('swap service after a reorg', () => {
  test('a completed swap whose last redeem a reorg takes out before k confirmations, and no pool brought back, is still stepped: the redeem goes out again and lands', async () => {
    const { chain, maker, taker, A, B, terms, step, block, last, completed, redeemedAt } =
      await reorgFixture()
    for (let i = 0; i < 60 && !completed(); i++) await block()
    expect(completed()).toBe(true)

    // The last redeem's block and those after it are replaced by a heavier branch, and the orphans are
    // in no pool (a light node has none; a full pool may drop them).
    // Logs come in chain order: the last redeem's block is the last.
    const at = (await redeemedAt()).at(-1)
    if (at === undefined) throw new Error('no redeem mined')
    expect(chain.height - at + 1n).toBeLessThan(BigInt(K))
    chain.reorg(Number(chain.height - at + 1n))
    for (const tx of await chain.pendingTransactions()) chain.mempool.remove(tx.hash)
    expect((await redeemedAt()).length).toBeLessThan(2)

    // On the next head the node says so, sends the redeem again, and the swap completes for good.
    await step()
    expect(completed()).toBe(false)
    for (let i = 0; i < 20 && last(maker)?.action.kind !== 'done'; i++) await block()
    expect([last(maker)?.action.kind, last(taker)?.action.kind]).toEqual(['done', 'done'])
    expect(completed()).toBe(true)
    expect(await redeemedAt()).toHaveLength(2)
    expect(await chain.balance(B, maker.signer.address)).toBe(terms.amountB)
    expect(await chain.balance(A, taker.signer.address)).toBe(terms.amountA)
  }, 60_000)

  test('a completed swap is watched past k until the chain refuses any reorg that takes its redeems out: one deeper than k, within the limit, is noticed and the redeems go out again; then done', async () => {
    const { chain, maker, taker, A, B, terms, step, block, last, completed, done, redeemedAt } =
      await reorgFixture()
    for (let i = 0; i < 60 && !completed(); i++) await block()
    expect(completed()).toBe(true)
    // Both redeems past k deep: trusted, but a reorg the chain takes may still undo them.
    const first = (await redeemedAt())[0]
    if (first === undefined) throw new Error('no redeem mined')
    const settled = (await redeemedAt()).at(-1) as bigint
    while (chain.height - settled + 1n <= BigInt(K)) await block()
    const depth = Number(chain.height - first + 1n)
    expect(depth).toBeGreaterThan(K)
    expect(depth).toBeLessThanOrEqual(TEST_GENESIS.params.maxReorgDepth)
    chain.reorg(depth)
    for (const tx of await chain.pendingTransactions()) chain.mempool.remove(tx.hash)
    expect(await redeemedAt()).toEqual([])

    // Noticed on the next head: both redeems go out again and land.
    await step()
    expect(completed()).toBe(false)
    for (let i = 0; i < 40 && !done(); i++) await block()
    expect(done()).toBe(true)
    expect(completed()).toBe(true)
    const again = await redeemedAt()
    expect(again).toHaveLength(2)
    // Done only once every redeem is deeper than the chain's deepest reorg: none can take it out now.
    expect(chain.height - (again.at(-1) as bigint) + 1n).toBe(BigInt(FINAL))
    expect([last(maker)?.status.state, last(taker)?.status.state]).toEqual(['Completed', 'Completed'])
    expect(() => chain.reorg(FINAL)).toThrow(/^a reorganisation \d+ blocks deep is past the limit of \d+$/)
    expect(await chain.balance(B, maker.signer.address)).toBe(terms.amountB)
    expect(await chain.balance(A, taker.signer.address)).toBe(terms.amountA)
  }, 60_000)

  test('a swap done past the reorg limit, whose redeems a deeper reorg the user allowed takes out, is stepped again: past the timelocks on the new branch, each side takes its lock back', async () => {
    const { chain, maker, taker, A, B, step, block, last, done, redeemedAt } = await reorgFixture()
    for (let i = 0; i < 60 && !done(); i++) await block()
    expect(done()).toBe(true)
    expect([last(maker)?.status.state, last(taker)?.status.state]).toEqual(['Completed', 'Completed'])
    const first = (await redeemedAt())[0]
    if (first === undefined) throw new Error('no redeem mined')
    // Deeper than the chain takes on its own: the user follows a split that forks off below the redeems,
    // and no pool brought them back.
    const depth = Number(chain.height - first + 1n)
    expect(depth).toBeGreaterThan(TEST_GENESIS.params.maxReorgDepth)
    expect(() => chain.reorg(depth)).toThrow(/^a reorganisation \d+ blocks deep is past the limit of \d+$/)
    const ancestor = chain.chain.getBlockByNumber(first - 1n)?.hash
    if (ancestor === undefined) throw new Error('no ancestor')
    chain.chain.allowDeepReorg(ancestor)
    chain.reorg(depth)
    for (const tx of await chain.pendingTransactions()) chain.mempool.remove(tx.hash)
    expect(await redeemedAt()).toEqual([])

    // The head that reorg brings re-opens the swap on both sides: the screens leave Completed, the taker
    // refunds at once (its timelock passed on the new branch), the maker once its own passes.
    await step(depth)
    expect([last(maker)?.status.state, last(taker)?.status.state]).toEqual(['TakerLocked', 'TakerLocked'])
    expect(last(taker)?.action.kind).toBe('refund')
    for (let i = 0; i < 60 && !done(); i++) await block()
    expect(done()).toBe(true)
    expect([last(maker)?.status.state, last(taker)?.status.state]).toEqual(['Refunded', 'Refunded'])
    expect(await chain.balance(A, maker.signer.address)).toBe(SUPPLY)
    expect(await chain.balance(B, taker.signer.address)).toBe(SUPPLY)
  }, 60_000)
  test('a swap done below the oldest header a light node holds keeps its finished status through a deep reorg the user allowed: the reorg forks above it, the step that cannot read its logs shows no error, and later heads leave it', async () => {
    const { chain, maker, taker, step, block, last, done, redeemedAt } = await reorgFixture()
    for (let i = 0; i < 60 && !done(); i++) await block()
    expect(done()).toBe(true)
    const settled = (await redeemedAt()).at(-1)
    if (settled === undefined) throw new Error('no redeem mined')
    // Two reorg limits past the settlement, a light node's headers no longer reach the take: its logs
    // there are missing (as `LightClient.logs` throws), and it follows no split forking below them.
    const span = BigInt(2 * TEST_GENESIS.params.maxReorgDepth)
    while (chain.height <= settled + span + 2n) await block()
    const base = chain.height - span
    expect(base).toBeGreaterThan(settled)
    const read = chain.logs
    let reads = 0
    let unproved: LightError | null = null
    chain.logs = async (q) => {
      reads++
      if (unproved !== null) throw unproved
      const from = q.fromBlock ?? chain.height
      if (from < base) throw new NodeError({ code: 'NODE_HISTORY_MISSING', number: from, base })
      return read(q)
    }
    const before = [last(maker), last(taker)]
    // The user follows a split forking off at the oldest header held, deeper than the reorg limit.
    const depth = Number(chain.height - base)
    expect(depth).toBeGreaterThan(TEST_GENESIS.params.maxReorgDepth)
    const ancestor = chain.chain.getBlockByNumber(base)?.hash
    if (ancestor === undefined) throw new Error('no ancestor')
    chain.chain.allowDeepReorg(ancestor)
    chain.reorg(depth)

    // Each side tries the swap again, cannot read it, and shows it as it ended.
    await step(depth)
    expect(reads).toBeGreaterThan(0)
    expect([last(maker), last(taker)]).toEqual(before)
    expect([last(maker)?.error, last(taker)?.error]).toEqual([null, null])
    expect([last(maker)?.status.state, last(taker)?.status.state]).toEqual(['Completed', 'Completed'])
    // Done again: the next heads do not step it.
    const tried = reads
    for (let i = 0; i < 3; i++) await block()
    expect(reads).toBe(tried)
    expect([last(maker), last(taker)]).toEqual(before)

    // Another failure of such a step is shown as any: here no peer proves the logs the swap reads.
    unproved = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'the logs',
      attempts: 1,
      failures: ['timeout'],
    })
    await step(depth)
    expect(last(taker)).toMatchObject({
      status: { state: 'Completed' },
      action: { kind: 'wait', reason: 'step failed' },
      error: unproved.message,
    })
  }, 60_000)
})

/** Counts, by method, the reads `chain` serves from now on (`sendRawTransaction` is not one). */
function countReads(chain: TestChain): Map<string, number> {
  const reads = new Map<string, number>()
  const methods = ['head', 'header', 'logs', 'transaction', 'receipt', 'account', 'pendingNonce', 'fees']
  const target = chain as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const m of [...methods, 'pendingCalls', 'tokenAllowance']) {
    const read = target[m]?.bind(chain)
    if (read === undefined) continue
    target[m] = (...args) => {
      reads.set(m, (reads.get(m) ?? 0) + 1)
      return read(...args)
    }
  }
  return reads
}

describe('settled swaps', () => {
  test("three completed swaps waiting for their redeems to pass the reorg limit read at a head only its number and the hashes of their locks' blocks, and are done at the same depth", async () => {
    const chain = new TestChain()
    const maker = await party(chain, 1)
    const taker = await party(chain, 2)
    const A = await createTestToken(chain, maker.signer, 'APPLE')
    const B = await createTestToken(chain, taker.signer, 'BANANA')
    const latest = new Map<string, SwapInfo>()
    const services = [maker, taker].map((p) =>
      chainService(chain, p, (info) => latest.set(`${info.role} ${info.swapId}`, info)),
    )
    const block = async (): Promise<void> => {
      chain.mine()
      for (const s of services) s.onHead()
      await Promise.all(services.map((s) => s.idle()))
    }
    for (const offer of ['settled 1', 'settled 2', 'settled 3']) {
      const terms = termsFor(chain, maker, taker, A, B, offer)
      await (services[0] as SwapService).startSwap(terms, maker.signer.address)
      await (services[1] as SwapService).startSwap(terms, taker.signer.address)
    }
    const waiting = () =>
      latest.size === 6 &&
      [...latest.values()].every((i) => i.action.kind === 'wait' && i.action.reason === SETTLED_WAIT)
    for (let i = 0; i < 60 && !waiting(); i++) await block()
    expect(waiting()).toBe(true)
    const redeems = await chain.queries.logs({
      address: HTLC_ADDRESS,
      topics: [REDEEMED_TOPIC],
      fromBlock: 0n,
      toBlock: chain.height,
    })
    expect(redeems).toHaveLength(6)
    const settled = redeems.at(-1)?.blockNumber as bigint

    const reads = countReads(chain)
    await block()
    expect([...reads.keys()].sort()).toEqual(['head', 'header'])
    expect(reads.get('head')).toBe(6)
    // Each swap's locks and redeems lie in at most four blocks.
    expect(reads.get('header')).toBeLessThanOrEqual(6 * 4)
    // A reorg above the redeems changes none of their blocks: still no read.
    chain.reorg(1)
    for (const s of services) s.onHead()
    await Promise.all(services.map((s) => s.idle()))
    expect([...reads.keys()].sort()).toEqual(['head', 'header'])
    const deep = () => chain.height - settled + 1n >= BigInt(TEST_GENESIS.params.maxReorgDepth)
    for (let i = 0; i < FINAL && !deep(); i++) await block()
    // Still waiting with the last redeem as deep as the deepest reorg; done one block later, as before,
    // its last step looking once for a redeem of ours left in the pool (the node's own, no proof).
    expect(waiting()).toBe(true)
    expect([...reads.keys()].sort()).toEqual(['head', 'header'])
    await block()
    expect([...reads.keys()].sort()).toEqual(['head', 'header', 'pendingCalls'])
    expect(chain.height - settled + 1n).toBe(BigInt(FINAL))
    expect([...latest.values()].map((i) => [i.action.kind, i.status.state])).toEqual(
      Array.from({ length: 6 }, () => ['done', 'Completed']),
    )
  }, 60_000)
})

/**
 * A maker whose storage refuses every swap record once `disk.full` is set (a full quota), and a taker,
 * each its node's swap service over one shared `TestChain` (`chain`), their pages signing every request (the
 * maker's counted in `signed`). The swap is started on the maker, and on the taker when `takerLocks`.
 * `block` mines a block and steps every service in `services` (a test replaces the maker's to reload it).
 */
async function fullDiskFixture(takerLocks: boolean, chain = new TestChain()) {
  const disk = { full: false }
  const made = await party(chain, 1)
  const maker: Party = {
    ...made,
    repo: {
      appendSwapEvent: (row, o) =>
        disk.full
          ? Promise.reject(new StorageError({ code: 'STORAGE_QUOTA_EXCEEDED' }))
          : made.repo.appendSwapEvent(row, o),
      getSwapEvents: (id) => made.repo.getSwapEvents(id),
      swapIds: () => made.repo.swapIds(),
    },
  }
  const taker = await party(chain, 2)
  const A = await createTestToken(chain, maker.signer, 'APPLE')
  const B = await createTestToken(chain, taker.signer, 'BANANA')
  const terms = termsFor(chain, maker, taker, A, B)
  const makerInfos: SwapInfo[] = []
  const takerInfos: SwapInfo[] = []
  const signed = { count: 0 }
  const services = [
    chainService(chain, maker, (info) => makerInfos.push(info), signed),
    chainService(chain, taker, (info) => takerInfos.push(info)),
  ]
  const step = async (): Promise<void> => {
    for (const s of services) s.onHead()
    await Promise.all(services.map((s) => s.idle()))
  }
  const block = async (): Promise<void> => {
    chain.mine()
    await step()
  }
  await (services[0] as SwapService).startSwap(terms, maker.signer.address)
  if (takerLocks) await (services[1] as SwapService).startSwap(terms, taker.signer.address)
  /** The one transaction of the maker's in the pool: its HTLC call. */
  const pooled = async () => {
    const mine = (await chain.pendingTransactions()).filter((t) => t.from === maker.signer.address)
    expect(mine).toHaveLength(1)
    return decodeFunctionData({ abi: htlcAbi, data: (mine[0] as TxView).input })
  }
  return {
    chain,
    disk,
    maker,
    taker,
    A,
    B,
    terms,
    makerInfos,
    takerInfos,
    signed,
    services,
    step,
    block,
    pooled,
  }
}

describe('swap service on a full disk', () => {
  test('a maker whose storage fills before its redeem is recorded sends it all the same: its info names the redeem and the storage error, a pass later and after a reload too (the pool is the witness); the swap completes', async () => {
    const { chain, disk, maker, taker, A, B, terms, makerInfos, signed, services, step, block, pooled } =
      await fullDiskFixture(true)
    // Full once the taker's lock is seen: the maker's next record is its redeem's.
    for (let i = 0; i < 40 && makerInfos.every((info) => info.error === null); i++) {
      await block()
      if (makerInfos.at(-1)?.status.state === 'TakerLocked') disk.full = true
    }
    const failed = makerInfos.at(-1)
    expect(failed?.error).toContain("the device's storage for the app is full")
    expect(failed?.unverified).toBe(false)
    expect(failed?.status.state).toBe('TakerLocked')
    const call = await pooled()
    expect(call.functionName).toBe('redeem')
    const lockId = (call.args[0] as Hex).toLowerCase()
    // Its secret is out: the page must not say that no redeem is out and the node will not redeem.
    expect(failed?.redeemsSent).toEqual([lockId])
    expect(await new SwapStore(maker.repo).events(terms.offerId)).not.toContainEqual(
      expect.objectContaining({ kind: 'sent', purpose: 'redeem' }),
    )

    // A pass before the next block finds the redeem in the pool: nothing signed again, still named.
    const signatures = signed.count
    await step()
    expect(signed.count).toBe(signatures)
    expect(makerInfos.at(-1)).toMatchObject({ error: null, redeemsSent: [lockId] })
    expect((await pooled()).functionName).toBe('redeem')

    // The tab reloads, its storage still full: the pool is the only witness of that redeem.
    const reloaded: SwapInfo[] = []
    services[0] = chainService(chain, maker, (info) => reloaded.push(info), signed)
    await services[0].start()
    expect(reloaded.at(-1)?.redeemsSent).toEqual([lockId])
    expect(signed.count).toBe(signatures)

    // Mined: the swap completes on both sides, nothing lost.
    for (let i = 0; i < 20 && reloaded.at(-1)?.status.state !== 'Completed'; i++) await block()
    expect(reloaded.at(-1)?.status.state).toBe('Completed')
    expect(signed.count).toBe(signatures)
    expect(await chain.balance(B, maker.signer.address)).toBe(terms.amountB)
    for (let i = 0; i < 20 && (await chain.balance(A, taker.signer.address)) !== terms.amountA; i++)
      await block()
    expect(await chain.balance(A, taker.signer.address)).toBe(terms.amountA)
  }, 60_000)

  test('a maker whose storage fills while its lock waits sends its refund unrecorded at the timelock, signs it once, and gets its lock back', async () => {
    const { chain, disk, maker, A, terms, makerInfos, signed, step, block, pooled } =
      await fullDiskFixture(false)
    for (let i = 0; i < 80 && makerInfos.every((info) => info.error === null); i++) {
      await block()
      if (makerInfos.at(-1)?.status.state === 'MakerLocked') disk.full = true
    }
    expect(makerInfos.at(-1)?.error).toContain("the device's storage for the app is full")
    expect((await pooled()).functionName).toBe('refund')
    const signatures = signed.count
    await step()
    expect(signed.count).toBe(signatures)
    expect(makerInfos.at(-1)).toMatchObject({ error: null, action: { kind: 'refund' } })
    for (let i = 0; i < 20 && makerInfos.at(-1)?.status.state !== 'Refunded'; i++) await block()
    expect(makerInfos.at(-1)?.status.state).toBe('Refunded')
    expect(signed.count).toBe(signatures)
    expect(await chain.balance(A, maker.signer.address)).toBe(SUPPLY)
    expect(await new SwapStore(maker.repo).events(terms.offerId)).not.toContainEqual(
      expect.objectContaining({ kind: 'sent', purpose: 'refund' }),
    )
  }, 60_000)

  test("a maker whose unrecorded redeem waits past the margin and is then dropped by a full pool signs it anew before the taker's timelock, as a stored one is seen through: the taker, waiting to refund and use the secret, cannot keep both sides", async () => {
    const POOL_SLOTS = 4
    const { chain, disk, maker, taker, A, B, terms, makerInfos, signed, services, step, block, pooled } =
      await fullDiskFixture(true, new TestChain(TEST_GENESIS, POOL_SLOTS))
    // The taker's tab closes once its lock is seen (it means to refund at its timelock, then redeem the
    // maker's lock with the secret), and the maker's storage fills: its redeem goes out unrecorded.
    const takerService = services[1] as SwapService
    for (let i = 0; i < 40 && makerInfos.every((info) => info.error === null); i++) {
      await block()
      if (makerInfos.at(-1)?.status.state === 'TakerLocked' && !disk.full) {
        disk.full = true
        services.pop()
      }
    }
    expect(makerInfos.at(-1)?.error).toContain("the device's storage for the app is full")
    const call = await pooled()
    expect(call.functionName).toBe('redeem')
    const lockId = (call.args[0] as Hex).toLowerCase()
    const [redeem] = (await chain.pendingTransactions()).map((t) => t.hash)
    const logs = await chain.logs({ address: HTLC_ADDRESS, fromBlock: 0n, toBlock: chain.height })
    const timelock = swapLocks(terms, observeLocks(logs, terms.hashlock)).takerLock?.timelockHeight ?? 0n

    // Blocks that leave it out until past the margin a first redeem keeps: it waits in the pool.
    const signatures = signed.count
    while (chain.height + 1n + REDEEM_MARGIN_BLOCKS < timelock) {
      chain.mine(chain.mempool.pending().filter((t) => t.from !== maker.signer.address))
      await step()
    }
    expect(signed.count).toBe(signatures)
    expect(makerInfos.at(-1)).toMatchObject({ redeemsSent: [lockId], action: { kind: 'wait' } })

    // A flood tipping more fills the pool and evicts it: its secret is out, and nothing holds it now.
    await flood(chain, testSigner(3), POOL_SLOTS, 12n * 10n ** 8n)
    expect(chain.mempool.has(redeem as Hex)).toBe(false)

    // The next head finds the maker's wallet locked: it waits for it, and still names the redeem.
    const makerService = services[0] as SwapService
    makerService.setSigners([])
    await block()
    expect(signed.count).toBe(signatures)
    expect(makerInfos.at(-1)).toMatchObject({
      redeemsSent: [lockId],
      action: { kind: 'wait', reason: WAITS_FOR_SECRET },
    })
    // Unlocked at the next: the maker signs it anew (its record refused again), and it lands in time.
    makerService.setSigners([maker.signer.address])
    await block()
    expect(signed.count).toBe(signatures + 1)
    expect((await pooled()).functionName).toBe('redeem')
    await block()
    expect(chain.height).toBeLessThan(timelock)
    expect(await chain.balance(B, maker.signer.address)).toBe(terms.amountB)
    // The taker comes back and redeems the maker's lock: Completed on both sides.
    services.push(takerService)
    for (let i = 0; i < 20 && makerInfos.at(-1)?.status.state !== 'Completed'; i++) await block()
    expect(makerInfos.at(-1)?.status.state).toBe('Completed')
    for (let i = 0; i < 20 && (await chain.balance(A, taker.signer.address)) !== terms.amountA; i++)
      await block()
    expect(await chain.balance(A, taker.signer.address)).toBe(terms.amountA)
  }, 60_000)
})

/**
 * A maker and a taker, each its node's swap service over one shared `TestChain`, the maker gone once the
 * taker's lock is mined (before it redeems); the taker's node asleep past its timelock, its refund landing
 * three blocks before the maker's timelock: it waits for that refund's depth (`SETTLED_WAIT`) while the
 * maker's lock is still locked. `block` mines a block and steps the services given.
 */
async function oneSideSettled() {
  const chain = new TestChain()
  const maker = await party(chain, 1)
  const taker = await party(chain, 2)
  const A = await createTestToken(chain, maker.signer, 'APPLE')
  const B = await createTestToken(chain, taker.signer, 'BANANA')
  const terms = termsFor(chain, maker, taker, A, B, 'one side settled')
  const last = new Map<'maker' | 'taker', SwapInfo>()
  const makerService = chainService(chain, maker, (info) => last.set('maker', info))
  const takerService = chainService(chain, taker, (info) => last.set('taker', info))
  await makerService.startSwap(terms, maker.signer.address)
  await takerService.startSwap(terms, taker.signer.address)
  const block = async (services: readonly SwapService[]): Promise<void> => {
    chain.mine()
    for (const s of services) s.onHead()
    await Promise.all(services.map((s) => s.idle()))
  }
  for (let i = 0; i < 30 && last.get('taker')?.status.state !== 'TakerLocked'; i++)
    await block([makerService, takerService])
  expect(last.get('taker')?.status.state).toBe('TakerLocked')
  const lockLogs = await chain.queries.logs({ ...lockFilter(terms), fromBlock: 0n, toBlock: chain.height })
  const { makerLock } = swapLocks(terms, observeLocks(lockLogs, terms.hashlock))
  if (makerLock === null) throw new Error('no maker lock')
  while (chain.height < makerLock.timelockHeight - 5n) await block([])
  const waiting = () => {
    const action = last.get('taker')?.action
    return action?.kind === 'wait' && action.reason === SETTLED_WAIT
  }
  for (let i = 0; i < 3 && !waiting(); i++) await block([takerService])
  expect(waiting()).toBe(true)
  expect(last.get('taker')?.status.state).toBe('Refunded')
  expect(makerLock.timelockHeight - chain.height).toBe(3n)
  return { chain, makerLock, makerService, takerService, last, block, waiting }
}

describe('a swap finished for one party while the other lock is still locked', () => {
  test("a taker that refunded its lock while the maker's waits for its timelock reads at a head its number, its locks' blocks and the new blocks' settle logs of the maker's lock; the maker's refund is read the block it lands, and the wait counted from it", async () => {
    const { chain, makerLock, makerService, takerService, last, block, waiting } = await oneSideSettled()
    let reads = countReads(chain)
    await block([takerService])
    // No transaction, receipt, nonce or fees (proofs on a light node); its own pool for a redeem of ours.
    expect([...reads.keys()].sort()).toEqual(['head', 'header', 'logs', 'pendingCalls'])
    expect(reads.get('logs')).toBe(1)
    expect(reads.get('header')).toBeLessThanOrEqual(5)
    expect(waiting()).toBe(true)

    // The maker comes back and refunds at its timelock: the taker reads it at that block, and waits for
    // that refund's depth.
    await block([makerService, takerService])
    expect(last.get('maker')?.action.kind).toBe('refund')
    reads = countReads(chain)
    await block([takerService])
    expect(chain.height).toBe(makerLock.timelockHeight)
    expect(reads.get('account')).toBe(1)
    // Both locks settled now: their blocks' hashes alone.
    reads = countReads(chain)
    await block([takerService])
    expect([...reads.keys()].sort()).toEqual(['head', 'header'])
    while (waiting()) await block([takerService])
    expect(last.get('taker')?.action.kind).toBe('done')
    expect(chain.height - makerLock.timelockHeight + 1n).toBe(BigInt(FINAL))
  }, 60_000)

  test("a reorg that takes out the taker's refund is read at its head: the refund waits in the pool again, is mined again, and the wait starts over", async () => {
    const { chain, takerService, last, block, waiting } = await oneSideSettled()
    const refunded = chain.height
    await block([takerService])
    expect(waiting()).toBe(true)
    const reads = countReads(chain)
    chain.reorg(Number(chain.height - refunded + 1n))
    takerService.onHead()
    await takerService.idle()
    expect(reads.get('account')).toBe(1)
    expect(last.get('taker')?.action).toEqual({ kind: 'wait', reason: 'refund transaction pending' })
    await block([takerService])
    expect(waiting()).toBe(true)
  }, 60_000)
})
