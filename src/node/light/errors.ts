import type { Hex } from 'viem'
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
  /**
   * A `logs` query whose range holds more blocks that may match (by their logs blooms) than a light node
   * reads in one query: each is fetched from a peer. Ask for a narrower range or a tighter filter.
   */
  | { readonly code: 'LIGHT_LOGS_TOO_WIDE'; readonly blocks: number; readonly max: number }
  /** A query the light node cannot answer at all (it holds no blocks or state of its own). */
  | { readonly code: 'LIGHT_UNSUPPORTED'; readonly method: string }
  /**
   * A peer's range of headers from `number` that does not link to the header it was asked to continue
   * (`expected`, the last of the range before it; null: to no header held): its first header names
   * `parentHash` as its parent.
   */
  | {
      readonly code: 'LIGHT_HEADERS_UNLINKED'
      readonly number: bigint
      readonly parentHash: Hex
      readonly expected: Hex | null
    }

/** What a light error says to the person reading it (the wallet and the screens show it as it is). */
function lightMessage(type: LightErrorType): string {
  switch (type.code) {
    case 'LIGHT_BAD_PROOF':
      return `the proof of ${type.what} does not verify: ${type.reason}`
    case 'LIGHT_UNVERIFIED': {
      const failures = type.failures.join('; ')
      return type.attempts === 0
        ? `${type.what} cannot be proved: ${failures}`
        : `no peer proved ${type.what} (${type.attempts} asked): ${failures}`
    }
    case 'LIGHT_LOGS_TOO_WIDE':
      return `${type.blocks} blocks of the range may hold matching logs, and a light node fetches at most ${type.max} per query: narrow the range or the filter`
    case 'LIGHT_UNSUPPORTED':
      return `a light node cannot answer ${type.method}: it holds no blocks or state of its own`
    case 'LIGHT_HEADERS_UNLINKED':
      return type.expected === null
        ? `the headers from #${type.number} do not link to any header held: their parent is ${type.parentHash}`
        : `the headers from #${type.number} do not link to #${type.number - 1n} (${type.expected}), the header they were asked to continue: their parent is ${type.parentHash}`
  }
}

/** Typed error of src/node/light; branch on `err.type.code`. Its message is a sentence (`lightMessage`). */
export class LightError extends NodeError<LightErrorType> {
  override name = 'LightError'

  constructor(type: LightErrorType, message?: string) {
    super(type, message ?? lightMessage(type))
  }
}

/**
 * `NODE_HISTORY_MISSING` for block `number`, below `base`, the oldest header a light node holds (its
 * checkpoint): a full node holds that block, this one never will.
 */
export const olderThanHeld = (number: bigint, base: bigint): NodeError =>
  new NodeError(
    { code: 'NODE_HISTORY_MISSING', number, base },
    `block #${number} is older than the headers this light node holds (from #${base}): a full node holds it`,
  )
