import { type Browser, expect, type Page, test } from '@playwright/test'
import { openNode, waitDirect, waitInPage } from './helpers'

const PASSWORD = 'correct horse battery'

/** Creates a wallet on the Wallet screen; returns its first address. */
async function createWallet(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'none')
  await expect(page.getByTestId('phrase').locator('li')).toHaveCount(12)
  await page.getByTestId('phrase-saved').check()
  await page.getByTestId('new-password').fill(PASSWORD)
  await page.getByTestId('new-password-again').fill(PASSWORD)
  await page.getByTestId('create-wallet').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 30_000,
  })
  return (await page.getByTestId('selected-address').textContent()) ?? ''
}

/** Pays the wallet 10 TAB from the devnet faucet and waits until it shows. */
async function fund(page: Page): Promise<void> {
  await page.getByTestId('faucet').click()
  await expect(page.getByTestId('faucet-sent')).toBeVisible()
  await expect(page.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 120_000 })
}

/** Creates 1,000 of a token (2 decimals) on the Tokens screen, approving it in the wallet dialog. */
async function createToken(page: Page, name: string, symbol: string): Promise<void> {
  await page.getByRole('link', { name: 'Tokens', exact: true }).click()
  await expect(page.getByTestId('acting-as')).toContainText('approval in the wallet')
  await page.locator('#token-name').fill(name)
  await page.locator('#token-symbol').fill(symbol)
  await page.locator('#token-decimals').fill('2')
  await page.locator('#token-supply').fill('1000')
  await page.getByRole('button', { name: 'Create token' }).click()
  await expect(page.getByTestId('approval-title')).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('approval-confirm').click()
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId(`token-balance-${symbol}`)).toContainText(`1000 ${symbol}`, {
    timeout: 120_000,
  })
}

/** Picks an option by its text in a select whose options load with the page's data. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  const select = page.getByLabel(label, { exact: true })
  await expect(select.locator('option', { hasText: option })).toHaveCount(1, { timeout: 60_000 })
  await select.selectOption({ label: option })
}

/** Two browsers with a funded wallet each, A holding 1,000 APL and B 1,000 BAN; A mines. */
async function twoTraders(browser: Browser): Promise<{ a: Page; b: Page; close: () => Promise<void> }> {
  const [ctxA, ctxB] = [await browser.newContext(), await browser.newContext()]
  const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
  const idA = await openNode(a, '/wallet')
  const idB = await openNode(b, '/wallet?mine=0')
  await waitDirect(a, idB, 60_000)
  await waitDirect(b, idA, 60_000)
  await createWallet(a)
  await createWallet(b)
  // One faucet payment at a time: both could otherwise be signed by one devnet account with one nonce.
  await fund(a)
  await fund(b)
  await createToken(a, 'Apple', 'APL')
  await createToken(b, 'Banana', 'BAN')
  return {
    a,
    b,
    close: async () => {
      await ctxA.close()
      await ctxB.close()
    },
  }
}

/** A offers 10 APL for 25 BAN on the Market screen; B takes it: one signature each. */
async function postAndTake(a: Page, b: Page): Promise<void> {
  // The approval dialog says that signing approves the whole trade.
  await a.getByRole('link', { name: 'Market', exact: true }).click()
  await choose(a, 'Token traded', 'APL')
  await choose(a, 'Token it is priced in', 'BAN')
  await choose(a, 'Token you sell', 'APL')
  await choose(a, 'Token you receive', 'BAN')
  await a.locator('#offer-sell-amount').fill('10')
  await a.locator('#offer-buy-amount').fill('25')
  await a.getByRole('button', { name: 'Sign and post the offer' }).click()
  await expect(a.getByTestId('approval-title')).toHaveText('Sign Offer for Tabchain Offers', {
    timeout: 30_000,
  })
  await expect(a.getByTestId('approval')).toContainText('Signing approves the whole trade')
  await a.getByTestId('approval-confirm').click()
  await expect(a.getByTestId('offer-posted')).toBeVisible({ timeout: 30_000 })

  // B sees it in the APL/BAN book and takes it: one confirmation, one signature.
  await b.getByRole('link', { name: 'Market', exact: true }).click()
  await choose(b, 'Token traded', 'APL')
  await choose(b, 'Token it is priced in', 'BAN')
  await expect(b.getByTestId('book-row')).toHaveCount(1, { timeout: 60_000 })
  await b.getByTestId('book-row').getByRole('button', { name: 'Buy APL' }).click()
  await expect(b.getByTestId('take-send')).toContainText('25 BAN')
  await expect(b.getByTestId('take-receive')).toContainText('10 APL')
  await expect(b.getByTestId('take-approval')).toContainText('Signing approves the whole trade')
  await b.getByTestId('take-confirm').click()
  await expect(b.getByTestId('approval-title')).toHaveText('Sign Take for Tabchain Offers', {
    timeout: 30_000,
  })
  await b.getByTestId('approval-confirm').click()
}

