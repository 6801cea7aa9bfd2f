import type { Browser, Page } from '@playwright/test'
import { registerAppBench } from './app'
import { percentile } from './timing'

/** A pair of tabs counts as failed if it is not directly linked this long after navigation start. */
const GIVE_UP_MS = 15_000

/**
 * The start-up steps the app marks (`tabchain:<step>`, src/node/marks.ts), in their usual order; the
 * WebRTC dial's own steps (`webrtc:*`, from libp2p's progress events) appear on the dialing side only.
 * `entry-loaded` is not a mark: it is when the entry script's last byte arrived (resource timing).
 */
const STEPS = [
  'entry-loaded',
  'script',
  'boot',
  'profile',
  'libp2p-created',
  'libp2p-started',
  'relay-connected',
  'reservation',
  'relay-peers',
  'relay-peers-found',
  'discovered',
  'dial',
  'webrtc:dial-relay',
  'relayed-link-outbound',
  'relayed-link-inbound',
  'webrtc:open-signaling-stream',
  'webrtc:send-sdp-offer',
  'webrtc:read-sdp-answer',
  'webrtc:read-ice-candidates',
  'webrtc:close-signaling-stream',
  'relay-intro',
  'direct-link',
  'node-ready',
  'ui',
] as const
type Step = (typeof STEPS)[number]

/**
 * ms from this page's navigation start to each start-up mark, once the page holds a direct (WebRTC)
 * link and its node is up, or the give-up time has passed. Watched from inside the page with a cheap
 * 20 ms timer: polling over the DevTools protocol costs enough CPU on two cores to slow what it measures.
 */
function watch(page: Page): Promise<Partial<Record<Step, number>>> {
  // No named helpers inside: tsx would wrap them in a `__name` call the page does not have.
  return page.evaluate(
    async ({ giveUpMs, steps }) => {
      while (
        performance.now() < giveUpMs &&
        (performance.getEntriesByName('tabchain:direct-link', 'mark').length === 0 ||
          performance.getEntriesByName('tabchain:node-ready', 'mark').length === 0)
      ) {
        await new Promise((r) => setTimeout(r, 20))
      }
      const at: Record<string, number> = {}
      for (const step of steps) {
        const m = performance.getEntriesByName(`tabchain:${step}`, 'mark')[0]
        if (m !== undefined) at[step] = m.startTime
      }
      const entry = document.querySelector<HTMLScriptElement>('script[type="module"][src]')?.src
      const loaded = entry === undefined ? undefined : performance.getEntriesByName(entry, 'resource')[0]
      if (loaded instanceof PerformanceResourceTiming) at['entry-loaded'] = loaded.responseEnd
      return at
    },
    { giveUpMs: GIVE_UP_MS, steps: [...STEPS] },
  )
}

/** "A: script 812, profile 840, … | B: …": one attempt's two timelines, ms from navigation start. */
function timelines(seen: readonly Partial<Record<Step, number>>[]): string {
  return seen
    .map(
      (at, i) =>
        `${'AB'[i] ?? i}: ${STEPS.filter((s) => at[s] !== undefined)
          .map((s) => `${s} ${at[s]?.toFixed(0)}`)
          .join(', ')}`,
    )
    .join(' | ')
}

/**
 * A network between the joining page and the server, as DevTools emulates it: the page's HTTP and
 * WebSocket traffic (the app's files, the relay) is delayed and throttled; WebRTC between tabs is not.
 */
interface EmulatedLink {
  readonly label: string
  readonly latencyMs: number
  readonly bytesPerSecond: number
}

/** A home connection: 20 Mbit/s down, 10 up, 20 ms each way. */
const HOME_LINK: EmulatedLink = { label: '20 Mbit/s, 20 ms', latencyMs: 20, bytesPerSecond: 2_500_000 }

/**
 * A tab opened next to one already running — what a user's second tab does — `attempts` times: the
 * running tab stays, each joining page gets a fresh context (over `link` when given). ms from each
 * joining page's navigation start to its direct link, and its start-up marks.
 */
async function joinRunningTab(
  browser: Browser,
  baseUrl: string,
  attempts: number,
  log: (line: string) => void,
  link?: EmulatedLink,
): Promise<{ readonly attempts: number; readonly direct: number[]; readonly steps: Map<Step, number[]> }> {
  const direct: number[] = []
  const steps = new Map<Step, number[]>(STEPS.map((step) => [step, []]))
  const runningContext = await browser.newContext()
  try {
    const running = await runningContext.newPage()
    await running.goto(`${baseUrl}/?mine=0`)
    // Up and reachable through the relay: its node answers and it holds a reservation.
    await running.waitForFunction(
      () =>
        performance.getEntriesByName('tabchain:node-ready', 'mark').length > 0 &&
        performance.getEntriesByName('tabchain:reservation', 'mark').length > 0,
      undefined,
      { timeout: 60_000 },
    )
    for (let i = 0; i < attempts; i++) {
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        if (link !== undefined) {
          const devtools = await context.newCDPSession(page)
          await devtools.send('Network.enable')
          await devtools.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: link.latencyMs,
            downloadThroughput: link.bytesPerSecond,
            uploadThroughput: link.bytesPerSecond / 2,
          })
        }
        await page.goto(`${baseUrl}/?mine=0`)
        const at = await watch(page)
        for (const step of STEPS) if (at[step] !== undefined) steps.get(step)?.push(at[step])
        const linked = at['direct-link']
        if (linked !== undefined) direct.push(linked)
        log(
          `connect, joining${link === undefined ? '' : ` over ${link.label}`} ${i + 1}/${attempts}: ${linked === undefined ? 'not linked' : `${linked.toFixed(0)} ms`}  [${timelines([at])}]`,
        )
      } finally {
        await context.close()
      }
    }
  } finally {
    await runningContext.close()
  }
  return { attempts, direct, steps }
}

