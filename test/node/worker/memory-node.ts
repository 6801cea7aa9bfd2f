import type { Address } from 'viem'
import { DEVNET_ACCOUNTS } from '../../../src/node/chain/genesis'
import type { Genesis } from '../../../src/node/chain/types'
import type { NetworkApi, NetworkSink } from '../../../src/node/network/bridge'
import type { memoryHub } from '../../../src/node/network/memory'
import { createNode, type NodeInit } from '../../../src/node/worker/node'

/**
 * A node on the memory network as peer `peer` of `hub`, not mining, its events dropped, with `init`'s
 * other settings (a store, a repository…); started, then attached to the network (through `wrap`, when
 * given: a peer that misbehaves). `init.network` changes the hub's network as the node sees it (a page
 * whose libp2p refuses something).
 */
export async function startMemoryNode(
  hub: ReturnType<typeof memoryHub>,
  peer: string,
  genesis: Genesis,
  {
    network = (api) => api,
    ...init
  }: Partial<Omit<NodeInit, 'network' | 'genesis' | 'profileId'>> & {
    readonly network?: (api: NetworkApi) => NetworkApi
  } = {},
  wrap: (sink: NetworkSink) => NetworkSink = (sink) => sink,
) {
  const link = hub.join(peer)
  const node = createNode({
    profileId: peer,
    genesis,
    coinbase: DEVNET_ACCOUNTS[9] as Address,
    mine: false,
    network: network(link.api),
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
    ...init,
  })
  await node.start()
  await link.attach(wrap(node.sink))
  return Object.assign(node, { link })
}
