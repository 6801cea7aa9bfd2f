// Compares the page load → direct link time of two builds of the app, pair by pair, alternating:
// on a shared machine whose load moves by 10× within minutes, only builds measured side by side compare.
//
//   npx vite build --outDir /tmp/a && (change something) && npx vite build --outDir /tmp/b
//   node --import ./relay/polyfill.mjs --import tsx scripts/connect-ab.ts /tmp/a /tmp/b [pairs] [port] [--join[=N]] [--home-link]
//
// Each attempt opens two fresh tabs at once; with `--join`, one tab of each build (N with `--join=N`)
// is left running and each attempt opens one tab joining them (the time is that tab's, navigation
// start → its first direct link). With `--home-link`, the tabs opened by each attempt reach the server
// over an emulated home connection (`HOME_LINK`: their HTTP and WebSocket traffic, not WebRTC).
//
// Each build is served by its own relay (ports port, port+1 and port+2, port+3; 4450 by default).
import { loadavg } from 'node:os'
import { chromium, type Page } from '@playwright/test'
import { emulateLink, HOME_LINK, joinable } from '../bench/app'
import { percentile } from '../bench/timing'
import { CHROMIUM_ARGS, findChromium } from './chromium'
import { startRelayProcess, stopRelayProcess } from './relay-process'

const MARKS = [
  'script',
  'profile',
  'libp2p-started',
  'relay-connected',
  'reservation',
  'dial',
  'relayed-link-outbound',
  'webrtc:send-sdp-offer',
  'direct-link',
  'node-ready',
  'ui',
] as const

function watch(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async (marks) => {
    while (
      performance.now() < 15_000 &&
      performance.getEntriesByName('tabchain:direct-link', 'mark').length === 0
    ) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const at: Record<string, number> = {}
    for (const m of marks) {
      const e = performance.getEntriesByName(`tabchain:${m}`, 'mark')[0]
      if (e !== undefined) at[m] = e.startTime
    }
    return at
  }, MARKS)
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const joinArg = args.find((a) => a.startsWith('--join'))
  const join = joinArg !== undefined
  const runningTabs = join ? Number(joinArg.split('=')[1] ?? 1) : 0
  const homeLink = args.includes('--home-link')
  const [dirA, dirB, pairsArg, portArg] = args.filter((a) => !a.startsWith('--'))
  if (dirA === undefined || dirB === undefined || !(runningTabs >= 0))
    throw new Error('usage: connect-ab.ts <dirA> <dirB> [pairs] [port] [--join[=N]] [--home-link]')
  const pairs = Number(pairsArg ?? 10)
  const port = Number(portArg ?? 4450)
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error('no Chromium found')
  const servers = [
    await startRelayProcess({ port, wsPort: port + 1, staticDir: dirA }),
    await startRelayProcess({ port: port + 2, wsPort: port + 3, staticDir: dirB }),
  ]
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true })
  const linked: number[][] = [[], []]
  const marks: Map<string, number[]>[] = [new Map(), new Map()]
  const failed = [0, 0]
  const urlOf = (which: number): string => `http://127.0.0.1:${port + 2 * which}/?mine=0`
  // Running tabs, each in its own context: `runningTabs` of build A, then as many of build B.
  const running = await Promise.all(Array.from({ length: 2 * runningTabs }, () => browser.newContext()))
  try {
    for (const [i, context] of running.entries()) {
      const page = await context.newPage()
      await page.goto(urlOf(Math.floor(i / runningTabs)))
      await joinable(page)
    }
    for (let i = 0; i < pairs * 2; i++) {
      const which = i % 2
      const contexts = await Promise.all((join ? [0] : [0, 1]).map(() => browser.newContext()))
      try {
        const pages = await Promise.all(contexts.map((c) => c.newPage()))
        if (homeLink) await Promise.all(pages.map((p) => emulateLink(p, HOME_LINK)))
        const url = urlOf(which)
        await Promise.all(pages.map((p) => p.goto(url)))
        const seen = await Promise.all(pages.map(watch))
        for (const at of seen)
          for (const [m, t] of Object.entries(at)) marks[which]?.set(m, [...(marks[which]?.get(m) ?? []), t])
        const times = seen.map((at) => at['direct-link'])
        const done = times.every((t): t is number => t !== undefined)
        if (done) linked[which]?.push(Math.max(...times))
        else failed[which] = (failed[which] ?? 0) + 1
        console.log(
          `${'AB'[which]} ${Math.floor(i / 2) + 1}: ${done ? `${Math.max(...times).toFixed(0)} ms` : 'not linked'}` +
            `  load ${loadavg()[0]?.toFixed(1)}`,
        )
      } finally {
        await Promise.all(contexts.map((c) => c.close()))
      }
    }
  } finally {
    await Promise.all(running.map((c) => c.close()))
    await browser.close()
    await Promise.all(servers.map(stopRelayProcess))
  }
  const p50 = (xs: readonly number[]): number =>
    percentile(
      [...xs].sort((x, y) => x - y),
      50,
    )
  for (const which of [0, 1]) {
    const l = linked[which] ?? []
    const within = l.filter((t) => t <= 5_000).length
    console.log(
      `${'AB'[which]} (${which === 0 ? dirA : dirB}): linked p50 ${p50(l).toFixed(0)} ms, ` +
        `p95 ${percentile(
          [...l].sort((x, y) => x - y),
          95,
        ).toFixed(0)} ms, within 5 s ${within}/${pairs}, ` +
        `failed ${failed[which]}`,
    )
    console.log(
      `  marks p50: ${MARKS.map((m) => `${m} ${p50(marks[which]?.get(m) ?? []).toFixed(0)}`).join(', ')}`,
    )
  }
}

await main()
