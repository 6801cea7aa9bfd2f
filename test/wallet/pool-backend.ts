import {
  type Address,
  getAddress,
  type Hex,
  keccak256,
  parseEther,
  parseTransaction,
  zeroAddress,
} from 'viem'
import { testGenesis } from '../../src/node/chain/genesis'
import type { ProviderBackend, ReceiptView, TxView } from '../../src/wallet/backend'

/**
 * A chain that several pool backends read, as nodes share blocks but not their pools: one sending
 * account's nonce at the head, the receipts of what was mined and what each recipient got.
 */
export interface ChainTwin {
  height: bigint
  nonce: bigint
  readonly receipts: Map<Hex, ReceiptView>
  readonly paid: Map<Address, bigint>
  /** Mines one block of `pool`'s run of transactions from the head's nonce (as that node's miner would). */
  mine(pool: Map<bigint, Hex>): void
  /** Resolves at the next block mined (as the page's `head` event). */
  nextHead(): Promise<void>
}

export function chainTwin(): ChainTwin {
  const heads: (() => void)[] = []
  const chain: ChainTwin = {
    height: 0n,
    nonce: 0n,
    receipts: new Map(),
    paid: new Map(),
    mine(pool) {
      chain.height++
      for (let raw = pool.get(chain.nonce); raw !== undefined; raw = pool.get(chain.nonce)) {
        const tx = parseTransaction(raw)
        const to = getAddress(tx.to ?? zeroAddress)
        const transactionHash = keccak256(raw)
        chain.paid.set(to, (chain.paid.get(to) ?? 0n) + (tx.value ?? 0n))
        chain.receipts.set(transactionHash, {
          receipt: {
            transactionHash,
            status: 1,
            gasUsed: 21_000n,
            cumulativeGasUsed: 21_000n,
            effectiveGasPrice: tx.maxFeePerGas ?? 0n,
            logs: [],
            logsBloom: `0x${'00'.repeat(256)}`,
          },
          // The sender is not recovered: no test reads it.
          from: zeroAddress,
          to,
          blockHash: keccak256(`0x${chain.height.toString(16).padStart(64, '0')}`),
          blockNumber: chain.height,
          index: 0,
          firstLogIndex: 0,
        })
        pool.delete(chain.nonce)
        chain.nonce++
      }
      for (const resolve of heads.splice(0)) resolve()
    },
    nextHead: () => new Promise((resolve) => heads.push(resolve)),
  }
  return chain
}

/** A pool transaction as the node shows one (its sender is not recovered: no test reads it). */
function pending(raw: Hex): TxView {
  const tx = parseTransaction(raw)
  return {
    tx: {
      hash: keccak256(raw),
      raw,
      from: zeroAddress,
      chainId: tx.chainId ?? 0,
      nonce: BigInt(tx.nonce ?? 0),
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? 0n,
      maxFeePerGas: tx.maxFeePerGas ?? 0n,
      gas: tx.gas ?? 0n,
      to: getAddress(tx.to ?? zeroAddress),
      value: tx.value ?? 0n,
      data: tx.data ?? '0x',
    },
    blockHash: null,
    blockNumber: null,
    index: null,
    baseFeePerGas: null,
  }
}

/**
 * A backend whose pool holds what it is sent, by nonce, until the test drops it (as a full pool evicts
 * a transaction, or `Mempool.onHead` removes one whose sender can no longer pay after a reorg) or mines
 * it on `chain`. Every account has 100 TAB and the chain's nonce at the head; its pending nonce counts
 * the pool's run from there.
 */
export function poolBackend(
  chain: ChainTwin = chainTwin(),
): ProviderBackend & { readonly pool: Map<bigint, Hex>; readonly sent: Hex[] } {
  const pool = new Map<bigint, Hex>()
  const sent: Hex[] = []
  return {
    pool,
    sent,
    chainId: testGenesis().params.chainId,
    depths: { safe: 2n, finalized: 64n },
    minBaseFee: testGenesis().params.minBaseFee,
    targetBlockTimeMs: testGenesis().params.targetBlockTimeMs,
    blockNumber: async () => chain.height,
    block: async () => null,
    account: async (_address, at) => {
      let nonce = chain.nonce
      if (at === 'pending') while (pool.has(nonce)) nonce++
      return { balance: parseEther('100'), nonce }
    },
    nextBaseFee: async () => 1_000_000_000n,
    suggestedTip: async () => 1_000_000_000n,
    sendRawTransaction: async (raw) => {
      pool.set(BigInt(parseTransaction(raw).nonce ?? 0), raw)
      sent.push(raw)
      return keccak256(raw)
    },
    peerCount: async () => 0,
    // What the pool holds (no block fields): what was mined is read by receipt.
    transaction: async (hash) => {
      const raw = [...pool.values()].find((r) => keccak256(r) === hash)
      return raw === undefined ? null : pending(raw)
    },
    receipt: async (hash) => chain.receipts.get(hash) ?? null,
    logs: async () => [],
    call: async () => ({ status: 1, returnData: '0x', gasUsed: 21_000n }),
    code: async () => '0x',
    offer: async () => null,
  }
}
