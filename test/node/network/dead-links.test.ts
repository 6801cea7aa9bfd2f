import type { Connection } from '@libp2p/interface'
import { TooManyOutboundProtocolStreamsError } from '@libp2p/interface'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { closeWhenDead } from '../../../src/node/network/host'

/**
 * Which aborts of a direct WebRTC link go through, on a link whose RTCPeerConnection and SCTP association
 * are stand-ins (event targets with a state) and whose own `abort` is recorded: the e2e freezes in
 * hidden.spec.ts run the real ones.
 */
class Sctp extends EventTarget {
  state: RTCSctpTransportState = 'connected'
  to(state: RTCSctpTransportState): void {
    this.state = state
    this.dispatchEvent(new Event('statechange'))
  }
}

class PeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'connected'
  readonly sctp = new Sctp()
  to(state: RTCPeerConnectionState): void {
    this.connectionState = state
    this.dispatchEvent(new Event('connectionstatechange'))
  }
}

function link(): { conn: Connection; pc: PeerConnection; aborted: Error[] } {
  const pc = new PeerConnection()
  const aborted: Error[] = []
  const conn = {
    status: 'open',
    remotePeer: { toString: () => '12D3KooWPeer' },
    maConn: { peerConnection: pc },
    abort(err: Error) {
      aborted.push(err)
      this.status = 'aborted'
    },
  }
  closeWhenDead(conn as unknown as Connection)
  return { conn: conn as unknown as Connection, pc, aborted }
}

const pingTimedOut = (): Error => new DOMException('signal timed out', 'TimeoutError')
const noPingStreamLeft = (): Error =>
  new TooManyOutboundProtocolStreamsError(
    'Too many outbound protocol streams for protocol "/ipfs/ping/1.0.0" - 6/5',
  )

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('closeWhenDead: a direct link whose peer’s browser still answers is kept', () => {
  test('a ping that timed out does not close a link that is connected with its SCTP association open', () => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const { conn, aborted } = link()
    conn.abort(pingTimedOut())
    expect(aborted).toEqual([])
    expect(conn.status).toBe('open')
  })

  test('a ping that found every ping stream held by unanswered ones (a tab frozen 30 s and more) does not close it', () => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const { conn, aborted } = link()
    for (let i = 0; i < 6; i++) conn.abort(noPingStreamLeft())
    expect(aborted).toEqual([])
    expect(conn.status).toBe('open')
  })
})

describe('closeWhenDead: any other abort, or a dead link, goes through', () => {
  test('too many streams of another protocol is not a ping going unanswered', () => {
    const { conn, aborted } = link()
    const err = new TooManyOutboundProtocolStreamsError(
      'Too many outbound protocol streams for protocol "/tabchain/31415/sync/1" - 9/8',
    )
    conn.abort(err)
    expect(aborted).toEqual([err])
  })

  test('a peer dropped by the node is cut at once, whatever the link’s state', () => {
    const { conn, aborted } = link()
    const err = new Error('dropped: served a forged header')
    conn.abort(err)
    expect(aborted).toEqual([err])
  })

  test('an unanswered ping closes a link whose SCTP association is closing, or whose connection is not connected', () => {
    const closing = link()
    closing.pc.sctp.state = 'connecting'
    const first = noPingStreamLeft()
    closing.conn.abort(first)
    expect(closing.aborted).toEqual([first])

    const silent = link()
    silent.pc.connectionState = 'disconnected'
    const second = pingTimedOut()
    silent.conn.abort(second)
    expect(silent.aborted).toEqual([second])
  })

  test('the peer closing its SCTP side closes the link at once', () => {
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const { pc, aborted } = link()
    pc.sctp.to('closed')
    expect(aborted.map((e) => e.message)).toEqual(['the peer closed the link'])
  })

  test('a connection disconnected for a second more is closed; one that comes back is not', () => {
    vi.useFakeTimers()
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const back = link()
    back.pc.to('disconnected')
    vi.advanceTimersByTime(900)
    back.pc.to('connected')
    vi.advanceTimersByTime(5_000)
    expect(back.aborted).toEqual([])

    const gone = link()
    gone.pc.to('disconnected')
    vi.advanceTimersByTime(1_000)
    expect(gone.aborted.map((e) => e.message)).toEqual(['nothing from the peer for 6 s'])
  })
})

describe('closeWhenDead: a kept link’s unanswered pings are told once a spell', () => {
  test('the first unanswered ping is told, the next ones not; the next answer says how long it was, and a new spell is told again', () => {
    vi.useFakeTimers()
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const { conn } = link()
    for (let i = 0; i < 40; i++) {
      conn.abort(i < 3 ? pingTimedOut() : noPingStreamLeft())
      vi.advanceTimersByTime(3_000)
    }
    expect(info.mock.calls.map(([line]) => line)).toEqual([
      'kept a link to 12D3KooWPeer whose ping went unanswered: its tab is there (told again once it answers)',
    ])
    // libp2p's connection monitor sets the link's round trip once a ping is answered.
    conn.rtt = 12
    conn.rtt = 8
    expect(conn.rtt).toBe(8)
    expect(info.mock.calls.slice(1).map(([line]) => line)).toEqual([
      'a link to 12D3KooWPeer answers its pings again, 120.0 s after one first went unanswered',
    ])
    conn.abort(pingTimedOut())
    expect(info).toHaveBeenCalledTimes(3)
  })
})
