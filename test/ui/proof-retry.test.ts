import { describe, expect, it } from 'vitest'
import {
  PROOF_RETRY_MAX_MS,
  type ProofRetryState,
  proofRetryDelay,
  provenAnswer,
} from '../../src/ui/proof-retry'

const start: ProofRetryState = { unproven: 0, peers: 0 }

/** The state after `n` unproven answers in a row, each with `peers` linked. */
const unprovenTimes = (n: number, peers: number): ProofRetryState => {
  let s = start
  for (let i = 0; i < n; i++) s = provenAnswer(s, true, peers)
  return s
}

describe('proofRetryDelay', () => {
  it('asks an unproven read again after 1 s, 2 s, 4 s, 8 s, then every 15 s while a peer is linked', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => proofRetryDelay(unprovenTimes(n, 1), 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000,
    ])
    expect(PROOF_RETRY_MAX_MS).toBe(15_000)
  })

  it('asks at once when a peer linked since the answer, not while none is linked', () => {
    expect(proofRetryDelay(unprovenTimes(3, 1), 2)).toBe(0)
    expect(proofRetryDelay(unprovenTimes(1, 0), 1)).toBe(0)
    expect(proofRetryDelay(unprovenTimes(1, 0), 0)).toBeNull()
    expect(proofRetryDelay(unprovenTimes(4, 2), 0)).toBeNull()
    // A peer gone since is no reason to hurry: the backoff goes on.
    expect(proofRetryDelay(unprovenTimes(2, 2), 1)).toBe(2_000)
  })

  it('does not retry a proven answer or another error, and starts the backoff over after one', () => {
    expect(proofRetryDelay(start, 1)).toBeNull()
    const proven = provenAnswer(unprovenTimes(5, 1), false, 1)
    expect(proofRetryDelay(proven, 1)).toBeNull()
    expect(proofRetryDelay(provenAnswer(proven, true, 1), 1)).toBe(1_000)
  })
})
