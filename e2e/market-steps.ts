import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  expect,
  type Page,
} from '@playwright/test'
// Brings in the type of `window.tabchain`.
import type {} from '../src/boot'
import { approvalButtonsInView, FAST_URL, openNode, waitDirect, waitInPage } from './helpers'

/**
 * Steps of a trade through the UI. On the fast test chain (`FAST_URL`) nobody mines unless told: each
 * tab opens with `?mine=0` and every transaction is mined by `mineBlock` (`mine: 'on-demand'`, the
 * default), so the chain moves only when the test says so. On the devnet a tab mines on its own
 * (`mine: 'running'`): the steps only wait.
 */

/** Who makes the blocks a step waits for: the step itself (`mineBlock`), or a tab that already mines. */
export type Mining = 'on-demand' | 'running'

const PASSWORD = 'correct horse battery'

/**
 * Mines exactly the block that holds what is in `page`'s mempool now (the miner's template takes every
 * pending transaction): waits until something is pending, turns the miner on, and off again from the
 * first head event past the current head. Returns that block's number and the head once the miner has
 * stopped (a block or two more when the stop arrived late).
 */
export async function mineBlock(page: Page): Promise<{ block: bigint; head: bigint }> {
  await waitInPage(
    page,
    async () => ((await window.tabchain?.node.api.pendingTransactions())?.length ?? 0) > 0,
    null,
    { timeout: 60_000 },
  )
  const [block, head] = await page.evaluate(async () => {
    const node = window.tabchain?.node
    if (node === undefined) throw new Error('no node')
    const start = (await node.api.head()).number
    const mined = await new Promise<bigint>((resolve) => {
      const stop = node.on('head', (h) => {
        if (h.number <= start) return
        // At once, before anything else runs: the miner goes on with the next block meanwhile.
        void node.api.setMining(false)
        stop()
        resolve(h.number)
      })
      void node.api.setMining(true)
    })
    await node.api.setMining(false)
    return [String(mined), String((await node.api.head()).number)]
  })
  return { block: BigInt(block), head: BigInt(head) }
}

/** Mines on `page` until its node stores a swap in `state`, then stops the miner. */
export async function mineUntilSwap(page: Page, state: string, timeout = 60_000): Promise<void> {
  await page.evaluate(() => window.tabchain?.node.api.setMining(true))
  try {
    await waitInPage(
      page,
      async (s) => (await window.tabchain?.node.api.swaps())?.some((w) => w.status.state === s) ?? false,
      state,
      { timeout, interval: 100 },
    )
  } finally {
    await page.evaluate(() => window.tabchain?.node.api.setMining(false))
  }
}

/**
 * Waits until `b` has `a`'s head block. With single blocks mined on demand, a block the gossip mesh
 * did not carry (it forms within a heartbeat of a new link) is not followed by another that would
 * reveal it: every few seconds `a` announces its status beacon and `b` asks `a` for its status
 * (request/response, not gossip), either of which makes `b` sync the head.
 */
export async function sameHead(a: Page, b: Page, timeout = 60_000): Promise<void> {
  const hash = await a.evaluate(async () => (await window.tabchain?.node.api.head())?.hash ?? '')
  const peerA = await a.evaluate(() => window.tabchain?.network.peerId ?? '')
  const deadline = Date.now() + timeout
  for (;;) {
    const arrived = await waitInPage(
      b,
      async (h) => (await window.tabchain?.node.api.head())?.hash === h,
      hash,
      { timeout: 3_000 },
    ).then(
      () => true,
      () => false,
    )
    if (arrived) return
    if (Date.now() > deadline) {
      const heads = await Promise.all(
        [a, b].map((p) =>
          p.evaluate(async () => {
            const api = window.tabchain?.node.api
            const h = await api?.head()
            const peers = (await api?.peerStatuses())?.map((s) => `${s.peerId.slice(-6)}@${s.head}`)
            const links = window.tabchain?.network
              .connections()
              .map((c) => `${c.peerId.slice(-6)} direct=${c.direct}`)
            return `#${h?.number} ${h?.hash.slice(0, 10)} peers ${JSON.stringify(peers)} links ${JSON.stringify(links)} syncing ${JSON.stringify(await api?.syncing(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`
          }),
        ),
      )
      throw new Error(`head ${hash} did not reach the other tab in ${timeout} ms: ${heads.join(' / ')}`)
    }
    await a.evaluate(() => window.tabchain?.node.api.announce())
    await b.evaluate((id) => window.tabchain?.node.api.queryPeer(id).catch(() => null), peerA)
  }
}

