import type { Rng } from './rng'

/** Link behaviour of the simulated network. Latencies are in simulated milliseconds. */
export interface LinkConfig {
  readonly minLatencyMs: number
  readonly maxLatencyMs: number
  /** Probability that any one message is dropped. */
  readonly lossRate: number
}

interface Scheduled {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

/**
 * A simulated clock and message transport: a discrete-event queue ordered by (time, insertion order), so
 * a run is a pure function of its seed. Messages between nodes in different partition groups are
 * dropped, as are a random `lossRate` share of the others; each delivery gets a random latency.
 */
export class SimTransport {
  private queue: Scheduled[] = []
  private seq = 0
  private group = new Map<number, number>()
  /** Current simulated time in ms. */
  now = 0
  delivered = 0
  dropped = 0

  constructor(
    private readonly rng: Rng,
    private link: LinkConfig,
  ) {}

  /** Changes latency and loss for messages sent from now on. */
  setLink(link: LinkConfig): void {
    this.link = link
  }

  /** Splits nodes into groups that cannot reach each other; nodes not listed form group -1. */
  partition(groups: readonly (readonly number[])[]): void {
    this.group.clear()
    groups.forEach((g, i) => {
      for (const n of g) this.group.set(n, i)
    })
  }

  /** Removes every partition. */
  heal(): void {
    this.group.clear()
  }

  /** True when `a` and `b` are in the same partition group. */
  connected(a: number, b: number): boolean {
    return (this.group.get(a) ?? -1) === (this.group.get(b) ?? -1)
  }

  /** Runs `fn` after `delayMs` of simulated time. */
  schedule(delayMs: number, fn: () => void): void {
    const item = { at: this.now + delayMs, seq: this.seq++, run: fn }
    // Binary search keeps the queue sorted by (at, seq); queues stay small in tests.
    let lo = 0
    let hi = this.queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.queue[mid] as Scheduled
      if (m.at < item.at || (m.at === item.at && m.seq < item.seq)) lo = mid + 1
      else hi = mid
    }
    this.queue.splice(lo, 0, item)
  }

  /** Sends a message from node `from` to node `to`: maybe dropped, else delivered after a latency. */
  send(from: number, to: number, deliver: () => void): void {
    if (!this.connected(from, to) || this.rng.chance(this.link.lossRate)) {
      this.dropped++
      return
    }
    const latency = this.rng.between(this.link.minLatencyMs, this.link.maxLatencyMs)
    this.schedule(latency, () => {
      // A partition raised while the message was in flight cuts it too.
      if (!this.connected(from, to)) {
        this.dropped++
        return
      }
      this.delivered++
      deliver()
    })
  }

  /** Processes events in time order until the queue is empty or the next event is after `until`. */
  runUntil(until: number): void {
    for (;;) {
      const head = this.queue[0]
      if (head === undefined || head.at > until) break
      this.queue.shift()
      this.now = head.at
      head.run()
    }
    this.now = until
  }
}
