import { type BrowserContext, type CDPSession, expect, type Page, test } from '@playwright/test'
import { FAST_URL, openNode, waitDirect, waitInPage } from './helpers'
import {
  createToken,
  createWallet,
  doneSteps,
  fund,
  mineBlock,
  mineUntilSwap,
  pendingFrom,
  postOffer,
  sameHead,
  takeOffer,
  unlockWallet,
} from './market-steps'
import { realTabsEachTest } from './real-tabs'

/**
 * A tab the browser freezes in the middle of a swap (docs/RELIABILITY.md, "A tab hidden for a long
 * time" and "a closed tab never loses funds"), in a Chromium of the test's own (`realTabs`): two tabs of
 * one window, each a node with a wallet and its token, on the fast test chain (k = 1, nobody mines
 * unless the test says so). A hidden tab is frozen (`Page.setWebLifecycleState`: no task runs, its
 * worker's neither) at a step where its node has something to do, the other tab's chain moves on, and
 * the frozen one is resumed.
 */

/** The form's default timelocks on the fast test chain (k = 1). */
const FAST_TIMELOCKS = { maker: 197, taker: 66 }

interface Trader {
  readonly page: Page
  readonly address: string
  readonly cdp: CDPSession
}

/**
 * A holding 1,000 APL and B 1,000 BAN, each with 10 TAB, in two tabs of `context`, directly linked;
 * both on one head; nobody mining. A tab is brought to the front for each step it is clicked in (a
 * hidden tab draws no frames).
 */
async function twoTraders(context: BrowserContext): Promise<[Trader, Trader]> {
  const a = await context.newPage()
  const idA = await openNode(a, `${FAST_URL}/wallet?mine=0`)
  const addressA = await createWallet(a)
  const b = await context.newPage()
  const idB = await openNode(b, `${FAST_URL}/wallet?mine=0`)
  const addressB = await createWallet(b)
  await waitDirect(a, idB, 30_000)
  await waitDirect(b, idA, 30_000)
  // One tab mines at a time, on the head the other one has too: no forks to settle.
  await a.bringToFront()
  await fund(a)
  await sameHead(a, b)
  await createToken(a, 'Apple', 'APL')
  await sameHead(a, b)
  await b.bringToFront()
  await fund(b)
  await sameHead(b, a)
  await createToken(b, 'Banana', 'BAN')
  await sameHead(b, a)
  return [
    { page: a, address: addressA, cdp: await context.newCDPSession(a) },
    { page: b, address: addressB, cdp: await context.newCDPSession(b) },
  ]
}

/**
 * `twoTraders`, then A posts its offer and B takes it (B's tab in front after); A's node signs its
 * approval and lock at once, and A mines them; B's node (k = 1) then signs its own, pending in its mempool.
 */
async function takerLockPending(context: BrowserContext): Promise<[Trader, Trader]> {
  const [a, b] = await twoTraders(context)
  await a.page.bringToFront()
  await postOffer(a.page, FAST_TIMELOCKS)
  await b.page.bringToFront()
  await takeOffer(a.page, b.page, FAST_TIMELOCKS)
  await pendingFrom(a.page, a.address, 2)
  await mineBlock(a.page)
  await pendingFrom(b.page, b.address, 2)
  await sameHead(a.page, b.page)
  return [a, b]
}

/** The state `page`'s node holds its (one) swap in. */
const swapState = (page: Page): Promise<string | undefined> =>
  page.evaluate(async () => (await window.tabchain?.node.api.swaps())?.[0]?.status.state)

/** Waits until `page`'s node holds its swap in `state`. */
const swapReaches = (page: Page, state: string, timeout = 60_000): Promise<void> =>
  waitInPage(page, async (s) => (await window.tabchain?.node.api.swaps())?.[0]?.status.state === s, state, {
    timeout,
    interval: 100,
  })

/**
 * How many transactions from `from` `page`'s node knows: those on its chain (the account's nonce at its
 * head) and those in its mempool.
 */
const sentBy = (page: Page, from: string): Promise<number> =>
  page.evaluate(async (f) => {
    const api = window.tabchain?.node.api
    if (api === undefined) throw new Error('no node')
    const pending = (await api.pendingTransactions()).filter((t) => t.from.toLowerCase() === f).length
    return Number((await api.account(f as `0x${string}`)).nonce) + pending
  }, from)

/** Mines `n` blocks on `page` (empty ones if nothing is pending), then stops its miner. */
async function mineBlocks(page: Page, n: number): Promise<void> {
  const start = await page.evaluate(async () => Number((await window.tabchain?.node.api.head())?.number))
  await page.evaluate(() => window.tabchain?.node.api.setMining(true))
  try {
    await waitInPage(
      page,
      async (m) => Number((await window.tabchain?.node.api.head())?.number ?? -1) >= m,
      start + n,
      { timeout: 30_000, interval: 50 },
    )
  } finally {
    await page.evaluate(() => window.tabchain?.node.api.setMining(false))
  }
}

