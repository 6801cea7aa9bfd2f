import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { devnetParams } from '../src/node/chain/genesis'
import { registerAppBench } from './app'
import { median, percentile } from './timing'
import type { BenchResult } from './types'

/**
 * Issue 6's benchmark: offer posted → both parties Completed, on the devnet genesis (2 s blocks, k = 3)
 * with both tabs mining as the app does by default, through the real app in two browser contexts
 * (worker nodes, libp2p/WebRTC, IndexedDB, the page's wallet signing every transaction). Wallets,
 * faucet payments and tokens are set up through the UI first, untimed; then each trade is driven through
 * the Market screen as a user would (post, approve; take, confirm, approve) and timed from the maker
 * node's `offers` event for the posted offer to the later of the two `swap` events reporting Completed.
 * Phases and their blocks come from the same events: the swap's steps carry the heights of the chain
 * facts (maker lock, taker lock, redeem revealing the secret, last redeem).
 */

const PASSWORD = 'correct horse battery'
/** A trade that is not Completed on both sides this long after its offer was posted counts as failed. */
const TRADE_TIMEOUT_MS = 240_000
/** Raw per-trade events (heads, pending transactions, swap steps), for reading where time went. */
const traceFile = (taker: 'full' | 'light'): string =>
  resolve(
    import.meta.dirname,
    '..',
    'test-results',
    taker === 'full' ? 'trade-trace.json' : 'trade-light-trace.json',
  )

/** The devnet's k (3) and target block time (2 s), which the app runs on. */
const K = devnetParams.confirmations
const BLOCK_S = devnetParams.targetBlockTimeMs / 1000

/**
 * Before the first trade the chain must run at its target interval: set-up keeps both pages busy, so
 * the miners hash slowly, and once it ends the blocks come several times too fast until the retarget
 * catches up (ASERT, half-life 8 blocks; a run that skipped this measured 0.4 s blocks for its first
 * trades). The trades start once the last `SETTLE_BLOCKS` blocks took at least `SETTLED` × the target
 * on average, or after `SETTLE_TIMEOUT_MS` (the figures then say how fast the blocks were).
 */
const SETTLE_BLOCKS = 16
const SETTLED = 0.85
const SETTLE_TIMEOUT_MS = 5 * 60_000

/** The swap states a completed trade passes, in order; the phases end at each of them. */
const PHASES = ['Accepted', 'MakerLocked', 'TakerLocked', 'SecretRevealed', 'Completed'] as const
type Phase = (typeof PHASES)[number]

/** What a page records of its node's events (numbers, so it crosses back to Node as JSON). */
interface PageLog {
  /** `gossip`: the block arrived from the peer (else this tab mined it). */
  heads: { n: number; at: number; gossip: boolean; txs: number | null }[]
  posted: { id: string; at: number; head: number }[]
  /** Takes agreed: the taker's node once the maker answered, the maker's once it accepted. */
  agreed: { id: string; at: number; head: number }[]
  pending: { hash: string; at: number; head: number }[]
  swaps: Record<
    string,
    {
      role: string
      acceptedHeight: number
      /** Each swap event: the state, what the node did or waits for, our clock and head. */
      events: { state: string; action: string; at: number; head: number; error: string | null }[]
      /** The latest status's steps, with the height of each chain fact (null for decisions). */
      steps: { state: string; height: number | null }[]
    }
  >
}

