import { NodeError } from '../rpc/errors'

export type LightErrorType =
  /** A proof that does not lead to the header's root, is for another key, or is malformed. */
  | { readonly code: 'LIGHT_BAD_PROOF'; readonly what: string; readonly reason: string }
  /**
   * No peer could give a proof that verifies: `failures` says, per attempt, why (a forged proof, no
   * state held for that block, a timeout…). The data stays unverified and is not shown.
   */
  | {
      readonly code: 'LIGHT_UNVERIFIED'
      readonly what: string
      readonly attempts: number
      readonly failures: readonly string[]
    }
  /** A query the light node cannot answer at all (it holds no blocks or state of its own). */
  | { readonly code: 'LIGHT_UNSUPPORTED'; readonly method: string }

/** Typed error of src/node/light; branch on `err.type.code`. */
export class LightError extends NodeError<LightErrorType> {
  override name = 'LightError'
}
