/**
 * A token bucket per key: `burst` requests at once, refilled at `perSecond`. Time comes in as an
 * argument. Keys idle long enough to be full again are forgotten, so memory stays bounded by the
 * number of peers active within the time a bucket takes to fill.
 */
export class RateLimiter {
  /** In order of each key's last take, oldest first. */
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #burst: number
  readonly #perSecond: number

  constructor(opts: { burst: number; perSecond: number }) {
    this.#burst = opts.burst
    this.#perSecond = opts.perSecond
  }

  /** Takes one token for `key`: 0 when granted, else the ms until one is available. */
  take(key: string, now: number): number {
    const b = this.#buckets.get(key) ?? { tokens: this.#burst, at: now }
    // Out of the map while others are forgotten (it may be full itself), then back in at the end.
    this.#buckets.delete(key)
    if (this.#buckets.size >= 1024) this.#forgetFull(now)
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) * this.#perSecond) / 1000)
    b.at = now
    this.#buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.#perSecond)
  }

  /**
   * Forgets full buckets from the oldest, up to the first still refilling: each bucket is forgotten
   * at most once per take that added it, and each take stops at one, so a take costs O(1) amortised.
   * Those left were all taken from within the time a bucket takes to fill.
   */
  #forgetFull(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) * this.#perSecond) / 1000 < this.#burst) return
      this.#buckets.delete(key)
    }
  }
}
