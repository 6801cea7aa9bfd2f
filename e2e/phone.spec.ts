import { expect, type Locator, type Page, test } from '@playwright/test'
import { DEVNET_ACCOUNTS } from '../src/node/chain/genesis'
import { FAST_URL, linkedPair, openNode, overflowX, smallTargets } from './helpers'
import { choose, createToken, createWallet, fund } from './market-steps'

/** The narrowest phone the app is laid out for (an iPhone SE's first generation, Android's small screens). */
const NARROW = { width: 320, height: 640 }
/** A touch phone's browser: 390 px wide, a mobile layout viewport, touch events. */
const TOUCH_PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

/**
 * The visible selects of `page` narrower than their longest option, named by their label and the option
 * they show: a select that narrow cuts that option's text when it is chosen. The width a select needs is
 * that of a copy left at its own width, beside it (same font and padding).
 */
const cutSelects = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('select'))
      .filter((s) => s.getClientRects().length > 0)
      .flatMap((s) => {
        const copy = s.cloneNode(true) as HTMLSelectElement
        Object.assign(copy.style, {
          position: 'absolute',
          visibility: 'hidden',
          width: 'auto',
          maxWidth: 'none',
        })
        s.after(copy)
        const needs = copy.getBoundingClientRect().width
        copy.remove()
        const has = s.getBoundingClientRect().width
        const name = s.getAttribute('aria-label') ?? s.closest('label')?.textContent?.trim().slice(0, 20)
        return has + 0.5 < needs ? [`${name}: "${s.selectedOptions[0]?.text}" (${has} of ${needs} px)`] : []
      }),
  )

/**
 * The visible elements of `page` matching `selector` whose text runs over more than one line, by their
 * text: each line of a text is one box of its range.
 */
const wrapped = (page: Page, selector: string): Promise<string[]> =>
  page.evaluate(
    (sel) =>
      Array.from(document.querySelectorAll(sel))
        .filter((el) => el.getClientRects().length > 0)
        .filter((el) => {
          const range = document.createRange()
          range.selectNodeContents(el)
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          )
          return lines.size > 1
        })
        .map((el) => el.textContent ?? ''),
    selector,
  )

/**
 * The labels the small-screen table layout shows before each `td[data-label]` (its `::before`) that break
 * inside a word, with the width they had and needed: the cell is narrower than the label's longest word,
 * measured in a copy with the label's font (the width a word needs to stay whole).
 */
const brokenLabels = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('td[data-label]'))
      .filter((td) => td.getClientRects().length > 0)
      .flatMap((td) => {
        const label = getComputedStyle(td, '::before')
        if (label.content === 'none') return []
        const probe = document.createElement('span')
        for (const p of ['font', 'letterSpacing', 'textTransform'] as const) probe.style[p] = label[p]
        Object.assign(probe.style, { position: 'absolute', visibility: 'hidden', whiteSpace: 'nowrap' })
        document.body.append(probe)
        const needs = Math.max(
          ...(td.dataset.label ?? '').split(' ').map((word) => {
            probe.textContent = word
            return probe.getBoundingClientRect().width
          }),
        )
        probe.remove()
        const cell = getComputedStyle(td)
        const has =
          td.clientWidth - Number.parseFloat(cell.paddingLeft) - Number.parseFloat(cell.paddingRight)
        return has + 0.5 < needs ? [`${td.dataset.label} (${has} of ${needs.toFixed(1)} px)`] : []
      }),
  )

test('on a touch phone every control of every screen is at least 24 px each way (WCAG 2.5.8), and the home screen’s inline mode select a finger’s 44 px', async ({
  browser,
}) => {
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    await openNode(page, '/?mine=0')
    const select = page.getByTestId('node-mode').getByRole('combobox')
    await expect(select).toBeEnabled()
    expect((await select.boundingBox())?.height).toBeGreaterThanOrEqual(44)
    expect(await smallTargets(page, 24), 'Home').toEqual([])
    for (const screen of ['Wallet', 'Tokens', 'Market', 'Explorer', 'Network']) {
      await page.getByRole('link', { name: screen, exact: true }).first().click()
      await expect(page.getByRole('heading', { level: 1, name: screen })).toBeVisible()
      expect(await smallTargets(page, 24), screen).toEqual([])
    }
  } finally {
    await context.close()
  }
})

