import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { BlockSummary } from '../../src/node/worker/chain-service'
import type { TokenInfo, TxView } from '../../src/node/worker/queries'
import { tokenDirectory } from '../../src/ui/address-name'
import {
  explorerSearch,
  SEARCH_TOKENS_LISTED,
  searchHref,
  searchProblemText,
} from '../../src/ui/explorer-search'
import {
  ADDRESS_TXS,
  AddressTokens,
  AddressTxs,
  BlockDetail,
  BlockTable,
  blocksNotKept,
  blocksPage,
  notKeptNote,
  PendingTable,
  pendingBlocksNote,
  readAddressPage,
  SearchTokens,
  SNAPSHOT_BLOCK_TXS,
} from '../../src/ui/screens/ExplorerScreen'
import { settledLockReads } from '../../src/ui/settled-lock-reads'
import { banana } from './banana'

/** `AddressTxs` with `props`, as static markup. */
const addressTxsMarkup = (props: Parameters<typeof AddressTxs>[0]): string =>
  renderToStaticMarkup(createElement(MemoryRouter, null, createElement(AddressTxs, props)))

describe('the explorer block list', () => {
  test('a full node lists up to its head: nothing said pending, Older goes on from the last block listed', () => {
    expect(blocksPage(100n, 100n, { asked: 100n, top: 100n }, 20)).toEqual({
      older: 80n,
      newer: null,
      pending: null,
    })
    // A page of older blocks: Newer comes back towards the head, the live list last.
    expect(blocksPage(100n, 80n, { asked: 80n, top: 80n }, 20)).toEqual({
      older: 60n,
      newer: 100n,
      pending: null,
    })
    expect(blocksPage(100n, 40n, { asked: 40n, top: 40n }, 20)).toEqual({
      older: 20n,
      newer: 60n,
      pending: null,
    })
    expect(blocksPage(10n, 10n, { asked: 10n, top: 10n }, 20)).toEqual({
      older: null,
      newer: null,
      pending: null,
    })
  })

  test('an auto node behind its verified headers says which blocks it has not executed yet, and pages on from those it lists', () => {
    // The head is the verified headers' (#1,000), the list the executed chain's (up to #30).
    const page = blocksPage(1000n, 1000n, { asked: 1000n, top: 30n }, 20)
    expect(page).toEqual({ older: 10n, newer: null, pending: { from: 31n, to: 1000n } })
    expect(pendingBlocksNote(page.pending ?? { from: 0n, to: 0n })).toBe(
      `Blocks #31 to #${(1000).toLocaleString()}: this node verified their headers and is still fetching and executing them; they are listed here once executed.`,
    )
    expect(pendingBlocksNote({ from: 7n, to: 7n })).toBe(
      'Block #7: this node verified its header and is still fetching and executing it; it is listed here once executed.',
    )
  })

  test('a node started from a snapshot says the blocks below it are not kept, not that they are still being executed', () => {
    // Upgraded from a snapshot at #500, executed up to #520, its verified headers at #1,000.
    const base = 500n
    expect(blocksPage(1000n, 1000n, { asked: 1000n, top: 520n }, 20, base).pending).toEqual({
      from: 521n,
      to: 1000n,
    })
    // The page below the base lists the genesis alone: none of its blocks is on its way.
    expect(blocksPage(1000n, 480n, { asked: 480n, top: 0n }, 20, base).pending).toBeNull()
    expect(blocksNotKept(480n, [0n], base)).toEqual({ from: 1n, to: 480n, base })
    // The page across the base: from it the list goes straight to the genesis.
    const across = [510n, 509n, 508n, 507n, 506n, 505n, 504n, 503n, 502n, 501n, 500n, 0n]
    expect(blocksNotKept(510n, across, base)).toEqual({ from: 1n, to: 499n, base })
    // A page above the base, a chain from the genesis, and the genesis's own page reach none.
    expect(blocksNotKept(1000n, [1000n, 999n], base)).toBeNull()
    expect(blocksNotKept(480n, [480n, 479n], 0n)).toBeNull()
    expect(blocksNotKept(0n, [0n], base)).toBeNull()
    expect(notKeptNote({ from: 1n, to: 499n, base })).toBe(
      'Blocks #1 to #499 are not kept by this node: it started from a copy of the chain’s state at block #500, checked against that block’s header, and has executed only the blocks after it. Their transactions are not read here. A tab set to “stay full” (Home, Mode) runs and keeps every block.',
    )
    expect(notKeptNote({ from: 7n, to: 7n, base })).toMatch(/^Block #7 is not kept by this node: /)
    // Still downloading the snapshot: no block past the genesis is executed yet, and most never will be.
    expect(pendingBlocksNote({ from: 1n, to: 6_935n }, true)).toBe(
      `Blocks #1 to #${(6_935).toLocaleString()}: this node verified their headers. It is first downloading a copy of the chain’s state at a recent block: the blocks after that one are listed here as this node executes them; those before it are not kept by this node.`,
    )
  })

  test("the snapshot block's transactions read as not kept, not as none", () => {
    const block = {
      number: 500n,
      hash: `0x${'5e'.repeat(32)}`,
      parentHash: `0x${'4e'.repeat(32)}`,
      timestamp: 1_764_028_800_000n,
      miner: `0x${'ab'.repeat(20)}`,
      difficulty: 2n,
      gasUsed: 21_000n,
      baseFeePerGas: 1_000_000_000n,
      stateRoot: `0x${'33'.repeat(32)}`,
      transactions: [],
      confirmations: 21n,
    } as unknown as BlockSummary
    const inRouter = (element: ReturnType<typeof createElement>) =>
      renderToStaticMarkup(createElement(MemoryRouter, null, element))
    const row = inRouter(createElement(BlockTable, { blocks: [block], base: 500n }))
    expect(row).toContain('not kept</td>')
    expect(row).not.toContain('data-label="Txs">0</td>')
    // Another block of the same chain counts its transactions.
    expect(
      inRouter(createElement(BlockTable, { blocks: [{ ...block, number: 501n }], base: 500n })),
    ).toContain('data-label="Txs">0</td>')
    const page = inRouter(createElement(BlockDetail, { block, snapshot: true }))
    expect(page).toContain(SNAPSHOT_BLOCK_TXS)
    expect(page).not.toMatch(/>none</)
    expect(inRouter(createElement(BlockDetail, { block }))).toMatch(/>none</)
  })

  test('the list shown while the next head is read is weighed against the height it was read for', () => {
    // A full node's head moved to #101: the list for #100 is still on screen, complete for its height.
    expect(blocksPage(101n, 101n, { asked: 100n, top: 100n }, 20)).toEqual({
      older: 81n,
      newer: null,
      pending: null,
    })
    // Older was clicked: the page of #80 is read while the live list (#100) is still on screen. Its Older
    // goes on below #80, not back to #80 (a click there did nothing).
    expect(blocksPage(100n, 80n, { asked: 100n, top: 100n }, 20)).toEqual({
      older: 60n,
      newer: 100n,
      pending: null,
    })
    // Nothing read yet: Older from the height asked.
    expect(blocksPage(100n, 100n, null, 20)).toEqual({ older: 80n, newer: null, pending: null })
  })
})

describe("the Explorer's search", () => {
  test('opens a block by its number as the Explorer writes it: #12, #1,234, or the digits alone', () => {
    expect(searchHref('12')).toBe('/block/12')
    expect(searchHref('#12')).toBe('/block/12')
    expect(searchHref(' # 12 ')).toBe('/block/12')
    expect(searchHref('#1,234')).toBe('/block/1234')
    expect(searchHref('1,234,567')).toBe('/block/1234567')
  })

  test('refuses what is no number, address or hash', () => {
    for (const bad of ['', 'abc', '#', '##12', '1,23', '12,', '-1', '1.5', '0x12', 'GLD'])
      expect(searchHref(bad), bad).toBeNull()
  })

  test('opens an address and a hash (a transaction, or the block whose hash it is)', () => {
    const address = `0x${'ab'.repeat(20)}`
    const hash = `0x${'cd'.repeat(32)}`
    expect(searchHref(` ${address} `)).toBe(`/address/${address}`)
    expect(searchHref(hash)).toBe(`/tx/${hash}`)
  })

  test('opens an address in one case, or mixed-case with a right EIP-55 checksum; a wrong checksum is a likely typo', () => {
    const checksummed = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    expect(searchHref(checksummed)).toBe(`/address/${checksummed}`)
    expect(searchHref(checksummed.toUpperCase().replace('0X', '0x'))).not.toBeNull()
    const typo = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'
    expect(searchHref(typo)).toBeNull()
    expect(explorerSearch(typo, new Map())).toEqual({ kind: 'bad-checksum' })
    expect(searchProblemText({ kind: 'bad-checksum' })).toBe(
      'The address checksum (EIP-55) does not match: check it for a typo.',
    )
  })
})

describe("the Explorer's search for a token", () => {
  const token = (n: number, name: string, symbol: string): TokenInfo => ({
    address: `0x${n.toString(16).padStart(40, '0')}` as Address,
    name,
    symbol,
    decimals: 18,
    totalSupply: 0n,
    owner: `0x${'cd'.repeat(20)}` as Address,
  })
  const GOLD = token(1, 'Gold', 'GLD')
  const GOLDEN = token(2, 'Golden Pear', 'GOLD')
  const APPLE = token(3, 'Apple', 'APL')
  const tokens = tokenDirectory([GOLD, GOLDEN, APPLE])
  const render = (text: string) =>
    renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(SearchTokens, { target: explorerSearch(text, tokens) }),
      ),
    )

  test('opens the one token whose symbol or name it is, whatever its case', () => {
    expect(explorerSearch('apl', tokens)).toEqual({
      kind: 'token',
      token: APPLE,
      href: `/token/${APPLE.address}`,
    })
    expect(explorerSearch(' Apple ', tokens)).toMatchObject({ kind: 'token', token: APPLE })
    // Called so exactly comes before holding it: "GLD" is Gold's symbol only.
    expect(explorerSearch('gld', tokens)).toMatchObject({ kind: 'token', token: GOLD })
    // Part of one token's name.
    expect(explorerSearch('pea', tokens)).toMatchObject({ kind: 'token', token: GOLDEN })
    expect(render('apl')).toContain(`Open goes to the token <a href="/token/${APPLE.address}"`)
  })

  test('lists the tokens that go by it when several do, each linking to its page with its address', () => {
    // One's name and the other's symbol: both are called "gold".
    expect(explorerSearch('GOLD', tokens)).toEqual({
      kind: 'tokens',
      tokens: [GOLD, GOLDEN],
      more: 0,
      exact: true,
      text: 'GOLD',
    })
    const html = render('GOLD')
    expect(html).toContain('2 tokens are called “GOLD”: open one.')
    expect(html).toContain(`<a href="/token/${GOLD.address}" data-discover="true">Gold (GLD)</a>`)
    expect(html).toContain(`<a href="/token/${GOLDEN.address}" data-discover="true">Golden Pear (GOLD)</a>`)
    expect(html).toContain('0x00000000…000001')
    expect(render('go')).toContain('2 tokens have “go” in their symbol or name: open one.')
    // Many: the first listed, the others counted.
    const many = tokenDirectory(Array.from({ length: 11 }, (_, i) => token(10 + i, `Coin ${i}`, `C${i}`)))
    const found = explorerSearch('coin', many)
    expect(found).toMatchObject({ kind: 'tokens', more: 11 - SEARCH_TOKENS_LISTED })
    expect(found.kind === 'tokens' ? found.tokens.length : 0).toBe(SEARCH_TOKENS_LISTED)
  })

  test('says plainly that no token is called so, and waits for the list of tokens', () => {
    const none = explorerSearch('Silver', tokens)
    expect(none).toEqual({ kind: 'no-token', text: 'Silver' })
    expect(searchProblemText(none)).toBe(
      'No token called “Silver” on this chain. Enter a block number, an address (0x and 40 hex digits), a transaction’s or block’s hash (0x and 64 hex digits), or a token’s symbol or name.',
    )
    expect(explorerSearch('GOLD', null)).toEqual({ kind: 'reading' })
    expect(render('Silver')).toBe('')
  })

  test('blocks, addresses and hashes come first; hex and figures it cannot open are not token names', () => {
    const address = `0x${'ab'.repeat(20)}`
    expect(explorerSearch('#12', tokens)).toEqual({ kind: 'open', href: '/block/12' })
    expect(explorerSearch(address, tokens)).toEqual({ kind: 'open', href: `/address/${address}` })
    for (const bad of ['0x12', '0xGOLD', '1.5', '-1', '#', '1,23'])
      expect(explorerSearch(bad, tokens), bad).toEqual({ kind: 'bad' })
    expect(searchProblemText({ kind: 'bad' })).toMatch(
      /^Enter a block number, .*, or a token’s symbol or name\.$/,
    )
    expect(explorerSearch('  ', tokens)).toEqual({ kind: 'empty' })
  })
})

