import { expect, type Locator, type Page, test } from '@playwright/test'
import { formatEther, parseEther } from 'viem'
import { devnetGenesis } from '../src/node/chain/genesis'
import { TOKEN_FACTORY_ADDRESS } from '../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../src/node/contracts/token-factory/abi'
import { MIN_SUGGESTED_TIP } from '../src/node/mempool/mempool'
import type { TabchainProvider } from '../src/wallet/provider'
import {
  approvalButtonsInView,
  crashTab,
  expectProblem,
  FAST_URL,
  openNode,
  profileOf,
  reopenProfile,
  waitDirect,
} from './helpers'

const PASSWORD = 'correct horse battery'

// Two browsers, WebRTC, mining and PBKDF2 share two cores with other work: be generous.
test.describe.configure({ timeout: 180_000 })

/** Creates a wallet on the Wallet screen; returns its first address. */
async function createWallet(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'none')
  await expect(page.getByTestId('phrase').locator('li')).toHaveCount(12)
  await page.getByTestId('phrase-saved').check()
  await page.getByTestId('new-password').fill(PASSWORD)
  await page.getByTestId('new-password-again').fill(PASSWORD)
  await page.getByTestId('create-wallet').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 15_000,
  })
  return (await page.getByTestId('selected-address').textContent()) ?? ''
}

/**
 * A dApp's side in the page: asks for wallets the EIP-6963 way (the page sets no window.ethereum), keeps
 * Tabchain's provider (`found.provider`) and records what it emits as `event` (`seen`).
 */
function announcedProvider<T = unknown>(page: Page, event: 'accountsChanged' | 'disconnect') {
  return page.evaluateHandle((on) => {
    const seen: T[] = []
    const found: { provider?: TabchainProvider } = {}
    window.addEventListener('eip6963:announceProvider', (e) => {
      const { info, provider } = (e as CustomEvent<{ info: { rdns: string }; provider: TabchainProvider }>)
        .detail
      if (info.rdns !== 'org.tabchain.wallet' || found.provider !== undefined) return
      found.provider = provider
      provider.on(on, (x) => seen.push(x as T))
    })
    window.dispatchEvent(new Event('eip6963:requestProvider'))
    return { seen, found }
  }, event)
}

test('create a wallet, open the profile again, wrong password refused, unlock: same address', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  const address = await createWallet(page)
  expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/)
  // The page's provider answers for the unlocked wallet.
  expect(await page.evaluate(() => window.tabchain?.provider.request({ method: 'eth_accounts' }))).toEqual([
    address,
  ])
  expect(await page.evaluate(() => window.tabchain?.provider.request({ method: 'eth_chainId' }))).toBe(
    '0x7ab7',
  )
  // Home names whose balance it shows, as the Wallet does: the account's name and short address.
  await page.getByRole('link', { name: 'Home', exact: true }).first().click()
  await expect(page.getByTestId('balance-account')).toHaveText(
    `Account 1 · ${address.slice(0, 10)}…${address.slice(-6)}`,
  )

  // Opened again in this tab (its profile), not mining (the wallet's balance below is its own: nothing).
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  // The form says why it asks: the page loaded again.
  await expect(page.getByTestId('locked-reason')).toHaveText(
    'Your wallet locks each time this page loads or reloads, and after 15 minutes without use: enter your password to unlock it.',
  )
  expect(await page.evaluate(() => window.tabchain?.provider.request({ method: 'eth_accounts' }))).toEqual([])
  // A dApp's "Connect" on the locked wallet waits on the unlock prompt: 4001 once it is dismissed, the
  // account once the wallet is unlocked (the request held in the page, not awaited by evaluateHandle).
  const connect = () =>
    page.evaluateHandle(() => ({
      answer: window.tabchain?.provider.request({ method: 'eth_requestAccounts' }).then(
        (a) => a,
        (e: { code?: number }) => e.code,
      ),
    }))
  const dismissed = await connect()
  await expect(page.getByTestId('unlock-prompt')).toContainText('A request needs your wallet unlocked.')
  await page.getByTestId('unlock-prompt').getByRole('button', { name: 'Dismiss' }).click()
  expect(await dismissed.evaluate((r) => r.answer)).toBe(4001)
  await expect(page.getByTestId('unlock-prompt')).toBeHidden()
  const connecting = await connect()
  // Following the prompt's Unlock link does not dismiss it: the request still waits, the form says why.
  await page.getByTestId('unlock-prompt').getByRole('link', { name: 'Unlock' }).click()
  await expect(page.getByTestId('unlock')).toContainText(
    'A request needs your wallet unlocked: unlock it to continue.',
  )
  await expect(page.getByTestId('unlock-prompt')).toBeVisible()
  await page.getByTestId('password').fill('not my password')
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('unlock-error')).toHaveText('incorrect password')
  // Announced at once, and tied to the password it is about.
  await expect(page.getByTestId('unlock-error')).toHaveAttribute('role', 'alert')
  await expectProblem(page, page.getByTestId('password'), 'unlock-error', 'incorrect password')
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
  await expect(page.getByTestId('selected-address')).toHaveText(address)
  expect(await connecting.evaluate((r) => r.answer)).toEqual([address])
  await expect(page.getByTestId('unlock-prompt')).toBeHidden()

  // The provider against the real worker node: reads, bad input, node queries, a signature that
  // waits for the approval dialog.
  const codeOf = (method: string, params: unknown[]) =>
    page.evaluate(
      ({ m, p }) =>
        window.tabchain?.provider.request({ method: m, params: p }).then(
          () => 'resolved',
          (e: { code?: number }) => e.code,
        ),
      { m: method, p: params },
    )
  expect(await codeOf('eth_getBalance', ['0x12', 'latest'])).toBe(-32602)
  expect(
    await page.evaluate(() =>
      window.tabchain?.provider.request({
        method: 'eth_getTransactionReceipt',
        params: [`0x${'ab'.repeat(32)}`],
      }),
    ),
  ).toBeNull()
  expect(await codeOf('eth_coinbase', [])).toBe(-32601)
  expect(
    await page.evaluate(
      (a) => window.tabchain?.provider.request({ method: 'eth_getBalance', params: [a, 'latest'] }),
      address,
    ),
  ).toBe('0x0')
  const signature = page.evaluate(
    (a) => window.tabchain?.provider.request({ method: 'personal_sign', params: ['0x68656c6c6f', a] }),
    address,
  )
  await expect(page.getByTestId('approval-title')).toHaveText('Sign a message')
  // The dialog names the signing account: the wallet's name for it, and its address in full.
  const row = (label: string) =>
    page
      .getByTestId('approval')
      .locator('.facts__row')
      .filter({ has: page.getByRole('term').getByText(label, { exact: true }) })
      .locator('dd')
  await expect(row('Account')).toHaveText(`Account 1 (${address})`)
  await page.getByTestId('approval-confirm').click()
  expect(await signature).toMatch(/^0x[0-9a-f]{130}$/)

  // Two requests wait at once: a double click on Confirm answers the one shown, never the next one.
  const sign = (message: string) =>
    page.evaluate(
      ({ m, a }) =>
        window.tabchain?.provider.request({ method: 'personal_sign', params: [m, a] }).then(
          () => 'signed',
          (e: { code?: number }) => e.code,
        ),
      { m: message, a: address },
    )
  const one = sign('0x6f6e65')
  await expect(row('Message')).toHaveText('one')
  const two = sign('0x74776f')
  await page.getByTestId('approval-confirm').dblclick()
  expect(await one).toBe('signed')
  await expect(row('Message')).toHaveText('two')
  await page.getByTestId('approval-cancel').click()
  expect(await two).toBe(4001)
})

