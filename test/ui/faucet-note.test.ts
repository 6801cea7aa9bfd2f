import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { FaucetNote } from '../../src/ui/screens/WalletScreen'

const HASH = `0x${'ab'.repeat(32)}` as Hex
const TO = `0x${'cd'.repeat(20)}` as Address
type Props = Parameters<typeof FaucetNote>[0]
const render = (faucet: Props['faucet'], verified: Props['verified'] = null) =>
  renderToStaticMarkup(createElement(MemoryRouter, null, createElement(FaucetNote, { faucet, verified })))

describe("the wallet's faucet note", () => {
  test("the payment's short hash opens its transaction page as soon as it is sent, while it waits, and once mined; the whole hash its tooltip and what a screen reader reads", () => {
    const link = `<a class="mono short-hex" title="${HASH}" aria-label="Transaction ${HASH}" href="/tx/${HASH}" data-discover="true">0xabababab…ababab</a>`
    const sent = render({ kind: 'sent', hash: HASH, sends: 1 })
    expect(sent).toContain(`Faucet transfer sent: ${link}`)
    const waiting = render({ kind: 'no-miner', hash: HASH, waitedMs: 30_000 })
    expect(waiting).toContain(`Faucet transfer sent: ${link}`)
    expect(waiting).toContain('not mined yet: no block for 30 s')
    expect(render({ kind: 'mined', hash: HASH, to: TO, block: 57n })).toContain(
      `Faucet transfer mined: ${link}`,
    )
  })

  test('mined, on a light node whose verified balance does not count its block yet: says at which block it will', () => {
    const mined = { kind: 'mined', hash: HASH, to: TO, block: 57n } as const
    // Head #58, k = 3: the balance is proven at #56, and counts block #57 once the head is #59.
    const behind = render(mined, { at: 56n, confirmations: 3 })
    expect(behind).toContain(
      '<span data-testid="verified-later">Shows in your verified balances at block #59, once 3 blocks deep.</span>',
    )
    // Its balance not verified at all yet: the same.
    expect(render(mined, { at: undefined, confirmations: 3 })).toContain('at block #59, once 3 blocks deep.')
    // Counted: nothing more. A full node (no verified balances k deep), or a block not read: nothing.
    expect(render(mined, { at: 57n, confirmations: 3 })).not.toContain('verified-later')
    expect(render(mined)).not.toContain('verified-later')
    expect(render({ ...mined, block: null }, { at: 56n, confirmations: 3 })).not.toContain('verified-later')
    // Not mined yet: nothing to count.
    expect(render({ kind: 'sent', hash: HASH, sends: 1 }, { at: 56n, confirmations: 3 })).not.toContain(
      'verified-later',
    )
  })
})
