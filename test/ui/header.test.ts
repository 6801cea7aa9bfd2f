import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { describe, expect, test } from 'vitest'
import { Header } from '../../src/ui/components/Header'
import { relayPillTitle } from '../../src/ui/components/StatusPills'

/** The header's section links on `path`: each one's label, and whether it is marked current and active. */
const sections = (path: string) => {
  const html = renderToStaticMarkup(
    createElement(MemoryRouter, { initialEntries: [path] }, createElement(Header)),
  )
  const nav = /<nav class="nav" aria-label="Sections">(.*?)<\/nav>/.exec(html)?.[1] ?? ''
  return [...nav.matchAll(/<a ([^>]*)>([^<]*)<\/a>/g)].map(([, attrs = '', label]) => ({
    label,
    current: attrs.includes('aria-current="page"'),
    active: /class="[^"]*nav__link--active/.test(attrs),
  }))
}
/** The labels of the links marked current (`aria-current="page"`), and those styled as such. */
const marked = (path: string) => {
  const links = sections(path)
  return {
    current: links.filter((l) => l.current).map((l) => l.label),
    active: links.filter((l) => l.active).map((l) => l.label),
  }
}

describe("the header's sections", () => {
  test('lists every section, Home first', () => {
    expect(sections('/').map((l) => l.label)).toEqual([
      'Home',
      'Network',
      'Wallet',
      'Tokens',
      'Market',
      'Explorer',
    ])
  })

  test("a block's, a transaction's, an address's and a token's page are the Explorer's: it is marked current there", () => {
    const hash = `0x${'ab'.repeat(32)}`
    const address = `0x${'cd'.repeat(20)}`
    for (const path of [
      '/explorer',
      '/block/12',
      `/tx/${hash}`,
      `/address/${address}`,
      `/token/${address}`,
    ]) {
      expect(marked(path), path).toEqual({ current: ['Explorer'], active: ['Explorer'] })
    }
  })

  test('every other section on its own page only; Home on / only; none on a page no section holds', () => {
    expect(marked('/')).toEqual({ current: ['Home'], active: ['Home'] })
    for (const [path, label] of [
      ['/network', 'Network'],
      ['/wallet', 'Wallet'],
      ['/tokens', 'Tokens'],
      ['/market', 'Market'],
    ] as const) {
      expect(marked(path), path).toEqual({ current: [label], active: [label] })
    }
    for (const path of ['/nowhere', '/blocks', '/txs/1', '/tokenx']) {
      expect(marked(path), path).toEqual({ current: [], active: [] })
    }
  })
})

describe("the header's relay status", () => {
  test('an unreachable relay says why in words as its tooltip, not the raw error', () => {
    const now = 1_000_000
    expect(
      relayPillTitle(
        {
          state: 'unreachable',
          error: 'relay info: no answer (Failed to fetch)',
          problem: { kind: 'silent' },
          attempt: 2,
          retryAt: now + 4_000,
        },
        now,
      ),
    ).toBe(
      'The server that runs the relay did not answer: it may be stopped, or this network cannot reach it.',
    )
    expect(relayPillTitle({ state: 'connected', address: '/ip4/127.0.0.1/tcp/4311/ws' }, now)).toBe(
      'Relay /ip4/127.0.0.1/tcp/4311/ws',
    )
    expect(relayPillTitle({ state: 'connecting', attempt: 1 }, now)).toBeUndefined()
  })
})