describe("an address page's tokens", () => {
  const HOLDER = `0x${'cd'.repeat(20)}` as Address
  const HASH = `0x${'ab'.repeat(32)}` as Hex
  const BAN = banana(HOLDER)
  const proven = <T>(value: T, number: bigint) => ({ value, verified: true as const, number, hash: HASH })
  /** A node whose plain `tokenHoldings` answers an older block's balance (an `auto` node's executed chain behind). */
  const api = {
    verifiedAccount: async (address: Address) => proven({ address, balance: 5n, nonce: 0n }, 56n),
    verifiedTokenHoldings: async () => proven([BAN], 56n),
    tokenHoldings: async () => [{ ...BAN, balance: 900n * 10n ** 18n }],
    addressTransactions: async () => [],
    token: async () => null,
    transaction: async () => null,
    verifiedHtlc: async () => proven(null, 56n),
  }
  const render = (props: Parameters<typeof AddressTokens>[0]) =>
    renderToStaticMarkup(createElement(MemoryRouter, null, createElement(AddressTokens, props)))

  test('are the list proven at one header, each balance marked with it on a light node, as the Wallet marks them', async () => {
    const listed = { address: HOLDER, reorg: null, txs: new Map(), locks: settledLockReads(api) }
    const page = await readAddressPage(api, HOLDER, listed)
    expect(page.holdings).toEqual([BAN])
    expect(page.holdingsAt).toBe(56n)
    const light = render({ holdings: page.holdings, at: page.holdingsAt, proven: true, directPeers: 1 })
    // A narrow cell breaks the amount only after its digit-group comma (GroupedAmount).
    expect(light).toContain('>1,<wbr/>000 BAN · ✓ verified at #56</td>')
    expect(render({ holdings: page.holdings, at: 56n, proven: true, directPeers: 0 })).toContain(
      '1,<wbr/>000 BAN · ✓ verified at #56 · no peer yet: newer blocks may change it',
    )
  })

  test('a busy address lists its latest transactions and says older ones are not listed; one with fewer says nothing of it', async () => {
    const hashOf = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
    const many = {
      ...api,
      addressTransactions: async (_: Address, n: number) =>
        Array.from({ length: n }, (_, k) => hashOf(k + 1)),
    }
    const listed = () => ({ address: HOLDER, reorg: null, txs: new Map(), locks: settledLockReads(api) })
    const busy = await readAddressPage(many, HOLDER, listed())
    expect(busy.txs).toHaveLength(ADDRESS_TXS)
    expect(busy.older).toBe(true)
    const quiet = await readAddressPage(
      { ...api, addressTransactions: async () => [hashOf(1)] },
      HOLDER,
      listed(),
    )
    expect(quiet.older).toBe(false)
    const rows = (older: boolean) =>
      addressTxsMarkup({ address: HOLDER, txs: busy.txs, older, locks: busy.locks, token: null })
    expect(rows(true)).toContain(
      `<p class="muted small" data-testid="address-txs-older">The latest ${ADDRESS_TXS} transactions: older ones are not listed.</p>`,
    )
    expect(rows(false)).not.toContain('address-txs-older')
  })

  test('an empty list on a node started from a snapshot says none after its block, not none at all', () => {
    const empty = (keptAfter?: bigint) =>
      addressTxsMarkup({
        address: HOLDER,
        txs: [],
        // No row, no lock read.
        locks: settledLockReads({
          verifiedHtlc: () => Promise.reject(new Error('no lock is read for an empty list')),
        }),
        token: null,
        ...(keptAfter === undefined ? {} : { keptAfter }),
      })
    expect(empty()).toContain('None on the canonical chain.')
    expect(empty(1_204n)).toContain('None on the canonical chain after block #1,204.')
  })

  test('a full node shows its executed balances unmarked, as the coin balance above them', () => {
    const full = render({ holdings: [BAN], at: 61n, proven: false, directPeers: 1 })
    expect(full).toContain('>1,<wbr/>000 BAN</td>')
    expect(full).not.toContain('verified')
    expect(render({ holdings: [], at: 61n, proven: true, directPeers: 1 })).toContain('No tokens.')
  })
})

