import { expect, type Locator, type Page, test } from '@playwright/test'
import { FAST_URL, openNode, tabTo } from './helpers'
import { mineBlock } from './market-steps'

/**
 * The app by keyboard alone, at a desktop's width, on the fast test chain (nobody mines unless the test
 * says so): a wallet made, locked and unlocked, a payment sent, a token created, a block searched for.
 * At each step the focus is somewhere a screen reader can say and Tab can go on from: on the new page's
 * heading after a route change, on what replaced a form that went away, on the first wrong field after
 * a refused submit, back on the button that opened a dialog once it closes; never on nothing (<body>).
 */

// The page copies an address: the test reads it back.
test.use({ permissions: ['clipboard-read', 'clipboard-write'] })

const PASSWORD = 'correct horse battery'
const OTHER = '0x976EA74026E726554dB657fA54763abd0C3a0aa9'

/**
 * `target` has the focus, and shows it: the focus ring the keyboard brings (:focus-visible), as WCAG 2.2
 * asks of it (2.4.13): an outline at least 2 px thick, with 3:1 contrast against the background it
 * is drawn over (the nearest one behind the element), as those pixels look unfocused.
 */
async function focusShown(target: Locator): Promise<void> {
  await expect(target).toBeFocused()
  const ring = await target.evaluate((el) => {
    const rgba = (css: string) => {
      const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number)
      return { r, g, b, a: css.startsWith('rgba') ? a : 1 }
    }
    let behind = el.parentElement
    while (behind !== null && rgba(getComputedStyle(behind).backgroundColor).a === 0)
      behind = behind.parentElement
    const under = rgba(getComputedStyle(behind ?? document.documentElement).backgroundColor)
    const style = getComputedStyle(el)
    const line = rgba(style.outlineColor)
    // The outline as drawn: its colour over the background by its alpha.
    const drawn = [line.r, line.g, line.b].map(
      (c, i) => c * line.a + ([under.r, under.g, under.b][i] ?? 0) * (1 - line.a),
    )
    const luminance = (c: number[]) => {
      const [r = 0, g = 0, b = 0] = c.map((v) => {
        const s = v / 255
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
      })
      return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    const [hi, lo] = [luminance(drawn), luminance([under.r, under.g, under.b])].sort((x, y) => y - x)
    return {
      visible: el.matches(':focus-visible'),
      style: style.outlineStyle,
      width: Number.parseFloat(style.outlineWidth),
      contrast: Math.round((((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05)) * 10) / 10,
    }
  })
  expect(ring.visible && ring.style !== 'none', `${target} shows a focus ring`).toBe(true)
  expect(ring.width, `${target}'s focus ring width (px)`).toBeGreaterThanOrEqual(2)
  expect(ring.contrast, `${target}'s focus ring contrast`).toBeGreaterThanOrEqual(3)
}

/** Selects what is typed in the focused field and types `text` over it. */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A')
  await page.keyboard.type(text)
}

