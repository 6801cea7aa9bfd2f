import { expect, type Page, test } from '@playwright/test'
import { getAddress } from 'viem'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../src/node/contracts/addresses'
import {
  expectProblem,
  FAST_URL,
  gapBetween,
  linkedPair,
  openNode,
  profileOf,
  storedHeadIs,
  waitInPage,
} from './helpers'

const setMining = (page: Page, on: boolean) =>
  page.evaluate((m) => window.tabchain?.node.api.setMining(m), on)

const TOKEN_FACTORY = getAddress(TOKEN_FACTORY_ADDRESS)
const HTLC = getAddress(HTLC_ADDRESS)
const ZERO = getAddress(ZERO_ADDRESS)
/** An account no test key holds. */
const RECIPIENT = '0x1111111111111111111111111111111111111111'

/** The Explorer's link among the sections. */
const explorer = (page: Page) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Explorer' })

/**
 * Opens the fast chain's Tokens screen (mining) and creates 1,000 Gold (GLD, 2 decimals) as this tab's
 * devnet account; returns the token's address once this tab holds it.
 */
async function createGold(page: Page): Promise<string> {
  await openNode(page, `${FAST_URL}/tokens`)
  await page.locator('#token-name').fill('Gold')
  await page.locator('#token-symbol').fill('GLD')
  await page.locator('#token-decimals').fill('2')
  await page.locator('#token-supply').fill('1000')
  await page.getByRole('button', { name: 'Create token' }).click()
  const holding = page.getByTestId('holding')
  await expect(holding).toHaveCount(1, { timeout: 60_000 })
  return getAddress((await holding.getAttribute('data-token')) ?? '')
}

/** The newest row of this tab's transaction list. */
const lastAction = (page: Page) => page.getByTestId('activity-row').first()

