import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { playwrightCounts, vitestCounts } from '../../scripts/test-counts'

const dir = mkdtempSync(join(tmpdir(), 'tabchain-counts-'))
const report = (name: string, body: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(body))
  return path
}
const stats = { expected: 120, unexpected: 1, flaky: 2, skipped: 3 }

describe("CI's counts, read from the runners' own reports", () => {
  test('Vitest: passed, failed, and pending and todo as skipped', () => {
    const path = report('unit.json', {
      numPassedTests: 9,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 1,
    })
    expect(vitestCounts(path)).toEqual({ passed: 9, failed: 1, skipped: 3 })
  })

  test('Playwright: a flaky test as passed; an error of the run itself as a failure, though no test ran', () => {
    expect(playwrightCounts(report('e2e.json', { stats, errors: [] }))).toEqual({
      passed: 122,
      failed: 1,
      skipped: 3,
    })
    // The web server's port was taken: the run reports no test, and one error.
    const noServer = report('e2e-no-server.json', {
      stats: { expected: 0, unexpected: 0, flaky: 0, skipped: 0 },
      errors: [{ message: 'Error: http://127.0.0.1:4310/api/relay is already used' }],
    })
    expect(playwrightCounts(noServer)).toEqual({ passed: 0, failed: 1, skipped: 0 })
    // An older report without the field.
    expect(playwrightCounts(report('e2e-old.json', { stats }))).toMatchObject({ failed: 1 })
  })

  test('no report: not run', () => {
    expect(vitestCounts(join(dir, 'missing.json'))).toBeUndefined()
    expect(playwrightCounts(join(dir, 'missing.json'))).toBeUndefined()
  })
})
