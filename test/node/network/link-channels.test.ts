import type { Connection } from '@libp2p/interface'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { boundChannels } from '../../../src/node/network/host'

/**
 * When a direct link is cut for the data channels its peer holds open, on a link whose
 * RTCPeerConnection and channels are stand-ins (event targets with a state): e2e/channels.spec.ts
 * floods a real one.
 */
class Channel extends EventTarget {
  readyState: RTCDataChannelState = 'open'
  close(): void {
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }
}

class PeerConnection extends EventTarget {
  closed = false
  close(): void {
    this.closed = true
  }
  /** The peer opens a channel: it comes in as the browser hands it over, `open`. */
  open(): Channel {
    const channel = new Channel()
    this.dispatchEvent(Object.assign(new Event('datachannel'), { channel }))
    return channel
  }
}

const CAP = 134

/** A link whose channels are bounded at `CAP`, a page frozen or just resumed until `backlogUntil()`. */
function link(backlogUntil: () => number): { pc: PeerConnection; flooded: number[] } {
  const pc = new PeerConnection()
  const flooded: number[] = []
  const conn = { maConn: { peerConnection: pc } }
  boundChannels(
    conn as unknown as Connection,
    () => CAP,
    (open) => flooded.push(open),
    backlogUntil,
  )
  return { pc, flooded }
}

const notFrozen = (): number => 0

afterEach(() => {
  vi.useRealTimers()
})

describe('boundChannels: a peer holding more channels than the cap', () => {
  test('has its link cut the moment it holds one past the cap', () => {
    const { pc, flooded } = link(notFrozen)
    for (let i = 0; i < CAP; i++) pc.open()
    expect(pc.closed).toBe(false)
    pc.open()
    expect(pc.closed).toBe(true)
    expect(flooded).toEqual([CAP + 1])
  })

  test('that it still holds once the page’s wake from a freeze is past has its link cut then', () => {
    vi.useFakeTimers()
    const wokenUntil = Date.now() + 5_000
    const { pc, flooded } = link(() => wokenUntil)
    for (let i = 0; i < CAP + 40; i++) pc.open()
    expect(pc.closed).toBe(false)
    vi.advanceTimersByTime(5_000)
    expect(pc.closed).toBe(true)
    expect(flooded).toEqual([CAP + 40])
  })
})

describe('boundChannels: a frozen tab waking', () => {
  test('keeps its link when the channels its peer opened meanwhile come in at once, then close', () => {
    vi.useFakeTimers()
    const wokenUntil = Date.now() + 5_000
    const { pc, flooded } = link(() => wokenUntil)
    // Frozen 7 minutes: a ping's channel every 3 s, each closed by the peer 10 s later, all come in
    // open as the page wakes, their closes just after.
    const backlog = Array.from({ length: 140 }, () => pc.open())
    vi.advanceTimersByTime(1_000)
    for (const channel of backlog) channel.close()
    vi.advanceTimersByTime(10_000)
    expect(pc.closed).toBe(false)
    expect(flooded).toEqual([])
    // The cap holds again once awake.
    for (let i = 0; i < CAP; i++) pc.open()
    expect(pc.closed).toBe(false)
    pc.open()
    expect(pc.closed).toBe(true)
  })
})
