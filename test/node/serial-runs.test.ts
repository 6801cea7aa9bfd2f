import { describe, expect, test } from 'vitest'
import { SerialRuns, serialRefresh } from '../../src/node/serial-runs'

/** A task whose runs end when the test says so. */
function gatedTask() {
  const gates: (() => void)[] = []
  let runs = 0
  const serial = new SerialRuns(async () => {
    runs++
    await new Promise<void>((resolve) => gates.push(resolve))
  })
  return {
    runs: serial,
    count: () => runs,
    /** Ends the oldest open run; resolves once its follow-up (if any) has started. */
    async finish() {
      gates.shift()?.()
      await new Promise((r) => setTimeout(r, 0))
    },
  }
}

describe('SerialRuns', () => {
  test('asks during a run make exactly one more run after it', async () => {
    const t = gatedTask()
    t.runs.start()
    t.runs.start()
    t.runs.start()
    t.runs.start()
    expect(t.count()).toBe(1)
    await t.finish()
    expect(t.count()).toBe(2)
    await t.finish()
    await t.runs.idle()
    expect(t.count()).toBe(2)
  })

  test('held runs do not start; the asks meanwhile start one run on release', async () => {
    const t = gatedTask()
    t.runs.hold(true)
    t.runs.start()
    t.runs.start()
    expect(t.count()).toBe(0)
    t.runs.hold(false)
    expect(t.count()).toBe(1)
    await t.finish()
    await t.runs.idle()
    expect(t.count()).toBe(1)
    // Released with nothing asked: nothing runs.
    t.runs.hold(true)
    t.runs.hold(false)
    expect(t.count()).toBe(1)
  })

  test('a run going when runs are held ends; its follow-up waits for the release', async () => {
    const t = gatedTask()
    t.runs.start()
    t.runs.hold(true)
    t.runs.start()
    await t.finish()
    expect(t.count()).toBe(1)
    t.runs.hold(false)
    expect(t.count()).toBe(2)
    await t.finish()
  })

  test('idle waits for the run and the follow-ups asked during it', async () => {
    const t = gatedTask()
    let idle = false
    t.runs.start()
    t.runs.start()
    const waiting = t.runs.idle().then(() => {
      idle = true
    })
    await t.finish()
    expect(idle).toBe(false)
    await t.finish()
    await waiting
    expect(t.count()).toBe(2)
  })
})

describe('serialRefresh', () => {
  test('a run that fails goes to onError and the asks still resolve; the next ask runs again', async () => {
    const failures: unknown[] = []
    let runs = 0
    const refresh = serialRefresh(
      async () => {
        runs++
        if (runs === 1) throw new Error('no peer proved it')
      },
      (err) => failures.push(err),
    )
    await Promise.all([refresh(), refresh()])
    expect(runs).toBe(2)
    expect(failures).toEqual([new Error('no peer proved it')])
    await refresh()
    expect(runs).toBe(3)
    expect(failures).toHaveLength(1)
  })
})
