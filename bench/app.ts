import type { Browser, Page } from '@playwright/test'
import type { BenchOptions, BenchResult } from './types'

/**
 * The hook for benchmarks that need the whole app (pages, node worker, libp2p, relay), such as the
 * page-load → direct-connection benchmark of issue 2.
 *
 * A module under bench/ listed in `APP_BENCH_MODULES` calls `registerAppBench` at top level. When at
 * least one app bench is selected, the harness builds the app into a temporary folder, starts the relay
 * serving it (as `npm start` does, on free local ports), launches Chromium and calls each bench's `run`
 * with that browser and the server's base URL. The relay and the browser are stopped afterwards.
 */

export interface AppBenchContext {
  /** A Chromium launched for app benches; make contexts/pages freely, close what you open. */
  readonly browser: Browser
  /** `http://127.0.0.1:<port>`: the built app and `/api/relay`, relay listening for WebSockets. */
  readonly baseUrl: string
  /** The folder of the built app that server serves (to serve it again, e.g. on another chain). */
  readonly staticDir: string
  readonly options: BenchOptions
  /** The Chromium executable and launch args, to launch more browsers or persistent contexts. */
  readonly executablePath: string
  readonly args: readonly string[]
  /** Progress line on stderr (the report goes to stdout). */
  log(line: string): void
}

export interface AppBench {
  readonly name: string
  /** One line: what is measured. */
  readonly title: string
  /** Longest the run may take before it is reported as timed out (default 5 minutes). */
  readonly timeoutMs?: number
  run(context: AppBenchContext): Promise<BenchResult>
}

/** Modules (paths relative to bench/) imported by the harness so they can register; absent ones are skipped. */
export const APP_BENCH_MODULES: readonly string[] = ['connect.ts', 'propagation.ts', 'trade.ts', 'auto.ts']

const registry: AppBench[] = []

/** Registers a benchmark that runs against the full app. Names must be unique among all benches. */
export function registerAppBench(bench: AppBench): void {
  if (registry.some((b) => b.name === bench.name)) throw new Error(`app bench ${bench.name} registered twice`)
  registry.push(bench)
}

/** App benches registered so far, in registration order. */
export function registeredAppBenches(): readonly AppBench[] {
  return registry
}

/** Waits until the app open in `page` can be joined: its node answers and it holds a relay reservation. */
export async function joinable(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      performance.getEntriesByName('tabchain:node-ready', 'mark').length > 0 &&
      performance.getEntriesByName('tabchain:reservation', 'mark').length > 0,
    undefined,
    { timeout: 60_000 },
  )
}

/**
 * A network between a page and the server, as DevTools emulates it: the page's HTTP and WebSocket
 * traffic (the app's files, the relay) is delayed and throttled; WebRTC between tabs is not.
 */
export interface EmulatedLink {
  readonly label: string
  readonly latencyMs: number
  readonly bytesPerSecond: number
}

/** A home connection: 20 Mbit/s down, 10 up, 20 ms each way. */
export const HOME_LINK: EmulatedLink = { label: '20 Mbit/s, 20 ms', latencyMs: 20, bytesPerSecond: 2_500_000 }

/** Puts `page` (not loaded yet) behind `link`. */
export async function emulateLink(page: Page, link: EmulatedLink): Promise<void> {
  const devtools = await page.context().newCDPSession(page)
  await devtools.send('Network.enable')
  await devtools.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: link.latencyMs,
    downloadThroughput: link.bytesPerSecond,
    uploadThroughput: link.bytesPerSecond / 2,
  })
}
