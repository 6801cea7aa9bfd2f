import { expect, type Page, test } from '@playwright/test'
import { closedProfile, openNode, profileOf } from './helpers'
import { createWallet } from './market-steps'

/**
 * Stores `count` profiles in this origin's registry (localStorage), oldest first, as a bench that opened
 * that many tabs leaves it. Their keys are never read: the tests open their own tab with `?profile=new`.
 */
async function storeProfiles(page: Page, count: number): Promise<void> {
  await page.goto('/api/relay')
  await page.evaluate((n) => {
    for (let i = 0; i < n; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
      const peerId = `12D3KooWStoredProfile${String(i).padStart(4, '0')}`
      const record = { id, name: `Stored ${i + 1}`, createdAt: 1_000 + i, peerId, key: btoa('unused') }
      localStorage.setItem(`tabchain.profile.${id}`, JSON.stringify(record))
    }
  }, count)
}

test('with 30 profiles the picker scrolls its list: the last profile and "New profile" can be reached', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 })
  await storeProfiles(page, 30)
  await openNode(page, '/?profile=new&mine=0')
  await page.getByRole('button', { name: /Profile 31/ }).click()
  const menu = page.getByRole('menu', { name: 'Profiles' })
  await expect(menu.getByTestId('profile-item')).toHaveCount(31)
  await expect(menu.getByRole('menuitem', { name: 'New profile' })).toBeInViewport()
  const last = menu.getByTestId('profile-item').filter({ hasText: 'Stored 30' })
  await last.scrollIntoViewIfNeeded()
  await expect(last).toBeInViewport()
  // The whole menu stays on screen.
  const box = await menu.boundingBox()
  expect((box?.y ?? 0) + (box?.height ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(720)
})

test('the profile menu by keyboard: Tab leaves it closed; its remove dialog, closed by Escape, gives the focus back to the menu button', async ({
  page,
}) => {
  // A profile no tab runs: this tab's own has no remove button.
  await storeProfiles(page, 1)
  await openNode(page, '/?profile=new&mine=0')
  const button = page.locator('.profile-button')
  const menu = page.getByRole('menu', { name: 'Profiles' })
  await button.focus()
  await page.keyboard.press('Enter')
  // The first profile that can be opened here, not a remove button.
  await expect(menu.getByTestId('profile-item').filter({ hasText: 'Stored 1' })).toBeFocused()
  // Tab moves on past the menu and closes it (it stayed open over the page, the focus outside it).
  await page.keyboard.press('Tab')
  await expect(menu).toHaveCount(0)
  await button.focus()
  await page.keyboard.press('Enter')
  await page.keyboard.press('ArrowDown')
  await expect(menu.getByRole('menuitem', { name: 'Remove Stored 1' })).toBeFocused()
  await page.keyboard.press('Enter')
  const dialog = page.getByTestId('remove-profile')
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  // Closed, the focus is where it was before the menu opened (it was on the page's body: the next Tab
  // started again from the top).
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(button).toBeFocused()
  await button.press('Enter')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await dialog.getByRole('button', { name: 'Cancel' }).press('Enter')
  await expect(dialog).toHaveCount(0)
  await expect(button).toBeFocused()
})

test('a profile asked for while open in another tab: the tab says so and names the profile it runs instead', async ({
  context,
}) => {
  const a = await context.newPage()
  await openNode(a, '/?mine=0')
  const wanted = await a.evaluate(() => window.tabchain?.profileId ?? '')
  const wantedName = (await a.getByTestId('profile-name').textContent()) ?? ''

  const b = await context.newPage()
  await openNode(b, `/?profile=${wanted}&mine=0`)
  expect(await b.evaluate(() => window.tabchain?.profileId)).not.toBe(wanted)
  const runningName = (await b.getByTestId('profile-name').textContent()) ?? ''
  const notice = b.getByTestId('profile-taken')
  await expect(notice).toContainText(`${wantedName} is open in another tab`)
  await expect(notice).toContainText(`this tab runs ${runningName}`)
  await notice.getByRole('button', { name: 'Dismiss' }).click()
  await expect(notice).toHaveCount(0)
  // The tab that holds it shows no such notice.
  await expect(a.getByTestId('profile-taken')).toHaveCount(0)
})

/** What this origin stores under profile `id`: its IndexedDB databases and localStorage keys. */
async function storedFor(page: Page, id: string): Promise<{ databases: string[]; keys: string[] }> {
  return page.evaluate(async (id) => {
    const databases = (await indexedDB.databases()).flatMap((d) => (d.name?.includes(id) ? [d.name] : []))
    const keys = Object.keys(localStorage).filter((k) => k.includes(id))
    return { databases: databases.sort(), keys: keys.sort() }
  }, id)
}

/** Opens the picker and asks to remove `name`: the confirmation dialog. */
async function askRemove(page: Page, name: string) {
  await page.getByRole('button', { name: /Profile \d+/ }).click()
  await page
    .getByRole('menu', { name: 'Profiles' })
    .getByRole('menuitem', { name: `Remove ${name}` })
    .click()
  return page.getByTestId('remove-profile')
}

