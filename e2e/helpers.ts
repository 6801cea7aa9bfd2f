import { type Browser, type BrowserContext, errors, expect, type Locator, type Page } from '@playwright/test'
import type { LocalAccount } from 'viem'
// Brings in the type of `window.tabchain`.
import type {} from '../src/boot'
import { genesisBlock, hashBlock } from '../src/node/chain/block'
import { DEVNET_ACCOUNTS, devnetGenesis } from '../src/node/chain/genesis'
import type { Genesis } from '../src/node/chain/types'
import { databaseName } from '../src/node/storage/idb-repository'

/**
 * `account`'s transfer of 1 wei to itself at `nonce`, signed for the devnet (chain id 31415), carrying
 * `zeroBytes` zero bytes of calldata with the gas they need (4 a byte).
 */
export function selfTransfer(account: LocalAccount, nonce: number, zeroBytes = 0): Promise<`0x${string}`> {
  return account.signTransaction({
    chainId: 31415,
    type: 'eip1559',
    nonce,
    to: account.address,
    value: 1n,
    ...(zeroBytes === 0 ? {} : { data: `0x${'00'.repeat(zeroBytes)}` as const }),
    gas: 21_000n + 4n * BigInt(zeroBytes),
    maxFeePerGas: 100n * 10n ** 9n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
}

/**
 * The second server the suite starts (playwright.config.ts): the same app and relay, serving the fast
 * test chain of `e2e/fixtures/fast-genesis.json` (chain id 31416, a tiny fixed difficulty, k = 1).
 * Open it with an absolute URL: `openNode(page, `${FAST_URL}/`)`.
 */
export const FAST_URL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 4310) + 2}`

/** Facts about one libp2p connection, as the page's network host reports them. */
export interface ConnFact {
  readonly peerId: string
  readonly direct: boolean
  readonly limited: boolean
  /** We dialed it (the peer dialed us: false). */
  readonly outbound: boolean
  readonly address: string
  /** When it opened (ms since the epoch, the page's clock). */
  readonly opened: number
}

/**
 * The suite's tabs pay the blocks they mine to the first devnet account (`?coinbase=`), an account no
 * wallet of the suite holds, so that the balances the tests check are exact; a tab's own account takes
 * its rewards only in the test about rewards, which opens the page without it.
 */
function withSuiteCoinbase(path: string): string {
  if (/[?&]coinbase=/.test(path)) return path
  const [base = '', hash] = path.split('#', 2)
  const joined = `${base}${base.includes('?') ? '&' : '?'}coinbase=${DEVNET_ACCOUNTS[0]}`
  return hash === undefined ? joined : `${joined}#${hash}`
}

