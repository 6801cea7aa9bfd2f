import type { BenchOptions, BenchResult } from '../types'

/** Page → worker: run one bench. */
export interface RunRequest {
  readonly name: string
  readonly options: BenchOptions
}

/** Worker → page: the bench's result or its error. */
export type RunReply =
  | { readonly ok: true; readonly result: BenchResult }
  | { readonly ok: false; readonly error: string }

/** What the bench page exposes to the harness (through `page.evaluate`). */
export interface BenchPageApi {
  /** Runs bench `name` in a fresh dedicated module Worker (or on the page for `where: 'page'`). */
  run(name: string, options: BenchOptions): Promise<RunReply>
}

/** Message of an error for the report. */
export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err)
}
