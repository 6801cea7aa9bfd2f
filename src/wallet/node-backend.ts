import type { Address, Hex } from 'viem'
import type { ChainParams } from '../node/chain/types'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS } from '../node/contracts/addresses'
import { NodeError } from '../node/rpc/errors'
import type { Remote } from '../node/rpc/protocol'
import type { BlockSummary } from '../node/worker/chain-service'
import type { NodeApi } from '../node/worker/node'
import type { TxView as NodeTxView } from '../node/worker/queries'
import { type BlockAt, type BlockView, NATIVE_CODE, type ProviderBackend, type TxView } from './backend'
import { ProviderRpcError, RpcCode } from './rpc-error'

/** The NodeApi methods the backend uses (the worker's `Remote<NodeApi>`, or `NodeApi` in-process). */
export type NodeQueries = Pick<
  Remote<NodeApi>,
  | 'head'
  | 'block'
  | 'blockByHash'
  | 'account'
  | 'pendingNonce'
  | 'fees'
  | 'sendRawTransaction'
  | 'status'
  | 'transaction'
  | 'receipt'
  | 'logs'
  | 'call'
  | 'token'
  | 'offers'
>

function view(b: BlockSummary, params: ChainParams): BlockView {
  return {
    number: b.number,
    hash: b.hash,
    parentHash: b.parentHash,
    timestamp: b.timestamp,
    miner: b.miner,
    difficulty: b.difficulty,
    // Every block of this chain has the genesis gas limit.
    gasLimit: params.blockGasLimit,
    gasUsed: b.gasUsed,
    baseFeePerGas: b.baseFeePerGas,
    stateRoot: b.stateRoot,
    transactionsRoot: b.transactionsRoot,
    receiptsRoot: b.receiptsRoot,
    logsBloom: b.logsBloom,
    nonce: b.nonce,
    transactions: b.transactions,
  }
}

/**
 * The node's refusals as EIP-1193 errors: bad parameters → -32602, a query over its limits (a light
 * node's log range with too many blocks to read, too) → -32005, blocks this node does not hold (started
 * from a snapshot, or older than a light node's headers) → -32002.
 */
async function asRpc<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (err) {
    if (err instanceof NodeError && err.type.code === 'NODE_BAD_PARAMS')
      throw new ProviderRpcError(RpcCode.invalidParams, err.message)
    if (
      err instanceof NodeError &&
      (err.type.code === 'NODE_QUERY_LIMIT' || err.type.code === 'LIGHT_LOGS_TOO_WIDE')
    )
      throw new ProviderRpcError(RpcCode.limitExceeded, err.message)
    if (err instanceof NodeError && err.type.code === 'NODE_HISTORY_MISSING')
      throw new ProviderRpcError(RpcCode.resourceUnavailable, err.message)
    throw err
  }
}

/**
 * The provider's backend over the worker's `NodeApi`. State reads (balances, nonces, calls) are at the
 * head only: the node keeps no historical state, so another height answers -32002.
 */
export function createNodeBackend(api: NodeQueries, params: ChainParams): ProviderBackend {
  const atHead = async (at: BlockAt): Promise<void> => {
    if (typeof at === 'bigint' && at !== (await api.head()).number)
      throw new ProviderRpcError(RpcCode.resourceUnavailable, `state at block ${at} is not available`)
  }
  const txView = async (t: NodeTxView): Promise<TxView> => {
    const block = t.blockHash === null ? null : await api.blockByHash(t.blockHash)
    return {
      tx: {
        hash: t.hash,
        raw: t.raw,
        from: t.from,
        chainId: params.chainId,
        nonce: t.nonce,
        maxPriorityFeePerGas: t.maxPriorityFeePerGas,
        maxFeePerGas: t.maxFeePerGas,
        gas: t.gas,
        to: t.to,
        value: t.value,
        data: t.input,
      },
      blockHash: t.blockHash,
      blockNumber: t.blockNumber,
      index: t.index,
      baseFeePerGas: block?.baseFeePerGas ?? null,
    }
  }
  return {
    chainId: params.chainId,
    depths: { safe: BigInt(Math.max(params.confirmations - 1, 0)), finalized: BigInt(params.maxReorgDepth) },
    minBaseFee: params.minBaseFee,
    targetBlockTimeMs: params.targetBlockTimeMs,
    async blockNumber() {
      return (await api.head()).number
    },
    async block(ref) {
      const b = await asRpc(typeof ref === 'bigint' ? api.block(ref) : api.blockByHash(ref))
      return b === null ? null : view(b, params)
    },
    async account(address: Address, at) {
      await atHead(at)
      const [account, nonce] = await asRpc(
        Promise.all([api.account(address), at === 'pending' ? api.pendingNonce(address) : null]),
      )
      return { balance: account.balance, nonce: nonce ?? account.nonce }
    },
    async nextBaseFee() {
      return (await api.fees()).nextBaseFee
    },
    async suggestedTip() {
      return (await api.fees()).suggestedTip
    },
    sendRawTransaction: (raw: Hex) => api.sendRawTransaction(raw),
    async peerCount() {
      return (await api.status()).network?.peers.filter((p) => p.kind === 'direct').length ?? 0
    },
    async transaction(hash) {
      const t = await asRpc(api.transaction(hash))
      return t === null ? null : txView(t)
    },
    async receipt(hash) {
      const r = await asRpc(api.receipt(hash))
      if (r === null) return null
      return {
        receipt: {
          transactionHash: r.transactionHash,
          status: r.status === 'success' ? 1 : 0,
          gasUsed: r.gasUsed,
          cumulativeGasUsed: r.cumulativeGasUsed,
          effectiveGasPrice: r.effectiveGasPrice,
          logs: r.logs,
          logsBloom: r.logsBloom,
        },
        from: r.from,
        to: r.to,
        blockHash: r.blockHash,
        blockNumber: r.blockNumber,
        index: r.index,
        firstLogIndex: r.logs[0]?.logIndex ?? 0,
      }
    },
    async logs(filter) {
      return asRpc(
        api.logs({
          fromBlock: filter.fromBlock,
          toBlock: filter.toBlock,
          ...(filter.address === undefined ? {} : { address: filter.address }),
          ...(filter.topics === undefined ? {} : { topics: filter.topics }),
        }),
      )
    },
    async call(req, at) {
      await atHead(at)
      const out = await asRpc(api.call(req))
      return {
        status: out.status === 'success' ? 1 : 0,
        returnData: out.returnData,
        ...(out.revertData === null ? {} : { revertData: out.revertData }),
        gasUsed: out.gasUsed,
      }
    },
    async code(address, at) {
      await atHead(at)
      const system = [TOKEN_FACTORY_ADDRESS, HTLC_ADDRESS].some(
        (a) => a.toLowerCase() === address.toLowerCase(),
      )
      return system || (await asRpc(api.token(address))) !== null ? NATIVE_CODE : '0x'
    },
    async offer(id) {
      for (const book of await api.offers())
        for (const e of [...book.asks, ...book.bids])
          if (e.id.toLowerCase() === id.toLowerCase()) return e.signed.offer
      return null
    },
  }
}