test('by keyboard alone: a wallet made, locked and unlocked, a payment, a token, a block searched for; the focus never lost', async ({
  page,
}) => {
  test.setTimeout(60_000)
  await page.setViewportSize({ width: 1280, height: 900 })
  await openNode(page, `${FAST_URL}/?mine=0`)
  const heading = (name: string) => page.getByRole('heading', { name, exact: true })

  // A section chosen in the header: its page's heading takes the focus.
  await tabTo(page, page.getByRole('link', { name: 'Wallet', exact: true }).first())
  await page.keyboard.press('Enter')
  await focusShown(heading('Wallet'))

  // A refused submit puts the focus on the first wrong field, which says what is wrong.
  await tabTo(page, page.getByTestId('phrase-saved'))
  await page.keyboard.press('Space')
  const password = page.getByTestId('new-password')
  await tabTo(page, password)
  await page.keyboard.type('short')
  await page.keyboard.press('Tab')
  await page.keyboard.type('short')
  await page.keyboard.press('Enter')
  await focusShown(password)
  await expect(password).toHaveAttribute('aria-invalid', 'true')
  await expect(password).toHaveAccessibleDescription(/at least 8 characters/)
  await retype(page, PASSWORD)
  await page.keyboard.press('Tab')
  await retype(page, PASSWORD)
  await page.keyboard.press('Enter')
  // Created: the form is gone; the accounts' heading has the focus.
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 30_000,
  })
  await focusShown(heading('Accounts'))

  // Locked: the unlock form's heading has it; a wrong password is announced, the field keeps the focus.
  await tabTo(page, page.getByTestId('lock'), 5, true)
  await page.keyboard.press('Enter')
  await focusShown(heading('Unlock your wallet'))
  await page.keyboard.press('Tab')
  await focusShown(page.getByTestId('password'))
  await page.keyboard.type('wrong password')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('alert').filter({ hasText: 'incorrect password' })).toBeVisible({
    timeout: 30_000,
  })
  await expect(page.getByTestId('password')).toBeFocused()
  await retype(page, PASSWORD)
  await page.keyboard.press('Enter')
  await focusShown(heading('Accounts'))

  await tabTo(page, page.getByTestId('faucet'))
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('faucet-sent')).toBeVisible()
  await mineBlock(page)
  await expect(page.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 30_000 })

  // A bad address and amount: the focus goes to the first of them.
  const to = page.getByTestId('send-to')
  await tabTo(page, to)
  await page.keyboard.type('0x1234')
  await tabTo(page, page.getByTestId('send-amount'))
  await page.keyboard.type('abc')
  await page.keyboard.press('Enter')
  await focusShown(to)
  await expect(to).toHaveAccessibleDescription('That is not an address (0x and 40 hex digits).')
  await retype(page, OTHER)
  await tabTo(page, page.getByTestId('send-amount'))
  await retype(page, '1.5')
  // Sent from its button: the approval dialog gives the focus back to it, and the result is announced.
  const send = page.getByTestId('send-button')
  await tabTo(page, send)
  await page.keyboard.press('Enter')
  const confirm = page.getByTestId('approval-confirm')
  await expect(confirm).toBeEnabled({ timeout: 30_000 })
  await tabTo(page, confirm, 5)
  await page.keyboard.press('Enter')
  await expect(page.getByRole('status').filter({ hasText: 'Sent:' })).toBeVisible({ timeout: 30_000 })
  await focusShown(send)

  // The address copied, said so in a live region.
  await tabTo(page, page.getByTestId('tab-send'), 5, true)
  await page.keyboard.press('ArrowRight')
  const copy = page.getByTestId('receive').getByRole('button')
  await expect(copy).toHaveAccessibleName('Copy address')
  await tabTo(page, copy, 5)
  await page.keyboard.press('Enter')
  await expect(copy.locator('[aria-live="polite"]')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    await page.getByTestId('receive-address').textContent(),
  )

  // A token created from its button, after a refused submit (no supply).
  await tabTo(page, page.getByRole('link', { name: 'Tokens', exact: true }), 40, true)
  await page.keyboard.press('Enter')
  await focusShown(heading('Tokens'))
  await tabTo(page, page.locator('#token-name'))
  await page.keyboard.type('Apple')
  await page.keyboard.press('Tab')
  await page.keyboard.type('APL')
  const create = page.getByRole('button', { name: 'Create token' })
  await tabTo(page, create, 5)
  await page.keyboard.press('Enter')
  const supply = page.locator('#token-supply')
  await focusShown(supply)
  await expect(supply).toHaveAccessibleDescription(/./)
  await page.keyboard.type('1000')
  await tabTo(page, create, 5)
  await page.keyboard.press('Enter')
  await expect(confirm).toBeEnabled({ timeout: 30_000 })
  await tabTo(page, confirm, 5)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('activity-row')).toHaveCount(1, { timeout: 30_000 })
  await focusShown(create)

  // The explorer: a bad query is announced with the focus kept; a block number opens its page.
  await tabTo(page, page.getByRole('link', { name: 'Explorer', exact: true }), 40, true)
  await page.keyboard.press('Enter')
  await focusShown(heading('Explorer'))
  const search = page.getByRole('textbox', { name: /^Search by block number/ })
  await tabTo(page, search, 5)
  await page.keyboard.type('zzz')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('alert').filter({ hasText: 'No token called “zzz”' })).toBeVisible()
  await expect(search).toBeFocused()
  await retype(page, '1')
  await page.keyboard.press('Enter')
  await focusShown(heading('Block #1'))
})

test('a notice dismissed by keyboard gives the focus to the page heading, not to <body>', async ({
  context,
}) => {
  test.setTimeout(60_000)
  // A second tab asked for the profile the first runs: it runs another and says so in a notice.
  const a = await context.newPage()
  await openNode(a, `${FAST_URL}/?mine=0`)
  const wanted = await a.evaluate(() => window.tabchain?.profileId ?? '')
  const b = await context.newPage()
  await openNode(b, `${FAST_URL}/?profile=${wanted}&mine=0`)
  await b.bringToFront()
  const notice = b.getByTestId('profile-taken')
  const dismiss = notice.getByRole('button', { name: 'Dismiss' })
  await tabTo(b, dismiss, 60, true)
  await focusShown(dismiss)
  await b.keyboard.press('Enter')
  await expect(notice).toHaveCount(0)
  await expect(b.getByRole('heading', { name: 'This tab is a Tabchain node', exact: true })).toBeFocused()
})

/** The app opened with the page's clock held, its "saved in this browser" notice shown. */
async function savedNotice(page: Page): Promise<Locator> {
  // The page's timers run only when the test says: the notice's seconds pass without being waited out.
  await page.clock.install()
  await page.goto(`${FAST_URL}/?mine=0`)
  const notice = page.getByRole('status').filter({ hasText: 'Tabchain is saved in this browser' })
  await expect(notice).toBeVisible({ timeout: 30_000 })
  return notice
}

test('the "saved in this browser" notice stays while the focus is on it, then goes without taking the focus', async ({
  page,
}) => {
  const notice = await savedNotice(page)
  const dismiss = notice.getByRole('button', { name: 'Dismiss' })
  await tabTo(page, dismiss)
  // A keyboard user on its button: it does not go from under them, their focus with it.
  await page.clock.runFor(60_000)
  await expect(notice).toBeVisible()
  await focusShown(dismiss)
  // Tabbed on past it: it goes by itself, and the focus stays where the user put it.
  await page.keyboard.press('Tab')
  const next = await page.evaluateHandle(() => document.activeElement)
  await page.clock.runFor(60_000)
  await expect(notice).toHaveCount(0)
  expect(await next.evaluate((el) => el !== document.body && el === document.activeElement)).toBe(true)
})

test('the "saved in this browser" notice stays while a pointer rests on it, and goes once it leaves', async ({
  page,
}) => {
  const notice = await savedNotice(page)
  await notice.hover()
  await page.clock.runFor(60_000)
  await expect(notice).toBeVisible()
  await page.mouse.move(0, 0)
  await page.clock.runFor(60_000)
  await expect(notice).toHaveCount(0)
})
