import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { getAddress, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { LockState } from '../../src/node/contracts/htlc/abi'
import { peerListed, type SettledLocks } from '../../src/ui/address-activity'
import {
  ActivityList,
  damagedNote,
  receivedFrom,
  receivedNote,
  sentTitle,
  shownReceived,
} from '../../src/ui/components/ActivityList'
import { short } from '../../src/ui/components/explorer'
import { addressListNote } from '../../src/ui/screens/ExplorerScreen'
import {
  type ActivityItem,
  mergeActivity,
  RECEIVED_LIMIT,
  type ReceivedItem,
  readReceived,
} from '../../src/wallet/activity'

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

  test('a send reads "Sending" while pending and "Sent" once in a block, beside "Received"; other titles as asked', () => {
    expect(sentTitle('Send 2.5 TAB to 0x20…51', 'pending')).toBe('Sending 2.5 TAB to 0x20…51')
    expect(sentTitle('Send 2.5 TAB to 0x20…51', 'confirmed')).toBe('Sent 2.5 TAB to 0x20…51')
    expect(sentTitle('Send 2.5 TAB to 0x20…51', 'failed')).toBe('Send 2.5 TAB to 0x20…51')
    expect(sentTitle('Transfer 1 GLD to 0x20…51', 'confirmed')).toBe('Transfer 1 GLD to 0x20…51')
    const html = render({
      rows: mergeActivity([{ ...sent, status: 'confirmed', blockNumber: '11' }], []),
      head: 12n,
      note: null,
      receivedRead: true,
    })
    expect(items(html)[0]).toContain('<span>Sent 1 TAB to ' + '<span class="short-hex">0x3C…BC</span></span>')
  })

  test("a row in a block says when, the block's time, its date in the tooltip; a pending one says nothing of it", () => {
    const at = BigInt(Date.now() - 3 * 60_000)
    const html = render({
      rows: mergeActivity([sent], [received]),
      head: 12n,
      note: null,
      receivedRead: true,
      blockTimes: new Map([['10', at]]),
    })
    const [first, second] = items(html)
    expect(first).not.toContain('activity-time')
    expect(second).toContain(
      `<span class="muted small" data-testid="activity-time"><span title="${new Date(Number(at)).toLocaleString()}">3m\u00a00`,
    )
    expect(second).toMatch(/data-testid="activity-time"><span [^>]*>3m\u00a00\ds ago<\/span>/)
  })

  test('lists what came in beside what was sent, told apart, each with the status tag the Tx page writes and a link to its transaction', () => {
    const html = render({
      rows: mergeActivity([sent], [received]),
      head: 12n,
      note: null,
      receivedRead: true,
    })
    const [first, second] = items(html)
    expect(items(html)).toHaveLength(2)
    expect(first).toContain('data-direction="sent" data-status="pending"')
    expect(first).toContain('Sending 1 TAB to <span class="short-hex">0x3C…BC</span>')
    expect(first).toContain(
      'data-testid="activity-status" data-state="pending" data-verified="true">Pending — not in a block yet</span>',
    )
    expect(first).toContain(`href="/tx/${sent.hash}"`)
    // What it did, said once, as it stands (pending: "Sending"): no "Sent" tag before the title.
    expect(first).toContain('<span>Sending 1 TAB to <span class="short-hex">0x3C…BC</span></span>')
    expect(first).not.toContain('>Sent<')
    // The hash in short, linking to the Tx page, whole in its tooltip and accessible name.
    expect(first).toContain(
      `<a class="mono small short-hex" title="${sent.hash}" aria-label="Transaction ${sent.hash}" href="/tx/${sent.hash}" data-discover="true">${short(sent.hash)}</a>`,
    )
    expect(first?.match(new RegExp(sent.hash, 'g'))).toHaveLength(3)
    expect(second).toContain('data-direction="received" data-status="confirmed"')
    expect(second).toContain('<span>Received 10 APL from <span class="short-hex">0x3C…BC</span>')
    expect(second).not.toContain('>Received<')
    expect(second).toContain(`>${short(received.hash)}</a>`)
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
    const html = render({
      rows: mergeActivity([unverified, failed], []),
      head: 12n,
      note: null,
      receivedRead: true,
    })
    expect(html).toContain('data-state="failed" data-verified="true">Failed: no funds</span>')
    expect(html).toContain(
      'data-state="pending" data-verified="false">Pending — not in a block yet · not verified at the current head: no peer answered</span>',
    )
  })

  test('what the account sent not through this wallet (another browser or profile with its phrase) shows as sent, saying what it did; one that reverted says failed', () => {
    const elsewhere: ReceivedItem = {
      hash: hashOf(3),
      key: 'sent',
      title: 'Sent 2 TAB to 0x3C…BC',
      from: ME,
      blockNumber: '11',
      outgoing: 'success',
    }
    const reverted: ReceivedItem = {
      ...elsewhere,
      hash: hashOf(4),
      title: 'Called TokenFactory',
      blockNumber: '9',
      outgoing: 'reverted',
    }
    const [ok, failed] = items(
      render({ rows: mergeActivity([], [elsewhere, reverted]), head: 12n, note: null, receivedRead: true }),
    )
    expect(ok).toContain('data-direction="sent" data-status="confirmed"')
    expect(ok).toContain('Confirmed (2 confirmations)')
    expect(ok).toContain('<span>Sent 2 TAB to <span class="short-hex">0x3C…BC</span></span>')
    expect(failed).toContain('data-direction="sent" data-status="failed"')
    expect(failed).toContain('data-state="failed" data-verified="true">Failed: reverted</span>')
  })

  test('a send proven against its block header alone says so in its tag, as the Tx page does', () => {
    const proven: ActivityItem = { ...sent, status: 'confirmed', blockNumber: '10', provenBelowBase: true }
    const html = render({ rows: mergeActivity([proven], []), head: 12n, note: null, receivedRead: true })
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
      title: 'Received 5 TAB from a swap, collected from lock 0xabab…abab',
      from: getAddress(HTLC_ADDRESS),
      blockNumber: '10',
      htlc: { lock, via: 'redeem' },
    }
    const rows = items(
      render({ rows: mergeActivity([redeem], [paid]), head: 12n, note: null, receivedRead: true }),
    )
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('data-direction="sent" data-status="confirmed"')
    expect(rows[1]).toContain(
      '<span>Received 5 TAB from a swap, collected from lock <span class="short-hex">0xabab…abab</span>',
    )
    expect(rows[1]).toContain(
      'data-state="confirmed" data-verified="true">Confirmed (3 confirmations)</span>',
    )
    expect(rows[1]).toContain(`href="/tx/${redeem.hash}"`)
  })

  test('a coin lock’s payout shows at once: its amount reads as being read, then the amount, or why it was not read; a lock that paid another leaves the row out', () => {
    const lock: Hex = `0x${'ab'.repeat(32)}`
    const payout: ReceivedItem = {
      hash: hashOf(3),
      key: '0',
      title: 'From a swap, collected from lock 0xabab…abab',
      from: getAddress(HTLC_ADDRESS),
      blockNumber: '10',
      htlc: { lock, via: 'redeem' },
      lockUnread: true,
    }
    const coin: ReceivedItem = {
      hash: hashOf(2),
      key: 'coin',
      title: 'Received 1 TAB from 0x3C…BC',
      from: PAYER,
      blockNumber: '9',
    }
    const row = (locks: SettledLocks) => {
      const rows = items(
        render({
          rows: mergeActivity([], shownReceived(ME, [payout, coin], locks)),
          head: 12n,
          note: null,
          receivedRead: true,
        }),
      )
      expect(rows.at(-1)).toContain('Received 1 TAB from <span class="short-hex">0x3C…BC</span>')
      return rows
    }
    const reading = row(new Map())
    expect(reading).toHaveLength(2)
    expect(reading[0]).toContain(
      'From a swap, collected from lock <span class="short-hex">0xabab…abab</span> · <span class="muted" data-testid="activity-amount" data-lock-read="reading">Reading the amount…</span>',
    )
    const error = `no peer proved lock ${lock}: all 2 failed`
    const failed = row(new Map([[lock, { state: 'failed', error }]]))
    expect(failed).toHaveLength(2)
    expect(failed[0]).toContain(
      `data-lock-read="failed" title="${error}">Amount not read: no peer proved lock ${short(lock)}</span>`,
    )
    const coinLock = {
      sender: PAYER,
      recipient: ME,
      token: ZERO_ADDRESS,
      amount: 5n * 10n ** 18n,
      hashlock: lock,
      timelockHeight: 99n,
      state: LockState.Redeemed,
    } as const
    const read = row(new Map([[lock, { state: 'read', lock: coinLock }]]))
    expect(read[0]).toContain(
      '<span>Received 5 TAB from a swap, collected from lock <span class="short-hex">0xabab…abab</span></span>',
    )
    expect(read[0]).not.toContain('activity-amount')
    const another = row(new Map([[lock, { state: 'read', lock: { ...coinLock, recipient: PAYER } }]]))
    expect(another).toHaveLength(1)
    expect(another[0]).toContain('Received 1 TAB from <span class="short-hex">0x3C…BC</span>')
  })

  test('saved activity that could not be read is said once, above the list: how many items, or the whole list, kept aside', () => {
    expect(damagedNote(0)).toBeNull()
    const html = render({
      rows: mergeActivity([sent], []),
      head: 12n,
      note: null,
      receivedRead: true,
      damaged: damagedNote(2),
    })
    expect(html).toContain(
      '<p class="muted small" data-testid="activity-damaged">2 saved activity items could not be read: they are kept aside in this browser.</p>',
    )
    expect(items(html)).toHaveLength(1)
    expect(damagedNote(1)).toBe('1 saved activity item could not be read: it is kept aside in this browser.')
    expect(damagedNote('list')).toBe(
      'The saved activity list could not be read: it is kept aside in this browser.',
    )
    expect(render({ rows: [], head: 12n, note: null, receivedRead: true })).not.toContain('activity-damaged')
  })

  test('a light or upgrading node, pinned light or not, lists payments received as a full peer listed them, each proven, and says so in one line, the rest under About this list, in the address page’s words; a full one says nothing', () => {
    const line =
      'Payments received are listed by a full peer, each one proven, but a peer could leave some out.'
    const about =
      "Each one is proven in a block whose header this node verified. A swap lock's payout to this account that someone else redeemed or refunded is listed too, proven by the lock's record (a full peer of an older version leaves it out)."
    const listed = { line, about }
    expect(receivedNote({ kind: 'full' }, undefined)).toBeNull()
    expect(receivedNote(null, undefined)).toBeNull()
    // Pinned light or `auto` light, the reads are the same: so is the note.
    expect(receivedNote({ kind: 'light' }, undefined)).toEqual(listed)
    expect(receivedNote({ kind: 'upgrading', percent: 42.7 }, undefined)).toEqual(listed)
    // The Explorer's address page says the same of an address's list, in the same words.
    expect(addressListNote()).toEqual({
      line: 'Listed by a full peer, each one proven, but a peer could leave some out.',
      about: about.replace('this account', 'this address'),
    })
    expect(peerListed('address').about).toBe(about.replace('this account', 'this address'))
    const html = render({ rows: mergeActivity([], [received]), head: 12n, note: listed, receivedRead: true })
    // The line shows; the rest is folded away, closed, under "About this list", before the rows.
    expect(html).toContain(
      `<div class="muted small" data-testid="activity-received-note"><p>${line}</p><details><summary>About this list</summary><p>${about.replaceAll("'", '&#x27;')}</p></details></div><ul`,
    )
    expect(items(html)).toHaveLength(1)
    expect(items(html)[0]).toContain('<span>Received 10 APL from <span class="short-hex">0x3C…BC</span>')
    // Read, and none received: the list says so (the note says a peer could leave some out).
    expect(render({ rows: [], head: 12n, note: listed, receivedRead: true })).toContain(
      'Nothing sent or received yet.',
    )
    expect(render({ rows: [], head: 12n, note: null, receivedRead: true })).toContain(
      'Nothing sent or received yet.',
    )
  })

  test('payments received that could not be read now: the note says why, in the typed error’s words, the rows read before stay, and an empty list never says nothing was received', () => {
    const why = `transactions of ${PAYER.toLowerCase()} cannot be proved: no peer to ask`
    const shortPayer = `${PAYER.toLowerCase().slice(0, 10)}…${PAYER.toLowerCase().slice(-6)}`
    const failed = `Payments received could not be read now: transactions of ${shortPayer} cannot be proved: no peer to ask.`
    expect(receivedNote({ kind: 'light' }, why)).toEqual({
      line: `${failed} Payments received are listed by a full peer, ${peerListed('account').line}`,
      about: peerListed('account').about,
    })
    // A full node says so too (its own index failed to read), and nothing of peers.
    expect(receivedNote({ kind: 'full' }, why)).toEqual({ line: failed, about: null })
    expect(receivedNote({ kind: 'full' }, 'the node stopped answering.')).toEqual({
      line: 'Payments received could not be read now: the node stopped answering.',
      about: null,
    })
    const note = receivedNote({ kind: 'light' }, why)
    const kept = render({ rows: mergeActivity([sent], [received]), head: 12n, note, receivedRead: false })
    expect(items(kept)).toHaveLength(2)
    expect(kept).toContain('Payments received could not be read now')
    const empty = render({ rows: [], head: 12n, note, receivedRead: false })
    expect(empty).toContain('Nothing sent from this wallet yet.')
    expect(empty).not.toContain('received yet')
    // Before the first read too.
    expect(render({ rows: [], head: 12n, note: null, receivedRead: false })).toContain(
      'Nothing sent from this wallet yet.',
    )
  })

  test('a full node started from a snapshot (a tab back after more than 1,024 blocks) says the payments received in its base block or earlier are not listed, for its index starts past them; a light one, whose list a full peer gives, does not', () => {
    const base = 2_937n
    const line =
      'Payments received in block #2,937 or earlier may be missing here: this node started from a copy of the chain’s state at that block and has read only the blocks after it. A tab set to “stay full” (Home, Mode) runs and keeps every block.'
    expect(receivedNote({ kind: 'full' }, undefined, null, base)).toEqual({ line, about: null })
    // Beside why a read failed, and the busy account's cut.
    expect(receivedNote({ kind: 'full' }, 'the node stopped answering.', 3_100n, base)).toEqual({
      line: `Payments received could not be read now: the node stopped answering. Payments received before block #3,100 are not listed: only the account’s latest ${RECEIVED_LIMIT} transactions are read. ${line}`,
      about: null,
    })
    // Executed from the genesis (0), or a light node's oldest header: nothing to say of a base.
    expect(receivedNote({ kind: 'full' }, undefined, null, 0n)).toBeNull()
    // Nor before the mode is known (a light node's base is its oldest header).
    expect(receivedNote(null, undefined, null, base)).toBeNull()
    // An empty list does not say nothing was ever received: only nothing after the base block.
    const empty = render({
      rows: [],
      head: 3_000n,
      note: { line, about: null },
      receivedRead: true,
      receivedAfter: base,
    })
    expect(empty).toContain('Nothing sent from this wallet yet, nor received after block #2,937.')
    expect(empty).not.toContain('Nothing sent or received yet.')
    expect(receivedNote({ kind: 'light' }, undefined, null, base)).toEqual({
      line: `Payments received are listed by a full peer, ${peerListed('account').line}`,
      about: peerListed('account').about,
    })
  })

  test('a busy account, more transactions than are read for it: the Activity says from which block it lists payments received, for the sends below go on without them', async () => {
    /** An account's `count` latest transactions, block 1,000 − k each, every one paying it `k` wei. */
    const reads = (count: number) => ({
      addressTransactions: async (_: unknown, limit: number) =>
        Array.from({ length: Math.min(count, limit) }, (_, k) => hashOf(k + 1)),
      transaction: async (hash: Hex) => ({
        from: PAYER,
        to: ME,
        value: BigInt(hash),
        blockNumber: 1_000n - BigInt(hash),
      }),
      receipt: async (hash: Hex) => ({
        status: 'success' as const,
        blockNumber: 1_000n - BigInt(hash),
        logs: [],
      }),
      token: async () => null,
    })
    const busy = await readReceived(ME, reads(300), new Map())
    expect(busy.older).toBe(true)
    const oldest = 1_000 - RECEIVED_LIMIT
    expect(receivedFrom({ items: busy.activity, older: true })).toBe(BigInt(oldest))
    const line = `Payments received before block #${oldest.toLocaleString()} are not listed: only the account’s latest ${RECEIVED_LIMIT} transactions are read.`
    expect(
      receivedNote({ kind: 'full' }, undefined, receivedFrom({ items: busy.activity, older: true })),
    ).toEqual({
      line,
      about: null,
    })
    // On a light node, beside what it says of the peer's list; after why a read failed.
    expect(receivedNote({ kind: 'light' }, 'no peer to ask', BigInt(oldest))).toEqual({
      line: `Payments received could not be read now: no peer to ask. ${line} Payments received are listed by a full peer, ${peerListed('account').line}`,
      about: peerListed('account').about,
    })
    // Every transaction read: nothing to say.
    const quiet = await readReceived(ME, reads(RECEIVED_LIMIT - 1), new Map())
    expect(quiet.older).toBe(false)
    expect(
      receivedFrom(quiet.older ? { items: quiet.activity, older: true } : { items: quiet.activity }),
    ).toBeNull()
    expect(receivedNote({ kind: 'full' }, undefined, null)).toBeNull()
    expect(receivedFrom(null)).toBeNull()
  })
})
