import { type BrowserContext, type CDPSession, expect, type Page, test } from '@playwright/test'
import { type LocalAccount, mnemonicToAccount } from 'viem/accounts'
import {
  type RelayToComeBack,
  relayToComeBack,
  startRelayProcess,
  stopRelayProcess,
} from '../scripts/relay-process'
import { DEVNET_ACCOUNTS } from '../src/node/chain/genesis'
import type { RelayStatus } from '../src/node/network/types'
import {
  beaconArrives,
  connectionsTo,
  FAST_URL,
  nodeReport,
  noteRelaySteps,
  openNode,
  relaySteps,
  waitDirect,
  waitInPage,
} from './helpers'
import { createWallet } from './market-steps'
import { realTabsEachTest } from './real-tabs'

/**
 * A tab hidden, throttled or frozen by the browser (docs/RELIABILITY.md, "A tab hidden for a long time").
 *
 * These tests run in a Chromium of their own (`realTabs`, e2e/real-tabs.ts), whose tabs hide, throttle
 * and freeze as a user's do: a tab brought to the front hides the other, `Page.setWebLifecycleState`
 * freezes one (its worker too) and resumes it. Both tabs are nodes of one browser (one origin, a profile
 * each), linked over WebRTC.
 */

const base = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 4310)}`

interface Head {
  readonly number: number
  readonly hash: string
}

const headOf = (page: Page): Promise<Head> =>
  page.evaluate(async () => {
    const h = await window.tabchain?.node.api.head()
    if (h === undefined) throw new Error('no node')
    return { number: Number(h.number), hash: h.hash }
  })

/** Waits until `page`'s node has `head` (that hash at that height) on its chain. */
const holds = (page: Page, head: Head, timeout: number): Promise<void> =>
  waitInPage(
    page,
    async (t) => (await window.tabchain?.node.api.block(BigInt(t.number)))?.hash === t.hash,
    head,
    { timeout, interval: 100 },
  )

/** Waits until `page`'s node is at least at height `n`. */
const reaches = (page: Page, n: number, timeout: number): Promise<void> =>
  waitInPage(page, async (m) => Number((await window.tabchain?.node.api.head())?.number ?? -1) >= m, n, {
    timeout,
    interval: 100,
  })

const visibility = (page: Page): Promise<DocumentVisibilityState> =>
  page.evaluate(() => document.visibilityState)

/** Stops both tabs' miners and waits until they hold the same head: that head. */
async function settle(a: Page, b: Page): Promise<Head> {
  for (const page of [a, b]) await page.evaluate(() => window.tabchain?.node.api.setMining(false))
  let last: Head | undefined
  await expect
    .poll(
      async () => {
        const [x, y] = [await headOf(a), await headOf(b)]
        last = x
        return x.hash === y.hash
      },
      { timeout: 20_000 },
    )
    .toBe(true)
  if (last === undefined) throw new Error('no head')
  return last
}

/**
 * What the tab shows of its node once back: it runs (no "could not start", no "stopped"), is linked to
 * one peer, its relay is up, its Latest block card shows its node's head and it is not syncing.
 */
async function showsHealthy(page: Page): Promise<void> {
  await expect(page.getByTestId('node-failed')).toHaveCount(0)
  await expect(page.getByTestId('peer-count')).toHaveAttribute('data-count', '1')
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected')
  await expect(page.getByTestId('sync')).toHaveAttribute('data-syncing', 'false')
  const head = await headOf(page)
  await expect(page.getByTestId('chain-head')).toHaveAttribute('data-number', String(head.number))
}

/** The coin balance of `address` at `page`'s head, as its EIP-1193 provider answers. */
const balanceOf = (page: Page, address: string): Promise<string> =>
  page.evaluate(
    (a) =>
      window.tabchain?.provider.request({
        method: 'eth_getBalance',
        params: [a, 'latest'],
      }) as Promise<string>,
    address,
  )

/** Sends 2.5 TAB from `payer` to `to` through `miner`'s node (at its next nonce); returns the tx hash. */
async function pay(miner: Page, payer: LocalAccount, to: string): Promise<`0x${string}`> {
  const nonce = await miner.evaluate(
    (a) => window.tabchain?.provider.request({ method: 'eth_getTransactionCount', params: [a, 'latest'] }),
    payer.address,
  )
  const raw = await payer.signTransaction({
    chainId: 31415,
    type: 'eip1559',
    nonce: Number(nonce),
    to: to as `0x${string}`,
    value: 25n * 10n ** 17n,
    gas: 21_000n,
    maxFeePerGas: 100n * 10n ** 9n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
  const hash = await miner.evaluate((r) => window.tabchain?.node.api.sendRawTransaction(r), raw)
  if (hash === undefined) throw new Error('no node')
  return hash
}

/** The block of `page`'s chain that holds transaction `hash`, once it is mined. */
async function minedIn(page: Page, hash: `0x${string}`): Promise<Head> {
  const number = await page.evaluate(async (h) => {
    for (;;) {
      const receipt = await window.tabchain?.node.api.receipt(h)
      if (receipt != null) return Number(receipt.blockNumber)
      await new Promise((r) => setTimeout(r, 200))
    }
  }, hash)
  const block = await page.evaluate(
    async (n) => (await window.tabchain?.node.api.block(BigInt(n)))?.hash ?? '',
    number,
  )
  return { number, hash: block }
}

/**
 * Two nodes in two tabs of one window, directly linked: `miner` in front, mining; `follower` behind it
 * (so hidden), opened with `followerQuery` and set up by `prepare` before the miner's tab opens. Both
 * load the app from `origin` (the suite's server by default).
 */
async function twoTabs(
  context: BrowserContext,
  followerQuery: string,
  prepare: (follower: Page) => Promise<void> = async () => {},
  origin = base,
): Promise<{ miner: Page; follower: Page; idMiner: string; idFollower: string; cdp: CDPSession }> {
  const follower = await context.newPage()
  const idFollower = await openNode(follower, `${origin}/${followerQuery}`)
  // While it is in front: a hidden tab draws no frames, so nothing on it can be clicked.
  await prepare(follower)
  const miner = await context.newPage()
  const idMiner = await openNode(miner, `${origin}/?mine=1`)
  await miner.bringToFront()
  await waitDirect(follower, idMiner, 20_000)
  await waitDirect(miner, idFollower, 20_000)
  const cdp = await context.newCDPSession(follower)
  return { miner, follower, idMiner, idFollower, cdp }
}

/**
 * Waits while `follower` is frozen: at least `ms`, and until `miner` has made 3 blocks on top of `before`
 * (the follower's head when frozen), so the catch-up after is real however slowly a loaded machine mines.
 * Returns the miner's head then.
 */
async function minesWhileFrozen(miner: Page, before: Head, ms: number): Promise<Head> {
  await miner.waitForTimeout(ms)
  await reaches(miner, before.number + 3, 60_000)
  const head = await headOf(miner)
  expect(head.number).toBeGreaterThanOrEqual(before.number + 3)
  return head
}

/**
 * Freezes `follower` (a hidden tab) for `ms` while `miner` mines, checks the miner made several blocks
 * meanwhile (so the catch-up after is real), resumes it (still hidden) and brings it to the front, as the
 * user coming back to it; then waits until it is linked to the miner again and holds the head the
 * miner had at the resume. Returns that head.
 */
async function freezeThenShow(
  cdp: CDPSession,
  miner: Page,
  follower: Page,
  idMiner: string,
  ms: number,
): Promise<Head> {
  const before = await headOf(follower)
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  const atResume = await minesWhileFrozen(miner, before, ms)
  await cdp.send('Page.setWebLifecycleState', { state: 'active' })
  expect(await visibility(follower)).toBe('hidden')
  await follower.bringToFront()
  expect(await visibility(follower)).toBe('visible')
  try {
    await waitDirect(follower, idMiner, 20_000)
    await holds(follower, atResume, 20_000)
  } catch (err) {
    throw new Error(`${String(err)}\nfollower: ${await nodeReport(follower, idMiner)}`)
  }
  return atResume
}

test.describe('a tab the browser hides, throttles or freezes', () => {
  const tabs = realTabsEachTest()

  test('frozen for 15 s while its peer mines, then resumed and shown: linked again, caught up, says so', async () => {
    test.setTimeout(120_000)
    let address = ''
    const { miner, follower, idMiner, cdp } = await twoTabs(tabs(), '?mine=0', async (page) => {
      address = await createWallet(page)
    })
    // The follower sits behind the miner's tab: hidden, as a background tab is before Chrome freezes it.
    expect(await visibility(follower)).toBe('hidden')
    const start = await headOf(miner)
    await holds(follower, start, 20_000)
    const balanceBefore = await balanceOf(follower, DEVNET_ACCOUNTS[1] ?? '')

    // Long enough for the miner to make several blocks and for its pings to the frozen tab to fail;
    // resumed, the tab is still in the background, then the user comes back to it.
    const atResume = await freezeThenShow(cdp, miner, follower, idMiner, 15_000)
    const head = await settle(miner, follower)
    expect(head.number).toBeGreaterThanOrEqual(atResume.number)
    // Its wallet is still there, unlocked, on the same account.
    await expect(follower.getByTestId('wallet-screen')).toHaveAttribute('data-state', 'unlocked')
    expect((await follower.getByTestId('selected-address').textContent())?.toLowerCase()).toBe(address)
    await follower.getByRole('link', { name: 'Tabchain overview' }).click()
    await showsHealthy(follower)
    // An account untouched meanwhile has the same balance; the miner's rewards agree on both tabs.
    expect(await balanceOf(follower, DEVNET_ACCOUNTS[1] ?? '')).toBe(balanceBefore)
    expect(await balanceOf(follower, DEVNET_ACCOUNTS[0] ?? '')).toBe(
      await balanceOf(miner, DEVNET_ACCOUNTS[0] ?? ''),
    )
  })

  test('hidden behind another tab, its timers throttled, while its peer mines: keeps up, and holds the head once shown', async () => {
    test.setTimeout(120_000)
    const { miner, follower, idMiner, idFollower } = await twoTabs(tabs(), '?mine=0')
    expect(await visibility(follower)).toBe('hidden')
    // Hidden for real: its timers run at most once a second (a 100 ms timer chain waits ~1 s a step).
    const longestWait = await follower.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let last = performance.now()
          let longest = 0
          const end = last + 3_000
          const step = (): void => {
            const now = performance.now()
            longest = Math.max(longest, now - last)
            last = now
            if (now > end) resolve(longest)
            else setTimeout(step, 100)
          }
          setTimeout(step, 100)
        }),
    )
    expect(longestWait).toBeGreaterThan(900)
    const linkedAt = (await connectionsTo(follower, idMiner)).find((c) => c.direct)?.opened
    const start = await headOf(miner)
    await reaches(miner, start.number + 4, 30_000)
    const atShow = await headOf(miner)
    // Hidden, it followed the miner over the same link (gossip is not throttled; the link's pings are).
    try {
      await holds(follower, atShow, 10_000)
    } catch (err) {
      throw new Error(`${String(err)}\nfollower: ${await nodeReport(follower, idMiner)}`)
    }
    expect((await connectionsTo(follower, idMiner)).find((c) => c.direct)?.opened).toBe(linkedAt)
    await follower.bringToFront()
    expect(await visibility(follower)).toBe('visible')
    await waitDirect(miner, idFollower, 1_000)
    const head = await settle(miner, follower)
    expect(head.number).toBeGreaterThanOrEqual(atShow.number)
    await showsHealthy(follower)
  })

  test('frozen while it mines: resumed, it mines again, and its chain is the one its peer holds', async () => {
    test.setTimeout(120_000)
    // The frozen tab mines too, paying a coinbase of its own, so its blocks are known by their miner.
    const { miner, follower, idMiner, cdp } = await twoTabs(tabs(), `?mine=1&coinbase=${DEVNET_ACCOUNTS[2]}`)
    const own = (DEVNET_ACCOUNTS[2] ?? '').toLowerCase()
    expect(await follower.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(
      true,
    )
    // Shorter than the first test's freeze, still several blocks: this test mines on after it.
    const atResume = await freezeThenShow(cdp, miner, follower, idMiner, 12_000)
    const resumedAt = await headOf(follower)
    // It mines again: a block it mined after the resume lands on the chain both tabs hold.
    expect(await follower.evaluate(() => window.tabchain?.node.api.mining().then((m) => m.enabled))).toBe(
      true,
    )
    await expect(follower.getByTestId('mining')).toHaveAttribute('data-enabled', 'true')
    await waitInPage(
      miner,
      async ({ from, coinbase }) => {
        const api = window.tabchain?.node.api
        const head = Number((await api?.head())?.number ?? -1)
        for (let n = head; n > from; n--)
          if ((await api?.block(BigInt(n)))?.miner.toLowerCase() === coinbase) return true
        return false
      },
      { from: Math.max(resumedAt.number, atResume.number), coinbase: own },
      { timeout: 30_000, interval: 250 },
    )
    const head = await settle(miner, follower)
    // One chain: every block of the common head's last 20 is the same on both tabs.
    const hashes = (page: Page) =>
      page.evaluate(
        async (top) =>
          Promise.all(
            Array.from({ length: Math.min(20, top + 1) }, (_, i) =>
              window.tabchain?.node.api.block(BigInt(top - i)).then((b) => b?.hash),
            ),
          ),
        head.number,
      )
    expect(await hashes(follower)).toEqual(await hashes(miner))
    await showsHealthy(follower)
    expect(await balanceOf(follower, own)).toBe(await balanceOf(miner, own))
  })

  test('the tab a peer syncs from, frozen mid-sync: its link stays, neither side penalises the other, the peer says it waits on it (never "up to date" below its head), the sync ends at its head once it wakes, and its relay socket is quiet', async () => {
    test.setTimeout(180_000)
    const said: string[] = []
    // The source mines 1,500 blocks of the fast test chain: a full node syncs them in a few seconds.
    const source = await tabs().newPage()
    source.on('console', (m) => said.push(`source: ${m.text()}`))
    const idSource = await openNode(source, `${FAST_URL}/?mine=1`)
    await reaches(source, 1_500, 120_000)
    await source.evaluate(() => window.tabchain?.node.api.setMining(false))
    const target = await headOf(source)
    const peer = await tabs().newPage()
    peer.on('console', (m) => said.push(`peer: ${m.text()}`))
    // In front: the source behind it is hidden, as a tab is before Chrome freezes it.
    const idPeer = await openNode(peer, `${FAST_URL}/?mine=0&mode=full`)
    await peer.bringToFront()
    // Frozen at the peer's first synced block, in the page, not at the test's next poll. From then on,
    // each line its sync card shows is kept with the node's head then (its last head event: the head
    // card may draw a head later than the sync card draws its line).
    await peer.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const node = window.tabchain?.node
          if (node === undefined) throw new Error('no node')
          const stop = node.on('head', (h) => {
            if (h.number === 0n) return
            stop()
            let head = Number(h.number)
            node.on('head', (next) => {
              head = Number(next.number)
            })
            const shown: { value: string; head: number }[] = []
            Object.assign(window, { syncCardShown: shown })
            const note = () => {
              const value = document.querySelector('[data-testid="sync"] .card__value')?.textContent ?? ''
              const last = shown.at(-1)
              if (last?.value !== value || last.head !== head) shown.push({ value, head })
            }
            note()
            new MutationObserver(note).observe(document, {
              subtree: true,
              childList: true,
              characterData: true,
              attributes: true,
            })
            resolve()
          })
        }),
    )
    const cdp = await tabs().newCDPSession(source)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    const linkedAt = (await connectionsTo(peer, idSource)).find((c) => c.direct)?.opened
    expect(linkedAt).toBeDefined()
    expect((await headOf(peer)).number).toBeLessThan(target.number)
    // Frozen until the peer finds its pings unanswered: past its sync request's 10 s timeout too.
    const unanswered = `peer: kept a link to ${idSource} whose ping went unanswered`
    await expect.poll(() => said.some((l) => l.startsWith(unanswered)), { timeout: 30_000 }).toBe(true)
    // Meanwhile the peer's sync card says it waits on the source, at its own head, not the source's claim.
    const card = peer.getByTestId('sync')
    await expect(card).toContainText('Waiting for a peer', { timeout: 30_000 })
    const stuck = await headOf(peer)
    await expect(card).toContainText(`${idSource.slice(-4)} was sending this tab blocks`)
    await expect(card).toContainText(`this tab is at block #${stuck.number.toLocaleString('en-US')}.`)
    expect(await card.textContent()).not.toContain(target.number.toLocaleString('en-US'))
    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    try {
      // Within the sync's longest wait on a failing peer (its breaker opens for at most 60 s).
      await holds(peer, target, 60_000)
    } catch (err) {
      throw new Error(`${String(err)}\npeer: ${await nodeReport(peer, idSource)}`)
    }
    // The same direct link on both sides, and nobody penalised or dropped.
    expect((await connectionsTo(peer, idSource)).find((c) => c.direct)?.opened).toBe(linkedAt)
    expect((await connectionsTo(source, idPeer)).some((c) => c.direct)).toBe(true)
    for (const page of [peer, source])
      expect(await page.evaluate(() => window.tabchain?.node.api.stats())).toMatchObject({
        penalties: 0,
        peersDropped: 0,
      })
    // Its pings answer again: said once a spell of unanswered pings, at its start and at its end.
    const lines = (start: string) => said.filter((l) => l.startsWith(start)).length
    await expect
      .poll(() => {
        const answered = lines(`peer: a link to ${idSource} answers its pings again`)
        return answered >= 1 && answered === lines(unanswered)
      })
      .toBe(true)
    // The source is back on the relay; its socket, closed by Chrome as it froze, took no sends meanwhile.
    await expect
      .poll(() => source.evaluate(() => window.tabchain?.network.snapshot().relay.state), { timeout: 30_000 })
      .toBe('connected')
    expect(said.filter((l) => l.includes('WebSocket is already in CLOSING or CLOSED state'))).toEqual([])
    await expect(peer.getByRole('alert')).toHaveCount(0)
    // Its sync card never read "up to date" below the source's head.
    const shown = await peer.evaluate(
      () => (window as unknown as { syncCardShown: { value: string; head: number }[] }).syncCardShown,
    )
    expect(shown.filter((s) => s.value === 'Waiting for a peer').length).toBeGreaterThan(0)
    expect(shown.filter((s) => s.value === 'Up to date' && s.head < target.number)).toEqual([])
  })

  test('a light tab frozen during its own header sync, then woken: linked, nobody penalised, its headers reach the peer’s head, its balance verified only at a header it holds, and its sync card never reads "up to date" below that head', async () => {
    // The sum of its own waits below: mining 1,500 blocks takes from 30 s to over 100 s, as the machine's
    // load goes, and a test timeout under that sum cut it short on a loaded machine.
    test.setTimeout(270_000)
    const errors: string[] = []
    const source = await tabs().newPage()
    source.on('pageerror', (e) => errors.push(`source: ${e.message}`))
    const idSource = await openNode(source, `${FAST_URL}/?mine=1`)
    await reaches(source, 1_500, 120_000)
    await source.evaluate(() => window.tabchain?.node.api.setMining(false))
    const target = await headOf(source)
    const light = await tabs().newPage()
    light.on('pageerror', (e) => errors.push(`light: ${e.message}`))
    // From its node's start, in the page: each step of its header sync (when, and its header head), and
    // once its head left the genesis each line its sync card shows and each verified balance its card
    // shows (those two with the header head then), and a promise of its first step (first ranges asked).
    await light.addInitScript(() => {
      const seen = {
        steps: [] as number[][],
        sync: [] as { value: string; head: number }[],
        verifiedAt: [] as number[][],
      }
      let started = () => {}
      Object.assign(window, { lightSeen: seen, lightSyncing: new Promise<void>((r) => (started = r)) })
      const attach = setInterval(() => {
        const node = window.tabchain?.node
        if (node === undefined) return
        clearInterval(attach)
        let head = 0
        node.on('head', (h) => {
          head = Number(h.number)
        })
        node.on('syncing', (step) => {
          if (step === false) return
          seen.steps.push([Date.now(), Number(step.currentBlock)])
          started()
        })
        const note = () => {
          // Once its headers left the genesis: before (linked, not yet asked), the card can read "Up to
          // date" at the genesis a moment (docs/ARCHITECTURE.md, "A tab frozen or hidden").
          if (head === 0) return
          const value = document.querySelector('[data-testid="sync"] .card__value')?.textContent ?? ''
          const last = seen.sync.at(-1)
          if (last?.value !== value || last.head !== head) seen.sync.push({ value, head })
          const card = document.querySelector('[data-testid="verified-balance"]')
          if (card?.getAttribute('data-verified') === 'true')
            seen.verifiedAt.push([Number(card.getAttribute('data-number')), head])
        }
        new MutationObserver(note).observe(document, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        })
      }, 5)
    })
    // A phone's slower CPU, from its start: its header ranges take long enough to be frozen in flight.
    const cdp = await tabs().newCDPSession(light)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 })
    // Of another origin (localhost): a tab of the source's origin would start from the headers the
    // source's profile verified in this browser, and have none to sync.
    await openNode(light, `${FAST_URL.replace('127.0.0.1', 'localhost')}/?mode=light&mine=0`)
    // Frozen as its header sync starts, told in the page, not at the test's next poll.
    await light.evaluate(() => (window as unknown as { lightSyncing: Promise<void> }).lightSyncing)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    const frozenAt = Date.now()
    // 20 s, as a phone's user away in another app: past its requests' 10 s timeouts and its pings.
    await source.waitForTimeout(20_000)
    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
    await light.bringToFront()
    try {
      await waitDirect(light, idSource, 20_000)
      // Within the sync's longest wait on a failing peer (its breaker opens for at most 60 s).
      await holds(light, target, 60_000)
    } catch (err) {
      throw new Error(`${String(err)}\nlight: ${await nodeReport(light, idSource)}`)
    }
    // The chain moves on.
    await source.evaluate(() => window.tabchain?.node.api.setMining(true))
    await reaches(light, target.number + 2, 30_000)
    await source.evaluate(() => window.tabchain?.node.api.setMining(false))
    const last = await headOf(source)
    await holds(light, last, 20_000)
    // Its balance is verified, at a header of the source's chain at least k (1) deep.
    await expect(light.getByTestId('verified-balance')).toHaveAttribute('data-verified', 'true')
    const proven = await light.evaluate(async () => {
      const r = await window.tabchain?.node.api.verifiedAccount('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
      return { number: Number(r?.number ?? -1), hash: r?.hash ?? '', verified: r?.verified }
    })
    expect(proven.verified).toBe(true)
    expect(proven.number).toBeLessThanOrEqual(last.number)
    expect(
      await source.evaluate(
        async (n) => (await window.tabchain?.node.api.block(BigInt(n)))?.hash,
        proven.number,
      ),
    ).toBe(proven.hash)
    // Nobody penalised or dropped; the sync card says it is up to date, and never did below the head.
    for (const page of [light, source])
      expect(await page.evaluate(() => window.tabchain?.node.api.stats())).toMatchObject({
        penalties: 0,
        peersDropped: 0,
      })
    await expect(light.getByTestId('sync')).toHaveAttribute('data-syncing', 'false')
    await expect(light.getByTestId('sync').locator('.card__value')).toHaveText('Up to date')
    const after = await light.evaluate(
      () =>
        (
          window as unknown as {
            lightSeen: { steps: number[][]; sync: { value: string; head: number }[]; verifiedAt: number[][] }
          }
        ).lightSeen,
    )
    // It was frozen mid-sync: headers past those it held as it froze came in after it woke.
    const heldAtFreeze = Math.max(...after.steps.filter(([t = 0]) => t < frozenAt).map(([, n = 0]) => n))
    expect(after.steps.some(([t = 0, n = 0]) => t > frozenAt && n > heldAtFreeze)).toBe(true)
    expect(after.sync.filter((s) => s.value === 'Up to date' && s.head < target.number)).toEqual([])
    expect(after.sync.some((s) => s.value === 'Up to date' && s.head >= target.number)).toBe(true)
    // Each balance it marked verified was proven at a header it held, k (1) deep: never past its head.
    expect(after.verifiedAt.length).toBeGreaterThan(0)
    expect(after.verifiedAt.filter(([at = 0, head = 0]) => at > head)).toEqual([])
    await expect(light.getByRole('alert')).toHaveCount(0)
    expect(errors).toEqual([])
  })

  test('a light tab that loads while its only full peer is frozen: its balance, unproven then, is proven once that peer wakes and links, with no new block', async () => {
    test.setTimeout(150_000)
    const errors: string[] = []
    const source = await tabs().newPage()
    source.on('pageerror', (e) => errors.push(`source: ${e.message}`))
    const idSource = await openNode(source, `${FAST_URL}/?mine=1`)
    await reaches(source, 3, 60_000)
    await source.evaluate(() => window.tabchain?.node.api.setMining(false))
    const light = await tabs().newPage()
    light.on('pageerror', (e) => errors.push(`light: ${e.message}`))
    // Of another origin (localhost): no proof comes from the source's state stored in this browser.
    const lightUrl = `${FAST_URL.replace('127.0.0.1', 'localhost')}/?mode=light&mine=0`
    await openNode(light, lightUrl)
    await light.bringToFront()
    await waitDirect(light, idSource, 20_000)
    const head = await headOf(source)
    await holds(light, head, 20_000)
    const card = light.getByTestId('verified-balance')
    await expect(card).toHaveAttribute('data-verified', 'true', { timeout: 20_000 })
    // The source, hidden behind the light tab, frozen; the light tab loads again meanwhile: no peer
    // answers its balance read.
    const cdp = await tabs().newCDPSession(source)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    await openNode(light, lightUrl)
    await expect(card).toHaveAttribute('data-verified', 'false')
    await expect(card).toContainText('Not verified yet')
    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    try {
      await waitDirect(light, idSource, 60_000)
    } catch (err) {
      throw new Error(`${String(err)}\nlight: ${await nodeReport(light, idSource)}`)
    }
    // Proven without a new block: the read is asked again as the peer links, not at the next head.
    await expect(card).toHaveAttribute('data-verified', 'true', { timeout: 15_000 })
    expect(await headOf(source)).toEqual(head)
    expect(await headOf(light)).toEqual(head)
    await expect(card.getByTestId('unproven-line')).toHaveCount(0)
    expect(errors).toEqual([])
  })

  test('frozen while the relay stops and its peer mines: resumed and shown, still linked, caught up, says the relay is down; linked to it again once it is back', async () => {
    test.setTimeout(120_000)
    // A relay (and app server) of this test's own, on the port after the wide chain's (auto.spec.ts):
    // stopped and started again on the same port, as relay.spec.ts does, without disturbing the suite's.
    const port = Number(process.env.E2E_PORT ?? 4310) + 6
    let relay = await startRelayProcess({ port })
    try {
      const { miner, follower, idMiner, idFollower, cdp } = await twoTabs(
        tabs(),
        '?mine=0',
        undefined,
        `http://127.0.0.1:${port}`,
      )
      await expect(follower.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected')
      const before = await headOf(follower)

      // The relay goes away while the follower is frozen: the miner sees it go, the follower cannot.
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
      await stopRelayProcess(relay)
      await expect(miner.getByTestId('relay-status')).toHaveAttribute('data-state', /connecting|unreachable/)
      // 40 s: past what the miner's pings can wait on it (each of its five ping streams held by an
      // unanswered ping, their openings all finishing as the tab wakes), as Chrome freezes a tab for minutes.
      const atResume = await minesWhileFrozen(miner, before, 40_000)
      await cdp.send('Page.setWebLifecycleState', { state: 'active' })
      await follower.bringToFront()
      // Its direct link to the miner stands (or is made again without the relay), and it catches up.
      try {
        await waitDirect(follower, idMiner, 20_000)
        await holds(follower, atResume, 20_000)
      } catch (err) {
        throw new Error(`${String(err)}\nfollower: ${await nodeReport(follower, idMiner)}`)
      }
      // It runs, and says the relay is out of reach and when it tries again, not that it failed.
      await expect(follower.getByTestId('relay-status')).toHaveAttribute('data-state', 'unreachable')
      await expect(follower.getByTestId('relay-status')).toContainText('retrying in')
      await expect(follower.getByTestId('node-failed')).toHaveCount(0)
      await expect(follower.getByTestId('peer-count')).toHaveAttribute('data-count', '1')
      await expect(follower.getByTestId('chain-head')).toHaveAttribute(
        'data-number',
        String((await headOf(follower)).number),
      )

      // The relay back on the same port; each tab the user looks at again (its visibilitychange)
      // links to it at once, and both stay linked to each other.
      relay = await startRelayProcess({ port })
      await miner.bringToFront()
      await expect(miner.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected')
      await follower.bringToFront()
      await expect(follower.getByTestId('relay-status')).toHaveAttribute('data-state', 'connected')
      await waitDirect(follower, idMiner, 1_000)
      await waitDirect(miner, idFollower, 1_000)
      await beaconArrives(miner, follower)
      await beaconArrives(follower, miner)
      await showsHealthy(follower)
    } finally {
      await stopRelayProcess(relay)
    }
  })
})

