import { type Browser, expect, type Page, test } from '@playwright/test'
import { crashTab, gapBetween, openNode, profileOf, reopenProfile, waitDirect, waitInPage } from './helpers'
import {
  choose,
  createToken,
  createWallet,
  fund,
  offerListedOffPair,
  postAndTake,
  postOffer,
  sendToken,
  takeOffer,
  unlockWallet,
} from './market-steps'

/** The form's default timelocks on the devnet (k = 3): the rule's minimums and 60 blocks each to act. */
const DEVNET_TIMELOCKS = { maker: 207, taker: 70 }

/**
 * Two browsers with a funded wallet each, A holding 1,000 APL and B 1,000 BAN (or A both, with
 * `bananas: 'a'`); A mines.
 */
async function twoTraders(
  browser: Browser,
  pathB = '/wallet?mine=0',
  bananas: 'a' | 'b' = 'b',
): Promise<{ a: Page; b: Page; close: () => Promise<void> }> {
  const [ctxA, ctxB] = [await browser.newContext(), await browser.newContext()]
  const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
  const idA = await openNode(a, '/wallet')
  const idB = await openNode(b, pathB)
  await waitDirect(a, idB, 60_000)
  await waitDirect(b, idA, 60_000)
  await createWallet(a)
  await createWallet(b)
  // One faucet payment at a time: both could otherwise be signed by one devnet account with one nonce.
  // B's first: a light B reads the faucet account's nonce 3 blocks deep, and could reuse A's payment's.
  await fund(b, 'running')
  await fund(a, 'running')
  await createToken(a, 'Apple', 'APL', 'running')
  await createToken(bananas === 'a' ? a : b, 'Banana', 'BAN', 'running')
  return {
    a,
    b,
    close: async () => {
      await ctxA.close()
      await ctxB.close()
    },
  }
}

/** What `page`'s node says of its swaps (state, its next step, why it failed) and its head, as JSON. */
function nodeReport(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const api = window.tabchain?.node.api
    // A node that does not answer (its start stuck) is reported as such, not waited for.
    const late = new Promise<'no answer within 5 s'>((resolve) =>
      setTimeout(() => resolve('no answer within 5 s'), 5_000),
    )
    const [swaps, head] = await Promise.all([
      Promise.race([api?.swaps() ?? [], late]),
      Promise.race([api?.head(), late]),
    ])
    return JSON.stringify(
      {
        head: typeof head === 'object' ? head?.number : head,
        swaps:
          typeof swaps === 'string'
            ? swaps
            : swaps.map((s) => ({ role: s.role, state: s.status.state, action: s.action, error: s.error })),
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    )
  })
}

/** Waits until `page`'s trade history says the swap is done; fails at once if it says refunded. */
async function tradeDone(page: Page): Promise<void> {
  const history = page.getByTestId('trade-history')
  const text = async () => ((await history.count()) > 0 ? ((await history.textContent()) ?? '') : '')
  await expect(history)
    .toContainText(/Refunded|Done: you received/, { timeout: 300_000 })
    .catch(async (err: unknown) => {
      const node = await nodeReport(page)
      throw new Error(`the swap did not complete: ${await text()}; node: ${node}`, { cause: err })
    })
  const said = await text()
  if (said.includes('Refunded')) throw new Error(`the swap was refunded: ${said}`)
}

/** Waits until `page`'s node holds the swap in one of `states`; a timeout says what both nodes hold. */
/** Whether `page` refuses its `beforeunload` (the browser then asks before the tab closes or leaves). */
function asksBeforeLeaving(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true })
    window.dispatchEvent(event)
    return event.defaultPrevented
  })
}

async function swapIn(page: Page, states: readonly string[], counterpart: Page): Promise<void> {
  await waitInPage(
    page,
    async (wanted) =>
      ((await window.tabchain?.node.api.swaps()) ?? []).some((s) => wanted.includes(s.status.state)),
    states,
    { timeout: 120_000, interval: 100 },
  ).catch(async (err: unknown) => {
    const [own, other] = [await nodeReport(page), await nodeReport(counterpart)]
    throw new Error(`the swap did not reach ${states.join(' or ')}; node: ${own}; counterpart: ${other}`, {
      cause: err,
    })
  })
}

