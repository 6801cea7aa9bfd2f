import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { MiningRewardsNote } from '../../src/ui/screens/WalletScreen'

const MINE = '0x38623B74B79846E091b30c3093D898341D58A346' as Address
const OTHER = `0x${'cd'.repeat(20)}` as Address
const accounts = [
  { address: MINE, name: 'Account 1' },
  { address: OTHER, name: 'Savings' },
]
type Props = Parameters<typeof MiningRewardsNote>[0]
const TWO_TAB = 2n * 10n ** 18n
const render = (mining: Props['mining'], reward: Props['reward'] = TWO_TAB) =>
  renderToStaticMarkup(
    createElement(MemoryRouter, null, createElement(MiningRewardsNote, { mining, reward, accounts })),
  )
const mining = (enabled: boolean, coinbase: Address) => ({ enabled, coinbase, hashrate: 1, dutyCycle: 0.5 })

describe("the wallet's note on mining rewards", () => {
  test("a tab mining to one of the wallet's accounts says so, what a block pays it, and where mining is turned off", () => {
    // The node names its coinbase in lower case: matched whatever the case.
    const html = render(mining(true, MINE.toLowerCase() as Address))
    expect(html).toContain('data-testid="mining-rewards"')
    expect(html).toContain(
      'This tab mines: each block it finds pays 2 TAB to Account 1, plus the fees of the transactions in it.',
    )
    expect(html).toContain('href="/"')
    expect(html).toContain('Mining on the home screen')
    expect(render(mining(true, OTHER))).toContain('pays 2 TAB to Savings')
  })

  test('nothing when the tab does not mine, mines to an address outside the wallet, or the reward is not known yet', () => {
    expect(render(mining(false, MINE))).toBe('')
    expect(render(mining(true, `0x${'ef'.repeat(20)}` as Address))).toBe('')
    expect(render(null)).toBe('')
    // (Rendered directly: `render` reads an undefined reward as its default.)
    const noReward = createElement(MiningRewardsNote, {
      mining: mining(true, MINE),
      reward: undefined,
      accounts,
    })
    expect(renderToStaticMarkup(createElement(MemoryRouter, null, noReward))).toBe('')
  })
})
