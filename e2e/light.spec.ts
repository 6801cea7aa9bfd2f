import { expect, type Page, test } from '@playwright/test'
import { nodeReport, openNode, waitDirect } from './helpers'

const headNumber = async (page: Page) =>
  page.evaluate(async () => Number((await window.tabchain?.node.api.head())?.number ?? -1))

test('a ?mode=light tab next to a mining full tab shows a proof-verified balance', async ({ browser }) => {
  test.setTimeout(240_000)
  const [ctxFull, ctxLight] = [await browser.newContext(), await browser.newContext()]
  try {
    const full = await ctxFull.newPage()
    const light = await ctxLight.newPage()
    const idFull = await openNode(full, '/?mode=full')
    await expect
      .poll(() => headNumber(full), { timeout: 120_000, intervals: [500] })
      .toBeGreaterThanOrEqual(5)
    await openNode(light, '/?mode=light&mine=0')
    await waitDirect(light, idFull, 30_000)
    await expect(light.getByTestId('node-mode')).toHaveAttribute('data-mode', 'light', { timeout: 30_000 })
    await expect(full.getByTestId('node-mode')).toHaveAttribute('data-mode', 'full')

    // The light tab follows the full tab's headers...
    await expect
      .poll(async () => (await headNumber(light)) >= 5, { timeout: 60_000, intervals: [250] })
      .toBe(true)
      .catch(async (err: unknown) => {
        throw new Error(`the light tab did not follow: ${await nodeReport(light, idFull)}`, { cause: err })
      })
    // ...and its balance card shows a value proven at a header k deep.
    const card = light.getByTestId('verified-balance')
    await expect(card).toHaveAttribute('data-verified', 'true', { timeout: 60_000 })
    await expect(card).toContainText('verified at #')
    const proven = await light.evaluate(async () => {
      const api = window.tabchain?.node.api
      if (api === undefined) throw new Error('no node')
      const r = await api.verifiedAccount('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
      return {
        number: Number(r.number),
        hash: r.hash,
        balance: r.value.balance.toString(),
        verified: r.verified,
      }
    })
    expect(proven.verified).toBe(true)
    // The full tab's chain holds that header, and its state there has the same balance.
    const atFull = await full.evaluate(async (n) => {
      const api = window.tabchain?.node.api
      const block = await api?.block(BigInt(n))
      return { hash: block?.hash }
    }, proven.number)
    expect(atFull.hash).toBe(proven.hash)
    // Block and log queries are refused in light mode, not answered from an empty local chain.
    const refused = await light.evaluate(async () =>
      window.tabchain?.node.api.block(1n).then(
        () => 'answered',
        (e: { type?: { code?: string } }) => e.type?.code ?? 'no code',
      ),
    )
    expect(refused).toBe('LIGHT_UNSUPPORTED')
  } finally {
    await ctxFull.close()
    await ctxLight.close()
  }
})
