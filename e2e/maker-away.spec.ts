import { expect, test } from '@playwright/test'
import { FAST_URL, openNode, profileOf } from './helpers'
import { choose, fastTraders, postOffer } from './market-steps'

/**
 * A maker's tab closed with its offer open, on the fast test chain where nobody mines: no block and no
 * offer event comes to make a tab read its book again, so what the Market says rests on the page's clock.
 */
test("the maker's tab closes with its offer open: the taker's open take dialog says so at the offer's expiry and stops the take; the maker, back, lists no open offer", async ({
  browser,
}) => {
  // Two traders (~25 s) and an offer open for its shortest lifetime, a minute.
  test.setTimeout(180_000)
  const [a, b] = await fastTraders(browser)
  try {
    await postOffer(a.page, { maker: 197, taker: 66 }, 1)
    const profile = await profileOf(a.page)

    await b.page.getByRole('link', { name: 'Market', exact: true }).click()
    await choose(b.page, 'Token traded', 'APL')
    await choose(b.page, 'Token it is priced in', 'BAN')
    const row = b.page.getByTestId('book-row')
    await expect(row).toHaveCount(1, { timeout: 60_000 })
    await a.page.close()
    // B opens the take while the offer is still open, and leaves the dialog up past its expiry.
    await row.getByRole('button', { name: 'Buy 10 APL', exact: true }).click()
    const confirm = b.page.getByTestId('take-confirm')
    await expect(confirm).toBeEnabled()
    await expect(row).toHaveCount(0, { timeout: 90_000 })
    await expect(b.page.getByTestId('take-refusal')).toHaveText(
      'This offer expired: it can no longer be taken.',
      {
        timeout: 5_000,
      },
    )
    await expect(confirm).toBeDisabled()

    // A comes back after the expiry: its node dropped the offer it hosted, and the Market lists none.
    const back = await a.ctx.newPage()
    await openNode(back, `${FAST_URL}/market?profile=${profile}&mine=0`)
    await expect(back.getByTestId('my-offers-empty')).toHaveText('You have no open offers.', {
      timeout: 60_000,
    })
  } finally {
    await a.ctx.close()
    await b.ctx.close()
  }
})