/**
 * Waits until `page`'s node holds the swap in one of `states`, then a random 0–1 s more (the node is
 * signing, writing its swap record or broadcasting), and crashes the tab. Opens its profile again in a
 * new tab of the same browser, unlocks the wallet and shows the Market screen, which must show the
 * swap; returns the new tab.
 */
async function crashAt(page: Page, states: readonly string[], counterpart: Page): Promise<Page> {
  await swapIn(page, states, counterpart)
  await page.waitForTimeout(Math.floor(Math.random() * 1_000))
  const profile = await profileOf(page)
  await crashTab(page)
  const reopened = await reopenProfile(page.context(), profile)
  await unlockWallet(reopened)
  await reopened.getByRole('link', { name: 'Market', exact: true }).click()
  // The swap shows as running, or, when it completed before the screen came up (the reopened node
  // caught up with a chain that had moved on), as the one row of the history.
  const running = reopened.getByTestId('trade')
  const finished = reopened.getByTestId('trade-history').locator('tbody tr')
  await expect(running.or(finished))
    .toHaveCount(1, { timeout: 60_000 })
    .catch(async (err: unknown) => {
      const [own, other] = [await nodeReport(reopened), await nodeReport(counterpart)]
      throw new Error(`the reopened tab shows no trade; node: ${own}; counterpart: ${other}`, { cause: err })
    })
  return reopened
}

/**
 * Both mine from here, as tabs do by default (and a reopened tab does): the chain goes on while B is
 * away. (Not during the set-up: its faucet payments are signed one after the other from the same devnet
 * accounts, and two miners' short forks can reorder them.) A posts, B takes, B lists the trade.
 */
async function swapStarted(a: Page, b: Page): Promise<void> {
  await b.evaluate(() => window.tabchain?.node.api.setMining(true))
  await postAndTake(a, b, DEVNET_TIMELOCKS)
  await expect(b.getByTestId('trade')).toHaveCount(1, { timeout: 60_000 })
  // Each card says which side of the offer its tab is on, in words, with the term its sentences use.
  await expect(b.getByTestId('trade-role')).toHaveText('You took this offer (taker)')
}

/** Both sides' My trades list the swap as done, and the Wallet screens show the exact balances. */
async function bothCompleted(a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) await tradeDone(page)
  await expect(a.getByTestId('trade-history')).toContainText('25 BAN')
  await expect(b.getByTestId('trade-history')).toContainText('10 APL')
  // History says what happened, and the block it ended in.
  await expect(a.getByTestId('trade-history')).toContainText(/You sold 10 APL for 25 BAN.*block #\d+, ~/)
  await expect(b.getByTestId('trade-history')).toContainText(/You bought 10 APL for 25 BAN.*block #\d+, ~/)
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
    await postAndTake(a, b, DEVNET_TIMELOCKS)
    // The taker is pointed at its trade while it runs, and no longer once it finished.
    const takenNote = b.getByText('Offer taken: follow the swap in My trades below.')
    await expect(takenNote).toBeVisible()
    // The note stands apart from the book under it (it sat flush on the "Selling APL" heading).
    expect(
      await gapBetween(takenNote, b.getByRole('heading', { name: 'Selling APL' })),
    ).toBeGreaterThanOrEqual(8)
    // The maker's form no longer says the offer stays open: it says it was taken, through the trade,
    // while that runs, and nothing once the trade is in History (which says how it ended).
    await expect(a.getByTestId('offer-posted')).toHaveText(
      /^Your offer \(1 APL = 2\.5 BAN\) was taken: follow the trade in My trades below\.$/,
      { timeout: 30_000 },
    )
    await tradeDone(a)
    await expect(a.getByTestId('offer-posted')).toHaveCount(0)
    // With no trade running, History stands apart from the sentence that says so (it sat flush on it).
    expect(
      await gapBetween(
        a.getByText('No trade running. Take an offer above, or post one.'),
        a.getByRole('heading', { name: 'History' }),
      ),
    ).toBeGreaterThanOrEqual(8)
    await tradeDone(b)
    await expect(takenNote).toHaveCount(0)
    await bothCompleted(a, b)
  } finally {
    await close()
  }
})

