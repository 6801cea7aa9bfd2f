/** State of one peer's breaker, as tests and the UI may read it. */
export type BreakerState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerInit {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number
  /** How long the breaker stays open the first time, ms; doubles on each failed probe. */
  readonly openMs: number
  /** Cap of the open period, ms. */
  readonly maxOpenMs: number
}

/**
 * A per-peer circuit breaker (the service-mesh pattern, after Envoy's outlier detection / Hystrix):
 * closed → open after `failureThreshold` consecutive failures; after the open period one probe is let
 * through (half-open); its success closes the breaker, its failure opens it again for twice as long.
 * Time comes in as an argument: the class does no IO and reads no clock.
 */
export class CircuitBreaker {
  #failures = 0
  #openUntil = 0
  #openMs: number
  #probing = false
  readonly #init: CircuitBreakerInit

  constructor(init: CircuitBreakerInit) {
    this.#init = init
    this.#openMs = init.openMs
  }

  state(now: number): BreakerState {
    if (this.#failures < this.#init.failureThreshold) return 'closed'
    return now < this.#openUntil ? 'open' : 'half-open'
  }

  /** When an open breaker lets its next probe through (ms since epoch); 0 when closed. */
  get retryAt(): number {
    return this.#failures < this.#init.failureThreshold ? 0 : this.#openUntil
  }

  /**
   * Whether a request may go now. In half-open state only one probe is let through until it reports
   * back.
   */
  allow(now: number): boolean {
    const state = this.state(now)
    if (state === 'closed') return true
    if (state === 'open' || this.#probing) return false
    this.#probing = true
    return true
  }

  success(): void {
    this.#failures = 0
    this.#openMs = this.#init.openMs
    this.#probing = false
  }

  failure(now: number): void {
    const wasProbe = this.#probing
    this.#probing = false
    this.#failures++
    if (this.#failures < this.#init.failureThreshold) return
    if (wasProbe) this.#openMs = Math.min(this.#init.maxOpenMs, this.#openMs * 2)
    this.#openUntil = now + this.#openMs
  }
}
