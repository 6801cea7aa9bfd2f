import { type Browser, expect, type Locator, type Page, test } from '@playwright/test'
import { HTLC_ADDRESS } from '../src/node/contracts/addresses'
import { FAST_URL, openNode, waitDirect, waitInPage } from './helpers'
import {
  doneSteps,
  fastTraders,
  importWallet,
  mineBlock,
  mineUntilSwap,
  pendingFrom,
  postAndTake,
  revealPhrase,
  sameHead,
  type Trader,
  unlockWallet,
} from './market-steps'

/**
 * A counterparty's tab goes away mid-swap and the one left is refunded after its own timelock, on the
 * fast test chain (k = 1: the post-offer form's defaults are an 8-block taker and a 21-block maker
 * timelock). Nobody mines unless the test says so (`mineBlock`, `mineUntilSwap`), so each lock lands in a
 * block the test chose. With k = 1 a counterparty acts within milliseconds of the block it waits for,
 * faster than a context closes; so its node is stopped (worker terminated) just before that block is
 * mined, and its context closed once the block is on chain. (Freezing the page with
 * Page.setWebLifecycleState is not enough: its node still received the block and signed its lock.)
 */

/**
 * Stops a tab's node at once: its worker is terminated, so it runs nothing more (no block, no signature,
 * no transaction), as when the browser discards the tab. The page stays until its context is closed.
 */
async function stopNode(trader: Trader): Promise<void> {
  await trader.page.evaluate(() => window.tabchain?.worker.terminate())
}

/**
 * What `who` holds now: head, native balance, and its balance of each token of a swap (`tokens`: APL and
 * BAN; by default those of the first swap `page`'s node holds).
 */
async function holdings(page: Page, who: string, tokens?: readonly [string, string]) {
  const [head, coin, tokenA, tokenB] = await page.evaluate(
    async ({ address, tokens }) => {
      const api = window.tabchain?.node.api
      if (api === undefined) throw new Error('no node')
      const terms = tokens === null ? (await api.swaps())[0]?.terms : { tokenA: tokens[0], tokenB: tokens[1] }
      const holder = address as `0x${string}`
      const balanceOf = async (token: string | undefined) =>
        token === undefined
          ? ''
          : String((await api.verifiedTokenBalance(token as `0x${string}`, holder)).value)
      return [
        String((await api.head()).number),
        String((await api.account(holder)).balance),
        await balanceOf(terms?.tokenA),
        await balanceOf(terms?.tokenB),
      ]
    },
    { address: who, tokens: tokens ?? null },
  )
  return { head: BigInt(head), coin: BigInt(coin), tokenA, tokenB }
}

/** The tokens (APL, BAN) of the swap `page`'s node holds. */
async function swapTokens(page: Page): Promise<[string, string]> {
  return page.evaluate(async () => {
    const terms = (await window.tabchain?.node.api.swaps())?.[0]?.terms
    if (terms === undefined) throw new Error('no swap')
    return [terms.tokenA, terms.tokenB] as [string, string]
  })
}

/**
 * Another browser, whose profile never held a wallet or a swap, on the fast chain (as a light node with
 * `light`): linked to `peer`, on its head, and holding the HTLC's logs up to it.
 */
async function freshBrowser(browser: Browser, peer: Trader, light = false): Promise<Trader> {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  const id = await openNode(page, `${FAST_URL}/wallet?mine=0${light ? '&mode=light' : ''}`)
  await waitDirect(page, await peer.page.evaluate(() => window.tabchain?.network.peerId ?? ''), 60_000)
  await waitDirect(peer.page, id, 60_000)
  await sameHead(peer.page, page)
  // Its head may be a header its light client took while its node still executes the block: the block's
  // logs held (the HTLC's, at least) before the peer may leave.
  await waitInPage(
    page,
    async ({ htlc, head }) =>
      ((
        await window.tabchain?.node.api.logs({
          fromBlock: 0n,
          toBlock: BigInt(head),
          address: htlc as `0x${string}`,
        })
      )?.length ?? 0) > 0,
    {
      htlc: HTLC_ADDRESS,
      head: await peer.page.evaluate(async () => String((await window.tabchain?.node.api.head())?.number)),
    },
    { timeout: 30_000 },
  )
  return { ctx, page, address: '' }
}

/** The network fees `who` paid in blocks after `after`: Σ gas used × effective price, and the txs' targets. */
async function feesSince(page: Page, who: string, after: bigint): Promise<{ fees: bigint; to: string[] }> {
  const [fees, to] = await page.evaluate(
    async ({ address, after }) => {
      const api = window.tabchain?.node.api
      if (api === undefined) throw new Error('no node')
      let total = 0n
      const to: string[] = []
      for (const hash of await api.addressTransactions(address as `0x${string}`, 100)) {
        const r = await api.receipt(hash)
        if (r === null) throw new Error(`no receipt for ${hash}`)
        if (r.from.toLowerCase() !== address || r.blockNumber <= BigInt(after)) continue
        total += r.gasUsed * r.effectiveGasPrice
        to.push(r.to.toLowerCase())
      }
      return [String(total), to]
    },
    { address: who, after: String(after) },
  )
  return { fees: BigInt(fees), to }
}

