import { describe, expect, it } from 'vitest'
import type { RelayProblem } from '../../src/node/network/types'
import {
  checkpointConflictNote,
  confirmationsText,
  describePeerLink,
  describeRelay,
  describeSync,
  formatBytes,
  formatDuration,
  formatHashrate,
  latencyText,
  multiaddrWords,
  networkSummary,
  peerCountLabel,
  peersNote,
  pendingNote,
  quietForMs,
  readableCoin,
  relayProblem,
  retryNowButton,
  secondsUntil,
  shortPeerId,
  tokenBalance,
  unprovenRead,
  verifiedLater,
  verifiedNote,
  walletBalance,
} from '../../src/ui/format'

describe('shortPeerId', () => {
  it('keeps the first and last four characters', () => {
    expect(shortPeerId('12D3KooWQx1b8YtH2mA9cVnR7pLzE3kF5sD6gJ4hW2uT8yB1x7Qa')).toBe('12D3…x7Qa')
  })
  it('returns short ids whole', () => {
    expect(shortPeerId('12D3x7Qa')).toBe('12D3x7Qa')
    expect(shortPeerId('123456789')).toBe('123456789')
    expect(shortPeerId('1234567890')).toBe('1234…7890')
  })
})

describe('formatDuration', () => {
  it.each([
    [-5000, '0s'],
    [999, '0s'],
    [42_000, '42s'],
    [65_000, '1m\u00a005s'],
    [3_600_000 + 14 * 60_000, '1h\u00a014m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d\u00a04h'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  // "~2m 20s" wrapped between "2m" and "20s" on a phone: its parts are joined by a no-break space.
  it.each([65_000, 3_600_000 + 14 * 60_000, 3 * 86_400_000 + 4 * 3_600_000])(
    '%i ms stays on one line',
    (ms) => {
      const text = formatDuration(ms)
      expect(text).toMatch(/^\d+[mhd]\u00a0\d+[smh]$/)
      expect(text).not.toMatch(/ /)
    },
  )
})

describe('formatBytes', () => {
  it.each([
    [0, '0 KB'],
    [512 * 1024, '512 KB'],
    [3.2 * 1024 ** 2, '3.2 MB'],
    [5 * 1024 ** 3, '5.0 GB'],
  ])('%i bytes read %s', (n, text) => {
    expect(formatBytes(n)).toBe(text)
  })
})

describe('formatHashrate', () => {
  it.each([
    [0, '0 H/s'],
    [-3, '0 H/s'],
    [412, '412 H/s'],
    [999.4, '999 H/s'],
    [999.6, '1 kH/s'],
    [412_400, '412 kH/s'],
    [999_600, '1.0 MH/s'],
    [1_340_000, '1.3 MH/s'],
  ])('%f hashes/s read %s', (h, text) => {
    expect(formatHashrate(h)).toBe(text)
  })
})

describe('secondsUntil', () => {
  it('rounds up and never goes negative', () => {
    expect(secondsUntil(10_001, 9_000)).toBe(2)
    expect(secondsUntil(10_000, 9_000)).toBe(1)
    expect(secondsUntil(9_000, 10_000)).toBe(0)
  })
})

describe('retryNowButton', () => {
  const unreachable = (problem: RelayProblem) =>
    ({ state: 'unreachable', error: 'closed', problem, attempt: 3, retryAt: 1_000_000 }) as const
  it('takes a click while the relay is unreachable and its retry waits on the backoff', () => {
    expect(retryNowButton(unreachable({ kind: 'link' }))).toBe('enabled')
    expect(retryNowButton(unreachable({ kind: 'silent' }))).toBe('enabled')
    expect(retryNowButton(unreachable({ kind: 'http', status: 502 }))).toBe('enabled')
  })
  it('stays, disabled, while a retry runs or the server asked to wait; is not there otherwise', () => {
    expect(retryNowButton({ state: 'connecting', attempt: 4 })).toBe('disabled')
    expect(retryNowButton(unreachable({ kind: 'busy' }))).toBe('disabled')
    expect(retryNowButton(null)).toBe('hidden')
    expect(retryNowButton({ state: 'connecting', attempt: 1 })).toBe('hidden')
    expect(retryNowButton({ state: 'connected', address: '/ip4/127.0.0.1/tcp/1/ws' })).toBe('hidden')
    expect(retryNowButton({ state: 'offline' })).toBe('hidden')
  })
})

describe('describeRelay', () => {
  const now = 1_000_000
  it('counts down to the next attempt while unreachable', () => {
    const view = describeRelay(
      { state: 'unreachable', error: 'closed', problem: { kind: 'link' }, attempt: 2, retryAt: now + 4_200 },
      now,
    )
    expect(view).toMatchObject({
      tone: 'error',
      label: 'Relay unreachable — retrying in 5s',
      short: 'Unreachable',
    })
    expect(
      describeRelay(
        { state: 'unreachable', error: 'closed', problem: { kind: 'link' }, attempt: 2, retryAt: now },
        now,
      ).label,
    ).toBe('Relay unreachable — retrying…')
  })

  it('says each state once to a screen reader: no countdown in what the live region says, nothing offline', () => {
    const unreachable = (retryAt: number) =>
      describeRelay(
        { state: 'unreachable', error: 'closed', problem: { kind: 'link' }, attempt: 2, retryAt },
        now,
      )
    const said = new Set([now + 9_000, now + 4_200, now].map((at) => unreachable(at).said))
    expect([...said]).toEqual(['Relay unreachable — this tab retries by itself'])
    expect(describeRelay({ state: 'offline' }, now).said).toBe('')
    expect(describeRelay({ state: 'connecting', attempt: 3 }, now).said).toBe(
      'Connecting to relay (attempt 3)…',
    )
    expect(describeRelay({ state: 'connected', address: '/ip4/127.0.0.1/tcp/1/ws' }, now).said).toBe(
      'Relay connected',
    )
  })
  it('names every other state', () => {
    expect(describeRelay(null, now).short).toBe('Starting…')
    expect(describeRelay({ state: 'connecting', attempt: 1 }, now).label).toBe('Connecting to relay…')
    expect(describeRelay({ state: 'connecting', attempt: 3 }, now).label).toBe(
      'Connecting to relay (attempt 3)…',
    )
    expect(describeRelay({ state: 'connected', address: '/ip4/127.0.0.1/tcp/1/ws' }, now).tone).toBe('ok')
    expect(describeRelay({ state: 'offline' }, now)).toMatchObject({ tone: 'muted', label: 'Offline' })
  })
  it('says why the relay is out of reach, and nothing in any other state', () => {
    const unreachable = (problem: RelayProblem, error: string) =>
      describeRelay({ state: 'unreachable', error, problem, attempt: 3, retryAt: now + 8_000 }, now).reason
    expect(unreachable({ kind: 'http', status: 502 }, 'relay info: HTTP 502')).toBe(
      'The server answered with an error (HTTP 502) when this tab asked where the relay is: it may be restarting, or a proxy in front of it failing.',
    )
    expect(describeRelay(null, now).reason).toBe('')
    expect(describeRelay({ state: 'connecting', attempt: 2 }, now).reason).toBe('')
    expect(describeRelay({ state: 'connected', address: '/ip4/127.0.0.1/tcp/1/ws' }, now).reason).toBe('')
    expect(describeRelay({ state: 'offline' }, now).reason).toBe('')
  })
})

describe('relayProblem', () => {
  it('reads each reason the network host gives as a sentence', () => {
    expect(relayProblem({ kind: 'busy' }, 'the relay is busy: it is asked again in 30 s')).toBe(
      'The server is busy and asked this tab to wait a while before asking where the relay is.',
    )
    expect(relayProblem({ kind: 'http', status: 404 }, 'relay info: HTTP 404')).toContain('(HTTP 404)')
    expect(relayProblem({ kind: 'malformed' }, 'relay info: malformed response')).toBe(
      'The server’s answer to where the relay is could not be read: something other than the Tabchain server may be answering.',
    )
    expect(relayProblem({ kind: 'silent' }, 'relay info: no answer (Failed to fetch)')).toBe(
      'The server that runs the relay did not answer: it may be stopped, or this network cannot reach it.',
    )
    // The relay's own link failing: libp2p's words, inside a sentence.
    expect(relayProblem({ kind: 'link' }, 'The operation was aborted')).toBe(
      'The relay did not take the connection (The operation was aborted).',
    )
  })
})

describe('the Network screen’s peers', () => {
  it('says a peer’s latency is being measured until its first ping comes back', () => {
    expect(latencyText(undefined)).toBe('measuring…')
    expect(latencyText(0)).toBe('0 ms')
    expect(latencyText(12.6)).toBe('13 ms')
  })
  it('says beside a relayed link’s badge whether its direct link is being set up or failed, and what that holds back; a direct one needs no note', () => {
    const now = 1_000_000
    expect(describePeerLink({ kind: 'direct' }, now)).toEqual({
      meaning: 'Linked directly',
      badge: 'Direct WebRTC',
      note: '',
    })
    expect(describePeerLink({ kind: 'relayed', dial: { state: 'dialing' } }, now)).toEqual({
      meaning: 'Through the relay only',
      badge: 'Relayed',
      note: 'Setting up a direct link… No blocks or transactions flow until it is up.',
    })
    const failed = {
      kind: 'relayed',
      dial: { state: 'failed', error: 'no answer within 10 s', retryAt: now + 11_200 },
    } as const
    expect(describePeerLink(failed, now)).toEqual({
      meaning: 'Through the relay only',
      badge: 'Relayed',
      note: 'Direct link failed (no answer within 10 s); trying again in 12 s. No blocks or transactions flow until it is up.',
    })
    // Past its backoff the next dial waits for the peer's next announcement.
    expect(describePeerLink(failed, now + 11_200).note).toBe(
      'Direct link failed (no answer within 10 s); trying again shortly. No blocks or transactions flow until it is up.',
    )
    expect(describePeerLink({ kind: 'relayed' }, now).note).toBe(
      'No direct link yet: this tab dials one when the peer next announces itself. No blocks or transactions flow until it is up.',
    )
  })
})

describe("the Network screen's summary", () => {
  const peers = (direct: number, relayed: number) => [
    ...Array.from({ length: direct }, () => ({ kind: 'direct' }) as const),
    ...Array.from({ length: relayed }, () => ({ kind: 'relayed' }) as const),
  ]
  it('says first how many tabs are linked directly and how many reached through the relay only, each kind in brackets', () => {
    expect(networkSummary([])).toBe('No other tab is linked to this one yet.')
    expect(networkSummary(peers(1, 0))).toBe('Linked directly to 1 tab (direct WebRTC).')
    expect(networkSummary(peers(2, 0))).toBe('Linked directly to 2 tabs (direct WebRTC).')
    expect(networkSummary(peers(0, 1))).toBe(
      'Reached through the relay only: 1 tab (relayed), no direct link yet.',
    )
    expect(networkSummary(peers(2, 1))).toBe(
      'Linked directly to 2 tabs (direct WebRTC); 1 more reached through the relay only (relayed).',
    )
  })
})

describe('peerCountLabel', () => {
  it('uses the singular for one peer', () => {
    expect(peerCountLabel(0)).toBe('0 peers')
    expect(peerCountLabel(1)).toBe('1 peer')
    expect(peerCountLabel(7)).toBe('7 peers')
  })
})

describe('peersNote', () => {
  const peer = (peerId: string, kind: 'direct' | 'relayed') => ({ peerId, kind, address: '', since: 0 })
  const connected = { state: 'connected', address: '/ip4/127.0.0.1/tcp/1' } as const
  const unreachable = {
    state: 'unreachable',
    error: 'fetch failed',
    problem: { kind: 'silent' },
    attempt: 2,
    retryAt: 0,
  } as const
  it('with no peer, says a link under way to a tab that is there rather than to open one', () => {
    expect(peersNote({ peers: [], linking: ['A'], relay: connected })).toBe('Linking to 1 tab…')
    expect(peersNote({ peers: [], linking: ['A', 'B'], relay: connected })).toBe('Linking to 2 tabs…')
  })
  it('invites to open another tab only when no tab is there, linked or being linked, and the relay is', () => {
    expect(peersNote({ peers: [], linking: [], relay: connected })).toBe(
      'Open another tab to see it connect.',
    )
    expect(peersNote({ peers: [], linking: [], relay: { state: 'connecting', attempt: 1 } })).toBe(
      'Open another tab to see it connect.',
    )
    expect(peersNote(null)).toBe('Open another tab to see it connect.')
  })
  it('with the relay out of reach and no tab linking, says other tabs cannot find this one, not to open one', () => {
    // Tabs find each other through the relay: another tab opened now would not link (as the Network screen says).
    expect(peersNote({ peers: [], linking: [], relay: unreachable })).toBe(
      'The relay is out of reach, so other tabs cannot find this one; they link once it is back.',
    )
    // A dial under way to a tab already known can still link without the relay.
    expect(peersNote({ peers: [], linking: ['A'], relay: unreachable })).toBe('Linking to 1 tab…')
  })
  it('offline, says so rather than to open another tab or that a link is under way', () => {
    const offline = { state: 'offline' } as const
    expect(peersNote({ peers: [], linking: [], relay: offline })).toBe(
      'This tab is offline: peers link once the network is back.',
    )
    expect(peersNote({ peers: [], linking: ['A'], relay: offline })).toBe(
      'This tab is offline: peers link once the network is back.',
    )
    // The browser went offline before the host's next relay attempt noticed it.
    expect(peersNote({ peers: [], linking: [], relay: connected }, false)).toBe(
      'This tab is offline: peers link once the network is back.',
    )
  })
  it("with peers, says how they are linked in the Network screen's words", () => {
    expect(
      peersNote({ peers: [peer('A', 'direct'), peer('B', 'relayed')], linking: ['C'], relay: connected }),
    ).toBe('Linked directly to 1 tab (direct WebRTC); 1 more reached through the relay only (relayed).')
    // Links made keep working with the relay gone.
    expect(peersNote({ peers: [peer('A', 'direct')], linking: [], relay: unreachable })).toBe(
      'Linked directly to 1 tab (direct WebRTC).',
    )
    expect(peersNote({ peers: [peer('A', 'relayed')], linking: [], relay: connected })).toBe(
      'Reached through the relay only: 1 tab (relayed), no direct link yet.',
    )
  })
})

describe('checkpointConflictNote', () => {
  const peerId = '12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz'
  it("a peer whose valid chain parts below this tab's checkpoint: which peer, which headers, and that the tab kept its own without penalty", () => {
    expect(checkpointConflictNote({ peerId, base: 1_040n, peerHead: 2_300n, outcome: 'kept' })).toBe(
      "Peer 12D3…WxYz's chain (head #2,300) does not contain the headers this tab kept from block #1,040 (its checkpoint): it parts from them below #1,040, where this tab holds no header to check it against. Its headers keep the chain's rules, so this tab kept its own headers, did not follow that peer, and did not penalise it.",
    )
  })
  it('a peer whose chain there breaks the rules: why, and that it was penalised', () => {
    const reason = 'its header #1,045 breaks the header rules: wrong difficulty'
    expect(
      checkpointConflictNote({ peerId, base: 1_040n, peerHead: 2_300n, outcome: 'penalised', reason }),
    ).toBe(
      `Peer 12D3…WxYz's chain (head #2,300) does not contain the headers this tab kept from block #1,040 (its checkpoint), and its headers break the chain's rules (${reason}): this tab kept its own headers and penalised that peer.`,
    )
  })
})

describe('unprovenRead', () => {
  const peer = '12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz1234567890abcdefgh'
  it('says in plain words what a light node could not verify, that it is not shown, and that it asks again; its own words kept', () => {
    const error = `no peer proved account 0x${'90f79bf6'.repeat(5)} (2 asked): ${peer}: ${peer} failed the request /tabchain/31416/sync-state/2.0.0: a timeout; F: stream reset`
    expect(unprovenRead(error)).toEqual({
      line: 'Could not verify the account 0x90f79bf6…f79bf6 just now (no peer proved it), so it is not shown as verified. This tab asks again every few seconds while a peer is linked (at once when one links), and at each new block.',
      detail: error,
    })
    // The plain line names no peer and no protocol.
    expect(unprovenRead(error)?.line).not.toMatch(/12D3|\/tabchain|asked\)/)
    const receipts =
      'no peer proved receipts of block #1 (1 asked): F: F failed the request /tabchain/31416/sync-receipts/2.0.0: not serving receipts'
    expect(unprovenRead(receipts)?.line).toMatch(
      /^Could not verify the receipts of block #1 just now \(no peer proved it\)/,
    )
  })
  it('with no peer asked, says none was linked; any other error is left as it is', () => {
    expect(unprovenRead(`transaction 0x${'ab'.repeat(32)} cannot be proved: no peer to ask`)?.line).toBe(
      'Could not verify the transaction 0xabababab…ababab just now (no peer was linked to ask), so it is not shown as verified. This tab asks again every few seconds while a peer is linked (at once when one links), and at each new block.',
    )
    expect(unprovenRead('the node is not reachable')).toBeNull()
    expect(unprovenRead('a light node cannot answer logs: it holds no blocks or state of its own')).toBeNull()
  })
})

describe('quietForMs', () => {
  it("is the head's age from ten block times without a block, null before it and at genesis", () => {
    const age = (headAgeMs: number, headNumber = 40n) => ({ headAgeMs, targetBlockTimeMs: 2_000, headNumber })
    expect(quietForMs(age(19_999))).toBeNull()
    expect(quietForMs(age(20_000))).toBe(20_000)
    expect(quietForMs(age(570_000_000, 0n))).toBeNull()
  })
})

describe('describeSync', () => {
  it('says "up to date" only with a direct peer; alone, that newer blocks may exist', () => {
    expect(describeSync(false, 1)).toMatchObject({ kind: 'idle', value: 'Up to date' })
    expect(describeSync(false, 0)).toMatchObject({ kind: 'idle', value: 'No peers yet' })
    // Offline, with no peer: it says why nothing comes; a direct link still up keeps it up to date.
    expect(describeSync(false, 0, true)).toMatchObject({ kind: 'idle', value: 'Offline' })
    expect(describeSync(false, 1, true)).toMatchObject({ kind: 'idle', value: 'Up to date' })
  })
  it('says how long no block came when the head is ten block times old, so a stalled chain does not read as moving', () => {
    const quiet = (headAgeMs: number) => ({ headAgeMs, targetBlockTimeMs: 2_000, headNumber: 40n })
    expect(describeSync(false, 1, false, quiet(65_000))).toEqual({
      kind: 'idle',
      value: 'Up to date',
      detail:
        'No new block for 1m\u00a005s, here or from the peers: the chain moves on only while a tab mines.',
    })
    // Within ten block times it follows the chain as usual; with no peer it says that first.
    expect(describeSync(false, 1, false, quiet(19_999))).toMatchObject({
      detail: 'Follows new blocks as peers announce them.',
    })
    expect(describeSync(false, 0, false, quiet(65_000))).toMatchObject({ value: 'No peers yet' })
  })
  it('on a chain with no block past genesis, says none was mined yet rather than the age of the genesis file', () => {
    // The devnet's genesis is dated when its file was written: "No new block for 6d 15h" misled there.
    expect(
      describeSync(false, 1, false, { headAgeMs: 570_000_000, targetBlockTimeMs: 2_000, headNumber: 0n }),
    ).toEqual({
      kind: 'idle',
      value: 'Up to date',
      detail: 'No block mined yet, here or by the peers: the chain moves on only while a tab mines.',
    })
    expect(
      describeSync(false, 1, false, { headAgeMs: 65_000, targetBlockTimeMs: 2_000, headNumber: 1n }),
    ).toMatchObject({
      detail:
        'No new block for 1m\u00a005s, here or from the peers: the chain moves on only while a tab mines.',
    })
  })
  it('while an auto node upgrades or catches up, says its headers are up to date and its blocks still being executed', () => {
    const upgrading = { kind: 'upgrading', percent: 42.7 } as const
    expect(describeSync(false, 1, false, undefined, upgrading)).toEqual({
      kind: 'idle',
      value: 'Headers up to date',
      detail:
        "Every header up to the peers' latest block is verified here; the blocks themselves are still being downloaded and executed on this device (upgrading to full, 42 %).",
    })
    // A quiet chain says so too, after what the node is doing.
    const quiet = { headAgeMs: 140_000, targetBlockTimeMs: 2_000, headNumber: 6_935n }
    expect(describeSync(false, 1, false, quiet, { kind: 'light', catchingUp: true })).toEqual({
      kind: 'idle',
      value: 'Headers up to date',
      detail:
        "Every header up to the peers' latest block is verified here; this device is still executing the blocks it missed. No new block for 2m\u00a020s, here or from the peers: the chain moves on only while a tab mines.",
    })
    // A light node (headers are all it keeps) and a full one are up to date; with no peer, no claim at all.
    expect(describeSync(false, 1, false, undefined, { kind: 'light' })).toMatchObject({ value: 'Up to date' })
    expect(describeSync(false, 1, false, undefined, { kind: 'full' })).toMatchObject({ value: 'Up to date' })
    expect(describeSync(false, 0, false, undefined, upgrading)).toMatchObject({ value: 'No peers yet' })
  })
  it('waiting on a peer that served its blocks and went silent, says so with its own head and how long, not "up to date"', () => {
    const wait = { peerId: '12D3KooWAbCdEfGhXyZ9', silentMs: 12_400, headNumber: 192n }
    const quiet = { headAgeMs: 43_000, targetBlockTimeMs: 2_000, headNumber: 192n }
    const waiting = {
      kind: 'idle',
      value: 'Waiting for a peer',
      detail:
        'Peer 12D3…XyZ9 was sending this tab blocks and has not answered for 12s (a tab in the background may be frozen by its browser); this tab is at block #192. It syncs on as soon as that peer, or another, serves newer blocks.',
    }
    expect(describeSync(false, 1, false, quiet, { kind: 'full' }, wait)).toEqual(waiting)
    // Before the headers note of an auto node executing its blocks.
    expect(describeSync(false, 1, false, quiet, { kind: 'upgrading', percent: 4 }, wait)).toEqual(waiting)
    // A light node was being sent headers, not blocks.
    expect(describeSync(false, 1, false, quiet, { kind: 'light' }, wait)).toEqual({
      ...waiting,
      detail:
        'Peer 12D3…XyZ9 was sending this tab headers and has not answered for 12s (a tab in the background may be frozen by its browser); this tab is at block #192. It syncs on as soon as that peer, or another, serves newer headers.',
    })
    // Syncing from another peer, the bar; with no direct peer left, no wait to tell.
    expect(
      describeSync(
        { startingBlock: 0n, currentBlock: 192n, highestBlock: 300n },
        1,
        false,
        quiet,
        null,
        wait,
      ),
    ).toMatchObject({ kind: 'syncing' })
    expect(describeSync(false, 0, false, quiet, null, wait)).toMatchObject({ value: 'No peers yet' })
    expect(describeSync(false, 1, false, quiet, null, null)).toMatchObject({ value: 'Up to date' })
  })
  it('a light node that asked a peer for headers and heard nothing yet says it asks, not "up to date" at the genesis', () => {
    const asked = { peerId: '12D3KooWAbCdEfGhXyZ9', silentMs: 22_000, headNumber: 0n }
    const genesis = { headAgeMs: 570_000_000, targetBlockTimeMs: 2_000, headNumber: 0n }
    expect(describeSync(false, 1, false, genesis, { kind: 'light' }, null, asked)).toEqual({
      kind: 'idle',
      value: 'Asking peers for headers…',
      detail:
        "This tab asked peer 12D3…XyZ9 for the chain's headers 22s ago and has no answer yet (a tab in the background may be frozen by its browser); this tab is at block #0. Until a peer answers it cannot tell whether newer blocks exist.",
    })
    // Syncing, or waiting on a peer that served it, those say more; with no direct peer, none is asked.
    const wait = { peerId: '12D3KooWAbCdEfGhXyZ9', silentMs: 12_000, headNumber: 0n }
    expect(describeSync(false, 1, false, genesis, { kind: 'light' }, wait, asked)).toMatchObject({
      value: 'Waiting for a peer',
    })
    const syncing = { startingBlock: 0n, currentBlock: 10n, highestBlock: 300n }
    expect(describeSync(syncing, 1, false, genesis, { kind: 'light' }, null, asked)).toMatchObject({
      kind: 'syncing',
    })
    expect(describeSync(false, 0, false, genesis, { kind: 'light' }, null, asked)).toMatchObject({
      value: 'No peers yet',
    })
    expect(describeSync(false, 1, false, genesis, { kind: 'light' }, null, null)).toMatchObject({
      value: 'Up to date',
    })
  })
  it('linked to peers none of which has told its head yet, it says it asks, not "up to date"', () => {
    const age = { headAgeMs: 1_000, targetBlockTimeMs: 2_000, headNumber: 1_204n }
    expect(describeSync(false, 2, false, age, { kind: 'full' }, null, null, 0)).toEqual({
      kind: 'idle',
      value: 'Asking peers for headers…',
      detail:
        'This tab asked its linked peers for their latest block, and none has answered yet: until one does, it cannot tell whether newer blocks exist. This tab is at block #1,204.',
    })
    // One that told is enough; syncing or waiting on a peer say more; with no direct peer, none is asked.
    expect(describeSync(false, 2, false, age, { kind: 'full' }, null, null, 1)).toMatchObject({
      value: 'Up to date',
    })
    const syncing = { startingBlock: 0n, currentBlock: 10n, highestBlock: 300n }
    expect(describeSync(syncing, 1, false, age, { kind: 'full' }, null, null, 0)).toMatchObject({
      kind: 'syncing',
    })
    const wait = { peerId: '12D3KooWAbCdEfGhXyZ9', silentMs: 12_000, headNumber: 1_204n }
    expect(describeSync(false, 1, false, age, { kind: 'full' }, wait, null, 0)).toMatchObject({
      value: 'Waiting for a peer',
    })
    expect(describeSync(false, 0, false, age, { kind: 'full' }, null, null, 0)).toMatchObject({
      value: 'No peers yet',
    })
  })
  it('gives the share of the chain held, as the block line beside it reads, within 0–100 %', () => {
    const at = (current: bigint) => ({ startingBlock: 100n, currentBlock: current, highestBlock: 300n })
    expect(describeSync(at(200n), 1)).toEqual({
      kind: 'syncing',
      percent: 66,
      currentBlock: 200n,
      highestBlock: 300n,
    })
    // The walk's catch-up: "Block #182 of #226" just after it started at #182 read "0 %".
    expect(describeSync({ startingBlock: 182n, currentBlock: 182n, highestBlock: 226n }, 1)).toMatchObject({
      percent: 80,
    })
    // Rounded down: not 100 % until the best head is held.
    expect(describeSync(at(299n), 1)).toMatchObject({ percent: 99 })
    expect(describeSync(at(400n), 1)).toMatchObject({ percent: 100 })
    expect(describeSync({ startingBlock: 5n, currentBlock: 5n, highestBlock: 5n }, 0)).toMatchObject({
      percent: 100,
    })
    expect(describeSync({ startingBlock: 0n, currentBlock: 0n, highestBlock: 0n }, 0)).toMatchObject({
      percent: 100,
    })
  })
})

describe('verifiedNote', () => {
  it('names the header a read was proven at, and warns while no direct peer is linked', () => {
    expect(verifiedNote(123n, 1)).toBe('✓ verified at #123')
    expect(verifiedNote(0n, 0)).toBe('✓ verified at #0 · no peer yet: newer blocks may change it')
  })
})

describe('readableCoin', () => {
  const TAB = 10n ** 18n
  it('shows at most four decimals, cut rather than rounded up past what is held', () => {
    expect(readableCoin(234_499_689_748n * 10n ** 9n)).toBe('234.4996 TAB')
    // 0.99999 TAB is not 1 TAB: rounding it up would show more than is held.
    expect(readableCoin(99_999n * 10n ** 13n)).toBe('0.9999 TAB')
    expect(readableCoin(12_345n * TAB + 1n)).toBe('12,345 TAB')
    expect(readableCoin(25n * 10n ** 17n)).toBe('2.5 TAB')
    expect(readableCoin(10n ** 14n)).toBe('0.0001 TAB')
  })
  it('never shows a balance that is not nil as 0', () => {
    expect(readableCoin(1n)).toBe('< 0.0001 TAB')
    expect(readableCoin(10n ** 14n - 1n)).toBe('< 0.0001 TAB')
    expect(readableCoin(0n)).toBe('0 TAB')
  })
})

describe('walletBalance', () => {
  it('a balance not read yet is not shown as 0: on a light node it says it is not verified yet', () => {
    expect(walletBalance(undefined, undefined, true, 1)).toBe('… TAB · not verified yet')
    expect(walletBalance(undefined, undefined, false, 1)).toBe('… TAB')
    expect(walletBalance(10n ** 18n, 7n, true, 1)).toBe('1 TAB · ✓ verified at #7')
    expect(walletBalance(0n, 7n, true, 0)).toBe(
      '0 TAB · ✓ verified at #7 · no peer yet: newer blocks may change it',
    )
    expect(walletBalance(25n * 10n ** 17n, 7n, false, 1)).toBe('2.5 TAB')
    // As the Market and the approval dialog write it: thousands grouped, no base unit rounded away.
    expect(walletBalance(12_345n * 10n ** 18n + 1n, 7n, false, 1)).toBe('12,345.000000000000000001 TAB')
  })
  it('stays exact, unlike the Home card: a person copying it to send needs every base unit', () => {
    expect(walletBalance(234_499_689_748n * 10n ** 9n, 7n, false, 1)).toBe('234.499689748 TAB')
  })
})

describe('tokenBalance', () => {
  const holding = {
    token: {
      address: `0x${'11'.repeat(20)}`,
      name: 'Gold',
      symbol: 'GLD',
      decimals: 2,
      totalSupply: 10n ** 6n,
      owner: `0x${'22'.repeat(20)}`,
    },
    balance: 123_456n,
    created: false,
  } as const
  it("a token row is marked verified on a light node as the coin's is, with the header its list was proven at", () => {
    expect(tokenBalance(holding, 56n, true, 1)).toBe('1,234.56 GLD · ✓ verified at #56')
    expect(tokenBalance(holding, 56n, true, 0)).toBe(
      '1,234.56 GLD · ✓ verified at #56 · no peer yet: newer blocks may change it',
    )
    // A full node's balances are its own head's: no mark, as the coin has none.
    expect(tokenBalance(holding, 56n, false, 1)).toBe('1,234.56 GLD')
  })
})

describe('verifiedLater', () => {
  it('says when a mined transaction shows in balances verified k deep: at its block + k − 1', () => {
    // Mined in #57, balances proven at #56 (head #58, k = 3): they count it once the head is #59.
    expect(verifiedLater(57n, { at: 56n, confirmations: 3 })).toBe(
      'Shows in your verified balances at block #59, once 3 blocks deep.',
    )
    expect(verifiedLater(1_233n, { at: undefined, confirmations: 3 })).toBe(
      'Shows in your verified balances at block #1,235, once 3 blocks deep.',
    )
    expect(verifiedLater(9n, { at: 8n, confirmations: 1 })).toBe(
      'Shows in your verified balances at block #9, once 1 block deep.',
    )
  })
  it('says nothing once the verified balances count its block, nor on a full node', () => {
    expect(verifiedLater(57n, { at: 57n, confirmations: 3 })).toBeNull()
    expect(verifiedLater(57n, { at: 60n, confirmations: 3 })).toBeNull()
    expect(verifiedLater(57n, null)).toBeNull()
  })
})

describe('pendingNote', () => {
  it('says how many of the pending transactions the capped list shows, only when not all', () => {
    expect(pendingNote(3, 3)).toBeNull()
    expect(pendingNote(0, 0)).toBeNull()
    expect(pendingNote(200, 5120)).toBe('The next 200 to be mined, of 5,120 pending.')
  })
})

describe('confirmationsText', () => {
  it('counts with its unit, singular for one', () => {
    expect(confirmationsText(0n)).toBe('0 confirmations')
    expect(confirmationsText(1n)).toBe('1 confirmation')
    expect(confirmationsText(4n)).toBe('4 confirmations')
  })
})

describe('multiaddrWords', () => {
  it.each([
    [
      '/ip4/127.0.0.1/tcp/4311/ws/p2p/12D3KooWQx1b8YtH2mA9cVnR7pLzE3kF5sD6gJ4hW2uT8yB1x7Qa',
      '127.0.0.1, port 4311, over WebSockets',
    ],
    ['/dns4/relay.example.com/tcp/443/tls/ws', 'relay.example.com, port 443, over secure WebSockets (wss)'],
    ['/dns/relay.example.com/tcp/443/wss', 'relay.example.com, port 443, over secure WebSockets (wss)'],
    ['/ip6/::1/tcp/4311/ws', '::1, port 4311, over WebSockets'],
    ['/ip4/10.0.0.2/tcp/4001', '10.0.0.2, port 4001, over TCP'],
  ])('%s reads as %s', (address, words) => {
    expect(multiaddrWords(address)).toBe(words)
  })

  it('one it cannot read, or without a host and port, has no words: the raw multiaddr says it alone', () => {
    expect(multiaddrWords('not a multiaddr')).toBeNull()
    expect(multiaddrWords('/webrtc')).toBeNull()
    expect(multiaddrWords('/p2p/12D3KooWQx1b8YtH2mA9cVnR7pLzE3kF5sD6gJ4hW2uT8yB1x7Qa')).toBeNull()
  })
})
