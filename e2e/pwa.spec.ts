import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { documentSeesOffline, tabTo, waitForServiceWorker } from './helpers'

/** Pixel size from a PNG's IHDR chunk (bytes 16–23), after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  expect(bytes.subarray(0, 8).equals(signature), 'PNG signature').toBe(true)
  expect(bytes.subarray(12, 16).toString('latin1'), 'first chunk is IHDR').toBe('IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

interface ManifestIcon {
  readonly src: string
  readonly sizes: string
  readonly type?: string
  readonly purpose?: string
}

test.describe('PWA', () => {
  test('the service worker installs and activates', async ({ page }) => {
    await page.goto('/')
    await waitForServiceWorker(page)
    const scriptURL = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)
    expect(new URL(scriptURL ?? '').pathname).toBe('/sw.js')
  })

  test('the manifest is valid and its icons are served at their declared sizes', async ({
    page,
    request,
  }) => {
    await page.goto('/')
    const href = await page.locator('link[rel="manifest"]').getAttribute('href')
    expect(href).toBeTruthy()
    const manifestUrl = new URL(href ?? '', page.url())
    const res = await request.get(manifestUrl.href)
    expect(res.status()).toBe(200)
    const manifest = (await res.json()) as Record<string, unknown>

    expect(manifest).toMatchObject({
      name: 'Tabchain',
      short_name: 'Tabchain',
      start_url: '/',
      scope: '/',
      display: 'standalone',
    })
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i)
    const themeMeta = await page.locator('meta[name="theme-color"]').getAttribute('content')
    expect(themeMeta?.toLowerCase()).toBe(String(manifest.theme_color).toLowerCase())

    const icons = manifest.icons as ManifestIcon[]
    expect(Array.isArray(icons)).toBe(true)
    for (const size of [192, 512]) {
      const any = icons.find(
        (i) => i.sizes === `${size}x${size}` && (i.purpose ?? 'any').split(' ').includes('any'),
      )
      expect(any, `an icon of ${size}x${size} for any purpose`).toBeDefined()
    }
    expect(icons.some((i) => i.purpose?.split(' ').includes('maskable'))).toBe(true)

    for (const icon of icons) {
      const url = new URL(icon.src, manifestUrl).href
      const got = await request.get(url)
      expect(got.status(), url).toBe(200)
      expect(got.headers()['content-type'], url).toMatch(/^image\/png\b/)
      const [w, h] = icon.sizes.split('x').map(Number)
      expect(pngSize(await got.body()), url).toEqual({ width: w, height: h })
    }
  })

  test('the built app runs under its Content-Security-Policy without violations', async ({ page }) => {
    const refused: string[] = []
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) refused.push(m.text())
    })
    await page.addInitScript(() => {
      const seen: string[] = []
      Object.assign(window, { cspViolations: seen })
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      )
    })
    await page.goto('/')
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    // The node worker starts and the relay link comes up: worker-src and connect-src allow what the app needs.
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected', {
      timeout: 30_000,
    })
    await expect(page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /^12D3Koo/)
    expect(
      await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    ).toEqual([])
    expect(refused).toEqual([])
  })

  test('a tab running when another tab accepts a new version keeps running and offers a reload into it', async ({
    context,
  }) => {
    // B ran before the app was installed: the first install took it over (no reload).
    const b = await context.newPage()
    await b.goto('/?mine=0')
    await expect
      .poll(() => b.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 })
      .toBe(true)
    // A, a returning user's tab, loaded under the installed version.
    const a = await context.newPage()
    await a.goto('/?mine=0')
    expect(await a.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    await a.evaluate(() => Object.assign(window, { loadedBeforeUpdate: true }))
    // A's user is on the page by keyboard: the offer must not take their focus. Their first key comes once
    // the page is drawn and its node up (pressed before the header was drawn, on a loaded machine, Tab
    // went elsewhere).
    const brand = a.getByRole('link', { name: 'Tabchain overview' })
    await expect(a.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /^12D3Koo/, { timeout: 30_000 })
    await tabTo(a, brand, 1)
    /** A new document of the tab runs its node. */
    const reloaded = () => !('loadedBeforeUpdate' in window) && window.tabchain !== undefined

    // A new version on the server: its service worker differs (the precache, unchanged, installs at once).
    const sw = 'dist/sw.js'
    const original = readFileSync(sw)
    try {
      writeFileSync(sw, Buffer.concat([original, Buffer.from(`\n// e2e version ${Date.now()}\n`)]))
      // Found as a tab's hourly check finds it; both tabs offer it.
      await b.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update())
      for (const tab of [a, b])
        await expect(tab.getByTestId('update-prompt')).toContainText('A new version of Tabchain is ready', {
          timeout: 30_000,
        })
      // Said politely (a status), and left where the focus is.
      await expect(
        a.getByRole('status').filter({ hasText: 'A new version of Tabchain is ready' }),
      ).toHaveCount(1)
      await expect(brand).toBeFocused()
      await b.evaluate(() => Object.assign(window, { loadedBeforeUpdate: true }))
      await b.getByTestId('update-prompt').getByRole('button', { name: 'Reload' }).click()
      // The tab that accepted reloads into the new version.
      await b.waitForFunction(reloaded, undefined, { timeout: 30_000 })
      await expect(b.getByTestId('update-prompt')).toHaveCount(0)

      // The other tab is not reloaded under its user (a form, an approval, a trade step may be open):
      // it says a new version runs and offers the reload.
      const prompt = a.getByTestId('update-prompt')
      await expect(prompt).toContainText('A new version is running in another tab. Reload to use it.')
      expect(await a.evaluate(() => 'loadedBeforeUpdate' in window)).toBe(true)
      // Reached by keyboard just after the header (before the page), and taken with Space.
      await expect(brand).toBeFocused()
      await tabTo(a, prompt.getByRole('button', { name: 'Reload' }), 12)
      await a.keyboard.press('Space')
      await a.waitForFunction(reloaded, undefined, { timeout: 30_000 })
      await expect(a.getByTestId('update-prompt')).toHaveCount(0)
    } finally {
      writeFileSync(sw, original)
    }
  })

  test('a reload into the accepted version that the tab holds (a trade at stake asks before leaving) is done by the prompt later', async ({
    page,
  }) => {
    await page.goto('/?mine=0')
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 })
      .toBe(true)
    await expect(page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /^12D3Koo/, { timeout: 30_000 })
    // What the Market's leave guard does while one of the profile's swaps has coins at stake.
    await page.evaluate(() =>
      Object.assign(window, { loadedBeforeUpdate: true }).addEventListener('beforeunload', (e) =>
        e.preventDefault(),
      ),
    )
    const asked: string[] = []
    // The user stays the first time the browser asks, and leaves the second.
    page.on('dialog', (d) => {
      asked.push(d.type())
      void (asked.length === 1 ? d.dismiss() : d.accept())
    })
    const sw = 'dist/sw.js'
    const original = readFileSync(sw)
    try {
      writeFileSync(sw, Buffer.concat([original, Buffer.from(`\n// e2e version ${Date.now()}\n`)]))
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update())
      const reload = page.getByTestId('update-prompt').getByRole('button', { name: 'Reload' })
      await reload.click({ timeout: 30_000 })
      // The new version took control, and the browser asked before the reload into it: the user stayed.
      await expect.poll(() => asked).toEqual(['beforeunload'])
      expect(await page.evaluate(() => 'loadedBeforeUpdate' in window)).toBe(true)
      // The prompt is still up, and its Reload reloads (no version waits any more to take control).
      await reload.click()
      await page.waitForFunction(
        () => !('loadedBeforeUpdate' in window) && window.tabchain !== undefined,
        undefined,
        {
          timeout: 30_000,
        },
      )
      expect(asked).toEqual(['beforeunload', 'beforeunload'])
      await expect(page.getByTestId('update-prompt')).toHaveCount(0)
    } finally {
      writeFileSync(sw, original)
    }
  })

  test('an offline reload renders the app shell with an offline network state, the chain it had, and reconnects when back online', async ({
    page,
    context,
  }) => {
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto('/')
    await waitForServiceWorker(page)
    await expect(page.getByTestId('network-state')).toHaveAttribute('data-online', 'true')
    // A block this tab mined, to find again after the offline reload (from its own database).
    await expect
      .poll(async () => Number(await page.getByTestId('chain-head').getAttribute('data-number')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0)
    const mined = await page.evaluate(async () => {
      const api = window.tabchain?.node.api
      const head = await api?.head()
      return head === undefined ? null : { number: Number(head.number), hash: head.hash }
    })
    expect(mined).not.toBeNull()
    const chainName = await page.getByTestId('chain-name').textContent()

    await context.setOffline(true)
    const response = await page.reload()
    // Served from the precache: no network, and not Chromium's "No internet" error page.
    expect(response?.fromServiceWorker()).toBe(true)
    await expect(page).toHaveTitle('Tabchain')
    await expect(page.getByRole('link', { name: 'Tabchain overview' })).toBeVisible()
    await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible()
    await documentSeesOffline(page, context)
    await expect(page.getByTestId('network-state')).toHaveAttribute('data-online', 'false')
    await expect(page.getByTestId('network-state')).toContainText('You’re offline')
    await expect(page.getByTestId('chain-name')).toHaveText(chainName ?? '')
    await page.waitForFunction(() => window.tabchain !== undefined)
    expect(
      await page.evaluate(
        async (n) => (await window.tabchain?.node.api.block(BigInt(n)))?.hash,
        mined?.number ?? 0,
      ),
    ).toBe(mined?.hash)

    // A deep link also opens offline (navigation fallback to the cached index.html).
    await page.goto('/network')
    await expect(page.getByRole('link', { name: 'Network' })).toHaveAttribute('aria-current', 'page')
    await documentSeesOffline(page, context)
    await expect(page.getByTestId('network-state')).toHaveAttribute('data-online', 'false')

    // Back online: the relay link comes up without a reload.
    await context.setOffline(false)
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected', {
      timeout: 30_000,
    })
    await expect(page.getByTestId('network-state')).toHaveAttribute('data-online', 'true')
    expect(pageErrors).toEqual([])
  })
})