/**
 * Clicks a Swap locks row's `button` (Refund, Collect), approves the transaction the dialog titles
 * `title`, mines it (on `miner`, by default the same tab), and waits until the Wallet lists no lock.
 */
async function settleFromWallet(page: Page, button: Locator, title: RegExp, miner = page): Promise<void> {
  await button.click()
  // A light node proves the account's nonce and the call's state first.
  await expect(page.getByTestId('approval-title')).toHaveText(title, { timeout: 30_000 })
  await page.getByTestId('approval-confirm').click()
  await expect(page.getByTestId('open-lock-sent')).toBeVisible()
  await mineBlock(miner)
  await expect(page.getByTestId('swap-locks')).toHaveCount(0, { timeout: 30_000 })
}

/**
 * `who` holds `held` of the swap's two tokens, and its coin went down since `before` by the fees of its
 * approval, its lock and the refund or redeem that settled it, and nothing else.
 */
async function expectPaidFees(
  page: Page,
  who: string,
  before: { head: bigint; coin: bigint },
  tokens: readonly [string, string],
  held: readonly [string, string],
): Promise<void> {
  const after = await holdings(page, who, tokens)
  expect([after.tokenA, after.tokenB]).toEqual(held)
  const paid = await feesSince(page, who, before.head)
  expect(paid.to).toHaveLength(3)
  expect(before.coin - after.coin).toBe(paid.fees)
}

test('B closes its tab after A locked: A is refunded after its timelock; tokens exact, coin down by gas only', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const [a, b] = await fastTraders(browser)
  try {
    const before = await holdings(a.page, a.address)
    await postAndTake(a.page, b.page)
    // A's node signs its approval and lock at once, without a dialog; they wait in its mempool.
    await pendingFrom(a.page, a.address, 2)
    const start = await holdings(a.page, a.address)
    expect(start.tokenA).toBe('100000')

    // B's node stops, A's lock is mined, and B's tab closes: B never locks.
    await stopNode(b)
    const mined = await mineBlock(a.page)
    test.info().annotations.push({
      type: 'lock block',
      description: `#${mined.block}, miner stopped at #${mined.head}`,
    })
    await expect(doneSteps(a.page)).toHaveText(['✓You lock 10 APL'], { timeout: 30_000 })
    // One story of time: the deadline names the block A's node takes its lock back at; no count beside it.
    await expect(a.page.getByTestId('trade-deadline')).toHaveText(
      /^Keep this tab open until block #\d+ \(~[^)]+\), or until the taker collects your 10 APL if that comes first: if the taker has not collected it by then, your node takes your 10 APL back\.$/,
    )
    await expect(a.page.getByTestId('trade-refund')).toHaveCount(0)
    await b.ctx.close()
    // The taker's tab gone while A waits on its lock: A's trade says so, and when its lock comes back.
    await expect(a.page.getByTestId('trade-next')).toContainText(
      "Waiting for the taker's tab, which is not linked now: if it does not come back, your 10 APL come back by refund at block #",
      { timeout: 30_000 },
    )

    // A mines alone; past its timelock its node refunds by itself.
    await mineUntilSwap(a.page, 'Refunded', 120_000)
    await expect(a.page.getByTestId('trade-history')).toContainText('You sell 10 APL for 25 BAN')
    await expect(a.page.getByTestId('trade-history')).toContainText('Refunded: your 10 APL came back to you.')
    const states = await a.page.evaluate(async () =>
      ((await window.tabchain?.node.api.swaps()) ?? []).flatMap((s) => s.status.steps.map((t) => t.state)),
    )
    expect(states).not.toContain('TakerLocked')

    await a.page.getByRole('link', { name: 'Wallet' }).first().click()
    await expect(a.page.getByTestId('token-balance-APL')).toContainText('1,000 APL', { timeout: 30_000 })
    const after = await holdings(a.page, a.address)
    expect(after.tokenA).toBe('100000')
    expect(after.tokenB).toBe('0')
    // The coin paid the approval, the lock and the refund, and nothing else.
    const paid = await feesSince(a.page, a.address, before.head)
    expect(paid.to).toHaveLength(3)
    expect(paid.fees).toBeGreaterThan(0n)
    expect(before.coin - after.coin).toBe(paid.fees)
  } finally {
    await a.ctx.close()
    await b.ctx.close()
  }
})

