import type { RelayStatus } from '../node/network/types'

/**
 * Short form of a base58 peer id for display: first and last four characters, `12D3…x7Qa`.
 * Ids of nine characters or fewer are returned whole.
 */
export function shortPeerId(peerId: string): string {
  return peerId.length <= 9 ? peerId : `${peerId.slice(0, 4)}…${peerId.slice(-4)}`
}

/** A compact duration such as `42s`, `3m 05s`, `2h 14m` or `3d 4h`. Negative durations count as zero. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** Whole seconds left until `at` (ms since epoch), rounded up so a countdown never shows 0 early. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/** How a relay state reads in the UI: a tone for the status dot, a sentence, and a one-word form. */
export interface RelayView {
  readonly tone: 'ok' | 'busy' | 'error' | 'muted'
  /** Full sentence for the header pill, e.g. `Relay unreachable — retrying in 4s`. */
  readonly label: string
  /** Short form for tight spaces, e.g. `Unreachable`. */
  readonly short: string
  /** What happens next, e.g. `Retrying in 4s.`; empty when there is nothing to add. */
  readonly next: string
}

/**
 * Describes the relay link for the UI. `now` (ms since epoch) drives the retry countdown; a `null`
 * status means the network host has not reported yet.
 */
export function describeRelay(status: RelayStatus | null, now: number): RelayView {
  if (status === null) return { tone: 'busy', label: 'Starting network…', short: 'Starting…', next: '' }
  switch (status.state) {
    case 'connecting':
      return {
        tone: 'busy',
        label:
          status.attempt > 1 ? `Connecting to relay (attempt ${status.attempt})…` : 'Connecting to relay…',
        short: 'Connecting…',
        next: status.attempt > 1 ? `Attempt ${status.attempt}.` : '',
      }
    case 'connected':
      return { tone: 'ok', label: 'Relay connected', short: 'Connected', next: '' }
    case 'unreachable': {
      const s = secondsUntil(status.retryAt, now)
      return {
        tone: 'error',
        label: s > 0 ? `Relay unreachable — retrying in ${s}s` : 'Relay unreachable — retrying…',
        short: 'Unreachable',
        next: s > 0 ? `Retrying in ${s}s.` : 'Retrying now.',
      }
    }
    case 'offline':
      return { tone: 'muted', label: 'Offline', short: 'Offline', next: '' }
  }
}

/** `1 peer`, `3 peers`. */
export function peerCountLabel(count: number): string {
  return count === 1 ? '1 peer' : `${count} peers`
}
