import type { Hex } from 'viem'
import { NodeError } from '../rpc/errors'

/** Why the mempool refused a transaction. */
export type MempoolErrorType =
  | { code: 'MEMPOOL_TX_TOO_LARGE'; size: number; max: number }
  | { code: 'MEMPOOL_MALFORMED'; reason: string }
  /** The transaction decoder refused it; `txCode` is its `TxError` code (see chain/tx-error.ts). */
  | { code: 'MEMPOOL_INVALID_TX'; txCode: string; reason: string }
  | { code: 'MEMPOOL_WRONG_CHAIN'; expected: number; got: number }
  | { code: 'MEMPOOL_FEE_TOO_LOW'; maxFeePerGas: bigint; floor: bigint }
  | { code: 'MEMPOOL_TIP_ABOVE_FEE'; maxPriorityFeePerGas: bigint; maxFeePerGas: bigint }
  | { code: 'MEMPOOL_BAD_GAS'; gas: bigint; min: bigint; max: bigint }
  | { code: 'MEMPOOL_KNOWN'; hash: Hex }
  | { code: 'MEMPOOL_UNDERPRICED'; tip: bigint; lowest: bigint }
  | { code: 'MEMPOOL_BAD_SIGNATURE'; reason: string }
  | { code: 'MEMPOOL_NONCE_TOO_LOW'; expected: bigint; got: bigint }
  | { code: 'MEMPOOL_NONCE_TOO_HIGH'; expected: bigint; got: bigint; window: number }
  /**
   * It waits behind a nonce gap (`expected` is the sender's next executable nonce) and there is no room
   * for it: the sender's gapped transactions are at their cap, or a full pool holds no gapped one it
   * outbids (a gapped transaction never evicts an executable one). Sending `expected` first lets it in.
   */
  | { code: 'MEMPOOL_NONCE_GAP'; expected: bigint; got: bigint }
  | { code: 'MEMPOOL_INSUFFICIENT_FUNDS'; need: bigint; have: bigint }
  | { code: 'MEMPOOL_REPLACEMENT_UNDERPRICED'; nonce: bigint; minMaxFee: bigint; minTip: bigint }

/** Refusal of a transaction by the mempool; branch on `err.type.code`. */
export class MempoolError extends NodeError<MempoolErrorType> {
  override name = 'MempoolError'
}
