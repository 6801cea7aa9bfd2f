import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { nodeReport, waitDirect, waitInPage } from './helpers'

/**
 * Issue 7's end-to-end test: a tab joins a peer holding a 2,000-block chain. This spec runs its own
 * server (the app and relay, on E2E_PORT + 4 and + 5) on a "wide" test chain: the fast genesis of
 * e2e/fixtures with 3,000 more funded accounts, so the state takes more than one snapshot chunk
 * (≈ 6,000 tree nodes; a chunk stops at 4,096) and a reload can land between two of them.
 */
const PORT = Number(process.env.E2E_PORT ?? 4310) + 4
const WIDE_URL = `http://127.0.0.1:${PORT}`
const ACCOUNTS = 3_000
const BLOCKS = 2_000n
/** A devnet account the chain never touches (not the miner's): its balance is the same at every height. */
const WATCHED = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

let server: ChildProcess | undefined
let dir: string | undefined

test.beforeAll(async () => {
  test.setTimeout(90_000)
  const fast = JSON.parse(readFileSync('e2e/fixtures/fast-genesis.json', 'utf8')) as {
    params: Record<string, unknown>
    alloc: { address: string; balance: string }[]
  }
  const wide = {
    ...fast,
    name: 'tabchain-e2e-wide',
    params: { ...fast.params, chainId: 31417 },
    alloc: [
      ...fast.alloc,
      ...Array.from({ length: ACCOUNTS }, (_, i) => ({
        address: `0x${(0xe2e00000 + i).toString(16).padStart(40, '0')}`,
        balance: String(i + 1),
      })),
    ],
  }
  dir = mkdtempSync(join(tmpdir(), 'tabchain-auto-'))
  const file = join(dir, 'wide-genesis.json')
  writeFileSync(file, JSON.stringify(wide))
  server = spawn(
    process.execPath,
    [
      '--import',
      './relay/polyfill.mjs',
      '--import',
      'tsx',
      'relay/main.ts',
      '--port',
      String(PORT),
      '--ws-port',
      String(PORT + 1),
      '--genesis',
      file,
    ],
    { stdio: 'ignore' },
  )
  const deadline = Date.now() + 60_000
  for (;;) {
    const up = await fetch(`${WIDE_URL}/api/relay`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (Date.now() > deadline) throw new Error('the wide-chain server did not start')
    await new Promise((r) => setTimeout(r, 250))
  }
})

test.afterAll(() => {
  server?.kill()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** `openNode` with more patience: each tab builds the wide genesis state first, on a loaded machine. */
async function open(page: Page, url: string): Promise<string> {
  await page.goto(url)
  await page.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 90_000 })
  return page.evaluate(() => window.tabchain?.network.peerId ?? '')
}

const nodeMode = (page: Page) =>
  page.evaluate(async () => {
    const m = await window.tabchain?.node.api.mode()
    return { kind: m?.kind ?? 'none', percent: m?.kind === 'upgrading' ? m.percent : -1 }
  })

/** The home screen's balance card shows a value verified at a header near the chain's head. */
async function provenNearHead(page: Page): Promise<void> {
  const card = page.getByTestId('verified-balance')
  await expect
    .poll(async () => Number((await card.getAttribute('data-number')) || -1), {
      timeout: 60_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(Number(BLOCKS) - 2)
  await expect(card).toHaveAttribute('data-verified', 'true')
}

const stats = (page: Page) =>
  page.evaluate(async () => {
    const s = await window.tabchain?.node.api.stats()
    return {
      nodes: s?.snapshotNodes ?? -1,
      fetched: s?.snapshotNodesFetched ?? -1,
      headers: s?.headersVerified ?? -1,
      local: s?.proofsLocal ?? -1,
    }
  })

test('a tab joining a 2,000-block chain shows a proven balance, upgrades to full across a reload, and matches the peer', async ({
  browser,
}) => {
  test.setTimeout(480_000)
  const [ctxPeer, ctxJoin] = [await browser.newContext(), await browser.newContext()]
  try {
    const peer = await ctxPeer.newPage()
    const idPeer = await open(peer, `${WIDE_URL}/?mode=full`)
    // The peer mines the chain (difficulty 2: the blocks cost little more than their import).
    await waitInPage(
      peer,
      async (n) => ((await window.tabchain?.node.api.head())?.number ?? 0n) >= BigInt(n),
      Number(BLOCKS),
      { timeout: 360_000, interval: 500 },
    )
    await peer.evaluate(() => window.tabchain?.node.api.setMining(false))
    const watched = await peer.evaluate(
      async (a) => (await window.tabchain?.node.api.account(a as `0x${string}`))?.balance.toString(),
      WATCHED,
    )

    const join = await ctxJoin.newPage()
    await open(join, `${WIDE_URL}/?mine=0`)
    // Until the reload, each snapshot chunk this tab asks for leaves 1.5 s late (the page's network host
    // serves the worker's calls by name, so devtools can wrap one): the reload lands between chunks.
    await join.evaluate(() => {
      const net = window.tabchain?.network.api
      if (net === undefined) throw new Error('no network host')
      const request = net.request.bind(net)
      Object.assign(net, {
        request: async (peer: string, protocol: string, data: Uint8Array, timeoutMs?: number) => {
          if (protocol.includes('/sync-snapshot/')) await new Promise((r) => setTimeout(r, 1_500))
          return request(peer, protocol, data, timeoutMs)
        },
      })
    })
    await waitDirect(join, idPeer, 30_000)
    // A proof-verified balance while nothing is executed yet: the header k deep is near the peer's head,
    // far past what this node holds.
    const card = join.getByTestId('verified-balance')
    await provenNearHead(join).catch(async (err: unknown) => {
      throw new Error(`no proven balance near the head: ${await nodeReport(join, idPeer)}`, { cause: err })
    })
    const proven = await join.evaluate(async (a) => {
      const api = window.tabchain?.node.api
      if (api === undefined) throw new Error('no node')
      const r = await api.verifiedAccount(a as `0x${string}`)
      const mode = await api.mode()
      return {
        number: Number(r.number),
        balance: r.value.balance.toString(),
        mode: mode.kind,
        held: (await api.block(r.number)) !== null,
      }
    }, WATCHED)
    expect(proven.mode).not.toBe('full')
    expect(proven.held).toBe(false)
    expect(proven.number).toBeGreaterThanOrEqual(Number(BLOCKS) - 2)
    expect(proven.balance).toBe(watched)
    await expect(card).toContainText('verified at #')

    // Reload in the middle of the snapshot download (some nodes stored, the download share not done).
    await waitInPage(
      join,
      async () => {
        const api = window.tabchain?.node.api
        const m = await api?.mode()
        const s = await api?.stats()
        return m?.kind === 'upgrading' && m.percent < 60 && (s?.snapshotNodesFetched ?? 0) > 0
      },
      null,
      { timeout: 120_000, interval: 20 },
    )
    const before = await stats(join)
    await join.reload()
    await join.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 90_000 })
    await waitInPage(join, async () => (await window.tabchain?.node.api.mode())?.kind === 'full', null, {
      timeout: 180_000,
      interval: 200,
    })
    await expect(join.getByTestId('node-mode')).toHaveAttribute('data-mode', 'full')
    const after = await stats(join)
    // The reloaded tab fetched only what it had not stored: at most the tree less what was stored.
    expect(after.nodes).toBeGreaterThan(before.fetched)
    expect(after.fetched).toBeLessThanOrEqual(after.nodes - before.fetched)
    expect((await nodeMode(join)).kind).toBe('full')

    // Full: the same head and state root as the peer, and its own executed state answers.
    const peerHead = await peer.evaluate(async () => {
      const api = window.tabchain?.node.api
      const h = await api?.head()
      const b = h === undefined ? null : await api?.block(h.number)
      return { number: Number(h?.number ?? -1), hash: h?.hash, root: b?.stateRoot }
    })
    await waitInPage(
      join,
      async (hash) => (await window.tabchain?.node.api.head())?.hash === hash,
      peerHead.hash,
      { timeout: 60_000 },
    )
    const joined = await join.evaluate(async (a) => {
      const api = window.tabchain?.node.api
      const h = await api?.head()
      const b = h === undefined ? null : await api?.block(h.number)
      const r = await api?.verifiedAccount(a as `0x${string}`)
      return { root: b?.stateRoot, balance: r?.value.balance.toString(), number: Number(r?.number ?? -1) }
    }, WATCHED)
    expect(joined.root).toBe(peerHead.root)
    expect(joined).toMatchObject({ balance: watched, number: peerHead.number })
    await expect(card).toContainText(/as of block #[\d,]+, from this node’s own copy of the chain/)

    // A new tab of the peer's own browser (a new profile: nothing verified or executed yet) that cannot
    // link to any tab (its page can make no WebRTC offer, answer or description) still shows a verified balance
    // near the head: its headers start where the peer's node verified them (the browser's shared
    // headers), and the balance is proven from the state the peer's node stored in this browser.
    expect(before.headers).toBeGreaterThanOrEqual(Number(BLOCKS))
    const beside = await ctxPeer.newPage()
    await beside.addInitScript(() => {
      for (const method of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription'])
        Object.defineProperty(RTCPeerConnection.prototype, method, {
          value: () => Promise.reject(new Error('no WebRTC links in this test')),
        })
    })
    await open(beside, `${WIDE_URL}/?mine=0&profile=new`)
    await provenNearHead(beside)
    const besideRead = await beside.evaluate(async (a) => {
      const api = window.tabchain?.node.api
      const r = await api?.verifiedAccount(a as `0x${string}`)
      const links = window.tabchain?.network.connections() ?? []
      return {
        balance: r?.value.balance.toString(),
        verified: r?.verified,
        // WebRTC links to tabs (the relay's WebSocket is direct too).
        webrtc: links.filter((c) => c.address.includes('/webrtc')).length,
      }
    }, WATCHED)
    expect(besideRead).toEqual({ balance: watched, verified: true, webrtc: 0 })
    const besideStats = await stats(beside)
    expect(besideStats.local).toBeGreaterThanOrEqual(1)
    expect(besideStats.headers).toBe(0)
  } finally {
    await ctxPeer.close()
    await ctxJoin.close()
  }
})
