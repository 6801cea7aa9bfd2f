import type { Address, Hex } from 'viem'
import { BLOOM_BYTES, logsBloomBytes } from '../codec/bloom'
import { fromHex, toHex } from '../codec/bytes'
import { receiptsRoot, transactionsRoot } from '../codec/receipt'
import { encodeRevert } from '../contracts/abi'
import { type CallOutcome, dispatchCall } from '../contracts/dispatch'
import type { State, StateBuffer } from '../state/state'
import type { TrieNodeRecord } from '../state/trie'
import { ExecutionError } from './execute-error'
import { checkTxState, effectiveGasPrice, intrinsicGas } from './tx'
import { TxError } from './tx-error'
import type { ChainParams, Log, Receipt, Tx } from './types'

/**
 * Block execution: EIP-1559 fees, native contract calls, receipts and the new state.
 *
 * Per transaction: stateful checks (a failure makes the block invalid), then the sender buys
 * `gas × effectiveGasPrice` and its nonce is bumped; value moves and the call runs under a
 * checkpoint; a revert undoes the call but not the nonce or the fee. Unused gas is refunded.
 * Of the fee, `baseFeePerGas × gasUsed` is burned and the tip goes to the miner, who also gets
 * `params.minerReward` once per block (credited after the last transaction).
 */

const EMPTY_BLOOM: Hex = toHex(new Uint8Array(BLOOM_BYTES))
// Each receipt's bloom is built here and kept only as hex: a fresh 256-byte array per transaction is
// allocated outside V8's heap (a slow path, and garbage at once).
const receiptBloom = new Uint8Array(BLOOM_BYTES)

/** The block fields execution depends on. */
export interface BlockEnv {
  readonly number: bigint
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: bigint
  readonly miner: Address
  readonly baseFeePerGas: bigint
  readonly gasLimit: bigint
}

/** Everything executing a block yields; header fields are meant to be compared or copied. */
export interface BlockExecution {
  readonly state: State
  /** Tree nodes the block created (to persist with the block). */
  readonly created: TrieNodeRecord[]
  readonly receipts: Receipt[]
  readonly gasUsed: bigint
  readonly logsBloom: Hex
  readonly receiptsRoot: Hex
  readonly transactionsRoot: Hex
}

function frameOutcome(
  buf: StateBuffer,
  from: Address,
  to: Address,
  value: bigint,
  data: Uint8Array,
  blockNumber: bigint,
  txNonce: bigint,
  gasAvailable: bigint,
  logs: Log[],
): CallOutcome {
  const checkpoint = buf.checkpoint()
  if (value > 0n) {
    buf.debit(from, value)
    buf.credit(to, value)
  }
  const outcome = dispatchCall(
    { state: buf, from, to, value, data, blockNumber, txNonce, logs },
    gasAvailable,
  )
  if (!outcome.ok) {
    buf.revertTo(checkpoint)
    logs.length = 0
  }
  return outcome
}

/**
 * Applies `txs` (senders recovered) in order on top of `parent` for the block described by `env`.
 * Pure: `parent` is unchanged. Throws `ExecutionError` when a transaction fails its stateful
 * checks or the gas limits overflow the block; a transaction that runs and reverts is fine
 * (receipt status 0).
 *
 * @param calldata each transaction's `data` as bytes, when the caller has them (block import decodes
 *   them: chain/tx.ts `DecodedTx.input`); else `data` is parsed from hex
 */
