import { expect, type Page, test } from '@playwright/test'
import { overflowX, profileOf, smallTargets } from './helpers'
import { fastTraders, mineBlock, mineUntilSwap, pendingFrom, postAndTake, sameHead } from './market-steps'

/**
 * A live trade on two phones, on the fast test chain (k = 1), nobody mining unless the test says so:
 * the maker A at 320 px (the narrowest phone the app is laid out for), the taker B at 390 px.
 */

/** The visible buttons and links of `page` that run past the screen's left or right edge, by their text. */
const offScreen = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('button, a'))
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => {
        const box = el.getBoundingClientRect()
        return box.left < 0 || box.right > window.innerWidth
      })
      .map((el) => `${el.getAttribute('aria-label') ?? el.textContent?.trim()}`),
  )

/** `page`'s screen at `stage`: no sideways scrolling, every control wholly on it and big enough to tap. */
async function fitsThePhone(page: Page, stage: string): Promise<void> {
  const width = page.viewportSize()?.width
  expect(await overflowX(page), `${stage} at ${width} px`).toBe(0)
  expect(await offScreen(page), `${stage} at ${width} px`).toEqual([])
  expect(await smallTargets(page, 24), `${stage} at ${width} px`).toEqual([])
}

/** The steps of `page`'s one running trade say to a screen reader where each stands, in order: `said`. */
async function stepsSay(page: Page, said: readonly string[]): Promise<void> {
  const marks = page.getByTestId('trade').getByRole('listitem').getByRole('img')
  await expect(marks).toHaveCount(said.length)
  for (const [i, name] of said.entries()) await expect(marks.nth(i)).toHaveAccessibleName(name)
}

test('a trade between a 320 px and a 390 px phone: each stage fits the screen, its steps are spoken, Approve again works by keyboard, both Completed', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const [a, b] = await fastTraders(
    browser,
    { viewport: { width: 320, height: 640 } },
    { viewport: { width: 390, height: 844 } },
  )
  try {
    await postAndTake(a.page, b.page)
    // Taken: A's node signs its approval and lock at once; both cards show the trade's first step.
    await pendingFrom(a.page, a.address, 2)
    await expect(a.page.getByTestId('trade')).toHaveCount(1, { timeout: 30_000 })
    await expect(b.page.getByTestId('trade')).toHaveCount(1, { timeout: 30_000 })
    for (const t of [a, b]) await fitsThePhone(t.page, 'taken')
    // A screen reader hears which step the trade is at, not only the steps' names.
    await stepsSay(a.page, ['Now', 'To come', 'To come', 'To come'])

    // A's lock is mined; A's saved approvals are damaged before B's lock is, so A cannot redeem it.
    await mineBlock(a.page)
    const profile = await profileOf(a.page)
    await a.page.evaluate((key) => localStorage.setItem(key, '{"0x'), `tabchain.swapApprovals.${profile}`)
    await pendingFrom(b.page, b.address, 2)
    await mineBlock(b.page)
    await expect(b.page.getByTestId('trade').locator('[aria-current="step"]')).toContainText(
      'They collect your 25 BAN',
      { timeout: 30_000 },
    )
    await stepsSay(b.page, ['Done', 'Done', 'Now', 'To come'])
    await fitsThePhone(b.page, 'both locked')

    // Approve again, at 320 px, by keyboard: the button, then the terms' Cancel and Approve in turn.
    const again = a.page.getByTestId('trade-approve-again')
    await expect(again).toBeVisible({ timeout: 30_000 })
    await fitsThePhone(a.page, 'approve again')
    await again.focus()
    await a.page.keyboard.press('Enter')
    await expect(a.page.getByTestId('reapprove-with')).toHaveText(/^0x[0-9a-fA-F]{40} \(the taker\)$/)
    await fitsThePhone(a.page, 'the terms to approve')
    await a.page.keyboard.press('Tab')
    await expect(a.page.getByRole('button', { name: 'Cancel' })).toBeFocused()
    await a.page.keyboard.press('Tab')
    await expect(a.page.getByTestId('trade-approve-confirm')).toBeFocused()
    await a.page.keyboard.press('Enter')
    await expect(a.page.getByTestId('trade-reapprove')).toHaveCount(0, { timeout: 30_000 })
    // The notice that the damaged approvals were kept aside names their storage key, one long word: it
    // wraps, and its Dismiss stays on the screen (it ran some 18 px past a 320 px one).
    await expect(a.page.getByTestId('kept-aside')).toContainText(`tabchain.swapApprovals.${profile}.damaged`)
    await fitsThePhone(a.page, 'approved again')

    // A redeems B's lock, B redeems A's: both trades go to History.
    await mineUntilSwap(a.page, 'Completed')
    await sameHead(a.page, b.page)
    await mineUntilSwap(b.page, 'Completed')
    for (const t of [a, b]) {
      await expect(t.page.getByTestId('history-row')).toHaveCount(1, { timeout: 30_000 })
      await expect(t.page.getByTestId('history-row')).toContainText('Done: you received')
      await fitsThePhone(t.page, 'completed')
    }
  } finally {
    await a.ctx.close()
    await b.ctx.close()
  }
})