/** Records this page's node events on `window.tradeLog`; listening in the page costs no DevTools polling. */
function record(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const tabchain = window.tabchain
    if (tabchain === undefined) throw new Error('no node on this page')
    const log: PageLog = { heads: [], posted: [], agreed: [], pending: [], swaps: {} }
    ;(window as unknown as { tradeLog: PageLog }).tradeLog = log
    let head = Number((await tabchain.node.api.head()).number)
    tabchain.node.on('head', (h) => {
      head = Number(h.number)
      log.heads.push({ n: head, at: Date.now(), gossip: h.arrivedAt !== null, txs: h.txCount })
    })
    tabchain.node.on('pendingTx', (tx) => log.pending.push({ hash: tx.hash, at: Date.now(), head }))
    tabchain.node.on('offers', (e) => {
      if (e.kind === 'added' && e.entry.hosted)
        log.posted.push({ id: e.entry.id.toLowerCase(), at: Date.now(), head })
      if (e.kind === 'agreed') log.agreed.push({ id: e.terms.offerId.toLowerCase(), at: Date.now(), head })
    })
    tabchain.node.on('swap', (info) => {
      const id = info.swapId.toLowerCase()
      const swap = log.swaps[id] ?? {
        role: info.role,
        acceptedHeight: Number(info.terms.acceptedHeight),
        events: [],
        steps: [],
      }
      log.swaps[id] = swap
      swap.events.push({
        state: info.status.state,
        action: info.action.kind === 'wait' ? `wait: ${info.action.reason}` : info.action.kind,
        at: Date.now(),
        head,
        error: info.error,
      })
      swap.steps = info.status.steps.map((s) => ({
        state: s.state,
        height: s.height === null ? null : Number(s.height),
      }))
    })
  })
}

/** Waits in the page until the chain has settled (see `SETTLE_BLOCKS`); returns the last mean interval, s. */
function settle(page: Page): Promise<number> {
  return page.evaluate(
    async ({ blocks, minMs, timeoutMs }) => {
      const log = (window as unknown as { tradeLog: PageLog }).tradeLog
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const last = log.heads.at(-1)
        const first = log.heads.at(-1 - blocks)
        const mean =
          last !== undefined && first !== undefined && last.n > first.n
            ? (last.at - first.at) / (last.n - first.n)
            : Number.NaN
        if (mean >= minMs || performance.now() > deadline) return mean / 1000
        await new Promise((r) => setTimeout(r, 500))
      }
    },
    { blocks: SETTLE_BLOCKS, minMs: SETTLED * devnetParams.targetBlockTimeMs, timeoutMs: SETTLE_TIMEOUT_MS },
  )
}

function logOf(page: Page): Promise<PageLog> {
  return page.evaluate(() => (window as unknown as { tradeLog: PageLog }).tradeLog)
}

/** Waits until `locator` is visible (a generous timeout: two miners share two cores with Chromium). */
async function visible(locator: Locator, timeout = 60_000): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout })
}

async function createWallet(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await visible(page.locator('[data-testid="wallet-screen"][data-state="none"]'))
  await visible(page.getByTestId('phrase').locator('li').nth(11))
  await page.getByTestId('phrase-saved').check()
  await page.getByTestId('new-password').fill(PASSWORD)
  await page.getByTestId('new-password-again').fill(PASSWORD)
  await page.getByTestId('create-wallet').click()
  await visible(page.locator('[data-testid="wallet-screen"][data-state="unlocked"]'))
}

