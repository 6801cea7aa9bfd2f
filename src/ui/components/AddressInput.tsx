import type { ComponentPropsWithoutRef, KeyboardEvent } from 'react'

/**
 * A text field for an address or a hash: monospace and wrapping, so that a whole 42-character address
 * shows on a 390 px phone (about 30 characters fit a line there: a one-line input showed some 20 and hid
 * the rest, sideways). It grows a line at a time with its text (`field-sizing`; two lines where that is
 * not supported). Enter submits its form, as in a one-line input, instead of breaking the line.
 */
export function AddressInput({
  className,
  ...props
}: Omit<ComponentPropsWithoutRef<'textarea'>, 'rows' | 'onKeyDown'>) {
  return (
    <textarea
      rows={2}
      spellCheck={false}
      autoCapitalize="off"
      autoCorrect="off"
      autoComplete="off"
      {...props}
      className={className === undefined ? 'input input--address' : `input input--address ${className}`}
      onKeyDown={submitOnEnter}
    />
  )
}

function submitOnEnter(e: KeyboardEvent<HTMLTextAreaElement>): void {
  if (e.key !== 'Enter' || e.nativeEvent.isComposing) return
  e.preventDefault()
  e.currentTarget.form?.requestSubmit()
}
