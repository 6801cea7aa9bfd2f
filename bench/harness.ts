import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium } from '@playwright/test'
import { build } from 'vite'
import { serveStatic } from '../relay/static'
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium'
import { startRelayOnFreePorts } from '../scripts/relay-process'
import { APP_BENCH_MODULES, type AppBench, registeredAppBenches } from './app'
import type { BenchPageApi, RunReply } from './browser/protocol'
import { pureBenches } from './pure'
import {
  type Bench,
  type BenchOptions,
  type BenchRecord,
  type BenchResult,
  type Place,
  withDerivedRatios,
} from './types'

/**
 * The Node side of `npm run bench`: bundles the bench page and worker with Vite, serves them on a
 * random local port, drives Debian's Chromium with Playwright, runs each pure bench in a fresh
 * dedicated Worker there (where the node runs), then the same benches in this Node process for the
 * comparison column, then the app benches against a freshly built app + relay.
 */

const ROOT = resolve(import.meta.dirname, '..')
/** Longest a bench may take in one place before it is reported as timed out, unless it sets `timeoutMs`. */
const BENCH_TIMEOUT_MS = 5 * 60_000

export interface HarnessOptions extends BenchOptions {
  /** Bench names to run (all when empty). */
  readonly only: readonly string[]
  readonly browser: boolean
  readonly node: boolean
  readonly app: boolean
  readonly log: (line: string) => void
}

export interface HarnessRun {
  readonly records: BenchRecord[]
  readonly chromium?: string
  readonly skipped: string[]
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

function withTimeout<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function record(
  bench: { name: string; title: string; timeoutMs?: number },
  place: Place,
  run: () => Promise<BenchResult | RunReply>,
): Promise<BenchRecord> {
  const t0 = performance.now()
  try {
    const out = await withTimeout(run(), `${bench.name} (${place})`, bench.timeoutMs ?? BENCH_TIMEOUT_MS)
    const elapsedMs = performance.now() - t0
    if ('ok' in out) {
      return out.ok
        ? { name: bench.name, title: bench.title, place, elapsedMs, result: out.result }
        : { name: bench.name, title: bench.title, place, elapsedMs, error: out.error }
    }
    return { name: bench.name, title: bench.title, place, elapsedMs, result: out }
  } catch (err) {
    return {
      name: bench.name,
      title: bench.title,
      place,
      elapsedMs: performance.now() - t0,
      error: errorText(err),
    }
  }
}

/** The bench bundle's static server on 127.0.0.1 (random port). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const files = serveStatic(dir, {
    // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  })
  const server = createServer((req, res) => {
    files(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('bench server has no port')
  return { server, url: `http://127.0.0.1:${address.port}/` }
}

async function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true })
}

/** Bundles bench/browser (page + worker + every pure bench) into a temporary folder. */
async function bundle(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: join(ROOT, 'bench', 'browser'),
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1 << 20,
    },
    worker: { format: 'es' },
  })
}

