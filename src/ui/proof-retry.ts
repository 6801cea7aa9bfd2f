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

/** A read's retries while no peer proved its last answer (`createProofRetry`). */
export interface ProofRetry {
  /** An answer came: `unproven` whether no peer proved it, with `peers` direct peers linked then. */
  answered(unproven: boolean, peers: number): void
  /** The direct peers linked now: one more than when the answer came asks again at once. */
  linked(peers: number): void
  /** Nothing is asked after this (the screen left). */
  close(): void
}

/**
 * Calls `ask` each time a read should be asked again because no peer proved its last answer
 * (`proofRetryDelay`), one wait at a time, planned at each answer and each change in the peers linked
 * (so a new link is asked for once, not again at each `linked` with the same count).
 */
export function createProofRetry(ask: () => void): ProofRetry {
  let state: ProofRetryState = { unproven: 0, peers: 0 }
  let peers = 0
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const plan = (): void => {
    clearTimeout(timer)
    const delay = closed ? null : proofRetryDelay(state, peers)
    if (delay === null) return
    timer = setTimeout(ask, delay)
  }
  return {
    answered(unproven, linked) {
      peers = linked
      state = provenAnswer(state, unproven, linked)
      plan()
    },
    linked(linked) {
      if (linked === peers) return
      peers = linked
      plan()
    },
    close() {
      closed = true
      clearTimeout(timer)
    },
  }
}

/** Whether `error` (a read's failure, if any) is one no peer proved (`unprovenRead`): one to ask again. */
export const isUnproven = (error: string | null): boolean => error !== null && unprovenRead(error) !== null

/**
 * A number that changes each time a screen's read should be asked again because no peer proved its
 * last answer (`createProofRetry`): put it among the read's inputs. `answer` is the read's latest answer
 * (a new object per answer, null before the first), `error` its failure, if any. Nothing is scheduled
 * after the screen leaves; the read's runner keeps to one run at a time (`createQueryRunner`).
 */
export function useProofRetry(answer: object | null, error: string | null): number {
  const directPeers = useApp(directPeerCount)
  const [retry, setRetry] = useState(0)
  const retries = useRef<ProofRetry | null>(null)
  useEffect(() => {
    const r = createProofRetry(() => setRetry((n) => n + 1))
    retries.current = r
    return () => r.close()
  }, [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: counted once per answer (a new object each), with the peers linked as it came.
  useEffect(() => {
    if (answer !== null) retries.current?.answered(isUnproven(error), directPeers)
  }, [answer])
  useEffect(() => retries.current?.linked(directPeers), [directPeers])
  return retry
}
