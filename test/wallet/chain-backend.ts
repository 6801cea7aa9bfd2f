import type { Address, Hex } from 'viem'
import type { StoredBlock } from '../../src/node/chain/chain-store'
import { call } from '../../src/node/chain/execute'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import type { Genesis } from '../../src/node/chain/types'
import { memoryHub } from '../../src/node/network/memory'
import { type ChainService, createChainService } from '../../src/node/worker/chain-service'
import { type BlockView, type LogView, logMatches, type ProviderBackend } from '../../src/wallet/backend'

/**
 * The provider's backend implemented in-process over the chain core (`ChainService`): every method,
 * including the node queries the worker's NodeApi does not offer yet (transactions, receipts, logs,
 * calls). Test-only: it reads the chain directly rather than through the worker.
 */
export function chainBackend(service: ChainService, now: () => number = Date.now): ProviderBackend {
  const chain = service.chain
  const view = (s: StoredBlock): BlockView => {
    const h = s.block.header
    return {
      number: h.number,
      hash: s.hash,
      parentHash: h.parentHash,
      timestamp: h.timestamp,
      miner: h.miner,
      difficulty: h.difficulty,
      totalDifficulty: s.totalDifficulty,
      gasLimit: h.gasLimit,
      gasUsed: h.gasUsed,
      baseFeePerGas: h.baseFeePerGas,
      stateRoot: h.stateRoot,
      transactionsRoot: h.transactionsRoot,
      receiptsRoot: h.receiptsRoot,
      logsBloom: h.logsBloom,
      nonce: h.nonce,
      transactions: s.txHashes,
    }
  }
  const stateAt = (at: bigint | 'latest' | 'pending') => {
    if (typeof at !== 'bigint') return chain.headState
    const b = chain.getBlockByNumber(at)
    if (b === undefined) throw new Error(`no block ${at}`)
    return chain.stateAt(b.hash)
  }
  return {
    chainId: chain.params.chainId,
    async blockNumber() {
      return chain.headHeader.number
    },
    async block(ref) {
      const s = typeof ref === 'bigint' ? chain.getBlockByNumber(ref) : chain.getBlock(ref)
      return s === undefined ? null : view(s)
    },
    async account(address: Address, at) {
      const a = stateAt(at).getAccount(address.toLowerCase() as Address)
      if (at !== 'pending') return { balance: a.balance, nonce: a.nonce }
      const mine = service.mempool.pending().filter((t) => t.from === address.toLowerCase())
      const nonce = mine.reduce((n, t) => (t.nonce + 1n > n ? t.nonce + 1n : n), a.nonce)
      return { balance: a.balance, nonce }
    },
    async nextBaseFee() {
      return chain.mempoolView().baseFee
    },
    sendRawTransaction: (raw: Hex) => service.submitTransaction(raw),
    async peerCount() {
      return 0
    },
    async transaction(hash) {
      const found = chain.getTransaction(hash)
      if (found !== undefined) {
        return {
          tx: found.tx,
          blockHash: found.blockHash,
          blockNumber: found.blockNumber,
          index: found.index,
          baseFeePerGas: chain.getHeader(found.blockHash)?.baseFeePerGas ?? null,
        }
      }
      const pending = service.mempool.get(hash)
      return pending === undefined
        ? null
        : { tx: pending, blockHash: null, blockNumber: null, index: null, baseFeePerGas: null }
    },
    async receipt(hash) {
      const r = chain.getReceipt(hash)
      const t = chain.getTransaction(hash)
      if (r === undefined || t === undefined) return null
      const block = chain.getBlock(r.blockHash)
      const firstLogIndex = (block?.receipts ?? []).slice(0, r.index).reduce((n, x) => n + x.logs.length, 0)
      return { ...r, from: t.tx.from, to: t.tx.to, firstLogIndex }
    },
    async logs(filter) {
      const out: LogView[] = []
      for (let n = filter.fromBlock; n <= filter.toBlock; n++) {
        const b = chain.getBlockByNumber(n)
        if (b === undefined) continue
        let logIndex = 0
        b.receipts.forEach((r, transactionIndex) => {
          for (const log of r.logs) {
            if (logMatches(log, filter)) {
              out.push({
                ...log,
                blockHash: b.hash,
                blockNumber: n,
                transactionHash: b.txHashes[transactionIndex] as Hex,
                transactionIndex,
                logIndex,
              })
            }
            logIndex++
          }
        })
      }
      return out
    },
    async call(req, at) {
      const head = chain.headHeader
      return call(
        stateAt(at),
        req,
        {
          number: head.number + 1n,
          timestamp: BigInt(now()),
          miner: head.miner,
          baseFeePerGas: chain.mempoolView().baseFee,
          gasLimit: chain.params.blockGasLimit,
        },
        chain.params,
      )
    },
  }
}

/** A lone in-process node on the memory network, mining (fixed tiny difficulty) when asked. */
export async function miningService(genesis: Genesis = testGenesis()): Promise<ChainService> {
  const link = memoryHub().join('solo')
  const service = createChainService({
    genesis,
    network: link.api,
    now: Date.now,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    onHead: () => {},
    onMining: () => {},
    onSyncing: () => {},
  })
  await service.start()
  return service
}
