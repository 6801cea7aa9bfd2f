import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { RemoveProfileDialog } from '../../src/ui/components/RemoveProfileDialog'
import { UseTokenButton } from '../../src/ui/screens/TokensScreen'
import { ReplaceWalletButton } from '../../src/ui/screens/WalletScreen'

/** The class list of the button whose `data-testid` is `testId` (any button without one) in `html`. */
function buttonClass(html: string, testId?: string): string[] {
  const which = testId === undefined ? '' : `[^>]*data-testid="${testId}"`
  const button = new RegExp(`<button${which}[^>]*>`).exec(html)?.[0] ?? ''
  return (/class="([^"]*)"/.exec(button)?.[1] ?? '').split(' ')
}

describe('irreversible actions look dangerous, not like the primary action', () => {
  test('"Remove profile" carries button--danger', () => {
    const profile = { id: 'p1', name: 'Profile 1', createdAt: 0, peerId: '12D3KooWAbcdefgh' }
    const html = renderToStaticMarkup(
      createElement(RemoveProfileDialog, { profile, runs: null, onClose: () => undefined }),
    )
    expect(html).toContain('Remove profile</button>')
    expect(buttonClass(html, 'remove-confirm')).toEqual(['button', 'button--danger'])
  })

  test('"Replace this wallet" carries button--danger, busy or not', () => {
    const idle = renderToStaticMarkup(
      createElement(ReplaceWalletButton, { busy: false, onClick: () => undefined }),
    )
    expect(idle).toContain('Replace this wallet</button>')
    expect(buttonClass(idle, 'restore-confirm')).toEqual(['button', 'button--danger'])
    const busy = renderToStaticMarkup(
      createElement(ReplaceWalletButton, { busy: true, onClick: () => undefined }),
    )
    expect(busy).toContain('disabled=""')
    expect(buttonClass(busy, 'restore-confirm')).toEqual(['button', 'button--danger'])
  })

  test("the token form's Burn is red; its other actions stay primary", () => {
    const burn = renderToStaticMarkup(createElement(UseTokenButton, { action: 'burn', busy: false }))
    expect(burn).toContain('>Burn</button>')
    expect(buttonClass(burn)).toEqual(['button', 'button--danger'])
    for (const action of ['transfer', 'approve', 'mint'] as const)
      expect(
        buttonClass(renderToStaticMarkup(createElement(UseTokenButton, { action, busy: false }))),
      ).toEqual(['button', 'button--primary'])
  })
})
