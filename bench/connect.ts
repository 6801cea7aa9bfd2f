import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { build } from 'vite'
import { startRelayOnFreePorts, stopRelayProcess } from '../scripts/relay-process'
import { webrtcInitChannelFix } from '../vite.config'
import { type EmulatedLink, emulateLink, HOME_LINK, joinable, registerAppBench } from './app'
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
 * ms from this page's navigation start to each start-up mark, once the page has set every mark of
 * `until` (by default: it holds a direct WebRTC link and its node is up), or the give-up time has
 * passed. Watched from inside the page with a cheap 20 ms timer: polling over the DevTools protocol
 * costs enough CPU on two cores to slow what it measures.
 */
function watch(
  page: Page,
  until: readonly Step[] = ['direct-link', 'node-ready'],
): Promise<Partial<Record<Step, number>>> {
  // No named helpers inside: tsx would wrap them in a `__name` call the page does not have.
  return page.evaluate(
    async ({ giveUpMs, steps, until }) => {
      while (
        performance.now() < giveUpMs &&
        until.some((step) => performance.getEntriesByName(`tabchain:${step}`, 'mark').length === 0)
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
    { giveUpMs: GIVE_UP_MS, steps: [...STEPS], until: [...until] },
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

/** What a tab joins: the app, or the floor page (`bench/floor/`). */
interface JoinTarget {
  readonly label: string
  /** Opens the tab left running in `page`, waits until it can be joined; the URL a joining tab opens. */
  open(page: Page, baseUrl: string): Promise<string>
  /** The marks that end a join. */
  readonly until: readonly Step[]
  /**
   * Each joining tab opens in the running tab's browser context — a user's second tab, in a browser
   * already running the app — instead of a fresh context (a first visit: nothing cached, nothing
   * running).
   */
  readonly sameBrowser?: boolean
}

/** The app: the running tab's node answers and it holds a reservation; a join ends when the joining node is up too. */
const APP: JoinTarget = {
  label: 'app',
  async open(page, baseUrl) {
    await page.goto(`${baseUrl}/?mine=0`)
    await joinable(page)
    return `${baseUrl}/?mine=0`
  },
  until: ['direct-link', 'node-ready'],
}

/**
 * The app, each join a new tab of the running tab's browser, once its service worker is active (it
 * registers a while after the load event, `src/main.ts`). A new tab there takes a free profile of that
 * browser, or makes one: after the first join, the profile the join before it let go (its peer id, its
 * chain database).
 */
const APP_SECOND_TAB: JoinTarget = {
  ...APP,
  label: 'app, a second tab of the same browser',
  async open(page, baseUrl) {
    const url = await APP.open(page, baseUrl)
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    return url
  },
  sameBrowser: true,
}

/**
 * js-libp2p's browser-to-browser example with nothing else (`bench/floor/main.ts`), built into the
 * app's static folder under `/<dir>/` (its page has a file name: not a client route), `mended` with the
 * app's fix of @libp2p/webrtc's init-channel race (`webrtcInitChannelFix`, vite.config.ts) or as the
 * library ships. The running tab publishes its WebRTC address through the relay, and the joining tab
 * dials it as soon as it reaches the relay (no discovery, one dial).
 */
function floorTarget(
  label: string,
  dir: string,
  mended: boolean,
): JoinTarget & { readonly path: string; build(staticDir: string): Promise<void> } {
  const path = `/${dir}/index.html`
  return {
    label,
    path,
    async open(page, baseUrl) {
      await page.goto(`${baseUrl}${path}`)
      const address = await page.waitForFunction(() => window.floorAddress, undefined, { timeout: 60_000 })
      return `${baseUrl}${path}?peer=${encodeURIComponent(String(await address.jsonValue()))}`
    },
    until: ['direct-link'],
    async build(staticDir) {
      await build({
        configFile: false,
        root: resolve(import.meta.dirname, 'floor'),
        base: `/${dir}/`,
        logLevel: 'warn',
        plugins: mended ? [webrtcInitChannelFix()] : [],
        build: {
          outDir: join(staticDir, dir),
          emptyOutDir: true,
          target: 'es2022',
          reportCompressedSize: false,
          chunkSizeWarningLimit: 1 << 20,
        },
      })
    },
  }
}

const FLOOR = floorTarget('bare js-libp2p', 'floor', false)
const FLOOR_MENDED = floorTarget('bare js-libp2p, mended', 'floor-mended', true)

/** One target's joins: ms from each joining page's navigation start to its direct link, and its marks. */
interface Joins {
  readonly attempts: number
  readonly direct: number[]
  readonly steps: Map<Step, number[]>
  /** Joining pages a service worker controlled (served from its cache). */
  controlled: number
}

/**
 * Tabs opened next to one already running, `attempts` times per target, the targets alternating join
 * by join so that they meet the same machine load: one tab of each target stays running, each joining
 * page gets a fresh context (over `link` when given) or, for a `sameBrowser` target, a new page in the
 * running tab's. Each target has its own relay (serving `staticDir`), so that a joining tab finds
 * exactly one running tab there: the app dials every tab its relay lists.
 */
async function joinRunningTabs(
  browser: Browser,
  staticDir: string,
  targets: readonly JoinTarget[],
  attempts: number,
  log: (line: string) => void,
  link?: EmulatedLink,
): Promise<Joins[]> {
  const joins: Joins[] = targets.map(() => ({
    attempts,
    direct: [],
    steps: new Map<Step, number[]>(STEPS.map((step) => [step, []])),
    controlled: 0,
  }))
  const servers = await Promise.all(targets.map(() => startRelayOnFreePorts({ staticDir })))
  const running = await Promise.all(targets.map(() => browser.newContext()))
  try {
    const urls: string[] = []
    for (const [t, target] of targets.entries())
      urls.push(
        await target.open(
          await (running[t] as BrowserContext).newPage(),
          (servers[t] as (typeof servers)[number]).baseUrl,
        ),
      )
    for (let i = 0; i < attempts; i++) {
      for (const [t, target] of targets.entries()) {
        const context =
          target.sameBrowser === true ? (running[t] as BrowserContext) : await browser.newContext()
        const page = await context.newPage()
        try {
          if (link !== undefined) await emulateLink(page, link)
          // Why a page did not link, when it says: an error it did not handle (the floor's one dial).
          const errors: string[] = []
          page.on('pageerror', (err) => errors.push(err.message))
          await page.goto(urls[t] as string)
          const at = await watch(page, target.until)
          const into = joins[t] as Joins
          if (await page.evaluate(() => navigator.serviceWorker?.controller != null)) into.controlled++
          for (const step of STEPS) if (at[step] !== undefined) into.steps.get(step)?.push(at[step])
          const linked = at['direct-link']
          if (linked !== undefined) into.direct.push(linked)
          log(
            `connect, joining ${target.label}${link === undefined ? '' : ` over ${link.label}`} ${i + 1}/${attempts}: ${linked === undefined ? `not linked${errors.length > 0 ? ` (${errors.join('; ')})` : ''}` : `${linked.toFixed(0)} ms`}  [${timelines([at])}]`,
          )
        } finally {
          // A closing page ends its links at once (`pagehide`): the running tab is free for the next join.
          if (target.sameBrowser === true) await page.close()
          else await context.close()
        }
      }
    }
  } finally {
    await Promise.all(running.map((c) => c.close()))
    await Promise.all(servers.map((s) => stopRelayProcess(s.child)))
  }
  return joins
}

registerAppBench({
  name: 'connect',
  title: 'page load → direct WebRTC link: two fresh browser contexts, and a tab joining a running one',
  // 24 attempts of two pages each: minutes on a loaded machine.
  timeoutMs: 20 * 60_000,
  async run({ browser, baseUrl, staticDir, options, log }) {
    await FLOOR.build(staticDir)
    await FLOOR_MENDED.build(staticDir)
    const attempts = options.quick ? 3 : 24
    const direct: number[] = []
    const floorPairs: number[] = []
    const shell: number[] = []
    const steps = new Map<Step, number[]>(STEPS.map((step) => [step, []]))
    const floorPairSteps = new Map<Step, number[]>(STEPS.map((step) => [step, []]))
    let failures = 0
    /**
     * Two pages opened at once in fresh contexts (`urls`; `meet` runs once both have loaded, `after` once
     * both are linked or given up on): each page's marks, and when the later of the two saw the direct
     * link (undefined: not linked).
     */
    const pair = async (
      urls: readonly [string, string],
      until: readonly Step[],
      into: Map<Step, number[]>,
      hooks: {
        readonly meet?: (pages: readonly Page[]) => Promise<void>
        readonly after?: (pages: readonly Page[]) => Promise<void>
      },
    ) => {
      const contexts = [await browser.newContext(), await browser.newContext()]
      try {
        const pages = await Promise.all(contexts.map((c) => c.newPage()))
        await Promise.all(pages.map((p, i) => p.goto(urls[i] as string)))
        await hooks.meet?.(pages)
        const seen = await Promise.all(pages.map((p) => watch(p, until)))
        await hooks.after?.(pages)
        for (const at of seen)
          for (const step of STEPS) if (at[step] !== undefined) into.get(step)?.push(at[step])
        const linkedAt = seen.map((at) => at['direct-link'])
        // The pair is linked when the later of the two sees it.
        const linked = linkedAt.every((t): t is number => t !== undefined) ? Math.max(...linkedAt) : undefined
        return { seen, linked }
      } finally {
        await Promise.all(contexts.map((c) => c.close()))
      }
    }
    const floorUrl = `${baseUrl}${FLOOR_MENDED.path}`
    for (let i = 0; i < attempts; i++) {
      // Not mining: the figure is about the network, and two miners would share the 2 cores with it.
      const app = await pair(
        [`${baseUrl}/?mine=0`, `${baseUrl}/?mine=0`],
        ['direct-link', 'node-ready'],
        steps,
        {
          after: async (pages) => {
            // The page's own load event: the baseline a node start is compared with.
            for (const p of pages)
              shell.push(
                await p.evaluate(() => performance.getEntriesByType('navigation')[0]?.duration ?? Number.NaN),
              )
          },
        },
      )
      if (app.linked === undefined) failures++
      else direct.push(app.linked)
      log(
        `connect ${i + 1}/${attempts}: ${app.linked === undefined ? 'not linked' : `${app.linked.toFixed(0)} ms`}  [${timelines(app.seen)}]`,
      )
      // The same on the floor: the second page is handed the first's address once it has one.
      const floor = await pair([floorUrl, `${floorUrl}?peer=handed`], ['direct-link'], floorPairSteps, {
        meet: async ([first, second]) => {
          // A first page that never reserves leaves the pair unlinked (its marks say how far it got).
          const address = await first
            ?.waitForFunction(() => window.floorAddress, undefined, { timeout: GIVE_UP_MS })
            .catch(() => undefined)
          if (address === undefined) return
          await second?.evaluate((a) => window.floorHand?.(a), String(await address.jsonValue()))
        },
      })
      if (floor.linked !== undefined) floorPairs.push(floor.linked)
      log(
        `connect ${i + 1}/${attempts}, the floor: ${floor.linked === undefined ? 'not linked' : `${floor.linked.toFixed(0)} ms`}  [${timelines(floor.seen)}]`,
      )
    }
    const [joining, floor, mended, secondTab] = (await joinRunningTabs(
      browser,
      staticDir,
      [APP, FLOOR, FLOOR_MENDED, APP_SECOND_TAB],
      options.quick ? 3 : 20,
      log,
    )) as [Joins, Joins, Joins, Joins]
    const [overHome] = (await joinRunningTabs(
      browser,
      staticDir,
      [APP],
      options.quick ? 2 : 8,
      log,
      HOME_LINK,
    )) as [Joins]
    const overHomeSorted = [...overHome.direct].sort((x, y) => x - y)
    const sorted = [...direct].sort((x, y) => x - y)
    const floorPairsSorted = [...floorPairs].sort((x, y) => x - y)
    const p50Of = (step: Step, from = steps): number =>
      percentile(
        [...(from.get(step) ?? [])].sort((x, y) => x - y),
        50,
      )
    const joinedSorted = [...joining.direct].sort((x, y) => x - y)
    const floorSorted = [...floor.direct].sort((x, y) => x - y)
    const mendedSorted = [...mended.direct].sort((x, y) => x - y)
    const secondSorted = [...secondTab.direct].sort((x, y) => x - y)
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
          label: 'the same two pages at once on bare js-libp2p (the floor, mended): p50',
          value: percentile(floorPairsSorted, 50),
          unit: 'ms',
          note: `${attempts} pairs, ${attempts - floorPairs.length} not linked; p95 ${percentile(floorPairsSorted, 95).toFixed(0)} ms; the second page is handed the first's address by the bench once it has one`,
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
          label: 'the same join on bare js-libp2p (the floor): p50',
          value: percentile(floorSorted, 50),
          unit: 'ms',
          note: `${floor.attempts} joins, ${floor.attempts - floor.direct.length} not linked; p95 ${percentile(floorSorted, 95).toFixed(0)} ms`,
        },
        {
          label: 'the floor with the app’s mend of @libp2p/webrtc: p50',
          value: percentile(mendedSorted, 50),
          unit: 'ms',
          note: `${mended.attempts} joins, ${mended.attempts - mended.direct.length} not linked (the library as it ships: ${floor.attempts - floor.direct.length})`,
        },
        {
          label: 'a second tab of the same browser: page load → direct link, p50',
          value: percentile(secondSorted, 50),
          unit: 'ms',
          goal: { max: 1_000 },
          note: `${secondTab.attempts} joins, ${secondTab.attempts - secondTab.direct.length} not linked, ${secondTab.controlled} served by the service worker; p95 ${percentile(secondSorted, 95).toFixed(0)} ms`,
        },
        {
          label: 'a second tab of the same browser: linked within 5 s',
          value: (secondTab.direct.filter((t) => t <= 5_000).length / secondTab.attempts) * 100,
          unit: '%',
          goal: { min: 100 },
        },
        {
          label: 'the floor: linked within 1 s',
          value: (floor.direct.filter((t) => t <= 1_000).length / floor.attempts) * 100,
          unit: '%',
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
          label: 'two at once: app p50 ÷ bare js-libp2p (mended) p50',
          value: p50 / percentile(floorPairsSorted, 50),
          note: 'what the app adds to the library’s own link between two pages opened together, pairs alternating',
        },
        {
          label: 'direct link p50 ÷ page load event p50',
          value: p50 / percentile(sortedShell, 50),
          note: 'how much later than the page itself the link is up',
        },
        {
          label: 'joining tab: app p50 ÷ bare js-libp2p (mended) p50',
          value: percentile(joinedSorted, 50) / percentile(mendedSorted, 50),
          note: 'what the app adds to the library’s own browser-to-browser link, joins alternating; both mended, so neither p50 leaves out stalled joins',
        },
        {
          label: 'a second tab of the same browser ÷ a first visit, p50',
          value: percentile(secondSorted, 50) / percentile(joinedSorted, 50),
          note: 'joining the same running app, joins alternating: what a browser already running the app saves a new tab',
        },
      ],
      notes: [
        'Each attempt opens the app in two new browser contexts at once; times are from each page’s',
        'navigation start (its own clock) to the moment the later of the two sees the direct link.',
        'Alternating with them, the floor pairs: the mended floor page in two new contexts at once, the',
        'second dialing the first’s WebRTC address, handed over by the bench (DevTools) once the first has',
        `its reservation. Its marks, p50 ms: ${STEPS.filter(
          (step) => (floorPairSteps.get(step)?.length ?? 0) > 0,
        )
          .map((step) => `${step} ${p50Of(step, floorPairSteps).toFixed(0)}`)
          .join(', ')}.`,
        `Start-up marks, p50 ms from navigation start (pages that reached the step): ${STEPS.filter(
          (step) => (steps.get(step)?.length ?? 0) > 0,
        )
          .map((step) => `${step} ${p50Of(step).toFixed(0)} (${steps.get(step)?.length})`)
          .join(', ')}.`,
        'Joining: one tab is opened and left running (node up, reservation held); each join opens the',
        'app in a new context and times that page alone, its own navigation start → its direct link.',
        'Each kind of join has a relay of its own: a joining tab finds only the one running tab there.',
        `Over ${HOME_LINK.label}: DevTools network emulation of the joining page's HTTP and WebSocket`,
        'traffic (the app’s files and the relay; not WebRTC between the tabs).',
        `Joining tab's marks, p50 ms: ${STEPS.filter((step) => (joining.steps.get(step)?.length ?? 0) > 0)
          .map((step) => `${step} ${p50Of(step, joining.steps).toFixed(0)}`)
          .join(', ')}.`,
        'A second tab of the same browser: each join opens a new page in the running tab’s context once its',
        'service worker is active; it takes the profile the join before it let go (the first makes one).',
        `Its marks, p50 ms: ${STEPS.filter((step) => (secondTab.steps.get(step)?.length ?? 0) > 0)
          .map((step) => `${step} ${p50Of(step, secondTab.steps).toFixed(0)}`)
          .join(', ')}.`,
        'The floor: js-libp2p’s browser-to-browser example and nothing else (bench/floor/), its joins',
        'alternating with the app’s; the joining page dials the running page’s WebRTC address through the',
        `relay as soon as it reaches the relay. Its marks, p50 ms: ${STEPS.filter(
          (step) => (floor.steps.get(step)?.length ?? 0) > 0,
        )
          .map((step) => `${step} ${p50Of(step, floor.steps).toFixed(0)}`)
          .join(', ')}.`,
      ],
    }
  },
})