/** The text of the `<label>`s of `field` that are on screen (a placeholder or an aria-label is none). */
/**
 * Ends `page`'s node worker as one that crashed (no error event, no port closed) and checks that the
 * page shows "The node stopped" within 5 s of it, in the page's own clock: the wait on a loaded machine
 * is the test's, the 5 s the page's, where the liveness pings alone would take a minute (12 unanswered,
 * 5 s apart).
 */
async function workerEndShownAtOnce(page: Page): Promise<void> {
  await page.evaluate(() => {
    const endedAt = performance.now()
    const stopped = () =>
      document.querySelector('[data-testid="node-failed"]')?.textContent?.includes('The node stopped') ===
      true
    const observer = new MutationObserver(() => {
      if (!stopped()) return
      observer.disconnect()
      Object.assign(window, { stoppedShownAfter: performance.now() - endedAt })
    })
    observer.observe(document, { subtree: true, childList: true, characterData: true })
    window.tabchain?.worker.terminate()
  })
  await expect(page.getByTestId('node-failed')).toContainText('The node stopped', { timeout: 30_000 })
  const shownAfter = await page.evaluate(
    () => (window as unknown as { stoppedShownAfter?: number }).stoppedShownAfter,
  )
  expect(shownAfter).toBeLessThan(5_000)
}

const visibleLabels = (field: Locator): Promise<string[]> =>
  field.evaluate((el: HTMLInputElement) =>
    Array.from(el.labels ?? [])
      .filter((l) => l.checkVisibility())
      .map((l) => l.textContent?.trim() ?? ''),
  )

/**
 * A wallet made and locked, then five wrong passwords tried at its unlock form, each refused with its
 * count from the second on and its button left enabled; the form's parts, and `waitOf`: the seconds its countdown shows now.
 */
async function fiveWrongPasswords(page: Page) {
  await openNode(page, '/?mine=0')
  await createWallet(page)
  await page.getByTestId('lock').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  await expect(page.getByTestId('locked-reason')).toHaveText(
    'You locked your wallet: enter your password to unlock it.',
  )
  const password = page.getByTestId('password')
  const button = page.getByTestId('unlock-button')
  const refusal = page.getByTestId('unlock-error')
  for (let i = 1; i <= 5; i++) {
    await password.fill(`wrong ${i}`)
    await button.click()
    // Each try's own answer: a refusal like the one before still reads as new, with what comes next.
    await expect(refusal).toHaveText(
      i === 1
        ? 'incorrect password'
        : `incorrect password (${i} wrong in a row; ${i < 5 ? 'after 5 each try waits' : 'each try now waits'})`,
    )
    await expect(button).toBeEnabled()
  }
  const waitOf = async (): Promise<number> =>
    Number(
      /^Too many wrong passwords: try again in (\d+) s\.$/.exec((await refusal.textContent()) ?? '')?.[1],
    )
  return { password, button, refusal, waitOf }
}

/**
 * The unlock form's countdown, shown at `first` s, goes down live with the button disabled and the
 * wallet locked; at zero the message clears, and the right password (typed in already) unlocks.
 */
async function countsDownThenUnlocks(
  page: Page,
  {
    button,
    refusal,
    waitOf,
  }: Pick<Awaited<ReturnType<typeof fiveWrongPasswords>>, 'button' | 'refusal' | 'waitOf'>,
  first: number,
): Promise<void> {
  // Live: the number drops while the wait runs (at most 30 s); a form that read the time once never would.
  await expect.poll(waitOf, { timeout: 30_000 }).toBeLessThan(first)
  await expect(button).toBeDisabled()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  await expect(refusal).toHaveCount(0, { timeout: 40_000 })
  await expect(button).toBeEnabled()
  await button.click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
}

test('after five wrong passwords the unlock form counts the wait down with its button disabled, then clears and unlocks', async ({
  page,
}) => {
  const { password, button, refusal, waitOf } = await fiveWrongPasswords(page)
  await password.fill(PASSWORD)
  await button.click()
  await expect(refusal).toHaveText(/^Too many wrong passwords: try again in \d+ s\.$/)
  await expect(refusal).toHaveAttribute('role', 'alert')
  await expect(password).toHaveAttribute('aria-invalid', 'true')
  await expect(password).toHaveAttribute('aria-describedby', 'unlock-error')
  const first = await waitOf()
  expect(first).toBeGreaterThan(20)
  expect(first).toBeLessThanOrEqual(30)
  await expect(button).toBeDisabled()
  // It counts down live, second by second, the button disabled all along.
  await countsDownThenUnlocks(page, { button, refusal, waitOf }, first)
})

test('opened again inside a lockout, the unlock form counts the wait down before any try, its button disabled, then clears and unlocks', async ({
  page,
}) => {
  const { password, button, refusal, waitOf } = await fiveWrongPasswords(page)
  // The page opened again (its profile) inside the 30 s wait: the form says so before any try.
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  await expect(refusal).toHaveText(/^Too many wrong passwords: try again in \d+ s\.$/)
  await expect(refusal).toHaveAttribute('role', 'alert')
  await expect(password).toHaveAttribute('aria-describedby', 'unlock-error')
  const first = await waitOf()
  expect(first).toBeGreaterThan(0)
  expect(first).toBeLessThanOrEqual(30)
  // A password typed in does not enable the button while the wait runs; it counts down live.
  await password.fill(PASSWORD)
  await expect(button).toBeDisabled()
  await countsDownThenUnlocks(page, { button, refusal, waitOf }, first)
})