test("B holds less BAN than A's offer asks: its take button is off, saying what B holds, until A's payments are mined; the offer withdrawn with B's take dialog open, the dialog says so; posted again, B takes it", async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser, '/wallet?mine=0', 'a')
  try {
    const addressB = ((await b.getByTestId('selected-address').textContent()) ?? '').toLowerCase()
    await postOffer(a, DEVNET_TIMELOCKS)
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    await choose(b, 'Token traded', 'APL')
    await choose(b, 'Token it is priced in', 'BAN')
    const buy = b.getByTestId('book-row').getByRole('button', { name: 'Buy 10 APL', exact: true })
    const held = b.getByTestId('take-shortfall')
    // B holds no BAN: the button is off, what B holds beside it (and its description), without a click.
    await expect(held).toHaveText('You hold 0 of 25 BAN', { timeout: 60_000 })
    await expect(buy).toBeDisabled()
    await expect(buy).toHaveAccessibleDescription('You hold 0 of 25 BAN')
    // Some BAN arrive, not enough: it says so as soon as the block reaches B.
    await sendToken(a, 'BAN — Banana', addressB, '20')
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    await expect(held).toHaveText('You hold 20 of 25 BAN', { timeout: 120_000 })
    await expect(buy).toBeDisabled()
    // Enough: the button comes on, nothing is said of the balance, and the take goes through.
    await sendToken(a, 'BAN — Banana', addressB, '5')
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    await expect(held).toHaveCount(0, { timeout: 120_000 })
    await expect(buy).toBeEnabled()
    // The offer leaves the book while B's take dialog is open (A withdraws it): the dialog says so at
    // once and its Sign and take goes off. A posts the offer again for the take below.
    await buy.click()
    const confirm = b.getByTestId('take-confirm')
    await expect(confirm).toBeEnabled({ timeout: 30_000 })
    await a.getByRole('link', { name: 'Market', exact: true }).click()
    await a.getByTestId('my-offer-withdraw').click()
    await a.getByTestId('approval-confirm').click()
    await expect(a.getByTestId('my-offer-row')).toHaveCount(0, { timeout: 30_000 })
    await expect(b.getByTestId('take-refusal')).toHaveText(
      'This offer has left the book (taken, withdrawn or expired): it can no longer be taken.',
      { timeout: 60_000 },
    )
    await expect(confirm).toBeDisabled()
    await b.getByTestId('take-dialog').getByRole('button', { name: 'Cancel', exact: true }).click()
    await postOffer(a, DEVNET_TIMELOCKS)
    await takeOffer(a, b, DEVNET_TIMELOCKS)
    await expect(b.getByTestId('trade')).toHaveCount(1, { timeout: 60_000 })
  } finally {
    await close()
  }
})

test("B runs as light only (headers and proofs): it takes A's offer, both Completed, balances exact; A's offer stays listed as its own with the book on another pair", async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser, '/wallet?mine=0&mode=light')
  try {
    expect(await b.evaluate(() => window.tabchain?.node.api.mode())).toEqual({ kind: 'light' })
    await postOffer(a, DEVNET_TIMELOCKS)
    await offerListedOffPair(a)
    await takeOffer(a, b, DEVNET_TIMELOCKS)
    await bothCompleted(a, b)
    // B executed no block: it followed headers, and proved what it showed and what its swap read.
    const verified = await b.evaluate(
      async () => (await window.tabchain?.node.api.stats())?.headersVerified ?? 0,
    )
    expect(verified).toBeGreaterThan(0)
    expect(await b.evaluate(() => window.tabchain?.node.api.mode())).toEqual({ kind: 'light' })
  } finally {
    await close()
  }
})

