import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import type { Hex } from 'viem'
import { build } from 'vite'
import { genesisBlock, hashBlock } from '../src/node/chain/block'
import { Chain } from '../src/node/chain/chain'
import { devnetGenesis, validateGenesis } from '../src/node/chain/genesis'
import type { Block, Header } from '../src/node/chain/types'
import { databaseName } from '../src/node/storage/idb-repository'
import type { HeadRecord } from '../src/node/storage/types'
import {
  closedProfile,
  crashTab,
  FAST_URL,
  openNode,
  profileOf,
  reopenProfile,
  tabCrasher,
  waitDirect,
  waitInPage,
} from './helpers'
import { createWallet, unlockWallet } from './market-steps'

/** The fast test chain the second server runs (`FAST_URL`). */
const FAST_GENESIS = validateGenesis(JSON.parse(readFileSync('e2e/fixtures/fast-genesis.json', 'utf8')))

/** The name of a profile's chain database for `genesis`. */
function chainDatabase(profileId: string, genesis = devnetGenesis): string {
  return databaseName(profileId, {
    chainId: genesis.params.chainId,
    genesisHash: hashBlock(genesisBlock(genesis)),
  })
}

/** What a profile's database holds, read raw from the page (bigints carried as `"123n"`). */
interface StoredChain {
  readonly head: HeadRecord | undefined
  readonly canonical: Map<bigint, Hex>
  readonly headers: Map<string, { hash: Hex; header: Header; totalDifficulty: bigint }>
  readonly bodies: Map<string, { transactions: Hex[]; txHashes: Hex[] }>
  /** Receipts stored per block hash. */
  readonly receiptCounts: Map<string, number>
}

async function readStoredChain(page: Page, profileId: string, genesis = devnetGenesis): Promise<StoredChain> {
  const json = await page.evaluate(
    async (name) => {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open(name)
        r.onsuccess = () => ok(r.result)
        r.onerror = () => fail(r.error)
      })
      const tx = db.transaction(['meta', 'canonical', 'headers', 'bodies', 'receipts'], 'readonly')
      const requests: IDBRequest[] = [
        tx.objectStore('meta').get('head'),
        tx.objectStore('canonical').getAllKeys(),
        tx.objectStore('canonical').getAll(),
        tx.objectStore('headers').getAll(),
        tx.objectStore('bodies').getAllKeys(),
        tx.objectStore('bodies').getAll(),
        tx.objectStore('receipts').getAllKeys(),
      ]
      const results = await Promise.all(
        requests.map(
          (r) =>
            new Promise((ok, fail) => {
              r.onsuccess = () => ok(r.result)
              r.onerror = () => fail(r.error)
            }),
        ),
      )
      db.close()
      return JSON.stringify(results, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value))
    },
    chainDatabase(profileId, genesis),
  )
  const [head, canonicalKeys, canonicalHashes, headers, bodyKeys, bodies, receiptKeys] = JSON.parse(
    json,
    (_key, value) => (typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value),
  ) as [
    HeadRecord | undefined,
    number[],
    Hex[],
    { hash: Hex; header: Header; totalDifficulty: bigint }[],
    string[],
    { transactions: Hex[]; txHashes: Hex[] }[],
    [string, number][],
  ]
  const receiptCounts = new Map<string, number>()
  for (const [blockHash] of receiptKeys) receiptCounts.set(blockHash, (receiptCounts.get(blockHash) ?? 0) + 1)
  return {
    head,
    canonical: new Map(canonicalKeys.map((n, i) => [BigInt(n), canonicalHashes[i] as Hex])),
    headers: new Map(headers.map((row) => [row.hash.toLowerCase(), row])),
    bodies: new Map(bodyKeys.map((key, i) => [key, bodies[i] as { transactions: Hex[]; txHashes: Hex[] }])),
    receiptCounts,
  }
}

