import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { encodeFunctionData, type Hex, sha256 } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../src/node/contracts/addresses'
import { htlcAbi } from '../src/node/contracts/htlc/abi'
import { tokenFactoryAbi } from '../src/node/contracts/token-factory/abi'
import { selfTransfer as devnetSelfTransfer, nodeReport, openNode, waitDirect } from './helpers'
import { choose, createWallet } from './market-steps'

/** A devnet account no other step of this test spends from. */
const SENDER = mnemonicToAccount('test test test test test test test test test test test junk', {
  addressIndex: 6,
})

/** The devnet account (9) the light tab acts as on its Tokens screen, creating a token. */
const MARKER = mnemonicToAccount('test test test test test test test test test test test junk', {
  addressIndex: 9,
})

/** SENDER's transfer of 1 wei to itself at `nonce`, signed for the devnet. */
const selfTransfer = (nonce: number) => devnetSelfTransfer(SENDER, nonce)

const headNumber = async (page: Page) =>
  page.evaluate(async () => Number((await window.tabchain?.node.api.head())?.number ?? -1))

/**
 * A mining full tab (in `ctxFull`) at block 5 or past it, and a `?mode=light` tab (in `ctxLight`, not
 * mining) directly linked to it, running light.
 */
async function lightBesideFull(ctxFull: BrowserContext, ctxLight: BrowserContext) {
  const full = await ctxFull.newPage()
  const light = await ctxLight.newPage()
  const idFull = await openNode(full, '/?mode=full')
  await expect.poll(() => headNumber(full), { timeout: 120_000, intervals: [500] }).toBeGreaterThanOrEqual(5)
  await openNode(light, '/?mode=light&mine=0')
  await waitDirect(light, idFull, 30_000)
  await expect(light.getByTestId('node-mode')).toHaveAttribute('data-mode', 'light', { timeout: 30_000 })
  return { full, light, idFull }
}

