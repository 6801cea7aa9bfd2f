import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { type Address, getAddress, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { HeadInfo } from '../../src/node/worker/chain-service'
import {
  type BalanceRead,
  blockPace,
  type HomeChainView,
  homeChainView,
  MODE_CHOICES,
  miningWords,
  modeHint,
  modeWords,
} from '../../src/ui/home-chain'
import { BalanceCard, PaceCard } from '../../src/ui/screens/HomeScreen'

const ME = getAddress('0x00000000000000000000000000000000000000aa')

const headAt = (n: number): HeadInfo => ({
  number: BigInt(n),
  hash: `0x${n.toString(16).padStart(64, '0')}` as Hex,
  timestamp: BigInt(n) * 2000n,
  difficulty: 100n,
  totalDifficulty: BigInt(n) * 100n,
  txCount: 0,
})

/** The node's answer: `balance` wei, read at head `n`. */
const balanceAt = (n: number, balance: bigint) => {
  const at = headAt(n)
  return {
    value: { address: ME as Address, balance, nonce: 0n },
    verified: true as const,
    number: at.number,
    hash: at.hash,
  }
}

const read = (askedAt: number, answeredAt: number, balance: bigint): BalanceRead => ({
  askedAt: headAt(askedAt),
  result: { value: balanceAt(answeredAt, balance) },
})

describe("the home screen's head and balance", () => {
  test('on a full node a new head shows with its own balance: until that is read, both stay at the block before', () => {
    // Head #8 is pushed; the balance read at #7 is the latest answer: the screen shows #7 for both.
    const waiting = homeChainView(headAt(8), read(7, 7, 50n), false)
    expect(waiting.head?.number).toBe(7n)
    expect(waiting.balance?.number).toBe(7n)
    // The read at #8 comes in: both move to #8.
    const moved = homeChainView(headAt(8), read(8, 8, 52n), false)
    expect(moved.head).toEqual(headAt(8))
    expect(moved.balance?.value.balance).toBe(52n)
    expect(moved.error).toBeNull()
  })

  test('a read answered at another head than asked (the node moved on), an error, or none yet leave the pushed head', () => {
    expect(homeChainView(headAt(9), read(8, 9, 54n), false).head).toEqual(headAt(9))
    expect(homeChainView(headAt(9), { askedAt: headAt(8), result: { error: 'busy' } }, false)).toEqual({
      head: headAt(9),
      balance: null,
      error: 'busy',
    })
    expect(homeChainView(headAt(9), null, false)).toEqual({ head: headAt(9), balance: null, error: null })
    expect(homeChainView(null, { askedAt: null, result: { value: null } }, false).head).toBeNull()
  })

  test('a light node shows its newest header; its balance, proven k deep, says where', () => {
    const view = homeChainView(headAt(12), read(12, 9, 40n), true)
    expect(view.head).toEqual(headAt(12))
    expect(view.balance?.number).toBe(9n)
  })
})

describe("the home screen's balance card", () => {
  const render = (view: HomeChainView, light: boolean, devnet: string | null) =>
    renderToStaticMarkup(
      createElement(MemoryRouter, null, createElement(BalanceCard, { view, light, devnet })),
    )

  test('names the block it was read at, the head the head card shows', () => {
    const html = render(homeChainView(headAt(1_234), read(1_233, 1_233, 10n ** 18n), false), false, null)
    expect(html).toContain('data-number="1233"')
    expect(html).toContain('as of block #1,233, from this node’s own copy of the chain')
    expect(html).not.toContain('executed')
  })

  test('shows the balance rounded to four decimals, the exact amount in its title and for screen readers', () => {
    const html = render(
      homeChainView(headAt(3), read(3, 3, 234_499_689_748n * 10n ** 9n), false),
      false,
      null,
    )
    const amount = /<span data-testid="balance-amount"[^>]*>(.*?)<\/span><\/span>/.exec(html)
    expect(amount?.[0]).toContain('title="Exactly 234.499689748 TAB"')
    expect(amount?.[1]).toBe(
      '<span aria-hidden="true">234.4996 TAB</span><span class="visually-hidden">234.499689748 TAB',
    )
  })

  test('a balance under 0.0001 TAB reads as such, not as 0; one with nothing to round shows whole', () => {
    const tiny = render(homeChainView(headAt(3), read(3, 3, 5n), false), false, null)
    expect(tiny).toContain('<span aria-hidden="true">&lt; 0.0001 TAB</span>')
    expect(tiny).toContain('title="Exactly 0.000000000000000005 TAB"')
    const whole = render(homeChainView(headAt(3), read(3, 3, 25n * 10n ** 17n), false), false, null)
    expect(whole).toContain('<span data-testid="balance-amount">2.5 TAB</span>')
  })

  test('acting with a devnet key, it says anyone can spend from it and links to the wallet; with a wallet, not', () => {
    const view = homeChainView(headAt(3), read(3, 3, 1n), false)
    const devnet = render(view, false, 'Devnet account 4')
    expect(devnet).toContain('data-testid="devnet-key-note"')
    expect(devnet).toContain('Devnet account 4, a shared devnet test key that anyone can spend from')
    expect(devnet).toContain('href="/wallet"')
    expect(render(view, false, null)).not.toContain('devnet-key-note')
  })
})

describe("the home screen's block pace and mining, in a user's words", () => {
  const pace = (params: Parameters<typeof blockPace>[0], difficulty: bigint | null) =>
    renderToStaticMarkup(createElement(PaceCard, { params, difficulty }))

  test('says how often a new block comes, the exact difficulty kept on the line below, never "retargets"', () => {
    const html = pace({ targetBlockTimeMs: 2000 }, 16_588n)
    expect(html).toContain('<h2 class="card__label">New blocks</h2>')
    expect(html).toContain('<p class="card__value">A new block about every 2 s</p>')
    expect(html).toContain(
      '<p class="muted small">While a tab mines: the difficulty (16,588: guesses per block, on average) adjusts at every block to keep that pace.</p>',
    )
    expect(html).not.toMatch(/retarget/i)
    expect(blockPace({ targetBlockTimeMs: 1500 }, 7n).value).toBe('A new block about every 1.5 s')
  })

  test("a test chain's fixed difficulty aims at no pace: blocks come as fast as tabs mine, the figure kept", () => {
    expect(blockPace({ targetBlockTimeMs: 2000, fixedDifficulty: 2n }, 2n)).toEqual({
      value: 'As fast as tabs mine',
      detail: "The difficulty (2: guesses per block, on average) is fixed by this test chain's genesis.",
    })
  })

  test('the mode card reads as one answer: how the tab runs now, then what it is set to', () => {
    const full = modeWords({ kind: 'full' }, 'auto', 'auto')
    expect(full).toEqual({ value: 'Full node now', before: 'Set to', after: '.' })
    expect(`${full.before} ${MODE_CHOICES.auto}${full.after}`).toBe(
      'Set to switch by itself (light, then full).',
    )
    expect(modeWords({ kind: 'light' }, 'light', 'light').value).toBe('Light node now')
    expect(modeWords({ kind: 'upgrading', percent: 42.7 }, 'auto', 'auto').value).toBe(
      'Light node now, upgrading to full (42 %)',
    )
    // An automatic node with a chain of its own, running the blocks it missed: not a headers-only node.
    expect(modeWords({ kind: 'light', catchingUp: true }, 'auto', 'auto').value).toBe('Full node catching up')
    // A setting changed on this load applies from the next.
    expect(modeWords({ kind: 'full' }, 'light', 'auto').after).toBe(', from the next load.')
    expect(modeWords(null, 'auto', null)).toEqual({ value: '—', before: 'Set to', after: '.' })
  })

  test('each mode says what the node keeps: one catching up keeps the whole chain, not only headers', () => {
    expect(modeHint({ kind: 'light' })).toMatch(/^Keeps only the blocks’ headers/)
    expect(modeHint({ kind: 'light', catchingUp: true })).toBe(
      'Keeps the whole chain and is running the blocks it missed on this device; until it reaches the latest, your balances come from peers, each checked here with a proof.',
    )
    expect(modeHint({ kind: 'upgrading', percent: 10 })).toMatch(/^Downloading the chain’s state/)
    expect(modeHint({ kind: 'full' })).toMatch(/^Keeps the whole chain and runs every block/)
  })

  test('a load the address pins (?mode=) says so: the setting is for loads without it, a reload keeps it', () => {
    expect(modeWords({ kind: 'light' }, 'auto', 'light', true)).toEqual({
      value: 'Light node now',
      before: 'Set to',
      after: '.',
      note: 'This load is light because the address says ?mode=light; the setting applies to a load without it.',
    })
    expect(modeWords({ kind: 'full' }, 'full', 'full', true).note).toBe(
      'This load is full because the address says ?mode=full; the setting applies to a load without it.',
    )
    expect(modeWords({ kind: 'light' }, 'light', 'auto', true).note).toBe(
      'This load switches by itself because the address says ?mode=auto; the setting applies to a load without it.',
    )
    // Without ?mode=, the setting is what this load runs with: no note.
    expect(modeWords({ kind: 'light' }, 'auto', 'light', false).note).toBeUndefined()
  })

  test('before the chain or its head is read, it says so and shows no figure', () => {
    expect(blockPace(null, null)).toEqual({ value: '—', detail: 'Reading the chain’s settings…' })
    expect(blockPace({ targetBlockTimeMs: 2000 }, null).detail).toBe(
      'While a tab mines: the difficulty adjusts at every block to keep that pace.',
    )
  })

  test('mining says on or off, and how many guesses a second, the hash rate kept beside them', () => {
    expect(miningWords(true, 75_321.4)).toEqual({
      value: 'On',
      detail: 'Trying 75,321 guesses a second at the next block (75 kH/s)',
    })
    expect(miningWords(true, 1).detail).toBe('Trying 1 guess a second at the next block (1 H/s)')
    expect(miningWords(false, 75_321)).toEqual({
      value: 'Off',
      detail: 'This tab does not look for new blocks.',
    })
  })
})
