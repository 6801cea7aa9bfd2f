import AxeBuilder from '@axe-core/playwright'
import { expect, type Locator, type Page, test } from '@playwright/test'
import { documentSeesOffline, FAST_URL, openNode, waitForServiceWorker } from './helpers'
import { fastTraders, postOffer, takeOffer } from './market-steps'

/** The WCAG 2.x A and AA rules axe-core holds (2.0, 2.1, 2.2). */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

const LAPTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

/**
 * What axe's label-content-name-mismatch (WCAG 2.5.3) wrongly flags: a hex value shown short
 * (`0x12345678…abcdef`, `12D3…x7Qa`) whose accessible name spells it whole (`TxLink`, `PeerId`) — the
 * visible text is the whole value elided, not a label missing from the name.
 */
const ELIDED_HEX = /^<[a-z]+ [^>]*class="[^"]*\b(peer-id|short-hex)\b/

/**
 * The live regions (a role that is one, or `aria-live` other than off) inside another: a screen reader
 * may say what changes in them twice. Each as its tag and test id or class.
 */
function nestedLiveRegions(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const live =
      '[role="status"], [role="alert"], [role="log"], [role="marquee"], [role="timer"], [aria-live]:not([aria-live="off"])'
    return Array.from(document.querySelectorAll(live))
      .filter((el) => el.parentElement?.closest(live) != null)
      .map((el) => `${el.tagName.toLowerCase()} ${el.getAttribute('data-testid') ?? el.className}`)
  })
}

/**
 * `page` as it is now (`ready` shown) has no WCAG A/AA violation axe-core finds, nor a live region
 * inside another, on a laptop and on a phone; each failure names the rule and the elements. The page
 * is left at the laptop's size.
 */
async function accessible(page: Page, where: string, ready: Locator): Promise<void> {
  for (const viewport of [PHONE, LAPTOP]) {
    await page.setViewportSize(viewport)
    await expect(ready).toBeVisible()
    const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze()
    const found = violations.flatMap((v) => {
      const nodes = v.nodes.filter(
        (n) => !(v.id === 'label-content-name-mismatch' && ELIDED_HEX.test(n.html)),
      )
      return nodes.length === 0
        ? []
        : [
            `${v.id} (${v.help}): ${nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`,
          ]
    })
    expect.soft(found, `axe on ${where} at ${viewport.width} px`).toEqual([])
    expect.soft(await nestedLiveRegions(page), `nested live regions on ${where}`).toEqual([])
  }
}

/** Goes to `path` inside the app, as a link does (no reload: the node keeps running, the wallet open). */
async function goTo(page: Page, path: string): Promise<void> {
  await page.evaluate((p) => {
    history.pushState(null, '', p)
    dispatchEvent(new PopStateEvent('popstate'))
  }, path)
}

test('every screen, with data on it, passes axe on a laptop and a phone', async ({ browser }) => {
  test.setTimeout(240_000)
  const [a, b] = await fastTraders(browser)
  const page = a.page

  await goTo(page, '/')
  await accessible(page, 'Home', page.getByTestId('chain-head'))
  await goTo(page, '/wallet')
  await accessible(page, 'Wallet (unlocked)', page.getByTestId('selected-balance'))
  await goTo(page, '/tokens')
  await accessible(page, 'Tokens', page.getByTestId('activity-row').first())
  await goTo(page, '/network')
  await accessible(page, 'Network', page.getByTestId('peer-row').first())
  await goTo(page, '/explorer')
  await accessible(page, 'Explorer', page.getByTestId('block-row').first())
  await goTo(page, '/block/1')
  await accessible(page, 'a block', page.getByTestId('block-detail'))
  await goTo(page, `/address/${a.address}`)
  await accessible(page, 'an address', page.getByTestId('address-tx').first())
  await page.getByTestId('address-tx').first().getByRole('link').first().click()
  await accessible(page, 'a transaction', page.getByRole('heading', { level: 1 }))
  await goTo(page, '/block/999999')
  await accessible(page, 'a block not found', page.getByText('is not on this node’s chain'))
  await goTo(page, '/no/such/page')
  await accessible(page, 'a page not found', page.getByRole('heading', { name: 'Page not found' }))
  await page.getByTestId('profile-name').click()
  await accessible(page, 'the profile picker', page.getByRole('menu', { name: 'Profiles' }))
  await page.keyboard.press('Escape')

  await postOffer(page, { maker: 197, taker: 66 })
  await accessible(page, 'Market (an offer posted)', page.getByTestId('my-offer-row'))
  await goTo(b.page, '/market')
  const buy = b.page.getByTestId('book-row').getByRole('button', { name: 'Buy 10 APL', exact: true })
  await b.page.getByLabel('Token traded', { exact: true }).selectOption({ label: 'APL' })
  await b.page.getByLabel('Token it is priced in', { exact: true }).selectOption({ label: 'BAN' })
  await accessible(b.page, 'Market (an offer in the book)', buy)
  await buy.click()
  await accessible(b.page, 'the take dialog', b.page.getByTestId('take-dialog'))
  await b.page.keyboard.press('Escape')
  await takeOffer(page, b.page, { maker: 197, taker: 66 })
  await accessible(b.page, 'Market (My trades, a trade)', b.page.getByTestId('trade').first())

  await goTo(page, '/wallet')
  await page.getByTestId('lock').click()
  await accessible(page, 'Wallet (locked)', page.getByTestId('unlock-button'))
  await a.ctx.close()
  await b.ctx.close()
})

test('a notice and the offline header pass axe, each said once', async ({ context }) => {
  // A second tab asked for the profile the first runs: it runs another and says so in a notice.
  const first = await context.newPage()
  await openNode(first, `${FAST_URL}/?mine=0`)
  const wanted = await first.evaluate(() => window.tabchain?.profileId ?? '')
  const page = await context.newPage()
  await openNode(page, `${FAST_URL}/?profile=${wanted}&mine=0`)
  // Its service worker in control, for the offline reload at the end.
  await waitForServiceWorker(page)
  const notice = page.getByTestId('profile-taken')
  await accessible(page, 'a notice', notice)
  // The notice is one live region, in none (`accessible` checks no live region is in another).
  await expect(notice).toHaveRole('status')
  await expect(page.locator('.toasts')).not.toHaveAttribute('aria-live')

  // Going offline is said once, by the header's sentence, in a live region there beforehand.
  const strip = page.getByTestId('network-state')
  const said = strip.getByTestId('offline-said')
  await expect(strip.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected')
  await expect(said).toHaveRole('status')
  await expect(said).toBeEmpty()
  await said.evaluate((el) => el.setAttribute('data-before', ''))
  await context.setOffline(true)
  await expect(strip).toHaveAttribute('data-online', 'false')
  await expect(strip.getByTestId('relay-status')).toHaveAttribute('data-state', 'offline')
  await expect(said).toHaveAttribute('data-before')
  await expect(said).toContainText('You’re offline. This node keeps running on this device')
  const spoken = await Promise.all((await strip.getByRole('status').all()).map((r) => r.ariaSnapshot()))
  expect(spoken.filter((s) => /offline/i.test(s))).toHaveLength(1)
  await accessible(page, 'offline', said)

  // Reloaded offline, the shell comes from the service worker's precache and says it is offline.
  const reloaded = await page.reload()
  expect(reloaded?.fromServiceWorker()).toBe(true)
  await documentSeesOffline(page, context)
  await expect(said).toContainText('You’re offline. This node keeps running on this device')
  await accessible(page, 'the shell reloaded offline', said)
})
