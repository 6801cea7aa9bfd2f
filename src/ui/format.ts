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

/** How a relay state reads in the UI: a tone for the status dot and a sentence. */
export interface RelayView {
  readonly tone: 'ok' | 'busy' | 'error' | 'muted'
  readonly label: string
}

/**
 * Describes the relay link for the header. `now` (ms since epoch) drives the retry countdown;
 * `null` status means the network host has not reported yet.
 */
export function describeRelay(status: RelayStatus | null, now: number): RelayView {
  if (status === null) return { tone: 'busy', label: 'Starting network…' }
  switch (status.state) {
    case 'connecting':
      return {
        tone: 'busy',
        label:
          status.attempt > 1 ? `Connecting to relay (attempt ${status.attempt})…` : 'Connecting to relay…',
      }
    case 'connected':
      return { tone: 'ok', label: 'Relay connected' }
    case 'unreachable': {
      const s = secondsUntil(status.retryAt, now)
      return {
        tone: 'error',
        label: s > 0 ? `Relay unreachable — retrying in ${s}s` : 'Relay unreachable — retrying…',
      }
    }
    case 'offline':
      return { tone: 'muted', label: 'Offline' }
  }
}

/** `1 peer`, `3 peers`. */
export function peerCountLabel(count: number): string {
  return count === 1 ? '1 peer' : `${count} peers`
}