export function executeBlock(
  parent: State,
  env: BlockEnv,
  txs: readonly Tx[],
  params: ChainParams,
  calldata?: readonly Uint8Array[],
): BlockExecution {
  const buf = parent.buffer()
  const receipts: Receipt[] = []
  const blockBloom = new Uint8Array(BLOOM_BYTES)
  let cumulative = 0n
  let minerTips = 0n
  for (let index = 0; index < txs.length; index++) {
    const tx = txs[index] as Tx
    if (cumulative + tx.gas > env.gasLimit) {
      throw new ExecutionError({
        code: 'BLOCK_GAS_LIMIT_EXCEEDED',
        index,
        gasLimit: env.gasLimit,
        need: cumulative + tx.gas,
      })
    }
    const account = buf.getAccount(tx.from)
    const data = calldata?.[index] ?? fromHex(tx.data)
    let intrinsic: bigint
    try {
      intrinsic = checkTxState(tx, account, params, { baseFeePerGas: env.baseFeePerGas, calldata: data })
    } catch (err) {
      if (err instanceof TxError) {
        throw new ExecutionError({ code: 'BLOCK_INVALID_TX', index, hash: tx.hash, reason: err.type })
      }
      throw err
    }
    const price = effectiveGasPrice(tx, env.baseFeePerGas)
    buf.setAccount(tx.from, { nonce: account.nonce + 1n, balance: account.balance - tx.gas * price })
    const logs: Log[] = []
    // Contract dispatch compares lower-case addresses; decodeTx already yields them, callers may not.
    const from = tx.from.toLowerCase() as Address
    const to = tx.to.toLowerCase() as Address
    const outcome = frameOutcome(
      buf,
      from,
      to,
      tx.value,
      data,
      env.number,
      tx.nonce,
      tx.gas - intrinsic,
      logs,
    )
    const gasUsed = intrinsic + outcome.gas
    buf.credit(tx.from, (tx.gas - gasUsed) * price)
    minerTips += gasUsed * (price - env.baseFeePerGas)
    cumulative += gasUsed
    let logsBloom = EMPTY_BLOOM
    if (logs.length > 0) {
      // The receipt's bloom once, then OR-ed into the block's: each log value is looked up once.
      const bloom = logsBloomBytes(logs, receiptBloom.fill(0))
      for (let i = 0; i < BLOOM_BYTES; i++) blockBloom[i] = (blockBloom[i] as number) | (bloom[i] as number)
      logsBloom = toHex(bloom)
    }
    const receipt: Receipt = outcome.ok
      ? {
          transactionHash: tx.hash,
          status: 1,
          gasUsed,
          cumulativeGasUsed: cumulative,
          effectiveGasPrice: price,
          logs,
          logsBloom,
        }
      : {
          transactionHash: tx.hash,
          status: 0,
          gasUsed,
          cumulativeGasUsed: cumulative,
          effectiveGasPrice: price,
          logs,
          logsBloom,
          revertData: outcome.revertData,
        }
    receipts.push(receipt)
  }
  buf.credit(env.miner, params.minerReward + minerTips)
  const { state, created } = buf.commit()
  const txHashes = txs.map((t) => t.hash)
  let txRoot: Hex | undefined
  return {
    state,
    created,
    receipts,
    gasUsed: cumulative,
    logsBloom: toHex(blockBloom),
    receiptsRoot: receiptsRoot(receipts),
    // Computed on first read: block import has already checked the header's transactions root
    // against these hashes (validateBody) and never reads it; only block building does. Hashing
    // the list twice was about a tenth of the keccak work of an import.
    get transactionsRoot(): Hex {
      txRoot ??= transactionsRoot(txHashes)
      return txRoot
    },
  }
}

/** A read-only call (eth_call / eth_estimateGas). Addresses any case. */
export interface CallRequest {
  /** Defaults to the zero address. */
  readonly from?: Address
  readonly to: Address
  readonly data?: Hex
  readonly value?: bigint
  /** Gas limit of the call; defaults to the block gas limit. */
  readonly gas?: bigint
}

/** Outcome of `call`. `gasUsed` includes the intrinsic gas, so it is what a transaction needs. */
export interface CallResult {
  readonly status: 0 | 1
  readonly returnData: Hex
  readonly revertData?: Hex
  readonly gasUsed: bigint
  readonly logs: readonly Log[]
}

/**
 * Runs a call against `state` as if it were a transaction in the block `env`, without fees, nonce
 * checks or commit: `state` is unchanged. Reverts (status 0) when `from` cannot pay `value` or the
 * gas does not cover the intrinsic cost.
 */
export function call(state: State, req: CallRequest, env: BlockEnv, params: ChainParams): CallResult {
  const buf = state.buffer()
  const from = (req.from ?? '0x0000000000000000000000000000000000000000').toLowerCase() as Address
  const to = req.to.toLowerCase() as Address
  const data = (req.data ?? '0x').toLowerCase() as Hex
  const value = req.value ?? 0n
  const gas = req.gas ?? params.blockGasLimit
  const intrinsic = intrinsicGas(data)
  if (gas < intrinsic)
    return { status: 0, returnData: '0x', revertData: encodeRevert('out of gas'), gasUsed: gas, logs: [] }
  const account = buf.getAccount(from)
  if (account.balance < value) {
    return {
      status: 0,
      returnData: '0x',
      revertData: encodeRevert('insufficient balance for value'),
      gasUsed: intrinsic,
      logs: [],
    }
  }
  const logs: Log[] = []
  const outcome = frameOutcome(
    buf,
    from,
    to,
    value,
    fromHex(data),
    env.number,
    account.nonce,
    gas - intrinsic,
    logs,
  )
  const gasUsed = intrinsic + outcome.gas
  return outcome.ok
    ? { status: 1, returnData: outcome.returnData, gasUsed, logs }
    : { status: 0, returnData: '0x', revertData: outcome.revertData, gasUsed, logs }
}
