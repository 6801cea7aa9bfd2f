import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { fieldProblem } from '../../src/ui/components/field-problem'
import { shownProblems } from '../../src/ui/form-problems'

describe('a field’s problem', () => {
  test('only the touched fields’ problems are shown, the first of each field', () => {
    const problems = [
      ['amount', 'Enter an amount.'],
      ['to', 'Enter an address.'],
      ['amount', 'Too many decimals.'],
    ] as const
    expect(shownProblems(problems, new Set())).toEqual({})
    expect(shownProblems(problems, new Set(['amount']))).toEqual({ amount: 'Enter an amount.' })
    expect(shownProblems(problems, new Set(['amount', 'to', 'asset']))).toEqual({
      amount: 'Enter an amount.',
      to: 'Enter an address.',
    })
  })

  test('is tied to its input: aria-invalid, and aria-describedby naming the message beside it', () => {
    expect(fieldProblem('send-to-problem', undefined)).toEqual({
      input: { 'aria-invalid': false },
      message: null,
    })
    expect(fieldProblem('send-to-problem', null).message).toBeNull()
    const { input, message } = fieldProblem('send-to-problem', 'Enter an address.')
    expect(input).toEqual({ 'aria-invalid': true, 'aria-describedby': 'send-to-problem' })
    expect(renderToStaticMarkup(message)).toBe(
      '<p class="form__error" id="send-to-problem" data-testid="send-to-problem">Enter an address.</p>',
    )
    // A refusal after a submit is announced at once, and still tied to its field.
    const refusal = fieldProblem('unlock-error', 'incorrect password', {
      className: 'form-error',
      alert: true,
    })
    expect(refusal.input).toEqual({ 'aria-invalid': true, 'aria-describedby': 'unlock-error' })
    expect(renderToStaticMarkup(refusal.message)).toBe(
      '<p class="form-error" id="unlock-error" data-testid="unlock-error" role="alert">incorrect password</p>',
    )
  })
})
