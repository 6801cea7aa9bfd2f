import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseModePin } from './node/light/mode'
import { startupMark } from './node/marks'
import type { NetworkApi, NetworkSink } from './node/network/bridge'
import { createNetworkHost, fetchRelayInfo, type NetworkHost, type RelayInfo } from './node/network/host'
import { claimProfile, listProfiles, nodeRunsBeside } from './node/profile/claim'
import { newIdentityKey } from './node/profile/identity'
import { pageSessionStorage, pageStorage, storageDenied } from './node/profile/local-record'
import { webLocks } from './node/profile/locks'
import { browserProfileData, finishRemovals, removeProfile } from './node/profile/remove'
import { localProfileStore } from './node/profile/store'
import { type Client, connect } from './node/rpc/connect'
import { messageOf, NodeError, type SerializedError } from './node/rpc/errors'
import { serve } from './node/rpc/serve'
import { watchStart } from './node/rpc/start-watch'
import type { WorkerInit } from './node/worker/init'
import type { NodeApi, NodeEvents } from './node/worker/node'
import { fetchGenesis } from './ui/chain-setting'
import { startKeptAsideNotice } from './ui/kept-aside'
import { saveMiningChoice, startsMining } from './ui/mining-setting'
import { storedModePin } from './ui/mode-setting'
import { useNotices } from './ui/notices'
import { pinnedRewards, startingRewards } from './ui/signer/rewards'
import { askPersistence } from './ui/storage-card'
import { type PartFailure, useApp } from './ui/store'
import type { TabchainProvider } from './wallet/provider'

/** The tab's running node, reachable from devtools (and the e2e suite) as `window.tabchain`. */
export interface Tabchain {
  readonly node: Client<NodeApi, NodeEvents>
  readonly network: NetworkHost
  /** The node's dedicated worker (its API is `node`; raw messages to it get typed errors). */
  readonly worker: Worker
  readonly profileId: string
  /**
   * The EIP-1193 provider over this node and the profile's wallet (the wallet object itself is not
   * exposed: page code signs only through the provider, which asks the user first).
   */
  readonly provider: TabchainProvider
}

declare global {
  interface Window {
    tabchain?: Tabchain
  }
}

const REMEMBERED = 'tabchain.profile'
const RELAY_INFO_URL = '/api/relay'
/** How long a reloaded page waits for its own profile's lock, ms. */
const RELOAD_WAIT_MS = 15_000
/** How long a tab that inherited a profile it did not reload waits for it, ms. */
const DUPLICATE_WAIT_MS = 1_000
const PROFILE_REFRESH_MS = 5_000
/** The longest a tab opened beside a running node puts its relay connection off, ms. */
const RELAY_PUT_OFF_MS = 1_000
/**
 * How often the page pings its node's worker, ms, and how many pings in a row it may leave unanswered
 * (a minute) before the page takes it for gone: a worker that crashed (out of memory) says nothing.
 */
const NODE_PING_MS = 5_000
const NODE_PING_MISSES = 12
/**
 * How often the page checks whether its node's start ended, ms, and after how many checks without an
 * end (half a minute) it says the start is slow. The start reads only the head and the recent blocks,
 * whatever the chain's length (bench `storage-cold-start`: goal 500 ms with 10,000 stored blocks); a
 * start this long is stuck (a database held by another connection's upgrade) or its worker died without
 * an `error` event (out of memory), which nothing else would tell: the liveness pings count only once
 * the worker serves its API, after it opened its databases.
 */
const NODE_START_CHECK_MS = 5_000
const NODE_START_CHECKS = 6

/**
 * Starts this tab's node: claims a profile, starts libp2p on the page and the node in a worker, and
 * joins them with the bridge ports; once the node runs, the wallet and the market beside it, then sets
 * `window.tabchain`. Progress and failures go to the UI store.
 */
