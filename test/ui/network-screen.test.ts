import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { describe, expect, test } from 'vitest'
import type { NetworkSnapshot } from '../../src/node/network/types'
import { NetworkView } from '../../src/ui/screens/NetworkScreen'

const OWN = '12D3KooWQx1b8YtH2mA9cVnR7pLzE3kF5sD6gJ4hW2uT8yB1x7Qa'
const DIRECT = '12D3KooWDirectPeer000000000000000000000000000000AAAA'
const RELAYED = '12D3KooWRelayedPeer00000000000000000000000000000BBBB'
const ADDRESS = '/ip4/127.0.0.1/tcp/4511/ws/p2p/12D3KooWRelay'

const NOW = 1_764_028_800_000
const snapshot: NetworkSnapshot = {
  peerId: OWN,
  relay: { state: 'connected', address: ADDRESS },
  peers: [
    { peerId: DIRECT, kind: 'direct', latencyMs: 14.6, address: '/webrtc', since: NOW - 4_000 },
    {
      peerId: RELAYED,
      kind: 'relayed',
      address: `${ADDRESS}/p2p-circuit`,
      since: NOW - 4_000,
      dial: { state: 'dialing' },
    },
  ],
  linking: [],
}

const render = (): string =>
  renderToStaticMarkup(
    createElement(
      MemoryRouter,
      null,
      createElement(NetworkView, { network: snapshot, online: true, now: NOW }),
    ),
  )
const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')

describe("the Network screen, in a user's words", () => {
  test('says first how the tabs are linked, the connection kinds kept in brackets', () => {
    expect(render()).toContain(
      '<p class="muted" data-testid="network-summary">Linked directly to 1 tab (direct WebRTC); 1 more reached through the relay only (relayed).</p>',
    )
  })

  test("a peer's link reads first in words, its kind beside it, and its ping latency and age under labels that say what they are", () => {
    const html = render()
    expect([...html.matchAll(/<th scope="col">(.*?)<\/th>/g)].map((m) => m[1])).toEqual([
      'Tab (peer id)',
      'Connection',
      'Reply time (ping latency)',
      'Linked for',
    ])
    const shown = text(html)
    expect(shown).toContain('Linked directly Direct WebRTC 15 ms 4s')
    expect(shown).toContain(
      'Through the relay only Relayed Setting up a direct link… No blocks or transactions flow until it is up. measuring… 4s',
    )
    expect(html).toContain('data-label="Reply time (ping latency)"')
    expect(html).toContain('data-label="Linked for"')
  })

  test('this tab’s peer id, relay and relay address each say what they are; the whole id and address stay', () => {
    const shown = text(render())
    expect(shown).toContain(`${OWN} Copy This tab’s name on the network: other tabs list it by this id.`)
    expect(shown).toContain(
      'It introduces tabs to one another; linked directly, they then exchange blocks and transactions without it.',
    )
    expect(shown).toContain(`${ADDRESS} Copy Where this tab reached the relay (its libp2p multiaddr).`)
  })

  test('the relay address says first, in words, where this tab reached it; the raw multiaddr stays, smaller and copyable', () => {
    const html = render()
    expect(html).toContain('<p data-testid="relay-where">127.0.0.1, port 4511, over WebSockets</p>')
    expect(html).toContain(`<p class="mono break small" data-testid="relay-address">${ADDRESS}</p>`)
    // In that order: the words, then the multiaddr and its copy button.
    expect(text(html)).toContain(
      `127.0.0.1, port 4511, over WebSockets ${ADDRESS} Copy Where this tab reached the relay (its libp2p multiaddr).`,
    )
  })
})
