import { describe, expect, test } from 'vitest'
import { type Every, watchStart } from '../../../src/node/rpc/start-watch'

/** A timer driven by hand: `tick()` is one interval passing (or a throttled page's catch-up). */
function manualTimer() {
  let tick: (() => void) | null = null
  let intervalMs = 0
  const every: Every = (ms, t) => {
    intervalMs = ms
    tick = t
    return () => {
      tick = null
    }
  }
  return {
    every,
    intervalMs: () => intervalMs,
    running: () => tick !== null,
    tick: () => tick?.(),
  }
}

describe('watchStart', () => {
  test('says once, after the given ticks without an end, that the start is slow, then stops', () => {
    const timer = manualTimer()
    const slow: number[] = []
    watchStart({ intervalMs: 5_000, checks: 3, onSlow: (ms) => slow.push(ms), every: timer.every })
    expect(timer.intervalMs()).toBe(5_000)
    timer.tick()
    timer.tick()
    expect(slow).toEqual([])
    timer.tick()
    expect(slow).toEqual([15_000])
    expect(timer.running()).toBe(false)
    timer.tick()
    expect(slow).toEqual([15_000])
  })

  test('a start that ends in time is never called slow, and its timer stops', () => {
    const timer = manualTimer()
    const slow: number[] = []
    const watch = watchStart({
      intervalMs: 5_000,
      checks: 3,
      onSlow: (ms) => slow.push(ms),
      every: timer.every,
    })
    timer.tick()
    timer.tick()
    watch.done()
    expect(timer.running()).toBe(false)
    timer.tick()
    expect(slow).toEqual([])
    // Ending twice (ready, then a late error) is harmless.
    watch.done()
  })
})