export async function boot(): Promise<void> {
  startupMark('boot')
  // Where the relay listens: asked now, while the profile is claimed; reconnections ask again.
  let relayInfo: Promise<RelayInfo> | null = fetchRelayInfo(RELAY_INFO_URL)
  relayInfo.catch(() => {})
  // Which chain this server's pages run, asked at the same time.
  const genesisReady = fetchGenesis()
  genesisReady.catch(() => {})
  // The worker loads and compiles while the profile is claimed; it waits for its init message.
  const worker = new Worker(new URL('./node/worker/main.ts', import.meta.url), {
    type: 'module',
    name: 'tabchain node',
  })
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', (e: MessageEvent<{ type: string; error?: SerializedError }>) => {
      if (e.data.type === 'ready') resolve()
      else if (e.data.type === 'error' && e.data.error !== undefined)
        reject(NodeError.fromObject(e.data.error))
    })
    worker.addEventListener('error', (e) => reject(new Error(`node worker failed: ${e.message}`)))
  })
  // Awaited once the network is up; until then a failure must not count as unhandled.
  ready.catch(() => {})
  // The browser may deny this site storage (site data blocked): the page runs on values held for this load.
  const denied = storageDenied()
  if (denied !== null) useNotices.setState({ storageDenied: denied })
  const store = localProfileStore()
  const locks = webLocks()
  const url = new URL(location.href)
  const claim = await claimProfile({
    store,
    locks,
    requested: url.searchParams.get('profile'),
    remembered: pageSessionStorage()?.getItem(REMEMBERED) ?? null,
    // A reload waits for the old page to let go of its profile, which on a busy machine takes seconds;
    // a duplicated tab (same sessionStorage, the original still open) gives up sooner.
    reloadWaitMs: isReload() ? RELOAD_WAIT_MS : DUPLICATE_WAIT_MS,
    create: async () => {
      const key = await newIdentityKey()
      return {
        id: crypto.randomUUID(),
        createdAt: Date.now(),
        peerId: peerIdFromPrivateKey(key).toString(),
        key: privateKeyToProtobuf(key),
      }
    },
  })
  const { profile } = claim
  startupMark('profile')
  if (claim.wantedWasTaken !== undefined) {
    // A link or the picker asked for a profile another tab took meanwhile (or a duplicated tab inherited
    // it): say which one runs here, or the user would take this node and wallet for the one they wanted.
    const wanted = await store.get(claim.wantedWasTaken)
    useNotices.setState({
      profileTaken: { wanted: wanted?.name ?? claim.wantedWasTaken, running: profile.name },
    })
  }
  const besideNode = nodeRunsBeside(locks, profile.id).catch(() => false)
  // Denied (site data blocked), a reload starts another profile, as its profile list is not kept either.
  pageSessionStorage()?.setItem(REMEMBERED, profile.id)
  startKeptAsideNotice(pageStorage(), profile.id)
  // The profile is now this tab's: drop ?profile= so a reload or a shared link doesn't ask for it again.
  if (url.searchParams.has('profile')) {
    url.searchParams.delete('profile')
    history.replaceState(history.state, '', url)
  }
  // Ask the browser to keep this origin's data (chain, keys) under storage pressure; it may say no.
  void askPersistence()
  const { key: _key, ...info } = profile
  useApp.setState({ profile: info })

  const refreshProfiles = async (): Promise<void> => {
    useApp.setState({ profiles: await listProfiles(store, locks) })
  }
  const removal = { store, locks, data: browserProfileData() }
  useApp.setState({
    refreshProfiles,
    removeProfile: (id) => removeProfile(removal, id).finally(() => void refreshProfiles()),
    profileHasWallet: (id) => removal.data.hasWallet(id),
  })
  // Off the critical path: the picker can fill in a moment later.
  void refreshProfiles()
  setInterval(() => void refreshProfiles(), PROFILE_REFRESH_MS)

  const network = await createNetworkHost({
    privateKey: privateKeyFromProtobuf(profile.key),
    relayInfo: () => {
      const first = relayInfo
      relayInfo = null
      return first ?? fetchRelayInfo(RELAY_INFO_URL)
    },
    iceServers: iceServersFromUrl(url),
  })
  network.onChange((snapshot) =>
    useApp.setState((s) => {
      // The node forgets the head of a peer the network no longer lists (`headsTold`).
      const listed = new Set(snapshot.peers.map((p) => p.peerId))
      return { network: snapshot, headsTold: new Map([...s.headsTold].filter(([id]) => listed.has(id))) }
    }),
  )
  useApp.setState({ retryRelayNow: network.retryRelayNow })

  const genesis = await genesisReady
  // `?mode=` overrides the profile's setting for this page load.
  const addressPin = parseModePin(url.searchParams.get('mode'))
  const modePin = addressPin ?? storedModePin(profile.id)
  useApp.setState({
    chain: { name: genesis.name, params: genesis.params },
    modePin,
    modeFromAddress: addressPin !== undefined,
  })
  const apiChannel = new MessageChannel()
  const networkChannel = new MessageChannel()
  const sinkChannel = new MessageChannel()
  // Mined blocks pay the account the tab acts with (followed below), or the `?coinbase=` address.
  const pinnedCoinbase = pinnedRewards(url)
  const init: WorkerInit = {
    type: 'init',
    profileId: profile.id,
    genesis,
    mine: startsMining(url, profile.id),
    coinbase: pinnedCoinbase ?? startingRewards(profile.id),
    modePin,
    lifeLock: `tabchain-node-life-${crypto.randomUUID()}`,
    ports: { api: apiChannel.port2, network: networkChannel.port2, sink: sinkChannel.port2 },
  }
  worker.postMessage(init, [apiChannel.port2, networkChannel.port2, sinkChannel.port2])
  // A start that takes too long is shown as such, not ended: one merely slow still comes to 'ready'.
  const startWatch = watchStart({
    intervalMs: NODE_START_CHECK_MS,
    checks: NODE_START_CHECKS,
    onSlow: (waitedMs) => {
      if (useApp.getState().node.state === 'starting') useApp.setState({ node: { state: 'slow', waitedMs } })
    },
  })
  ready.then(startWatch.done, startWatch.done)

  serve<NetworkApi>(networkChannel.port1, network.api)
  const sink = connect<NetworkSink>(sinkChannel.port1)
  network.attach(sink.api)
  const node = connect<NodeApi, NodeEvents>(apiChannel.port1, {
    liveness: { intervalMs: NODE_PING_MS, misses: NODE_PING_MISSES },
    // Its calls now fail with RPC_LOST instead of waiting for ever; so do the host's calls into it
    // (gossip to validate, requests to answer). A worker that only hung is ended: it would go on
    // mining and writing unseen, holding the profile's lock from the reload that takes it back.
    onLost: (err) => {
      console.error('the node stopped answering', err)
      sink.close()
      worker.terminate()
      useApp.setState({ node: { state: 'lost', error: err.message } })
    },
  })
  node.on('head', (head) => useApp.setState({ head }))
  node.on('storageFault', (storageFault) => useApp.setState({ storageFault }))
  node.on('pendingTx', (lastPendingTx) => useApp.setState({ lastPendingTx }))
  node.on('reorg', (lastReorg) => useApp.setState({ lastReorg }))
  node.on('syncing', (syncing) => useApp.setState({ syncing }))
  node.on('syncWait', (syncWait) => useApp.setState({ syncWait }))
  node.on('syncAsked', (syncAsked) => useApp.setState({ syncAsked }))
  node.on('peerStatus', ({ peerId, head }) =>
    useApp.setState((s) =>
      s.headsTold.get(peerId) === head ? s : { headsTold: new Map([...s.headsTold, [peerId, head]]) },
    ),
  )
  node.on('split', (split) => useApp.setState({ split }))
  node.on('checkpointConflict', (checkpointConflict) => useApp.setState({ checkpointConflict }))
  node.on('mode', (mode) => useApp.setState({ mode }))
  // While a switch request is on its way, events from slices mined before it arrive late: skip them.
  let switching: boolean | null = null
  node.on('mining', (mining) => {
    if (switching === null || mining.enabled === switching) useApp.setState({ mining })
  })

  // A tab opened beside a running node of this browser shows that node's verified data first (the
  // shared headers and state, `main.ts` in the worker): its relay connection, which would take this
  // thread from the first reads and their drawing, waits until those are done and the thread is idle
  // (or `RELAY_PUT_OFF_MS`). Measured (10 new tabs each way, alternating): the verified balance p50
  // 1.09 s instead of 1.35 s, sooner in 10 of 10; the direct link 1.86 s instead of 1.70 s. A tab
  // alone has nothing to show without the network: it connects at once.
  let connectRelay = (): void => {}
  const relayAfter = (await besideNode)
    ? new Promise<void>((resolve) => {
        connectRelay = resolve
      })
    : undefined
  await network.start(relayAfter)
  // A node that failed to start still links (its page shows why; its peers get refusals).
  ready.catch(() => whenIdle(connectRelay, RELAY_PUT_OFF_MS))
  await ready
  startupMark('node-ready')
  // The worker holds this lock for its life (it took it before saying ready): the browser grants it to
  // this request the moment the worker ends, crashed or stopped, which the pings would find only after
  // a minute of silence.
  void navigator.locks.request(init.lifeLock, () => node.lose('its worker ended'))
  // The wallet starts once the node is up: opening its IndexedDB and building the provider earlier ran
  // on this thread in the middle of the relay handshake and the WebRTC dial. (Its code — viem,
  // BIP-32/39, the provider — is in the wallet chunk, which the UI chunk imports for the wallet's
  // stores and the Wallet screen: it loads and evaluates with the UI, not later.)
  const walletReady = import('./ui/wallet-session')
    .then(({ startWallet }) => startWallet(node.api, profile.id, genesis.params))
    .then((started) => {
      startupMark('wallet-ready')
      return started
    })
  walletReady.catch(() => {})
  if (pinnedCoinbase === null)
    import('./ui/signer/follow-rewards').then(
      ({ followAccount }) => followAccount(node.api, profile.id, init.coinbase),
      partFailed('rewards'),
    )
  const facts = Promise.all([
    node.api.head(),
    node.api.mining(),
    node.api.storage(),
    node.api.syncing(),
    node.api.syncWait(),
    node.api.mode(),
  ])
  facts.catch(() => whenIdle(connectRelay, RELAY_PUT_OFF_MS))
  const [head, mining, storage, syncing, syncWait, mode] = await facts
  useApp.setState({
    ...(storage.fault === undefined ? {} : { storageFault: storage.fault }),
    node: { state: 'ready' },
    api: node.api,
    head,
    mining,
    syncing,
    syncWait,
    mode,
    setMining: (on) => {
      // Shown at once; the node's answer confirms (or corrects) it.
      switching = on
      saveMiningChoice(profile.id, on)
      useApp.setState((s) => ({ mining: s.mining === null ? null : { ...s.mining, enabled: on } }))
      node.api.setMining(on).then(
        (mining) => {
          switching = null
          useApp.setState({ mining })
        },
        (err: unknown) => {
          switching = null
          console.error('mining switch failed', err)
        },
      )
    },
  })
  whenIdle(connectRelay, RELAY_PUT_OFF_MS)
  // Removals a closed tab cut short are finished once this node runs (their databases' deletion is
  // not in the way of its start).
  finishRemovals(removal).catch((err: unknown) => console.warn('finishing a profile removal failed', err))
  // Without its wallet the market cannot start either: the wallet's failure is the one said.
  const session = await walletReady.catch(partFailed('wallet'))
  if (session === null) return
  const { provider, wallet } = session
  const market = await import('./ui/market-session').catch(partFailed('market'))
  if (market !== null) {
    market.startMarket(node, profile.id, genesis.params, wallet, provider)
    startupMark('market-ready')
  }
  window.tabchain = { node, network, worker, profileId: profile.id, provider }
}

/**
 * Reports that `part`, which starts once the node runs, did not (its code or its storage failed to
 * load): said on the page as that part's failure (`partFailure`), not the node's, which runs on.
 * Returns null, the part's stand-in.
 */
function partFailed(part: PartFailure): (err: unknown) => null {
  return (err) => {
    console.error(`Tabchain's ${part} did not start`, err)
    useApp.setState({ partFailure: { part, error: messageOf(err) } })
    return null
  }
}

function isReload(): boolean {
  const nav = performance.getEntriesByType('navigation')[0]
  return nav instanceof PerformanceNavigationTiming && nav.type === 'reload'
}

/** `?ice=stun:host:port,turn:…` overrides the (empty) ICE server list, e.g. for browsers on different networks. */
function iceServersFromUrl(url: URL): RTCIceServer[] {
  const ice = url.searchParams.get('ice')
  return ice === null
    ? []
    : ice
        .split(',')
        .filter(Boolean)
        .map((urls) => ({ urls }))
}

/** Runs `task` once this thread is idle, or after `timeoutMs` at the latest. */
function whenIdle(task: () => void, timeoutMs: number): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: timeoutMs })
  else setTimeout(task, 0)
}