/** Waits until `page`'s trade history says the swap is done; fails at once if it says refunded. */
async function tradeDone(page: Page): Promise<void> {
  const history = page.getByTestId('trade-history')
  const deadline = Date.now() + 300_000
  for (;;) {
    const text = (await history.count()) > 0 ? ((await history.textContent()) ?? '') : ''
    if (text.includes('Refunded')) throw new Error(`the swap was refunded: ${text}`)
    if (text.includes('Done: you received')) return
    if (Date.now() > deadline) throw new Error(`the swap did not complete: ${text}`)
    await page.waitForTimeout(1_000)
  }
}

/** Both sides' My trades list the swap as done, and the Wallet screens show the exact balances. */
async function bothCompleted(a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) await tradeDone(page)
  await expect(a.getByTestId('trade-history')).toContainText('25 BAN')
  await expect(b.getByTestId('trade-history')).toContainText('10 APL')
  // No dialog was asked for after the two signatures.
  for (const page of [a, b]) await expect(page.getByTestId('approval-title')).toHaveCount(0)
  await a.getByRole('link', { name: 'Wallet' }).first().click()
  await b.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(a.getByTestId('token-balance-APL')).toContainText('990 APL', { timeout: 60_000 })
  await expect(a.getByTestId('token-balance-BAN')).toContainText('25 BAN', { timeout: 60_000 })
  await expect(b.getByTestId('token-balance-BAN')).toContainText('975 BAN', { timeout: 60_000 })
  await expect(b.getByTestId('token-balance-APL')).toContainText('10 APL', { timeout: 60_000 })
}

// Two contexts mining, verifying and deriving keys on a shared 2-core machine: be generous.
test.describe.configure({ timeout: 600_000 })

test('two browsers, each with its token: A posts an offer, B takes it, both Completed, balances exact', async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser)
  try {
    await postAndTake(a, b)
    await bothCompleted(a, b)
  } finally {
    await close()
  }
})

test('B reloads in the middle of the swap, unlocks its wallet again, and the swap still completes', async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser)
  try {
    // Both mine from here, as tabs do by default (and the reloaded tab does): the chain goes on while
    // B is away. (Not during the set-up: its faucet payments are signed one after the other from the
    // same devnet accounts, and two miners' short forks can reorder them.)
    await b.evaluate(() => window.tabchain?.node.api.setMining(true))
    await postAndTake(a, b)
    await expect(b.getByTestId('trade')).toHaveCount(1, { timeout: 60_000 })
    // A has locked: B's node is about to lock (or has just signed its lock) when the tab reloads.
    await waitInPage(
      b,
      async () => {
        const swaps = (await window.tabchain?.node.api.swaps()) ?? []
        return swaps.some((s) => s.status.state === 'MakerLocked')
      },
      null,
      { timeout: 120_000, interval: 100 },
    )
    const profile = await b.evaluate(() => window.tabchain?.profileId)
    await b.reload()
    await b.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 60_000 })
    expect(await b.evaluate(() => window.tabchain?.profileId)).toBe(profile)
    // The reloaded wallet is locked: the node resumes the swap and signs again once it is unlocked,
    // from the approval this profile kept.
    await b.getByRole('link', { name: 'Wallet' }).first().click()
    await expect(b.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked', { timeout: 30_000 })
    await b.getByTestId('password').fill(PASSWORD)
    await b.getByTestId('unlock-button').click()
    await expect(b.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
      timeout: 30_000,
    })
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    await expect(b.getByTestId('trade')).toHaveCount(1, { timeout: 60_000 })
    await bothCompleted(a, b)
  } finally {
    await close()
  }
})
