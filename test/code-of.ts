import { NodeError } from '../src/node/rpc/errors'

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

/**
 * The code of the NodeError (a `LightError`, a `SyncError`… included) that `p` rejects with, or
 * `'accepted'` when it resolves. Anything else is thrown on, so a test expecting a code fails on an
 * untyped error.
 */
export async function asyncCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof NodeError) return err.type.code
    throw err
  }
  return 'accepted'
}