/** What a tab's page noted of its lifecycle (`frozenWhile`): when, ms since the epoch. */
interface Lifecycle {
  froze?: number
  resumed?: number
  readonly timer: number[]
}

/**
 * Freezes the hidden tab `frozen`, runs `meanwhile` once the tab has told `other` it is frozen, checks that
 * no transaction of the tab's node reached `other`'s chain or mempool, and resumes it. Its page notes, by
 * the clock, when the browser told it it was frozen and resumed (the Page Lifecycle `freeze` and `resume`
 * events) and each run of a 100 ms timer: it was frozen before `meanwhile` began, resumed only after it
 * ended, and no timer of it ran between.
 * Nothing of the page ran meanwhile, and so nothing of its node (its network is the page's): what
 * `meanwhile` mined reached it only once resumed, however long a busy machine took over either.
 */
async function frozenWhile(frozen: Trader, other: Page, meanwhile: () => Promise<void>): Promise<void> {
  expect(await frozen.page.evaluate(() => document.visibilityState)).toBe('hidden')
  // The page tells `other` (a tab of its origin) as it is frozen: `meanwhile` waits for that.
  await other.evaluate(() => {
    const seen = window as unknown as { frozeSeen?: number }
    delete seen.frozeSeen
    const channel = new BroadcastChannel('frozen-swap-lifecycle')
    channel.onmessage = (e: MessageEvent<number>) => {
      seen.frozeSeen = e.data
      channel.close()
    }
  })
  await frozen.page.evaluate(() => {
    const noted: Lifecycle = { timer: [] }
    ;(window as unknown as { lifecycle: Lifecycle }).lifecycle = noted
    const channel = new BroadcastChannel('frozen-swap-lifecycle')
    document.addEventListener('freeze', () => {
      noted.froze = Date.now()
      channel.postMessage(noted.froze)
    })
    document.addEventListener('resume', () => {
      noted.resumed = Date.now()
    })
    setInterval(() => noted.timer.push(Date.now()), 100)
  })
  const before = await sentBy(other, frozen.address)
  await frozen.cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  await expect
    .poll(() => other.evaluate(() => (window as unknown as { frozeSeen?: number }).frozeSeen), {
      timeout: 10_000,
    })
    .toBeDefined()
  const meanwhileFrom = Date.now()
  await meanwhile()
  expect(await sentBy(other, frozen.address)).toBe(before)
  const meanwhileTo = Date.now()
  await frozen.cdp.send('Page.setWebLifecycleState', { state: 'active' })
  const lifecycle = () =>
    frozen.page.evaluate(() => (window as unknown as { lifecycle: Lifecycle }).lifecycle)
  await expect.poll(async () => (await lifecycle()).resumed, { timeout: 10_000 }).toBeDefined()
  const noted = await lifecycle()
  expect(noted.froze).toBeLessThanOrEqual(meanwhileFrom)
  expect(noted.resumed).toBeGreaterThanOrEqual(meanwhileTo)
  const [froze, resumed] = [noted.froze ?? 0, noted.resumed ?? 0]
  expect(noted.timer.filter((t) => t > froze && t < resumed)).toEqual([])
}

/**
 * `miner` (one of the two) mines the last redeem; both nodes end the swap Completed, and both tabs (`a`
 * the maker, `b` the taker) show it done, with exact balances.
 */
async function bothCompleted(a: Page, b: Page, miner: Page): Promise<void> {
  await mineBlock(miner)
  await sameHead(miner, miner === a ? b : a)
  for (const page of [a, b]) await swapReaches(page, 'Completed')
  await showsCompleted(a, /You sold 10 APL for 25 BAN/, { APL: '990 APL', BAN: '25 BAN' })
  await showsCompleted(b, /You bought 10 APL for 25 BAN/, { APL: '10 APL', BAN: '975 BAN' })
}

/** `page`'s My trades lists the swap as done, not refunded, with `what`; its Wallet shows `balances`. */
async function showsCompleted(page: Page, what: RegExp, balances: Record<string, string>): Promise<void> {
  await page.bringToFront()
  await page.getByRole('link', { name: 'Market', exact: true }).click()
  const history = page.getByTestId('trade-history')
  await expect(history).toContainText('Done: you received', { timeout: 30_000 })
  await expect(history).not.toContainText('Refunded')
  await expect(history).toContainText(what)
  await expect(page.getByTestId('trade')).toHaveCount(0)
  await expect(page.getByTestId('approval-title')).toHaveCount(0)
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  for (const [symbol, amount] of Object.entries(balances))
    await expect(page.getByTestId(`token-balance-${symbol}`)).toContainText(amount, { timeout: 30_000 })
}

