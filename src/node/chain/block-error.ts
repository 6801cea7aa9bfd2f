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

/** Every refusal of a header or block; branch on `err.type.code`. */
export class BlockError extends NodeError<BlockErrorType> {
  override name = 'BlockError'
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
