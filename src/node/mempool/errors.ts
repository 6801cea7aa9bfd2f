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

/**
 * What a refusal says to the person reading it: the wallet's send, the Tokens screen's "Failed: …" and
 * the market's swap error line show it as it is, so a sentence, not the code and its fields. Free of
 * go-ethereum's words: the provider puts those first for viem and ethers to read.
 */
function mempoolMessage(type: MempoolErrorType): string {
  switch (type.code) {
    case 'MEMPOOL_TX_TOO_LARGE':
      return `the transaction is ${type.size} bytes, over the limit of ${type.max}`
    case 'MEMPOOL_MALFORMED':
      return `the transaction cannot be decoded: ${type.reason}`
    case 'MEMPOOL_INVALID_TX':
      return `the transaction is refused: ${type.reason}`
    case 'MEMPOOL_WRONG_CHAIN':
      return `the transaction is signed for chain ${type.got}, not this chain (${type.expected})`
    case 'MEMPOOL_FEE_TOO_LOW':
      return `its max fee of ${type.maxFeePerGas} wei per gas is below the chain's minimum base fee, ${type.floor} wei`
    case 'MEMPOOL_TIP_ABOVE_FEE':
      return `its priority fee of ${type.maxPriorityFeePerGas} wei per gas is above its max fee, ${type.maxFeePerGas} wei`
    case 'MEMPOOL_BAD_GAS':
      return `its gas limit ${type.gas} is outside ${type.min} to ${type.max}`
    case 'MEMPOOL_KNOWN':
      return `the pool already holds this transaction (${type.hash})`
    case 'MEMPOOL_UNDERPRICED':
      return `the pool is full and its priority fee of ${type.tip} wei per gas does not beat the lowest held, ${type.lowest} wei`
    case 'MEMPOOL_BAD_SIGNATURE':
      return `its signature does not verify: ${type.reason}`
    case 'MEMPOOL_NONCE_TOO_LOW':
      return `nonce ${type.got} is already used: the account is at nonce ${type.expected}`
    case 'MEMPOOL_NONCE_TOO_HIGH':
      return `nonce ${type.got} is too far ahead: the account is at nonce ${type.expected}, and the pool holds at most ${type.window} ahead of it`
    case 'MEMPOOL_NONCE_GAP':
      return `nonce ${type.got} waits behind a gap and the pool has no room for it: send nonce ${type.expected} first`
    case 'MEMPOOL_INSUFFICIENT_FUNDS':
      return `the account holds ${type.have} wei and the transaction may cost ${type.need} wei (value and gas at its max fee)`
    case 'MEMPOOL_REPLACEMENT_UNDERPRICED':
      return `a transaction with nonce ${type.nonce} is pending: one replacing it needs a max fee of at least ${type.minMaxFee} wei per gas and a priority fee of at least ${type.minTip}`
  }
}

/** Refusal of a transaction by the mempool; branch on `err.type.code`. Its message is a sentence (`mempoolMessage`). */
export class MempoolError extends NodeError<MempoolErrorType> {
  override name = 'MempoolError'

  constructor(type: MempoolErrorType, message?: string) {
    super(type, message ?? mempoolMessage(type))
  }
}
