import type { Address, Hex } from 'viem'
import type { ChainParams } from '../node/chain/types'
import { NodeError } from '../node/rpc/errors'
import type { Remote } from '../node/rpc/protocol'
import type { BlockSummary } from '../node/worker/chain-service'
import type { NodeApi } from '../node/worker/node'
import type { BlockView, ProviderBackend } from './backend'
import { ProviderRpcError, RpcCode } from './rpc-error'

/** The NodeApi methods the backend uses (the worker's `Remote<NodeApi>`, or `NodeApi` in-process). */
export type NodeQueries = Pick<
  Remote<NodeApi>,
  'head' | 'block' | 'account' | 'sendRawTransaction' | 'status'
>

/** A node query the NodeApi does not offer yet: EIP-1193 4200, naming it. */
const missing = (what: string): Promise<never> =>
  Promise.reject(
    new ProviderRpcError(
      RpcCode.unsupported,
      `${what} is not available from this node yet (no NodeApi query)`,
    ),
  )

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
    transactions: b.transactions,
  }
}

/**
 * The provider's backend over today's `NodeApi`: head, blocks by number, balances and nonces at the
 * head, raw transaction submission, peers. Blocks by hash, transactions, receipts, logs and calls
 * reject with 4200 until the node offers those queries. The next base fee is its upper bound (head base
 * fee + 1/denominator): the NodeApi does not report the exact value.
 */
export function createNodeBackend(api: NodeQueries, params: ChainParams): ProviderBackend {
  return {
    chainId: params.chainId,
    async blockNumber() {
      return (await api.head()).number
    },
    async block(ref) {
      if (typeof ref !== 'bigint') return missing('a block by hash')
      const b = await api.block(ref)
      return b === null ? null : view(b, params)
    },
    async account(address: Address, at) {
      if (typeof at === 'bigint' && at !== (await api.head()).number) {
        throw new ProviderRpcError(RpcCode.resourceUnavailable, `state at block ${at} is not available`)
      }
      try {
        return await api.account(address)
      } catch (err) {
        if (err instanceof NodeError && err.type.code === 'NODE_BAD_PARAMS')
          throw new ProviderRpcError(RpcCode.invalidParams, err.message)
        throw err
      }
    },
    async nextBaseFee() {
      const head = await api.block((await api.head()).number)
      const base = head?.baseFeePerGas ?? params.minBaseFee
      return base + base / params.baseFeeChangeDenominator
    },
    sendRawTransaction: (raw: Hex) => api.sendRawTransaction(raw),
    async peerCount() {
      return (await api.status()).network?.peers.filter((p) => p.kind === 'direct').length ?? 0
    },
    transaction: () => missing('eth_getTransactionByHash'),
    receipt: () => missing('eth_getTransactionReceipt'),
    logs: () => missing('eth_getLogs'),
    call: () => missing('eth_call'),
  }
}