/**
 * Checks a stored chain the way a fresh node would: every stored block (canonical or not) is whole
 * (header, body, one receipt per transaction) and passes full validation — proof of work, linkage,
 * execution, state, transactions and receipts roots — when imported in order into a new chain; the
 * canonical index has no gap; the stored head is the last canonical block and the heaviest one.
 * Returns the head's number.
 */
function checkStoredChain(stored: StoredChain, genesis = devnetGenesis): bigint {
  const head = stored.head
  if (head === undefined) throw new Error('no stored head')
  const chain = new Chain({ genesis })
  const now = BigInt(Date.now())
  const blockOf = (hash: string): Block => {
    const header = stored.headers.get(hash)
    const body = stored.bodies.get(hash)
    if (header === undefined || body === undefined) throw new Error(`block ${hash} is not whole`)
    expect(stored.receiptCounts.get(hash) ?? 0, `receipts of ${hash}`).toBe(body.txHashes.length)
    return { header: header.header, transactions: body.transactions }
  }
  expect(stored.canonical.get(0n)).toBe(chain.genesisHash)
  expect([...stored.canonical.keys()].sort((a, b) => Number(a - b))).toEqual(
    Array.from({ length: Number(head.number) + 1 }, (_, i) => BigInt(i)),
  )
  for (let n = 1n; n <= head.number; n++) {
    const hash = stored.canonical.get(n) as Hex
    const block = blockOf(hash)
    expect(hashBlock(block)).toBe(hash)
    expect(chain.importBlock(block, now).kind, `canonical block ${n}`).toBe('extended')
  }
  expect(chain.head.hash).toBe(head.hash)
  expect(chain.head.totalDifficulty).toBe(head.totalDifficulty)
  // Side blocks (lost races) are whole and valid too, and none outweighs the stored head.
  const side = [...stored.bodies.keys()].filter(
    (hash) => !chain.isCanonical(hash as Hex) && chain.getBlock(hash as Hex) === undefined,
  )
  side.sort((a, b) =>
    Number((stored.headers.get(a)?.header.number ?? 0n) - (stored.headers.get(b)?.header.number ?? 0n)),
  )
  for (const hash of side) {
    const block = blockOf(hash)
    expect(hashBlock(block)).toBe(hash)
    expect(chain.importBlock(block, now).kind, `side block ${hash}`).toBe('side')
  }
  return head.number
}

const headOf = (page: Page) =>
  page.evaluate(async () => {
    const h = await window.tabchain?.node.api.head()
    return h === undefined ? null : { number: Number(h.number), hash: h.hash }
  })

const waitHeadAbove = (page: Page, n: number) =>
  waitInPage(
    page,
    async (above) => Number((await window.tabchain?.node.api.head())?.number ?? -1) > above,
    n,
    {
      timeout: 120_000,
    },
  )

test('a tab crashed mid-mining reopens with a consistent chain, three times over', async ({ browser }) => {
  test.setTimeout(420_000)
  const context = await browser.newContext()
  try {
    let page = await context.newPage()
    await openNode(page, '/?mine=1')
    const profileId = await profileOf(page)
    let resumed = 0
    for (let round = 0; round < 3; round++) {
      // Mine a few blocks past where this round started, then crash while the miner keeps going.
      await waitHeadAbove(page, resumed + 1)
      const early = (await headOf(page))?.number ?? 0
      // Two more blocks: the early one's commit has long been handed to IndexedDB.
      await waitHeadAbove(page, early + 1)
      await page.waitForTimeout(Math.floor(Math.random() * 400))
      await crashTab(page)

      // Not mining, no peer: whatever head it shows comes from the crashed tab's database.
      page = await reopenProfile(context, profileId, '&mine=0')
      const stored = await readStoredChain(page, profileId)
      const storedNumber = checkStoredChain(stored)
      expect(storedNumber).toBeGreaterThanOrEqual(BigInt(early))
      expect(await headOf(page)).toEqual({ number: Number(storedNumber), hash: stored.head?.hash })
      // The node goes on mining from the stored head.
      await page.evaluate(() => window.tabchain?.node.api.setMining(true))
      resumed = Number(storedNumber)
      await waitHeadAbove(page, resumed)
    }
  } finally {
    await context.close()
  }
})

