import { bigintToBytes, bytesToBigint } from '../codec/bytes'
import { type RlpItem, rlpDecode, rlpEncode } from '../codec/rlp'
import { NodeError } from '../rpc/errors'

/**
 * The status beacon each node gossips on its chain's status topic: who it is and how far it has got.
 * Wire form: RLP [version, seq, sentAt (ms), head number, agent (UTF-8, ≤ 64 bytes)].
 */
export interface Beacon {
  /** Increases with every beacon a node sends; a stale one is ignored. */
  readonly seq: bigint
  /** Sender's clock, ms since epoch (informative: used to show the one-way delay, never trusted). */
  readonly sentAt: bigint
  readonly head: bigint
  readonly agent: string
}

export type BeaconErrorType = { readonly code: 'BEACON_MALFORMED'; readonly reason: string }

/** A beacon that cannot be read or sent; its message is a sentence, not the code and its fields. */
export class BeaconError extends NodeError<BeaconErrorType> {
  override name = 'BeaconError'

  constructor(type: BeaconErrorType, message?: string) {
    super(type, message ?? `the status beacon is malformed: ${type.reason}`)
  }
}

const VERSION = 1n

/**
 * What a light node adds to the agent it tells (`lightAgent`): it holds headers only and serves no blocks,
 * so no peer asks it for one (`Syncer.holders`). Its word is only about itself: a peer that says so
 * falsely is only never asked for a block.
 */
const LIGHT_MARK = ' (light)'

/** The agent a light node tells: `agent`, marked light. */
export const lightAgent = (agent: string): string => `${agent}${LIGHT_MARK}`

/** Whether a beacon's sender says it is a light node (`lightAgent`). */
export const saysLight = (b: Beacon): boolean => b.agent.endsWith(LIGHT_MARK)

/** Beacons are tiny; anything longer is rejected before decoding. */
export const MAX_BEACON_BYTES = 256
const MAX_AGENT_BYTES = 64

export function encodeBeacon(b: Beacon): Uint8Array {
  const agent = new TextEncoder().encode(b.agent)
  if (agent.byteLength > MAX_AGENT_BYTES)
    throw new BeaconError({ code: 'BEACON_MALFORMED', reason: 'agent too long' })
  return rlpEncode([
    bigintToBytes(VERSION),
    bigintToBytes(b.seq),
    bigintToBytes(b.sentAt),
    bigintToBytes(b.head),
    agent,
  ])
}

export function decodeBeacon(data: Uint8Array): Beacon {
  const fail = (reason: string): never => {
    throw new BeaconError({ code: 'BEACON_MALFORMED', reason })
  }
  if (data.byteLength > MAX_BEACON_BYTES) fail(`larger than ${MAX_BEACON_BYTES} bytes`)
  let item: RlpItem
  try {
    item = rlpDecode(data)
  } catch (err) {
    return fail(err instanceof Error ? err.message : 'bad RLP')
  }
  if (!Array.isArray(item) || item.length !== 5) return fail('expected a list of 5 items')
  const [version, seq, sentAt, head, agent] = item
  const uint = (x: RlpItem | undefined, name: string): bigint => {
    if (!(x instanceof Uint8Array) || x.byteLength > 8) return fail(`${name} is not a uint64`)
    if (x.byteLength > 0 && x[0] === 0) return fail(`${name} has a leading zero`)
    return bytesToBigint(x)
  }
  if (uint(version, 'version') !== VERSION) fail('unknown version')
  if (!(agent instanceof Uint8Array) || agent.byteLength > MAX_AGENT_BYTES)
    return fail('agent is not a short string')
  let text: string
  try {
    // A leading byte-order mark is kept, so the text encodes back to the same bytes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(agent)
  } catch {
    return fail('agent is not UTF-8')
  }
  return { seq: uint(seq, 'seq'), sentAt: uint(sentAt, 'sentAt'), head: uint(head, 'head'), agent: text }
}
