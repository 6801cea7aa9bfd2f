import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { type Address, type Hex, pad, toHex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { LogRecord } from '../../src/node/storage/types'
import { yourName } from '../../src/ui/address-name'
import { TokenView } from '../../src/ui/screens/TokenScreen'
import { banana } from './banana'

const MINE: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const OTHER: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const ZERO: Address = '0x0000000000000000000000000000000000000000'
const BAN = banana(MINE).token

const transfer = (from: Address, to: Address, n: number): LogRecord => ({
  address: BAN.address,
  topics: [`0x${'dd'.repeat(32)}`, pad(from), pad(to)],
  data: toHex(10n ** 18n, { size: 32 }),
  blockNumber: BigInt(n),
  blockHash: `0x${n.toString(16).padStart(64, '0')}` as Hex,
  transactionHash: `0x${(n + 100).toString(16).padStart(64, '0')}` as Hex,
  transactionIndex: 0,
  logIndex: 0,
})

const page = (yours: (a: Address) => string | null) =>
  renderToStaticMarkup(
    createElement(
      MemoryRouter,
      null,
      createElement(TokenView, {
        token: BAN,
        transfers: [transfer(MINE, OTHER, 2), transfer(ZERO, MINE, 1)],
        light: false,
        yours,
      }),
    ),
  )

const names = (html: string) => [...html.matchAll(/data-testid="address-name">([^<]*)</g)].map((m) => m[1])

describe("a token's page marks this tab's own accounts", () => {
  test('the wallet names its account, "(you)" after it, as owner and in the transfers; others by hash', () => {
    const accounts = [{ address: MINE, name: 'Account 1' }]
    const html = page((a) => yourName(a, accounts, MINE))
    // The owner, then a transfer from it and the mint to it.
    expect(names(html)).toEqual(['Account 1 (you)', 'Account 1 (you)', 'mint', 'Account 1 (you)'])
    expect(html).toContain('0x3C44CdDd…4293BC')
  })

  test('without a wallet, the devnet account the tab acts with reads "you"', () => {
    expect(names(page((a) => yourName(a, [], MINE)))).toEqual(['you', 'you', 'mint', 'you'])
  })

  test('yourName: any case of the address; null for an address not the tab’s', () => {
    const accounts = [{ address: MINE, name: 'Savings' }]
    expect(yourName(MINE.toLowerCase() as Address, accounts, null)).toBe('Savings (you)')
    expect(yourName(OTHER, accounts, MINE)).toBeNull()
    expect(yourName(OTHER, [], OTHER.toLowerCase() as Address)).toBe('you')
  })
})

describe("a token's page on a phone", () => {
  test('a long amount may break only after a digit-group comma, never inside a group', () => {
    const html = page(() => null)
    // 1 BAN: too short to break. A big one, below, breaks only at its commas.
    expect(html).toContain('<td data-label="Amount">1 BAN</td>')
    const big = renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(TokenView, {
          token: BAN,
          transfers: [
            { ...transfer(ZERO, MINE, 1), data: toHex(123_456_789_012_345n * 10n ** 18n, { size: 32 }) },
          ],
          light: false,
          yours: () => null,
        }),
      ),
    )
    expect(big).toContain('<td data-label="Amount">123,<wbr/>456,<wbr/>789,<wbr/>012,<wbr/>345 BAN</td>')
  })
})
