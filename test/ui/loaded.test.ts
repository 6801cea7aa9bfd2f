import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { Loaded, LoadFailed, type QueryResult } from '../../src/ui/components/explorer'

// Loaded uses no hook: called as a function, it gives the element the screen renders.
const render = (result: QueryResult<string>): string =>
  renderToStaticMarkup(Loaded({ result, children: (value: string) => value }))

describe('a screen’s node query', () => {
  test('a failed load is announced (role="alert"): a screen reader hears that the screen did not load', () => {
    expect(render({ error: 'the node is not reachable' })).toBe(
      '<p class="panel panel--error" role="alert" data-testid="load-failed">the node is not reachable</p>',
    )
    expect(render(null)).toBe('<p class="muted">Loading…</p>')
    expect(render({ value: 'block #7' })).toBe('block #7')
    // The screens that lay out their own loading state (the market's book and trades, a block) say it so too.
    expect(renderToStaticMarkup(createElement(LoadFailed, { error: 'the node is not reachable' }))).toBe(
      '<p class="panel panel--error" role="alert" data-testid="load-failed">the node is not reachable</p>',
    )
  })
  test("a read no peer proved says so in plain words, the light client's own message folded under Details", () => {
    const error =
      'no peer proved balance of 0x1111111111111111111111111111111111111111 in 0x2222222222222222222222222222222222222222 (1 asked): 12D3KooWPeer: 12D3KooWPeer failed the request /tabchain/31416/sync-state/2.0.0: a timeout'
    const html = renderToStaticMarkup(createElement(LoadFailed, { error }))
    expect(html).toContain(
      '<p data-testid="unproven-line">Could not verify the balance of 0x11111111…111111 in 0x22222222…222222 just now (no peer proved it), so it is not shown as verified. This tab asks again every few seconds while a peer is linked (at once when one links), and at each new block.</p>',
    )
    expect(html).toContain(
      `<details data-testid="unproven-detail"><summary>Details</summary><p class="mono break">${error}</p></details>`,
    )
    expect(html).toMatch(/^<div class="panel panel--error" role="alert" data-testid="load-failed">/)
  })
})