test.describe('a tab frozen in the middle of a swap', () => {
  const tabs = realTabsEachTest()

  test('the maker frozen once the taker locked, while the taker mines on: resumed, it catches up and redeems; both Completed, balances exact', async () => {
    test.setTimeout(150_000)
    const [a, b] = await takerLockPending(tabs())
    // A (hidden behind B) is frozen before B's lock is mined: B mines it and three blocks more, which
    // an awake A answers at once with its redeem. A did not: it was mid-swap, and fell behind.
    expect(await swapState(a.page)).toBe('MakerLocked')
    await frozenWhile(a, b.page, async () => {
      await mineBlock(b.page)
      await mineBlocks(b.page, 3)
      await swapReaches(b.page, 'TakerLocked')
    })
    // Resumed, still hidden, A catches up with B's chain, sees B's lock and redeems it; B takes the
    // secret from A's redeem and redeems A's lock. B mines both.
    await sameHead(b.page, a.page)
    await pendingFrom(b.page, a.address, 1)
    // Its trade shows both locks, its redeem not mined yet.
    await expect(doneSteps(a.page)).toHaveText(['✓You lock 10 APL', '✓They lock 25 BAN'])
    await pendingFrom(b.page, b.address, 1)
    await bothCompleted(a.page, b.page, b.page)
  })

  test('the taker frozen once the maker redeemed (the secret out), while the maker mines on: resumed, it redeems; both Completed, balances exact', async () => {
    test.setTimeout(150_000)
    const [a, b] = await takerLockPending(tabs())
    // A's wallet locked: its node cannot sign its redeem yet, so B's lock is mined with nothing revealed.
    await a.page.bringToFront()
    await a.page.getByRole('link', { name: 'Wallet' }).first().click()
    await a.page.getByTestId('lock').click()
    await expect(a.page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
    await mineBlock(b.page)
    await sameHead(b.page, a.page)
    await swapReaches(a.page, 'TakerLocked')
    // B (hidden behind A) is frozen; A's wallet is unlocked, its node redeems B's lock (the secret in
    // it), and A mines that and three blocks more. An awake B redeems A's lock at once: B did not.
    expect(await swapState(b.page)).toBe('TakerLocked')
    await frozenWhile(b, a.page, async () => {
      await unlockWallet(a.page)
      await pendingFrom(a.page, a.address, 1)
      await mineBlock(a.page)
      await mineBlocks(a.page, 3)
      await swapReaches(a.page, 'SecretRevealed')
    })
    // Resumed, B catches up, reads the secret in A's redeem and redeems; A mines it.
    await sameHead(a.page, b.page)
    await pendingFrom(a.page, b.address, 1)
    // Its trade shows A's redeem, its own not mined yet.
    await expect(doneSteps(b.page)).toHaveText([
      '✓They lock 10 APL',
      '✓You lock 25 BAN',
      '✓They collect your 25 BAN — that lets you collect theirs',
    ])
    await bothCompleted(a.page, b.page, a.page)
  })

  test("the maker frozen once the taker locked, until past the taker's timelock: the taker is refunded; resumed, the maker takes its own lock back at its timelock; tokens exact", async () => {
    test.setTimeout(180_000)
    const [a, b] = await takerLockPending(tabs())
    expect(await swapState(a.page)).toBe('MakerLocked')
    // B mines its lock and on past its timelock (66 blocks): its node refunds its 25 BAN. A, frozen,
    // never redeemed: B's lock was there to take for all those blocks.
    await frozenWhile(a, b.page, async () => {
      await mineBlock(b.page)
      await mineUntilSwap(b.page, 'Refunded', 120_000)
    })
    // Resumed, A catches up, finds B's lock gone back to B, and waits for its own timelock; it mines
    // on alone and its node refunds its 10 APL. It never reveals the secret.
    await sameHead(b.page, a.page)
    // Its trade says so: no redeem is coming, its lock comes back by refund.
    await expect(a.page.getByTestId('trade-next')).toContainText(
      "the taker's 25 BAN can no longer be collected",
    )
    await a.page.bringToFront()
    await mineUntilSwap(a.page, 'Refunded', 120_000)
    const states = await a.page.evaluate(async () =>
      ((await window.tabchain?.node.api.swaps()) ?? []).flatMap((s) => s.status.steps.map((t) => t.state)),
    )
    expect(states).not.toContain('SecretRevealed')
    await sameHead(a.page, b.page)
    for (const [trader, what, balances] of [
      [a, 'Refunded: your 10 APL came back to you.', { APL: '1,000 APL' }],
      [b, 'Refunded: your 25 BAN came back to you.', { BAN: '1,000 BAN' }],
    ] as const) {
      await trader.page.bringToFront()
      await trader.page.getByRole('link', { name: 'Market', exact: true }).click()
      await expect(trader.page.getByTestId('trade-history')).toContainText(what, { timeout: 30_000 })
      await expect(trader.page.getByTestId('trade')).toHaveCount(0)
      await trader.page.getByRole('link', { name: 'Wallet' }).first().click()
      for (const [symbol, amount] of Object.entries(balances))
        await expect(trader.page.getByTestId(`token-balance-${symbol}`)).toContainText(amount, {
          timeout: 30_000,
        })
    }
  })
})