test('A closes after B locked and never returns: B mines alone and is refunded after its timelock', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const [a, b] = await fastTraders(browser)
  try {
    const before = await holdings(b.page, b.address)
    await postAndTake(a.page, b.page)
    await pendingFrom(a.page, a.address, 2)
    // A mines its own lock and stops; B, with k = 1, signs its approval and lock as soon as it sees it.
    const mined = await mineBlock(a.page)
    test.info().annotations.push({
      type: 'maker lock block',
      description: `#${mined.block}, miner stopped at #${mined.head}`,
    })
    await pendingFrom(b.page, b.address, 2)

    // A's node stops before B's lock is mined, and its tab closes once the lock is on chain: A never
    // redeems, and never comes back.
    await stopNode(a)
    await mineBlock(b.page)
    await expect(doneSteps(b.page)).toHaveText(['✓They lock 10 APL', '✓You lock 25 BAN'], {
      timeout: 30_000,
    })
    await expect(b.page.getByTestId('trade-refund')).toHaveText(
      /^If the swap does not complete, your node takes your 25 BAN back at block #\d+ \(~[^)]+\)\.$/,
    )
    await a.ctx.close()
    // The maker's tab gone while B waits on its redeem: B's trade says so, and when its lock comes back.
    await expect(b.page.getByTestId('trade-next')).toContainText(
      "Waiting for the maker's tab, which is not linked now: if it does not come back, your 25 BAN come back by refund at block #",
      { timeout: 30_000 },
    )
    // The refund line and the wait name the same block.
    const refundBlock = (await b.page.getByTestId('trade-refund').textContent())?.match(/block #(\d+)/)?.[1]
    expect(refundBlock).toBeDefined()
    await expect(b.page.getByTestId('trade-next')).toContainText(`at block #${refundBlock} (`)
    // B's tab loads again while it waits (the same profile): its page saw no agreement this time, and
    // still says so, from the other tab its node's swap record names.
    await openNode(b.page, `${FAST_URL}/wallet?mine=0`)
    await unlockWallet(b.page)
    await b.page.getByRole('link', { name: 'Market', exact: true }).click()
    await expect(b.page.getByTestId('trade-next')).toContainText(
      "Waiting for the maker's tab, which is not linked now: if it does not come back, your 25 BAN come back by refund at block #",
      { timeout: 60_000 },
    )

    await mineUntilSwap(b.page, 'Refunded', 120_000)
    await expect(b.page.getByTestId('trade-history')).toContainText('You buy 10 APL for 25 BAN')
    await expect(b.page.getByTestId('trade-history')).toContainText('Refunded: your 25 BAN came back to you.')

    await b.page.getByRole('link', { name: 'Wallet' }).first().click()
    await expect(b.page.getByTestId('token-balance-BAN')).toContainText('1,000 BAN', { timeout: 30_000 })
    const after = await holdings(b.page, b.address)
    // B holds all its BAN again and no APL (A's lock stays in the HTLC until A comes back).
    expect(after.tokenB).toBe('100000')
    expect(after.tokenA).toBe('0')
    const paid = await feesSince(b.page, b.address, before.head)
    expect(paid.to).toHaveLength(3)
    expect(before.coin - after.coin).toBe(paid.fees)
  } finally {
    await a.ctx.close()
    await b.ctx.close()
  }
})

/** What a lost-profile swap starts from (`lostProfileSwap`). */
interface LostSwap {
  readonly a: Trader
  readonly b: Trader
  /** The recovery phrase of the side whose profile is lost. */
  readonly phrase: string
  /** Its holdings before the swap. */
  readonly before: { readonly head: bigint; readonly coin: bigint }
  readonly tokens: [string, string]
  /** Another browser linked to `peer` (`freshBrowser`), closed with the traders. */
  readonly fresh: (peer: Trader, light?: boolean) => Promise<Trader>
}

/**
 * Two traders on the fast chain, the phrase and holdings of `lost`'s side read, A's offer taken by B and
 * A's approval and lock in its pool; then `run`. Every browser is closed after it.
 */
async function lostProfileSwap(
  browser: Browser,
  lost: 'a' | 'b',
  run: (swap: LostSwap) => Promise<void>,
): Promise<void> {
  test.setTimeout(240_000)
  const [a, b] = await fastTraders(browser)
  const opened: Trader[] = [a, b]
  try {
    const who = lost === 'a' ? a : b
    const phrase = await revealPhrase(who.page)
    const before = await holdings(who.page, who.address)
    await postAndTake(a.page, b.page)
    await pendingFrom(a.page, a.address, 2)
    const tokens = await swapTokens(a.page)
    const fresh = async (peer: Trader, light = false): Promise<Trader> => {
      const trader = await freshBrowser(browser, peer, light)
      opened.push(trader)
      return trader
    }
    await run({ a, b, phrase, before, tokens, fresh })
  } finally {
    for (const { ctx } of opened) await ctx.close()
  }
}

