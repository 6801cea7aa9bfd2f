import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UPDATE_CHECK_MS, watchForTakeover, watchForUpdates } from '../src/update-check'

/** A service worker registration that counts the update checks asked of it. */
function registration(fails = false) {
  return {
    checks: 0,
    installing: null as object | null,
    update() {
      this.checks++
      return fails ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve(undefined)
    },
  }
}

describe('watchForUpdates', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a tab left open asks for a new version once per interval, while online', async () => {
    const reg = registration()
    let online = true
    const stop = watchForUpdates(reg, () => online)
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS - 1)
    expect(reg.checks).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(reg.checks).toBe(1)
    online = false
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS)
    expect(reg.checks).toBe(1)
    online = true
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS)
    expect(reg.checks).toBe(2)
    stop()
    await vi.advanceTimersByTimeAsync(3 * UPDATE_CHECK_MS)
    expect(reg.checks).toBe(2)
  })

  it('does not ask while a new version is installing, and a failed check waits for the next interval', async () => {
    const reg = registration(true)
    const stop = watchForUpdates(reg, () => true)
    reg.installing = {}
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS)
    expect(reg.checks).toBe(0)
    reg.installing = null
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS)
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MS)
    expect(reg.checks).toBe(2)
    stop()
  })
})

/** A `navigator.serviceWorker` whose controller the test changes, firing `controllerchange`. */
function container(controller: object | null) {
  const target = new EventTarget() as EventTarget & { controller: object | null; claim(by: object): void }
  target.controller = controller
  target.claim = (by) => {
    target.controller = by
    target.dispatchEvent(new Event('controllerchange'))
  }
  return target
}

describe('watchForTakeover', () => {
  it('a new version another tab accepted taking over this tab is reported, each time', () => {
    const sw = container({ version: 1 })
    let takeovers = 0
    watchForTakeover(
      sw,
      () => false,
      () => takeovers++,
    )
    sw.claim({ version: 2 })
    expect(takeovers).toBe(1)
    sw.claim({ version: 3 })
    expect(takeovers).toBe(2)
  })

  it('the first install claiming a tab it did not serve is not a new version; the next one is', () => {
    const sw = container(null)
    let takeovers = 0
    watchForTakeover(
      sw,
      () => false,
      () => takeovers++,
    )
    sw.claim({ version: 1 })
    expect(takeovers).toBe(0)
    sw.claim({ version: 2 })
    expect(takeovers).toBe(1)
  })

  it('a version this tab accepted is not reported: this tab reloads into it', () => {
    const sw = container({ version: 1 })
    let takeovers = 0
    watchForTakeover(
      sw,
      () => true,
      () => takeovers++,
    )
    sw.claim({ version: 2 })
    expect(takeovers).toBe(0)
  })
})
