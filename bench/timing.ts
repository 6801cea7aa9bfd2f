/** Timing helpers shared by the benches; `performance.now()` exists in Node, pages and workers. */

/** Milliseconds `fn` took. */
export function timeMs(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

/** Operations per second from a count and a duration in ms. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms
}

/** Microseconds per operation from a duration in ms and a count. */
export function microsPerOp(ms: number, count: number): number {
  return (ms * 1000) / count
}

/** Largest value (best throughput of several rounds: the run least disturbed by other load). */
export function best(values: readonly number[]): number {
  return Math.max(...values)
}

/** "2,500" */
export function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** The `p`-th percentile (nearest rank) of already sorted values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** The median of `values` (the upper one of an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
