import { type Hex, keccak256, parseEther, parseTransaction } from 'viem'
import { testGenesis } from '../../src/node/chain/genesis'
import type { ProviderBackend } from '../../src/wallet/backend'

/**
 * A backend whose pool holds what it is sent, by nonce, until the test drops it (as a full pool evicts
 * a transaction, or `Mempool.onHead` removes one whose sender can no longer pay after a reorg). Every
 * account has 100 TAB and nonce 0 at the head; its pending nonce counts the pool's run from 0.
 */
export function poolBackend(): ProviderBackend & { readonly pool: Map<bigint, Hex>; readonly sent: Hex[] } {
  const pool = new Map<bigint, Hex>()
  const sent: Hex[] = []
  return {
    pool,
    sent,
    chainId: testGenesis().params.chainId,
    blockNumber: async () => 0n,
    block: async () => null,
    account: async (_address, at) => {
      let nonce = 0n
      if (at === 'pending') while (pool.has(nonce)) nonce++
      return { balance: parseEther('100'), nonce }
    },
    nextBaseFee: async () => 1_000_000_000n,
    sendRawTransaction: async (raw) => {
      pool.set(BigInt(parseTransaction(raw).nonce ?? 0), raw)
      sent.push(raw)
      return keccak256(raw)
    },
    peerCount: async () => 0,
    transaction: async () => null,
    receipt: async () => null,
    logs: async () => [],
    call: async () => ({ status: 1, returnData: '0x', gasUsed: 21_000n }),
  }
}