/** Opens the app and waits for this tab's node (worker + libp2p) to be up. Returns its peer id. */
export async function openNode(page: Page, path = '/'): Promise<string> {
  await page.goto(withSuiteCoinbase(path))
  try {
    await page.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 30_000 })
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${await startState(page)}`)
  }
  return page.evaluate(() => window.tabchain?.network.peerId ?? '')
}

/**
 * Where a page's start stands, for a start that timed out: its URL, the profile it shows, and the
 * start-up marks the page and its node's worker reached (in order, ms since each one's start).
 */
async function startState(page: Page): Promise<string> {
  const marksOf = (): string =>
    performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('tabchain:'))
      .map((m) => `${m.name.slice('tabchain:'.length)}@${Math.round(m.startTime)}`)
      .join(' ')
  const read = async (what: string, evaluate: () => Promise<string>): Promise<string> => {
    try {
      return `${what} ${await evaluate()}`
    } catch (err) {
      return `${what} could not be read: ${err instanceof Error ? err.message : String(err)}`
    }
  }
  const pageState = await read('page', async () => {
    const [profile, alerts] = await page.evaluate(() => [
      document.querySelector('[data-testid="profile-name"]')?.textContent ?? '?',
      Array.from(document.querySelectorAll('[role="alert"]'), (a) => a.textContent).join(' | '),
    ])
    return `${page.url()}, profile ${profile}, alerts: ${alerts || 'none'}, start-up marks: ${await page.evaluate(marksOf)}`
  })
  const workers = await Promise.all(
    page.workers().map((w, i) => read(`worker ${i} (${w.url()}) marks:`, () => w.evaluate(marksOf))),
  )
  return [pageState, ...workers].join('\n')
}

/**
 * Two tabs in two browser contexts (two browsers), each running a node (`pathA`, `pathB`), directly
 * linked as both see it. `close` closes both contexts.
 */
export async function linkedPair(
  browser: Browser,
  pathA = '/?mine=0',
  pathB = '/?mine=0',
  timeoutMs = 10_000,
): Promise<{ a: Page; b: Page; idA: string; idB: string; close: () => Promise<void> }> {
  const [ctxA, ctxB] = [await browser.newContext(), await browser.newContext()]
  const close = async (): Promise<void> => {
    await ctxA.close()
    await ctxB.close()
  }
  try {
    const [a, b] = [await ctxA.newPage(), await ctxB.newPage()]
    const idA = await openNode(a, pathA)
    const idB = await openNode(b, pathB)
    await waitDirect(a, idB, timeoutMs)
    await waitDirect(b, idA, timeoutMs)
    return { a, b, idA, idB, close }
  } catch (err) {
    await close()
    throw err
  }
}

/** The profile `page`'s node runs on. */
export function profileOf(page: Page): Promise<string> {
  return page.evaluate(() => window.tabchain?.profileId ?? '')
}

/**
 * A profile a tab of `context` started a node on and then closed (`?mine=0`): its id. The profile is free
 * and its data stays, for a test to hold or damage before a tab opens it again.
 */
export async function closedProfile(context: BrowserContext): Promise<string> {
  const first = await context.newPage()
  await openNode(first, '/?mine=0')
  const profileId = await profileOf(first)
  await first.close()
  return profileId
}

/**
 * Opens profile `profileId` again in a new tab of `context` (its tab crashed or closed): the app at
 * `origin` with `?profile=…` and `query` (`&mine=0`…). Checks the node runs on that profile; returns the tab.
 */
export async function reopenProfile(
  context: BrowserContext,
  profileId: string,
  query = '',
  origin = '',
): Promise<Page> {
  const page = await context.newPage()
  await openNode(page, `${origin}/?profile=${profileId}${query}`)
  expect(await profileOf(page)).toBe(profileId)
  return page
}

/** Connections of `page` to `peerId`. */
export function connectionsTo(page: Page, peerId: string): Promise<ConnFact[]> {
  return page.evaluate(
    (id) => window.tabchain?.network.connections().filter((c) => c.peerId === id) ?? [],
    peerId,
  )
}

/**
 * Watches a peer that was dropped being kept out: `dialer`'s node keeps finding `target` (the relay's
 * discovery topic, every 5 s) and dialling it, after a backoff that grows. Waits until two of its dials
 * to `target` that began at or after `since` (ms since the epoch) have ended — however long a busy
 * machine takes to make them, up to `timeoutMs` — running `noLink` (which asserts that neither side
 * holds a link) at the start and each time one more of them ended, after reading the dials: a dial
 * counted as ended had its chance to leave a link, looked for next.
 */
export async function keptOutThroughRedials(
  dialer: Page,
  target: string,
  since: number,
  noLink: () => Promise<void>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const watched = { peer: target, from: since }
  for (;;) {
    const ended = await dialer.evaluate(
      ({ peer, from }) =>
        (window.tabchain?.network.dials() ?? []).filter(
          (d) => d.peerId === peer && d.started >= from && d.ended !== undefined,
        ).length,
      watched,
    )
    await noLink()
    if (ended >= 2) return
    const left = deadline - Date.now()
    expect(left, `${ended} of the dialer's redials ended since the drop`).toBeGreaterThan(0)
    // Until the next of those dials ends; at the deadline, the round above fails with the count.
    await dialer
      .waitForFunction(
        ({ peer, from, seen }) =>
          (window.tabchain?.network.dials() ?? []).filter(
            (d) => d.peerId === peer && d.started >= from && d.ended !== undefined,
          ).length > seen,
        { ...watched, seen: ended },
        { timeout: left, polling: 50 },
      )
      .catch((err: unknown) => {
        if (!(err instanceof errors.TimeoutError)) throw err
      })
  }
}