test("at a phone's width the home screen's mode select shows its whole option", async ({ page }) => {
  await page.setViewportSize(NARROW)
  await openNode(page, '/?mine=0')
  await expect(page.getByTestId('node-mode').getByRole('combobox')).toBeEnabled()
  for (const width of [390, NARROW.width]) {
    await page.setViewportSize({ width, height: 844 })
    expect(await cutSelects(page), `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
})

test("at a laptop's width the home screen's mode select shows its whole option too", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await openNode(page, '/?mine=0')
  await expect(page.getByTestId('node-mode').getByRole('combobox')).toBeEnabled()
  // A quarter of the row cut "switch by itself (light, then fu" and left its sentence's full stop alone below.
  for (const width of [1280, 1000, 800]) {
    await page.setViewportSize({ width, height: 800 })
    expect(await cutSelects(page), `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
})

test("at a phone's width the home screen's short address and hash each stay on one line", async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await openNode(page, '/?mine=0')
  // "Rewards go to 0x14dC7996… / 3d9955": broken at its "…", it read as two figures.
  await expect(page.getByTestId('coinbase').locator('.short-hex')).toBeVisible()
  for (const width of [390, NARROW.width]) {
    await page.setViewportSize({ width, height: 844 })
    expect(await page.locator('.short-hex').count(), `at ${width} px`).toBeGreaterThanOrEqual(2)
    expect(await wrapped(page, '.short-hex'), `at ${width} px`).toEqual([])
    // Each inside its card, none running over the card's edge (at 320 px half the screen has no room).
    const over = await page.locator('.card .short-hex').evaluateAll((els) =>
      els
        .filter((el) => {
          const card = el.closest('.card')
          if (card === null) return false
          const edge =
            card.getBoundingClientRect().right - Number.parseFloat(getComputedStyle(card).paddingRight)
          return el.getBoundingClientRect().right > edge + 0.5
        })
        .map((el) => el.textContent ?? ''),
    )
    expect(over, `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
})

test('on a phone the "saved in this browser" notice covers none of the create-a-token form', async ({
  browser,
}) => {
  // A new context: the service worker installs on this first visit and says so.
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    await openNode(page, '/tokens?mine=0')
    const toast = page.getByRole('status').filter({
      hasText: 'Tabchain is saved in this browser: this page now opens even without a network.',
    })
    await expect(toast).toBeVisible({ timeout: 30_000 })
    // Every field and button of the screen clear of it, where the page shows them (it said "Amount" and
    // a field of the token form lay under it until dismissed).
    const covered = await page.evaluate(() => {
      const notice = Array.from(document.querySelectorAll('.toast')).find((t) =>
        t.textContent?.includes('saved in this browser'),
      )
      if (notice === undefined) return ['no notice']
      const n = notice.getBoundingClientRect()
      return Array.from(document.querySelectorAll('main input, main select, main textarea, main button'))
        .filter((el) => el.getClientRects().length > 0)
        .filter((el) => {
          const r = el.getBoundingClientRect()
          return r.left < n.right && r.right > n.left && r.top < n.bottom && r.bottom > n.top
        })
        .map((el) => el.id || el.textContent || el.tagName)
    })
    expect(covered).toEqual([])
    expect(await overflowX(page)).toBe(0)
  } finally {
    await context.close()
  }
})

test("at a phone's width the wallet's forms beside a button (import a key, rename, reveal the phrase) stay on the screen", async ({
  page,
}) => {
  await page.setViewportSize(NARROW)
  await openNode(page, '/?mine=0')
  await createWallet(page)
  await page.getByRole('button', { name: 'Import private key' }).click()
  await expect(page.getByTestId('import-key')).toBeVisible()
  await page.getByRole('button', { name: 'Rename' }).click()
  await page.getByText('Show recovery phrase').click()
  await expect(page.getByRole('button', { name: 'Reveal' })).toBeVisible()
  expect(await overflowX(page)).toBe(0)
})

test("at a phone's width the market's pair selects show their tokens and the offer form stays on the screen", async ({
  page,
}) => {
  test.setTimeout(180_000)
  await page.setViewportSize(NARROW)
  // The fast chain, mining: each token is in a block within moments; created by the tab's devnet account.
  await openNode(page, `${FAST_URL}/tokens`)
  for (const [name, symbol] of [
    ['Apple', 'APL'],
    ['Banana', 'BAN'],
  ] as const) {
    await page.locator('#token-name').fill(name)
    await page.locator('#token-symbol').fill(symbol)
    await page.locator('#token-decimals').fill('2')
    await page.locator('#token-supply').fill('1000')
    await page.getByRole('button', { name: 'Create token' }).click()
    await expect(page.locator('#token-name')).toHaveValue('', { timeout: 30_000 })
  }
  await expect(page.getByTestId('holding')).toHaveCount(2, { timeout: 60_000 })
  // The offer form is the wallet's.
  await createWallet(page)
  await page.getByRole('link', { name: 'Market', exact: true }).click()
  await expect(page.getByTestId('post-offer')).toBeVisible()
  await expect(page.getByLabel('Token traded').locator('option')).toHaveCount(3, { timeout: 60_000 })
  expect(await cutSelects(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
})

test("at 390 px the Market's offer form says what you hold of the token you sell, and each value of the book and of your open offers shows under its label", async ({
  page,
}) => {
  test.setTimeout(240_000)
  await page.setViewportSize({ width: 390, height: 844 })
  // The fast chain, mining: each transaction is in a block within moments.
  await openNode(page, `${FAST_URL}/wallet`)
  await createWallet(page)
  await fund(page, 'running')
  await createToken(page, 'Apple', 'APL', 'running')
  await createToken(page, 'Banana', 'BAN', 'running')
  await page.getByRole('link', { name: 'Market', exact: true }).click()
  await choose(page, 'Token traded', 'APL')
  await choose(page, 'Token it is priced in', 'BAN')
  // What can be sold is said before anything is typed, beside the amount; too much typed, the problem
  // says it instead (once).
  const holding = page.getByTestId('offer-sell-balance')
  await expect(holding).toHaveText('You have 1,000 APL.')
  const sell = page.locator('#offer-sell-amount')
  await sell.fill('1000.01')
  await expect(page.getByTestId('offer-sellAmount-problem')).toHaveText(
    'Insufficient balance: you have 1,000 APL.',
  )
  await expect(holding).toHaveCount(0)
  await sell.fill('10')
  await expect(holding).toHaveText('You have 1,000 APL.')
  await page.locator('#offer-buy-amount').fill('25')
  await page.getByRole('button', { name: 'Sign and post the offer' }).click()
  await page.getByTestId('approval-confirm').click()
  const row = page.getByTestId('book-row')
  await expect(row).toHaveCount(1, { timeout: 30_000 })
  const mine = page.getByTestId('my-offer-row')
  await expect(mine).toHaveCount(1, { timeout: 30_000 })
  // The tables' heads are hidden at this width: each value carries its own label; the buttons need none.
  const labels = (cells: Locator) =>
    cells.locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content))
  expect(await labels(row)).toEqual(['"Price"', '"Amount"', '"Maker"', '"Expires"', 'none'])
  expect(await labels(mine)).toEqual(['"Offer"', '"Price"', '"Account"', '"Expires"', 'none'])
  expect(await brokenLabels(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
})

test("at a phone's width and at desktop widths every section link shows whole, the current one too, clear of the brand and the profile menu", async ({
  page,
}) => {
  await page.setViewportSize(NARROW)
  await openNode(page, '/explorer?mine=0')
  const nav = page.getByRole('navigation', { name: 'Sections' })
  await expect(nav.getByRole('link', { name: 'Explorer' })).toHaveClass(/nav__link--active/)
  // From 320 px up to where the links share the brand's line (their own row below 861 px), and beyond.
  for (const width of [NARROW.width, 390, 800, 861, 1280]) {
    await page.setViewportSize({ width, height: 844 })
    // Each link cut by the row's edge (the row scrolls sideways, with no scrollbar), or lying over the
    // brand or the profile menu, named.
    const cut = await nav.evaluate((row) => {
      const { left, right } = row.getBoundingClientRect()
      const others = [document.querySelector('.brand'), document.querySelector('.profile-button')].map((el) =>
        el?.getBoundingClientRect(),
      )
      const overlaps = (a: DOMRect, b: DOMRect | undefined) =>
        b !== undefined && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
      return Array.from(row.querySelectorAll('a'))
        .filter((a) => {
          const box = a.getBoundingClientRect()
          return box.left < left - 0.5 || box.right > right + 0.5 || others.some((o) => overlaps(box, o))
        })
        .map((a) => a.textContent)
    })
    expect(cut, `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
})

test('on a touch phone the header’s sections start with Home, the current section only on the home screen, and lead back there', async ({
  browser,
}) => {
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    await openNode(page, '/?mine=0')
    const nav = page.getByRole('navigation', { name: 'Sections' })
    const links = nav.getByRole('link')
    await expect(links).toHaveText(['Home', 'Network', 'Wallet', 'Tokens', 'Market', 'Explorer'])
    const home = nav.getByRole('link', { name: 'Home', exact: true })
    const current = nav.locator('[aria-current="page"]')
    await expect(home).toHaveAttribute('aria-current', 'page')
    await expect(current).toHaveCount(1)
    // Every link whole on the 390 px screen (a phone's browser widens its layout to content that runs past
    // the screen: measured against the screen's width, not innerWidth).
    const boxes = await links.evaluateAll((as) => as.map((a) => a.getBoundingClientRect().toJSON()))
    for (const box of boxes) {
      expect(box.left).toBeGreaterThanOrEqual(0)
      expect(box.right).toBeLessThanOrEqual(TOUCH_PHONE.viewport.width)
    }
    await nav.getByRole('link', { name: 'Wallet', exact: true }).tap()
    await expect(page.getByRole('heading', { level: 1, name: 'Wallet' })).toBeVisible()
    await expect(current).toHaveText(['Wallet'])
    await expect(home).not.toHaveAttribute('aria-current')
    await home.tap()
    await expect(page).toHaveURL((url) => url.pathname === '/')
    await expect(page.getByRole('heading', { level: 1, name: 'This tab is a Tabchain node' })).toBeVisible()
    await expect(current).toHaveText(['Home'])
  } finally {
    await context.close()
  }
})

/**
 * The visible text fields of `page` narrower than their placeholder, by that placeholder, with the width
 * they had and needed (measured in a copy with the field's font): the hint is cut at the field's edge.
 */
const cutPlaceholders = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(
      document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(
        'input[placeholder], textarea[placeholder]',
      ),
    )
      .filter((input) => input.getClientRects().length > 0)
      .flatMap((input) => {
        const style = getComputedStyle(input)
        const probe = document.createElement('span')
        for (const p of ['font', 'letterSpacing'] as const) probe.style[p] = style[p]
        Object.assign(probe.style, { position: 'absolute', visibility: 'hidden', whiteSpace: 'pre' })
        probe.textContent = input.placeholder
        document.body.append(probe)
        const needs = probe.getBoundingClientRect().width
        probe.remove()
        const has =
          input.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight)
        return has + 0.5 < needs ? [`${input.placeholder} (${has} of ${needs.toFixed(1)} px)`] : []
      }),
  )

