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

/** What `watchForTakeover` did: reloads and offers, in order. */
function actions() {
  const done: string[] = []
  return { done, reload: () => done.push('reload'), offer: () => done.push('offer') }
}

describe('watchForTakeover', () => {
  it('a new version another tab accepted taking over this tab is offered, each time', () => {
    const sw = container({ version: 1 })
    const a = actions()
    watchForTakeover(sw, () => false, a)
    sw.claim({ version: 2 })
    expect(a.done).toEqual(['offer'])
    sw.claim({ version: 3 })
    expect(a.done).toEqual(['offer', 'offer'])
  })

  it('the first install claiming a tab it did not serve is not a new version; the next one is', () => {
    const sw = container(null)
    const a = actions()
    watchForTakeover(sw, () => false, a)
    sw.claim({ version: 1 })
    expect(a.done).toEqual([])
    sw.claim({ version: 2 })
    expect(a.done).toEqual(['offer'])
  })

  it('a version this tab accepted reloads it, also a tab no worker served before', () => {
    for (const served of [{ version: 1 }, null]) {
      const sw = container(served)
      const a = actions()
      watchForTakeover(sw, () => true, a)
      sw.claim({ version: 2 })
      expect(a.done).toEqual(['reload'])
    }
  })
})