/** Waits until `page`'s mempool holds `count` transactions from `from` (a swap's approval and lock). */
export function pendingFrom(page: Page, from: string, count: number): Promise<void> {
  return waitInPage(
    page,
    async ({ from, count }) =>
      ((await window.tabchain?.node.api.pendingTransactions()) ?? []).filter(
        (t) => t.from.toLowerCase() === from,
      ).length === count,
    { from, count },
    { timeout: 60_000 },
  )
}

/** The steps `page`'s "My trades" shows done, in order. */
export const doneSteps = (page: Page) => page.getByTestId('trade').locator('.steps__item--done')

/** Creates a wallet on the Wallet screen; returns its first address (lower-case). */
export async function createWallet(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'none')
  await expect(page.getByTestId('phrase').locator('li')).toHaveCount(12)
  await page.getByTestId('phrase-saved').check()
  return submitNewWallet(page)
}

/** Sets the new wallet's password and submits the onboarding form; returns its first address (lower-case). */
async function submitNewWallet(page: Page): Promise<string> {
  await page.getByTestId('new-password').fill(PASSWORD)
  await page.getByTestId('new-password-again').fill(PASSWORD)
  await page.getByTestId('create-wallet').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 30_000,
  })
  return ((await page.getByTestId('selected-address').textContent()) ?? '').toLowerCase()
}

/** Unlocks the wallet `createWallet` made (e.g. after a reload) on the Wallet screen. */
export async function unlockWallet(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked', { timeout: 30_000 })
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 30_000,
  })
}

/** The recovery phrase of the wallet `createWallet` made, shown against its password on the Wallet screen. */
export async function revealPhrase(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByText('Show recovery phrase').click()
  await page.getByLabel('Your wallet password', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Reveal' }).click()
  return (await page.getByTestId('revealed-phrase').textContent()) ?? ''
}

/** Imports `phrase` as this profile's wallet on the Wallet screen; returns its first address (lower-case). */
export async function importWallet(page: Page, phrase: string): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByTestId('import-tab').click()
  await page.getByTestId('import-phrase').fill(phrase)
  return submitNewWallet(page)
}

/** Pays the wallet 10 TAB from the devnet faucet, mines it, and waits until the balance shows. */
export async function fund(page: Page, mine: Mining = 'on-demand'): Promise<void> {
  await page.getByTestId('faucet').click()
  await expect(page.getByTestId('faucet-sent')).toBeVisible()
  if (mine === 'on-demand') await mineBlock(page)
  // A light node marks it as proven (`· ✓ verified at #n`).
  await expect(page.getByTestId('selected-balance')).toHaveText(/^10 TAB( · ✓ verified at #\d+)?$/, {
    timeout: 120_000,
  })
}

/** Creates 1,000 of a token (2 decimals) on the Tokens screen, approving it in the wallet dialog; mines it. */
export async function createToken(
  page: Page,
  name: string,
  symbol: string,
  mine: Mining = 'on-demand',
): Promise<void> {
  await page.getByRole('link', { name: 'Tokens', exact: true }).click()
  await expect(page.getByTestId('acting-as')).toContainText('approval in the wallet')
  await page.locator('#token-name').fill(name)
  await page.locator('#token-symbol').fill(symbol)
  await page.locator('#token-decimals').fill('2')
  await page.locator('#token-supply').fill('1000')
  await page.getByRole('button', { name: 'Create token' }).click()
  await expect(page.getByTestId('approval-title')).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('approval-confirm').click()
  if (mine === 'on-demand') await mineBlock(page)
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId(`token-balance-${symbol}`)).toContainText(`1,000 ${symbol}`, {
    timeout: 120_000,
  })
}

/**
 * Sends `amount` of the token named `token` in the Tokens screen's list (`BAN — Banana`) to `to`,
 * approving it in the wallet dialog, and waits until the transfer is in a block (a tab mines).
 */
export async function sendToken(page: Page, token: string, to: string, amount: string): Promise<void> {
  await page.getByRole('link', { name: 'Tokens', exact: true }).click()
  const rows = page.getByTestId('activity-row')
  await expect(rows.first()).toBeVisible()
  const before = await rows.count()
  await page.getByLabel('Token', { exact: true }).selectOption({ label: token })
  await page.getByLabel('Action', { exact: true }).selectOption('transfer')
  await page.getByLabel('Recipient address').fill(to)
  await page.getByLabel(/^Amount/).fill(amount)
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(page.getByTestId('approval-title')).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('approval-confirm').click()
  // The newest row first: the transfer's, once it is listed.
  await expect(rows).toHaveCount(before + 1, { timeout: 30_000 })
  await expect(rows.first()).toHaveAttribute('data-state', 'confirmed', { timeout: 120_000 })
}

/** Picks an option by its text in a select whose options load with the page's data. */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  const select = page.getByLabel(label, { exact: true })
  await expect(select.locator('option', { hasText: option })).toHaveCount(1, { timeout: 60_000 })
  await select.selectOption({ label: option })
}

