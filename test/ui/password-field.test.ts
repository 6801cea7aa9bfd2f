import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { fieldProblem } from '../../src/ui/components/field-problem'
import { PasswordField } from '../../src/ui/components/PasswordField'

const onChange = () => undefined

describe("the wallet's password field", () => {
  test('is a password input under its label, with its autocomplete, value and test id', () => {
    const html = renderToStaticMarkup(
      createElement(PasswordField, {
        label: 'Password',
        autoComplete: 'current-password',
        testId: 'password',
        value: 'hunter22',
        onChange,
        ...fieldProblem('unlock-error', null).input,
      }),
    )
    expect(html).toBe(
      '<label class="field"><span>Password</span><input class="input" type="password" autoComplete="current-password" data-testid="password" aria-invalid="false" value="hunter22"/></label>',
    )
  })

  test('names its problem (aria-describedby) and has no test id unless given one', () => {
    const html = renderToStaticMarkup(
      createElement(PasswordField, {
        label: 'Your wallet password',
        autoComplete: 'current-password',
        value: '',
        onChange,
        ...fieldProblem('reveal-error', 'incorrect password').input,
      }),
    )
    expect(html).toContain('aria-invalid="true" aria-describedby="reveal-error"')
    expect(html).not.toContain('data-testid')
  })
})