test('a forgotten password: opened again locked, "Forgot your password?" restores the wallet from its phrase under a new password, unlocked with the same address', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('phrase').locator('li')).toHaveCount(12)
  const phrase = (await page.getByTestId('phrase').locator('li').allTextContents()).join(' ')
  const address = await createWallet(page)
  // Saved activity this wallet cannot read, kept aside at the next start (the Activity says so).
  const profile = await profileOf(page)
  await page.evaluate((p) => localStorage.setItem(`tabchain.activity.${p}`, 'not a list'), profile)
  const savedActivity = () =>
    page.evaluate(
      (p) => [
        localStorage.getItem(`tabchain.activity.${p}`),
        localStorage.getItem(`tabchain.activity.${p}.damaged`),
      ],
      profile,
    )

  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  // With no password typed the unlock button is disabled, and looks it: faded, a not-allowed cursor, the
  // same under the pointer.
  const unlock = page.getByTestId('unlock-button')
  await expect(unlock).toBeDisabled()
  await expect(unlock).toHaveCSS('opacity', '0.55')
  await expect(unlock).toHaveCSS('cursor', 'not-allowed')
  const background = await unlock.evaluate((b) => getComputedStyle(b).backgroundColor)
  await unlock.hover()
  await expect(unlock).toHaveCSS('background-color', background)
  await page.getByTestId('forgot-link').click()
  await expect(page.getByTestId('forgot')).toContainText(
    'your recovery phrase restores this wallet under a new password',
  )
  await expect(page.getByTestId('forgot')).toContainText(
    "Another wallet's phrase replaces this wallet, after asking first: its accounts go, only its own phrase brings them back, and its Activity is cleared.",
  )
  // A phrase that is no phrase changes nothing: said beside the field, the wallet still locked.
  await page.getByTestId('restore-phrase').fill('not my phrase')
  await page.getByTestId('restore-password').fill('a new password')
  await page.getByTestId('restore-password-again').fill('a new password')
  await page.getByTestId('restore').click()
  await expect(page.getByTestId('restore-phrase-problem')).toContainText('That is not a recovery phrase')
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')

  await page.getByTestId('restore-phrase').fill(phrase)
  await page.getByTestId('restore').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked', {
    timeout: 15_000,
  })
  await expect(page.getByTestId('selected-address')).toHaveText(address)

  // The new password opens it from now on; the old one no longer does.
  await page.getByTestId('lock').click()
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('unlock-error')).toHaveText('incorrect password')
  await page.getByTestId('password').fill('a new password')
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
  await expect(page.getByTestId('selected-address')).toHaveText(address)
  // Its own phrase keeps its activity, and the page's dApp keeps the account it was given.
  await page.getByTestId('tab-activity').click()
  await expect(page.getByTestId('activity-damaged')).toBeVisible()
  expect(await savedActivity()).toEqual(['[]', JSON.stringify(['not a list'])])
  const accounts = () => page.evaluate(() => window.tabchain?.provider.request({ method: 'eth_accounts' }))
  expect(await accounts()).toEqual([address])

  // Another phrase: the warning says the Activity goes; confirmed, the old wallet's activity is
  // forgotten, and the dApp is given no account until it asks again.
  await page.getByTestId('lock').click()
  await page.getByTestId('forgot-link').click()
  await page
    .getByTestId('restore-phrase')
    .fill('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')
  await page.getByTestId('restore-password').fill('another new password')
  await page.getByTestId('restore-password-again').fill('another new password')
  await page.getByTestId('restore').click()
  await expect(page.getByTestId('restore-warning')).toContainText('the Activity of what it sent is cleared')
  await page.getByTestId('restore-confirm').click()
  await expect(page.getByTestId('selected-address')).toHaveText(
    '0x9858EfFD232B4033E47d90003D41EC34EcaEda94',
    {
      timeout: 15_000,
    },
  )
  await page.getByTestId('tab-activity').click()
  await expect(page.getByTestId('activity-damaged')).toHaveCount(0)
  expect(await savedActivity()).toEqual([null, null])
  expect(await accounts()).toEqual([])
})

test('the private key to import and the password that shows the recovery phrase have visible labels; the passwords that differ and a wrong one are tied to their fields', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  const again = page.getByTestId('new-password-again')
  await page.getByTestId('new-password').fill(PASSWORD)
  await again.fill(`${PASSWORD}!`)
  await expectProblem(page, again, 'new-password-again-problem', 'The passwords differ.')
  await again.fill(PASSWORD)
  await expectProblem(page, again, 'new-password-again-problem', null)
  await createWallet(page)
  await page.getByRole('button', { name: 'Import private key' }).click()
  const key = page.getByLabel('Private key (0x and 64 hex digits)', { exact: true })
  await expect(key).toBeVisible()
  expect(await visibleLabels(key)).toEqual(['Private key (0x and 64 hex digits)'])
  await page.getByText('Show recovery phrase').click()
  const password = page.getByLabel('Your wallet password', { exact: true })
  await expect(password).toBeVisible()
  expect(await visibleLabels(password)).toEqual(['Your wallet password'])
  // A wrong password is announced (role="alert") and tied to the field it is about.
  await password.fill('not my password')
  await page.getByRole('button', { name: 'Reveal' }).click()
  await expect(page.getByTestId('reveal-error')).toHaveAttribute('role', 'alert')
  await expectProblem(page, password, 'reveal-error', 'incorrect password')
  await password.fill(PASSWORD)
  await page.getByRole('button', { name: 'Reveal' }).click()
  await expect(page.getByTestId('revealed-phrase')).toHaveText(/^(\w+ ){11}\w+$/)
})

test('an imported account’s private key is shown against the password until hidden; the phrase’s accounts are not offered', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  await createWallet(page)
  // Nothing to export while every account is the phrase's.
  await expect(page.getByTestId('export-key')).toHaveCount(0)
  const imported = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
  await page.getByRole('button', { name: 'Import private key' }).click()
  await page.getByTestId('import-key').fill(imported)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expect(page.getByTestId('accounts').locator('li')).toHaveCount(2)
  const panel = page.getByTestId('export-key')
  await panel.getByText('Export private key').click()
  await expect(panel.getByTestId('export-key-account').locator('option')).toHaveText([
    /^Imported 1 \(0x[0-9a-fA-F]{40}\)$/,
  ])
  const password = panel.getByLabel('Your wallet password', { exact: true })
  await password.fill('not my password')
  await panel.getByRole('button', { name: 'Export' }).click()
  await expect(panel.getByTestId('export-key-error')).toHaveAttribute('role', 'alert')
  await expectProblem(page, password, 'export-key-error', 'incorrect password')
  await expect(panel.getByTestId('exported-key')).toHaveCount(0)
  await password.fill(PASSWORD)
  await panel.getByRole('button', { name: 'Export' }).click()
  await expect(panel.getByTestId('exported-key')).toHaveText(imported)
  await panel.getByRole('button', { name: 'Hide' }).click()
  await expect(panel.getByTestId('exported-key')).toHaveCount(0)
  await expect(password).toHaveValue('')
})

test('onboarding and the private-key import say each field’s problem beside it, tied to it, as it is typed and on submit; a refused submit creates or imports nothing', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  const screen = page.getByTestId('wallet-screen')
  await expect(screen).toHaveAttribute('data-state', 'none')
  const [password, again] = [page.getByTestId('new-password'), page.getByTestId('new-password-again')]
  const saved = page.getByTestId('phrase-saved')
  const tooShort = 'The password must be at least 8 characters.'
  // A password too short is said as it is typed, not only by a button that stays grey.
  await password.fill('short')
  await expectProblem(page, password, 'new-password-problem', tooShort)
  await expectProblem(page, again, 'new-password-again-problem', null)
  await again.fill('short')
  await page.getByTestId('create-wallet').click()
  await expectProblem(page, password, 'new-password-problem', tooShort)
  await expectProblem(
    page,
    saved,
    'phrase-saved-problem',
    'Write the recovery phrase down, then tick this box.',
  )
  await expect(screen).toHaveAttribute('data-state', 'none')

  // Restoring: a phrase the wallet would refuse is said beside it, before anything is encrypted.
  await page.getByTestId('import-tab').click()
  const phrase = page.getByTestId('import-phrase')
  const notAPhrase = 'That is not a recovery phrase: 3 words (12, 15, 18, 21 or 24 expected).'
  await phrase.fill('test test test')
  await expectProblem(page, phrase, 'import-phrase-problem', notAPhrase)
  await password.fill(PASSWORD)
  await again.fill(PASSWORD)
  await expectProblem(page, password, 'new-password-problem', null)
  await page.getByTestId('create-wallet').click()
  await expectProblem(page, phrase, 'import-phrase-problem', notAPhrase)
  await expect(page.getByTestId('onboarding-error')).toHaveCount(0)
  await expect(screen).toHaveAttribute('data-state', 'none')

  await page.getByRole('tab', { name: 'Create a wallet' }).click()
  await saved.check()
  await expectProblem(page, saved, 'phrase-saved-problem', null)
  await page.getByTestId('create-wallet').click()
  await expect(screen).toHaveAttribute('data-state', 'unlocked', { timeout: 15_000 })

  // A private key: its problem beside it as it is typed and on submit; nothing imported.
  await page.getByRole('button', { name: 'Import private key' }).click()
  const key = page.getByTestId('import-key')
  await key.fill('0x1234')
  await expectProblem(page, key, 'import-key-problem', 'That is not a private key: 32 bytes of hex expected.')
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expectProblem(page, key, 'import-key-problem', 'That is not a private key: 32 bytes of hex expected.')
  await key.fill('')
  await expectProblem(page, key, 'import-key-problem', 'Enter the private key (0x and 64 hex digits).')
  await expect(page.getByTestId('accounts').locator('li')).toHaveCount(1)
  await key.fill(`0x${'11'.repeat(32)}`)
  await expectProblem(page, key, 'import-key-problem', null)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expect(page.getByTestId('accounts').locator('li')).toHaveCount(2)
})