test('a ?mode=light tab next to a mining full tab shows a proof-verified balance', async ({ browser }) => {
  test.setTimeout(240_000)
  const [ctxFull, ctxLight] = [await browser.newContext(), await browser.newContext()]
  try {
    const { full, light, idFull } = await lightBesideFull(ctxFull, ctxLight)
    await expect(full.getByTestId('node-mode')).toHaveAttribute('data-mode', 'full')
    // Each Mode card says the address set this load's mode, whatever the profile's setting.
    await expect(light.getByTestId('mode-from-address')).toHaveText(
      'This load is light because the address says ?mode=light; the setting applies to a load without it.',
    )
    await expect(full.getByTestId('mode-from-address')).toHaveText(
      'This load is full because the address says ?mode=full; the setting applies to a load without it.',
    )

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
    // The Explorer lists the blocks whose headers it verified, with their transactions read from peers
    // against those headers: the full tab's blocks.
    await light
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Explorer', exact: true })
      .click()
    await expect(light.getByTestId('explorer-source')).toContainText('It runs light')
    const rows = light.getByTestId('block-row')
    await expect(rows.first()).toBeVisible({ timeout: 30_000 })
    // At a phone's width the column headings are hidden: each figure carries its own label.
    await light.setViewportSize({ width: 390, height: 844 })
    expect(
      await rows
        .first()
        .locator('td')
        .evaluateAll((cells) => cells.map((td) => getComputedStyle(td, '::before').content)),
    ).toEqual(['none', '"Hash"', '"Age"', '"Txs"', '"Difficulty"'])
    await light.setViewportSize({ width: 1280, height: 720 })
    const fullBlock = (n: number) =>
      full.evaluate(
        (k) =>
          window.tabchain?.node.api
            .block(BigInt(k))
            .then((b) => ({ hash: b?.hash ?? 'none', txs: b?.transactions ?? [] })) ??
          Promise.reject(new Error('no node')),
        n,
      )
    // The live list moves on each new head: the block opened is the one the page's address names.
    await rows.nth(2).getByRole('link').click()
    await expect(light).toHaveURL(/\/block\/\d+$/)
    const shown = Number(new URL(light.url()).pathname.split('/').pop())
    await expect(light.getByTestId('block-detail')).toHaveAttribute(
      'data-hash',
      (await fullBlock(shown)).hash,
      { timeout: 30_000 },
    )
    // A block with a transaction, opened on the light tab reloaded: its transaction is listed.
    const raw = await selfTransfer(0)
    const hash = await full.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r), raw)
    const mined = await full.evaluate(async (h) => {
      for (;;) {
        const receipt = await window.tabchain?.node.api.receipt(h ?? '0x')
        if (receipt != null) return Number(receipt.blockNumber)
        await new Promise((r) => setTimeout(r, 200))
      }
    }, hash)
    const withTx = await fullBlock(mined)
    expect(withTx.txs).toEqual([hash])
    await light.goto(`/block/${mined}?mode=light&mine=0`)
    const detail = light.getByTestId('block-detail')
    await expect(detail).toHaveAttribute('data-hash', withTx.hash, { timeout: 60_000 })
    await expect(detail).toContainText(hash ?? 'none')
    // An address's transactions: as the full tab lists them, each proven against a verified header, with
    // a note that a peer could leave some out, and that a lock's payout another sent is among them.
    await light.goto(`/address/${SENDER.address}?mode=light&mine=0`)
    // The one transaction listed (its row also links the address it went to).
    await expect(light.getByTestId('tx-list').getByRole('link', { name: /^Transaction 0x/ })).toHaveAttribute(
      'href',
      `/tx/${hash}`,
      { timeout: 60_000 },
    )
    await expect(light.getByTestId('address-txs-light')).toContainText('a peer could leave some out')
    await expect(light.getByTestId('address-txs-light')).toContainText(
      "payout to this address that someone else redeemed or refunded is listed too, proven by the lock's record",
    )
    // Its balance is the verified read, at the header it was proven against, as on the home screen.
    await expect(light.getByTestId('balance')).toContainText(/ TAB ✓ verified at #\d/)
    const listed = await light.evaluate(
      (a) => window.tabchain?.node.api.addressTransactions(a, 5),
      SENDER.address,
    )
    expect(listed).toEqual(
      await full.evaluate((a) => window.tabchain?.node.api.addressTransactions(a, 5), SENDER.address),
    )
    // The home screen and the Tokens screen say where the data comes from: proofs on the light tab, its
    // own copy of the chain on the full.
    const home = (page: Page) => page.getByRole('link', { name: 'Tabchain overview' }).click()
    await home(light)
    await expect(light.getByTestId('node-intro')).toContainText('proves what it shows against them')
    await home(full)
    await expect(full.getByTestId('node-intro')).toContainText('keeps its own copy of the chain')
    const tokensLink = (page: Page) =>
      page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Tokens', exact: true })
    await tokensLink(light).click()
    await expect(light.getByTestId('tokens-source')).toContainText(
      'read from full peers and proven here against the headers this tab verified',
    )
    // Acting as MARKER, which creates a token through the full tab: its coin balance is marked as proven,
    // and so are its tokens on the Explorer's page for its own address, as on the Wallet.
    await choose(light, 'Devnet account', 'Devnet account 9')
    await expect(light.getByTestId('my-address')).toHaveText(MARKER.address)
    await expect(light.getByTestId('acting-as')).toContainText(/ TAB · ✓ verified at #\d/, {
      timeout: 60_000,
    })
    const created = await MARKER.signTransaction({
      chainId: 31415,
      type: 'eip1559',
      nonce: 0,
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Marks', 'MRK', 0, 1000n],
      }),
      gas: 300_000n,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    await full.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r), created)
    await light.getByRole('link', { name: 'In the explorer' }).click()
    await expect(light.getByTestId('address-token-balance')).toHaveText(/^1,000 MRK · ✓ verified at #\d/, {
      timeout: 90_000,
    })
    await tokensLink(full).click()
    await expect(full.getByTestId('tokens-source')).toContainText(
      'read from this tab’s own copy of the chain',
    )
    // A transaction the light tab sends itself: its Explorer lists it as pending, and no more from the
    // head whose block holds it (proven then, read or not), not 8 blocks after it was sent.
    await light.goto('/explorer?mode=light&mine=0')
    await waitDirect(light, idFull, 30_000)
    const next = await selfTransfer(1)
    // The miner paused until the list shows it: on the fast chain the next block can hold it, proven, before
    // the list is first read.
    await full.evaluate(() => window.tabchain?.node.api.setMining(false))
    // Sent once the gossip mesh to the full tab has formed (before, refused with NET_NO_PEERS); `sentAt`
    // is the light tab's head read just before the send that went out.
    let sent = ''
    let sentAt = 0
    await expect
      .poll(
        async () => {
          ;({ sent, sentAt } = await light.evaluate(async (r) => {
            const api = window.tabchain?.node.api
            const at = Number((await api?.head())?.number ?? -1)
            const result = (await api?.sendRawTransaction(r).catch((err: unknown) => String(err))) ?? ''
            return { sent: result, sentAt: at }
          }, next))
          return sent
        },
        { timeout: 30_000, intervals: [500] },
      )
      .toMatch(/^0x[0-9a-f]{64}$/)
    await expect(light.locator(`[data-testid="pending-tx"] a[href="/tx/${sent}"]`)).toBeVisible({
      timeout: 30_000,
    })
    await full.evaluate(() => window.tabchain?.node.api.setMining(true))
    await expect(light.getByTestId('pending-tx')).toHaveCount(0, { timeout: 60_000 })
    const clearedAt = await headNumber(light)
    const minedAt = await full.evaluate(
      async (hash) => Number((await window.tabchain?.node.api.receipt(hash as Hex))?.blockNumber ?? -1),
      sent,
    )
    // Within a few heads of its block (the check runs at each head), not when the light node stops
    // listing an unproven submission, 8 blocks after it was sent.
    expect(minedAt).toBeGreaterThan(sentAt)
    expect(clearedAt).toBeLessThanOrEqual(minedAt + 3)
    // Another one, opened from the Explorer's pending list: the transaction is shown (pending, or in its
    // block), its status verified or saying why not — never an error panel in its place.
    // The miner paused again: on the fast chain the next block can take it out of the list before the click.
    await full.evaluate(() => window.tabchain?.node.api.setMining(false))
    const third = await selfTransfer(2)
    const thirdHash = await light.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r), third)
    await light.locator(`[data-testid="pending-tx"] a[href="/tx/${thirdHash}"]`).click({ timeout: 30_000 })
    await expect(light.getByTestId('tx-detail')).toContainText(thirdHash ?? 'none', { timeout: 30_000 })
    const status = light.getByTestId('tx-detail').getByTestId('tx-status')
    await expect(status).toHaveAttribute('data-state', /^(pending|confirmed)$/)
    await expect(status).toHaveAttribute('data-verified', /^(true|false)$/)
    await expect(light.locator('.panel--error')).toHaveCount(0)
  } finally {
    await ctxFull.close()
    await ctxLight.close()
  }
})