test('a tab crashed while it syncs from a peer reopens with a consistent chain and catches up, twice over', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const [ctxA, ctxB] = [await browser.newContext(), await browser.newContext()]
  try {
    // A mines 4,000 blocks of the fast test chain, then stops: the chain B syncs, in full mode, block by
    // block (a few hundred a second here), its imports written in merged commits. Its head moves by a
    // range at a time (up to 512 blocks): each crash comes 300 blocks past the last one's, leaving a
    // few ranges to go (with 3,000 and 500, a second round's head once passed its mark at A's head).
    const a = await ctxA.newPage()
    await openNode(a, `${FAST_URL}/?mine=1`)
    await waitHeadAbove(a, 4_000)
    await a.evaluate(() => window.tabchain?.node.api.setMining(false))
    const target = await headOf(a)
    let b = await ctxB.newPage()
    await openNode(b, `${FAST_URL}/?mine=0&mode=full`)
    const profileId = await profileOf(b)
    let stored = 0n
    for (let round = 0; round < 2; round++) {
      await waitHeadAbove(b, Number(stored) + 300)
      // Still syncing when it crashes.
      expect((await headOf(b))?.number).toBeLessThan(target?.number ?? 0)
      await new Promise((r) => setTimeout(r, Math.random() * 300))
      await crashTab(b)
      b = await reopenProfile(ctxB, profileId, '&mine=0&mode=full', FAST_URL)
      // Whatever the crash cut, the stored chain is whole and valid block by block, and no shorter than
      // what the last round found (B goes on syncing meanwhile: one read transaction sees one state).
      const now = checkStoredChain(await readStoredChain(b, profileId, FAST_GENESIS), FAST_GENESIS)
      expect(now).toBeGreaterThanOrEqual(stored)
      stored = now
    }
    // B ends on A's head, every block executed again: its state is A's.
    await expect.poll(() => headOf(b), { timeout: 120_000, intervals: [500] }).toEqual(target)
  } finally {
    await ctxA.close()
    await ctxB.close()
  }
})

test('a tab crashed while its wallet saves reopens to a wallet that unlocks, the change whole or absent, three times over', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const context = await browser.newContext()
  try {
    let page = await context.newPage()
    await openNode(page, '/?mine=0')
    const profileId = await profileOf(page)
    const address = await createWallet(page)
    let count = 1
    for (let round = 0; round < 3; round++) {
      // Adding an account derives its key and writes the wallet record, in a few ms: crash at a random
      // point around it — before the click lands, during the write, or after.
      const crash = await tabCrasher(page)
      const clicked = page
        .getByTestId('add-account')
        .click()
        .catch(() => {})
      await new Promise((r) => setTimeout(r, Math.random() * 150))
      await crash()
      await clicked
      page = await reopenProfile(context, profileId, '&mine=0')
      await unlockWallet(page)
      await expect(page.getByTestId('selected-address')).toHaveText(new RegExp(address, 'i'))
      const now = await page.getByTestId('accounts').locator('li').count()
      expect([count, count + 1]).toContain(now)
      count = now
    }
  } finally {
    await context.close()
  }
})

