// What the real runners' JSON reports say (Vitest's and Playwright's), for the plain line CI prints last.
import { existsSync, readFileSync } from 'node:fs'

export interface Counts {
  readonly passed: number
  readonly failed: number
  readonly skipped: number
}

/** Vitest's JSON report at `path`; undefined when there is none (not run). */
export function vitestCounts(path: string): Counts | undefined {
  if (!existsSync(path)) return undefined
  const r = JSON.parse(readFileSync(path, 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }
}

/**
 * Playwright's JSON report at `path`; undefined when there is none (not run). An error of the run
 * itself (`errors`: a web server that did not start, a config or spec file that did not load) counts as
 * a failure: such a run may report no test at all, and "0 failed" would hide it.
 */
export function playwrightCounts(path: string): Counts | undefined {
  if (!existsSync(path)) return undefined
  const r = JSON.parse(readFileSync(path, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number }
    errors?: readonly unknown[]
  }
  // "flaky" passed on a retry: counted as passed (the suite sets retries to 0, so it stays 0).
  return {
    passed: r.stats.expected + r.stats.flaky,
    failed: r.stats.unexpected + (r.errors?.length ?? 0),
    skipped: r.stats.skipped,
  }
}