for (const light of [false, true])
  test(`A locks, B never does, and A's profile is lost: its phrase imported in another browser${light ? ' running as a light node' : ''} refunds the lock from the Wallet`, async ({
    browser,
  }) => {
    await lostProfileSwap(browser, 'a', async ({ a, b, phrase, before, tokens, fresh }) => {
      // B's node stops and A's lock is mined: B never locks.
      await stopNode(b)
      await mineBlock(a.page)
      await expect(doneSteps(a.page)).toHaveText(['✓You lock 10 APL'], { timeout: 30_000 })
      await b.ctx.close()
      // Another browser on A's head (a light one gets its headers and proofs from a full one, which mines);
      // then A's profile is gone for good (its node stopped, its browser closed).
      const miner = light ? await fresh(a) : null
      const c = await fresh(miner ?? a, light)
      const mines = miner ?? c
      await stopNode(a)
      await a.ctx.close()

      // A's recovery phrase in the other browser: the lock is listed, refundable at its timelock.
      expect(await importWallet(c.page, phrase)).toBe(a.address)
      const lock = c.page.getByTestId('open-lock')
      await expect(lock).toHaveCount(1, { timeout: 30_000 })
      await expect(lock.getByTestId('open-lock-what')).toHaveText(/^You locked 10 APL for 0x/)
      await expect(lock.getByTestId('open-lock-state')).toHaveText(
        /^Refundable from block \d+ \(~[^)]+ from now\), unless the recipient collects it first\.$/,
      )
      await expect(lock.getByTestId('open-lock-refund')).toHaveCount(0)
      // It mines alone to the timelock, and stops there: the Refund comes with the block.
      const timelock = /block (\d+)/.exec(
        (await lock.getByTestId('open-lock-state').textContent()) ?? '',
      )?.[1]
      await mines.page.evaluate(() => window.tabchain?.node.api.setMining(true))
      await waitInPage(
        mines.page,
        async (at) => ((await window.tabchain?.node.api.head())?.number ?? 0n) >= BigInt(at),
        timelock ?? '',
        { timeout: 90_000 },
      )
      await mines.page.evaluate(() => window.tabchain?.node.api.setMining(false))
      await expect(lock.getByTestId('open-lock-refund')).toBeVisible({ timeout: 30_000 })
      await expect(lock.getByTestId('open-lock-state')).toContainText(
        'is reached: a refund pays your 10 APL back to you.',
      )
      await settleFromWallet(c.page, lock.getByTestId('open-lock-refund'), /^Refund swap lock /, mines.page)
      await expectPaidFees(mines.page, a.address, before, tokens, ['100000', '0'])
    })
  })

test("A redeems B's lock after B's profile is lost: B's phrase imported in another browser collects A's lock with the secret on chain", async ({
  browser,
}) => {
  await lostProfileSwap(browser, 'b', async ({ a, b, phrase, before, tokens, fresh }) => {
    await mineBlock(a.page)
    // B signs its approval and lock as soon as it sees A's; they reach A's pool, and B's node stops
    // before it sees anything more: it never redeems.
    await pendingFrom(b.page, b.address, 2)
    await pendingFrom(a.page, b.address, 2)
    await stopNode(b)
    await b.ctx.close()
    // A mines B's lock, then its own redeem of it, which makes the secret public.
    await mineBlock(a.page)
    await mineBlock(a.page)
    await waitInPage(
      a.page,
      async () => (await window.tabchain?.node.api.swaps())?.[0]?.status.state === 'SecretRevealed',
      null,
      { timeout: 30_000 },
    )
    // A's own lock is its engine's to run: A's Wallet lists no lock.
    await a.page.getByRole('link', { name: 'Wallet' }).first().click()
    await expect(a.page.getByTestId('token-balance-BAN')).toContainText('25 BAN', { timeout: 30_000 })
    await expect(a.page.getByTestId('swap-locks')).toHaveCount(0)

    // B's recovery phrase in another browser: A's lock to B, collectable with the secret A's redeem showed.
    const c = await fresh(a)
    expect(await importWallet(c.page, phrase)).toBe(b.address)
    const lock = c.page.getByTestId('open-lock')
    await expect(lock).toHaveCount(1, { timeout: 30_000 })
    await expect(lock.getByTestId('open-lock-what')).toHaveText(/^0x.+ locked 10 APL for you$/)
    await expect(lock.getByTestId('open-lock-state')).toContainText('collect your 10 APL before block ')
    await settleFromWallet(c.page, lock.getByTestId('open-lock-collect'), /^Redeem swap lock /)
    await expectPaidFees(c.page, b.address, before, tokens, ['1000', '97500'])
  })
})