async function runInChromium(
  benches: readonly Bench[],
  options: HarnessOptions,
  executablePath: string,
): Promise<{ records: BenchRecord[]; version: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tabchain-bench-'))
  let server: Server | undefined
  let browser: Browser | undefined
  try {
    options.log('bundling the bench page with Vite…')
    await bundle(dir)
    const served = await serve(dir)
    server = served.server
    browser = await launch(executablePath)
    const page = await browser.newPage()
    page.on('pageerror', (err) => options.log(`  page error: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') options.log(`  console: ${msg.text()}`)
    })
    await page.goto(served.url)
    await page.waitForFunction(() => 'tabchainBench' in globalThis)
    const records: BenchRecord[] = []
    const benchOptions: BenchOptions = { quick: options.quick }
    for (const bench of benches) {
      const place: Place = bench.where === 'page' ? 'chromium-page' : 'chromium-worker'
      options.log(`running ${bench.name} in ${place}…`)
      records.push(
        await record(bench, place, () =>
          page.evaluate(
            ({ name, opts }) =>
              (globalThis as unknown as { tabchainBench: BenchPageApi }).tabchainBench.run(name, opts),
            { name: bench.name, opts: benchOptions },
          ),
        ),
      )
    }
    return { records, version: browser.version() }
  } finally {
    await browser?.close()
    await new Promise<void>((ok) => (server === undefined ? ok() : server.close(() => ok())))
    await rm(dir, { recursive: true, force: true })
  }
}

/** Builds the app into a temporary folder and starts the relay serving it; resolves once it answers. */
async function startApp(
  options: HarnessOptions,
): Promise<{ baseUrl: string; child: ChildProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tabchain-bench-app-'))
  options.log('building the app for app benches…')
  // A separate output folder: dist/ may be in use by someone's e2e run.
  await build({
    configFile: join(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true },
  })
  return { ...(await startRelayOnFreePorts({ staticDir: dir })), dir }
}

async function runApp(
  benches: readonly AppBench[],
  options: HarnessOptions,
  executablePath: string,
): Promise<{ records: BenchRecord[]; version: string }> {
  const app = await startApp(options)
  let browser: Browser | undefined
  try {
    browser = await launch(executablePath)
    const records: BenchRecord[] = []
    for (const bench of benches) {
      options.log(`running ${bench.name} against the app…`)
      const context = {
        browser,
        baseUrl: app.baseUrl,
        staticDir: app.dir,
        options: { quick: options.quick },
        executablePath,
        args: CHROMIUM_ARGS,
        log: options.log,
      }
      records.push(await record(bench, 'app', () => bench.run(context)))
    }
    return { records, version: browser.version() }
  } finally {
    await browser?.close()
    app.child.kill('SIGTERM')
    await rm(app.dir, { recursive: true, force: true })
  }
}

/** Imports the app bench modules that exist (each registers itself). */
async function loadAppBenches(): Promise<readonly AppBench[]> {
  for (const file of APP_BENCH_MODULES) {
    const path = join(ROOT, 'bench', file)
    if (existsSync(path)) await import(path)
  }
  return registeredAppBenches()
}

/** Runs the selected benches everywhere they belong and returns every record. */
export async function runHarness(options: HarnessOptions): Promise<HarnessRun> {
  const selected = (name: string): boolean => options.only.length === 0 || options.only.includes(name)
  const pure = pureBenches.filter((b) => selected(b.name))
  const app = options.app ? (await loadAppBenches()).filter((b) => selected(b.name)) : []
  const unknown = options.only.filter(
    (n) => !pureBenches.some((b) => b.name === n) && !registeredAppBenches().some((b) => b.name === n),
  )
  if (unknown.length > 0) throw new Error(`unknown bench: ${unknown.join(', ')}`)
  const records: BenchRecord[] = []
  const skipped: string[] = []
  let version: string | undefined

  const inBrowser = pure.filter((b) => b.where !== 'node')
  const executablePath = findChromium()
  if ((options.browser && inBrowser.length > 0) || app.length > 0) {
    if (executablePath === undefined) {
      skipped.push('Chromium benches: no Chromium found (set CHROMIUM_PATH or install Debian chromium)')
    }
  }
  if (options.browser && inBrowser.length > 0 && executablePath !== undefined) {
    try {
      const out = await runInChromium(inBrowser, options, executablePath)
      records.push(...out.records)
      version = out.version
    } catch (err) {
      // Bundling or launching failed: report it against every browser bench, still run the Node column.
      const error = `bench page: ${errorText(err)}`
      for (const b of inBrowser) {
        const place: Place = b.where === 'page' ? 'chromium-page' : 'chromium-worker'
        records.push({ name: b.name, title: b.title, place, elapsedMs: 0, error })
      }
    }
  }
  if (options.node) {
    const benchOptions: BenchOptions = { quick: options.quick }
    for (const bench of pure) {
      if (!(bench.where === 'node' || (bench.nodeToo ?? bench.where === 'worker'))) continue
      options.log(`running ${bench.name} in node…`)
      records.push(await record(bench, 'node', () => bench.run(benchOptions)))
    }
  }
  if (app.length > 0 && executablePath !== undefined) {
    try {
      const out = await runApp(app, options, executablePath)
      records.push(...out.records)
      version ??= out.version
    } catch (err) {
      // Building or starting the app failed: report it against every app bench, keep the other results.
      const error = `app server: ${errorText(err)}`
      for (const b of app) records.push({ name: b.name, title: b.title, place: 'app', elapsedMs: 0, error })
    }
  }
  // Keep the report in registration order whatever order the places ran in.
  const order = [...pure.map((b) => b.name), ...app.map((b) => b.name)]
  records.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
  return {
    records: withDerivedRatios(records, pure),
    ...(version === undefined ? {} : { chromium: version }),
    skipped,
  }
}
