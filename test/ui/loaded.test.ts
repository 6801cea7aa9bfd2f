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
})
