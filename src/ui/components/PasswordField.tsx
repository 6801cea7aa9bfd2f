import type { ChangeEvent, ReactNode } from 'react'
import type { ProblemAria } from './field-problem'

/** A password input under its label, tied to its problem (`fieldProblem`'s `input`). */
export interface PasswordFieldProps extends ProblemAria {
  readonly label: ReactNode
  /** `current-password` where the wallet's password is asked for, `new-password` where one is chosen. */
  readonly autoComplete: 'current-password' | 'new-password'
  readonly value: string
  readonly onChange: (e: ChangeEvent<HTMLInputElement>) => void
  readonly testId?: string
}

/** The wallet's password field: one shape for unlocking, revealing, exporting and choosing a password. */
export function PasswordField({ label, autoComplete, testId, ...input }: PasswordFieldProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        className="input"
        type="password"
        autoComplete={autoComplete}
        {...(testId === undefined ? {} : { 'data-testid': testId })}
        {...input}
      />
    </label>
  )
}
