import type { NodeError } from '../src/node/rpc/errors'

/**
 * The code of the `errorClass` error that `fn` throws, or `'accepted'` when it returns. Anything else
 * thrown is thrown on, so a test expecting a code fails on an untyped error.
 */
export function codeOf(errorClass: abstract new (...args: never[]) => NodeError, fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof errorClass) return err.type.code
    throw err
  }
  return 'accepted'
}