async function fund(page: Page): Promise<void> {
  await page.getByTestId('faucet').click()
  await visible(page.getByTestId('faucet-sent'))
  // A light node marks the balance as proven (`· ✓ verified at #n`).
  await visible(
    page.getByTestId('selected-balance').filter({ hasText: /^10 TAB( · ✓ verified at #\d+)?$/ }),
    180_000,
  )
}

async function createToken(page: Page, name: string, symbol: string): Promise<void> {
  await page.getByRole('link', { name: 'Tokens', exact: true }).click()
  await visible(page.getByTestId('acting-as').filter({ hasText: 'approval in the wallet' }))
  await page.locator('#token-name').fill(name)
  await page.locator('#token-symbol').fill(symbol)
  await page.locator('#token-decimals').fill('2')
  await page.locator('#token-supply').fill('1000')
  await page.getByRole('button', { name: 'Create token' }).click()
  await visible(page.getByTestId('approval-title'))
  await page.getByTestId('approval-confirm').click()
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await visible(page.getByTestId(`token-balance-${symbol}`).filter({ hasText: `1000 ${symbol}` }), 180_000)
}

/** Picks an option by its text in a select whose options load with the page's data. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  const select = page.getByLabel(label, { exact: true })
  await select.locator('option', { hasText: option }).first().waitFor({ state: 'attached', timeout: 60_000 })
  await select.selectOption({ label: option })
}

/** Waits, inside the page, until this page's node reports swap `id` at an end; returns that state. */
function waitEnd(page: Page, id: string, timeoutMs: number): Promise<string> {
  return page.evaluate(
    async ({ id, timeoutMs }) => {
      const log = (window as unknown as { tradeLog: PageLog }).tradeLog
      const ends = ['Completed', 'Cancelled', 'Expired', 'Refunded']
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const state = log.swaps[id]?.events.at(-1)?.state ?? 'none'
        if (ends.includes(state) || performance.now() > deadline) return state
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    { id, timeoutMs },
  )
}

/** The swap transactions whose sending is timed against what made them due. */
const ACTIONS = ['maker lock', 'taker lock', 'maker redeem', 'taker redeem'] as const
type Action = (typeof ACTIONS)[number]

/** When `log`'s page first saw head `n` (after `since`), or undefined. */
function headAt(log: PageLog, n: number, since: number): number | undefined {
  return log.heads.find((h) => h.n === n && h.at >= since)?.at
}

/** ms from `since` to the first `swap` event of `id` in `log` whose step broadcast `kind`, or NaN. */
function sentAfter(log: PageLog, id: string, kind: 'lock' | 'redeem', since: number | undefined): number {
  const sent = log.swaps[id]?.events.find((e) => e.action === kind && since !== undefined && e.at >= since)
  return sent === undefined || since === undefined ? Number.NaN : sent.at - since
}

/** One trade's figures: ms and blocks of each phase, from the offer posted. */
interface TradeFigures {
  readonly totalMs: number
  readonly totalBlocks: number
  /** From the take agreed in the taker's node (its clicks and the take protocol done) to both Completed. */
  readonly swapMs: number
  /** From the take's `acceptedHeight` to the last redeem: the swap's blocks, against the floor. */
  readonly swapBlocks: number
  /**
   * ms from what makes each transaction due to the step that broadcast it, in the node that sends it:
   * the maker's lock from its `agreed` event, the taker's lock from the head giving the maker's lock k
   * confirmations, the maker's redeem likewise for the taker's lock, the taker's redeem from the
   * maker's redeem broadcast (the secret is in the pools from then). NaN when a step was not seen.
   */
  readonly reaction: Record<Action, number>
  readonly ms: Record<Phase, number>
  readonly blocks: Record<Phase, number>
}

/**
 * Times and blocks of one trade from both pages' logs. A phase ends when the first party reports its
 * state (or a later one, when a step jumped over it), except Completed: when the later party does.
 * Blocks are height deltas between the chain facts (Accepted: the take's `acceptedHeight`, from the head
 * when the offer was posted).
 */
function figuresOf(id: string, maker: PageLog, taker: PageLog): TradeFigures {
  const posted = maker.posted.find((p) => p.id === id)
  const agreed = taker.agreed.find((p) => p.id === id)
  const makerAgreed = maker.agreed.find((p) => p.id === id)
  const swaps = [maker.swaps[id], taker.swaps[id]]
  if (posted === undefined || agreed === undefined || swaps.some((s) => s === undefined))
    throw new Error(`trade ${id}: no record`)
  const both = swaps as NonNullable<(typeof swaps)[number]>[]
  const firstAt = (phase: Phase): number => {
    const later = PHASES.slice(PHASES.indexOf(phase))
    const times = both.flatMap((s) =>
      s.events.filter((e) => later.some((p) => p === e.state)).map((e) => e.at),
    )
    return Math.min(...times)
  }
  const doneAt = Math.max(
    ...both.map((s) => s.events.find((e) => e.state === 'Completed')?.at ?? Number.POSITIVE_INFINITY),
  )
  const height = (phase: Phase): number => {
    if (phase === 'Accepted') return both[0]?.acceptedHeight ?? Number.NaN
    return both[0]?.steps.find((s) => s.state === phase)?.height ?? Number.NaN
  }
  const ms = {} as Record<Phase, number>
  const blocks = {} as Record<Phase, number>
  let prevAt = posted.at
  let prevHeight = posted.head
  for (const phase of PHASES) {
    const at = phase === 'Completed' ? doneAt : firstAt(phase)
    ms[phase] = at - prevAt
    blocks[phase] = height(phase) - prevHeight
    prevAt = at
    prevHeight = height(phase)
  }
  return {
    totalMs: doneAt - posted.at,
    totalBlocks: height('Completed') - posted.head,
    swapMs: doneAt - agreed.at,
    swapBlocks: height('Completed') - height('Accepted'),
    reaction: {
      'maker lock': sentAfter(maker, id, 'lock', makerAgreed?.at),
      'taker lock': sentAfter(taker, id, 'lock', headAt(taker, height('MakerLocked') + K - 1, posted.at)),
      'maker redeem': sentAfter(maker, id, 'redeem', headAt(maker, height('TakerLocked') + K - 1, posted.at)),
      'taker redeem': sentAfter(
        taker,
        id,
        'redeem',
        maker.swaps[id]?.events.find((e) => e.action === 'redeem' && e.at >= posted.at)?.at,
      ),
    },
    ms,
    blocks,
  }
}

/**
 * The two trade benches: `trade`, both tabs full nodes mining; `trade-light`, the taker's tab pinned to
 * light mode (headers and proofs; it cannot mine, so the maker's tab alone mines).
 */
for (const taker of ['full', 'light'] as const)
  registerAppBench({
    name: taker === 'full' ? 'trade' : 'trade-light',
    title:
      taker === 'full'
        ? 'offer posted → both parties Completed (HTLC swap, devnet 2 s blocks, k = 3), p50 over trades'
        : 'the same with the taker’s tab pinned to light mode (the maker’s tab alone mines), p50 over trades',
    // Set-up takes minutes on a loaded machine (two wallets, faucet, two tokens), then ~20 s a trade.
    timeoutMs: 40 * 60_000,
    async run({ browser, baseUrl, options, log }) {
      const trades = options.quick ? 3 : 10
      const contexts = [await browser.newContext(), await browser.newContext()]
      try {
        const [a, b] = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page]
        // Both tabs mine, as the app does by default (a light taker does not).
        for (const p of [a, b]) {
          await p.goto(`${baseUrl}/wallet${p === b && taker === 'light' ? '?mode=light' : ''}`)
          await p.waitForFunction(() => window.tabchain !== undefined, undefined, { timeout: 60_000 })
        }
        const ids = await Promise.all(
          [a, b].map((p) => p.evaluate(() => window.tabchain?.network.peerId ?? '')),
        )
        for (const [p, other] of [
          [a, ids[1]],
          [b, ids[0]],
        ] as const) {
          await p.waitForFunction(
            (id) => window.tabchain?.network.connections().some((c) => c.peerId === id && c.direct) ?? false,
            other,
            { timeout: 60_000 },
          )
        }
        log('trade: set-up (wallets, faucet, tokens)…')
        await createWallet(a)
        await createWallet(b)
        // One faucet payment at a time: both could otherwise be signed by one devnet account with one nonce.
        await fund(b)
        await fund(a)
        await createToken(a, 'Apple', 'APL')
        await createToken(b, 'Banana', 'BAN')
        await Promise.all([record(a), record(b)])

        for (const p of [a, b]) {
          await p.getByRole('link', { name: 'Market', exact: true }).click()
          await choose(p, 'Token traded', 'APL')
          await choose(p, 'Token it is priced in', 'BAN')
        }
        await choose(a, 'Token you sell', 'APL')
        await choose(a, 'Token you receive', 'BAN')

        log('trade: waiting for the chain to settle at its target interval…')
        const settled = await settle(a)
        log(`trade: last ${SETTLE_BLOCKS} blocks took ${settled.toFixed(2)} s on average; trading`)

        const done: { id: string; figures: TradeFigures }[] = []
        for (let i = 0; i < trades; i++) {
          // A offers 1 APL for 2 BAN; B takes it through the book.
          await a.locator('#offer-sell-amount').fill('1')
          await a.locator('#offer-buy-amount').fill('2')
          await a.getByRole('button', { name: 'Sign and post the offer' }).click()
          await visible(a.getByTestId('approval-title').filter({ hasText: 'Sign Offer' }))
          await a.getByTestId('approval-confirm').click()
          await visible(a.getByTestId('offer-posted'))
          const id = (await logOf(a)).posted.at(-1)?.id
          if (id === undefined) throw new Error('the maker node reported no posted offer')

          const row = b.getByTestId('book-row').filter({ has: b.getByRole('button', { name: 'Buy APL' }) })
          await visible(row.first())
          await row.first().getByRole('button', { name: 'Buy APL' }).click()
          await b.getByTestId('take-confirm').click()
          await visible(b.getByTestId('approval-title').filter({ hasText: 'Sign Take' }))
          await b.getByTestId('approval-confirm').click()

          const ends = await Promise.all([a, b].map((p) => waitEnd(p, id, TRADE_TIMEOUT_MS)))
          if (ends.some((s) => s !== 'Completed'))
            throw new Error(`trade ${i + 1} (${id}) ended ${ends.join(' / ')} for maker / taker`)
          const figures = figuresOf(id, await logOf(a), await logOf(b))
          done.push({ id, figures })
          log(
            `trade ${i + 1}/${trades}: ${(figures.totalMs / 1000).toFixed(1)} s, ${figures.totalBlocks} blocks (` +
              PHASES.map((p) => `${p} ${(figures.ms[p] / 1000).toFixed(1)} s/${figures.blocks[p]}`).join(
                ', ',
              ) +
              ')',
          )
        }

        const [makerLog, takerLog] = [await logOf(a), await logOf(b)]
        await mkdir(dirname(traceFile(taker)), { recursive: true })
        await writeFile(traceFile(taker), JSON.stringify({ maker: makerLog, taker: takerLog }, null, 1))
        return summarise(done, makerLog, options.quick, settled, taker)
      } finally {
        await Promise.all(contexts.map((c) => c.close()))
      }
    },
  })

/**
 * Fewest blocks from the take to both Completed: the maker's lock (with its approval) in the next block
 * (1); the taker locks once it has k confirmations, so its lock lands k blocks after the maker's; the
 * maker redeems after k confirmations of the taker's lock (k); the taker redeems with the secret it
 * reads from the maker's pending redeem, so both redeems can share a block (0).
 */
const FLOOR: Record<Phase, number> = {
  Accepted: 0,
  MakerLocked: 1,
  TakerLocked: K,
  SecretRevealed: K,
  Completed: 0,
}
const FLOOR_BLOCKS = Object.values(FLOOR).reduce((x, y) => x + y, 0)

function summarise(
  done: readonly { id: string; figures: TradeFigures }[],
  maker: PageLog,
  quick: boolean,
  settled: number,
  taker: 'full' | 'light',
): BenchResult {
  const totals = done.map((d) => d.figures.totalMs / 1000).sort((x, y) => x - y)
  const blocks = done.map((d) => d.figures.totalBlocks).sort((x, y) => x - y)
  const swapTimes = done.map((d) => d.figures.swapMs / 1000).sort((x, y) => x - y)
  const overFloor = done.map((d) => d.figures.swapBlocks - FLOOR_BLOCKS)
  // Mean block interval over the trades (first posted → last completed), as the maker's node saw heads.
  const first = done[0]?.id
  const start = maker.posted.find((p) => p.id === first)?.at ?? 0
  const inWindow = maker.heads.filter((h) => h.at >= start)
  const lastHead = inWindow.at(-1)
  const firstHead = inWindow[0]
  const interval =
    lastHead !== undefined && firstHead !== undefined && lastHead.n > firstHead.n
      ? (lastHead.at - firstHead.at) / 1000 / (lastHead.n - firstHead.n)
      : Number.NaN
  const p50 = percentile(totals, 50)
  const phaseFigures = PHASES.flatMap((phase) => [
    {
      label: `→ ${phase}, median`,
      value: median(done.map((d) => d.figures.ms[phase] / 1000)),
      unit: 's',
      note: `blocks: median ${median(done.map((d) => d.figures.blocks[phase]))}, floor ${FLOOR[phase]}`,
    },
  ])
  return {
    figures: [
      {
        label: 'offer posted → both Completed, p50',
        value: p50,
        unit: 's',
        ...(taker === 'full' ? { goal: { max: 20 } } : {}),
        note: `${done.length} trades${quick ? ' (quick)' : ''}${taker === 'light' ? ', taker light' : ''}`,
      },
      { label: 'offer posted → both Completed, p95', value: percentile(totals, 95), unit: 's' },
      { label: 'offer posted → both Completed, min', value: totals[0] ?? Number.NaN, unit: 's' },
      { label: 'offer posted → both Completed, max', value: totals.at(-1) ?? Number.NaN, unit: 's' },
      {
        label: 'take agreed → both Completed, p50',
        value: percentile(swapTimes, 50),
        unit: 's',
        note: 'the swap alone: no clicks',
      },
      { label: 'blocks posted → Completed, median', value: median(blocks), unit: 'blocks' },
      {
        label: 'blocks accepted → Completed, median',
        value: median(done.map((d) => d.figures.swapBlocks)),
        unit: 'blocks',
        note: `floor ${FLOOR_BLOCKS} (2k + 1, k = ${K}): ${FLOOR_BLOCKS * BLOCK_S} s at ${BLOCK_S} s blocks`,
      },
      {
        label: 'trades that waited blocks beyond the floor',
        value: overFloor.filter((n) => n > 0).length,
        unit: `of ${done.length}`,
        note: `blocks over the floor per trade: ${overFloor.join(' ')}`,
      },
      ...phaseFigures,
      {
        label: 'mean block interval during the trades',
        value: interval,
        unit: 's',
        note: `target ${BLOCK_S} s; ${settled.toFixed(2)} s over the ${SETTLE_BLOCKS} blocks before the first`,
      },
      ...ACTIONS.map((action) => {
        const times = done.map((d) => d.figures.reaction[action]).filter((t) => !Number.isNaN(t))
        return {
          label: `${action}: due → broadcast, median`,
          value: median(times),
          unit: 'ms',
          note: `max ${Math.max(...times).toFixed(0)} ms`,
        }
      }),
    ],
    ratios: [
      {
        label: 'p50 ÷ theoretical floor (blocks × 2 s)',
        value: p50 / (FLOOR_BLOCKS * BLOCK_S),
        note: 'floor = maker lock 1 + k + k blocks (both redeems in one block)',
      },
    ],
    notes: [
      taker === 'full'
        ? 'Two fresh browser contexts of the built app, both mining (the default); set-up untimed, then the'
        : 'Two fresh browser contexts of the built app, the taker pinned light (the maker alone mines); set-up untimed, then the',
      `trades wait until the last ${SETTLE_BLOCKS} blocks took ≥ ${SETTLED} × the target on average. Each`,
      'trade is driven through the Market screen; the clock starts at the maker node’s `offers` event',
      'for the posted offer and stops at the later of the two `swap` events reporting Completed.',
      '→ Accepted includes the taker’s clicks (book row, confirmation, wallet approval).',
      `Blocks per phase are height deltas between chain facts; floor per phase: ${PHASES.map((p) => `${p} ${FLOOR[p]}`).join(', ')}.`,
      `Raw events: ${traceFile(taker)}.`,
    ],
  }
}
