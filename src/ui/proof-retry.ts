import { useEffect, useRef, useState } from 'react'
import { unprovenRead } from './format'
import { directPeerCount, useApp } from './store'

/** Wait before the first retry of a read no peer proved, ms; doubled at each retry after. */
export const PROOF_RETRY_FIRST_MS = 1_000
/** Longest wait between two retries of a read no peer proved, ms. */
export const PROOF_RETRY_MAX_MS = 15_000

/** A screen's last answer, as its retries count it (`provenAnswer`). */
export interface ProofRetryState {
  /** Answers in a row that no peer proved (`unprovenRead`); 0 after any other answer. */
  readonly unproven: number
  /** Direct peers linked when the last answer came. */
  readonly peers: number
}

/** The retry state after an answer: `unproven` whether no peer proved it, with `directPeers` linked then. */
export function provenAnswer(
  state: ProofRetryState,
  unproven: boolean,
  directPeers: number,
): ProofRetryState {
  return { unproven: unproven ? state.unproven + 1 : 0, peers: directPeers }
}

/**
 * When to ask again a read whose last answer no peer proved, ms from now, or null: not at all (its
 * answer was proven, or another error), or not yet (no direct peer is linked: the next link asks). A
 * peer linked since the answer came asks at once (it may answer where the others did not); else it
 * waits `PROOF_RETRY_FIRST_MS`, doubled at each unproven answer in a row, at most `PROOF_RETRY_MAX_MS`
 * (1 s, 2 s, 4 s, 8 s, 15 s, 15 s …).
 */
export function proofRetryDelay(state: ProofRetryState, directPeers: number): number | null {
  if (state.unproven === 0 || directPeers === 0) return null
  if (directPeers > state.peers) return 0
  return Math.min(PROOF_RETRY_FIRST_MS * 2 ** (state.unproven - 1), PROOF_RETRY_MAX_MS)
}

/**
 * A number that changes each time a screen's read should be asked again because no peer proved its
 * last answer (`proofRetryDelay`): put it among the read's inputs. `answer` is the read's latest answer
 * (a new object per answer, null before the first), `error` its failure, if any. Nothing is scheduled
 * after the screen leaves, and one retry at most waits at a time; the read's runner keeps to one run at
 * a time (`createQueryRunner`).
 */
export function useProofRetry(answer: object | null, error: string | null): number {
  const directPeers = useApp(directPeerCount)
  const [retry, setRetry] = useState(0)
  const state = useRef<ProofRetryState>({ unproven: 0, peers: 0 })
  const counted = useRef<object | null>(null)
  useEffect(() => {
    if (answer !== null && answer !== counted.current) {
      counted.current = answer
      state.current = provenAnswer(state.current, error !== null && unprovenRead(error) !== null, directPeers)
    }
    const delay = proofRetryDelay(state.current, directPeers)
    if (delay === null) return
    const timer = setTimeout(() => {
      // Counted as linked now: a retry for a new link is asked once, not again at each render.
      state.current = { ...state.current, peers: directPeers }
      setRetry((n) => n + 1)
    }, delay)
    return () => clearTimeout(timer)
  }, [answer, error, directPeers])
  return retry
}