test('B reloads in the middle of the swap, unlocks its wallet again, and the swap still completes', async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser)
  try {
    await swapStarted(a, b)
    // A has locked: B's node is about to lock (or has just signed its lock) when the tab reloads.
    await swapIn(b, ['MakerLocked'], a)
    // A's coins are locked and only its node redeems or refunds them: closing its tab asks first.
    await expect.poll(() => asksBeforeLeaving(a), { timeout: 30_000 }).toBe(true)
    // Every screen's header says so.
    const atStake = a.getByTestId('trades-at-stake')
    await expect(atStake).toHaveText('1 trade running: keep this tab open')
    await expect(a.getByTestId('trade-role')).toHaveText('You posted this offer (maker)')
    // Its trade says until which block the tab must stay open: its node takes the lock back there, or,
    // once B's lock is out (it may be by now), must redeem it before B's timelock.
    await expect(a.getByTestId('trade-deadline')).toHaveText(
      /^Keep this tab open until block #\d+ \(~[^)]+\)(?:, or until the taker collects your 10 APL if that comes first: if the taker has not collected it by then, your node takes your 10 APL back\.|: your node must collect the taker's .+ by then, or the taker can take back its .+ and your 10 APL comes back to you at block #\d+ \(~[^)]+\)\.)$/,
    )
    // A's wallet locked: its node cannot sign the redeem it must make once B's lock is out, and every
    // screen's header says so. It stays locked through B's reload, so the swap cannot end before it.
    await a.getByRole('link', { name: 'Wallet' }).first().click()
    await a.getByTestId('lock').click()
    await expect(atStake).toHaveText('1 trade running: unlock your wallet')
    // Its tooltip says first why, in the Unlock form's words.
    await expect(atStake).toHaveAttribute(
      'title',
      'You locked your wallet. Your node can collect what you receive, or take your side back, only while the wallet is unlocked, in this open tab. See My trades on the Market screen.',
    )
    const profile = await profileOf(b)
    // B's reload goes ahead, whatever its tab asks (its lock may be out by now).
    b.on('dialog', (dialog) => void dialog.accept())
    await b.reload()
    await b.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 60_000 })
    expect(await profileOf(b)).toBe(profile)
    // The reloaded wallet is locked: the Market says so by its form, before any signature is asked for,
    // and leads to the Wallet's unlock form.
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    const locked = b.getByTestId('post-offer').getByTestId('wallet-locked')
    await expect(locked).toContainText('Your wallet is locked: unlock it to post an offer.', {
      timeout: 60_000,
    })
    await locked.getByRole('link', { name: 'Unlock' }).click()
    // The node resumes the swap and signs again once it is unlocked, from the approval this profile kept.
    await unlockWallet(b)
    await b.getByRole('link', { name: 'Market', exact: true }).click()
    await expect(b.getByTestId('trade')).toHaveCount(1, { timeout: 60_000 })
    // The book of the pair B looked at before the reload, not that of the first two tokens it lists.
    await expect(b.getByLabel('Token traded', { exact: true }).locator('option:checked')).toHaveText('APL')
    await expect(b.getByLabel('Token it is priced in', { exact: true }).locator('option:checked')).toHaveText(
      'BAN',
    )
    // Once B's lock is out, its node must redeem A's before A's timelock: its trade says until when.
    await expect(b.getByTestId('trade-deadline')).toHaveText(
      /^Keep this tab open until block #\d+ \(~[^)]+\): .*your node must collect .*10 APL by then, or the maker can take back its 10 APL/,
      { timeout: 120_000 },
    )
    // B's lock is out: A's node must redeem it, and cannot sign while A's wallet is locked. The header
    // still says so; once unlocked, it says to keep the tab open, and leads to the trade.
    await expect(atStake).toHaveText('1 trade running: unlock your wallet')
    await unlockWallet(a)
    await expect(atStake).toHaveText('1 trade running: keep this tab open')
    await atStake.click()
    await expect(a.getByTestId('trade').or(a.getByTestId('trade-history'))).not.toHaveCount(0)
    await bothCompleted(a, b)
    // Nothing is at stake any more: both tabs close without asking.
    await expect.poll(() => asksBeforeLeaving(a), { timeout: 30_000 }).toBe(false)
    await expect.poll(() => asksBeforeLeaving(b), { timeout: 30_000 }).toBe(false)
    await expect(atStake).toHaveCount(0)
  } finally {
    await close()
  }
})

