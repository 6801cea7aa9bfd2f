import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { Holdings, SentList, YourAccount } from '../../src/ui/screens/TokensScreen'
import type { TxSigner } from '../../src/ui/signer/signer'
import type { TrackedTx } from '../../src/ui/tx-tracker'
import { banana } from './banana'

const FROM = `0x${'cd'.repeat(20)}` as Address
const HASH = `0x${'ab'.repeat(32)}` as Hex
const BAN = banana(FROM)
const created = (confirmations: bigint): TrackedTx => ({
  id: 1,
  label: 'Create BAN (1,000 BAN)',
  from: FROM,
  nonce: 0n,
  status: { state: 'confirmed', hash: HASH, confirmations },
})
const inRouter = (element: ReturnType<typeof createElement>) =>
  renderToStaticMarkup(createElement(MemoryRouter, null, element))

describe("the Tokens screen's verified marks", () => {
  test('a confirmed transaction the verified balances do not count yet says at which block they will', () => {
    // Mined in #57 (2 confirmations at head #58), balances proven at #56 with k = 3.
    const html = inRouter(
      createElement(SentList, { txs: [created(2n)], head: 58n, verified: { at: 56n, confirmations: 3 } }),
    )
    expect(html).toContain('Confirmed (2 confirmations)')
    expect(html).toContain('Shows in your verified balances at block #59, once 3 blocks deep.')
  })

  test('nothing more once they count it, while it is pending, or on a full node', () => {
    const counted = inRouter(
      createElement(SentList, { txs: [created(3n)], head: 59n, verified: { at: 57n, confirmations: 3 } }),
    )
    expect(counted).toContain('Confirmed (3 confirmations)')
    expect(counted).not.toContain('verified-later')
    const pending: TrackedTx = { ...created(0n), status: { state: 'pending', hash: HASH } }
    expect(
      inRouter(
        createElement(SentList, { txs: [pending], head: 58n, verified: { at: 56n, confirmations: 3 } }),
      ),
    ).not.toContain('verified-later')
    expect(
      inRouter(createElement(SentList, { txs: [created(1n)], head: 58n, verified: null })),
    ).not.toContain('verified-later')
  })

  test('the coin balance is marked with the header it was proven at on a light node, as the token rows, and not on a full one', () => {
    const signer: TxSigner = {
      address: FROM,
      label: 'Devnet account 3',
      sendTransaction: () => Promise.reject(new Error('not in this test')),
    }
    const account = (balance: bigint | undefined, light: boolean, directPeers = 1) =>
      inRouter(createElement(YourAccount, { profileId: 'p', signer, balance, at: 56n, light, directPeers }))
    const tab = 10_000n * 10n ** 18n
    expect(account(tab, true)).toContain('10,000 TAB · ✓ verified at #56 · Devnet account 3')
    expect(account(tab, true, 0)).toContain(
      '10,000 TAB · ✓ verified at #56 · no peer yet: newer blocks may change it · Devnet account 3',
    )
    expect(account(undefined, true)).toContain('… TAB · not verified yet · Devnet account 3')
    const full = account(tab, false)
    expect(full).toContain('10,000 TAB · Devnet account 3')
    expect(full).not.toContain('verified')
  })

  test('token rows are marked with the header their list was proven at on a light node, and not on a full one', () => {
    const light = inRouter(createElement(Holdings, { holdings: [BAN], at: 59n, light: true, directPeers: 1 }))
    // A narrow cell breaks the amount only after its digit-group comma (GroupedAmount).
    expect(light).toContain('1,<wbr/>000 BAN · ✓ verified at #59')
    const full = inRouter(createElement(Holdings, { holdings: [BAN], at: 61n, light: false, directPeers: 1 }))
    expect(full).toContain('>1,<wbr/>000 BAN</td>')
    expect(full).not.toContain('verified')
  })
})

describe("the Tokens screen's lists and address card", () => {
  test('a confirmed transaction says when its block was mined, the date in its tooltip; a pending one does not', () => {
    const at = BigInt(Date.now() - 185_000)
    const mined: TrackedTx = {
      ...created(2n),
      status: { state: 'confirmed', hash: HASH, confirmations: 2n, block: 57n },
    }
    const html = inRouter(
      createElement(SentList, { txs: [mined], head: 58n, verified: null, blockTimes: new Map([['57', at]]) }),
    )
    expect(html).toContain('<th>When</th>')
    expect(html).toMatch(/data-testid="activity-time"><span title="[^"]+">3m\u00a00[45]s ago</)
    expect(html).toContain(`title="${new Date(Number(at)).toLocaleString()}"`)
    const pending: TrackedTx = { ...created(0n), status: { state: 'pending', hash: HASH } }
    const waiting = inRouter(
      createElement(SentList, {
        txs: [pending],
        head: 58n,
        verified: null,
        blockTimes: new Map([['57', at]]),
      }),
    )
    expect(waiting).not.toContain('ago')
  })

  test('a sent transaction links by its short hash, the whole hash its tooltip and accessible name', () => {
    const html = inRouter(createElement(SentList, { txs: [created(2n)], head: 58n, verified: null }))
    expect(html).toContain(
      `<a class="mono short-hex" title="${HASH}" aria-label="Transaction ${HASH}" href="/tx/${HASH}" data-discover="true">0xabababab…ababab</a>`,
    )
  })

  test('with no wallet, "Act as" and its account select stand together on a line of their own, after the sentence', () => {
    const signer: TxSigner = {
      address: FROM,
      label: 'Devnet account 7',
      sendTransaction: () => Promise.reject(new Error('not in this test')),
    }
    const html = inRouter(
      createElement(YourAccount, {
        profileId: 'p',
        signer,
        balance: 0n,
        at: undefined,
        light: false,
        directPeers: 1,
      }),
    )
    expect(html).toMatch(
      /until you create a wallet for an account of your own\.<\/p><label class="act-as muted small">Act as<select class="input" aria-label="Devnet account">/,
    )
  })
})