test('a profile no longer wanted is removed from the picker with all it stored; one running in a tab cannot be', async ({
  context,
}) => {
  test.setTimeout(150_000)
  // The profile to remove: it ran (chain database, settings) and made a wallet, then its tab closed.
  const old = await context.newPage()
  await openNode(old, '/?profile=new&mine=0')
  const oldId = await old.evaluate(() => window.tabchain?.profileId ?? '')
  const oldName = (await old.getByTestId('profile-name').textContent()) ?? ''
  await createWallet(old)
  await old.close()

  const a = await context.newPage()
  await openNode(a, '/?profile=new&mine=0')
  const ownId = await a.evaluate(() => window.tabchain?.profileId ?? '')
  const ownName = (await a.getByTestId('profile-name').textContent()) ?? ''
  const b = await context.newPage()
  await openNode(b, '/?profile=new&mine=0')
  const busyName = (await b.getByTestId('profile-name').textContent()) ?? ''
  const gone = await storedFor(a, oldId)
  expect(gone.databases).toContain(`tabchain-wallet-${oldId}`)
  expect(gone.databases.some((d) => d.startsWith(`tabchain-node-${oldId}-`))).toBe(true)
  expect(gone.keys).toContain(`tabchain.profile.${oldId}`)
  const own = await storedFor(a, ownId)

  // The one this tab runs is not offered for removal: the menu says how to remove it. One open in
  // another tab is refused with the reason.
  await a.getByRole('button', { name: /Profile \d+/ }).click()
  const menu = a.getByRole('menu', { name: 'Profiles' })
  await expect(menu.getByTestId('profile-item').filter({ hasText: ownName })).toContainText('this tab')
  await expect(menu.getByRole('menuitem', { name: `Remove ${ownName}` })).toHaveCount(0)
  await expect(menu).toContainText("To remove this tab's profile, open another one in this tab first.")
  await expect(menu.getByText('open in another tab')).toHaveCount(1, { timeout: 15_000 })
  await menu.getByRole('menuitem', { name: `Remove ${busyName}` }).click()
  let dialog = a.getByTestId('remove-profile')
  await expect(dialog.getByTestId('remove-refused')).toContainText(`${busyName} is open in another tab`)
  await dialog.getByRole('button', { name: 'Close' }).click()

  // The free one: the confirmation says what is lost, the wallet's funds too.
  dialog = await askRemove(a, oldName)
  await expect(dialog.getByTestId('remove-losses')).toContainText('its copy of the chain')
  await expect(dialog.getByTestId('remove-losses')).toContainText('its peer identity')
  await expect(dialog.getByTestId('remove-losses')).toContainText('its wallet keystore')
  await expect(dialog.getByTestId('remove-wallet-warning')).toContainText('recovery phrase')
  await dialog.getByTestId('remove-confirm').click()
  await expect(dialog).toHaveCount(0)
  await a.getByRole('button', { name: /Profile \d+/ }).click()
  const items = a.getByRole('menu', { name: 'Profiles' }).getByTestId('profile-item')
  await expect(items.filter({ hasText: oldName })).toHaveCount(0)
  await expect(items).toHaveCount(2)
  expect(await storedFor(a, oldId)).toEqual({ databases: [], keys: [] })
  // Nothing of another profile went with it.
  expect(await storedFor(a, ownId)).toEqual(own)
  expect(await a.evaluate(() => window.tabchain?.profileId)).toBe(ownId)
})

test('the profile menu, opened as another tab closes, offers that tab’s profile at once', async ({
  context,
}) => {
  const other = await context.newPage()
  await openNode(other, '/?profile=new&mine=0')
  const otherName = (await other.getByTestId('profile-name').textContent()) ?? ''
  const a = await context.newPage()
  // Time runs as usual until paused below; paused, the page's periodic reads (every few seconds) wait.
  await a.clock.install()
  await openNode(a, '/?profile=new&mine=0')
  const menu = a.getByRole('menu', { name: 'Profiles' })
  const item = menu.getByTestId('profile-item').filter({ hasText: otherName })
  await a.getByRole('button', { name: /Profile \d+/ }).click()
  await expect(item).toContainText('open in another tab')
  await a.keyboard.press('Escape')

  await a.clock.pauseAt((await a.evaluate(() => Date.now())) + 1_000)
  await other.close()
  await a.getByRole('button', { name: /Profile \d+/ }).click()
  await expect(item).not.toContainText('open in another tab')
  await expect(item).toHaveAttribute('aria-disabled', 'false')
  await a.clock.resume()
})