/** Waits until `page` has a direct (WebRTC, unlimited) connection to `peerId`; returns the ms it took. */
export async function waitDirect(page: Page, peerId: string, timeoutMs = 10_000): Promise<number> {
  const start = Date.now()
  try {
    await page.waitForFunction(
      (id) =>
        window.tabchain?.network.connections().some((c) => c.peerId === id && c.direct && !c.limited) ??
        false,
      peerId,
      { timeout: timeoutMs, polling: 50 },
    )
  } catch (err) {
    // What the page's network host saw instead: its relay link and every connection.
    const seen = await page
      .evaluate(() => {
        const n = window.tabchain?.network
        return n === undefined
          ? 'no network host'
          : JSON.stringify({ relay: n.snapshot().relay, connections: n.connections() })
      })
      .catch((e: unknown) => `unreadable: ${String(e)}`)
    throw new Error(`no direct link to ${peerId} within ${timeoutMs} ms; the page saw ${seen}`, {
      cause: err,
    })
  }
  return Date.now() - start
}

/**
 * Waits until `predicate(arg)`, an async function run in the page (e.g. asking the node), resolves
 * truthy; throws after `timeout` ms. The loop runs inside the page, so checking costs no DevTools
 * round trip. (Playwright's `waitForFunction` does not await an async predicate: the pending promise
 * is truthy, so it returns at once.) `predicate` must be self-contained — it is sent as source — and
 * `arg` JSON.
 */
export async function waitInPage<A>(
  page: Page,
  predicate: (arg: A) => Promise<unknown>,
  arg: A,
  { timeout = 30_000, interval = 50 }: { timeout?: number; interval?: number } = {},
): Promise<void> {
  // A string expression: Playwright evaluates it as is (the page's CSP allows no eval of our own).
  const met = await page.evaluate(`(async () => {
    const predicate = ${predicate.toString()}
    const arg = ${JSON.stringify(arg)}
    const deadline = performance.now() + ${timeout}
    for (;;) {
      if (await predicate(arg)) return true
      if (performance.now() > deadline) return false
      await new Promise((r) => setTimeout(r, ${interval}))
    }
  })()`)
  if (met !== true) throw new Error(`not within ${timeout} ms: ${predicate.toString()}`)
}

/**
 * Waits until each tab of a linked pair sees the other subscribed to its gossip topic ending in `suffix`
 * (e.g. `/blocks/1`): a peer's subscriptions arrive just after the link opens, and until then what the
 * tab gossips on that topic misses it.
 */
export async function waitSubscribed(
  pair: { readonly a: Page; readonly b: Page; readonly idA: string; readonly idB: string },
  suffix: string,
  timeout = 10_000,
): Promise<void> {
  for (const [page, id] of [
    [pair.a, pair.idB],
    [pair.b, pair.idA],
  ] as const) {
    await waitInPage(
      page,
      async (arg) =>
        (await window.tabchain?.network.snapshot())?.peers.some(
          (p) => p.peerId === arg.id && (p.topics ?? []).some((t) => t.endsWith(arg.suffix)),
        ),
      { id, suffix },
      { timeout },
    )
  }
}

/**
 * Makes `from`'s worker publish a status beacon and waits until `to`'s worker has received a beacon
 * from it with at least that sequence number: a message from one worker node to another.
 */
export async function beaconArrives(from: Page, to: Page, timeoutMs = 10_000): Promise<void> {
  const fromId = await from.evaluate(() => window.tabchain?.network.peerId ?? '')
  const lastSeq = (id: string) =>
    to.evaluate(
      async (peer) =>
        Number((await window.tabchain?.node.api.peerStatuses())?.find((p) => p.peerId === peer)?.seq ?? 0n),
      id,
    )
  const before = await lastSeq(fromId)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await from.evaluate(() => window.tabchain?.node.api.announce())
    const arrived = await waitInPage(
      to,
      async ({ id, seq }) =>
        Number((await window.tabchain?.node.api.peerStatuses())?.find((p) => p.peerId === id)?.seq ?? 0n) >
        seq,
      { id: fromId, seq: before },
      { timeout: 1_000 },
    ).then(
      () => true,
      () => false,
    )
    if (arrived) return
    if (Date.now() > deadline) throw new Error(`no beacon from ${fromId} within ${timeoutMs} ms`)
  }
}

