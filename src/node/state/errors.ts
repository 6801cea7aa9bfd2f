import { NodeError } from '../rpc/errors'

/** Failures of the state tree and its proofs. */
export type StateErrorType =
  /** A proof that is malformed, tampered with, or does not lead to the given root. */
  | { readonly code: 'STATE_BAD_PROOF'; readonly reason: string }
  /** A node needed to read the tree is not in the node store (incomplete sync or storage). */
  | {
      readonly code: 'STATE_MISSING_NODE'
      readonly hash: string
      /** The logical key (`keys.ts`) being read, when a read of one met the missing node. */
      readonly key?: string
    }
  /** A stored node or value that does not decode. */
  | { readonly code: 'STATE_CORRUPT'; readonly reason: string }

/** Typed error of src/node/state. */
export class StateError extends NodeError<StateErrorType> {
  override name = 'StateError'
}
