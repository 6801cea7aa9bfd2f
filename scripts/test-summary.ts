// Prints the plain line "N passed, N failed[, N skipped]" from the real runners' JSON reports
// (Vitest: test-results/unit.json, Playwright: test-results/e2e.json). A missing report counts as
// nothing run, and is said so on stderr.
import { type Counts, playwrightCounts, vitestCounts } from './test-counts'

const total = { passed: 0, failed: 0, skipped: 0 }
for (const [name, counts] of [
  ['unit (vitest)', vitestCounts('test-results/unit.json')],
  ['e2e (playwright)', playwrightCounts('test-results/e2e.json')],
] as const satisfies readonly (readonly [string, Counts | undefined])[]) {
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