/** The timelocks (blocks) a new offer gets on a chain: what the preview and the take dialog must say. */
export type Timelocks = { readonly maker: number; readonly taker: number }

/**
 * A offers 10 APL for 25 BAN on the Market screen (one signature), and B takes it (one more). The
 * form's default timelocks follow the chain's k — the rule's minimums and each party's 60-block window
 * to act: `timelocks` are what the preview and the take dialog must say (k = 1: 197 and 66 blocks).
 */
export async function postAndTake(
  a: Page,
  b: Page,
  timelocks: Timelocks = { maker: 197, taker: 66 },
): Promise<void> {
  await postOffer(a, timelocks)
  await takeOffer(a, b, timelocks)
}

/**
 * A offers 10 APL for 25 BAN in the pair APL/BAN on the Market screen (one signature), open for
 * `minutes` (the form's default, an hour, when not given); the form says it is posted.
 */
export async function postOffer(a: Page, timelocks: Timelocks, minutes?: number): Promise<void> {
  await a.getByRole('link', { name: 'Market', exact: true }).click()
  await choose(a, 'Token traded', 'APL')
  await choose(a, 'Token it is priced in', 'BAN')
  await choose(a, 'Token you sell', 'APL')
  await choose(a, 'Token you receive', 'BAN')
  // Nothing beside a field nobody has typed in; the reason beside it as soon as what is typed is wrong.
  const sellProblem = a.getByTestId('offer-sellAmount-problem')
  await expect(sellProblem).toHaveCount(0)
  await expect(a.getByTestId('offer-buyAmount-problem')).toHaveCount(0)
  const sell = a.locator('#offer-sell-amount')
  for (const [typed, reason] of [
    ['-1', 'You sell: Enter a number such as 12 or 0.5.'],
    ['1.234', 'You sell: At most 2 decimals.'],
    ['1000.01', 'Insufficient balance: you have 1,000 APL.'],
    ['', 'You sell: Enter an amount.'],
  ] as const) {
    await sell.fill(typed)
    await expect(sellProblem).toHaveText(reason)
    await expect(sell).toHaveAttribute('aria-invalid', 'true')
    await expect(sell).toHaveAccessibleDescription(reason)
  }
  await expect(a.getByTestId('offer-buyAmount-problem')).toHaveCount(0)
  await sell.fill('10')
  await expect(sellProblem).toHaveCount(0)
  await a.locator('#offer-buy-amount').fill('25')
  if (minutes !== undefined) await a.locator('#offer-expiry').fill(String(minutes))
  await expect(a.getByTestId('offer-preview')).toContainText(`locked for up to ${timelocks.maker} blocks`)
  await a.getByRole('button', { name: 'Sign and post the offer' }).click()
  await expect(a.getByTestId('approval-title')).toHaveText('Offer to sell 10 APL for 25 BAN', {
    timeout: 30_000,
  })
  // Sign and Cancel in view without scrolling, as for a take.
  await approvalButtonsInView(a)
  await a.getByTestId('approval-confirm').click()
  await expect(a.getByTestId('offer-posted')).toBeVisible({ timeout: 30_000 })
  const mine = a.getByTestId('my-offer-row')
  await expect(mine).toHaveCount(1, { timeout: 30_000 })
  await expect(mine).toContainText('10 APL for 25 BAN')
}

/**
 * A's offer (`postOffer`) stays listed under its open offers with the book on another pair (TAB/BAN),
 * and its Show in book brings the book of APL/BAN back, with the offer in it. (The form, remade for
 * each pair, no longer says the offer is posted.)
 */
export async function offerListedOffPair(a: Page): Promise<void> {
  const mine = a.getByTestId('my-offer-row')
  await choose(a, 'Token traded', 'TAB')
  await expect(a.getByTestId('book-row')).toHaveCount(0)
  await expect(mine).toHaveCount(1)
  await expect(mine).toContainText('10 APL for 25 BAN')
  await expect(mine).toContainText('2.5 BAN per APL')
  await mine.getByRole('button', { name: 'Show in book' }).click()
  await expect(a.getByLabel('Token traded', { exact: true }).locator('option:checked')).toHaveText('APL')
  await expect(a.getByLabel('Token it is priced in', { exact: true }).locator('option:checked')).toHaveText(
    'BAN',
  )
  await expect(a.getByTestId('asks').getByTestId('book-row')).toHaveCount(1)
}