test('removing a profile that has no wallet warns of no keystore or recovery phrase', async ({ page }) => {
  await storeProfiles(page, 1)
  await openNode(page, '/?profile=new&mine=0')
  const dialog = await askRemove(page, 'Stored 1')
  // Enabled once its wallet was looked for: what the dialog shows then is its answer, not a wait.
  await expect(dialog.getByTestId('remove-confirm')).toBeEnabled()
  // It deletes for good: red (white on #c42b35, 5.6:1), not the primary action's blue.
  await expect(dialog.getByTestId('remove-confirm')).toHaveCSS('background-color', 'rgb(196, 43, 53)')
  await expect(dialog.getByTestId('remove-confirm')).toHaveCSS('color', 'rgb(255, 255, 255)')
  await expect(dialog.getByTestId('remove-losses')).toContainText('its copy of the chain')
  await expect(dialog.getByTestId('remove-losses')).toContainText('its peer identity')
  await expect(dialog.getByTestId('remove-losses')).not.toContainText('wallet')
  await expect(dialog.getByTestId('remove-wallet-warning')).toHaveCount(0)
  await expect(dialog).not.toContainText('recovery phrase')
})

test('a removal cut short (its tab closed) leaves no half profile: it is not listed or claimed, and a later start finishes it', async ({
  context,
}) => {
  const old = await context.newPage()
  await openNode(old, '/?profile=new&mine=0')
  const oldId = await old.evaluate(() => window.tabchain?.profileId ?? '')
  await old.close()
  const a = await context.newPage()
  await openNode(a, '/?profile=new&mine=0')
  // What a removal leaves when its tab closes after the mark, before its databases were deleted.
  await a.evaluate((id) => {
    const key = `tabchain.profile.${id}`
    localStorage.setItem(
      key,
      JSON.stringify({ ...JSON.parse(localStorage.getItem(key) ?? '{}'), removing: true }),
    )
  }, oldId)
  expect((await storedFor(a, oldId)).databases.length).toBeGreaterThan(0)

  // A link to it opens another profile, and the picker works without it.
  const b = await context.newPage()
  await openNode(b, `/?profile=${oldId}&mine=0`)
  expect(await b.evaluate(() => window.tabchain?.profileId)).not.toBe(oldId)
  await expect(b.getByTestId('profile-taken')).toHaveCount(0)
  await b.getByRole('button', { name: /Profile \d+/ }).click()
  await expect(b.getByRole('menu', { name: 'Profiles' }).getByTestId('profile-item')).toHaveCount(2)
  await expect.poll(() => storedFor(b, oldId), { timeout: 30_000 }).toEqual({ databases: [], keys: [] })
})

/**
 * Every record of profile `profileId`'s chain databases (`tabchain-node-<id>-…`), read raw from `page`:
 * per database its version and, per store, its keys and values (as JSON, bigints as strings).
 */
function profileDatabases(page: Page, profileId: string): Promise<string> {
  return page.evaluate(async (prefix) => {
    const out: Record<string, unknown> = {}
    for (const { name } of await indexedDB.databases()) {
      if (name === undefined || !name.startsWith(prefix)) continue
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => ok(r.result)
        r.onerror = () => fail(r.error)
      })
      const stores: Record<string, unknown> = {}
      for (const store of Array.from(db.objectStoreNames)) {
        const read = (what: 'getAllKeys' | 'getAll') =>
          new Promise<unknown>((ok, fail) => {
            const r = db.transaction(store).objectStore(store)[what]()
            r.onsuccess = () => ok(r.result)
            r.onerror = () => fail(r.error)
          })
        stores[store] = [await read('getAllKeys'), await read('getAll')]
      }
      out[name] = { version: db.version, stores }
      db.close()
    }
    return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  }, `tabchain-node-${profileId}-`)
}

test("a tab's node that cannot have its profile's writer lock writes nothing to the profile's database, and says so; it starts once the lock is let go", async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const ctx = await browser.newContext()
  try {
    const profileId = await closedProfile(ctx)
    // Another page holds the profile's writer lock, as the worker of a tab that unloaded but has not ended
    // yet does: the page lock is free, so a new tab claims the profile, and its node must wait.
    const holder = await ctx.newPage()
    await holder.goto('/api/relay')
    await holder.evaluate(
      (name) =>
        new Promise<void>((held) => {
          void navigator.locks.request(name, () => {
            held()
            return new Promise<never>(() => {})
          })
        }),
      `tabchain:profile-writer:${profileId}`,
    )
    const before = await profileDatabases(holder, profileId)
    expect(before).toContain('"meta"')
    const page = await ctx.newPage()
    await page.goto(`/?profile=${profileId}&mine=0`)
    await expect(page.getByTestId('node-failed')).toBeVisible({ timeout: 45_000 })
    await expect(page.getByTestId('node-failed')).toContainText(
      "another tab's node still has this profile's data open",
    )
    expect(await profileOf(page)).toBe('')
    // Not a record, not a version changed.
    expect(await profileDatabases(holder, profileId)).toBe(before)
    await page.close()
    await holder.close()
    const again = await ctx.newPage()
    await openNode(again, `/?profile=${profileId}&mine=0`)
    expect(await profileOf(again)).toBe(profileId)
  } finally {
    await ctx.close()
  }
})