test('A creates a token and sends some to B; B shows the balance once it is in a block, not before', async ({
  browser,
}) => {
  // Two contexts mining and verifying on a shared 2-core machine: blocks can take a while.
  test.setTimeout(300_000)
  const { a, b, close } = await linkedPair(browser, '/tokens', '/tokens?mine=0', 30_000)
  try {
    // Each profile acts as its own devnet account; make sure the two tabs are two users.
    const addressA = (await a.getByTestId('my-address').textContent()) ?? ''
    if ((await b.getByTestId('my-address').textContent()) === addressA) {
      const current = Number(await b.getByLabel('Devnet account').inputValue())
      await b.getByLabel('Devnet account').selectOption(String((current + 1) % 10))
      await expect(b.getByTestId('my-address')).not.toHaveText(addressA)
    }
    const addressB = (await b.getByTestId('my-address').textContent()) ?? ''
    expect(addressB).toMatch(/^0x[0-9a-fA-F]{40}$/)

    // Bad input is caught in the form, before anything is sent: a submit shows every field's problem
    // beside it, and each one is said as soon as it is typed.
    const [name, supply] = [a.locator('#token-name'), a.locator('#token-supply')]
    // The form's heading stands apart from its first field's label (it sat flush on it).
    expect(
      await gapBetween(
        a.getByRole('heading', { name: 'Create a token' }),
        a.getByText('Name', { exact: true }),
      ),
    ).toBeGreaterThanOrEqual(8)
    await expectProblem(a, name, 'token-name-problem', null)
    await a.getByRole('button', { name: 'Create token' }).click()
    await expectProblem(a, name, 'token-name-problem', 'The name must be 1 to 64 characters.')
    await expectProblem(a, supply, 'token-supply-problem', 'Initial supply: Enter an amount.')
    await name.fill('Gold')
    await expectProblem(a, name, 'token-name-problem', null)
    // The decimals say what they mean for an amount (their field's description): in the symbol once typed.
    const decimals = a.locator('#token-decimals')
    await expect(decimals).toHaveAccessibleDescription(
      'Up to 18 digits after the point: 0.000000000000000001 is the smallest amount anyone can hold or send.',
    )
    await a.locator('#token-symbol').fill('GLD')
    await decimals.fill('2')
    await expect(decimals).toHaveAccessibleDescription(
      'Up to 2 digits after the point: 0.01 GLD is the smallest amount anyone can hold or send.',
    )
    await supply.fill('1000.001')
    await expectProblem(a, supply, 'token-supply-problem', 'Initial supply: At most 2 decimals.')
    await a.getByRole('button', { name: 'Create token' }).click()
    await expect(a.getByTestId('activity-row')).toHaveCount(0)

    // A creates the token (A mines): pending, then confirmed once in a block.
    await a.locator('#token-supply').fill('1000')
    await a.getByRole('button', { name: 'Create token' }).click()
    await expect(lastAction(a)).toHaveAttribute('data-state', /pending|confirmed/)
    // Said under the form too (a status, heard without leaving it), with a link to the transaction.
    const sent = a.getByTestId('create-token').getByRole('status')
    await expect(sent).toHaveText(
      /^Sent: 0x[0-9a-f]{8}…[0-9a-f]{6} — its progress is listed under Your transactions\.$/,
    )
    await expect(sent.getByRole('link')).toHaveAttribute('href', /^\/tx\/0x[0-9a-f]{64}$/)
    await expect(lastAction(a)).toHaveAttribute('data-state', 'confirmed', { timeout: 120_000 })
    // When it was mined, as the Wallet's Activity says it: "12s ago", the block's date in its tooltip.
    await expect(lastAction(a).getByTestId('activity-time')).toHaveText(/^(just now|\d+.* ago)$/)
    const holdingA = a.locator('[data-testid="holding"][data-symbol="GLD"]')
    await expect(holdingA).toHaveAttribute('data-balance', '100000', { timeout: 30_000 })
    const token = (await holdingA.getAttribute('data-token')) ?? ''

    // A wrong recipient and more than A holds are said beside their fields as they are typed.
    const [recipient, amount] = [a.getByLabel('Recipient address'), a.getByLabel(/^Amount/)]
    await recipient.fill('0x1234')
    await expectProblem(
      a,
      recipient,
      'use-recipient-problem',
      'That is not an address (0x and 40 hex digits).',
    )
    await amount.fill('1000.01')
    await expectProblem(a, amount, 'use-amount-problem', 'You have only 1,000 GLD.')
    await a.getByRole('button', { name: 'Send', exact: true }).click()
    await expect(a.getByTestId('activity-row')).toHaveCount(1)

    // A stops mining, so the transfer stays pending long enough to look at both screens meanwhile.
    await setMining(a, false)
    await recipient.fill(addressB.toLowerCase())
    await amount.fill('250.5')
    await expectProblem(a, recipient, 'use-recipient-problem', null)
    await expectProblem(a, amount, 'use-amount-problem', null)
    await a.getByRole('button', { name: 'Send', exact: true }).click()
    await expect(lastAction(a)).toHaveAttribute('data-state', 'pending')
    await expect(lastAction(a).getByTestId('tx-status')).toHaveText('Pending — not in a block yet')
    const hash = ((await lastAction(a).getByRole('link').getAttribute('href')) ?? '').replace('/tx/', '')
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)

    // B has the transaction in its mempool, yet shows no balance: it is not in a block.
    await waitInPage(
      b,
      async (h) => (await window.tabchain?.node.api.transaction(h as `0x${string}`))?.state === 'pending',
      hash,
      { timeout: 30_000, interval: 100 },
    )
    await expect(b.locator(`[data-testid="holding"][data-token="${token}"]`)).toHaveCount(0)
    // B's explorer (navigated within the page: a reload would empty its mempool) says pending too.
    await b.getByRole('link', { name: 'Explorer', exact: true }).click()
    await expect(b.locator(`[data-testid="pending-tx"] a[href="/tx/${hash}"]`)).toBeVisible()
    await b.getByLabel(/^Search/).fill(hash)
    await b.getByRole('button', { name: 'Open' }).click()
    await expect(b.getByTestId('tx-status')).toHaveAttribute('data-state', 'pending')
    await b.getByRole('link', { name: 'Tokens', exact: true }).click()
    await expect(b.getByTestId('my-address')).toHaveText(addressB)
    await expect(b.locator(`[data-testid="holding"][data-token="${token}"]`)).toHaveCount(0)

    // A mines again: the transfer is confirmed on A, and B's screen shows the balance.
    await setMining(a, true)
    await expect(lastAction(a)).toHaveAttribute('data-state', 'confirmed', { timeout: 120_000 })
    // B's node holds the block with the transfer (the machine may be loaded: allow time)…
    await waitInPage(
      b,
      async (h) => (await window.tabchain?.node.api.receipt(h as `0x${string}`)) != null,
      hash,
      {
        timeout: 120_000,
        interval: 250,
      },
    ).catch(async (err: unknown) => {
      const heads = await Promise.all(
        [a, b].map((p) =>
          p.evaluate(async () => (await window.tabchain?.node.api.head())?.number.toString()),
        ),
      )
      throw new Error(`B never held the transfer's block (heads A, B: ${heads.join(', ')}): ${String(err)}`)
    })
    // …and its screen, following the head, shows the balance.
    const holdingB = b.locator(`[data-testid="holding"][data-token="${token}"]`)
    await expect(holdingB).toHaveAttribute('data-balance', '25050', { timeout: 30_000 })
    await expect(holdingB.getByTestId('holding-balance')).toHaveText('250.5 GLD')
    await expect(holdingA).toHaveAttribute('data-balance', String(100000 - 25050))

    // B's explorer agrees: the token page lists the mint and the transfer.
    await holdingB.getByRole('link').click()
    await expect(b.getByTestId('token-detail')).toBeVisible()
    await expect(b.getByTestId('token-supply')).toHaveText('1,000 GLD')
    await expect(b.getByTestId('token-transfer')).toHaveCount(2)

    // A call that would revert fails at once with the decoded reason, and sends nothing.
    await a.getByLabel('Recipient address').fill('0x0000000000000000000000000000000000000000')
    await a.getByLabel(/^Amount/).fill('1')
    await a.getByRole('button', { name: 'Send', exact: true }).click()
    await expect(lastAction(a)).toHaveAttribute('data-state', 'failed')
    await expect(lastAction(a).getByTestId('tx-status')).toHaveText(
      'Failed: ERC20: transfer to the zero address',
    )
    await expect(a.getByTestId('use-token').getByRole('alert')).toHaveText(
      'Not sent: ERC20: transfer to the zero address',
    )

    // B reloads: its profile, head and balance come back from its own database, nothing is fetched.
    await setMining(a, false)
    const headA = await a.evaluate(async () => (await window.tabchain?.node.api.head())?.hash)
    await waitInPage(b, async (h) => (await window.tabchain?.node.api.head())?.hash === h, headA, {
      timeout: 60_000,
    })
    const profileB = await profileOf(b)
    await storedHeadIs(b, profileB ?? '', headA ?? '')
    await b.goto('/tokens?mine=0')
    await b.reload()
    await b.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 60_000 })
    expect(await profileOf(b)).toBe(profileB)
    expect(await b.evaluate(async () => (await window.tabchain?.node.api.head())?.hash)).toBe(headA)
    await expect(holdingB).toHaveAttribute('data-balance', '25050', { timeout: 30_000 })
    expect(await b.evaluate(() => window.tabchain?.node.api.stats())).toMatchObject({
      blocksFetchedBySync: 0,
      blocksFromGossip: 0,
    })
  } finally {
    await close()
  }
})