/**
 * Walks a tablist by keyboard as the WAI-ARIA tabs pattern has it: `names` are its tabs in order, the
 * first one selected. Each tab controls its panel (labelled by the tab), the selected one alone is in
 * the Tab order, and Left/Right (wrapping), Home and End select and focus a tab.
 */
async function walkTabs(page: Page, list: Locator, names: readonly string[]): Promise<void> {
  const tabs = names.map((name) => list.getByRole('tab', { name, exact: true }))
  const expectSelected = async (selected: number): Promise<void> => {
    for (const [i, tab] of tabs.entries()) {
      await expect(tab).toHaveAttribute('aria-selected', i === selected ? 'true' : 'false')
      await expect(tab).toHaveAttribute('tabindex', i === selected ? '0' : '-1')
    }
    const tab = tabs[selected] as Locator
    await expect(tab).toBeFocused()
    const panel = page.locator(`[id="${await tab.getAttribute('aria-controls')}"]`)
    await expect(panel).toHaveAttribute('role', 'tabpanel')
    await expect(panel).toBeVisible()
    await expect(panel).toHaveAccessibleName(names[selected] as string)
  }
  await (tabs[0] as Locator).focus({ timeout: 15_000 })
  await expectSelected(0)
  const last = names.length - 1
  await page.keyboard.press('ArrowRight')
  await expectSelected(1)
  await page.keyboard.press('End')
  await expectSelected(last)
  await page.keyboard.press('ArrowRight')
  await expectSelected(0)
  await page.keyboard.press('ArrowLeft')
  await expectSelected(last)
  await page.keyboard.press('Home')
  await expectSelected(0)
  // Tab leaves the tablist for the selected panel: no other tab is on the way.
  await page.keyboard.press('Tab')
  for (const tab of tabs) await expect(tab).not.toBeFocused()
}

test('the wallet tablists follow the WAI-ARIA tabs pattern: arrows, Home and End move between tabs, each controls its panel', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'none')
  await walkTabs(page, page.getByRole('tablist', { name: 'New wallet' }), [
    'Create a wallet',
    'Import a recovery phrase',
  ])
  await createWallet(page)
  await walkTabs(page, page.getByRole('tablist', { name: 'Send, receive, activity' }), [
    'Send',
    'Receive',
    'Activity',
  ])
})

/** The miners of `page`'s blocks above `from`, lower-case, once its head is at least `count` past it. */
async function minersAbove(page: Page, from: bigint, count: bigint): Promise<string[]> {
  const until = String(from + count)
  await page.waitForFunction(
    async (n) => ((await window.tabchain?.node.api.head())?.number ?? 0n) >= BigInt(n),
    until,
    { timeout: 60_000, polling: 200 },
  )
  return page.evaluate(async (n) => {
    const api = window.tabchain?.node.api
    if (api === undefined) return []
    const blocks = await api.blocks((await api.head()).number, 100)
    return blocks.filter((b) => b.number > BigInt(n)).map((b) => b.miner.toLowerCase())
  }, String(from))
}

test("a mining tab pays its blocks to the account it acts with: its devnet account, then its wallet's, from the next load's start", async ({
  page,
}) => {
  // Opened without the suite's `?coinbase=` (`openNode`): the page names its own account.
  const coinbase = () => page.evaluate(async () => (await window.tabchain?.node.api.mining())?.coinbase)
  const head = async () =>
    await page.evaluate(async () => String((await window.tabchain?.node.api.head())?.number))
  await page.goto(`${FAST_URL}/tokens`)
  await page.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 30_000 })
  const devnet = ((await page.getByTestId('my-address').textContent()) ?? '').toLowerCase()
  expect(devnet).toMatch(/^0x[0-9a-f]{40}$/)
  expect(await coinbase()).toBe(devnet)
  const wallet = (await createWallet(page)).toLowerCase()
  await expect.poll(coinbase, { timeout: 30_000 }).toBe(wallet)
  // The Wallet says why its balance grows with nothing in its Activity, and where mining is turned off.
  await expect(page.getByTestId('mining-rewards')).toHaveText(
    'This tab mines: each block it finds pays 2 TAB to Account 1, plus the fees of the transactions in it. Mining on the home screen turns it off.',
  )
  let from = BigInt(await head())
  expect(new Set(await minersAbove(page, from, 2n))).toEqual(new Set([wallet]))

  // Reloaded, the wallet locked: its account takes the rewards from the start; the home screen says so.
  await page.goto(`${FAST_URL}/`)
  await page.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 30_000 })
  expect(await coinbase()).toBe(wallet)
  await expect(page.getByTestId('coinbase')).toHaveAttribute('data-address', wallet)
  from = BigInt(await head())
  expect(new Set(await minersAbove(page, from, 2n))).toEqual(new Set([wallet]))
})

test("a dApp's provider, found the EIP-6963 way, is told disconnect (4900) once the page's node is lost, and refuses every request after with it", async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  const dapp = await announcedProvider<{ code?: number; message?: string }>(page, 'disconnect')
  expect(await dapp.evaluate(({ found }) => found.provider?.request({ method: 'eth_chainId' }))).toBe(
    '0x7ab7',
  )

  // The node's worker ends (as one that crashed, which says nothing: no error event, no port closed):
  // the lock it held for its life passes to the page, which takes its node for lost at once.
  await workerEndShownAtOnce(page)
  // Why, in words: the lost connection's sentence, not its code and fields.
  await expect(page.getByTestId('node-failed')).toContainText('the connection was lost: its worker ended')
  await expect(page.getByTestId('node-failed')).not.toContainText('RPC_LOST')
  expect(await dapp.evaluate(({ seen }) => seen.map((e) => ({ code: e.code, message: e.message })))).toEqual([
    { code: 4900, message: expect.stringMatching(/^disconnected: .*worker ended/) },
  ])
  expect(
    await dapp.evaluate(({ found }) =>
      found.provider?.request({ method: 'eth_blockNumber' }).then(
        () => 'resolved',
        (e: { code?: number }) => e.code,
      ),
    ),
  ).toBe(4900)
})