/**
 * Chrome's intensive wake-up throttling: a page hidden for 5 minutes has its chained timers (a timer set
 * from a timer's callback, five deep) run at most once a minute. `IntensiveWakeUpThrottling`'s
 * `grace_period_seconds` brings those 5 minutes down to `GRACE_S`, so a test sees it within seconds.
 */
const GRACE_S = 5

/** Starts a chain of 200 ms timers in `page`, each set from the last one's callback. */
const startTimerChain = (page: Page): Promise<void> =>
  page.evaluate(() => {
    const steps = [performance.now()]
    Object.assign(globalThis, { timerChain: steps })
    const step = (): void => {
      steps.push(performance.now())
      setTimeout(step, 200)
    }
    setTimeout(step, 200)
  })

/** How many steps of `page`'s timer chain ran in the last `ms` milliseconds. */
const timerStepsWithin = (page: Page, ms: number): Promise<number> =>
  page.evaluate((span) => {
    const since = performance.now() - span
    return ((globalThis as { timerChain?: number[] }).timerChain ?? []).filter((t) => t > since).length
  }, ms)

test.describe('a tab hidden past Chrome’s intensive throttling', () => {
  const tabs = realTabsEachTest([
    `--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/${GRACE_S}`,
  ])

  test('hidden while its peer mines and pays it: its link stays, it keeps up, and the payment shows once shown', async () => {
    test.setTimeout(120_000)
    // A devnet account no other test of this file spends from.
    const payer = mnemonicToAccount('test test test test test test test test test test test junk', {
      addressIndex: 8,
    })
    let address = ''
    const { miner, follower, idMiner, idFollower } = await twoTabs(tabs(), '?mine=0', async (page) => {
      address = await createWallet(page)
    })
    expect(await visibility(follower)).toBe('hidden')
    await startTimerChain(follower)
    // A page with no WebRTC connection, hidden as long: the throttling's witness. Of another site
    // (localhost), so it runs in a renderer process of its own, not on a node tab's main thread.
    const plain = await tabs().newPage()
    await plain.goto(`${base.replace('127.0.0.1', 'localhost')}/api/relay`)
    await startTimerChain(plain)
    await miner.bringToFront()
    const plainHidAt = Date.now()
    expect(await visibility(plain)).toBe('hidden')

    // Past the grace period, the miner pays the hidden tab; the block paying it reaches it, hidden.
    const linkedBy = Date.now()
    await miner.waitForTimeout((GRACE_S + 3) * 1_000)
    const paidIn = await minedIn(miner, await pay(miner, payer, address))
    try {
      await holds(follower, paidIn, 10_000)
    } catch (err) {
      throw new Error(`${String(err)}\nfollower: ${await nodeReport(follower, idMiner)}`)
    }
    expect(await balanceOf(follower, address)).toBe('0x22b1c8c1227a0000')
    expect(await visibility(follower)).toBe('hidden')
    // Over the link it had before: not dropped and made again meanwhile.
    const links = (await connectionsTo(follower, idMiner)).filter((c) => c.direct)
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(link.opened).toBeLessThanOrEqual(linkedBy)

    // Throttling was in force: over 8 s well past the grace period, the plain page's timer chain ran at
    // most once (one wake-up a minute), while the node's tab, hidden longer but with its WebRTC link open
    // (which Chrome exempts), still ran it about once a second: 6 times in an 8 s stretch, which one
    // wake-up a minute never gives. Waited for rather than read once: on a loaded machine the node tab's
    // busy main thread can delay a few wake-ups of any one stretch.
    await miner.waitForTimeout(Math.max(0, plainHidAt + (GRACE_S + 12) * 1_000 - Date.now()))
    expect(await timerStepsWithin(plain, 8_000)).toBeLessThanOrEqual(1)
    await expect
      .poll(() => timerStepsWithin(follower, 8_000), { timeout: 30_000, intervals: [500] })
      .toBeGreaterThanOrEqual(6)
    expect(await visibility(follower)).toBe('hidden')

    // Shown again: linked, at the head, and its wallet shows the payment.
    await follower.bringToFront()
    expect(await visibility(follower)).toBe('visible')
    await waitDirect(miner, idFollower, 1_000)
    await expect(follower.getByTestId('selected-balance')).toHaveText(/^2\.5 TAB( · ✓ verified at #\d+)?$/)
    await follower.getByTestId('tab-activity').click()
    const paid = follower.getByTestId('activity').locator('li').first()
    await expect(paid).toHaveAttribute('data-direction', 'received')
    await expect(paid).toContainText(
      `Received 2.5 TAB from ${payer.address.slice(0, 4)}…${payer.address.slice(-2)}`,
    )
    await follower.getByRole('link', { name: 'Tabchain overview' }).click()
    await settle(miner, follower)
    await showsHealthy(follower)
  })

  test('hidden with no peer past the grace period: a tab that opens links to it within seconds, and its payment shows once shown', async () => {
    test.setTimeout(120_000)
    const payer = mnemonicToAccount('test test test test test test test test test test test junk', {
      addressIndex: 9,
    })
    let address = ''
    const { lone, idLone } = await loneHidden(tabs(), base, async (page) => {
      address = await createWallet(page)
    })

    // A tab opens, mines, and pays the hidden tab.
    const miner = await tabs().newPage()
    const openedAt = Date.now()
    const idMiner = await openNode(miner, `${base}/?mine=1`)
    await miner.bringToFront()
    const hash = await pay(miner, payer, address)

    // The hidden tab links to it within seconds.
    await linkedWithin(lone, idMiner, openedAt, 15_000)
    expect(await visibility(lone)).toBe('hidden')
    const paid = await minedIn(miner, hash)
    // Still hidden, it holds the block paying it.
    await expect
      .poll(
        async () =>
          (await lone.evaluate((n) => window.tabchain?.node.api.block(BigInt(n)), paid.number))?.hash,
        {
          timeout: 15_000,
          intervals: [250],
        },
      )
      .toBe(paid.hash)
    expect(await visibility(lone)).toBe('hidden')

    // Shown: the payment is there at once.
    await lone.bringToFront()
    await expect(lone.getByTestId('selected-balance')).toHaveText(/^2\.5 TAB( · ✓ verified at #\d+)?$/, {
      timeout: 2_000,
    })
    await waitDirect(miner, idLone, 1_000)
  })

  test('hidden with no peer while the relay stops and starts again: back on the relay when it said it would retry, and linked to a tab that opens', async () => {
    test.setTimeout(120_000)
    // A relay (and app server) of this test's own, on a port no other test of this file uses.
    const port = Number(process.env.E2E_PORT ?? 4310) + 8
    const origin = `http://127.0.0.1:${port}`
    const relay = await startRelayProcess({ port })
    // Its return, started ahead (seconds on a loaded machine), out of the tab's reach until the forwarder
    // opens on the port (relayToComeBack): then it is back in milliseconds. Not started while the tab
    // hides: twice, with it starting then, the plain page's timers were not throttled in the hidden wait.
    let back: RelayToComeBack | undefined
    try {
      back = await relayToComeBack(port)
      const { lone, idLone } = await loneHidden(
        tabs(),
        origin,
        async () => {},
        async () => {
          await stopRelayProcess(relay)
        },
      )
      // The relay's loss is told by its socket closing; how soon the test sees it is the machine's load.
      await expect.poll(async () => (await relayOf(lone))?.state, { timeout: 30_000 }).toBe('unreachable')
      await noteRelaySteps(lone)
      await back.open()
      const backAt = Date.now()
      // The attempt its header announces ("retrying in n s") comes when it said, though the tab is
      // hidden, and reaches the relay: judged by when that attempt began, in the tab's own clock (how
      // long the connection then takes is the machine's load, not the tab's promise).
      const retryAt = (await relaySteps(lone))[0]?.retryAt ?? backAt
      note('relay retry due after it was back, ms', retryAt - backAt)
      await expect
        .poll(async () => (await relayOf(lone))?.state, {
          timeout: Math.max(0, retryAt - Date.now()) + 30_000,
          intervals: [250],
        })
        .toBe('connected')
      const steps = await relaySteps(lone)
      expect(steps.map((s) => s.state)).toEqual(['unreachable', 'connecting', 'connected'])
      const began = steps[1]?.at ?? Number.POSITIVE_INFINITY
      note('attempt began after its retry was due, ms', began - retryAt)
      expect(began).toBeLessThan(retryAt + 5_000)
      note('back on the relay after it was back, ms', Date.now() - backAt)
      expect(await visibility(lone)).toBe('hidden')

      // A tab opens: the hidden one links to it within seconds.
      const other = await tabs().newPage()
      const openedAt = Date.now()
      const idOther = await openNode(other, `${origin}/?mine=0`)
      await other.bringToFront()
      await linkedWithin(lone, idOther, openedAt, 15_000)
      expect(await visibility(lone)).toBe('hidden')
      await waitDirect(other, idLone, 1_000)
    } finally {
      await back?.stop()
      await stopRelayProcess(relay)
    }
  })
})

/** Records a figure the test measured in its report (Playwright's annotations). */
const note = (what: string, value: number): void => {
  test.info().annotations.push({ type: what, description: String(Math.round(value)) })
}

/** `page`'s relay status, as its network host has it. */
const relayOf = (page: Page): Promise<RelayStatus | undefined> =>
  page.evaluate(() => window.tabchain?.network.snapshot().relay)

/**
 * Waits until `page` has a direct link to `peerId`, asking from here (a throttled page would poll itself
 * late); fails `timeoutMs` after `since`, and notes how long after `since` the link came.
 */
async function linkedWithin(page: Page, peerId: string, since: number, timeoutMs: number): Promise<void> {
  try {
    await expect
      .poll(async () => (await connectionsTo(page, peerId)).some((c) => c.direct && !c.limited), {
        timeout: Math.max(0, since + timeoutMs - Date.now()),
        intervals: [100],
      })
      .toBe(true)
  } catch (err) {
    throw new Error(`${String(err)}\nhidden tab: ${await nodeReport(page, peerId)}`)
  }
  note('hidden tab linked after the other tab began opening, ms', Date.now() - since)
}

/**
 * A node's tab open alone in `context` (set up by `prepare` while in front), then hidden behind a plain
 * page of another site (so of another renderer) and that behind a third, past the grace period.
 * `whileHidden` runs just after it is hidden. The plain page's timer chain, hidden as long, is checked to
 * have stopped (the throttling in force, so a test of it cannot pass without it); the node tab's own
 * chain is noted: Chromium 150 let it run about once a second in most runs, and stopped it in some, for
 * reasons not pinned down (docs/ARCHITECTURE.md). The node has no peer meanwhile.
 */
async function loneHidden(
  context: BrowserContext,
  origin: string,
  prepare: (page: Page) => Promise<void>,
  whileHidden: () => Promise<void> = async () => {},
): Promise<{ lone: Page; idLone: string }> {
  const lone = await context.newPage()
  const idLone = await openNode(lone, `${origin}/?mine=0`)
  await prepare(lone)
  const plain = await context.newPage()
  await plain.goto(`${base.replace('127.0.0.1', 'localhost')}/api/relay`)
  const hidAt = Date.now()
  expect(await visibility(lone)).toBe('hidden')
  await whileHidden()
  for (const page of [lone, plain]) await startTimerChain(page)
  const cover = await context.newPage()
  await cover.goto(`${base.replace('127.0.0.1', 'localhost')}/api/relay`)
  await cover.bringToFront()
  await cover.waitForTimeout(Math.max(0, hidAt + (GRACE_S + 12) * 1_000 - Date.now()))
  expect(await timerStepsWithin(plain, 8_000)).toBeLessThanOrEqual(1)
  note('hidden node tab timer steps in 8 s', await timerStepsWithin(lone, 8_000))
  expect((await lone.evaluate(() => window.tabchain?.network.snapshot().peers)) ?? []).toEqual([])
  return { lone, idLone }
}
