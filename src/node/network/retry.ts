/**
 * Exponential backoff with equal jitter (AWS architecture blog's "equal jitter"): attempt n waits a
 * random time in [base·2ⁿ / 2, base·2ⁿ], capped at `maxMs`. The random source is injectable for tests.
 */
export class RetrySchedule {
  #attempt = 0
  readonly #baseMs: number
  readonly #maxMs: number
  readonly #random: () => number

  constructor(opts: { baseMs: number; maxMs: number; random?: () => number }) {
    this.#baseMs = opts.baseMs
    this.#maxMs = opts.maxMs
    this.#random = opts.random ?? Math.random
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt
  }

  /** Records a failure and returns how long to wait before the next attempt, in ms. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#baseMs * 2 ** this.#attempt)
    this.#attempt++
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2)
  }

  reset(): void {
    this.#attempt = 0
  }
}
