import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { REDEEMED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { memoryHub } from '../../../src/node/network/memory'
import type { LogRecord } from '../../../src/node/storage/types'
import { createNode, type Node, type NodeApi, type NodeEvents } from '../../../src/node/worker/node'
import { offerId, randomSalt } from '../../../src/trade/offers/typed-data'
import { settleFilter } from '../../../src/trade/swap/chain-view'
import { marketErrorMessage } from '../../../src/ui/market/errors'
import {
  createNodeMarketSource,
  type NodeEventSource,
  type NodeMarketInit,
  type NodeMarketSource,
} from '../../../src/ui/market/node-source'
import type { MarketOffer, MarketSwap, SignedMarketOffer } from '../../../src/ui/market/source'
import {
  memorySwapApprovals,
  type SwapApprovals,
  storedSwapApprovals,
} from '../../../src/ui/market/swap-approvals'
import { startSwapSigning } from '../../../src/ui/market/swap-signing'
import { watchTakenOffers } from '../../../src/ui/market/taken-notice'
import { type ApprovalRequest, offerEnds } from '../../../src/wallet/describe'
import { createNodeBackend } from '../../../src/wallet/node-backend'
import { createProvider } from '../../../src/wallet/provider'
import { memoryWalletStore } from '../../../src/wallet/store'
import { createWallet, type Wallet } from '../../../src/wallet/wallet'
import { until } from '../../until'
import { memoryStorage, refusingStorage } from '../memory-storage'

// Blocks every ~30 ms on a difficulty-2 genesis.
const GENESIS = testGenesis({ params: { minBlockIntervalMs: 30 } })
const CHAIN_ID = GENESIS.params.chainId
const HARDHAT = 'test test test test test test test test test test test junk'

interface Tab {
  readonly peerId: string
  readonly node: Node
  readonly api: NodeApi
  readonly wallet: Wallet
  readonly address: Address
  readonly market: NodeMarketSource
  readonly provider: ReturnType<typeof createProvider>
  readonly on: NodeEventSource
  /** Every approval dialog the user saw (each approved). */
  readonly dialogs: ApprovalRequest[]
  readonly errors: unknown[]
  /** The trades this page approved (kept across a reload of the page, as localStorage keeps them). */
  readonly approvals: SwapApprovals
  /** The profile's localStorage, which keeps its approvals (`tabchain.swapApprovals.<peer id>`). */
  readonly storage: Storage
  /** The peers this tab's page has a direct link to (its network snapshot), and the call that tells a change. */
  readonly links: { readonly ids: Set<string>; readonly changed: () => void }
  readonly stop: () => void
}

/** A page's direct links as the market source reads them, from `links.ids`; `changed` tells its listeners. */
function pageLinks(others: readonly string[]): {
  readonly tab: Tab['links']
  readonly init: NodeMarketInit['links']
} {
  const ids = new Set(others)
  const listeners = new Set<() => void>()
  return {
    tab: {
      ids,
      changed: () => {
        for (const l of listeners) l()
      },
    },
    init: {
      direct: () => [...ids],
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    },
  }
}

/** A tab: a node on the memory network and a page with the Hardhat wallet at account `index`, unlocked. */
async function openTab(hub: ReturnType<typeof memoryHub>, peerId: string, index: number): Promise<Tab> {
  const link = hub.join(peerId)
  const listeners = new Set<(event: string, data: unknown) => void>()
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: link.api,
    emit: (event, data) => {
      for (const l of listeners) l(event, data)
    },
    now: () => Date.now(),
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  const on: NodeEventSource = (event, listener) => {
    const l = (e: string, data: unknown): void => {
      if (e === event) listener(data as NodeEvents[typeof event])
    }
    listeners.add(l)
    return () => listeners.delete(l)
  }
  const wallet = createWallet({ store: memoryWalletStore() })
  await wallet.load()
  await wallet.create(HARDHAT, 'correct horse battery')
  for (let i = 0; i < index; i++) await wallet.addAccount()
  const address = (wallet.view().accounts[index]?.address ?? '0x') as Address
  await wallet.select(address)
  const dialogs: ApprovalRequest[] = []
  const provider = createProvider({
    backend: createNodeBackend(node.api, GENESIS.params),
    wallet,
    approve: async (request) => {
      dialogs.push(request)
      return true
    },
  })
  const storage = memoryStorage()
  const approvals = storedSwapApprovals(storage, peerId)
  const errors: unknown[] = []
  const links = pageLinks(['A', 'B', 'C'].filter((p) => p !== peerId))
  const market = createNodeMarketSource({
    api: node.api,
    on,
    wallet,
    provider,
    params: GENESIS.params,
    approvals,
    peerId: () => peerId,
    links: links.init,
    onError: (_id, err) => errors.push(err),
  })
  const stopSigning = startSwapSigning({ api: node.api, on, wallet, approvals, chainId: CHAIN_ID })
  return {
    peerId,
    node,
    api: node.api,
    wallet,
    address: address.toLowerCase() as Address,
    market,
    provider,
    on,
    dialogs,
    errors,
    approvals,
    storage,
    links: links.tab,
    stop: () => {
      stopSigning()
      market.stop()
      node.stop()
    },
  }
}

/**
 * `tab`'s node events, with those a test tells (`tell`: a reorganisation, a mode change, a swap stepped)
 * besides.
 */
function toldEvents(tab: Tab): { on: NodeEventSource; tell: (event: string, data: unknown) => void } {
  const told = new Set<(event: string, data: unknown) => void>()
  const on: NodeEventSource = (event, listener) => {
    const l = (e: string, data: unknown): void => {
      if (e === event) listener(data as NodeEvents[typeof event])
    }
    told.add(l)
    const off = tab.on(event, listener)
    return () => {
      told.delete(l)
      off()
    }
  }
  const tell = (event: string, data: unknown): void => {
    for (const l of told) l(event, data)
  }
  return { on, tell }
}

/**
 * The tab's page loaded again over its running node, with the approvals the profile kept (or
 * `approvals`); `api` stands in for the node's (a page cut short).
 */
function reopenPage(
  tab: Tab,
  api: NodeApi = tab.api,
  approvals: SwapApprovals = tab.approvals,
  on: NodeEventSource = tab.on,
): NodeMarketSource {
  return createNodeMarketSource({
    api,
    on,
    wallet: tab.wallet,
    provider: tab.provider,
    params: GENESIS.params,
    approvals,
    peerId: () => tab.peerId,
    links: pageLinks([...tab.links.ids]).init,
    onError: (_id, err) => tab.errors.push(err),
  })
}

/**
 * An offer of `tab`'s account signed through `page`: `sellAmount` of `sellToken` for `buyAmount` of
 * `buyToken`, open ten minutes, with the node's default timelocks.
 */
async function signedOffer(
  page: NodeMarketSource,
  tab: Tab,
  offer: Pick<MarketOffer, 'sellToken' | 'sellAmount' | 'buyToken' | 'buyAmount'>,
): Promise<SignedMarketOffer> {
  const params = await page.params()
  return page.signOffer({
    maker: tab.address,
    makerPeer: tab.peerId,
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
    makerTimelock: params.defaultTimelocks.maker,
    takerTimelock: params.defaultTimelocks.taker,
    salt: randomSalt(),
    ...offer,
  })
}

/** A's page loaded again (the one before stopped), posting an offer of 3 APPLE for 7 BANANA. */
async function makerPostsAgain() {
  A.market.stop()
  const maker = reopenPage(A)
  const posted = await maker.postOffer(
    await signedOffer(maker, A, {
      sellToken: APPLE,
      sellAmount: 3n * UNIT,
      buyToken: BANANA,
      buyAmount: 7n * UNIT,
    }),
  )
  return { maker, posted }
}

/**
 * B's page sends the take of offer `id`, and its tab closes before the maker's answer reaches the page:
 * B's node agreed it as taker, naming the maker's tab, and no page started the swap.
 */
async function takeCutShort(id: Hex): Promise<void> {
  const cut = reopenPage(B, {
    ...B.api,
    takeOffer: (t) => B.api.takeOffer(t).then(() => new Promise(() => {})),
  })
  await until(async () => (await cut.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === id))
  void cut.takeOffer(id)
  await until(async () =>
    (await B.api.unstartedSwaps()).some(
      (a) => a.terms.offerId === id && a.role === 'taker' && a.counterpartyPeer === 'A',
    ),
  )
  cut.stop()
}

/** The tab's saved approvals damaged (a write cut short): every one reads as lost. */
function damageApprovals(tab: Tab): void {
  const key = `tabchain.swapApprovals.${tab.peerId}`
  tab.storage.setItem(key, (tab.storage.getItem(key) ?? '').slice(0, 30))
}

/** The trade `id` approved again through `page`, then blocks mined until `page` shows it Completed. */
async function approveAndComplete(page: NodeMarketSource, id: Hex): Promise<void> {
  await page.approveAgain(id)
  await A.api.setMining(true)
  await until(async () => (await page.swaps()).find((s) => s.id === id)?.state === 'Completed', 60_000)
  await A.api.setMining(false)
}

/** Creates 1,000 whole units of a token (18 decimals) from the tab's account; returns its address. */
async function createToken(tab: Tab, symbol: string): Promise<Address> {
  const nonce = await tab.api.pendingNonce(tab.address)
  const raw = await tab.wallet.signTransaction(tab.address, {
    type: 'eip1559',
    chainId: CHAIN_ID,
    nonce: Number(nonce),
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: [symbol, symbol, 18, 1000n * 10n ** 18n],
    }),
    gas: 400_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
  const hash: Hex = await tab.api.sendRawTransaction(raw)
  await until(async () => (await tab.api.receipt(hash)) !== null)
  return tokenAddress(tab.address, nonce)
}

const hub = memoryHub()
let A: Tab
let B: Tab
let APPLE: Address
let BANANA: Address
const UNIT = 10n ** 18n

beforeAll(async () => {
  A = await openTab(hub, 'A', 1)
  B = await openTab(hub, 'B', 2)
  await A.api.setMining(true)
  APPLE = await createToken(A, 'APPLE')
  BANANA = await createToken(B, 'BANANA')
  await until(async () => (await B.api.tokenBalance(APPLE, A.address)) === 1000n * UNIT)
}, 60_000)

afterAll(() => {
  A.stop()
  B.stop()
})

describe('the Market source over two in-process nodes and two wallets', () => {
  test('A posts, B takes: both swaps Completed, token balances exact, one dialog each', async () => {
    expect(await A.market.account()).toEqual({ address: A.address, peerId: 'A', unlocked: true })
    const params = await A.market.params()
    expect(params.defaultTimelocks).toEqual({ taker: 70, maker: 207 })
    // Its holdings first, then the chain's other tokens (a maker asks for tokens it does not hold).
    expect((await A.market.tokens()).map((t) => t.symbol)).toEqual(['TAB', 'APPLE', 'BANANA'])

    const offer: MarketOffer = {
      maker: A.address,
      makerPeer: 'A',
      sellToken: APPLE,
      sellAmount: 10n * UNIT,
      buyToken: BANANA,
      buyAmount: 25n * UNIT,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
      makerTimelock: params.defaultTimelocks.maker,
      takerTimelock: params.defaultTimelocks.taker,
      salt: randomSalt(),
    }
    const events: string[] = []
    B.market.subscribe((e) => events.push(e.kind))
    // The maker's page is told its offer was taken (the taker's is not: it took it).
    const taken: Hex[] = []
    for (const tab of [A, B])
      tab.market.subscribe((e) => {
        if (e.kind === 'taken') taken.push(e.terms.offerId)
      })
    const signed = await A.market.signOffer(offer)
    // The dialog says what the offer trades, in the tokens' symbols and decimals, before the data signed.
    expect(A.dialogs.map((d) => d.title)).toEqual(['Offer to sell 10 APPLE for 25 BANANA'])
    // What the dialog shows first and, folded under "Message as signed", the data signed.
    const shown = (d: ApprovalRequest | undefined) =>
      Object.fromEntries([...(d?.details ?? []), ...(d?.signed ?? [])].map((r) => [r.label, r.value]))
    const rows = shown(A.dialogs[0])
    expect(rows).toMatchObject({
      'You sell': '10 APPLE',
      'You receive': '25 BANANA',
      'Open until': offerEnds(offer.expiresAt),
      'If it stops half-way': expect.stringMatching(
        new RegExp(
          `^Your 10 APPLE come back to you ~[^(]+ \\(${params.defaultTimelocks.maker} blocks\\) after you lock them; the taker's 25 BANANA, ~[^(]+ \\(${params.defaultTimelocks.taker} blocks\\) after the taker locks them\\.$`,
        ),
      ),
      Domain: 'Tabchain Offers',
    })
    expect(rows.Message).toContain(`"sellAmount": "${10n * UNIT}"`)
    const posted = await A.market.postOffer(signed)
    expect(posted).toMatchObject({ hosted: true, makerLacksBalance: false })

    // The maker's own open offers list it, with no pair asked for.
    expect((await A.market.myOffers()).map((e) => e.id)).toEqual([posted.id])

    const pair = { base: APPLE, quote: BANANA }
    await until(async () => (await B.market.offers(pair)).some((e) => e.id === posted.id))
    const terms = await B.market.takeOffer(posted.id)
    expect(terms).toMatchObject({ maker: A.address, taker: B.address, tokenA: APPLE, tokenB: BANANA })
    // The take names only the offer's id: the dialog says what it trades, from the offer the book holds.
    expect(B.dialogs.map((d) => d.title)).toEqual(['Take the offer: you pay 25 BANANA, you receive 10 APPLE'])
    const takeRows = shown(B.dialogs[0])
    expect(takeRows).toMatchObject({
      'You pay': '25 BANANA',
      'You receive': '10 APPLE',
      'If it stops half-way': expect.stringMatching(
        new RegExp(
          `^Your 25 BANANA come back to you ~[^(]+ \\(${params.defaultTimelocks.taker} blocks\\) after you lock them; the maker's 10 APPLE, ~[^(]+ \\(${params.defaultTimelocks.maker} blocks\\) after the maker locks them\\.$`,
        ),
      ),
      Domain: 'Tabchain Offers',
    })
    expect(takeRows.Message).toContain(`"offerId": "${posted.id}"`)

    // Each page knows the other's tab from the agreement, and whether it is linked now.
    expect((await B.market.swaps())[0]?.counterpartyLinked).toBe(true)
    await until(async () => (await A.market.swaps())[0]?.counterpartyLinked === true)
    // The maker's tab's link closes: the taker's page says so, and tells My trades to read again.
    const before = events.length
    B.links.ids.delete('A')
    B.links.changed()
    expect(events.slice(before)).toEqual(['swaps'])
    expect((await B.market.swaps())[0]?.counterpartyLinked).toBe(false)
    expect((await A.market.swaps())[0]?.counterpartyLinked).toBe(true)
    B.links.ids.add('A')
    B.links.changed()
    expect((await B.market.swaps())[0]?.counterpartyLinked).toBe(true)
    // Each page loaded again over its node (a tab reloaded, no agreement seen by this page): the node's
    // swap record names the other tab, linked or not.
    for (const tab of [A, B]) {
      const reopened = reopenPage(tab)
      expect((await reopened.swaps())[0]?.counterpartyLinked).toBe(true)
      reopened.stop()
    }
    B.links.ids.delete('A')
    const unlinked = reopenPage(B)
    expect((await unlinked.swaps())[0]?.counterpartyLinked).toBe(false)
    unlinked.stop()
    B.links.ids.add('A')

    await until(async () => {
      const [a] = await A.market.swaps()
      const [b] = await B.market.swaps()
      return a?.state === 'Completed' && b?.state === 'Completed'
    }, 120_000)
    await A.api.setMining(false)
    const [a] = await A.market.swaps()
    const [b] = await B.market.swaps()
    expect(a).toMatchObject({ id: posted.id, role: 'maker', error: null })
    expect(b).toMatchObject({ id: posted.id, role: 'taker' })
    expect(b?.steps.map((s) => s.state)).toEqual([
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Completed',
    ])
    expect(a?.makerLock?.state).toBe('redeemed')
    expect(a?.takerLock?.state).toBe('redeemed')
    expect(a?.makerLock?.timelockHeight).toBeGreaterThan(a?.takerLock?.timelockHeight ?? 0n)

    expect(await A.market.balanceOf(APPLE, A.address)).toBe(990n * UNIT)
    expect(await A.market.balanceOf(BANANA, A.address)).toBe(25n * UNIT)
    expect(await B.market.balanceOf(BANANA, B.address)).toBe(975n * UNIT)
    expect(await B.market.balanceOf(APPLE, B.address)).toBe(10n * UNIT)
    // The swap's locks, approvals, redeems: signed without another dialog.
    expect(A.dialogs).toHaveLength(1)
    expect(B.dialogs).toHaveLength(1)
    expect(A.errors).toEqual([])
    // Taken, it is a trade (My trades), no longer an open offer.
    expect(await A.market.myOffers()).toEqual([])
    expect(taken).toEqual([posted.id])
    expect(events).toContain('offers')
    expect(events).toContain('swaps')
    expect(events).toContain('head')
  }, 180_000)

  test('a finished trade its node steps again at each block, saying the same: My trades neither reloads nor reads its logs again, until a reorganisation or a mode change', async () => {
    const [done] = await A.market.swaps()
    expect(done?.state).toBe('Completed')
    // Within `maxReorgDepth` of its settlement, the node steps it at every block.
    const settledAt = done?.steps.at(-1)?.height ?? 0n
    expect((await A.api.head()).number - settledAt).toBeLessThan(BigInt(GENESIS.params.maxReorgDepth - 10))
    const calls: string[] = []
    const counted: NodeApi = {
      ...A.api,
      logs: (filter) => {
        calls.push('logs')
        return A.api.logs(filter)
      },
    }
    // The page's events: the node's, and a reorganisation or a mode change this test tells.
    const { on, tell } = toldEvents(A)
    const page = reopenPage(A, counted, A.approvals, on)
    // My trades: loaded, then again at each `swaps` event.
    let reloads = 0
    const shown: unknown[] = []
    page.subscribe((e) => {
      if (e.kind !== 'swaps') return
      reloads++
      void page.swaps().then((swaps) => shown.push(swaps))
    })
    const first = await page.swaps()
    expect(calls).toEqual(['logs', 'logs'])
    const steppedAt = (await A.api.head()).number
    let stepped = 0
    const offStepped = A.on('swap', (info) => {
      if (info.swapId === done?.id) stepped++
    })
    await A.api.setMining(true)
    await until(async () => stepped >= 5 && (await A.api.head()).number >= steppedAt + 5n, 60_000)
    await A.api.setMining(false)
    offStepped()
    expect(reloads).toBe(0)
    expect(calls).toEqual(['logs', 'logs'])
    // The same rows as a page reading its logs afresh.
    const fresh = reopenPage(A)
    expect(await page.swaps()).toEqual(await fresh.swaps())
    expect(await page.swaps()).toEqual(first)
    fresh.stop()
    expect(calls).toEqual(['logs', 'logs'])
    // A reorganisation may have changed its logs: read again.
    tell('reorg', { oldHead: '0x01', newHead: '0x02', depth: 1, returned: [] })
    expect(reloads).toBe(1)
    await until(() => shown.length === 1)
    expect(calls).toEqual(['logs', 'logs', 'logs', 'logs'])
    // A mode change (a snapshot upgrade replaces the chain with no reorg event) alike, not its progress.
    tell('mode', { kind: 'upgrading', percent: 10 })
    expect(reloads).toBe(2)
    await until(() => shown.length === 2)
    tell('mode', { kind: 'upgrading', percent: 11 })
    expect(reloads).toBe(2)
    tell('mode', { kind: 'full' })
    expect(reloads).toBe(3)
    await until(() => shown.length === 3)
    expect(calls).toHaveLength(8)
    page.stop()
  }, 120_000)

  test("a trade over for us whose other lock is still locked, its node saying the same again: My trades reads that lock's settle logs in the new blocks only, and reloads at the block one comes", async () => {
    const [done] = await A.market.swaps()
    const info = (await A.api.swaps()).find((i) => i.swapId === done?.id)
    const other = done?.takerLock?.id
    if (info === undefined || other === undefined) throw new Error('no finished trade')
    // A made the trade: its own lock redeemed by B, and B's shown still locked until `redeemedAt`, the
    // block its redeem is shown at; the page's head `ahead` blocks past its node's.
    let ahead = 0n
    let redeemedAt: bigint | null = null
    const calls: string[] = []
    const counted: NodeApi = {
      ...A.api,
      head: async () => {
        const h = await A.api.head()
        return { ...h, number: h.number + ahead }
      },
      logs: async (filter) => {
        calls.push('logs')
        const real = (await A.api.head()).number
        const from = filter.fromBlock ?? 0n
        const to = filter.toBlock ?? real
        // The page asks up to its head: the node's holds what it has.
        const logs = from > real ? [] : await A.api.logs({ ...filter, toBlock: real })
        const isRedeem = (l: LogRecord) => l.topics[0] === REDEEMED_TOPIC && l.topics[1] === other
        const redeem = (await A.api.logs({ ...settleFilter([other]), fromBlock: 0n, toBlock: real })).find(
          isRedeem,
        )
        const revealed = redeemedAt !== null && from <= redeemedAt && redeemedAt <= to
        const rest = logs.filter((l) => !isRedeem(l))
        return revealed && redeem !== undefined
          ? [...rest, { ...redeem, blockNumber: redeemedAt as bigint }]
          : rest
      },
    }
    const { on, tell } = toldEvents(A)
    const page = reopenPage(A, counted, A.approvals, on)
    let reloads = 0
    const shown: (readonly MarketSwap[])[] = []
    page.subscribe((e) => {
      if (e.kind !== 'swaps') return
      reloads++
      void page.swaps().then((swaps) => shown.push(swaps))
    })
    // Stopped however it ends: a page left running would start the later tests' swaps too.
    try {
      const first = (await page.swaps()).find((s) => s.id === info.swapId)
      expect([first?.makerLock?.state, first?.takerLock?.state]).toEqual(['redeemed', 'locked'])
      // A new block, the node saying the same: one query of that lock's settle logs, no reload.
      calls.length = 0
      ahead = 1n
      tell('swap', info)
      expect(reloads).toBe(0)
      await until(() => calls.length === 1)
      // Its redeem in the next block: read at once, and My trades reloads.
      ahead = 2n
      redeemedAt = (await A.api.head()).number + 2n
      tell('swap', info)
      await until(() => shown.length === 1)
      expect(reloads).toBe(1)
      expect(calls[1]).toBe('logs')
      const now = shown[0]?.find((s) => s.id === info.swapId)
      expect([now?.makerLock?.state, now?.takerLock?.state]).toEqual(['redeemed', 'redeemed'])
    } finally {
      page.stop()
    }
  }, 60_000)

  test('a trade done (its redeems deeper than a reorganisation reaches): both pages drop its approval', async () => {
    const [done] = await A.market.swaps()
    const id = (done?.id ?? '0x').toLowerCase() as Hex
    expect(A.approvals.ids()).toContain(id)
    expect(B.approvals.ids()).toContain(id)
    await A.api.setMining(true)
    await until(() => !A.approvals.ids().includes(id) && !B.approvals.ids().includes(id), 60_000)
    await A.api.setMining(false)
    expect((await A.api.swaps()).find((s) => s.swapId.toLowerCase() === id)?.action).toEqual({ kind: 'done' })
  }, 90_000)

  test('bad input changes nothing: an unknown offer is refused before any signature', async () => {
    const before = B.dialogs.length
    await expect(B.market.takeOffer(`0x${'11'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'OFFER_UNKNOWN' },
    })
    await expect(A.market.cancelOffer(`0x${'22'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'OFFER_UNKNOWN' },
    })
    expect(B.dialogs.length).toBe(before)
  })

  test.each([
    ['twice the price', { amountB: 8n }],
    ["a longer timelock for the taker's lock", { takerTimelockBlocks: 500n }],
  ] as const)(
    "a maker's answer with other terms than its offer (%s) is refused: no approval kept, no swap started",
    async (_what, other) => {
      const offer: MarketOffer = {
        maker: A.address,
        makerPeer: 'A',
        sellToken: APPLE,
        sellAmount: 3n,
        buyToken: BANANA,
        buyAmount: 4n,
        expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
        makerTimelock: 31,
        takerTimelock: 12,
        salt: randomSalt(),
      }
      const signed = await A.market.signOffer(offer)
      const id = offerId(CHAIN_ID, offer)
      const started: unknown[] = []
      const approvals = memorySwapApprovals()
      // B's node, with a maker that answers the take with other terms.
      const api: NodeApi = {
        ...B.api,
        offers: async () => [
          {
            pair: { base: APPLE, quote: BANANA },
            asks: [{ id, signed, receivedAt: 0, makerLacksBalance: false, hosted: false }],
            bids: [],
          },
        ],
        takeOffer: async ({ take }) => ({
          chainId: CHAIN_ID,
          offerId: take.offerId,
          maker: A.address,
          taker: take.taker,
          tokenA: APPLE,
          amountA: 3n,
          tokenB: BANANA,
          amountB: 4n,
          makerTimelockBlocks: 31n,
          takerTimelockBlocks: 12n,
          hashlock: `0x${'99'.repeat(32)}`,
          acceptedHeight: 1n,
          ...other,
        }),
        startSwap: async (...args) => {
          started.push(args)
          return B.api.startSwap(...args)
        },
      }
      const market = createNodeMarketSource({
        api,
        on: B.on,
        wallet: B.wallet,
        provider: B.provider,
        params: GENESIS.params,
        approvals,
        peerId: () => 'B',
        links: pageLinks([...B.links.ids]).init,
        onError: () => {},
      })
      await expect(market.takeOffer(id)).rejects.toMatchObject({ type: { code: 'TERMS_MISMATCH' } })
      expect(started).toEqual([])
      expect(approvals.get(id)).toBeUndefined()
      market.stop()
    },
  )

  test("a take agreed while the maker's page was gone: the maker's swap starts when its page loads again", async () => {
    const params = await A.market.params()
    const signed = await A.market.signOffer({
      maker: A.address,
      makerPeer: 'A',
      sellToken: APPLE,
      sellAmount: 2n * UNIT,
      buyToken: BANANA,
      buyAmount: 5n * UNIT,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
      makerTimelock: params.defaultTimelocks.maker,
      takerTimelock: params.defaultTimelocks.taker,
      salt: randomSalt(),
    })
    const posted = await A.market.postOffer(signed)
    // The maker's tab closes: no page hears its node agree the take.
    A.market.stop()
    await until(async () =>
      (await B.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === posted.id),
    )
    await B.market.takeOffer(posted.id)
    // Named with the taker's tab.
    expect((await A.api.unstartedSwaps()).map((a) => [a.terms.offerId, a.counterpartyPeer])).toEqual([
      [posted.id, 'B'],
    ])
    expect((await A.api.swaps()).map((i) => i.swapId)).not.toContain(posted.id)

    // The page loads again, with the approvals this profile kept; the maker is told its offer was taken.
    const again = reopenPage(A)
    const told: [Hex, string][] = []
    const stopTelling = watchTakenOffers(again, (offerId, text) => told.push([offerId, text]))
    await until(async () => (await A.api.swaps()).some((i) => i.swapId === posted.id && i.role === 'maker'))
    await until(async () => told.length > 0)
    expect(told).toEqual([
      [posted.id, 'Your offer to sell 2 APPLE for 5 BANANA was taken: the swap is starting.'],
    ])
    stopTelling()
    expect(await A.api.unstartedSwaps()).toEqual([])
    // The swap keeps the taker's tab: My trades can tell whether it is linked.
    expect((await A.api.swaps()).find((i) => i.swapId === posted.id)?.counterpartyPeer).toBe('B')
    expect((await again.swaps()).find((s) => s.id === posted.id)?.counterpartyLinked).toBe(true)
    expect(A.errors).toEqual([])
    again.stop()
  })

  test("a take the maker accepted while the taker's page was closing: the taker's swap starts when its page loads again, and the trade completes (the maker's own page may not take it)", async () => {
    const { maker, posted } = await makerPostsAgain()
    // The maker's own page cannot take it, and its approval of the offer stays as it was.
    const approved = A.approvals.get(posted.id)
    await expect(maker.takeOffer(posted.id)).rejects.toMatchObject({ type: { code: 'TAKE_SELF' } })
    expect(A.approvals.get(posted.id)).toEqual(approved)
    expect(approved?.role).toBe('maker')

    await takeCutShort(posted.id)
    expect((await B.api.swaps()).map((i) => i.swapId)).not.toContain(posted.id)
    expect(B.approvals.get(posted.id)).toMatchObject({ role: 'taker', hashlock: null })

    const again = reopenPage(B)
    await A.api.setMining(true)
    await until(async () => {
      const mine = (await again.swaps()).find((s) => s.id === posted.id)
      return mine?.state === 'Completed'
    }, 120_000)
    await A.api.setMining(false)
    expect(await B.api.unstartedSwaps()).toEqual([])
    const [taker] = (await again.swaps()).filter((s) => s.id === posted.id)
    // The swap keeps the maker's tab: My trades can tell whether it is linked.
    expect(taker).toMatchObject({ role: 'taker', error: null, counterpartyLinked: true })
    expect((await B.api.swaps()).find((i) => i.swapId === posted.id)?.counterpartyPeer).toBe('A')
    expect(taker?.steps.map((s) => s.state)).toEqual([
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Completed',
    ])
    // Each side redeemed the other's lock (the 3 APPLE and the 7 BANANA of the terms).
    expect(taker?.terms).toMatchObject({ amountA: 3n * UNIT, amountB: 7n * UNIT, taker: B.address })
    expect(taker?.makerLock?.state).toBe('redeemed')
    expect(taker?.takerLock?.state).toBe('redeemed')
    expect(B.approvals.get(posted.id)?.hashlock).toBe(taker?.terms.hashlock)
    expect(B.errors).toEqual([])
    again.stop()
    maker.stop()
  }, 180_000)

  test('a token whose symbol hides characters is listed with them written out: a right-to-left override cannot reverse the amounts beside it', async () => {
    await A.api.setMining(true)
    const evil = await createToken(B, 'EVIL\u202E')
    await until(async () => (await A.api.token(evil)) !== null)
    await A.api.setMining(false)
    const listed = (await A.market.tokens()).find((t) => t.address === evil.toLowerCase())
    expect(listed?.symbol).toBe('EVIL\\u{202E}')
  }, 60_000)

  test("the wallet's open offers: every pair and every account, while locked too, not another wallet's; a withdrawn one leaves", async () => {
    const params = await A.market.params()
    const expiresAt = BigInt(Math.floor(Date.now() / 1000) + 600)
    const post = async (tab: Tab, fields: Pick<MarketOffer, 'maker' | 'sellToken' | 'buyToken'>) =>
      tab.market.postOffer(
        await tab.market.signOffer({
          makerPeer: tab.peerId,
          sellAmount: UNIT,
          buyAmount: 2n * UNIT,
          expiresAt,
          makerTimelock: params.defaultTimelocks.maker,
          takerTimelock: params.defaultTimelocks.taker,
          salt: randomSalt(),
          ...fields,
        }),
      )
    // A's selected account sells APPLE for BANANA; its first account, the coin for APPLE.
    const first = (A.wallet.view().accounts[0]?.address ?? '0x').toLowerCase() as Address
    expect(first).not.toBe(A.address)
    const apple = await post(A, { maker: A.address, sellToken: APPLE, buyToken: BANANA })
    // The wallet signs with its selected account only.
    const selecting = async (account: Address, f: () => Promise<void>) => {
      await A.wallet.select(getAddress(account))
      await f().finally(() => A.wallet.select(getAddress(A.address)))
    }
    let coin = apple
    await selecting(first, async () => {
      coin = await post(A, { maker: first, sellToken: ZERO_ADDRESS, buyToken: APPLE })
    })
    expect(coin.id).not.toBe(apple.id)
    // B's account 2 is not in A's wallet: its offer reaches A's book, not A's own offers.
    const theirs = await post(B, { maker: B.address, sellToken: BANANA, buyToken: APPLE })
    await until(async () =>
      (await A.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === theirs.id),
    )
    const ids = async () => new Set((await A.market.myOffers()).map((e) => e.id))
    expect(await ids()).toEqual(new Set([apple.id, coin.id]))
    // A locked wallet still knows its accounts' addresses: its offers stay listed.
    A.wallet.lock()
    expect(await ids()).toEqual(new Set([apple.id, coin.id]))
    await A.wallet.unlock('correct horse battery')

    await A.market.cancelOffer(apple.id)
    expect(await ids()).toEqual(new Set([coin.id]))
    await selecting(first, () => A.market.cancelOffer(coin.id))
    await B.market.cancelOffer(theirs.id)
    expect(await A.market.myOffers()).toEqual([])
  }, 60_000)

  test('approvals no trade can use are dropped: as the page opens, one of an offer gone while it was closed; as an offer of this tab expires, its own; those of open offers kept', async () => {
    const params = await A.market.params()
    const gone: Hex = `0x${'3e'.repeat(32)}`
    A.approvals.put({
      swapId: gone,
      role: 'maker',
      account: A.address,
      give: { token: APPLE, amount: UNIT },
      get: { token: BANANA, amount: UNIT },
      hashlock: null,
      counterparty: null,
      lockBlocks: BigInt(params.defaultTimelocks.maker),
    })
    const post = async (page: NodeMarketSource, expiresAt: bigint) =>
      page.postOffer(
        await page.signOffer({
          maker: A.address,
          makerPeer: 'A',
          sellToken: APPLE,
          sellAmount: UNIT,
          buyToken: BANANA,
          buyAmount: UNIT,
          expiresAt,
          makerTimelock: params.defaultTimelocks.maker,
          takerTimelock: params.defaultTimelocks.taker,
          salt: randomSalt(),
        }),
      )
    const open = await post(A.market, BigInt(Math.floor(Date.now() / 1000) + 600))
    const page = reopenPage(A)
    await until(() => !A.approvals.ids().includes(gone))
    expect(A.approvals.ids()).toContain(open.id.toLowerCase())

    const soon = BigInt(Math.floor(Date.now() / 1000) + 2)
    const short = await post(page, soon)
    expect(A.approvals.ids()).toContain(short.id.toLowerCase())
    await until(() => BigInt(Math.floor(Date.now() / 1000)) > soon, 5_000)
    // A book read drops the expired offer, and the node tells the page.
    await A.api.offers()
    await until(() => !A.approvals.ids().includes(short.id.toLowerCase() as Hex))
    expect(A.approvals.ids()).toContain(open.id.toLowerCase())
    await page.cancelOffer(open.id)
    page.stop()
  }, 30_000)

  test('an approval the browser refuses to save (storage full, turned off): the offer is not posted, the take not sent, and the user is told in plain words', async () => {
    const full = storedSwapApprovals(refusingStorage(A.storage), 'A')
    const page = reopenPage(A, A.api, full)
    const signed = await signedOffer(page, A, {
      sellToken: APPLE,
      sellAmount: UNIT,
      buyToken: BANANA,
      buyAmount: UNIT,
    })
    const refused = await page.postOffer(signed).catch((e: unknown) => e)
    expect(refused).toMatchObject({
      type: { code: 'LOCAL_RECORD_NOT_SAVED', key: 'tabchain.swapApprovals.A' },
    })
    expect(marketErrorMessage(refused)).toMatch(/^This browser did not save your approval of this trade/)
    expect(await A.market.myOffers()).toEqual([])
    // B's offer, taken by A's page that cannot save: no take goes out, the offer stays open.
    const theirs = await B.market.postOffer(
      await signedOffer(B.market, B, {
        sellToken: BANANA,
        sellAmount: UNIT,
        buyToken: APPLE,
        buyAmount: UNIT,
      }),
    )
    await until(async () =>
      (await page.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === theirs.id),
    )
    await expect(page.takeOffer(theirs.id)).rejects.toMatchObject({
      type: { code: 'LOCAL_RECORD_NOT_SAVED' },
    })
    expect((await B.market.myOffers()).map((e) => e.id)).toEqual([theirs.id])
    expect((await A.api.swaps()).map((i) => i.swapId)).not.toContain(theirs.id)
    await B.market.cancelOffer(theirs.id)
    page.stop()
  }, 60_000)

  test("a running trade whose approval the maker's profile can no longer read (its saved copy damaged): nothing is signed, the swap is kept and asked for again at each block; the approval back, the trade completes", async () => {
    const { maker, posted } = await makerPostsAgain()
    await until(async () =>
      (await B.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === posted.id),
    )
    const [apples, bananas] = [
      await maker.balanceOf(APPLE, A.address),
      await maker.balanceOf(BANANA, A.address),
    ]
    await B.market.takeOffer(posted.id)
    await A.api.setMining(true)
    const mine = async () => (await maker.swaps()).find((s) => s.id === posted.id)
    // The maker's lock is out: then its approvals' saved text is damaged (a write cut short).
    await until(async () => (await mine())?.makerLock !== null, 60_000)
    const key = 'tabchain.swapApprovals.A'
    const saved = A.storage.getItem(key) ?? ''
    A.storage.setItem(key, saved.slice(0, 30))
    expect(A.approvals.get(posted.id)).toBeUndefined()
    // The taker locks; the maker's redeem is asked for, refused, and asked for again block after block.
    await until(async () => (await mine())?.state === 'TakerLocked', 60_000)
    const asked = (await A.api.head()).number
    await until(async () => (await A.api.head()).number >= asked + 3n, 60_000)
    const stuck = await mine()
    expect(stuck).toMatchObject({ state: 'TakerLocked', redeemsSent: [] })
    expect(stuck?.error).toContain('this tab did not approve this swap')
    expect(stuck?.takerLock?.state).toBe('locked')
    expect(await maker.balanceOf(BANANA, A.address)).toBe(bananas)
    expect(await maker.balanceOf(APPLE, A.address)).toBe(apples - 3n * UNIT)
    // The damaged text is never written over: a write keeps it aside first.
    expect(A.storage.getItem(key)).toBe(saved.slice(0, 30))

    // The approval is back (the user restored it): at the next block the node asks again, and it completes.
    A.storage.setItem(key, saved)
    await until(async () => (await mine())?.state === 'Completed', 60_000)
    await A.api.setMining(false)
    expect(await maker.balanceOf(BANANA, A.address)).toBe(bananas + 7n * UNIT)
    expect(A.errors).toEqual([])
    maker.stop()
  }, 120_000)
  test("a running trade whose approval the maker's profile lost: it shows as not approved; approved again on the node's terms, once the wallet is unlocked, it completes, the damaged text kept aside", async () => {
    const { maker, posted } = await makerPostsAgain()
    await until(async () =>
      (await B.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === posted.id),
    )
    const bananas = await maker.balanceOf(BANANA, A.address)
    await B.market.takeOffer(posted.id)
    await A.api.setMining(true)
    const mine = async () => (await maker.swaps()).find((s) => s.id === posted.id)
    await until(async () => (await mine())?.makerLock !== null, 60_000)
    expect(await mine()).toMatchObject({ approved: true })
    const approved = A.approvals.get(posted.id)
    expect(approved).toMatchObject({ role: 'maker', counterparty: B.address })
    const key = 'tabchain.swapApprovals.A'
    const saved = A.storage.getItem(key) ?? ''
    A.storage.setItem(key, saved.slice(0, 30))
    // The taker locks; the maker's redeem is refused: My trades says the trade is not approved.
    await until(async () => (await mine())?.state === 'TakerLocked', 60_000)
    await until(
      async () => (await mine())?.error?.includes('this tab did not approve this swap') === true,
      60_000,
    )
    // The chain waits while the user looks (the maker's redeem has a deadline).
    await A.api.setMining(false)
    expect(await mine()).toMatchObject({ approved: false, redeemsSent: [] })

    // Only a running swap of this node, by an unlocked wallet that holds its account.
    await expect(maker.approveAgain(`0x${'00'.repeat(32)}`)).rejects.toMatchObject({
      type: { code: 'SWAP_UNKNOWN' },
    })
    A.wallet.lock()
    await expect(maker.approveAgain(posted.id)).rejects.toMatchObject({ type: { code: 'NO_ACCOUNT' } })
    expect(A.storage.getItem(key)).toBe(saved.slice(0, 30))
    // Locked, the node asks the wallet nothing: the refusal goes; unlocked, it is asked and refuses again.
    await until(async () => (await mine())?.error === null, 30_000)
    await A.wallet.unlock('correct horse battery')
    await until(
      async () => (await mine())?.error?.includes('this tab did not approve this swap') === true,
      30_000,
    )
    const told = new Promise<void>((resolve) => {
      const stop = maker.subscribe((e) => {
        if (e.kind === 'swaps') {
          stop()
          resolve()
        }
      })
    })
    const headAtApproval = (await A.api.head()).number
    await maker.approveAgain(posted.id)
    await told
    // The approval written again is the one posting and the take wrote; the damaged text kept aside.
    expect(A.approvals.get(posted.id)).toEqual(approved)
    expect(A.storage.getItem(`${key}.damaged`)).toBe(JSON.stringify([saved.slice(0, 30)]))
    expect(await mine()).toMatchObject({ approved: true })
    // The node steps the trade at once, not at the next block: its redeem is out, the refusal gone,
    // with no block mined since.
    await until(async () => ((await mine())?.redeemsSent.length ?? 0) > 0, 30_000)
    expect(await mine()).toMatchObject({ error: null })
    expect((await A.api.head()).number).toBe(headAtApproval)
    await A.api.setMining(true)
    await until(async () => (await mine())?.state === 'Completed', 60_000)
    await A.api.setMining(false)
    expect(await maker.balanceOf(BANANA, A.address)).toBe(bananas + 7n * UNIT)
    expect(A.errors).toEqual([])
    maker.stop()
  }, 120_000)

  test("a take agreed while the maker's page was gone, whose approval its profile then lost: the trade starts as not approved, its steps refused; approved again on the node's terms, it completes", async () => {
    const { maker, posted } = await makerPostsAgain()
    // The maker's tab closes: no page hears its node agree the take.
    maker.stop()
    await until(async () =>
      (await B.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === posted.id),
    )
    const bananas = await A.api.tokenBalance(BANANA, A.address)
    await B.market.takeOffer(posted.id)
    expect((await A.api.unstartedSwaps()).map((a) => [a.terms.offerId, a.role])).toEqual([
      [posted.id, 'maker'],
    ])
    damageApprovals(A)
    expect(A.approvals.get(posted.id)).toBeUndefined()

    // The page loads again: the maker is told its offer was taken, and My trades lists the trade as not
    // approved, the wallet refusing its lock.
    const again = reopenPage(A)
    const told: [Hex, string][] = []
    const stopTelling = watchTakenOffers(again, (offerId, text) => told.push([offerId, text]))
    const mine = async () => (await again.swaps()).find((s) => s.id === posted.id)
    await until(
      async () => (await mine())?.error?.includes('this tab did not approve this swap') === true,
      30_000,
    )
    expect(await mine()).toMatchObject({
      role: 'maker',
      state: 'Accepted',
      approved: false,
      makerLock: null,
      counterpartyLinked: true,
    })
    expect(told).toEqual([
      [posted.id, 'Your offer to sell 3 APPLE for 7 BANANA was taken: the swap is starting.'],
    ])
    stopTelling()
    expect(await A.api.unstartedSwaps()).toEqual([])

    await approveAndComplete(again, posted.id)
    expect(A.approvals.get(posted.id)).toMatchObject({
      role: 'maker',
      account: A.address,
      counterparty: B.address,
    })
    expect(await A.api.tokenBalance(BANANA, A.address)).toBe(bananas + 7n * UNIT)
    expect(A.errors).toEqual([])
    again.stop()
  }, 120_000)

  test("a take the maker accepted while the taker's page was closing, whose approval its profile then lost: the trade starts as not approved; approved again on the node's terms, it completes", async () => {
    const { maker, posted } = await makerPostsAgain()
    await takeCutShort(posted.id)
    damageApprovals(B)
    expect(B.approvals.get(posted.id)).toBeUndefined()
    const apples = await B.api.tokenBalance(APPLE, B.address)

    const again = reopenPage(B)
    const mine = async () => (await again.swaps()).find((s) => s.id === posted.id)
    await until(async () => (await mine()) !== undefined, 30_000)
    expect(await mine()).toMatchObject({ role: 'taker', state: 'Accepted', approved: false })
    expect(await B.api.unstartedSwaps()).toEqual([])

    await approveAndComplete(again, posted.id)
    expect(B.approvals.get(posted.id)).toMatchObject({
      role: 'taker',
      account: B.address,
      counterparty: A.address,
      hashlock: (await mine())?.terms.hashlock,
    })
    expect(await B.api.tokenBalance(APPLE, B.address)).toBe(apples + 3n * UNIT)
    expect(B.errors).toEqual([])
    again.stop()
    maker.stop()
  }, 120_000)

  test("a take of an offer whose approval the maker's open page lost: the trade starts as not approved; approved again, it completes", async () => {
    const { maker, posted } = await makerPostsAgain()
    damageApprovals(A)
    await until(async () =>
      (await B.market.offers({ base: APPLE, quote: BANANA })).some((e) => e.id === posted.id),
    )
    await B.market.takeOffer(posted.id)
    const mine = async () => (await maker.swaps()).find((s) => s.id === posted.id)
    await until(
      async () => (await mine())?.error?.includes('this tab did not approve this swap') === true,
      30_000,
    )
    expect(await mine()).toMatchObject({ role: 'maker', state: 'Accepted', approved: false })
    expect(await A.api.unstartedSwaps()).toEqual([])
    await approveAndComplete(maker, posted.id)
    expect(A.errors).toEqual([])
    maker.stop()
  }, 120_000)
})
