/** Joins a duration's two parts: a no-break space, so a narrow screen never wraps `2m` from `20s`. */
const NBSP = '\u00a0'

/**
 * A compact duration such as `42s`, `3m 05s`, `2h 14m` or `3d 4h`, its parts joined by a no-break space
 * (it stays on one line wherever it is shown). Negative durations count as zero.
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${NBSP}${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${NBSP}${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d${NBSP}${h % 24}h`
}

/**
 * The time to block `height` from the head `head` at `blockMs` per block (the chain's target block time),
 * as the wallet and the Explorer say it: `~4m 00s`; null for a height the head has reached.
 */
export function timeToBlock(height: bigint, head: bigint, blockMs: number): string | null {
  return height > head ? `~${formatDuration(Number(height - head) * blockMs)}` : null
}
