// Prints the plain line "N passed, N failed[, N skipped]" from the real runners' JSON reports
// (Vitest: test-results/unit.json, Playwright: test-results/e2e.json). A missing report counts as
// nothing run, and is said so on stderr.
import { existsSync, readFileSync } from 'node:fs'

interface Counts {
  passed: number
  failed: number
  skipped: number
}

function vitest(path: string): Counts | undefined {
  if (!existsSync(path)) return undefined
  const r = JSON.parse(readFileSync(path, 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }
}

function playwright(path: string): Counts | undefined {
  if (!existsSync(path)) return undefined
  const r = JSON.parse(readFileSync(path, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number }
  }
  // "flaky" passed on a retry: counted as passed (the suite sets retries to 0, so it stays 0).
  return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped }
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 }
for (const [name, counts] of [
  ['unit (vitest)', vitest('test-results/unit.json')],
  ['e2e (playwright)', playwright('test-results/e2e.json')],
] as const) {
  if (counts === undefined) {
    console.error(`${name}: no report (not run)`)
    continue
  }
  console.error(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
  total.passed += counts.passed
  total.failed += counts.failed
  total.skipped += counts.skipped
}
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`,
)
