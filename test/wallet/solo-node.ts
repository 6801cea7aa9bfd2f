import type { Address } from 'viem'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import type { Genesis } from '../../src/node/chain/types'
import { memoryHub } from '../../src/node/network/memory'
import { createNode, type NodeApi } from '../../src/node/worker/node'
import type { ProviderBackend } from '../../src/wallet/backend'
import { createNodeBackend } from '../../src/wallet/node-backend'

/** A lone real node in-process on the memory network (not mining until asked), and the wallet's backend over it. */
export async function soloNode(
  genesis: Genesis = testGenesis(),
): Promise<{ readonly api: NodeApi; readonly backend: ProviderBackend }> {
  const link = memoryHub().join('solo')
  const node = createNode({
    profileId: 'solo',
    genesis,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: link.api,
    emit: () => {},
    now: Date.now,
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  return { api: node.api, backend: createNodeBackend(node.api, genesis.params) }
}