test('two tabs of one browser act as two different devnet accounts, each kept across a reload', async ({
  context,
}) => {
  const [a, b] = [await context.newPage(), await context.newPage()]
  await openNode(a, '/tokens?mine=0')
  await openNode(b, '/tokens?mine=0')
  const addressA = (await a.getByTestId('my-address').textContent()) ?? ''
  const addressB = (await b.getByTestId('my-address').textContent()) ?? ''
  expect(addressA).toMatch(/^0x[0-9a-fA-F]{40}$/)
  expect(addressB).toMatch(/^0x[0-9a-fA-F]{40}$/)
  expect(addressB).not.toBe(addressA)
  await b.reload()
  await expect(b.getByTestId('my-address')).toHaveText(addressB, { timeout: 30_000 })
})

test('a token whose symbol hides a right-to-left override, and one of 78 digits, read as they are and stay inside their tables, at a desktop and a phone width', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  // The fast chain, mining: each creation is in a block within moments.
  await openNode(page, `${FAST_URL}/tokens`)
  const create = async (name: string, symbol: string, supply: string): Promise<void> => {
    await page.locator('#token-name').fill(name)
    await page.locator('#token-symbol').fill(symbol)
    await page.locator('#token-decimals').fill('0')
    await page.locator('#token-supply').fill(supply)
    await page.getByRole('button', { name: 'Create token' }).click()
    await expect(page.locator('#token-name')).toHaveValue('', { timeout: 30_000 })
  }
  // U+202E makes what follows it read right to left: unescaped, "1,000 X" would show as "000,1".
  await create('Spoof', 'X\u202E', '1000')
  await create('Wide', 'W'.repeat(16), `${2n ** 256n - 1n}`)
  await expect(page.getByTestId('holding')).toHaveCount(2, { timeout: 60_000 })
  await expect(
    page.getByTestId('holding').filter({ hasText: 'Spoof' }).getByTestId('holding-balance'),
  ).toHaveText('1,000 X\\u{202E}')
  await expect(page.getByTestId('activity-row').filter({ hasText: 'Create X' })).toContainText(
    'Create X\\u{202E} (1,000 X\\u{202E})',
  )

  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 })
    // A cell whose text runs past it, or a table past its section, named by the text.
    const spilled = await page.evaluate(() =>
      ['holdings', 'activity'].flatMap((id) => {
        const table = document.querySelector(`[data-testid="${id}"]`)
        if (table === null) return [`no ${id} table`]
        const edge = table.parentElement?.getBoundingClientRect().right ?? 0
        const wide = table.getBoundingClientRect().right > edge + 0.5 ? [`${id} past its section`] : []
        const cells = Array.from(table.querySelectorAll('td'))
          .filter((td) => td.scrollWidth > td.clientWidth + 0.5)
          .map((td) => `${id}: ${td.textContent?.slice(0, 24)}`)
        return [...wide, ...cells]
      }),
    )
    expect(spilled, `at ${width} px`).toEqual([])
  }
})

