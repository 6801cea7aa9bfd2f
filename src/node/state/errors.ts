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

/**
 * What a state error says to the person reading it: one a peer meets serving a proof travels as the
 * reason of the requester's `NET_REQUEST_FAILED`, which a light tab shows as why a read is not verified;
 * a sentence, not the code and its fields.
 */
function stateMessage(type: StateErrorType): string {
  switch (type.code) {
    case 'STATE_BAD_PROOF':
      return `invalid state proof: ${type.reason}`
    case 'STATE_MISSING_NODE':
      return `the state tree node ${type.hash} is not held here${type.key === undefined ? '' : ` (reading ${type.key})`}`
    case 'STATE_CORRUPT':
      return `the stored state is damaged: ${type.reason}`
  }
}

/** Typed error of src/node/state. Its message is a sentence (`stateMessage`). */
export class StateError extends NodeError<StateErrorType> {
  override name = 'StateError'

  constructor(type: StateErrorType, message?: string) {
    super(type, message ?? stateMessage(type))
  }
}
