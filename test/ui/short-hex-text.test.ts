import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { ApprovalContent } from '../../src/ui/components/ApprovalDialog'
import { ShortHexText, shortHexParts } from '../../src/ui/components/ShortHexText'

describe('short addresses in a sentence', () => {
  test('each short address or hash is a part of its own, the rest as written', () => {
    const text = 'Transfer 1 GLD from 0x20…51 to 0x20F22364…2EfF51'
    const parts = shortHexParts(text)
    expect(parts).toEqual([
      { text: 'Transfer 1 GLD from ', hex: false },
      { text: '0x20…51', hex: true },
      { text: ' to ', hex: false },
      { text: '0x20F22364…2EfF51', hex: true },
    ])
    expect(parts.map((p) => p.text).join('')).toBe(text)
    // None: the text whole; a whole address or a word with "…" is not a short form.
    expect(shortHexParts('Sending…')).toEqual([{ text: 'Sending…', hex: false }])
    expect(shortHexParts('')).toEqual([])
  })

  test('is kept on one line, the words around it free to wrap', () => {
    expect(renderToStaticMarkup(createElement(ShortHexText, { text: 'Send 2 TAB to 0x20…51, now' }))).toBe(
      'Send 2 TAB to <span class="short-hex">0x20…51</span>, now',
    )
  })

  test('an amount in it breaks only after a digit-group comma, never inside a group', () => {
    // The Tokens screen's and the Wallet's activity rows: "Create GLD (123,456,789,012,3 / 45 GLD)" on a phone.
    expect(
      renderToStaticMarkup(
        createElement(ShortHexText, { text: 'Create GLD (123,456,789,012,345 GLD), at 0x20…51, now' }),
      ),
    ).toBe(
      'Create GLD (123,<wbr/>456,<wbr/>789,<wbr/>012,<wbr/>345 GLD), at <span class="short-hex">0x20…51</span>, now',
    )
  })

  test("the approval dialog's title keeps its short address on one line", () => {
    const html = renderToStaticMarkup(
      createElement(ApprovalContent, {
        request: {
          kind: 'transaction',
          from: getAddress(DEVNET_ACCOUNTS[0] as string),
          title: 'Send 2 TAB to 0x20…51, with a fee of up to 0.01 TAB',
          details: [],
        },
        armed: true,
        id: 1,
      }),
    )
    expect(html).toContain(
      '<h2 data-testid="approval-title">Send 2 TAB to <span class="short-hex">0x20…51</span>, with a fee of up to 0.01 TAB</h2>',
    )
  })
})