test("a dApp's EIP-2255 permissions through the announced provider: requested on the wallet locked after a reload, granted once unlocked from the app's prompt, got, then revoked: eth_accounts answers []", async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  const address = await createWallet(page)
  // Its profile opened again: the wallet locked, and this page load's provider has granted nothing yet
  // (the account the wallet gave unasked before the reload was for that page load).
  const profile = await profileOf(page)
  await openNode(page, `/?profile=${profile}&mine=0`)
  expect(await profileOf(page)).toBe(profile)
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'locked')
  const dapp = await announcedProvider(page, 'accountsChanged')
  const request = (method: string, params: unknown[] = []) =>
    dapp.evaluate(({ found }, { m, p }) => found.provider?.request({ method: m, params: p }), {
      m: method,
      p: params,
    })
  expect(await request('wallet_getPermissions')).toEqual([])

  // Requested while locked: it waits on the unlock prompt (the request held in the page).
  const asked = await dapp.evaluateHandle(({ found }) => ({
    answer: found.provider
      ?.request({ method: 'wallet_requestPermissions', params: [{ eth_accounts: {} }] })
      .then(
        (a) => a,
        (e: { code?: number }) => e.code,
      ),
  }))
  await expect(page.getByTestId('unlock-prompt')).toContainText('A request needs your wallet unlocked.')
  await page.getByTestId('unlock-prompt').getByRole('link', { name: 'Unlock' }).click()
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('unlock-button').click()
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
  const permission = {
    parentCapability: 'eth_accounts',
    invoker: new URL(page.url()).origin,
    caveats: [{ type: 'restrictReturnedAccounts', value: [address] }],
    date: expect.any(Number),
  }
  expect(await asked.evaluate((r) => r.answer)).toEqual([permission])
  await expect(page.getByTestId('unlock-prompt')).toBeHidden()
  expect(await request('wallet_getPermissions')).toEqual([permission])
  expect(await request('eth_accounts')).toEqual([address])

  // Revoked (the dApp's "Disconnect"): no account for it, told so, the wallet itself still unlocked.
  expect(await request('wallet_revokePermissions', [{ eth_accounts: {} }])).toBeNull()
  expect(await request('eth_accounts')).toEqual([])
  expect(await request('wallet_getPermissions')).toEqual([])
  expect(await dapp.evaluate(({ seen }) => seen)).toEqual([[address], []])
  await expect(page.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
})

test('a dApp\'s signature waiting in the approval dialog when the node is lost is refused with 4900 and the dialog closes over "The node stopped"', async ({
  page,
}) => {
  await openNode(page, '/?mine=0')
  const address = await createWallet(page)
  // As a dApp on the page: a signature (no funds needed) that waits in the dialog.
  const sign = await page.evaluateHandle((from) => {
    const answer: { code?: number | string | undefined; message?: string | undefined } = {}
    window.tabchain?.provider.request({ method: 'personal_sign', params: ['0x68656c6c6f', from] }).then(
      () => {
        answer.code = 'signed'
      },
      (e: { code?: number; message?: string }) => {
        answer.code = e.code
        answer.message = e.message
      },
    )
    return answer
  }, address)
  await expect(page.getByTestId('approval-title')).toBeVisible()

  await workerEndShownAtOnce(page)
  // Nothing left to approve: the dialog is closed, the dApp told why.
  await expect(page.getByTestId('approval')).toBeHidden()
  await expect(page.getByTestId('approval-confirm')).toHaveCount(0)
  expect(await sign.evaluate((a) => ({ ...a }))).toEqual({
    code: 4900,
    message: expect.stringMatching(/^disconnected: .*worker ended/),
  })
})

test('a transfer sent from a tab that crashed before any block held it is mined once the profile opens again', async ({
  context,
  page,
}) => {
  await openNode(page, '/')
  await createWallet(page)
  const profile = await profileOf(page)
  await page.getByTestId('faucet').click()
  await expect(page.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 60_000 })
  await page.evaluate(() => window.tabchain?.node.api.setMining(false))

  const to = '0x00000000000000000000000000000000000000aa'
  await page.getByTestId('send-to').fill(to)
  await page.getByTestId('send-amount').fill('1.5')
  await page.getByTestId('send-button').click()
  await page.getByTestId('approval-confirm').click()
  await expect(page.getByTestId('send-ok')).toBeVisible()
  await page.getByTestId('tab-activity').click()
  await expect(page.getByTestId('activity').locator('li').first()).toHaveAttribute('data-status', 'pending')
  // The faucet's payment, which this wallet asked for, is named the faucet's (its payer's address kept).
  const fromFaucet = /^Received 10 TAB from the faucet \(0x[0-9a-fA-F]{2}…[0-9a-fA-F]{2}\)$/
  const received = (p: Page) =>
    p.getByTestId('activity').locator('li[data-direction="received"]').locator('> span').first()
  await expect(received(page)).toHaveText(fromFaucet, { timeout: 30_000 })
  // Only this node holds it (no peer here): the crash takes the pool with it.
  await crashTab(page)

  const again = await reopenProfile(context, profile)
  await again.getByRole('link', { name: 'Wallet' }).first().click()
  await again.getByTestId('password').fill(PASSWORD)
  await again.getByTestId('unlock-button').click()
  await again.getByTestId('tab-activity').click()
  await expect(again.getByTestId('activity').locator('li').first()).toHaveAttribute(
    'data-status',
    'confirmed',
    {
      timeout: 60_000,
    },
  )
  // Opened again, it still knows that payment for the faucet's.
  await expect(received(again)).toHaveText(fromFaucet, { timeout: 30_000 })
  expect(
    await again.evaluate(
      (a) => window.tabchain?.provider.request({ method: 'eth_getBalance', params: [a, 'latest'] }),
      to,
    ),
  ).toBe('0x14d1120d7b160000')
})

