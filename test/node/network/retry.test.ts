import { expect, test } from 'vitest'
import { RetrySchedule } from '../../../src/node/network/retry'

test('backoff doubles up to the cap, with jitter in [ceiling/2, ceiling], and resets', () => {
  const lo = new RetrySchedule({ baseMs: 1000, maxMs: 8000, random: () => 0 })
  expect([lo.next(), lo.next(), lo.next(), lo.next(), lo.next()]).toEqual([500, 1000, 2000, 4000, 4000])
  expect(lo.attempt).toBe(5)
  lo.reset()
  expect(lo.attempt).toBe(0)
  expect(lo.next()).toBe(500)
  const hi = new RetrySchedule({ baseMs: 1000, maxMs: 8000, random: () => 1 })
  expect([hi.next(), hi.next(), hi.next(), hi.next(), hi.next()]).toEqual([1000, 2000, 4000, 8000, 8000])
})
