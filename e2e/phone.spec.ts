import { expect, type Page, test } from '@playwright/test'
import { FAST_URL, openNode } from './helpers'
import { createWallet } from './market-steps'

/** The narrowest phone the app is laid out for (an iPhone SE's first generation, Android's small screens). */
const NARROW = { width: 320, height: 640 }

/** How far `page`'s document runs past the viewport's right edge, in px (0: it fits). */
const overflowX = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

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

test("at a phone's width every section link shows whole, the current one too", async ({ page }) => {
  await page.setViewportSize(NARROW)
  await openNode(page, '/explorer?mine=0')
  const nav = page.getByRole('navigation', { name: 'Sections' })
  await expect(nav.getByRole('link', { name: 'Explorer' })).toHaveClass(/nav__link--active/)
  // Each link cut by the row's edge (the row scrolls sideways, with no scrollbar), named.
  const cut = await nav.evaluate((row) => {
    const { left, right } = row.getBoundingClientRect()
    return Array.from(row.querySelectorAll('a'))
      .filter(
        (a) => a.getBoundingClientRect().left < left - 0.5 || a.getBoundingClientRect().right > right + 0.5,
      )
      .map((a) => a.textContent)
  })
  expect(cut).toEqual([])
})