test('one phrase in two browsers: sends of the same nonce from each, the phone offline: one is mined, the other reads dropped there and a retry is mined; each Activity lists what the other sent', async ({
  browser,
}) => {
  const [laptop, phone] = [
    await browser.newContext({ viewport: { width: 1280, height: 900 } }),
    await browser.newContext({ viewport: { width: 390, height: 844 } }),
  ]
  try {
    const [a, b] = [await laptop.newPage(), await phone.newPage()]
    const idA = await openNode(a, '/')
    const idB = await openNode(b, '/?mine=0')
    await waitDirect(a, idB, 30_000)
    const address = await createWallet(a)
    // The phrase, shown against the password, imported on the phone: the same account there.
    await a.getByText('Show recovery phrase').click()
    await a.getByLabel('Your wallet password', { exact: true }).fill(PASSWORD)
    await a.getByRole('button', { name: 'Reveal' }).click()
    const phrase = (await a.getByTestId('revealed-phrase').textContent()) ?? ''
    await b.getByRole('link', { name: 'Wallet' }).first().click()
    await b.getByTestId('import-tab').click()
    await b.getByTestId('import-phrase').fill(phrase)
    await b.getByTestId('new-password').fill(PASSWORD)
    await b.getByTestId('new-password-again').fill(PASSWORD)
    await b.getByTestId('create-wallet').click()
    await expect(b.getByTestId('selected-address')).toHaveText(address, { timeout: 30_000 })
    await a.getByTestId('faucet').click()
    for (const p of [a, b])
      await expect(p.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 60_000 })

    // The phone loses its links (offline for a while): both send with the same nonce.
    await b.evaluate((id) => window.tabchain?.network.api.disconnect(id, 'offline', 20_000), idA)
    const to = '0x000000000000000000000000000000000000dEaD'
    /** Sends `amount` TAB from `p`'s Send tab; its row in the Activity, by its transaction's hash. */
    const send = async (p: Page, amount: string): Promise<Locator> => {
      await p.getByTestId('send-to').fill(to)
      await p.getByTestId('send-amount').fill(amount)
      await p.getByTestId('send-button').click()
      await p.getByTestId('approval-confirm').click()
      const href = await p.getByTestId('send-ok').getByRole('link').getAttribute('href')
      await p.getByTestId('tab-activity').click()
      const row = p
        .getByTestId('activity')
        .locator('li')
        .filter({ has: p.locator(`a[href="${href}"]`) })
      await expect(row).toHaveAttribute('data-direction', 'sent')
      await expect(row).toContainText(`${amount} TAB to 0x00…aD`)
      return row
    }
    const dropped = await send(b, '2')
    const mined = await send(a, '1')
    await expect(mined).toHaveAttribute('data-status', 'confirmed', { timeout: 60_000 })
    // Linked again, the phone learns the laptop's send took the nonce: its own says so, never "pending"
    // for ever nor "sent"; the one that took its place is listed beside it.
    await expect(dropped).toHaveAttribute('data-status', 'dropped', { timeout: 60_000 })
    await expect(dropped.getByTestId('activity-status')).toHaveText(
      'Dropped: another transaction of this account with the same nonce was mined',
    )
    const fromLaptop = b.locator('[data-testid="activity"] li', { hasText: 'Sent 1 TAB to 0x00…aD' })
    await expect(fromLaptop).toHaveAttribute('data-direction', 'sent')
    await expect(fromLaptop).toHaveAttribute('data-status', 'confirmed')
    // Sent again from the phone, it is mined; the laptop lists it too.
    await b.getByTestId('tab-send').click()
    const retry = await send(b, '3')
    await expect(retry).toHaveAttribute('data-status', 'confirmed', { timeout: 60_000 })
    const fromPhone = a.locator('[data-testid="activity"] li', { hasText: 'Sent 3 TAB to 0x00…aD' })
    await expect(fromPhone).toHaveAttribute('data-direction', 'sent', { timeout: 60_000 })
    await expect(fromPhone).toHaveAttribute('data-status', 'confirmed')
    // Its own sends are listed once each, as the wallet sent them.
    await expect(a.locator('[data-testid="activity"] li', { hasText: '1 TAB to' })).toHaveCount(1)
  } finally {
    await laptop.close()
    await phone.close()
  }
})