test('a light tab’s Wallet Activity lists coin the full tab paid it, proven, and says what the list is', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  // A devnet account no other test of this file spends from.
  const payer = mnemonicToAccount('test test test test test test test test test test test junk', {
    addressIndex: 7,
  })
  const [ctxFull, ctxLight] = [await browser.newContext(), await browser.newContext()]
  try {
    const { full, light } = await lightBesideFull(ctxFull, ctxLight)
    const address = (await createWallet(light)) as Hex
    const raw = await payer.signTransaction({
      chainId: 31415,
      type: 'eip1559',
      nonce: 0,
      to: address,
      value: 25n * 10n ** 17n,
      gas: 21_000n,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    const hash = await full.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r), raw)
    await light.getByTestId('tab-activity').click()
    const note = light.getByTestId('activity-received-note')
    await expect(note).toContainText(
      'Payments received are listed by a full peer, each one proven, but a peer could leave some out.',
    )
    await expect(note).toContainText('Each one is proven in a block whose header this node verified.')
    await expect(note).toContainText(
      "A swap lock's payout to this account that someone else redeemed or refunded is listed too, proven by the lock's record",
    )
    const paid = light.getByTestId('activity').locator('li').first()
    await expect(paid).toHaveAttribute('data-direction', 'received', { timeout: 90_000 })
    await expect(paid).toContainText(
      `Received 2.5 TAB from ${payer.address.slice(0, 4)}…${payer.address.slice(-2)}`,
    )
    await expect(paid.getByRole('link')).toHaveAttribute('href', `/tx/${hash}`)
    await expect(paid.getByTestId('activity-status')).toHaveText(/^Confirmed \(\d+ confirmations?\)$/)
    // When, from the light tab's own verified headers: "12s ago", the block's date in its tooltip.
    await expect(paid.getByTestId('activity-time')).toHaveText(/^(just now|\d+.* ago)$/)
    // The payer locks 1 TAB to the wallet and a third account redeems it: the light tab lists that payout,
    // its lock's recipient proven.
    const mined = (h: Hex) =>
      full.evaluate(async (tx) => {
        for (;;) {
          const receipt = await window.tabchain?.node.api.receipt(tx)
          if (receipt != null) return { status: receipt.status, ids: receipt.logs.map((l) => l.topics[1]) }
          await new Promise((r) => setTimeout(r, 200))
        }
      }, h)
    const preimage: Hex = `0x${'5e'.repeat(32)}`
    const call = (account: typeof payer, nonce: number, data: Hex, value: bigint) =>
      account.signTransaction({
        chainId: 31415,
        type: 'eip1559',
        nonce,
        to: HTLC_ADDRESS,
        value,
        data,
        gas: 300_000n,
        maxFeePerGas: 100n * 10n ** 9n,
        maxPriorityFeePerGas: 10n ** 9n,
      })
    const lockData = encodeFunctionData({
      abi: htlcAbi,
      functionName: 'lock',
      args: [ZERO_ADDRESS, 10n ** 18n, address, sha256(preimage), 1_000_000n],
    })
    const lockTx = await full.evaluate(
      (r) => window.tabchain?.node.api.sendRawTransaction(r),
      await call(payer, 1, lockData, 10n ** 18n),
    )
    const locked = await mined(lockTx as Hex)
    expect(locked.status).toBe('success')
    const lock = locked.ids[0]
    const redeemer = mnemonicToAccount('test test test test test test test test test test test junk', {
      addressIndex: 8,
    })
    const redeemData = encodeFunctionData({
      abi: htlcAbi,
      functionName: 'redeem',
      args: [lock as Hex, preimage],
    })
    const redeem = await full.evaluate(
      (r) => window.tabchain?.node.api.sendRawTransaction(r),
      await call(redeemer, 0, redeemData, 0n),
    )
    expect((await mined(redeem as Hex)).status).toBe('success')
    const payout = light.getByTestId('activity').locator('li').first()
    await expect(payout.getByRole('link')).toHaveAttribute('href', `/tx/${redeem}`, { timeout: 90_000 })
    await expect(payout).toHaveAttribute('data-direction', 'received')
    await expect(payout).toContainText('Received 1 TAB from a swap, collected from lock')
  } finally {
    await ctxFull.close()
    await ctxLight.close()
  }
})
