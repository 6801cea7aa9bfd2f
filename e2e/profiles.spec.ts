import { expect, type Page, test } from '@playwright/test'
import { openNode } from './helpers'

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