test('the storage compliance suite passes on real IndexedDB in a Chromium worker', async ({ page }) => {
  test.setTimeout(180_000)
  const root = resolve(import.meta.dirname, '..')
  const dir = await mkdtemp(join(tmpdir(), 'tabchain-compliance-'))
  try {
    // The Vitest suite, bundled for the browser with its three Vitest functions mapped onto chai.
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      resolve: { alias: { vitest: join(root, 'e2e', 'compliance', 'vitest-shim.ts') } },
      build: {
        outDir: dir,
        emptyOutDir: true,
        target: 'es2022',
        reportCompressedSize: false,
        rollupOptions: {
          input: join(root, 'e2e', 'compliance', 'worker.ts'),
          output: { format: 'es', entryFileNames: 'worker.js' },
        },
      },
    })
    const code = await readFile(join(dir, 'worker.js'), 'utf8')
    // A blank page of the app's origin, without the app's Content-Security-Policy (which allows no
    // blob: worker): the worker is made from the bundle's text.
    await page.route('**/compliance.html', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>compliance</title>' }),
    )
    await page.goto('/compliance.html')
    const results = await page.evaluate(
      (source) =>
        new Promise<{ name: string; error?: string }[]>((ok, fail) => {
          const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
          const worker = new Worker(url, { type: 'module' })
          worker.onmessage = (e) => {
            worker.terminate()
            ok(e.data)
          }
          worker.onerror = (e) => fail(new Error(e.message))
        }),
      code,
    )
    expect(results.filter((r) => r.error !== undefined)).toEqual([])
    // Every test of the suite ran (the Node runs count them too).
    expect(results.length).toBeGreaterThanOrEqual(14)
    expect(results.map((r) => r.name)).toContain(
      'NodeRepository compliance: IndexedDB (Chromium worker) › a commit that fails part-way leaves the previous head and no part of the block',
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a full quota stops saving with a clear banner; the saved chain stays consistent, the wallet intact', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(300_000)
  const origin = new URL(baseURL ?? '').origin
  const context = await browser.newContext()
  try {
    let page = await context.newPage()
    await openNode(page, '/?mine=1')
    const profileId = await profileOf(page)
    const address = await createWallet(page)
    await waitHeadAbove(page, 2)
    await expect(page.getByTestId('storage-fault')).toHaveCount(0)
    // Leave room for a few more blocks only (DevTools' quota override, as RELIABILITY.md plans).
    const cdp = await context.newCDPSession(page)
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 50_000 })
    const banner = page.getByTestId('storage-fault')
    await expect(banner).toBeVisible({ timeout: 180_000 })
    await expect(banner).toHaveAttribute('data-code', 'STORAGE_QUOTA_EXCEEDED')
    await expect(banner).toContainText('storage for the app is full')
    // The node goes on in memory.
    const atFault = (await headOf(page))?.number ?? 0
    await waitHeadAbove(page, atFault)
    await page.evaluate(() => window.tabchain?.node.api.setMining(false))
    expect(await page.evaluate(async () => (await window.tabchain?.node.api.storage())?.fault?.code)).toBe(
      'STORAGE_QUOTA_EXCEEDED',
    )
    const inMemory = (await headOf(page))?.number ?? 0
    // A wallet change cannot be saved either: refused with a clear error, the wallet as it was.
    await page.getByRole('button', { name: 'Rename', exact: true }).click()
    await page.getByLabel('Account name').fill('Savings')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expect(page.getByRole('alert').filter({ hasText: 'wallet could not be saved' })).toContainText(
      "the wallet could not be saved and is unchanged: this browser's storage for the app is full",
    )

    // Space again (override lifted), same profile: the saved chain is whole and valid, and ends before
    // the blocks that were refused.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin })
    await page.close()
    page = await reopenProfile(context, profileId, '&mine=0')
    const stored = await readStoredChain(page, profileId)
    const storedNumber = checkStoredChain(stored)
    expect(storedNumber).toBeGreaterThanOrEqual(2n)
    expect(storedNumber).toBeLessThan(BigInt(inMemory))
    expect(await headOf(page)).toEqual({ number: Number(storedNumber), hash: stored.head?.hash })
    await expect(page.getByTestId('storage-fault')).toHaveCount(0)
    // The wallet is intact: it unlocks to the same account, under its old name.
    await unlockWallet(page)
    await expect(page.getByTestId('selected-address')).toHaveText(new RegExp(address, 'i'))
    await expect(page.locator('.account__name').first()).toHaveText('Account 1')
  } finally {
    await context.close()
  }
})

