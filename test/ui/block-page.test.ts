import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { BlockSummary } from '../../src/node/worker/chain-service'
import { BlockDetail } from '../../src/ui/screens/ExplorerScreen'

const block = (confirmations: bigint): BlockSummary => ({
  number: 40n,
  hash: `0x${'4e'.repeat(32)}` as Hex,
  parentHash: `0x${'5d'.repeat(32)}` as Hex,
  timestamp: 1_764_028_800_000n,
  miner: `0x${'99'.repeat(20)}` as Address,
  difficulty: 22_254n,
  gasUsed: 172_268n,
  baseFeePerGas: 1_000_000_000n,
  stateRoot: `0x${'b0'.repeat(32)}` as Hex,
  transactionsRoot: `0x${'01'.repeat(32)}` as Hex,
  receiptsRoot: `0x${'02'.repeat(32)}` as Hex,
  logsBloom: '0x00',
  nonce: 7n,
  transactions: [`0x${'09'.repeat(32)}` as Hex],
  confirmations,
})

const render = (b: BlockSummary) =>
  renderToStaticMarkup(createElement(MemoryRouter, null, createElement(BlockDetail, { block: b })))

describe("the Explorer's block page, in a user's words", () => {
  test('says first when it came, how deep it is, who mined it and its transactions, then the raw fields labelled in words', () => {
    const page = render(block(9n))
    expect([...page.matchAll(/<dt>(.*?)<\/dt>/g)].map((m) => m[1])).toEqual([
      'Time',
      'Confirmations',
      'Mined by',
      'Transactions',
      'Block hash',
      'Previous block (parent)',
      'Difficulty (work to mine it)',
      'Gas used (its transactions’ work)',
      'Base fee (least price per gas)',
      'State root (all balances’ fingerprint)',
    ])
    expect(page).toContain('<h2 class="section">Technical details</h2>')
    expect(page).toContain('Confirmations</dt><dd>9 (8 blocks on top of it)</dd>')
    // The exact figures stay.
    // The difficulty in the Home screen's words: guesses per block.
    expect(page).toContain('Difficulty (work to mine it)</dt><dd>22,254 guesses per block, on average</dd>')
    expect(page).toContain('Gas used (its transactions’ work)</dt><dd>172,268</dd>')
    expect(page).toContain('Base fee (least price per gas)</dt><dd>1 gwei</dd>')
    expect(page).toContain(`>${'0x'}${'b0'.repeat(32)}</span>`)
    expect(page).toContain(`href="/block/39"`)
  })

  test('one and two confirmations read as the latest block and one block on top', () => {
    expect(render(block(1n))).toContain('Confirmations</dt><dd>1 (the latest block)</dd>')
    expect(render(block(2n))).toContain('Confirmations</dt><dd>2 (1 block on top of it)</dd>')
  })
})
