import type { Page } from '@playwright/test'
import { registerAppBench } from './app'

/** A pair of tabs counts as failed if it is not directly linked within this long. */
const GIVE_UP_MS = 10_000

/** ms from this page's navigation start until it holds a direct (WebRTC, unlimited) link to `peerId`. */
function directAt(page: Page, peerId: string): Promise<number> {
  return page
    .waitForFunction(
      (id) =>
        window.tabchain?.network.connections().some((c) => c.peerId === id && c.direct && !c.limited)
          ? performance.now()
          : false,
      peerId,
      { timeout: GIVE_UP_MS, polling: 10 },
    )
    .then((handle) => handle.jsonValue() as Promise<number>)
}

/** ms from navigation start until the node is up (profile claimed, libp2p started, worker ready). */
async function nodeUp(page: Page): Promise<{ upAt: number; peerId: string }> {
  const handle = await page.waitForFunction(
    () =>
      window.tabchain === undefined
        ? false
        : { upAt: performance.now(), peerId: window.tabchain.network.peerId },
    undefined,
    { timeout: 60_000, polling: 10 },
  )
  return handle.jsonValue() as Promise<{ upAt: number; peerId: string }>
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

registerAppBench({
  name: 'connect',
  title: 'page load → direct WebRTC link between two fresh browser contexts',
  // 24 attempts of two pages each: minutes on a loaded machine.
  timeoutMs: 20 * 60_000,
  async run({ browser, baseUrl, options, log }) {
    const attempts = options.quick ? 3 : 24
    const direct: number[] = []
    const up: number[] = []
    const shell: number[] = []
    let failures = 0
    for (let i = 0; i < attempts; i++) {
      const contexts = [await browser.newContext(), await browser.newContext()]
      try {
        const pages = await Promise.all(contexts.map((c) => c.newPage()))
        // Not mining: the figure is about the network, and two miners would share the 2 cores with it.
        await Promise.all(pages.map((p) => p.goto(`${baseUrl}/?mine=0`)))
        const nodes = await Promise.all(pages.map(nodeUp))
        const [a, b] = nodes
        if (a === undefined || b === undefined) throw new Error('two pages expected')
        // The page's own load event: the baseline a node start is compared with.
        for (const p of pages) {
          shell.push(
            await p.evaluate(() => performance.getEntriesByType('navigation')[0]?.duration ?? Number.NaN),
          )
        }
        up.push(a.upAt, b.upAt)
        let outcome = 'not linked'
        try {
          const [ta, tb] = await Promise.all([
            directAt(pages[0] as Page, b.peerId),
            directAt(pages[1] as Page, a.peerId),
          ])
          // The pair is linked when the later of the two sees it.
          const linked = Math.max(ta, tb)
          direct.push(linked)
          outcome = `${linked.toFixed(0)} ms`
        } catch {
          failures++
        }
        log(`connect ${i + 1}/${attempts}: ${outcome}`)
      } finally {
        await Promise.all(contexts.map((c) => c.close()))
      }
    }
    const sorted = [...direct].sort((x, y) => x - y)
    const sortedUp = [...up].sort((x, y) => x - y)
    const sortedShell = [...shell].sort((x, y) => x - y)
    const within5s = direct.filter((t) => t <= 5_000).length / attempts
    const p50 = percentile(sorted, 50)
    return {
      figures: [
        { label: 'page load → direct link, p50', value: p50, unit: 'ms', goal: { max: 1_000 } },
        { label: 'page load → direct link, p95', value: percentile(sorted, 95), unit: 'ms' },
        { label: 'linked within 5 s', value: within5s * 100, unit: '%', goal: { min: 100 } },
        {
          label: 'linked at all (10 s, with retries)',
          value: (direct.length / attempts) * 100,
          unit: '%',
          note: `${attempts} attempts, ${failures} failed`,
        },
        { label: 'page load → node up, p50', value: percentile(sortedUp, 50), unit: 'ms' },
        { label: 'page load event (app shell), p50', value: percentile(sortedShell, 50), unit: 'ms' },
      ],
      ratios: [
        {
          label: 'direct link p50 ÷ page load event p50',
          value: p50 / percentile(sortedShell, 50),
          note: 'how much later than the page itself the link is up',
        },
      ],
      notes: [
        'Each attempt opens the app in two new browser contexts at once; times are from each page’s',
        'navigation start (its own clock) to the moment the later of the two sees the direct link.',
      ],
    }
  },
})
