import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createProofRetry,
  isUnproven,
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

describe('createProofRetry', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('asks an unproven read again on its backoff while a peer is linked, and no more once proven', () => {
    const ask = vi.fn()
    const retry = createProofRetry(ask)
    retry.answered(true, 1)
    vi.advanceTimersByTime(999)
    expect(ask).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(ask).toHaveBeenCalledTimes(1)
    // Nothing more until the read answers: one wait at a time.
    vi.advanceTimersByTime(60_000)
    expect(ask).toHaveBeenCalledTimes(1)
    retry.answered(true, 1)
    vi.advanceTimersByTime(2_000)
    expect(ask).toHaveBeenCalledTimes(2)
    retry.answered(false, 1)
    vi.advanceTimersByTime(60_000)
    expect(ask).toHaveBeenCalledTimes(2)
  })

  it('waits for a link while none is, asks at once when one comes, and once only for it', () => {
    const ask = vi.fn()
    const retry = createProofRetry(ask)
    retry.answered(true, 0)
    vi.advanceTimersByTime(60_000)
    expect(ask).not.toHaveBeenCalled()
    retry.linked(1)
    vi.advanceTimersByTime(0)
    expect(ask).toHaveBeenCalledTimes(1)
    // Told the same count again (a render), it does not ask again.
    retry.linked(1)
    vi.advanceTimersByTime(0)
    expect(ask).toHaveBeenCalledTimes(1)
    // Its answer, still unproven, waits on the backoff (its second in a row: 2 s).
    retry.answered(true, 1)
    vi.advanceTimersByTime(1_999)
    expect(ask).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(ask).toHaveBeenCalledTimes(2)
  })

  it('drops its wait when the last peer goes, and asks nothing once closed', () => {
    const ask = vi.fn()
    const retry = createProofRetry(ask)
    retry.answered(true, 1)
    retry.linked(0)
    vi.advanceTimersByTime(60_000)
    expect(ask).not.toHaveBeenCalled()
    retry.linked(1)
    retry.close()
    vi.advanceTimersByTime(60_000)
    expect(ask).not.toHaveBeenCalled()
  })

  it('counts as unproven only what no peer proved, not another failure', () => {
    expect(isUnproven(`no peer proved the balance of 0x${'ab'.repeat(20)} (2 asked): timed out`)).toBe(true)
    expect(isUnproven('boom')).toBe(false)
    expect(isUnproven(null)).toBe(false)
  })
})
