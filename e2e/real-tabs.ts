import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, test } from '@playwright/test'
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium'

/**
 * Playwright keeps every page it creates visible and awake: it turns DevTools focus emulation on for
 * each, which holds the page as if captured, so neither another tab in front nor
 * `Page.setWebLifecycleState` hides or freezes it, and it launches Chromium with background timer
 * throttling off. So the tests of tabs the browser hides or freezes start their own Chromium (the
 * suite's, with its flags, none of those) and attach with `connectOverCDP(…, { noDefaults: true })`:
 * the tabs of its default context behave as a user's do. A tab brought to the front hides the other
 * (`visibilitychange`, timers run at most once a second); `Page.setWebLifecycleState` freezes a tab
 * (`frozen`: no task runs, its worker's neither) and resumes it (`active`, still hidden) — what Chrome
 * does to a background tab — and `bringToFront` shows it again. The tabs are nodes of one browser (one
 * origin, a profile each), linked over WebRTC.
 */

/**
 * A Chromium of this test's own whose tabs hide, throttle and freeze as a user's do; `flags` are added
 * to its command line (e.g. a feature's parameters, to make it act within seconds).
 */
export async function realTabs(
  flags: readonly string[] = [],
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executable = findChromium()
  if (executable === undefined) throw new Error('no Chromium found (see scripts/chromium.ts)')
  const dataDir = mkdtempSync(join(tmpdir(), 'tabchain-hidden-'))
  // Its own process group: /usr/bin/chromium is a wrapper script, and the browser is its child.
  const child: ChildProcess = spawn(
    executable,
    [
      ...CHROMIUM_ARGS,
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${dataDir}`,
      ...flags,
      'about:blank',
    ],
    { stdio: 'ignore', detached: true },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async (browser?: Browser): Promise<void> => {
    // Closed as a user closes it, so that it is done writing its profile; ended if it does not.
    await browser
      ?.newBrowserCDPSession()
      .then((s) => s.send('Browser.close'))
      .catch(() => {})
    const done = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(r, 10_000, false)),
    ])
    if (!done && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    await exited
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 })
  }
  let browser: Browser
  try {
    // Chromium writes the port it picked to this file once its DevTools endpoint listens.
    const portFile = join(dataDir, 'DevToolsActivePort')
    const deadline = Date.now() + 20_000
    while (!existsSync(portFile) || readFileSync(portFile, 'utf8').split('\n')[0] === '') {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('Chromium did not start')
      await new Promise((r) => setTimeout(r, 100))
    }
    const port = readFileSync(portFile, 'utf8').split('\n')[0]
    browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { noDefaults: true })
  } catch (err) {
    await stop()
    throw err
  }
  const [context] = browser.contexts()
  if (context === undefined) throw new Error('no default context')
  return { context, close: () => stop(browser) }
}

/**
 * Gives each test of the describe block it is called in a Chromium of its own (`realTabs`, with `flags`),
 * closed after it; returns the getter of that test's browser context.
 */
export function realTabsEachTest(flags: readonly string[] = []): () => BrowserContext {
  let close = async (): Promise<void> => {}
  let context: BrowserContext | undefined
  test.beforeEach(async () => {
    ;({ context, close } = await realTabs(flags))
  })
  test.afterEach(async () => {
    await close()
  })
  return () => {
    if (context === undefined)
      throw new Error('no Chromium of its own: realTabsEachTest runs in a describe block')
    return context
  }
}