test('faucet, then send coin to a second browser through the approval dialog: it arrives there, and its Activity says who paid what', async ({
  browser,
}) => {
  const [ctxA, ctxB] = [await browser.newContext(), await browser.newContext()]
  try {
    const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
    await openNode(a, '/')
    const idB = await openNode(b, '/?mine=0')
    await waitDirect(a, idB, 30_000)
    const addressA = await createWallet(a)
    const addressB = await createWallet(b)

    // B, with no coins yet, creates a token: the pool refuses it, its row says so in TAB and where to
    // get some (not the pool's wei), the reason wrapped inside the table at a desktop's width.
    await b.getByRole('link', { name: 'Tokens', exact: true }).click()
    await b.locator('#token-name').fill('Tin')
    await b.locator('#token-symbol').fill('TIN')
    await b.locator('#token-supply').fill('1')
    await b.getByRole('button', { name: 'Create token' }).click()
    await b.getByTestId('approval-confirm').click()
    const refused = b.getByTestId('activity-row').first()
    await expect(refused).toHaveAttribute('data-state', 'failed', { timeout: 30_000 })
    await expect(refused.getByTestId('tx-status')).toHaveText(
      /^Failed: not enough TAB: this transaction may cost up to [\d.]+ TAB \(its network fee at the most\) and the account holds 0 TAB\. Get TAB from the devnet faucet on the Wallet screen, or by mining\.$/,
    )
    const past = await b.getByTestId('activity').evaluate((table) => {
      const edge = table.parentElement?.getBoundingClientRect().right ?? 0
      return table.getBoundingClientRect().right - edge
    })
    expect(past, 'the table past its section (px)').toBeLessThanOrEqual(0.5)
    await b.getByRole('link', { name: 'Wallet' }).first().click()

    await a.getByTestId('faucet').click()
    await expect(a.getByTestId('faucet-sent')).toBeVisible()
    await expect(a.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 60_000 })
    // The payment's line says it is mined once it is, and links to it (not "sent" for ever).
    await expect(a.getByTestId('faucet-sent')).toHaveAttribute('data-state', 'mined')
    await expect(a.getByTestId('faucet-sent')).toContainText('Faucet transfer mined: 0x')
    await expect(a.getByTestId('faucet-sent').getByRole('link')).toHaveAttribute(
      'href',
      /^\/tx\/0x[0-9a-f]{64}$/,
    )

    // Insufficient balance is caught before anything is signed: beside the amount as it is typed…
    const [to, amount] = [a.getByTestId('send-to'), a.getByTestId('send-amount')]
    await to.fill(addressB)
    await amount.fill('11')
    await expectProblem(a, amount, 'send-amount-problem', 'Insufficient balance: you have 10 TAB.')
    await a.getByTestId('send-button').click()
    await expectProblem(a, amount, 'send-amount-problem', 'Insufficient balance: you have 10 TAB.')
    // …and, counting the fee the node asks for, on submit.
    await amount.fill('10')
    await expectProblem(a, amount, 'send-amount-problem', null)
    await a.getByTestId('send-button').click()
    await expect(a.getByTestId('send-error')).toContainText('plus a fee of up to')
    await expect(a.getByTestId('approval-title')).toHaveCount(0)
    // All of it but the fee the wallet signs for (twice the base fee, at its floor on these empty blocks,
    // plus the tip) is not refused: the screen bounds the fee as the wallet does.
    const fee = 21_000n * (2n * devnetGenesis.params.minBaseFee + MIN_SUGGESTED_TIP)
    await a.getByTestId('send-amount').fill(formatEther(parseEther('10') - fee))
    await a.getByTestId('send-button').click()
    await expect(a.getByTestId('approval-title')).toHaveText(
      `Send ${formatEther(parseEther('10') - fee)} TAB to ${addressB.slice(0, 4)}…${addressB.slice(-2)}`,
    )
    await expect(a.getByTestId('approval')).toContainText(`up to ${formatEther(fee)} TAB`)
    // What leaves the account, plainly: the amount, and with the fee at most, all of the balance.
    const fact = (label: string) =>
      a
        .getByTestId('approval')
        .locator('.facts__row')
        .filter({ has: a.locator('dt', { hasText: label }) })
    await expect(fact('Amount')).toHaveText(`Amount${formatEther(parseEther('10') - fee)} TAB`)
    await expect(fact('Total')).toHaveText('Totalup to 10 TAB')
    // Confirm and Cancel in view without scrolling, on a laptop and on a phone.
    await approvalButtonsInView(a)
    await a.getByTestId('approval-cancel').click()
    await expect(a.getByTestId('send-error')).toHaveText('Cancelled.')
    // A wrong EIP-55 checksum is refused.
    const swapped = addressB.replace(/[a-f]/, (c) => c.toUpperCase()).replace(/[A-F]/, (c) => c.toLowerCase())
    if (swapped !== addressB) {
      await to.fill(swapped)
      await expectProblem(
        a,
        to,
        'send-to-problem',
        'The address checksum (EIP-55) does not match: check it for a typo.',
      )
    }

    // Cancel → nothing sent; confirm → sent.
    await a.getByTestId('send-to').fill(addressB)
    await a.getByTestId('send-amount').fill('2.5')
    await a.getByTestId('send-button').click()
    await expect(a.getByTestId('approval-title')).toHaveText(
      `Send 2.5 TAB to ${addressB.slice(0, 4)}…${addressB.slice(-2)}`,
    )
    await a.getByTestId('approval-cancel').click()
    await expect(a.getByTestId('send-error')).toHaveText('Cancelled.')
    await a.getByTestId('send-button').click()
    await a.getByTestId('approval-confirm').click()
    await expect(a.getByTestId('send-ok')).toBeVisible()
    // The short hash it shows opens the transaction's page, as on the Tokens screen; the whole hash is its
    // tooltip and what a screen reader reads.
    const sentLink = a.getByTestId('send-ok').getByRole('link')
    await expect(sentLink).toHaveAttribute('href', /^\/tx\/0x[0-9a-f]{64}$/)
    const sentHash = ((await sentLink.getAttribute('href')) ?? '').replace('/tx/', '')
    await expect(sentLink).toHaveText(`${sentHash.slice(0, 10)}…${sentHash.slice(-6)}`)
    await expect(sentLink).toHaveAttribute('title', sentHash)
    await expect(sentLink).toHaveAccessibleName(`Transaction ${sentHash}`)

    await a.getByTestId('tab-activity').click()
    await expect(a.getByTestId('activity').locator('li').first()).toHaveAttribute(
      'data-status',
      'confirmed',
      {
        timeout: 60_000,
      },
    )
    await expect(a.getByTestId('activity').locator('li').first()).toHaveAttribute('data-direction', 'sent')
    await expect(a.getByTestId('activity').locator('li').first().getByTestId('activity-status')).toHaveText(
      /^Confirmed \(\d+ confirmations?\)$/,
    )
    await expect(a.getByTestId('activity').locator('li').first().getByRole('link')).toHaveAttribute(
      'href',
      `/tx/${sentHash}`,
    )
    // When, as the Explorer says it: "12s ago", the block's date in its tooltip.
    await expect(a.getByTestId('activity').locator('li').first().getByTestId('activity-time')).toHaveText(
      /^(just now|\d+.* ago)$/,
    )
    // B, another browser, sees the coin arrive.
    await expect(b.getByTestId('selected-balance')).toHaveText('2.5 TAB', { timeout: 60_000 })
    // …and its Activity says who paid it what, linking to the transaction A sent.
    const fromA = `from ${addressA.slice(0, 4)}…${addressA.slice(-2)}`
    await b.getByTestId('tab-activity').click()
    const paid = b.getByTestId('activity').locator('li').first()
    await expect(paid).toHaveAttribute('data-direction', 'received', { timeout: 60_000 })
    await expect(paid).toContainText(`Received 2.5 TAB ${fromA}`)
    await expect(paid.getByTestId('activity-status')).toHaveText(/^Confirmed \(\d+ confirmations?\)$/)
    await expect(paid.getByRole('link')).toHaveAttribute('href', `/tx/${sentHash}`)
    await expect(paid.getByTestId('activity-time')).toHaveText(/^(just now|\d+.* ago)$/)

    // The Tokens screen acts through the wallet: creating a token waits for the approval dialog.
    await a.getByRole('link', { name: 'Tokens', exact: true }).click()
    await expect(a.getByTestId('acting-as')).toContainText('approval in the wallet')
    await a.locator('#token-name').fill('Gold')
    await a.locator('#token-symbol').fill('GLD')
    await a.locator('#token-decimals').fill('2')
    await a.locator('#token-supply').fill('1000')
    await a.getByRole('button', { name: 'Create token' }).click()
    await expect(a.getByTestId('approval-title')).toHaveText(
      'Create token Gold (GLD) with 1,000 GLD for you',
      {
        timeout: 30_000,
      },
    )
    // What it is sent to is said in words beside the native contract's address.
    await expect(a.getByTestId('approval')).toContainText(
      `TokenFactory, the native contract that creates tokens: ${TOKEN_FACTORY_ADDRESS}`,
    )
    await a.getByTestId('approval-confirm').click()

    // The Wallet screen shows the token, and sends some of it to B.
    await a.getByRole('link', { name: 'Wallet' }).first().click()
    await expect(a.getByTestId('token-balance-GLD')).toContainText('1,000 GLD', { timeout: 60_000 })
    await a.getByTestId('tab-send').click()
    await a.getByTestId('send-asset').selectOption({ label: 'GLD (Gold)' })
    await a.getByTestId('send-to').fill(addressB)
    await a.getByTestId('send-amount').fill('2000')
    await expectProblem(a, amount, 'send-amount-problem', 'Insufficient balance: you have 1,000 GLD.')
    await a.getByTestId('send-amount').fill('250.505')
    await expectProblem(a, amount, 'send-amount-problem', 'At most 2 decimals.')
    await a.getByTestId('send-amount').fill('250.5')
    await a.getByTestId('send-button').click()
    await expect(a.getByTestId('approval-title')).toHaveText(
      `Transfer 250.5 GLD to ${addressB.slice(0, 4)}…${addressB.slice(-2)}`,
    )
    await a.getByTestId('approval-confirm').click()
    await expect(a.getByTestId('send-ok')).toBeVisible()
    // B, in the other browser, sees the tokens arrive.
    await expect(b.getByTestId('token-balance-GLD')).toContainText('250.5 GLD', { timeout: 60_000 })
    const tokensPaid = b.getByTestId('activity').locator('li').first()
    await expect(tokensPaid).toContainText(`Received 250.5 GLD ${fromA}`, { timeout: 60_000 })
    await expect(tokensPaid).toHaveAttribute('data-direction', 'received')
    await expect(b.getByTestId('activity').locator('li')).toHaveCount(2)
    await expect(a.getByTestId('token-balance-GLD')).toContainText('749.5 GLD', { timeout: 60_000 })
  } finally {
    await ctxA.close()
    await ctxB.close()
  }
})

/**
 * viem and ethers are not in the page (the app bundles only the parts of viem it uses and exposes none of
 * them), so the test bundles the library's own build with esbuild and injects it as `window.<name>`: a
 * real client, nothing new in production (the context bypasses the app's CSP for that one script).
 */
async function injectClientLibrary(page: Page, name: 'viem' | 'ethers'): Promise<void> {
  const { build } = await import('esbuild')
  const out = await build({
    stdin: { contents: `import * as lib from '${name}'; window.${name} = lib`, resolveDir: process.cwd() },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
  })
  await page.addScriptTag({ content: out.outputFiles[0]?.text ?? '' })
}

/**
 * Installs `window.viemClients()` in a page viem is injected in: viem's public client (polling every
 * 200 ms) and wallet client over the page's provider, the account `eth_accounts` gives, and the chain as
 * the node names its id.
 */
