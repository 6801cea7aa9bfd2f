import type { Parsed } from './token-form'

/** One problem of a form: the field it is shown beside, and the sentence that says what is wrong. */
export type FieldProblem<K extends string> = readonly [field: K, error: string]

/** Each problem a form shows, keyed by the field it is shown beside. */
export type FieldProblems<K extends string> = { readonly [F in K]?: string }

/**
 * The problems a form shows as the person types: those of the fields in `touched` (edited at least once,
 * or all of them after a submit), so an empty field nobody has reached yet is not called wrong. The
 * first problem of a field is its one. Pure.
 */
export function shownProblems<K extends string>(
  problems: readonly FieldProblem<K>[],
  touched: ReadonlySet<K>,
): FieldProblems<K> {
  const shown: { [F in K]?: string } = {}
  for (const [field, error] of problems) if (touched.has(field)) shown[field] ??= error
  return shown
}

/** A form's fields checked: every problem, in the order of its fields; what they read when there is none. */
export interface Checked<K extends string, T> {
  readonly problems: readonly FieldProblem<K>[]
  readonly value: T | null
}

/** What a submit does with checked fields: their value, or a refusal with every problem in their order. */
export const parsedForm = <K extends string, T>({ problems, value }: Checked<K, T>): Parsed<T> =>
  value === null ? { ok: false, error: problems.map(([, error]) => error).join(' ') } : { ok: true, value }