/** B takes A's offer (`postOffer`) from the book of APL/BAN (one signature); it leaves A's open offers, A is told. */
export async function takeOffer(a: Page, b: Page, timelocks: Timelocks): Promise<void> {
  await b.getByRole('link', { name: 'Market', exact: true }).click()
  await choose(b, 'Token traded', 'APL')
  await choose(b, 'Token it is priced in', 'BAN')
  await expect(b.getByTestId('book-row')).toHaveCount(1, { timeout: 60_000 })
  // The button says what it buys; B holds the 25 BAN asked, so nothing is said of its balance.
  const buy = b.getByTestId('book-row').getByRole('button', { name: 'Buy 10 APL', exact: true })
  await expect(buy).toBeEnabled()
  await expect(b.getByTestId('take-shortfall')).toHaveCount(0)
  await buy.click()
  await expect(b.getByTestId('take-send')).toContainText('25 BAN')
  await expect(b.getByTestId('take-receive')).toContainText('10 APL')
  // The row is named Network fees; its value does not say fees again.
  await expect(b.getByTestId('take-fee')).toHaveText(/^At most [\d.,]+ TAB \(approval, lock and collect\)\.$/)
  await expect(b.getByTestId('take-dialog')).toContainText(
    `they come back to you after ${timelocks.taker} blocks`,
  )
  // Escape closes it and gives the focus back to its Buy button (not to nothing); Enter opens it again.
  await b.keyboard.press('Escape')
  await expect(b.getByTestId('take-dialog')).toHaveCount(0)
  await expect(buy).toBeFocused()
  await b.keyboard.press('Enter')
  await expect(b.getByTestId('take-send')).toContainText('25 BAN')
  await b.getByTestId('take-confirm').click()
  await expect(b.getByTestId('approval-title')).toHaveText(
    'Take the offer: you pay 25 BAN, you receive 10 APL',
    {
      timeout: 30_000,
    },
  )
  // What is taken is said before the data signed, and Sign is in view without scrolling, on a laptop
  // and on a phone; the raw take stays a click away.
  await approvalButtonsInView(b)
  await expect(b.getByTestId('approval-signed')).not.toHaveAttribute('open')
  await expect(b.getByTestId('approval-signed').locator('summary')).toHaveText('Message as signed')
  await b.getByTestId('approval-confirm').click()
  // Taken, B's focus goes to My trades, where the trade shows (not to nothing, as the Buy button goes).
  await expect(b.getByRole('heading', { name: 'My trades', exact: true })).toBeFocused({ timeout: 60_000 })
  // Taken, the offer is A's trade (My trades), no longer one of its open offers; A is told so in words
  // (it leaves the list before the trade is listed), until it dismisses the notice.
  const told = a.getByTestId('offer-taken')
  await expect(told).toContainText('Your offer to sell 10 APL for 25 BAN was taken: the swap is starting.', {
    timeout: 60_000,
  })
  await expect(told.getByRole('link', { name: 'Follow it in My trades' })).toHaveAttribute('href', '/market')
  await expect(a.getByTestId('my-offers-empty')).toHaveText('You have no open offers.', { timeout: 60_000 })
  await expect(a.getByTestId('my-offer-row')).toHaveCount(0)
  // Dispatched, not clicked: the maker's tab may be one a real browser hides behind the taker's
  // (`realTabs`), where no frame runs for Playwright's check that the button stands still.
  await told.getByRole('button', { name: 'Dismiss' }).dispatchEvent('click')
  await expect(told).toHaveCount(0)
}

/** A tab of its own browser (context) with a wallet: `address` is its first address (lower-case). */
export interface Trader {
  readonly ctx: BrowserContext
  readonly page: Page
  readonly address: string
}

/**
 * Two browsers on the fast test chain, A holding 1,000 APL and B 1,000 BAN, each with 10 TAB; both on
 * one head; nobody mining. `optionsA` and `optionsB` open each browser (its screen's size, say).
 */
export async function fastTraders(
  browser: Browser,
  optionsA: BrowserContextOptions = {},
  optionsB: BrowserContextOptions = {},
): Promise<[Trader, Trader]> {
  const [ctxA, ctxB] = [await browser.newContext(optionsA), await browser.newContext(optionsB)]
  const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
  const idA = await openNode(a, `${FAST_URL}/wallet?mine=0`)
  const idB = await openNode(b, `${FAST_URL}/wallet?mine=0`)
  await waitDirect(a, idB, 60_000)
  await waitDirect(b, idA, 60_000)
  const addressA = await createWallet(a)
  const addressB = await createWallet(b)
  // One tab mines at a time, on the head the other one has too: no forks to settle.
  await fund(a)
  await sameHead(a, b)
  await fund(b)
  await sameHead(b, a)
  await createToken(a, 'Apple', 'APL')
  await sameHead(a, b)
  await createToken(b, 'Banana', 'BAN')
  await sameHead(b, a)
  return [
    { ctx: ctxA, page: a, address: addressA },
    { ctx: ctxB, page: b, address: addressB },
  ]
}
