import { expect, test } from '@playwright/test'
import {
  expectProblem,
  FAST_URL,
  linkedPair,
  openNode,
  profileOf,
  storedHeadIs,
  waitInPage,
  waitSubscribed,
} from './helpers'

const head = (page: import('@playwright/test').Page) =>
  page.evaluate(async () => {
    const h = await window.tabchain?.node.api.head()
    return h === undefined ? null : { number: Number(h.number), hash: h.hash }
  })

test('a mining tab makes blocks; a second browser follows each one within 2 s', async ({ browser }) => {
  const pair = await linkedPair(browser, '/')
  const { a, b, close } = pair
  try {
    // Gossip reaches a peer once its subscriptions have arrived (just after the link opens): from
    // then on every block A gossips reaches B, which is what the 2 s bound below is about.
    await waitSubscribed(pair, '/blocks/1')
    expect(await a.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(true)
    expect(await b.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(false)
    let seen = 0
    let last = -1
    while (seen < 3) {
      await waitInPage(
        a,
        async (n) => Number((await window.tabchain?.node.api.head())?.number ?? -1) > n,
        last,
        {
          interval: 20,
        },
      )
      const target = await head(a)
      if (target === null) throw new Error('no head')
      last = target.number
      // B holds that very block (same hash at that height) within 2 s of A having it.
      await waitInPage(
        b,
        async (t) => (await window.tabchain?.node.api.block(BigInt(t.number)))?.hash === t.hash,
        { number: Number(target.number), hash: target.hash },
        { timeout: 2_000, interval: 20 },
      )
      seen++
    }
    // The node panel's switch stops the miner.
    await a.getByRole('checkbox', { name: /Mine on this tab/ }).uncheck()
    await expect(a.getByTestId('mining')).toHaveAttribute('data-enabled', 'false')
    expect(await a.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(false)
    // B ends up holding A's last block.
    const final = await head(a)
    if (final === null) throw new Error('no head')
    await expect
      .poll(() =>
        b.evaluate(async (n) => (await window.tabchain?.node.api.block(BigInt(n)))?.hash, final.number),
      )
      .toBe(final.hash)
    // The switch holds for the profile: a reload (the page opened with no `?mine=`) does not mine again.
    await a.reload()
    await a.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 30_000 })
    await expect(a.getByTestId('mining')).toHaveAttribute('data-enabled', 'false')
    await expect(a.getByRole('checkbox', { name: /Mine on this tab/ })).not.toBeChecked()
    expect(await a.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(false)
  } finally {
    await close()
  }
})

test('a reload resumes from the chain stored in IndexedDB', async ({ page }) => {
  await openNode(page, '/?mine=1')
  await waitInPage(
    page,
    async () => Number((await window.tabchain?.node.api.head())?.number ?? 0) >= 3,
    null,
    {
      timeout: 60_000,
    },
  )
  await page.evaluate(() => window.tabchain?.node.api.setMining(false))
  const before = await head(page)
  if (before === null) throw new Error('no head')
  // Writes are asynchronous behind the in-memory chain: wait for the last block's to be stored.
  await storedHeadIs(page, await profileOf(page), before.hash)
  await page.goto('/?mine=0')
  await page.waitForFunction(() => window.tabchain !== undefined)
  // No peer is there to sync from: the head can only come from this profile's database.
  expect(await head(page)).toEqual(before)
  await expect(page.getByTestId('chain-head')).toHaveAttribute('data-number', String(before?.number))
  // The node panel shows what the profile stores on this device.
  await expect(page.getByTestId('storage')).toContainText(/\d+(\.\d)? (KB|MB|GB)/)
})

test("at a phone's width the home screen's cards hold what they show", async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } })
  try {
    const page = await ctx.newPage()
    await openNode(page, '/?mine=0')
    await expect(page.getByTestId('verified-balance')).toBeVisible()
    // Anything drawn past its card's right edge, named by the card's heading.
    const outside = await page.evaluate(() =>
      Array.from(document.querySelectorAll('article.card')).flatMap((card) => {
        const edge = card.getBoundingClientRect().right
        return Array.from(card.querySelectorAll('*'))
          .filter((e) => {
            const r = e.getBoundingClientRect()
            return r.width > 0 && r.right > edge + 0.5
          })
          .map(
            (e) =>
              `${card.querySelector('h2')?.textContent}: <${e.tagName.toLowerCase()} class="${e.className}">`,
          )
      }),
    )
    expect(outside).toEqual([])
  } finally {
    await ctx.close()
  }
})