describe("the Explorer's lists show each hash short, whole for a pointer and a screen reader", () => {
  const hash = `0x${'4e'.repeat(32)}` as Hex
  const inRouter = (element: ReturnType<typeof createElement>) =>
    renderToStaticMarkup(createElement(MemoryRouter, null, element))

  test("a block's short hash has the whole one as its tooltip and as what a screen reader reads", () => {
    const block = {
      number: 40n,
      hash,
      timestamp: 1_764_028_800_000n,
      difficulty: 22_254n,
      transactions: [],
    } as unknown as BlockSummary
    const html = inRouter(createElement(BlockTable, { blocks: [block] }))
    expect(html).toContain(
      `<span class="mono short-hex" title="${hash}"><span aria-hidden="true">0x4e4e4e4e…4e4e4e</span><span class="visually-hidden">${hash}</span></span>`,
    )
    // The block's number is still the row's one link.
    expect([...html.matchAll(/<a /g)]).toHaveLength(1)
    // Its difficulty in the Home screen's words.
    expect(html).toContain('<td class="table__wide" data-label="Difficulty">22,254 guesses per block</td>')
    const one = inRouter(createElement(BlockTable, { blocks: [{ ...block, difficulty: 1n }] }))
    expect(one).toContain('data-label="Difficulty">1 guess per block</td>')
  })

  test('a pending transaction links by its short hash, the whole hash its tooltip and accessible name', () => {
    const tx = {
      hash,
      from: `0x${'cd'.repeat(20)}` as Address,
      to: `0x${'ef'.repeat(20)}` as Address,
      nonce: 3n,
    } as unknown as TxView
    const html = inRouter(createElement(PendingTable, { txs: [tx] }))
    expect(html).toContain(
      `<a class="mono short-hex" title="${hash}" aria-label="Transaction ${hash}" href="/tx/${hash}" data-discover="true">0x4e4e4e4e…4e4e4e</a>`,
    )
  })
})
