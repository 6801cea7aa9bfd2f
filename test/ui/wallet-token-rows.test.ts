import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import type { TokenHolding } from '../../src/node/worker/queries'
import { TokenRows } from '../../src/ui/screens/WalletScreen'

const GOLD: TokenHolding = {
  token: {
    address: `0x${'11'.repeat(20)}` as Address,
    name: 'Gold',
    symbol: 'GLD',
    decimals: 18,
    totalSupply: 10n ** 21n,
    owner: `0x${'22'.repeat(20)}` as Address,
  },
  balance: 25n * 10n ** 17n,
  created: false,
}

const render = (props: Parameters<typeof TokenRows>[0]) =>
  renderToStaticMarkup(createElement(TokenRows, props))

describe("the wallet's token rows", () => {
  test('on a light node each is marked verified with the header its list was proven at, as the coin row is', () => {
    const light = render({ tokens: [GOLD], at: 56n, light: true, directPeers: 1 })
    expect(light).toContain('<span>2.5 GLD · ✓ verified at #56</span>')
    expect(render({ tokens: [GOLD], at: 56n, light: true, directPeers: 0 })).toContain(
      '2.5 GLD · ✓ verified at #56 · no peer yet: newer blocks may change it',
    )
  })

  test('on a full node: the balance alone, as the coin row; no tokens: no list', () => {
    const full = render({ tokens: [GOLD], at: 58n, light: false, directPeers: 1 })
    expect(full).toContain('<span>2.5 GLD</span>')
    expect(full).not.toContain('verified')
    expect(render({ tokens: [], at: 58n, light: true, directPeers: 1 })).toBe('')
  })

  test('a long balance breaks only after a digit-group comma on a phone, never inside a group', () => {
    const rich = { ...GOLD, balance: 123_456_789_012_345n * 10n ** 18n }
    expect(render({ tokens: [rich], at: 58n, light: false, directPeers: 1 })).toContain(
      '<span>123,<wbr/>456,<wbr/>789,<wbr/>012,<wbr/>345 GLD</span>',
    )
  })
})
