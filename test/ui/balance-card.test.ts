import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { type Address, getAddress, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { HeadInfo } from '../../src/node/worker/chain-service'
import { homeChainView } from '../../src/ui/home-chain'
import { BalanceCard } from '../../src/ui/screens/HomeScreen'

const ME = getAddress('0x20f22364c1b3b02d9a1e4ee2bb1f5c0bd82eff51')

const head: HeadInfo = {
  number: 3n,
  hash: `0x${'3'.padStart(64, '0')}` as Hex,
  timestamp: 6000n,
  difficulty: 100n,
  totalDifficulty: 300n,
  txCount: 0,
}

const view = homeChainView(
  head,
  {
    askedAt: head,
    result: {
      value: {
        value: { address: ME as Address, balance: 10n ** 19n, nonce: 0n },
        verified: true as const,
        number: head.number,
        hash: head.hash,
      },
    },
  },
  false,
)

const render = (
  account: { readonly name: string; readonly address: Address } | null,
  devnet: string | null,
) =>
  renderToStaticMarkup(
    createElement(MemoryRouter, null, createElement(BalanceCard, { view, light: false, devnet, account })),
  )

describe("the home screen's balance card names the account", () => {
  test('as the Wallet does: its name, then its short address linking to its page (the whole one its tooltip)', () => {
    const html = render({ name: 'Account 1', address: ME }, null)
    const named = html.slice(html.indexOf('data-testid="balance-account"'))
    expect(named).toMatch(/^data-testid="balance-account">Account 1 · <a /)
    expect(named).toContain(`href="/address/${ME}"`)
    expect(named).toContain(`title="${ME}"`)
    expect(named).toContain(`<span class="mono short-hex">${ME.slice(0, 10)}…${ME.slice(-6)}</span>`)
    // Before the balance's amount: whose it is comes first.
    expect(html.indexOf('balance-account')).toBeLessThan(html.indexOf('balance-amount'))
  })

  test('a tab without a wallet names its devnet account; none while no account is known', () => {
    expect(render({ name: 'Devnet account 3', address: ME }, 'Devnet account 3')).toContain(
      'data-testid="balance-account">Devnet account 3 · <a ',
    )
    expect(render(null, null)).not.toContain('balance-account')
  })
})