/**
 * Waits until the head stored in IndexedDB for `profileId` (on `genesis`'s chain, the devnet by default)
 * is `hash`. A node writes its blocks behind its in-memory chain: a test that reloads a tab to check
 * what it stored waits for this, not for a fixed time. Read from `page` (same origin), beside the
 * node's own connection.
 */
export async function storedHeadIs(
  page: Page,
  profileId: string,
  hash: string,
  timeout = 30_000,
  genesis: Genesis = devnetGenesis,
): Promise<void> {
  const chain = {
    chainId: genesis.params.chainId,
    genesisHash: hashBlock(genesisBlock(genesis)),
  }
  await waitInPage(
    page,
    async ({ name, hash }) => {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => ok(r.result)
        r.onerror = () => fail(r.error)
      })
      try {
        const head = await new Promise<{ hash?: string } | undefined>((ok, fail) => {
          const r = db.transaction('meta', 'readonly').objectStore('meta').get('head')
          r.onsuccess = () => ok(r.result)
          r.onerror = () => fail(r.error)
        })
        return head?.hash?.toLowerCase() === hash
      } finally {
        db.close()
      }
    },
    { name: databaseName(profileId, chain), hash: hash.toLowerCase() },
    { timeout, interval: 100 },
  )
}

/**
 * Kills `page`'s renderer the way a crash does (DevTools `Page.crash`: no unload, IndexedDB
 * transactions cut wherever they are) and closes it. Its profile's Web Lock goes with the renderer,
 * so a new tab of the same context can open that profile.
 */
export async function crashTab(page: Page): Promise<void> {
  await (await tabCrasher(page))()
}

/** `crashTab` with the DevTools session opened beforehand: the returned function crashes at once. */
export async function tabCrasher(page: Page): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page)
  return async () => {
    const crashed = page.waitForEvent('crash')
    // The renderer dies before it can answer.
    cdp.send('Page.crash').catch(() => {})
    await crashed
    await page.close()
  }
}

/** What `page`'s node and network host say of themselves and of `peerId`, as JSON (for a failure). */
export function nodeReport(page: Page, peerId: string): Promise<string> {
  return page.evaluate(async (id) => {
    const t = window.tabchain
    const [head, stats, peers] = await Promise.all([
      t?.node.api.head(),
      t?.node.api.stats(),
      t?.node.api.peerStatuses(),
    ])
    return JSON.stringify(
      {
        head: head?.number,
        stats,
        peer: peers?.find((p) => p.peerId === id),
        links: t?.network.connections().filter((c) => c.peerId === id),
        relay: t?.network.snapshot().relay,
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    )
  }, peerId)
}

/**
 * `field`'s problem as the form shows it: `reason` in the message of test id `problemId` beside it, the
 * field marked invalid and described by it (what a screen reader reads on focus); null: none of that.
 */
export async function expectProblem(
  page: Page,
  field: Locator,
  problemId: string,
  reason: string | null,
): Promise<void> {
  if (reason === null) {
    await expect(page.getByTestId(problemId)).toHaveCount(0)
    await expect(field).toHaveAttribute('aria-invalid', 'false')
    return
  }
  await expect(page.getByTestId(problemId)).toHaveText(reason)
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(field).toHaveAccessibleDescription(reason)
}

/**
 * The space between the bottom of `upper` and the top of `lower`, in px (negative: they overlap). Both
 * are visible block boxes, one above the other.
 */
export async function gapBetween(upper: Locator, lower: Locator): Promise<number> {
  const [top, bottom] = [await upper.boundingBox(), await lower.boundingBox()]
  if (top === null || bottom === null) throw new Error('one of the two elements is not shown')
  return bottom.y - (top.y + top.height)
}

/**
 * The open approval dialog's Cancel and Confirm/Sign are wholly in view without scrolling, on a laptop
 * (1280×800) and on a phone (390×844), however long what it says; the page's size is put back after.
 */
export async function approvalButtonsInView(page: Page): Promise<void> {
  const size = page.viewportSize()
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport)
    await expect(page.getByTestId('approval-confirm')).toBeInViewport({ ratio: 1 })
    await expect(page.getByTestId('approval-cancel')).toBeInViewport({ ratio: 1 })
  }
  if (size !== null) await page.setViewportSize(size)
}

