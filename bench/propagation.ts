import type { Page } from '@playwright/test'
import type { HeadEvent } from '../src/node/worker/chain-service'
import { registerAppBench } from './app'
import { percentile } from './timing'

/**
 * Issue 4, benchmark 2: block propagation between two tabs (two browser contexts) of the built app,
 * one mining. From the follower's head events: gossip arrival in its worker → its head update; and,
 * matching each block with the miner's own head event, miner's head update → follower's head update
 * (tab to tab: the publish, both pages' libp2p, WebRTC, the ports and the import). Both are times of
 * the same clock (`performance.timeOrigin + now()` in each worker; one machine).
 */

/** Head events a page's node emitted, recorded on the page (no polling over the DevTools protocol). */
function record(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { heads: HeadEvent[] }
    w.heads = []
    window.tabchain?.node.on('head', (e) => w.heads.push(e))
  })
}

function heads(page: Page): Promise<{ hash: string; movedAt: number; arrivedAt: number | null }[]> {
  return page.evaluate(() =>
    (window as unknown as { heads: HeadEvent[] }).heads.map((h) => ({
      hash: h.hash,
      movedAt: h.movedAt,
      arrivedAt: h.arrivedAt,
    })),
  )
}

registerAppBench({
  name: 'propagation',
  title: 'block propagation tab → tab: gossip arrival → head update in the follower, p50/p95',
  // About 2 s per block on the devnet: a few minutes for 100 blocks.
  timeoutMs: 20 * 60_000,
  async run({ browser, baseUrl, options, log }) {
    const want = options.quick ? 5 : 100
    const contexts = [await browser.newContext(), await browser.newContext()]
    try {
      const [miner, follower] = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page]
      await follower.goto(`${baseUrl}/?mine=0`)
      await miner.goto(`${baseUrl}/?mine=0`)
      for (const p of [miner, follower]) await p.waitForFunction(() => window.tabchain !== undefined)
      // Mine only once the two are directly linked, so every block can travel by gossip.
      await follower.waitForFunction(
        () => window.tabchain?.network.snapshot().peers.some((p) => p.kind === 'direct') ?? false,
        undefined,
        { timeout: 60_000 },
      )
      await Promise.all([record(miner), record(follower)])
      await miner.evaluate(() => window.tabchain?.node.api.setMining(true))
      let arrived = 0
      while (arrived < want) {
        await follower.waitForTimeout(2_000)
        arrived = (await heads(follower)).filter((h) => h.arrivedAt !== null).length
        log(`propagation: ${arrived}/${want} blocks by gossip`)
      }
      await miner.evaluate(() => window.tabchain?.node.api.setMining(false))
      const followed = await heads(follower)
      const mined = new Map((await heads(miner)).map((h) => [h.hash, h.movedAt]))
      const inWorker = followed
        .filter((h) => h.arrivedAt !== null)
        .map((h) => h.movedAt - (h.arrivedAt ?? 0))
        .sort((a, b) => a - b)
      const tabToTab = followed
        .flatMap((h) => {
          const at = mined.get(h.hash)
          return at === undefined ? [] : [h.movedAt - at]
        })
        .sort((a, b) => a - b)
      const p50 = percentile(inWorker, 50)
      return {
        figures: [
          {
            label: 'gossip arrival → head update, p50',
            value: p50,
            unit: 'ms',
            goal: { max: 10 },
            note: `${inWorker.length} blocks`,
          },
          { label: 'gossip arrival → head update, p95', value: percentile(inWorker, 95), unit: 'ms' },
          { label: 'miner head → follower head, p50', value: percentile(tabToTab, 50), unit: 'ms' },
          {
            label: 'miner head → follower head, p95',
            value: percentile(tabToTab, 95),
            unit: 'ms',
            note: `${tabToTab.length} blocks`,
          },
        ],
        ratios: [
          {
            label: 'in-worker import ÷ tab → tab (p50)',
            value: p50 / percentile(tabToTab, 50),
            note: 'share of the trip spent importing',
          },
        ],
        notes: [
          'Two fresh browser contexts of the built app; the miner starts once they are directly linked.',
          'Blocks on the devnet are empty unless someone sends transactions (none here).',
        ],
      }
    } finally {
      await Promise.all(contexts.map((c) => c.close()))
    }
  },
})
