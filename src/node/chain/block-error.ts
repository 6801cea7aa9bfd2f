import type { Hex } from 'viem'
import { NodeError } from '../rpc/errors'

/**
 * Why a header or block was refused. Decoding failures (`BLOCK_MALFORMED`, `BLOCK_TOO_LARGE`) come from
 * the codec; the rest from consensus validation and the chain store.
 *
 * `BLOCK_FUTURE` is not a fault: the block's timestamp is beyond the tolerance of the caller's clock, so
 * it is "not yet" — keep it for later and do not penalise the peer (gossipsub `ignore`).
 */
export type BlockErrorType =
  | { code: 'BLOCK_MALFORMED'; reason: string }
  | { code: 'BLOCK_TOO_LARGE'; size: number; max: number }
  | { code: 'BLOCK_FUTURE'; timestamp: bigint; now: bigint; tolerance: bigint }
  | { code: 'BLOCK_UNKNOWN_PARENT'; parentHash: Hex }
  | { code: 'BLOCK_BAD_NUMBER'; expected: bigint; got: bigint }
  | { code: 'BLOCK_BAD_TIMESTAMP'; parent: bigint; got: bigint; minGap: bigint }
  | { code: 'BLOCK_BAD_DIFFICULTY'; expected: bigint; got: bigint }
  | { code: 'BLOCK_INSUFFICIENT_WORK'; hash: Hex }
  | { code: 'BLOCK_BAD_GAS_LIMIT'; expected: bigint; got: bigint }
  | { code: 'BLOCK_BAD_GAS_USED'; expected: bigint; got: bigint }
  | { code: 'BLOCK_BAD_BASE_FEE'; expected: bigint; got: bigint }
  | { code: 'BLOCK_BAD_TX_ROOT'; expected: Hex; got: Hex }
  | { code: 'BLOCK_BAD_STATE_ROOT'; expected: Hex; got: Hex }
  | { code: 'BLOCK_BAD_RECEIPTS_ROOT'; expected: Hex; got: Hex }
  | { code: 'BLOCK_BAD_LOGS_BLOOM' }
  | { code: 'BLOCK_DUPLICATE_TX'; index: number; hash: Hex }
  /** A transaction fails decoding, its signature or the stateful checks at its position (`txCode`: TxError). */
  | { code: 'BLOCK_INVALID_TX'; index: number; txCode: string; reason: string }
  /** The transactions' gas limits overflow the block gas limit. */
  | { code: 'BLOCK_GAS_LIMIT_EXCEEDED'; index: number; gasLimit: bigint; need: bigint }
  | { code: 'BLOCK_BAD_GENESIS'; expected: Hex; got: Hex }
  | { code: 'BLOCK_REORG_TOO_DEEP'; depth: number; max: number }
  /** A snapshot block cannot become the head: the chain already holds blocks, or its state is not stored. */
  | { code: 'BLOCK_NOT_ADOPTABLE'; reason: string }

/**
 * What a refusal says to the person reading it (the node's failed screen shows a start on a store of
 * another chain as it is; a failed upgrade and a light tab's header sync carry it as why): a sentence,
 * not the code and its fields.
 */
function blockMessage(type: BlockErrorType): string {
  switch (type.code) {
    case 'BLOCK_MALFORMED':
      return `the block cannot be decoded: ${type.reason}`
    case 'BLOCK_TOO_LARGE':
      return `the block is ${type.size} bytes, over the limit of ${type.max}`
    case 'BLOCK_FUTURE':
      return `the block is dated ${type.timestamp - type.now} ms ahead of this clock, more than the ${type.tolerance} ms allowed`
    case 'BLOCK_UNKNOWN_PARENT':
      return `its parent ${type.parentHash} is not known here`
    case 'BLOCK_BAD_NUMBER':
      return `the block is numbered ${type.got}, not ${type.expected}`
    case 'BLOCK_BAD_TIMESTAMP':
      return `its timestamp ${type.got} is not at least ${type.minGap} ms after its parent's, ${type.parent}`
    case 'BLOCK_BAD_DIFFICULTY':
      return `its difficulty is ${type.got}, not the ${type.expected} due after its parent`
    case 'BLOCK_INSUFFICIENT_WORK':
      return `block ${type.hash} lacks the proof of work its difficulty asks for`
    case 'BLOCK_BAD_GAS_LIMIT':
      return `its gas limit is ${type.got}, not the chain's ${type.expected}`
    case 'BLOCK_BAD_GAS_USED':
      return `its gas used is ${type.got}, not ${type.expected}`
    case 'BLOCK_BAD_BASE_FEE':
      return `its base fee is ${type.got} wei per gas, not the ${type.expected} wei due after its parent`
    case 'BLOCK_BAD_TX_ROOT':
      return `its transactions root ${type.got} is not that of its transactions, ${type.expected}`
    case 'BLOCK_BAD_STATE_ROOT':
      return `its state root ${type.got} is not that of the state its transactions make, ${type.expected}`
    case 'BLOCK_BAD_RECEIPTS_ROOT':
      return `its receipts root ${type.got} is not that of its transactions' receipts, ${type.expected}`
    case 'BLOCK_BAD_LOGS_BLOOM':
      return "its logs bloom is not that of its transactions' logs"
    case 'BLOCK_DUPLICATE_TX':
      return `it holds transaction ${type.hash} twice, again at position ${type.index}`
    case 'BLOCK_INVALID_TX':
      return `its transaction ${type.index} is invalid: ${type.reason}`
    case 'BLOCK_GAS_LIMIT_EXCEEDED':
      return `its transactions' gas limits reach ${type.need} at transaction ${type.index}, over the block gas limit of ${type.gasLimit}`
    case 'BLOCK_BAD_GENESIS':
      return `genesis ${type.got} is not this chain's genesis, ${type.expected}`
    case 'BLOCK_REORG_TOO_DEEP':
      return `a reorganisation ${type.depth} blocks deep is past the limit of ${type.max}`
    case 'BLOCK_NOT_ADOPTABLE':
      return `the snapshot block cannot become the head: ${type.reason}`
  }
}

/** Every refusal of a header or block; branch on `err.type.code`. Its message is a sentence (`blockMessage`). */
export class BlockError extends NodeError<BlockErrorType> {
  override name = 'BlockError'

  constructor(type: BlockErrorType, message?: string) {
    super(type, message ?? blockMessage(type))
  }
}

/** Gossipsub v1.1 validation verdict for a block (docs/RELIABILITY.md: accept / reject / ignore). */
export type GossipVerdict = 'accept' | 'reject' | 'ignore'

/**
 * How to answer gossip for a block refused with `err`: `ignore` (no penalty) when the block may be fine
 * — too early, parent not known here, or on a branch this node will not reorganise to — and `reject`
 * (penalise the peer) for a block that is invalid for everyone.
 */
export function blockVerdict(err: BlockError): GossipVerdict {
  switch (err.type.code) {
    case 'BLOCK_FUTURE':
    case 'BLOCK_UNKNOWN_PARENT':
    case 'BLOCK_REORG_TOO_DEEP':
      return 'ignore'
    default:
      return 'reject'
  }
}
