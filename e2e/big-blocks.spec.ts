import { expect, type Page, test } from '@playwright/test'
import { mnemonicToAccount } from 'viem/accounts'
import { linkedPair, selfTransfer, waitInPage, waitSubscribed } from './helpers'

/** A devnet account no other test spends from. */
const SENDER = mnemonicToAccount('test test test test test test test test test test test junk', {
  addressIndex: 7,
})

const stats = (page: Page) =>
  page.evaluate(async () => {
    const s = await window.tabchain?.node.api.stats()
    return {
      announced: s?.blocksAnnounced,
      fromAnnouncements: s?.blocksFromAnnouncements,
      unsent: s?.blocksUnsent,
    }
  })

test('a block over the 1 MiB gossip cap reaches the other browser at once, fetched on its header', async ({
  browser,
}) => {
  const pair = await linkedPair(browser)
  const { a, b, close } = pair
  try {
    // Each side's announcement reaches the other once its subscriptions have arrived.
    await waitSubscribed(pair, '/big-blocks/1')
    // Twelve transactions of ~130 KB in A's pool, then A mines: its next block is ~1.5 MiB.
    const raws = await Promise.all(
      Array.from({ length: 12 }, (_, nonce) => selfTransfer(SENDER, nonce, 130_000)),
    )
    const hashes = await a.evaluate(async (rs) => {
      const out: string[] = []
      for (const r of rs)
        out.push((await window.tabchain?.node.api.sendRawTransaction(r as `0x${string}`)) ?? '')
      return out
    }, raws)
    await a.evaluate(() => window.tabchain?.node.api.setMining(true))
    const mined = await a.evaluate(async (h) => {
      for (;;) {
        const receipt = await window.tabchain?.node.api.receipt(h as `0x${string}`)
        if (receipt != null) {
          await window.tabchain?.node.api.setMining(false)
          return { number: Number(receipt.blockNumber), hash: receipt.blockHash }
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    }, hashes.at(-1) ?? '')
    // B holds that very block, fetched on its announcement: "at once" is the path, not a stopwatch. A
    // mines no block after it, so no orphan brings B to sync it, and a block B imports by sync is not
    // counted as from an announcement (checked below). The time is the loaded machine's, not the promise.
    await waitInPage(
      b,
      async (t) => (await window.tabchain?.node.api.block(BigInt(t.number)))?.hash === t.hash,
      mined,
      { timeout: 30_000, interval: 20 },
    )
    expect((await stats(a)).announced).toBeGreaterThanOrEqual(1)
    expect(await stats(a)).toMatchObject({ unsent: 0 })
    expect((await stats(b)).fromAnnouncements).toBeGreaterThanOrEqual(1)
  } finally {
    await close()
  }
})
