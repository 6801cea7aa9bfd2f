// First: its calls run before the other modules' code (see the module).
import './intl-warmup'
import { version } from '../../../package.json'
import { genesisBlock, hashBlock } from '../chain/block'
import { startupMark } from '../marks'
import type { NetworkApi, NetworkSink } from '../network/bridge'
import { webLocks } from '../profile/locks'
import { connect } from '../rpc/connect'
import { NodeError, toNodeError } from '../rpc/errors'
import { serve } from '../rpc/serve'
import { databaseName, openProfileRepository } from '../storage/idb-repository'
import { PersistentChainStore } from '../storage/persistent-chain-store'
import { openSharedHeaders } from '../storage/shared-headers'
import { openStateNodeReader } from '../storage/state-reader'
import { parseInit, type WorkerInit } from './init'
import { startingCheckpoint } from './light-service'
import { createNode, type NodeApi, type NodeEvents } from './node'
import { prewire, refusingSink, startWiring } from './wiring'

declare const self: DedicatedWorkerGlobalScope

/**
 * How long a starting node waits for another node of its profile to let go of the database, ms: the worker
 * of the document this tab reloaded from, which ends moments after that document unloads.
 */
const WRITER_WAIT_MS = 10_000

let started = false
/** Whether the node's sink answers on its port (else, after a failed start, `refusingSink` does). */
let sinkServed = false

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
  Promise.all([run(init), holdForLife(init.lifeLock)]).then(
    () => self.postMessage({ type: 'ready' }),
    (err: unknown) => {
      const error = toNodeError(err)
      if (!sinkServed) serve<NetworkSink>(init.ports.sink, refusingSink(error))
      self.postMessage({ type: 'error', error: error.toObject() })
    },
  )
}

/**
 * Takes the Web Lock `name` and never lets it go: the browser frees it when this worker ends, and the page,
 * which asks for it once the worker is ready, is granted it then (`WorkerInit.lifeLock`).
 */
function holdForLife(name: string): Promise<void> {
  return new Promise((held, failed) => {
    navigator.locks
      .request(name, () => {
        held()
        return new Promise<never>(() => {})
      })
      .catch(failed)
  })
}

/** Opens the profile's chain database, wires the node to its ports and starts it. */
async function run(init: WorkerInit): Promise<void> {
  const { genesis } = init
  // The node's network wiring goes to the page now, while the databases open and the node is created.
  const network = prewire(
    connect<NetworkApi>(init.ports.network).api,
    startWiring(genesis.params.chainId, init.modePin),
  )
  const chain = { chainId: genesis.params.chainId, genesisHash: hashBlock(genesisBlock(genesis)) }
  const [repo, sharedHeaders] = await Promise.all([
    // Only the node holding the profile's writer lock opens its database: a reloaded tab's new node waits
    // here for the old one's worker to end.
    openProfileRepository({ profileId: init.profileId, chain, locks: webLocks(), waitMs: WRITER_WAIT_MS }),
    // The browser's verified headers: a node runs without them when they cannot be opened.
    openSharedHeaders(chain).catch((err: unknown) => {
      console.warn('the shared headers are unavailable', err)
      return undefined
    }),
  ])
  startupMark('node-databases')
  // Late-bound: the server that carries events exists only after the node that emits them.
  let emit: <K extends keyof NodeEvents>(event: K, data: NodeEvents[K]) => void = () => {}
  const store = await PersistentChainStore.open(repo, {
    // Writes stop cleanly on a storage failure (e.g. quota); the stored chain stays consistent and
    // the UI says so (the event, and `storage()` for a page that missed it).
    onError: (err) => {
      console.error(`chain storage stopped: ${err.type.code}`, err)
      emit('storageFault', { code: err.type.code, message: err.message })
    },
  })
  startupMark('node-store')
  // Older blocks and states load in the background; the node already runs on the recent ones.
  store.loaded.catch((err: unknown) => console.error('loading older blocks failed', err))
  // The headers this browser's nodes verified, and where one of them stored the state under them.
  const browser = await sharedHeaders?.get()
  const executed = store.getHead()
  const lightCheckpoint = await startingCheckpoint({
    modePin: init.modePin,
    repo,
    executedBlocks: executed !== undefined && executed !== chain.genesisHash,
    maxReorgDepth: genesis.params.maxReorgDepth,
    ...(browser === undefined ? {} : { shared: browser.checkpoint }),
  })
  startupMark('node-checkpoint')
  // Opened beside the start, not before it: the first read waits for it.
  const ownDatabase = databaseName(init.profileId, chain)
  const stateFrom = browser?.stateFrom
  const localState =
    init.modePin === 'full' || stateFrom === undefined || stateFrom === ownDatabase
      ? undefined
      : openStateNodeReader(stateFrom)
  const node = createNode({
    profileId: init.profileId,
    genesis,
    store,
    coinbase: init.coinbase,
    mine: init.mine,
    repo,
    modePin: init.modePin,
    ...(lightCheckpoint === undefined ? {} : { lightCheckpoint }),
    ...(sharedHeaders === undefined ? {} : { sharedHeaders }),
    stateDatabase: ownDatabase,
    ...(localState === undefined ? {} : { localState }),
    network,
    emit: (event, data) => emit(event, data),
    now: () => Date.now(),
    agent: `tabchain/${version}`,
    swapRepository: repo,
    storageFault: () => {
      const err = store.storageError
      return err === undefined ? undefined : { code: err.type.code, message: err.message }
    },
  })
  const api = serve<NodeApi, NodeEvents>(init.ports.api, node.api)
  emit = (event, data) => api.emit(event, data)
  serve<NetworkSink>(init.ports.sink, node.sink)
  sinkServed = true
  await node.start()
}