test("at a phone's width the Explorer's blocks show each column's label whole, and its address page stays on the screen", async ({
  page,
}) => {
  await page.setViewportSize(NARROW)
  await openNode(page, '/explorer?mine=0')
  await expect(page.getByTestId('block-row').first()).toBeVisible()
  expect(await brokenLabels(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
  // The search field's hint shows whole (not "Block number, address or transa"), and Open stays beside
  // the field (on a line of its own it took ~50 px of the first screen).
  const search = page.getByRole('textbox', {
    name: 'Search by block number, address, transaction hash or token',
  })
  const open = page.getByRole('button', { name: 'Open' })
  for (const width of [NARROW.width, 360, 390]) {
    await page.setViewportSize({ width, height: 844 })
    expect(await cutPlaceholders(page), `at ${width} px`).toEqual([])
    const [field, button] = [await search.boundingBox(), await open.boundingBox()]
    expect(field, `at ${width} px`).not.toBeNull()
    expect(button, `at ${width} px`).not.toBeNull()
    if (field === null || button === null) continue
    expect(button.y, `at ${width} px`).toBeLessThan(field.y + field.height)
    expect(button.x, `at ${width} px`).toBeGreaterThan(field.x + field.width)
    expect(button.x + button.width, `at ${width} px`).toBeLessThanOrEqual(width)
  }
  await page.setViewportSize(NARROW)
  await page.goto(`/address/${DEVNET_ACCOUNTS[0]}?mine=0`)
  await expect(page.getByTestId('balance')).toBeVisible({ timeout: 30_000 })
  expect(await brokenLabels(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
})

test("at a phone's width the Explorer's first screen lists the newest blocks, one line each, with Older paging under them", async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 390, height: 844 })
  // The fast chain, mining: blocks for more than two pages within moments.
  await openNode(page, `${FAST_URL}/explorer`)
  const rows = page.getByTestId('block-row')
  await expect(rows.first()).toHaveAttribute('data-number', /^([2-9]\d|\d{3,})$/, { timeout: 90_000 })
  // Ten blocks, each on one line (a card of hash, age, transactions and difficulty took 155 px: the first
  // screen showed two blocks); the hash and difficulty are on the block's page.
  await expect(rows).toHaveCount(10)
  const heights = await rows.evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().height))
  expect(Math.max(...heights)).toBeLessThan(60)
  const onFirstScreen = await rows.evaluateAll(
    (rs) => rs.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length,
  )
  expect(onFirstScreen).toBeGreaterThanOrEqual(6)
  await expect(rows.first().locator('td[data-label="Hash"]')).toBeHidden()
  await expect(rows.first().locator('td[data-label="Age"]')).toBeVisible()
  await expect(rows.first().locator('td[data-label="Txs"]')).toBeVisible()
  expect(await brokenLabels(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
  // Older: the ten before the last one listed.
  await page.getByRole('link', { name: 'Older →' }).click()
  await expect(page).toHaveURL(/\/explorer\?upto=\d+$/)
  const upto = new URL(page.url()).searchParams.get('upto')
  await expect(rows.first()).toHaveAttribute('data-number', upto ?? '')
  await expect(rows).toHaveCount(10)
  await expect(rows.last()).toHaveAttribute('data-number', String(Number(upto) - 9))
})

test("at a phone's width the Network screen shows the relay address whole with a button that copies it, and each short peer id on one line", async ({
  browser,
}) => {
  const { a, idB, close } = await linkedPair(browser, '/network?mine=0')
  try {
    await a.setViewportSize(NARROW)
    await expect(a.locator(`[data-testid="peer-row"][data-peer-id="${idB}"]`)).toBeVisible()
    const address = await a.evaluate(() => {
      const relay = window.tabchain?.network.snapshot().relay
      return relay?.state === 'connected' ? relay.address : ''
    })
    expect(address).toMatch(/^\//)
    // All of it on the screen: wrapped, not cut with "…" (its text reached only screen readers).
    const shown = a.getByTestId('relay-address')
    await expect(shown).toHaveText(address)
    expect(await shown.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
    await a.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await a.getByRole('button', { name: 'Copy the relay address' }).click()
    expect(await a.evaluate(() => navigator.clipboard.readText())).toBe(address)
    // The node's id in the header and the peer's in its row.
    expect(await a.locator('.peer-id .mono').count()).toBe(2)
    expect(await wrapped(a, '.peer-id .mono')).toEqual([])
    // The peer's figures under their labels ("Connected" was split "CONNEC/TED"), each label whole.
    expect(await brokenLabels(a)).toEqual([])
    expect(await overflowX(a)).toBe(0)
  } finally {
    await close()
  }
})

test('at 390 px the Network screen says in words why the relay is out of reach, under the Relay row', async ({
  browser,
}) => {
  // The page's own requests only (a service worker's fetch would pass the route by).
  const context = await browser.newContext({ serviceWorkers: 'block' })
  try {
    const page = await context.newPage()
    await page.setViewportSize({ width: 390, height: 844 })
    // The server in front of the relay failing (a proxy answering 502): the tab cannot learn where it is.
    await page.route('**/api/relay', (route) => route.fulfill({ status: 502, body: 'Bad Gateway' }))
    await openNode(page, '/network?mine=0')
    const relay = page.getByTestId('relay-state')
    await expect(relay).toHaveAttribute('data-state', 'unreachable', { timeout: 30_000 })
    const reason = page.getByTestId('relay-error')
    await expect(reason).toHaveText(
      'The server answered with an error (HTTP 502) when this tab asked where the relay is: it may be restarting, or a proxy in front of it failing.',
    )
    await expect(reason).toBeVisible()
    expect(await reason.evaluate((el) => el.closest('.facts__row')?.querySelector('dt')?.textContent)).toBe(
      'Relay',
    )
    expect(await overflowX(page)).toBe(0)
  } finally {
    await context.close()
  }
})

/**
 * The visible cells of the table `testId` on `page` that show no label before their value (the
 * small-screen layout hides the table's head: a `td` without `data-label` is a bare value), by their text.
 */
const unlabelled = (page: Page, testId: string): Promise<string[]> =>
  page.evaluate(
    (id) =>
      Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"] td`))
        .filter((td) => td.getClientRects().length > 0)
        .filter((td) => {
          const label = getComputedStyle(td, '::before').content
          return label === 'none' || label === 'normal' || label === '""'
        })
        .map((td) => td.textContent ?? ''),
    testId,
  )

test("at 390 and 320 px every value on the Network screen shows under a label: your peer id, the relay and its address, each peer's link and latency", async ({
  browser,
}) => {
  const { a, idA, idB, close } = await linkedPair(browser, '/network?mine=0')
  try {
    await expect(a.locator(`[data-testid="peer-row"][data-peer-id="${idB}"]`)).toBeVisible()
    const facts = a.getByTestId('network-facts')
    await expect(facts.locator('dt')).toHaveText(['Your peer id', 'Relay', 'Relay address'])
    /** The label of the fact row holding `testId`. */
    const labelOf = (testId: string) =>
      a.getByTestId(testId).evaluate((el) => el.closest('.facts__row')?.querySelector('dt')?.textContent)
    expect(await labelOf('own-peer-id')).toBe('Your peer id')
    await expect(a.getByTestId('own-peer-id')).toHaveText(idA)
    expect(await labelOf('relay-state')).toBe('Relay')
    await expect(a.getByTestId('relay-state')).toHaveText('Connected')
    expect(await labelOf('relay-address')).toBe('Relay address')
    for (const width of [390, NARROW.width]) {
      await a.setViewportSize({ width, height: 844 })
      // The peer's id, link and latency each under its label (the table's head is hidden there).
      expect(await unlabelled(a, 'peers'), `at ${width} px`).toEqual([])
      expect(await brokenLabels(a), `at ${width} px`).toEqual([])
      expect(await overflowX(a), `at ${width} px`).toBe(0)
    }
  } finally {
    await close()
  }
})

test("at a phone's width each value of the Tokens screen's 'Your tokens' and 'Your transactions', of a token's transfers and of an address's transactions, shows under its label", async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize(NARROW)
  // The fast chain, mining: the token is in a block within moments; created by the tab's devnet account.
  await openNode(page, `${FAST_URL}/tokens`)
  await page.locator('#token-name').fill('Apple')
  await page.locator('#token-symbol').fill('APL')
  await page.locator('#token-decimals').fill('2')
  await page.locator('#token-supply').fill('1000')
  await page.getByRole('button', { name: 'Create token' }).click()
  const holding = page.getByTestId('holding')
  await expect(holding).toHaveCount(1, { timeout: 60_000 })
  for (const width of [NARROW.width, 390]) {
    await page.setViewportSize({ width, height: 844 })
    // The table's head is hidden at this width: each value carries its own label, whole.
    await expect(page.locator('[data-testid="holdings"] thead')).toBeHidden()
    expect(await unlabelled(page, 'holdings'), `at ${width} px`).toEqual([])
    // 'Your transactions' below it: the creation, each value under its label too.
    await expect(page.locator('[data-testid="activity"] thead')).toBeHidden()
    expect(await unlabelled(page, 'activity'), `at ${width} px`).toEqual([])
    // Its short hashes (and a transfer's "to 0x20F22364…2EfF51") each on one line, never broken at the "…".
    expect(await wrapped(page, '.short-hex'), `at ${width} px`).toEqual([])
    expect(
      await holding
        .locator('td')
        .evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content)),
      `at ${width} px`,
    ).toEqual(['"Token"', '"Balance"', '"Contract"'])
    expect(await brokenLabels(page), `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
  // The token's page: its mint, the one transfer, labelled the same way.
  await page.setViewportSize(NARROW)
  const me = (await page.getByTestId('my-address').textContent()) ?? ''
  await holding.getByRole('link').click()
  await expect(page.getByTestId('token-transfer')).toHaveCount(1)
  expect(await unlabelled(page, 'token-transfers')).toEqual([])
  expect(await brokenLabels(page)).toEqual([])
  expect(await overflowX(page)).toBe(0)
  // The creator's address page: the creation says what it did and what came in, each value labelled.
  await page.goto(`${FAST_URL}/address/${me}`)
  const created = page.getByTestId('address-tx').filter({ hasText: 'Create token Apple (APL)' })
  await expect(created).toHaveAttribute('data-direction', 'in', { timeout: 30_000 })
  await expect(created.getByTestId('address-tx-amount')).toHaveText('+1,000 APL')
  for (const width of [NARROW.width, 390]) {
    await page.setViewportSize({ width, height: 844 })
    await expect(page.locator('[data-testid="tx-list"] thead')).toBeHidden()
    expect(await unlabelled(page, 'tx-list'), `at ${width} px`).toEqual([])
    expect(
      await created
        .locator('td')
        .evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content)),
      `at ${width} px`,
    ).toEqual(['"What"', '"Amount"', '"Block"', '"Status"', '"Transaction"'])
    expect(await brokenLabels(page), `at ${width} px`).toEqual([])
    expect(await overflowX(page), `at ${width} px`).toBe(0)
  }
})

test('at 390 px and at desktop width a peer linked only through the relay says beside its badge whether its direct link is being set up or failed, and why', async ({
  browser,
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()]
  try {
    // Every WebRTC offer fails: the tabs meet through the relay and never get a direct link.
    for (const context of contexts)
      await context.addInitScript(() => {
        Object.defineProperty(RTCPeerConnection.prototype, 'createOffer', {
          value: () => Promise.reject(new Error('no offers in this test')),
        })
      })
    const [a, b] = [await contexts[0]?.newPage(), await contexts[1]?.newPage()]
    if (a === undefined || b === undefined) throw new Error('no page')
    await a.setViewportSize({ width: 390, height: 844 })
    await openNode(a, '/network?mine=0')
    await openNode(b, '/network?mine=0')
    const note = a.locator('[data-testid="peer-row"][data-kind="relayed"] [data-testid="peer-link-note"]')
    await expect(note).toBeVisible({ timeout: 30_000 })
    const flows = ' No blocks or transactions flow until it is up.'
    await expect(note).toHaveText(new RegExp(`^Setting up a direct link…${flows}$`), { timeout: 30_000 })
    // Every attempt fails (4 of them, a few seconds in all): the note says so, with the reason libp2p
    // gives, and when the next dial comes (its backoff and the grace from then; past it, at the peer's
    // next announcement).
    const failed = `Direct link failed \\(WebRTC transport error: Failed to set createOffer\\); trying again (in [1-9]\\d* s|shortly)\\.`
    await expect(note).toHaveText(new RegExp(`^${failed}${flows}$`), { timeout: 30_000 })
    await expect(
      a.locator('[data-testid="peer-row"][data-kind="relayed"] [data-testid="peer-latency"]'),
    ).toHaveText(/^(measuring…|\d+ ms)$/)
    expect(await overflowX(a)).toBe(0)
    await a.setViewportSize({ width: 1280, height: 800 })
    await expect(note).toBeVisible()
    await expect(note).toHaveText(new RegExp(`^(Setting up a direct link…|${failed})${flows}$`))
    expect(await overflowX(a)).toBe(0)
    // Beside that long note, the peers table's column heads each still stand on one line (the latency's
    // head wrapped to two).
    const heads = a.getByTestId('peers').locator('th')
    await expect(heads).toHaveText(['Tab (peer id)', 'Connection', 'Reply time (ping latency)', 'Linked for'])
    const lines = await heads.evaluateAll((ths) =>
      ths.map((th) => {
        const range = document.createRange()
        range.selectNodeContents(th)
        return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size
      }),
    )
    expect(lines).toEqual([1, 1, 1, 1])
  } finally {
    await Promise.all(contexts.map((c) => c.close()))
  }
})

test('on a phone a light tab with no peer yet says its balance waits for one, and its Home screen stays within the screen', async ({
  browser,
}) => {
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    // A phone's browser widens its layout to content that runs past the screen (innerWidth with it): the
    // document's width is measured against the screen's 390 px.
    const width = () => page.evaluate(() => document.documentElement.scrollWidth)
    // Alone on the relay: nobody can prove its balance.
    await openNode(page, '/?mode=light&mine=0')
    await expect(page.getByTestId('node-mode')).toHaveAttribute('data-mode', 'light', { timeout: 30_000 })
    const card = page.getByTestId('verified-balance')
    await expect(card).toHaveAttribute('data-verified', 'false')
    await expect(card).toContainText('Not verified yet: waiting for a peer to prove it.')
    // Whose balance: the devnet account the tab acts with, by name and short address.
    await expect(page.getByTestId('balance-account')).toHaveText(
      /^Devnet account \d+ · 0x[0-9a-fA-F]{8}…[0-9a-fA-F]{6}$/,
    )
    expect(await width()).toBeLessThanOrEqual(390)
    // Any other reason the card shows, naming an account in full, wraps inside the card.
    await card
      .locator('p.muted.small')
      .first()
      .evaluate((note) => {
        note.textContent = `Not verified yet: account 0x${'90f79bf6'.repeat(5)} cannot be proved: a timeout`
      })
    expect(await width()).toBeLessThanOrEqual(390)
  } finally {
    await context.close()
  }
})

test("at 390 px a Wallet Activity row's words keep the row's width: its status goes under them, not beside in a narrow column", async ({
  browser,
}) => {
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    await openNode(page, `${FAST_URL}/?mine=0`)
    await createWallet(page)
    await fund(page)
    await page.getByTestId('tab-activity').click()
    const row = page.getByTestId('activity').locator('li').first()
    await expect(row).toHaveAttribute('data-direction', 'received')
    const [what, status] = [row.locator('> span').first(), row.getByTestId('activity-status')]
    await expect(what).toContainText('Received 10 TAB from the faucet (0x')
    // It says what happened once (no "Received" tag before the title's "Received"), names the faucet this
    // wallet asked (its payer's short address kept), and its hash is short, the whole one its link's
    // accessible name.
    await expect(what).toHaveText(/^Received 10 TAB from the faucet \(0x[0-9a-fA-F]{2}…[0-9a-fA-F]{2}\)$/)
    const link = row.getByRole('link')
    await expect(link).toHaveText(/^0x[0-9a-f]{8}…[0-9a-f]{6}$/)
    await expect(link).toHaveAccessibleName(/^Transaction 0x[0-9a-f]{64}$/)
    const [rowBox, whatBox, statusBox] = [
      await row.boundingBox(),
      await what.boundingBox(),
      await status.boundingBox(),
    ]
    // The words span the row's whole width, the status under them.
    expect(whatBox?.width).toBeCloseTo(rowBox?.width ?? 0, 0)
    expect(statusBox?.y).toBeGreaterThanOrEqual((whatBox?.y ?? 0) + (whatBox?.height ?? 0))
  } finally {
    await context.close()
  }
})

test('on a touch phone a whole address shows in the Wallet’s To field and the Explorer’s search, the page not scrolling sideways', async ({
  browser,
}) => {
  const context = await browser.newContext(TOUCH_PHONE)
  try {
    const page = await context.newPage()
    const address = DEVNET_ACCOUNTS[1] ?? ''
    expect(address).toHaveLength(42)
    /** Whether `field` shows all its text: none of it scrolled out of sight, either way. */
    const whole = (field: ReturnType<Page['getByTestId']>) =>
      field.evaluate((el) => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight)
    // A phone's browser widens its layout to content past the screen: measured against its 390 px.
    const width = () => page.evaluate(() => document.documentElement.scrollWidth)
    await openNode(page, '/?mine=0')
    await createWallet(page)
    const to = page.getByTestId('send-to')
    await to.fill(address)
    await expect(to).toHaveValue(address)
    expect(await whole(to)).toBe(true)
    expect(await width()).toBeLessThanOrEqual(TOUCH_PHONE.viewport.width)
    await page.getByRole('link', { name: 'Explorer', exact: true }).tap()
    const search = page.getByRole('textbox', {
      name: 'Search by block number, address, transaction hash or token',
    })
    await search.fill(address)
    expect(await whole(search)).toBe(true)
    expect(await width()).toBeLessThanOrEqual(TOUCH_PHONE.viewport.width)
    // Enter opens it, as in a one-line field.
    await search.press('Enter')
    await expect(page).toHaveURL(new RegExp(`/address/${address}`, 'i'))
  } finally {
    await context.close()
  }
})

test('on a phone a read that failed, its message naming a whole address and peer id, wraps inside the screen', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await openNode(page, '/tokens?mine=0')
  // What an upgrading light tab showed under Your tokens when no peer held the state it asked for: the
  // message ran off its panel and the page scrolled sideways. Laid out here as the app lays out a failed
  // read (`LoadFailed`), in the screen.
  await page.evaluate(() => {
    const p = document.createElement('p')
    p.className = 'panel panel--error'
    p.dataset.testid = 'long-failure'
    p.textContent = `no peer proved account 0x${'ab'.repeat(20)} (1 asked): 12D3KooWE6WJNrdHrUkC4Y8AMaAnEpjmSGCTrXDttNj8JirSF8k8 holds no state at #6935`
    document.querySelector('.screen')?.append(p)
  })
  const failure = page.getByTestId('long-failure')
  await expect(failure).toBeVisible()
  expect(await failure.evaluate((e) => e.scrollWidth - e.clientWidth)).toBe(0)
  expect(await overflowX(page)).toBe(0)
})
