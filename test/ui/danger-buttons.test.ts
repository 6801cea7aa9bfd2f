import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { RemoveProfileDialog } from '../../src/ui/components/RemoveProfileDialog'
import { ReplaceWalletButton } from '../../src/ui/screens/WalletScreen'

/** The class list of the button whose `data-testid` is `testId` in `html`. */
function buttonClass(html: string, testId: string): string[] {
  const button = new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`).exec(html)?.[0] ?? ''
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
})