registerAppBench({
  name: 'connect',
  title: 'page load → direct WebRTC link: two fresh browser contexts, and a tab joining a running one',
  // 24 attempts of two pages each: minutes on a loaded machine.
  timeoutMs: 20 * 60_000,
  async run({ browser, baseUrl, options, log }) {
    const attempts = options.quick ? 3 : 24
    const direct: number[] = []
    const shell: number[] = []
    const steps = new Map<Step, number[]>(STEPS.map((step) => [step, []]))
    let failures = 0
    for (let i = 0; i < attempts; i++) {
      const contexts = [await browser.newContext(), await browser.newContext()]
      try {
        const pages = await Promise.all(contexts.map((c) => c.newPage()))
        // Not mining: the figure is about the network, and two miners would share the 2 cores with it.
        await Promise.all(pages.map((p) => p.goto(`${baseUrl}/?mine=0`)))
        const seen = await Promise.all(pages.map(watch))
        for (const p of pages) {
          // The page's own load event: the baseline a node start is compared with.
          shell.push(
            await p.evaluate(() => performance.getEntriesByType('navigation')[0]?.duration ?? Number.NaN),
          )
        }
        for (const at of seen)
          for (const step of STEPS) if (at[step] !== undefined) steps.get(step)?.push(at[step])
        let outcome = 'not linked'
        const linkedAt = seen.map((at) => at['direct-link'])
        if (linkedAt.every((t): t is number => t !== undefined)) {
          // The pair is linked when the later of the two sees it.
          const linked = Math.max(...linkedAt)
          direct.push(linked)
          outcome = `${linked.toFixed(0)} ms`
        } else {
          failures++
        }
        log(`connect ${i + 1}/${attempts}: ${outcome}  [${timelines(seen)}]`)
      } finally {
        await Promise.all(contexts.map((c) => c.close()))
      }
    }
    const joining = await joinRunningTab(browser, baseUrl, options.quick ? 3 : 20, log)
    const overHome = await joinRunningTab(browser, baseUrl, options.quick ? 2 : 8, log, HOME_LINK)
    const overHomeSorted = [...overHome.direct].sort((x, y) => x - y)
    const sorted = [...direct].sort((x, y) => x - y)
    const p50Of = (step: Step, from = steps): number =>
      percentile(
        [...(from.get(step) ?? [])].sort((x, y) => x - y),
        50,
      )
    const joinedSorted = [...joining.direct].sort((x, y) => x - y)
    const sortedShell = [...shell].sort((x, y) => x - y)
    const within5s = direct.filter((t) => t <= 5_000).length / attempts
    const p50 = percentile(sorted, 50)
    return {
      figures: [
        { label: 'page load → direct link, p50', value: p50, unit: 'ms', goal: { max: 1_000 } },
        { label: 'page load → direct link, p95', value: percentile(sorted, 95), unit: 'ms' },
        { label: 'linked within 5 s', value: within5s * 100, unit: '%', goal: { min: 100 } },
        {
          label: 'linked at all (15 s, with retries)',
          value: (direct.length / attempts) * 100,
          unit: '%',
          note: `${attempts} attempts, ${failures} failed`,
        },
        {
          label: 'a tab joining a running one: page load → direct link, p50',
          value: percentile(joinedSorted, 50),
          unit: 'ms',
          goal: { max: 1_000 },
        },
        {
          label: 'a tab joining a running one: p95',
          value: percentile(joinedSorted, 95),
          unit: 'ms',
          note: `${joining.attempts} joins, ${joining.attempts - joining.direct.length} not linked`,
        },
        {
          label: 'a tab joining a running one: linked within 5 s',
          value: (joining.direct.filter((t) => t <= 5_000).length / joining.attempts) * 100,
          unit: '%',
          goal: { min: 100 },
        },
        {
          label: `a tab joining a running one over ${HOME_LINK.label}: p50`,
          value: percentile(overHomeSorted, 50),
          unit: 'ms',
          note: `${overHome.attempts} joins, ${overHome.attempts - overHome.direct.length} not linked; entry script loaded p50 ${p50Of('entry-loaded', overHome.steps).toFixed(0)} ms`,
        },
        { label: 'page load → node worker ready, p50', value: p50Of('node-ready'), unit: 'ms' },
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
        `Start-up marks, p50 ms from navigation start (pages that reached the step): ${STEPS.filter(
          (step) => (steps.get(step)?.length ?? 0) > 0,
        )
          .map((step) => `${step} ${p50Of(step).toFixed(0)} (${steps.get(step)?.length})`)
          .join(', ')}.`,
        'Joining: one tab is opened and left running (node up, reservation held); each join opens the',
        'app in a new context and times that page alone, its own navigation start → its direct link.',
        `Over ${HOME_LINK.label}: DevTools network emulation of the joining page's HTTP and WebSocket`,
        'traffic (the app’s files and the relay; not WebRTC between the tabs).',
        `Joining tab's marks, p50 ms: ${STEPS.filter((step) => (joining.steps.get(step)?.length ?? 0) > 0)
          .map((step) => `${step} ${p50Of(step, joining.steps).toFixed(0)}`)
          .join(', ')}.`,
      ],
    }
  },
})
