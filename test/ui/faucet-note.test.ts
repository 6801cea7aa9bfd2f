import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { FaucetNote } from '../../src/ui/screens/WalletScreen'

const HASH = `0x${'ab'.repeat(32)}` as Hex
const render = (faucet: Parameters<typeof FaucetNote>[0]['faucet']) =>
  renderToStaticMarkup(createElement(MemoryRouter, null, createElement(FaucetNote, { faucet })))

describe("the wallet's faucet note", () => {
  test("the payment's hash opens its transaction page as soon as it is sent, while it waits, and once mined", () => {
    const link = `<a class="mono break" href="/tx/${HASH}" data-discover="true">${HASH}</a>`
    const sent = render({ kind: 'sent', hash: HASH, sends: 1 })
    expect(sent).toContain(`Faucet transfer sent: ${link}`)
    const waiting = render({ kind: 'no-miner', hash: HASH, waitedMs: 30_000 })
    expect(waiting).toContain(`Faucet transfer sent: ${link}`)
    expect(waiting).toContain('not mined yet: no block for 30 s')
    expect(render({ kind: 'mined', hash: HASH })).toContain(`Faucet transfer mined: ${link}`)
  })
})