async function installViemClients(page: Page): Promise<void> {
  await page.evaluate(() => {
    // biome-ignore lint/suspicious/noExplicitAny: the injected viem module
    const w = window as any
    w.viemClients = async () => {
      const v = w.viem
      const provider = window.tabchain?.provider
      const client = v.createPublicClient({ transport: v.custom(provider), pollingInterval: 200 })
      const [account] = await client.request({ method: 'eth_accounts' })
      const wallet = v.createWalletClient({ account, transport: v.custom(provider) })
      const chain = {
        id: await client.getChainId(),
        name: 'Tabchain',
        nativeCurrency: { name: 'Tab', symbol: 'TAB', decimals: 18 },
        rpcUrls: { default: { http: [] } },
      }
      return { v, client, wallet, account, chain }
    }
  })
}

test.describe('viem and ethers in the page', () => {
  // The app's CSP forbids inline scripts; only these tests' contexts bypass it, to inject the client.
  test.use({ bypassCSP: true })

  test('viem as a real client in Chromium against the worker node, the dialog clicked by the test', async ({
    page,
  }) => {
    await openNode(page, '/')
    const me = await createWallet(page)
    await page.getByTestId('faucet').click()
    await expect(page.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 60_000 })
    await injectClientLibrary(page, 'viem')
    await installViemClients(page)

    const reads = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the injected viem module
      const v = (window as any).viem
      const client = v.createPublicClient({ transport: v.custom(window.tabchain?.provider) })
      const [account] = await client.request({ method: 'eth_accounts' })
      return {
        account,
        chainId: await client.getChainId(),
        blockNumber: String(await client.getBlockNumber()),
        balance: String(await client.getBalance({ address: account })),
      }
    })
    expect(reads.account).toBe(me)
    expect(reads.chainId).toBe(0x7ab7)
    expect(BigInt(reads.blockNumber)).toBeGreaterThan(0n)
    expect(reads.balance).toBe(String(10n ** 19n))

    // writeContract(createToken) waits for the dialog; the test clicks it.
    const created = page.evaluate(
      async ({ factory, abi }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the injected viem module and its clients
        const { v, client, wallet, chain } = await (window as any).viemClients()
        const hash = await wallet.writeContract({
          chain,
          address: factory,
          abi,
          functionName: 'createToken',
          args: ['Viem', 'VIEM', 18, 1000n * 10n ** 18n],
        })
        const receipt = await client.waitForTransactionReceipt({ hash, timeout: 90_000 })
        const [event] = v.parseEventLogs({ abi, eventName: 'TokenCreated', logs: receipt.logs })
        return { status: receipt.status, token: event.args.token }
      },
      { factory: TOKEN_FACTORY_ADDRESS, abi: tokenFactoryAbi },
    )
    await expect(page.getByTestId('approval-title')).toBeVisible({ timeout: 30_000 })
    await page.getByTestId('approval-confirm').click()
    const { status, token } = await created
    expect(status).toBe('success')

    const friend = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
    const sent = page.evaluate(
      async ({ token, friend }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the injected viem module and its clients
        const { v, client, wallet, account, chain } = await (window as any).viemClients()
        const gas = await client.estimateContractGas({
          address: token,
          abi: v.erc20Abi,
          functionName: 'transfer',
          args: [friend, 12n * 10n ** 18n],
          account,
        })
        // Watching starts before the transfer is sent; it resolves with the first Transfer to `friend`.
        let unwatch: (() => void) | undefined
        const watched = new Promise<string[]>((resolve) => {
          unwatch = client.watchContractEvent({
            address: token,
            abi: v.erc20Abi,
            eventName: 'Transfer',
            pollingInterval: 200,
            onLogs: (logs: { transactionHash: string; args: { to: string } }[]) => {
              const mine = logs.filter((l) => l.args.to === friend)
              if (mine.length > 0) resolve(mine.map((l) => l.transactionHash))
            },
          })
        })
        const hash = await wallet.writeContract({
          chain,
          address: token,
          abi: v.erc20Abi,
          functionName: 'transfer',
          args: [friend, 12n * 10n ** 18n],
        })
        const receipt = await client.waitForTransactionReceipt({ hash, timeout: 90_000 })
        const watchedHashes = await watched
        unwatch?.()
        const logs = await client.getContractEvents({
          address: token,
          abi: v.erc20Abi,
          eventName: 'Transfer',
          args: { to: friend },
          fromBlock: 0n,
        })
        return {
          gas: String(gas),
          gasUsed: String(receipt.gasUsed),
          watched: watchedHashes.includes(hash),
          status: receipt.status,
          symbol: await client.readContract({ address: token, abi: v.erc20Abi, functionName: 'symbol' }),
          balance: String(
            await client.readContract({
              address: token,
              abi: v.erc20Abi,
              functionName: 'balanceOf',
              args: [friend],
            }),
          ),
          transfers: logs.map((l: { transactionHash: string; args: { value: bigint } }) => ({
            tx: l.transactionHash === hash,
            value: String(l.args.value),
          })),
        }
      },
      { token, friend },
    )
    await expect(page.getByTestId('approval-title')).toHaveText('Transfer 12 VIEM to 0x90…06', {
      timeout: 30_000,
    })
    await page.getByTestId('approval-confirm').click()
    const { gas, gasUsed, ...result } = await sent
    // The estimate covers what the transfer used, and is more than a plain coin transfer.
    expect(BigInt(gas)).toBeGreaterThanOrEqual(BigInt(gasUsed))
    expect(BigInt(gas)).toBeGreaterThan(21_000n)
    expect(result).toEqual({
      watched: true,
      status: 'success',
      symbol: 'VIEM',
      balance: String(12n * 10n ** 18n),
      transfers: [{ tx: true, value: String(12n * 10n ** 18n) }],
    })
  })

  test('ethers BrowserProvider in Chromium against the worker node: a balance, a transfer through the dialog', async ({
    page,
  }) => {
    await openNode(page, '/')
    const me = await createWallet(page)
    await page.getByTestId('faucet').click()
    await expect(page.getByTestId('selected-balance')).toHaveText('10 TAB', { timeout: 60_000 })
    await injectClientLibrary(page, 'ethers')

    const friend = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65'
    const read = (address: string) =>
      page.evaluate(async (a) => {
        // biome-ignore lint/suspicious/noExplicitAny: the injected ethers module
        const e = (window as any).ethers
        // A new provider for each read: ethers briefly caches identical reads.
        return String(await new e.BrowserProvider(window.tabchain?.provider).getBalance(a))
      }, address)
    expect(await read(me)).toBe(String(10n ** 19n))
    const friendBefore = BigInt(await read(friend))

    const sent = page.evaluate(
      async ({ me, friend }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the injected ethers module
        const e = (window as any).ethers
        const provider = new e.BrowserProvider(window.tabchain?.provider)
        const signer = await provider.getSigner(me)
        const tx = await signer.sendTransaction({ to: friend, value: e.parseEther('2.5') })
        const receipt = await tx.wait(1, 90_000)
        return { from: receipt.from, to: receipt.to, status: receipt.status, chainId: String(tx.chainId) }
      },
      { me, friend },
    )
    await expect(page.getByTestId('approval-title')).toHaveText('Send 2.5 TAB to 0x15…65', {
      timeout: 30_000,
    })
    await page.getByTestId('approval-confirm').click()
    expect(await sent).toEqual({ from: me, to: friend, status: 1, chainId: String(0x7ab7) })
    expect(BigInt(await read(friend))).toBe(friendBefore + 25n * 10n ** 17n)
    expect(BigInt(await read(me))).toBeLessThan(10n ** 19n - 25n * 10n ** 17n)
  })
})