test('B crashes as it is about to lock, A once B has locked: both reopen, the swap completes, balances exact', async ({
  browser,
}) => {
  // Two crashes, two reopenings and a whole swap: 57 s on CI's two cores, against the suite's 90 s.
  test.setTimeout(180_000)
  const { a, b, close } = await twoTraders(browser)
  try {
    await swapStarted(a, b)
    // B has seen A's lock: it waits for k confirmations, signs its own lock, writes it, broadcasts it.
    const b2 = await crashAt(b, ['MakerLocked'], a)
    // A has seen B's lock: it waits for k confirmations, then reveals the secret in its redeem. (B may
    // have broadcast its lock before it crashed, and A moved on while B came back: A has redeemed, and
    // the swap may even have completed — A then crashes with it done, and must keep it so.)
    const a2 = await crashAt(a, ['TakerLocked', 'SecretRevealed', 'Completed'], b2)
    await bothCompleted(a2, b2)
  } finally {
    await close()
  }
})

test("A's saved approval of its running trade is damaged: its trade says so, A checks the terms and approves it again, and the swap completes", async ({
  browser,
}) => {
  const { a, b, close } = await twoTraders(browser)
  try {
    await swapStarted(a, b)
    // A's lock is out; its next signature is the redeem of B's lock. Its saved approvals are damaged.
    await swapIn(a, ['MakerLocked'], b)
    const profile = await profileOf(a)
    await a.evaluate((key) => localStorage.setItem(key, '{"0x'), `tabchain.swapApprovals.${profile}`)
    // Once B locked, A's wallet refuses the redeem: the trade says why and offers to approve it again.
    const reapprove = a.getByTestId('trade-reapprove')
    await expect(reapprove).toContainText(
      'This tab lost your approval of this trade (its saved copy could not be read), so your node will not sign its steps. Check the trade and approve it again to let it go on.',
      { timeout: 120_000 },
    )
    await expect(a.getByTestId('trades-notice')).toHaveText(
      'A trade needs you: approve it again below so your node can sign.',
    )
    await a.getByTestId('trade-approve-again').click()
    // The terms the node holds, shown before anything is written.
    await expect(a.getByTestId('reapprove-give')).toHaveText('10 APL')
    await expect(a.getByTestId('reapprove-get')).toHaveText('25 BAN')
    await expect(a.getByTestId('reapprove-with')).toHaveText(/^0x[0-9a-fA-F]{40} \(the taker\)$/)
    await a.getByTestId('trade-approve-confirm').click()
    await expect(reapprove).toHaveCount(0, { timeout: 30_000 })
    // Writing the approvals again kept the damaged text aside: the page says so once, until dismissed.
    const kept = a.getByTestId('kept-aside')
    await expect(kept).toContainText(
      `Part of what this browser saved could not be read (your approvals of trades): it was kept aside, unchanged, in this site's storage under tabchain.swapApprovals.${profile}.damaged`,
    )
    expect(
      await a.evaluate((key) => localStorage.getItem(key), `tabchain.swapApprovals.${profile}.damaged`),
    ).toBe(JSON.stringify(['{"0x']))
    await kept.getByRole('button', { name: 'Dismiss' }).click()
    await expect(kept).toHaveCount(0)
    await bothCompleted(a, b)
  } finally {
    await close()
  }
})