test("a tab whose database another connection upgrades stops saving and says why, without blaming the device's space", async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const ctx = await browser.newContext()
  try {
    const page = await ctx.newPage()
    await openNode(page, '/?mine=1')
    const profileId = await profileOf(page)
    await waitHeadAbove(page, 1)
    // A newer schema opened elsewhere (a tab of a newer version of the app): the node's connection
    // steps aside for the upgrade, and its next write finds the database closed.
    const other = await ctx.newPage()
    await other.goto('/api/relay')
    await other.evaluate(
      (name) =>
        new Promise<void>((ok, fail) => {
          const probe = indexedDB.open(name)
          probe.onerror = () => fail(probe.error)
          probe.onsuccess = () => {
            const version = probe.result.version
            probe.result.close()
            const newer = indexedDB.open(name, version + 1)
            newer.onerror = () => fail(newer.error)
            newer.onsuccess = () => {
              newer.result.close()
              ok()
            }
          }
        }),
      chainDatabase(profileId),
    )
    const banner = page.getByTestId('storage-fault')
    await expect(banner).toHaveAttribute('data-code', 'STORAGE_CLOSED', { timeout: 120_000 })
    await expect(banner).toContainText('closed this tab’s database')
    await expect(banner).not.toContainText('Free up space')
    await expect(banner).toContainText('reload')
  } finally {
    await ctx.close()
  }
})

test('a tab whose node start is held by another connection says so, and goes on once it is let go', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const ctx = await browser.newContext()
  try {
    const profileId = await closedProfile(ctx)
    // Another page holds the chain database open and asks to delete it: the delete waits for that
    // connection, which never steps aside, and the worker's open waits behind the delete, with neither
    // 'ready' nor an error.
    const holder = await ctx.newPage()
    await holder.goto('/api/relay')
    await holder.evaluate(
      (name) =>
        new Promise<void>((ok, fail) => {
          const r = indexedDB.open(name)
          r.onerror = () => fail(r.error)
          r.onsuccess = () => {
            // Kept referenced: a connection collected as garbage closes.
            Object.assign(globalThis, { held: r.result })
            const gone = indexedDB.deleteDatabase(name)
            gone.onerror = () => fail(gone.error)
            gone.onblocked = () => ok()
          }
        }),
      chainDatabase(profileId),
    )
    const page = await ctx.newPage()
    await page.goto(`/?profile=${profileId}&mine=0`)
    await expect(page.getByTestId('node-slow')).toBeVisible({ timeout: 60_000 })
    await expect(page.getByTestId('node-slow')).toContainText('has not started')
    // Let go: the start was only held, not ended, and the page carries on.
    await holder.close()
    await page.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 30_000 })
    await expect(page.getByTestId('node-slow')).toHaveCount(0)
  } finally {
    await ctx.close()
  }
})

