import { version } from '../../../package.json'
import { DEVNET_ACCOUNTS, devnetGenesis } from '../chain/genesis'
import type { NetworkApi, NetworkSink } from '../network/bridge'
import { connect } from '../rpc/connect'
import { NodeError, toNodeError } from '../rpc/errors'
import { serve } from '../rpc/serve'
import { parseInit } from './init'
import { createNode, type NodeApi, type NodeEvents } from './node'

declare const self: DedicatedWorkerGlobalScope

let started = false

// Set synchronously, before any await: the page's first message (carrying the ports) would
// otherwise be lost.
self.onmessage = (event: MessageEvent<unknown>) => {
  if (started) {
    self.postMessage({
      type: 'error',
      error: new NodeError(
        { code: 'WORKER_ALREADY_STARTED' },
        'the node is already running; send requests on its API port',
      ).toObject(),
    })
    return
  }
  let init: ReturnType<typeof parseInit>
  try {
    init = parseInit(event.data)
  } catch (err) {
    self.postMessage({ type: 'error', error: toNodeError(err).toObject() })
    return
  }
  started = true
  const network = connect<NetworkApi>(init.ports.network)
  // Late-bound: the server that carries events exists only after the node that emits them.
  let emit: <K extends keyof NodeEvents>(event: K, data: NodeEvents[K]) => void = () => {}
  if (init.chainId !== devnetGenesis.params.chainId) {
    self.postMessage({
      type: 'error',
      error: new NodeError({ code: 'WORKER_UNKNOWN_CHAIN', chainId: init.chainId }).toObject(),
    })
    return
  }
  const node = createNode({
    profileId: init.profileId,
    genesis: devnetGenesis,
    // Block rewards go to the first devnet account until the wallet gives each profile its own.
    coinbase: DEVNET_ACCOUNTS[0] ?? '0x0000000000000000000000000000000000000000',
    mine: init.mine,
    network: network.api,
    emit: (event, data) => emit(event, data),
    now: () => Date.now(),
    agent: `tabchain/${version}`,
  })
  const api = serve<NodeApi, NodeEvents>(init.ports.api, node.api)
  emit = (event, data) => api.emit(event, data)
  serve<NetworkSink>(init.ports.sink, node.sink)
  node
    .start()
    .then(() => self.postMessage({ type: 'ready' }))
    .catch((err: unknown) => self.postMessage({ type: 'error', error: toNodeError(err).toObject() }))
}