test('the explorer lists blocks live and opens a block and an address', async ({ page }) => {
  await openNode(page, '/explorer')
  await expect(page.getByTestId('block-row').first()).toBeVisible()
  await expect(page.getByTestId('explorer-source')).toContainText('read from this tab’s own chain')
  // A search it cannot open says why, rather than leaving Open greyed out; a good one clears it.
  const search = page.getByLabel(/^Search/)
  const what =
    'a block number, an address (0x and 40 hex digits), a transaction’s or block’s hash (0x and 64 hex digits), or a token’s symbol or name'
  for (const bad of ['0x12', '-1', '1.5']) {
    await search.fill(bad)
    await expectProblem(page, search, 'search-error', `Enter ${what}.`)
  }
  // Words are a token's symbol or name: none is called so on this chain yet.
  await search.fill('abc')
  await expectProblem(page, search, 'search-error', `No token called “abc” on this chain. Enter ${what}.`)
  // A mixed-case address whose EIP-55 checksum is wrong is a likely typo, as the wallet's forms read it.
  const checksumProblem = 'The address checksum (EIP-55) does not match: check it for a typo.'
  await search.fill('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')
  await expectProblem(page, search, 'search-error', checksumProblem)
  await expect(page.getByRole('button', { name: 'Open' })).toBeDisabled()
  await search.fill('0')
  await expectProblem(page, search, 'search-error', null)
  await search.fill('')
  await expect(page.getByTestId('search-error')).toHaveCount(0)
  // New blocks appear at the top as the tab mines.
  await expect
    .poll(async () => Number(await page.getByTestId('block-row').first().getAttribute('data-number')), {
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(2)
  await page.evaluate(() => window.tabchain?.node.api.setMining(false))
  await page.getByTestId('block-row').nth(1).getByRole('link').click()
  await expect(page).toHaveURL(/\/block\/\d+$/)
  const shown = await page.getByTestId('block-detail').getAttribute('data-hash')
  const number = BigInt(page.url().split('/').pop() ?? '')
  expect(shown).toBe(
    await page.evaluate((n) => window.tabchain?.node.api.block(n).then((b) => b?.hash), number),
  )
  // Searched by its hash, or by its number as the list writes it ("#12"), it opens too.
  for (const query of [shown ?? '', `#${number.toLocaleString('en-US')}`]) {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Explorer' }).click()
    await search.fill(query)
    await page.getByRole('button', { name: 'Open' }).click()
    await expect(page).toHaveURL(new RegExp(`/block/${number}$`))
    await expect(page.getByTestId('block-detail')).toHaveAttribute('data-hash', shown ?? '')
  }
  // The miner's reward shows on its address page.
  await page
    .getByTestId('block-detail')
    .locator('.facts__row')
    .filter({ has: page.getByRole('term').getByText('Mined by', { exact: true }) })
    .getByRole('link', { name: /^0x/ })
    .click()
  await expect(page).toHaveURL(/\/address\/0x[0-9a-fA-F]{40}$/)
  await expect(page.getByTestId('balance')).toContainText('TAB')
  // Its page's URL with one letter's case changed is not shown as that address either.
  const typo = page.url().replace(/[a-f](?=[0-9a-fA-F]*$)/, (c) => c.toUpperCase())
  await page.goto(typo)
  await expect(page.getByText(`“${typo.split('/').pop()}”: ${checksumProblem}`)).toBeVisible()
  await expect(page.getByTestId('balance')).toHaveCount(0)
  await page.goto('/block/999999999')
  await expect(page.getByText('is not on this node’s chain')).toBeVisible()
  await page.goto(`/tx/0x${'ab'.repeat(32)}`)
  await expect(
    page.getByText('This node knows no such transaction or block: not on its chain, not in its mempool.'),
  ).toBeVisible()
})

test('the explorer pages back through older blocks and returns to the live list', async ({ browser }) => {
  const ctx = await browser.newContext()
  try {
    const page = await ctx.newPage()
    await openNode(page, `${FAST_URL}/explorer`)
    await waitInPage(
      page,
      async () => ((await window.tabchain?.node.api.head())?.number ?? 0n) >= 45n,
      null,
      {
        timeout: 60_000,
      },
    )
    await page.evaluate(() => window.tabchain?.node.api.setMining(false))
    const rows = page.getByTestId('block-row')
    // The live list shows the head once mining has stopped (a block in flight may still land).
    const topRow = async () => Number(await rows.first().getAttribute('data-number'))
    await expect.poll(async () => (await topRow()) - ((await head(page))?.number ?? -1)).toBe(0)
    const top = await topRow()
    await expect(page.getByRole('link', { name: '← Newer' })).toHaveCount(0)

    await page.getByRole('link', { name: 'Older →' }).click()
    await expect(page).toHaveURL(new RegExp(`/explorer\\?upto=${top - 20}$`))
    await expect(rows.first()).toHaveAttribute('data-number', String(top - 20))
    await expect(rows).toHaveCount(20)
    await expect(rows.last()).toHaveAttribute('data-number', String(top - 39))
    // A page that reaches genesis has no Older link; the rows end at block 0.
    for (let upto = top - 40; upto >= 0; upto -= 20) {
      await page.getByRole('link', { name: 'Older →' }).click()
      await expect(rows.first()).toHaveAttribute('data-number', String(upto))
    }
    await expect(rows.last()).toHaveAttribute('data-number', '0')
    await expect(page.getByRole('link', { name: 'Older →' })).toHaveCount(0)

    await page.goto(`${FAST_URL}/explorer?mine=0&upto=${top - 20}`)
    await page.getByRole('link', { name: '← Newer' }).click()
    await expect(page).toHaveURL(/\/explorer$/)
    await expect(rows.first()).toHaveAttribute('data-number', String(top))
    // The live list follows the head again.
    await page.evaluate(() => window.tabchain?.node.api.setMining(true))
    // The miner starts again on the reloaded page: on a loaded machine its first block can take a while.
    await expect.poll(topRow, { timeout: 60_000 }).toBeGreaterThan(top)
  } finally {
    await ctx.close()
  }
})

test('a server started with --genesis runs that chain: the page shows it, and mines it', async ({
  browser,
}) => {
  const ctx = await browser.newContext()
  try {
    const page = await ctx.newPage()
    await openNode(page, '/?mine=0')
    await expect(page.getByTestId('chain-name')).toHaveAttribute('data-chain-id', '31415')
    await expect(page.getByTestId('chain-name')).toContainText('tabchain-devnet')

    const fast = await ctx.newPage()
    await openNode(fast, `${FAST_URL}/`)
    await expect(fast.getByTestId('chain-name')).toHaveAttribute('data-chain-id', '31416')
    await expect(fast.getByTestId('chain-name')).toContainText('tabchain-e2e-fast')
    expect(await fast.evaluate(() => window.tabchain?.provider.request({ method: 'eth_chainId' }))).toBe(
      '0x7ab8',
    )
    // Difficulty 2 and no minimum interval worth speaking of: dozens of blocks in a few seconds.
    await waitInPage(
      fast,
      async () => ((await window.tabchain?.node.api.head())?.number ?? 0n) >= 50n,
      null,
      {
        timeout: 60_000,
      },
    )
    const pace = fast.getByTestId('block-pace')
    await expect(pace.locator('.card__value')).toHaveText('As fast as tabs mine')
    await expect(pace.locator('.muted')).toHaveText(
      "The difficulty (2: guesses per block, on average) is fixed by this test chain's genesis.",
    )
  } finally {
    await ctx.close()
  }
})
