import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { getAddress, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { HTLC_ADDRESS } from '../../src/node/contracts/addresses'
import { ActivityList, receivedNote } from '../../src/ui/components/ActivityList'
import { type ActivityItem, mergeActivity, type ReceivedItem } from '../../src/wallet/activity'

const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const PAYER = getAddress(DEVNET_ACCOUNTS[2] as string)
const hashOf = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

const render = (props: Parameters<typeof ActivityList>[0]): string =>
  renderToStaticMarkup(createElement(MemoryRouter, null, createElement(ActivityList, props)))

/** The rows' `<li>`s, in order. */
const items = (html: string): string[] => html.match(/<li[^>]*>.*?<\/li>/g) ?? []

describe('the wallet Activity', () => {
  const sent: ActivityItem = {
    hash: hashOf(1),
    from: ME,
    title: 'Send 1 TAB to 0x3C…BC',
    nonce: 0,
    sentAt: 0,
    status: 'pending',
  }
  const received: ReceivedItem = {
    hash: hashOf(2),
    key: '4',
    title: 'Received 10 APL from 0x3C…BC',
    from: PAYER,
    blockNumber: '10',
  }

  test('lists what came in beside what was sent, told apart, each with the status tag the Tx page writes and a link to its transaction', () => {
    const html = render({ rows: mergeActivity([sent], [received]), head: 12n, note: null })
    const [first, second] = items(html)
    expect(items(html)).toHaveLength(2)
    expect(first).toContain('data-direction="sent" data-status="pending"')
    expect(first).toContain('Send 1 TAB to 0x3C…BC')
    expect(first).toContain(
      'data-testid="activity-status" data-state="pending" data-verified="true">Pending — not in a block yet</span>',
    )
    expect(first).toContain(`href="/tx/${sent.hash}"`)
    expect(second).toContain('data-direction="received" data-status="confirmed"')
    expect(second).toContain('<span class="tag tag--accent">Received</span> Received 10 APL from 0x3C…BC')
    expect(second).toContain(
      'data-testid="activity-status" data-state="confirmed" data-verified="true">Confirmed (3 confirmations)</span>',
    )
    expect(second).toContain(`href="/tx/${received.hash}"`)
    expect(html).not.toContain('activity-received-note')
  })

  test('a failed or dropped send says why in its tag, and one not verified at the head says so', () => {
    const failed = {
      ...sent,
      hash: hashOf(3),
      status: 'failed',
      blockNumber: '9',
      reason: 'no funds',
    } as const
    const unverified = { ...sent, hash: hashOf(4), unverified: 'no peer answered' }
    const html = render({ rows: mergeActivity([unverified, failed], []), head: 12n, note: null })
    expect(html).toContain('data-state="failed" data-verified="true">Failed: no funds</span>')
    expect(html).toContain(
      'data-state="pending" data-verified="false">Pending — not in a block yet · not verified at the current head: no peer answered</span>',
    )
  })

  test('a send proven against its block header alone says so in its tag, as the Tx page does', () => {
    const proven: ActivityItem = { ...sent, status: 'confirmed', blockNumber: '10', provenBelowBase: true }
    const html = render({ rows: mergeActivity([proven], []), head: 12n, note: null })
    expect(html).toContain(
      'data-state="confirmed" data-verified="true">Confirmed (3 confirmations) · proven against block header #10, not executed by this node: it started from a snapshot taken after that block</span>',
    )
  })

  test('coin an HTLC lock paid this account shows as received from the lock beside the redeem this wallet sent, which says no amount', () => {
    const redeem: ActivityItem = {
      ...sent,
      title: 'Redeem HTLC lock',
      status: 'confirmed',
      blockNumber: '10',
    }
    const lock: Hex = `0x${'ab'.repeat(32)}`
    const paid: ReceivedItem = {
      hash: redeem.hash,
      key: '0',
      title: 'Received 5 TAB from an HTLC redeem of lock 0xabab…abab',
      from: getAddress(HTLC_ADDRESS),
      blockNumber: '10',
      htlc: { lock, via: 'redeem' },
    }
    const rows = items(render({ rows: mergeActivity([redeem], [paid]), head: 12n, note: null }))
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('data-direction="sent" data-status="confirmed"')
    expect(rows[1]).toContain(
      '<span class="tag tag--accent">Received</span> Received 5 TAB from an HTLC redeem of lock 0xabab…abab',
    )
    expect(rows[1]).toContain(
      'data-state="confirmed" data-verified="true">Confirmed (3 confirmations)</span>',
    )
    expect(rows[1]).toContain(`href="/tx/${redeem.hash}"`)
  })

  test('a node not full lists no payment received and says why, with the upgrade’s progress; a full one lists them', () => {
    expect(receivedNote({ kind: 'full' }, 'auto')).toBeNull()
    expect(receivedNote(null, null)).toBeNull()
    expect(receivedNote({ kind: 'upgrading', percent: 42.7 }, 'auto')).toBe(
      'Payments received show once this node is full (now upgrading 42 %).',
    )
    expect(receivedNote({ kind: 'light' }, 'auto')).toBe(
      'Payments received show once this node is full (now light).',
    )
    expect(receivedNote({ kind: 'light' }, 'light')).toBe(
      'Payments received are not listed: this node is pinned light (the Mode card on the home screen) and keeps no index of them. A full node lists them.',
    )
    const note = receivedNote({ kind: 'upgrading', percent: 10 }, 'auto')
    const html = render({ rows: [], head: 12n, note })
    expect(html).toContain(`data-testid="activity-received-note">${note}</p>`)
    expect(html).toContain('Nothing sent from this wallet yet.')
    expect(render({ rows: [], head: 12n, note: null })).toContain('Nothing sent or received yet.')
  })
})