test('the explorer names the native contracts, mints and known tokens, and an address page says what the address is', async ({
  page,
}) => {
  test.setTimeout(180_000)
  // The fast chain, mining: each transaction is in a block within moments.
  const token = await createGold(page)
  const created = page.getByTestId('activity-row').filter({ hasText: 'Create GLD' })
  await expect(created).toHaveAttribute('data-state', 'confirmed', { timeout: 60_000 })
  const createHash = ((await created.getByRole('link').getAttribute('href')) ?? '').replace('/tx/', '')

  // An allowance, in a block: the token's address page words it below as the wallet does.
  const action = page.getByLabel('Action', { exact: true })
  await action.selectOption('approve')
  await page.getByLabel('Spender address').fill(RECIPIENT)
  await page.getByLabel(/^Amount/).fill('2.5')
  await page.getByRole('button', { name: 'Approve a spender' }).click()
  await expect(lastAction(page)).toHaveAttribute('data-state', 'confirmed', { timeout: 60_000 })
  const approveHash = ((await lastAction(page).getByRole('link').getAttribute('href')) ?? '').replace(
    '/tx/',
    '',
  )
  await action.selectOption('transfer')

  // A transfer left pending: the explorer's pending list names the token it calls, not its hash.
  await setMining(page, false)
  await page.getByLabel('Recipient address').fill(RECIPIENT)
  await page.getByLabel(/^Amount/).fill('1')
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(lastAction(page)).toHaveAttribute('data-state', 'pending')
  const sendHash = ((await lastAction(page).getByRole('link').getAttribute('href')) ?? '').replace('/tx/', '')
  // Navigated within the page: a reload would empty its mempool.
  await explorer(page).click()
  const pending = page.getByTestId('pending-tx')
  await expect(pending).toHaveCount(1)
  await expect(pending.getByRole('cell').nth(2).getByTestId('address-name')).toHaveText('Gold (GLD)')
  await expect(pending.getByRole('cell').nth(2).getByRole('link')).toHaveAttribute(
    'href',
    `/address/${token}`,
  )
  // The sender is an account: shown by its address.
  await expect(pending.getByRole('cell').nth(1).getByTestId('address-name')).toHaveCount(0)
  await expect(pending.getByRole('cell').nth(1)).toContainText('0x')
  await setMining(page, true)
  await expect(pending).toHaveCount(0, { timeout: 60_000 })

  // The token's creation: sent to the TokenFactory, named.
  const search = page.getByLabel(/^Search/)
  await search.fill(createHash)
  await page.getByRole('button', { name: 'Open' }).click()
  // First, what it did: the token it created, at its address.
  await expect(page.getByTestId('tx-headline')).toHaveText(
    `Create token Gold (GLD) with 1,000 GLD, at ${token.slice(0, 10)}…${token.slice(-6)}`,
  )
  /** The value of the Tx page's fact labelled `label`. */
  const fact = (label: string) =>
    page
      .getByTestId('tx-detail')
      .locator('.facts__row')
      .filter({ has: page.getByRole('term').getByText(label, { exact: true }) })
      .locator('dd')
  await expect(fact('Fee paid')).toHaveText(/^0\.\d+ TAB \([\d,]+ gas × [\d.]+ gwei\)$/)
  await expect(fact('Gas used')).toHaveText(/^[\d,]+ of the [\d,]+ allowed \(its gas limit\)$/)
  const to = page.getByTestId('tx-detail').locator('.facts__row').filter({ hasText: /^To/ })
  await expect(to.getByTestId('address-name')).toHaveText('TokenFactory')
  await expect(to).toContainText(TOKEN_FACTORY)
  // Its address page says what it is, and lists the creation.
  await to.getByRole('link').click()
  await expect(page.getByTestId('address-kind')).toHaveAttribute('data-kind', 'native')
  await expect(page.getByTestId('address-kind')).toHaveText(
    'TokenFactory: the native contract that creates tokens, each a contract at an address of its own.',
  )
  await expect(page.getByTestId('balance')).toHaveText('0 TAB')
  await expect(page.locator(`[data-testid="tx-list"] a[href="/tx/${createHash}"]`)).toBeVisible()
  // A row that says what the transaction did, the amount, its block and status, not a bare hash.
  const creation = page.getByTestId('address-tx').filter({ has: page.locator(`a[href="/tx/${createHash}"]`) })
  await expect(creation.getByRole('cell').first()).toHaveText('Create token Gold (GLD) with 1,000 GLD')
  await expect(creation.getByTestId('address-tx-amount')).toHaveText('1,000 GLD')
  await expect(creation.getByRole('cell').nth(2)).toHaveText(/^#\d/)
  await expect(creation.getByTestId('tx-status')).toHaveAttribute('data-state', 'confirmed')

  // The HTLC contract likewise.
  await explorer(page).click()
  await search.fill(HTLC)
  await page.getByRole('button', { name: 'Open' }).click()
  await expect(page.getByTestId('address-kind')).toHaveAttribute('data-kind', 'native')
  // In the swap steps' words (collect, take back), naming the calls its transactions are listed by.
  await expect(page.getByTestId('address-kind')).toHaveText(
    "HTLC (atomic swaps): the native contract that holds the coins and tokens locked in atomic swaps, until the other side collects them with the swap's secret (a redeem) or, once the lock has run out, the side that locked them takes them back (a refund).",
  )

  // A token by its name or symbol, in any case: the search says which token it found, and opens its page.
  await explorer(page).click()
  await search.fill('gold')
  await expect(page.getByTestId('search-tokens')).toHaveText(
    `Open goes to the token Gold (GLD) ${token.slice(0, 10)}…${token.slice(-6)}.`,
  )
  await search.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/token/${token}$`, 'i'))

  // A token contract's address page: its name, symbol, decimals and supply, linking to its token page.
  await explorer(page).click()
  await search.fill(token.toLowerCase())
  await page.getByRole('button', { name: 'Open' }).click()
  await expect(page.getByTestId('address-kind')).toHaveAttribute('data-kind', 'token')
  await expect(page.getByTestId('address-kind')).toHaveText('Token contract: Gold (GLD)')
  await expect(
    page
      .getByTestId('address-detail')
      .locator('.facts__row')
      .filter({ hasText: /^Decimals/ }),
  ).toHaveText('Decimals2')
  await expect(page.getByTestId('address-token-supply')).toHaveText('1,000 GLD')
  // The transactions sent to it, as for any address.
  await expect(page.locator(`[data-testid="tx-list"] a[href="/tx/${sendHash}"]`)).toBeVisible()
  const send = page.getByTestId('address-tx').filter({ has: page.locator(`a[href="/tx/${sendHash}"]`) })
  // Between two others: the token contract moved nothing of its own.
  await expect(send.getByRole('cell').first()).toHaveText(
    /^Transfer 1 GLD from 0x[0-9a-fA-F]{8}…[0-9a-fA-F]{6} to 0x/,
  )
  await expect(send).toHaveAttribute('data-direction', 'none')
  // An approve, seen from neither side: who allowed whom, a ceiling, nothing moved.
  const approve = page.getByTestId('address-tx').filter({ has: page.locator(`a[href="/tx/${approveHash}"]`) })
  await expect(approve.getByRole('cell').first()).toHaveText(
    /^0x[0-9a-fA-F]{8}…[0-9a-fA-F]{6} allowed 0x11111111…111111 to spend up to 2\.5 GLD$/,
  )
  await expect(approve).toHaveAttribute('data-direction', 'none')
  // Its tokens' movements between holders are on its token page.
  await expect(page.getByTestId('address-token-transfers').getByRole('link')).toHaveAttribute(
    'href',
    `/token/${token}`,
  )

  // Its token page: the mint comes from "mint" (the zero address) to this tab, the transfer goes to an account.
  await page.getByTestId('address-kind').getByRole('link').click()
  const transfers = page.getByTestId('token-transfer')
  await expect(transfers).toHaveCount(2)
  const mint = transfers.last()
  await expect(mint.getByRole('cell').nth(1).getByTestId('address-name')).toHaveText('mint')
  // Minted to this tab's own (devnet) account: marked as yours.
  await expect(mint.getByRole('cell').nth(2).getByTestId('address-name')).toHaveText('you')
  await expect(transfers.first().getByRole('cell').nth(2)).not.toContainText('mint')
  // The zero address's page says what it is.
  await mint.getByRole('cell').nth(1).getByRole('link').click()
  await expect(page).toHaveURL(new RegExp(`/address/${ZERO}$`))
  await expect(page.getByTestId('address-kind')).toHaveAttribute('data-kind', 'zero')
  await expect(page.getByTestId('address-kind')).toContainText('The zero address: no one holds its key.')
  // An account's: an account.
  await page.goBack()
  await mint.getByRole('cell').nth(2).getByRole('link').click()
  await expect(page.getByTestId('address-kind')).toHaveAttribute('data-kind', 'account')
  await expect(page.getByTestId('address-kind')).toHaveText(
    'An account: whoever holds its key signs its transactions.',
  )
})

test('the explorer names a token after the Tokens screen while blocks keep coming: "Transfer 1 GLD", not base units', async ({
  page,
}) => {
  test.setTimeout(180_000)
  // The fast chain, mining all along: new heads come faster than the explorer's token list is read.
  const token = await createGold(page)
  await page.getByLabel('Recipient address').fill(RECIPIENT)
  await page.getByLabel(/^Amount/).fill('1')
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(lastAction(page)).toHaveAttribute('data-state', 'confirmed', { timeout: 60_000 })
  const sendHash = ((await lastAction(page).getByRole('link').getAttribute('href')) ?? '').replace('/tx/', '')

  // Tokens → Explorer within the page, then the token's address page, the chain still mining.
  await explorer(page).click()
  await page.getByLabel(/^Search/).fill(token)
  await page.getByRole('button', { name: 'Open' }).click()
  const send = page.getByTestId('address-tx').filter({ has: page.locator(`a[href="/tx/${sendHash}"]`) })
  await expect(send.getByRole('cell').first()).toHaveText(
    /^Transfer 1 GLD from 0x[0-9a-fA-F]{8}…[0-9a-fA-F]{6} to 0x11111111…111111$/,
  )
  // The account it went to, likewise: its row names the token.
  await explorer(page).click()
  await page.getByLabel(/^Search/).fill(RECIPIENT)
  await page.getByRole('button', { name: 'Open' }).click()
  const received = page.getByTestId('address-tx').filter({ has: page.locator(`a[href="/tx/${sendHash}"]`) })
  await expect(received.getByRole('cell').first()).toHaveText(/^Receive 1 GLD from 0x/)
})
