import { type ReactElement, useEffect, useState } from 'react'

/** The attributes that tie an input to its problem for assistive technology. */
export interface ProblemAria {
  readonly 'aria-invalid': boolean
  readonly 'aria-describedby'?: string
}

/** How a problem's message is shown. */
export interface ProblemStyle {
  /** `form__error` on the app's forms, `form-error` on the wallet's. */
  readonly className?: string
  /**
   * Announced at once (`role="alert"`): for a refusal that comes after a submit. A problem shown as the
   * person types is read when its field is focused (aria-describedby), not announced at every key.
   */
  readonly alert?: boolean
}

/**
 * A field's problem: the attributes of its input and the message shown beside it, tied by `id` (the
 * message's id and test id). No problem: the input is valid and there is no message.
 */
export function fieldProblem(
  id: string,
  problem: string | null | undefined,
  { className = 'form__error', alert = false }: ProblemStyle = {},
): { readonly input: ProblemAria; readonly message: ReactElement | null } {
  if (problem === undefined || problem === null) return { input: { 'aria-invalid': false }, message: null }
  return {
    input: { 'aria-invalid': true, 'aria-describedby': id },
    message: (
      <p className={className} id={id} data-testid={id} {...(alert ? { role: 'alert' } : {})}>
        {problem}
      </p>
    ),
  }
}

/**
 * The text fields of a form and which of them were edited at least once (all of them after a submit):
 * a form shows only those fields' problems, so an empty field nobody has reached yet is not called wrong.
 * `onEdit` runs on every edit (to clear a message about the last submit).
 */
export function useFields<F extends { readonly [K in keyof F]: string }>(initial: F, onEdit?: () => void) {
  const [fields, setFields] = useState<F>(initial)
  const [touched, setTouched] = useState<ReadonlySet<keyof F>>(new Set())
  /** The form of the last refused submit (a new object each time): its first wrong field takes the focus. */
  const [refused, setRefused] = useState<{ readonly form: Element } | null>(null)
  // Once the problems are shown: focused, the field is read with its problem (its aria-describedby).
  useEffect(() => {
    refused?.form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [refused])
  return {
    fields,
    touched,
    /**
     * After a refused submit of `form`: every field's problem beside it, the untouched ones' too, and the
     * focus on the first wrong field, so that a screen reader says what is wrong.
     */
    touchAll: (form: Element | null) => {
      setTouched(new Set(Object.keys(fields) as (keyof F)[]))
      setRefused(form === null ? null : { form })
    },
    /** After a send: the fields as `next` makes them, none touched (emptied is not wrong). */
    reset: (next: (fields: F) => F) => {
      setFields(next)
      setTouched(new Set())
    },
    /**
     * The props of `key`'s input (its value, a handler that keeps what is typed, its problem's aria) and
     * the message beside it (`fieldProblem`).
     */
    bind: (key: keyof F, id: string, problem: string | undefined, style?: ProblemStyle) => {
      const { input, message } = fieldProblem(id, problem, style)
      return {
        props: {
          value: fields[key],
          onChange: (e: { readonly currentTarget: { readonly value: string } }) => {
            const value = e.currentTarget.value
            setFields((f) => ({ ...f, [key]: value }))
            setTouched((t) => (t.has(key) ? t : new Set(t).add(key)))
            onEdit?.()
          },
          ...input,
        },
        message,
      }
    },
  }
}
