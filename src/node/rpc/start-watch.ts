/** A repeating timer: starts calling `tick` every `ms` and returns what stops it. */
export type Every = (ms: number, tick: () => void) => () => void

/** The page's repeating timer (`setInterval`). */
export const everyInterval: Every = (ms, tick) => {
  const id = setInterval(tick, ms)
  return () => clearInterval(id)
}

export interface StartWatchOptions {
  readonly intervalMs: number
  /** Ticks of `intervalMs` without `done` after which the start is slow. */
  readonly checks: number
  /** Told once, with the ticks' time (`intervalMs × checks`), when the start is slow. */
  readonly onSlow: (waitedMs: number) => void
  readonly every?: Every
}

/**
 * Watches a start that reports only its end (the node worker's 'ready' or 'error'): a worker that dies
 * while starting without an `error` event, or whose start hangs, would otherwise leave the page waiting
 * without a word. After `checks` ticks with no `done`, `onSlow` says so once; the start itself goes on (one
 * merely slow still ends well). Counted in ticks, not time, as the RPC liveness pings: a page whose timers
 * were throttled or frozen with its worker sees one tick as it wakes, not a start that took too long.
 */
export function watchStart(opts: StartWatchOptions): { readonly done: () => void } {
  let ticks = 0
  const stop = (opts.every ?? everyInterval)(opts.intervalMs, () => {
    ticks++
    if (ticks < opts.checks) return
    stop()
    opts.onSlow(opts.intervalMs * opts.checks)
  })
  return { done: stop }
}
