import { type Address, defineChain } from 'viem'
import type { ChainStore } from '../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import type { Genesis } from '../../src/node/chain/types'
import { memoryHub } from '../../src/node/network/memory'
import { createNode, type NodeApi } from '../../src/node/worker/node'
import type { ProviderBackend } from '../../src/wallet/backend'
import { createNodeBackend } from '../../src/wallet/node-backend'
import { memoryWalletStore } from '../../src/wallet/store'
import { createWallet, type Wallet } from '../../src/wallet/wallet'

/**
 * A lone real node in-process on the memory network (not mining until asked), on the chain in `store`
 * (the genesis when absent), and the wallet's backend over it.
 */
export async function soloNode(
  genesis: Genesis = testGenesis(),
  store?: ChainStore,
): Promise<{
  readonly api: NodeApi
  readonly backend: ProviderBackend
  /** Resolves at the node's next `head` event. */
  readonly nextHead: () => Promise<void>
}> {
  const link = memoryHub().join('solo')
  const heads: (() => void)[] = []
  const node = createNode({
    profileId: 'solo',
    genesis,
    ...(store === undefined ? {} : { store }),
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: link.api,
    emit: (event) => {
      if (event === 'head') for (const resolve of heads.splice(0)) resolve()
    },
    now: Date.now,
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  return {
    api: node.api,
    backend: createNodeBackend(node.api, genesis.params),
    nextHead: () => new Promise((resolve) => heads.push(resolve)),
  }
}

/** The Hardhat/Anvil test mnemonic: its first accounts are the devnet's funded ones. */
export const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk'

/** viem's chain object for a test genesis (no RPC URL: clients go through the provider). */
export function viemChain(genesis: Genesis) {
  return defineChain({
    id: genesis.params.chainId,
    name: 'Tabchain test',
    nativeCurrency: { name: 'Tab', symbol: 'TAB', decimals: 18 },
    rpcUrls: { default: { http: [] } },
  })
}

/** A wallet in memory holding the Hardhat mnemonic, unlocked. */
export async function hardhatWallet(): Promise<Wallet> {
  const wallet = createWallet({ store: memoryWalletStore() })
  await wallet.load()
  await wallet.create(HARDHAT_MNEMONIC, 'correct horse battery')
  return wallet
}