/** A state of a page's relay link, when the page entered it, and the retry then scheduled (if any). */
export interface RelayStep {
  readonly state: string
  readonly at: number
  readonly retryAt?: number
}

/**
 * From now on, `page` notes its relay link's state and each change of it, and when (`relaySteps`): in the
 * page's own clock, so a loaded machine's slow test process does not move the times.
 */
export async function noteRelaySteps(page: Page): Promise<void> {
  await page.evaluate(() => {
    const network = window.tabchain?.network
    if (network === undefined) throw new Error('no network host on the page')
    const stepOf = (relay: ReturnType<typeof network.snapshot>['relay']): RelayStep =>
      relay.state === 'unreachable'
        ? { state: relay.state, at: Date.now(), retryAt: relay.retryAt }
        : { state: relay.state, at: Date.now() }
    const steps: RelayStep[] = [stepOf(network.snapshot().relay)]
    ;(window as unknown as { relaySteps: RelayStep[] }).relaySteps = steps
    network.onChange((s) => {
      if (steps.at(-1)?.state !== s.relay.state) steps.push(stepOf(s.relay))
    })
  })
}

/** The relay link's states `page` went through since `noteRelaySteps`. */
export const relaySteps = (page: Page): Promise<RelayStep[]> =>
  page.evaluate(() => (window as unknown as { relaySteps: RelayStep[] }).relaySteps)

/** How far `page`'s document runs past the viewport's right edge, in px (0: it fits). */
export const overflowX = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

/**
 * The visible form controls of `page` (buttons, selects, inputs) a finger finds smaller than `min` px
 * either way, with their size: a control inside its label may count the label's box, which takes the tap.
 */
export const smallTargets = (page: Page, min: number): Promise<string[]> =>
  page.evaluate(
    (least) =>
      Array.from(document.querySelectorAll<HTMLElement>('button, select, input, textarea'))
        .filter((el) => el.getClientRects().length > 0)
        .flatMap((el) => {
          const fits = (box: DOMRect | undefined) =>
            box !== undefined && box.width >= least && box.height >= least
          const { width, height } = el.getBoundingClientRect()
          if (fits(el.getBoundingClientRect()) || fits(el.closest('label')?.getBoundingClientRect()))
            return []
          const name = el.getAttribute('aria-label') ?? el.closest('label')?.textContent ?? el.textContent
          return [`${el.tagName.toLowerCase()} "${name?.trim().slice(0, 30)}" (${width} × ${height} px)`]
        }),
    min,
  )

/** Presses Tab (Shift+Tab: `back`) until `target` has the focus, at most `max` times. */
export async function tabTo(page: Page, target: Locator, max = 30, back = false): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
    if (await target.evaluate((el) => el === document.activeElement)) return
  }
  throw new Error(`${target} not reached in ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}`)
}

/** Waits until this page's service worker is activated and controls the page. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state), {
      timeout: 30_000,
    })
    .toBe('activated')
  // The first install claims open pages (clientsClaim); reload once if the claim has not landed yet.
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload()
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
}

/**
 * Makes sure the page's document sees the context's offline emulation. Chromium 150 (Debian's
 * 150.0.7871.100) starts a document loaded while the context is offline with `navigator.onLine` true
 * — the emulation reaches only documents that existed when it was set — though every request still
 * fails; an older Chromium starts it offline. Where the document does not know, the emulation is set
 * again (the page then gets the browser's `offline` event, as on a real device losing its network).
 */
export async function documentSeesOffline(page: Page, context: BrowserContext): Promise<void> {
  if (await page.evaluate(() => navigator.onLine)) {
    await context.setOffline(false)
    await context.setOffline(true)
  }
  await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
}