test('a tab whose node cannot open its database says why; a peer asking it gets a refusal at once, not a wait', async ({
  browser,
}) => {
  const [ctxF, ctxP] = [await browser.newContext(), await browser.newContext()]
  try {
    // A profile, then its chain database taken to a layout version this app does not know.
    const first = await ctxF.newPage()
    await openNode(first, '/?mine=0')
    const [profileId, idF] = [
      await profileOf(first),
      await first.evaluate(() => window.tabchain?.network.peerId),
    ]
    await first.close()
    const probe = await ctxF.newPage()
    await probe.goto('/api/relay')
    await probe.evaluate(
      (name) =>
        new Promise<void>((ok, fail) => {
          const r = indexedDB.open(name, 1_000_000)
          r.onsuccess = () => {
            r.result.close()
            ok()
          }
          r.onerror = () => fail(r.error)
        }),
      chainDatabase(profileId),
    )
    await probe.close()

    const failed = await ctxF.newPage()
    await failed.goto(`/?profile=${profileId}&mine=0`)
    await expect(failed.getByTestId('node-failed')).toBeVisible({ timeout: 30_000 })

    // Its page still reaches peers, and holds the wiring its worker sent before the database failed.
    const peer = await ctxP.newPage()
    await openNode(peer, '/?mine=0')
    await waitDirect(peer, idF ?? '', 15_000)
    const asked = await peer.evaluate(async (id) => {
      const start = performance.now()
      try {
        await window.tabchain?.node.api.queryPeer(id)
        return { answered: true, ms: performance.now() - start, code: '' }
      } catch (err) {
        const code = (err as { type?: { code?: string } }).type?.code ?? String(err)
        return { answered: false, ms: performance.now() - start, code }
      }
    }, idF ?? '')
    expect(asked.answered).toBe(false)
    expect(asked.code).not.toBe('NET_TIMEOUT')
    expect(asked.ms).toBeLessThan(4_000)
  } finally {
    await ctxF.close()
    await ctxP.close()
  }
})

test("the Home storage card says the browser keeps the data as soon as it grants the page's late request", async ({
  playwright,
  launchOptions,
  baseURL,
}) => {
  // Playwright's browser.newContext() is incognito, where persist() is always refused: an on-disk
  // profile is one the browser may keep, and grants when the site holds the permission.
  const dir = await mkdtemp(join(tmpdir(), 'tabchain-persist-'))
  const context = await playwright.chromium.launchPersistentContext(dir, {
    ...launchOptions,
    ...(baseURL === undefined ? {} : { baseURL }),
  })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    // The browser answers the page's persist() only once the card has read the storage (released below).
    await page.addInitScript(() => {
      const persist = navigator.storage.persist.bind(navigator.storage)
      let release: () => void = () => {}
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      Object.assign(window, { releasePersist: () => release() })
      navigator.storage.persist = () => released.then(persist)
    })
    await openNode(page, '/?mine=0')
    const card = page.getByTestId('storage')
    await expect(card).toContainText(/\d+(\.\d)? (B|KB|MB)/)
    await expect(card).not.toContainText('kept by the browser')
    const cdp = await context.newCDPSession(page)
    await cdp.send('Browser.grantPermissions', {
      origin: new URL(page.url()).origin,
      permissions: ['durableStorage'],
    })
    await page.evaluate(() => (window as unknown as { releasePersist: () => void }).releasePersist())
    // No block is mined and no peer links (no other tab): only the answer itself can make the card read
    // the storage again, however long a loaded machine takes to show it.
    await expect(card).toContainText('kept by the browser', { timeout: 30_000 })
  } finally {
    await context.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('a browser that denies the site localStorage and sessionStorage (site data blocked): the page starts, runs its node and says once that nothing is kept past this page', async ({
  page,
}) => {
  test.setTimeout(120_000)
  await page.addInitScript(() => {
    for (const name of ['localStorage', 'sessionStorage'])
      Object.defineProperty(window, name, {
        configurable: true,
        get: () => {
          throw new DOMException(`Failed to read the '${name}' property from 'Window'`, 'SecurityError')
        },
      })
  })
  const peerId = await openNode(page, '/?mine=0')
  expect(peerId).not.toBe('')
  const denied = page.getByTestId('storage-denied')
  await expect(denied).toContainText(
    'This browser does not let this site keep data, so your settings, trade approvals and activity last only until this page closes',
  )
  await expect(denied).toContainText('SecurityError')
  // The Mode card's pin holds for the page (nothing refuses it: it is held in memory).
  await expect(page.getByTestId('node-mode')).toBeVisible({ timeout: 60_000 })
  await denied.getByRole('button', { name: 'Dismiss' }).click()
  await expect(denied).toHaveCount(0)
})
