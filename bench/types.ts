/**
 * The benchmark result type every bench returns, and the shapes benches register with.
 *
 * Benchmarks are not tests: they report figures and ratios against baselines measured in the same run
 * (the machine is shared and noisy, so absolute figures drift; ratios drift much less) and never fail on
 * a goal. A goal is printed next to its figure with "meets goal" / "below goal".
 */

/** What a figure or ratio is aiming for: at least `min`, at most `max` (either or both). */
export interface Goal {
  readonly min?: number
  readonly max?: number
}

/** One measured number, e.g. `{ label: 'import, senders cached', value: 21000, unit: 'tx/s' }`. */
export interface Figure {
  readonly label: string
  readonly value: number
  /** Printed after the value: 'tx/s', 'µs/op', 'ms', '%', 'hashes/op', ''. */
  readonly unit: string
  readonly goal?: Goal
  /** A short note printed after the row (what was measured, sample size). */
  readonly note?: string
}

/** A ratio of two figures of the same run, e.g. import tx/s ÷ ecrecover/s; printed as `0.93×`. */
export interface Ratio {
  readonly label: string
  readonly value: number
  readonly goal?: Goal
  readonly note?: string
}

export interface BenchResult {
  readonly figures: readonly Figure[]
  readonly ratios: readonly Ratio[]
  /** Free-form lines printed under the bench (workload description, caveats). */
  readonly notes?: readonly string[]
}

/** A figure of some bench's result, by bench name and figure label. */
export interface FigureRef {
  readonly bench: string
  readonly label: string
}

/**
 * A ratio between figures of two benches of the same run and place, computed by the harness once both
 * ran; used when the baseline needs its own worker (a baseline sharing a heap with the measured code
 * would slow each other through the garbage collector).
 */
export interface DerivedRatio {
  readonly label: string
  readonly numerator: FigureRef
  readonly denominator: FigureRef
  readonly goal?: Goal
  readonly note?: string
}

/** Knobs the harness passes to every bench. */
export interface BenchOptions {
  /** A smoke run: small workloads, figures meaningless; for checking the harness itself. */
  readonly quick: boolean
}

/**
 * A self-contained benchmark of pure code (no app, no network), runnable in several places:
 * - `worker`: a dedicated module Worker in Chromium — where the node runs; also run in Node for the
 *   comparison column;
 * - `page`: Chromium's main thread (for APIs only pages have); also run in Node when `nodeToo` is set;
 * - `node`: Node only.
 * The module must be importable both in Node and in the browser bundle (no Node APIs in `run`).
 */
export interface Bench {
  readonly name: string
  /** One line: what is measured. */
  readonly title: string
  readonly where: 'worker' | 'page' | 'node'
  /** Also run in Node for the comparison column (default true for `worker`, false for `page`). */
  readonly nodeToo?: boolean
  /** Longest one run may take before it is reported as timed out (default 5 minutes). */
  readonly timeoutMs?: number
  /** Ratios against other benches' figures, added to this bench's result in each place both ran. */
  readonly derived?: readonly DerivedRatio[]
  run(options: BenchOptions): Promise<BenchResult>
}

/** Where a result was measured. */
export type Place = 'chromium-worker' | 'chromium-page' | 'node' | 'app'

/** What the harness records per bench and place (written to test-results/bench.json). */
export interface BenchRecord {
  readonly name: string
  readonly title: string
  readonly place: Place
  /** Wall time of the whole bench including its untimed preparation, ms. */
  readonly elapsedMs: number
  readonly result?: BenchResult
  readonly error?: string
}

/**
 * `records` with each bench's derived ratios appended to its result, per place, where both figures
 * exist (a missing figure leaves the ratio out).
 */
export function withDerivedRatios(records: readonly BenchRecord[], benches: readonly Bench[]): BenchRecord[] {
  const figure = (place: Place, ref: FigureRef): number | undefined =>
    records
      .find((r) => r.place === place && r.name === ref.bench)
      ?.result?.figures.find((f) => f.label === ref.label)?.value
  return records.map((rec) => {
    const derived = benches.find((b) => b.name === rec.name)?.derived ?? []
    if (rec.result === undefined || derived.length === 0) return rec
    const extra: Ratio[] = []
    for (const d of derived) {
      const num = figure(rec.place, d.numerator)
      const den = figure(rec.place, d.denominator)
      if (num === undefined || den === undefined || den === 0) continue
      extra.push({
        label: d.label,
        value: num / den,
        ...(d.goal === undefined ? {} : { goal: d.goal }),
        ...(d.note === undefined ? {} : { note: d.note }),
      })
    }
    return { ...rec, result: { ...rec.result, ratios: [...rec.result.ratios, ...extra] } }
  })
}

/** True when `value` satisfies `goal`. */
export function meetsGoal(value: number, goal: Goal): boolean {
  return (goal.min === undefined || value >= goal.min) && (goal.max === undefined || value <= goal.max)
}
