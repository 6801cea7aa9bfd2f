import { type Address, type Hex, keccak256 } from 'viem'
import type { OrderBook } from '../../trade/offers/book'
import {
  parseHash,
  parsePair,
  parseSignedCancel,
  parseSignedOffer,
  parseSignedTake,
} from '../../trade/offers/parse'
import type { BookEntry, Pair, SignedCancel, SignedOffer, SignedTake } from '../../trade/offers/types'
import { isPeerId } from '../../trade/offers/validate'
import type { SwapChain } from '../../trade/swap/driver'
import type { SwapRepository } from '../../trade/swap/store'
import type { SwapTerms } from '../../trade/swap/terms'
import type { HeadChange } from '../chain/chain'
import type { ChainStore } from '../chain/chain-store'
import { type LogQuery, selectLogs } from '../chain/log-selection'
import type { Genesis, Header } from '../chain/types'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../contracts/addresses'
import { readTokenMeta } from '../contracts/erc20/erc20'
import type { HtlcLock } from '../contracts/htlc/htlc'
import { decodeLock } from '../contracts/htlc/htlc'
import { LightError } from '../light/errors'
import { type HeaderCheckpoint, heavierCheckpoint } from '../light/header-chain'
import type { HeadersAsked, LightClientConfig, ProvenToken, Verified } from '../light/light-client'
import { describeMode, type ModePin, type NodeMode } from '../light/mode'
import type { ProvenInclusion } from '../light/verify'
import { startupMark, startupMarkTimes } from '../marks'
import { MIN_SUGGESTED_TIP } from '../mempool/mempool'
import type { GossipVerdict, NetworkApi, NetworkSink } from '../network/bridge'
import { chainProtocol, chainTopic } from '../network/protocol'
import type { NetworkSnapshot } from '../network/types'
import { badParams, NodeError } from '../rpc/errors'
import type { Remote } from '../rpc/protocol'
import { DEFAULT_UPGRADE_CONFIG, type UpgradeConfig } from '../snapshot/upgrade'
import { htlcKey, tokenAllowanceKey, tokenBalanceKey, tokenSupplyKey } from '../state/keys'
import { createMemoryBackend, openMemoryRepository } from '../storage/memory-repository'
import type { SharedHeaders } from '../storage/shared-headers'
import type { StateNodeReader } from '../storage/state-reader'
import { type StorageFault, type StorageStatus, storageStatus } from '../storage/storage-quota'
import type { LogRecord, NodeRepository } from '../storage/types'
import type { CheckpointConflict } from '../sync/checkpoint-conflict'
import { type ChainSplit, followSplit } from '../sync/splits'
import type { SyncConfig, Syncer, SyncStatus, SyncWait } from '../sync/syncer'
import { type Beacon, decodeBeacon, encodeBeacon, lightAgent, saysLight } from './beacon'
import {
  type AccountInfo,
  type BlockSummary,
  type ChainStats,
  createChainService,
  type HeadEvent,
  type HeaderSummary,
  type HeadInfo,
  type MiningInfo,
} from './chain-service'
import { chainCheckpoint, createHeaderSharer } from './header-share'
import { createLightService, type LightService } from './light-service'
import { type AgreedSwap, createOffersService, type OffersEvent } from './offers-service'
import {
  callsFilter,
  checkLimit,
  createQueries,
  nextBlockEnv,
  type QueryApi,
  runCall,
  type TokenHolding,
} from './queries'
import {
  createSwapService,
  type SwapInfo,
  type SwapService,
  type SwapSignAnswer,
  type SwapSignRequest,
} from './swap-service'

/** What a peer last told us about itself through its status beacon. */
export interface PeerStatus {
  readonly peerId: string
  readonly seq: bigint
  readonly head: bigint
  readonly agent: string
  /** Our clock when it arrived, ms. */
  readonly receivedAt: number
}

export interface NodeStatus {
  readonly profileId: string
  readonly chainId: number
  readonly network: NetworkSnapshot | null
}

/** Events the node pushes to the UI. */
export interface NodeEvents {
  readonly status: NodeStatus
  readonly peerStatus: PeerStatus
  /** The canonical head moved (a new block, or a reorganisation), with when and since when. */
  readonly head: HeadEvent
  readonly mining: MiningInfo
  /** Sync started, progressed or ended (false). */
  readonly syncing: SyncStatus
  /**
   * The peer this node waits on to sync, or none (null): not syncing, while a peer that served it blocks
   * (a light node: headers) and is ahead has stopped answering (`SyncWait`). Told before a `syncing`
   * false, after a `syncing` start.
   */
  readonly syncWait: SyncWait | null
  /**
   * A light node (pinned light) not syncing nor waiting on a peer, whose header sync asked a peer that
   * has answered nothing yet (`LightClient.asked`), or none (null).
   */
  readonly syncAsked: HeadersAsked | null
  /** A peer's heavier chain forks off ours past the reorg limit (null: no longer); see `followSplit`. */
  readonly split: ChainSplit | null
  /**
   * A peer's heavier chain met none of the headers this node kept from its checkpoint, or (its chain
   * started from a snapshot) none of its blocks down to the snapshot's base: the node kept its own (the
   * peer's headers held the rules) or penalised the peer (they broke them). Told once per peer and chain.
   */
  readonly checkpointConflict: CheckpointConflict
  /** Saving to this device stopped (quota full, database closed); what is stored stays consistent. */
  readonly storageFault: StorageFault
  /** The canonical chain switched branches (sent after the `head` event of the new head). */
  readonly reorg: ReorgInfo
  /** A transaction entered this node's mempool (submitted here or gossiped by a peer). */
  readonly pendingTx: PendingTxInfo
  /** The node's mode changed: `light`, `upgrading n %` (snapshot download, then blocks to the head), `full`. */
  readonly mode: NodeMode
  /** An offer entered or left this node's book, or a take was accepted (with the swap's terms). */
  readonly offers: OffersEvent
  /** A swap took a step (or failed one): its state, last action and terms. */
  readonly swap: SwapInfo
  /** A swap needs the page's wallet: sign a transaction or give a maker's secret; answer with `swapAnswer`. */
  readonly swapSignRequest: SwapSignRequest
}

/** A transaction with its receipt, included in a canonical block, and how deep that block is. */
export type IncludedTx = ProvenInclusion & { readonly confirmations: bigint }

export interface ReorgInfo {
  readonly oldHead: Hex
  readonly newHead: Hex
  /** Blocks that left the canonical chain. */
  readonly depth: number
  /** Transactions of the abandoned blocks that went back to the mempool. */
  readonly returned: readonly Hex[]
}

export interface PendingTxInfo {
  readonly hash: Hex
  readonly from: Address
  readonly to: Address
}

/**
 * The node as the UI sees it. Every method is async, so the same object runs in-process in tests and
 * behind the worker's MessagePort in the app.
 */
export interface NodeApi extends QueryApi {
  status(): Promise<NodeStatus>
  /** Gossips this node's status beacon now (it is also sent on every network change). */
  announce(): Promise<{ readonly recipients: number }>
  /** The latest beacon of every peer heard from. */
  peerStatuses(): Promise<PeerStatus[]>
  /** Asks one directly linked peer for its status (a request/response exchange, not gossip). */
  queryPeer(peerId: string): Promise<PeerStatus>
  head(): Promise<HeadInfo>
  /** The canonical block at a height, or null if there is none yet. */
  block(number: bigint): Promise<BlockSummary | null>
  /**
   * The canonical header at a height (its hash and time: what a list needs to say when), or null when
   * there is none yet or this node holds none there. A light node answers from its verified headers.
   */
  header(number: bigint): Promise<HeaderSummary | null>
  /** Any block this node stores (canonical or on a side branch) by hash, or null when unknown. */
  blockByHash(hash: Hex): Promise<BlockSummary | null>
  /** Up to `count` (≤ 100) canonical blocks ending at `last`, newest first. */
  blocks(last: bigint, count: number): Promise<BlockSummary[]>
  /**
   * The oldest block the block reads hold past the genesis: 0 on a chain executed from the genesis; the
   * snapshot block on one started from a snapshot (the blocks between the genesis and it were never
   * executed here and are not kept, and that block's own transactions are not indexed); on a light node
   * its oldest header.
   */
  blocksFrom(): Promise<bigint>
  /** How much this origin stores, its quota, and whether the browser keeps it under pressure. */
  storage(): Promise<StorageStatus>
  /** Balance and nonce of an address at the head. */
  account(address: Address): Promise<AccountInfo>
  mining(): Promise<MiningInfo>
  /** Turns this tab's miner on or off. */
  setMining(on: boolean): Promise<MiningInfo>
  /** Pays the blocks this tab mines from now on to `address` (the account the page acts with). */
  setCoinbase(address: Address): Promise<MiningInfo>
  /** Admits a raw signed EIP-1559 transaction and gossips it; resolves with its hash. */
  sendRawTransaction(raw: Hex): Promise<Hex>
  /**
   * `eth_syncing`: false when not syncing, else the head number where this sync started, the current
   * head number and the highest head a peer claims.
   */
  syncing(): Promise<SyncStatus>
  /** The peer this node waits on to sync, or null (the `syncWait` event's latest). */
  syncWait(): Promise<SyncWait | null>
  /**
   * The heaviest chain a peer holds that forks off this node's further back than the reorg limit
   * (`maxReorgDepth`), its headers checked, or null (sync/splits.ts). Such a split does not heal by
   * itself: following it takes out `depth` of our blocks (their transactions go back to the pool). A light
   * node's is its header chain's (a light node that followed peers on the other side).
   */
  chainSplit(): Promise<ChainSplit | null>
  /**
   * Follows the split's heavier chain (the user's choice): reorganises back to `ancestor`, however deep,
   * and syncs; resolves with the head once switched. `NODE_NO_SPLIT` when no split at `ancestor` is
   * known; `NODE_SPLIT_NOT_FOLLOWED` when the sync ended with the chain unchanged (nothing changed).
   */
  followSplit(ancestor: Hex): Promise<HeadInfo>
  /** Counters: blocks mined, received by gossip, fetched by sync; sync runs, penalties, dropped peers. */
  stats(): Promise<NodeStats>
  /** `light`, `upgrading n %` or `full` (see the `mode` event). */
  mode(): Promise<NodeMode>
  /**
   * The worker's start-up marks (`marks.ts`), ms since the Unix epoch: for the light client the first
   * headers request, the header chain first verified to a peer's head, the first proof fetched after it.
   */
  startupMarks(): Promise<Record<string, number>>
  /**
   * Posts an offer the wallet signed (EIP-712, `offerTypedData`), hosted by this node: it answers takes
   * for it with `hashlock`, the sha256 of the maker's secret. Its `makerPeer` must be this node's peer
   * id. Refused with `OfferError` (one code per failed check, `OFFER_MAKER_LACKS_BALANCE` included).
   */
  postOffer(signed: SignedOffer, hashlock: Hex): Promise<BookEntry>
  /** Withdraws an open offer with its maker's signed cancellation (`cancelTypedData`); gossips it. */
  cancelOffer(cancel: SignedCancel): Promise<void>
  /** Order books (best price first) of every pair with open offers, or of `pair` only. */
  offers(pair?: Pair): Promise<OrderBook<BookEntry>[]>
  /**
   * Takes an offer with the taker's signed take (`takeTypedData`): the maker's node answers; the first
   * valid taker gets the swap's terms, later ones an `OfferError` (`OFFER_TAKEN`, `OFFER_STALE`, …).
   */
  takeOffer(take: SignedTake): Promise<SwapTerms>
  /** Every swap this profile stored, with its current state. */
  swaps(): Promise<SwapInfo[]>
  /**
   * Starts a swap on terms agreed by the offers protocol, as `account` (its maker or taker), and runs
   * it from then on; `counterpartyPeer`, the other party's tab (the agreement's peer id), is kept with
   * the swap (`SwapInfo.counterpartyPeer`). Throws `SwapError` (bad terms, not a party, …) or a bad
   * params error (a malformed account or peer id) before storing anything.
   */
  startSwap(terms: SwapTerms, account: Address, counterpartyPeer?: string): Promise<SwapInfo>
  /**
   * Takes this node agreed whose swap was never started: as maker of our offers (the page starts the
   * maker's swap when the node says a take was agreed) and as taker of others' (the page starts the
   * taker's swap when its take returns); a tab closed in between left it unstarted. The page starts
   * them as it loads, under the approvals it kept (one it lost, approving nothing), each as our `role`
   * in it. Each names the other party's tab (`counterpartyPeer`,
   * for `startSwap`): the taker's for the maker, the offer's `makerPeer` for the taker; null when not
   * known (an agreement stored before the peer was kept with it, or a stored peer id that was not one).
   */
  unstartedSwaps(): Promise<AgreedSwap[]>
  /** The page's unlocked accounts that may be asked to sign swap steps (empty: none, the default). */
  swapSigners(accounts: readonly Address[]): Promise<void>
  /** The page's answer to a `swapSignRequest`. */
  swapAnswer(id: number, answer: SwapSignAnswer): Promise<void>
  /**
   * The page approved a running swap again (its saved approval was lost): the node steps its swaps now,
   * not at the next block, and the steps the wallet refused are asked for again.
   */
  swapApproved(): Promise<void>
  /**
   * Verified reads, each with the header it holds at (`number`, `hash`). A full node answers from the
   * state it executed itself, at its head; a light node from proofs checked against the state root of
   * a header `confirmations` deep, and throws `LIGHT_UNVERIFIED` (naming the data and why) when no peer
   * gave a proof that verifies — it never returns unverified data.
   */
  verifiedAccount(address: Address): Promise<Verified<AccountInfo>>
  verifiedTokenBalance(token: Address, holder: Address): Promise<Verified<bigint>>
  verifiedTokenAllowance(token: Address, owner: Address, spender: Address): Promise<Verified<bigint>>
  /** Token metadata and supply; value null when no token lives at `token`. */
  verifiedToken(token: Address): Promise<Verified<ProvenToken | null>>
  /**
   * The tokens `holder` holds or created (as `tokenHoldings`), every balance at the one header `number`:
   * on a light node proven at the header `confirmations` deep, so a token created or received above it
   * is not in the list yet.
   */
  verifiedTokenHoldings(holder: Address): Promise<Verified<TokenHolding[]>>
  /** An HTLC lock record; value null when there is none with that id. */
  verifiedHtlc(id: Hex): Promise<Verified<HtlcLock | null>>
  /** A canonical transaction with its receipt (inclusion proven on a light node); null when unknown. */
  verifiedTransaction(hash: Hex): Promise<Verified<IncludedTx> | null>
}

/** What the node has done: its chain's counters and its light client's. */
export interface NodeStats extends ChainStats {
  /** Headers the light client checked in this run (0 when pinned full). */
  readonly headersVerified: number
  /** Reads the light client proved from state stored in this browser (another profile's), not a peer's. */
  readonly proofsLocal: number
}

export interface NodeInit {
  readonly profileId: string
  readonly genesis: Genesis
  /** The profile's chain store; in memory when absent (tests). */
  readonly store?: ChainStore
  /** Receives this node's block rewards, until `setCoinbase` names another address. */
  readonly coinbase: Address
  /** Mine from the start (devnet default; `?mine=0` or the home screen's switch, kept per profile, turns it off). */
  readonly mine: boolean
  /** The page's network host, over the bridge. */
  readonly network: Remote<NetworkApi>
  /** Pushes an event to the UI. */
  readonly emit: <K extends keyof NodeEvents>(event: K, data: NodeEvents[K]) => void
  readonly now: () => number
  readonly agent: string
  /** Why saving the chain stopped, if it did (the app's store reports it; absent in memory). */
  readonly storageFault?: () => StorageFault | undefined
  /** Overrides of the sync client's limits and timings (tests). */
  readonly sync?: Partial<SyncConfig>
  /** The profile's repository (snapshot downloads keep their progress there); in memory when absent. */
  readonly repo?: NodeRepository
  /**
   * The mode the user pinned (`?mode=`, or the profile's setting): `light` runs headers and proofs
   * only; `full` executes every block here; `auto` (the default) runs full and, far behind its peers,
   * starts from a verified state snapshot instead of replaying every block.
   */
  readonly modePin?: ModePin
  /** Overrides of the snapshot upgrade's thresholds (tests, bench). */
  readonly upgrade?: Partial<UpgradeConfig>
  /**
   * Where swap records, and the finished swaps' last status, are kept (the profile's repository); in
   * memory when absent (tests).
   */
  readonly swapRepository?: SwapRepository & Pick<NodeRepository, 'getMeta' | 'putMeta'>
  /** How long a swap signature request waits for the page, ms (default 60 s). */
  readonly swapSignTimeoutMs?: number
  /** Overrides of the light client's limits (tests). */
  readonly light?: Partial<LightClientConfig>
  /** Headers verified in an earlier run (`startingCheckpoint`): the light client starts there. */
  readonly lightCheckpoint?: HeaderCheckpoint
  /** The browser's shared verified headers: this node offers its own there (see `createHeaderSharer`). */
  readonly sharedHeaders?: SharedHeaders
  /** This profile's database name (`databaseName`), offered with its executed headers. */
  readonly stateDatabase?: string
  /**
   * Another profile's stored state (named by the browser's shared headers): the light client proves
   * reads there before asking peers, so a new tab shows verified balances before it links.
   */
  readonly localState?: Promise<StateNodeReader | undefined>
}

export interface Node {
  readonly api: NodeApi
  /** What the network host calls on the node. */
  readonly sink: NetworkSink
  start(): Promise<void>
  /** Stops the miner and sync timers. */
  stop(): void
  /** The sync client: peers' circuit breakers and bans (tests, devtools). */
  readonly syncer: Syncer
  /** Resolves when a running snapshot upgrade has ended (tests). */
  upgraded(): Promise<void>
  /**
   * Offers this node's verified headers to the browser's shared store now (tests; otherwise within
   * `SHARE_EVERY_MS` of a head change). Resolves when stored or refused; at once without a store.
   */
  shareHeaders(): Promise<void>
  /**
   * The light service (tests, devtools): the whole node when pinned `light`; beside the full chain in
   * `auto`, answering reads while the chain is behind; null when pinned `full`.
   */
  readonly light: LightService | null
}

function checkAddress(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw badParams(`${field} must be a 20-byte 0x-prefixed hex string`)
  return value.toLowerCase() as Address
}

function checkBlockNumber(value: unknown, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n) throw badParams(`${field} must be a non-negative bigint`)
  return value
}

/** How many blocks one `blocks` query lists at most. */
const MAX_BLOCKS_LISTED = 100

function checkCount(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_BLOCKS_LISTED)
    throw badParams(`count must be an integer in [1, ${MAX_BLOCKS_LISTED}]`)
  return value as number
}

/** Where the Explorer's block reads come from: the executed chain, or the light node's headers. */
interface BlockSource {
  block(number: bigint): BlockSummary | null | Promise<BlockSummary | null>
  header(number: bigint): HeaderSummary | null
  blockByHash(hash: Hex): BlockSummary | null | Promise<BlockSummary | null>
  blocks(last: bigint, count: number): BlockSummary[] | Promise<BlockSummary[]>
}

/** The block reads of the node API over `source`, each parameter checked first. */
function blockReads(source: BlockSource): Pick<NodeApi, 'block' | 'header' | 'blockByHash' | 'blocks'> {
  return {
    async block(number) {
      return source.block(checkBlockNumber(number, 'number'))
    },
    async header(number) {
      return source.header(checkBlockNumber(number, 'number'))
    },
    async blockByHash(hash) {
      return source.blockByHash(checkHash(hash, 'hash'))
    },
    async blocks(last, count) {
      return source.blocks(checkBlockNumber(last, 'last'), checkCount(count))
    },
  }
}

function checkHash(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value))
    throw badParams(`${field} must be a 32-byte 0x-prefixed hex hash`)
  return value.toLowerCase() as Hex
}

/**
 * Waits before a new direct peer's status is asked for again, ms, when no answer came: its head is how
 * the node learns it is behind, and a peer that holds still (mines nothing) announces nothing else.
 */
const STATUS_RETRY_MS = [1_000, 3_000] as const

const unsupported = (method: string): LightError => new LightError({ code: 'LIGHT_UNSUPPORTED', method })

/** Wires the node's components. (Storage joins here as the IndexedDB layer lands.) */
export function createNode(init: NodeInit): Node {
  const chainId = init.genesis.params.chainId
  const pin: ModePin = init.modePin ?? 'auto'
  const replayBelow = BigInt({ ...DEFAULT_UPGRADE_CONFIG, ...init.upgrade }.replayBelow)
  // The headers kept for the browser's other profiles: the executed chain's (with where its state is
  // stored) or the light client's, whichever is heavier, from two reorg limits below its head (what a
  // profile keeps for itself).
  const span = 2 * init.genesis.params.maxReorgDepth
  const sharer =
    init.sharedHeaders === undefined
      ? null
      : createHeaderSharer({
          shared: init.sharedHeaders,
          checkpoint: () => {
            const executed = chainCheckpoint(chain.chain, span)
            const best = heavierCheckpoint(executed, light?.checkpoint())
            if (best === undefined) return undefined
            return best === executed && init.stateDatabase !== undefined
              ? { checkpoint: best, stateFrom: init.stateDatabase }
              : { checkpoint: best }
          },
        })
  const chain = createChainService({
    genesis: init.genesis,
    ...(init.store === undefined ? {} : { store: init.store }),
    network: init.network,
    now: init.now,
    coinbase: init.coinbase,
    onHead: (head, change) => {
      sharer?.noteHead()
      announceIfBack(head.number)
      // While the chain is behind the verified headers, the UI follows those (and reads through proofs).
      if (!behind()) {
        init.emit('head', head)
        if (change !== null && change.removed.length > 0) init.emit('reorg', reorgInfo(change))
      }
      void swapService.then((s) => s.onHead(change?.removed.length ?? 0))
      refreshMode()
    },
    // As deep a reorg: past the limit, swaps done on the replaced blocks are stepped again.
    onReplaced: (removed) => void swapService.then((s) => s.onHead(removed.length)),
    onMining: (info) => init.emit('mining', info),
    onSyncing: (status) => init.emit('syncing', status),
    onSyncWait: (wait) => init.emit('syncWait', wait),
    onSplit: (split) => init.emit('split', split),
    onCheckpointConflict: (conflict) => init.emit('checkpointConflict', conflict),
    ...(init.sync === undefined ? {} : { sync: init.sync }),
    ...(init.repo === undefined ? {} : { repo: init.repo }),
    ...(init.modePin === undefined ? {} : { modePin: init.modePin }),
    ...(init.upgrade === undefined ? {} : { upgrade: init.upgrade }),
    onMode: () => refreshMode(),
    ...(pin === 'auto'
      ? {
          verifiedHeaders: {
            synced: () => (light as LightService).synced(),
            keepFrom: (n: bigint) => (light as LightService).keepFrom(n),
          },
          onGossipHeader: (header: Header, from: string) => light?.noteHeader(header, from, behind()),
        }
      : {}),
    onPendingTx: (tx) => {
      init.emit('pendingTx', { hash: tx.hash, from: tx.from, to: tx.to })
      // A redeem shows its secret in the pool: a taker waiting on it redeems in the same block.
      if (tx.to === HTLC_ADDRESS) void swapService.then((s) => s.onPendingHtlc())
    },
  })
  const queries = createQueries({
    chain: chain.chain,
    mempool: chain.mempool,
    coinbase: init.coinbase,
    now: init.now,
    ...(init.store?.loaded === undefined ? {} : { history: init.store.loaded }),
    activity: chain.activity,
    // Found by the light client in the logs of its headers: a node upgraded from a snapshot lists the
    // tokens created below its base too.
    ...(pin === 'auto' ? { createdTokens: () => (light as LightService).createdTokens() } : {}),
  })
  const swapRepository: Promise<SwapRepository & Pick<NodeRepository, 'getMeta' | 'putMeta'>> =
    init.swapRepository === undefined
      ? openMemoryRepository({
          backend: createMemoryBackend(),
          chain: { chainId, genesisHash: chain.chain.genesisHash },
        })
      : Promise.resolve(init.swapRepository)
  /**
   * Each swap's accepted height (where its logs are read from), with, once it is done, the block of its
   * last chain step (its settlement).
   */
  const swapLogs = new Map<Hex, { readonly from: bigint; readonly doneAt: bigint | null }>()
  /**
   * The lowest accepted height of the swaps whose logs may still be read at header head `head`: the
   * unfinished ones, and the done ones settled within two reorg limits of it — the headers a light node
   * always keeps, so a deep reorg it can follow that takes their settlement out steps them again. Below
   * those, such a reorg needs headers only another swap held: a bound, not a promise.
   */
  const holdSwapHeaders = (head: bigint): bigint | undefined => {
    const span = BigInt(2 * init.genesis.params.maxReorgDepth)
    let oldest: bigint | undefined
    for (const { from, doneAt } of swapLogs.values())
      if ((doneAt === null || doneAt + span >= head) && (oldest === undefined || from < oldest)) oldest = from
    return oldest
  }
  const swapService: Promise<SwapService> = swapRepository.then((repo) =>
    createSwapService({
      repo,
      meta: repo,
      chain: swapChain,
      chainId,
      confirmations: init.genesis.params.confirmations,
      maxReorgDepth: init.genesis.params.maxReorgDepth,
      emitSwap: (info) => {
        const from = info.terms.acceptedHeight
        if (info.action.kind !== 'done') swapLogs.set(info.swapId, { from, doneAt: null })
        else {
          // Ended by decisions alone (nothing locked), a swap has no settlement a reorg could take out.
          const doneAt = info.status.steps.findLast((step) => step.height !== null)?.height
          if (doneAt == null) swapLogs.delete(info.swapId)
          else swapLogs.set(info.swapId, { from, doneAt })
        }
        init.emit('swap', info)
      },
      emitSignRequest: (request) => init.emit('swapSignRequest', request),
      ...(init.swapSignTimeoutMs === undefined ? {} : { signTimeoutMs: init.swapSignTimeoutMs }),
    }),
  )
  const light =
    pin !== 'full'
      ? createLightService({
          genesis: init.genesis,
          network: init.network,
          now: init.now,
          ...(init.repo === undefined ? {} : { repo: init.repo }),
          ...(init.lightCheckpoint === undefined ? {} : { checkpoint: init.lightCheckpoint }),
          ...(init.localState === undefined ? {} : { localState: init.localState }),
          // Swaps read their logs from their accepted heights, across reloads: a light node's through
          // these headers, an `auto` node's too while behind them or below a snapshot's base.
          holdHeadersFrom: holdSwapHeaders,
          // A peer has one score and one ban, whether its headers, proofs, blocks or offers were bad.
          board: chain.syncer.board,
          onHead: (head, removed) => {
            sharer?.noteHead()
            refreshMode()
            if (!behind()) return
            // Swaps read the chain through proofs meanwhile (always, when light): they step on each
            // verified header, the executed chain standing still or not (a snapshot download).
            void swapService.then((s) => s.onHead(removed.length))
            init.emit('head', {
              ...head,
              movedAt: performance.timeOrigin + performance.now(),
              arrivedAt: null,
            })
            if (removed.length > 0)
              init.emit('reorg', {
                oldHead: removed[0] as Hex,
                newHead: head.hash,
                depth: removed.length,
                returned: [],
              })
          },
          onPendingTx: (tx) => init.emit('pendingTx', { hash: tx.hash, from: tx.from, to: tx.to }),
          onCheckpointConflict: (conflict) => init.emit('checkpointConflict', conflict),
          // In `auto` the full syncer's progress is the one shown (the header sync is a fraction of it).
          ...(pin === 'light'
            ? {
                onSyncing: (status: SyncStatus) => init.emit('syncing', status),
                onSyncWait: (wait: SyncWait | null) => init.emit('syncWait', wait),
                onSyncAsked: (asked: HeadersAsked | null) => init.emit('syncAsked', asked),
                onSplit: (split: ChainSplit | null) => init.emit('split', split),
              }
            : {}),
          ...(init.light === undefined ? {} : { config: init.light }),
        })
      : null
  /**
   * Whether reads go through the light client: always when pinned light; in `auto` while an upgrade
   * runs and the verified header chain is heavier than the executed chain, or otherwise while it is
   * heavier and at least max(k, 2) blocks past it. Closer than
   * that the executed head is as fresh as a proof at the anchor, and a header that arrives a moment
   * before its block (header sync races the block fetch) does not flip the view back and forth.
   */
  const behind = (): boolean => {
    if (light === null) return false
    if (pin === 'light') return true
    const verified = light.client.headers.head
    const executed = chain.chain.head
    // Mid-upgrade the chain climbs block by block to the verified head: proofs until it is there.
    if (chain.mode().kind === 'upgrading') return verified.totalDifficulty > executed.totalDifficulty
    return (
      verified.totalDifficulty > executed.totalDifficulty &&
      verified.header.number >=
        executed.block.header.number + BigInt(Math.max(2, init.genesis.params.confirmations))
    )
  }
  /**
   * `light` while reads go through proofs (in `auto`: while nothing past the genesis is executed, or
   * `catchingUp` while the executed chain trails the verified headers), `upgrading n %` while a snapshot
   * upgrade runs, else `full`.
   */
  const currentMode = (): NodeMode => {
    if (light === null) return chain.mode()
    if (pin === 'light') return { kind: 'light' }
    const m = chain.mode()
    if (m.kind === 'upgrading') return m
    if (chain.chain.head.block.header.number === 0n) return { kind: 'light' }
    return behind() ? { kind: 'light', catchingUp: true } : m
  }
  let shownMode: NodeMode | null = null
  function refreshMode(): void {
    const m = currentMode()
    if (shownMode !== null && describeMode(m) === describeMode(shownMode)) return
    shownMode = m
    init.emit('mode', m)
  }
  /** The full node's own state at its head, as a verified read. */
  const atHead = <T>(value: T): Verified<T> => {
    const head = chain.head()
    return { value, verified: true, number: head.number, hash: head.hash }
  }
  const reorgInfo = (change: HeadChange): ReorgInfo => ({
    oldHead: change.oldHead,
    newHead: change.newHead,
    depth: change.removed.length,
    returned: change.orphaned.map((raw) => keccak256(raw)).filter((h) => chain.mempool.has(h)),
  })
  const offers = createOffersService({
    chainId,
    confirmations: init.genesis.params.confirmations,
    network: init.network,
    balances: {
      async balanceOf(token, holder) {
        // A light node reads them through proofs (at its anchor header), like its wallet does.
        if (light !== null && pin === 'light')
          return token === ZERO_ADDRESS
            ? (await light.client.account(holder)).value.balance
            : (await light.client.tokenBalance(token, holder)).value
        const state = chain.chain.headState
        return token === ZERO_ADDRESS
          ? state.getAccount(holder).balance
          : state.getWord(tokenBalanceKey(token, holder))
      },
    },
    now: init.now,
    // The head the swap engine reads (`swapChain`): a lock window counted from the executed head, far
    // below the verified one, would be over at the swap's first step.
    height: () => (light !== null && behind() ? light.head().number : chain.head().number),
    selfPeer: async () => network?.peerId ?? (await init.network.snapshot()).peerId,
    penalize: (peer, offence) => chain.penalize(peer, offence),
    isBanned: (peer) => chain.syncer.isBanned(peer),
    onEvent: (event) => init.emit('offers', event),
    ...(init.repo === undefined ? {} : { store: init.repo }),
    hasSwap: async (id) => (await (await swapRepository).getSwapEvents(id)).length > 0,
  })
  /**
   * Ends when the offers service's start has (`start`), whatever its outcome: by then the offers this
   * node hosted before a reload are hosted again, and a book read sooner would leave them out (the page
   * would say "no open offers", and take their approvals for unused).
   */
  let offersReady: Promise<void> = Promise.resolve()
  const statusTopic = chainTopic(chainId, 'status')
  const txsTopic = chainTopic(chainId, 'txs')
  const offersTopic = chainTopic(chainId, 'offers')
  const statusProtocol = chainProtocol(chainId, 'status')
  const peers = new Map<string, PeerStatus>()
  let network: NetworkSnapshot | null = null
  let seq = 0n
  let stopped = false

  const status = (): NodeStatus => ({ profileId: init.profileId, chainId, network })
  /** The head this node last told its peers (its beacon, a status answer), or -1 before any. */
  let told = -1n
  const beacon = (): Beacon => {
    // A light node holds no blocks to serve: it claims the genesis, so no one syncs from it.
    told = pin === 'light' ? 0n : chain.head().number
    return {
      seq,
      sentAt: BigInt(init.now()),
      head: told,
      agent: pin === 'light' ? lightAgent(init.agent) : init.agent,
    }
  }

  /**
   * Tells the peers the head at once when it moved back more than the reorg limit below the one it last
   * told them (the user followed a deep split to a heavier, shorter chain). Beacons go out only on
   * network changes: before, the peers kept the old head as its word, and the first headers answer
   * showed it far lower, which costs a false claim's penalty (`refutes`) — an honest node paid it.
   */
  const announceIfBack = (head: bigint): void => {
    if (head + BigInt(init.genesis.params.maxReorgDepth) < told) void fullApi.announce().catch(() => {})
  }

  /**
   * Whether the light client follows every peer from the moment it links: pinned light, or `auto` with
   * nothing past the genesis (a new tab: a verified view from headers and proofs comes long before even
   * a short chain is executed).
   */
  const lightFirst = (): boolean => pin === 'light' || chain.head().number === 0n

  /**
   * A peer told its head, and whether it is a light node (`saysLight`). One ahead of us: sync from it —
   * headers first (an `auto` upgrade waits for them), then the chain.
   */
  const notePeerHead = (peer: string, head: bigint, lightPeer: boolean): void => {
    // In `auto` the light client also follows a peer that is far ahead (an upgrade is coming), or any
    // peer while the node already reads through proofs. Otherwise a short gap is closed by the ordinary
    // sync in moments.
    if (light !== null && (lightFirst() || head > chain.head().number + replayBelow || behind()))
      light.notePeerHead(peer, head)
    if (pin !== 'light') chain.notePeerHead(peer, head, lightPeer)
  }

  /** Records a peer's beacon unless an equal or newer one is known; says whether it was new. */
  const record = (from: string, b: Beacon): PeerStatus | null => {
    const known = peers.get(from)
    if (known !== undefined && known.seq >= b.seq) return null
    const entry: PeerStatus = {
      peerId: from,
      seq: b.seq,
      head: b.head,
      agent: b.agent,
      receivedAt: init.now(),
    }
    peers.set(from, entry)
    // The head first: a sync it starts is told before the peer's status, which the sync card takes as
    // this tab up to date with that peer when no sync runs (`toldHeadCount`).
    notePeerHead(from, b.head, saysLight(b))
    init.emit('peerStatus', entry)
    return entry
  }

  /**
   * Asks a new direct peer for its status. An answer that does not come (a stream reset on a link just
   * up, a page too busy to answer in time) is asked for again (`STATUS_RETRY_MS`) while the peer stays
   * linked and unheard from — a beacon from it meanwhile says as much.
   */
  const askStatus = async (peerId: string): Promise<void> => {
    for (const wait of [0, ...STATUS_RETRY_MS]) {
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait))
        if (stopped || peers.has(peerId) || !network?.peers.some((p) => p.peerId === peerId)) return
      }
      try {
        await api.queryPeer(peerId)
        return
      } catch {
        // Asked again after the next wait, if the peer is still linked and silent.
      }
    }
  }

  const fullApi: NodeApi = {
    ...queries,
    async status() {
      return status()
    },
    async announce() {
      seq++
      return init.network.publish(statusTopic, encodeBeacon(beacon()))
    },
    async peerStatuses() {
      return [...peers.values()]
    },
    async head() {
      return chain.head()
    },
    async mining() {
      return chain.mining()
    },
    async storage() {
      const fault = init.storageFault?.()
      return { ...(await storageStatus()), ...(fault === undefined ? {} : { fault }) }
    },
    ...blockReads(chain),
    async blocksFrom() {
      return chain.chain.base
    },
    async account(address) {
      if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
        throw badParams('address must be a 20-byte 0x-prefixed hex string')
      }
      return chain.account(address.toLowerCase() as Address)
    },
    async setMining(on) {
      if (typeof on !== 'boolean') throw badParams('on must be a boolean')
      return chain.setMining(on)
    },
    async setCoinbase(address) {
      return chain.setCoinbase(checkAddress(address, 'address'))
    },
    async sendRawTransaction(raw) {
      if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]*$/.test(raw)) {
        throw badParams('raw must be 0x-prefixed hex')
      }
      return chain.submitTransaction(raw as Hex)
    },
    async syncing() {
      return chain.syncing()
    },
    async syncWait() {
      return chain.syncWait()
    },
    async chainSplit() {
      return chain.split()
    },
    async followSplit(ancestor) {
      return chain.followSplit(checkHash(ancestor, 'ancestor'))
    },
    async mode() {
      return chain.mode()
    },
    async stats() {
      const counters = light?.client.counters
      return {
        ...chain.stats(),
        headersVerified: counters?.headersVerified ?? 0,
        proofsLocal: counters?.proofsLocal ?? 0,
      }
    },
    async startupMarks() {
      return startupMarkTimes()
    },
    async postOffer(signed, hashlock) {
      return offers.post(parseSignedOffer(signed), parseHash(hashlock, 'hashlock'))
    },
    async cancelOffer(cancel) {
      return offers.cancel(parseSignedCancel(cancel))
    },
    async offers(pair) {
      await offersReady
      return offers.books(pair === undefined ? undefined : parsePair(pair))
    },
    async takeOffer(take) {
      return offers.take(parseSignedTake(take))
    },
    async swaps() {
      return (await swapService).swaps()
    },
    async startSwap(terms, account, counterpartyPeer) {
      if (typeof account !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(account)) {
        throw badParams('account must be a 20-byte 0x-prefixed hex string')
      }
      if (counterpartyPeer !== undefined && !isPeerId(counterpartyPeer)) {
        throw badParams("the other party's peer id must be 1–128 printable ASCII characters")
      }
      return (await swapService).startSwap(terms, account.toLowerCase() as Address, counterpartyPeer)
    },
    async unstartedSwaps() {
      const started = new Set((await (await swapService).swaps()).map((s) => s.swapId))
      return (await offers.agreedSwaps()).filter((a) => !started.has(a.terms.offerId))
    },
    async swapSigners(accounts) {
      if (
        !Array.isArray(accounts) ||
        !accounts.every((a) => typeof a === 'string' && /^0x[0-9a-fA-F]{40}$/.test(a))
      ) {
        throw badParams('accounts must be a list of 20-byte 0x-prefixed hex strings')
      }
      ;(await swapService).setSigners(accounts)
    },
    async swapApproved() {
      ;(await swapService).onApproved()
    },
    async swapAnswer(id, answer) {
      if (!Number.isSafeInteger(id) || typeof answer !== 'object' || answer === null) {
        throw badParams('swapAnswer takes a request id and an answer object')
      }
      const valid =
        ('raw' in answer && typeof answer.raw === 'string' && /^0x[0-9a-fA-F]+$/.test(answer.raw)) ||
        ('secret' in answer &&
          typeof answer.secret === 'string' &&
          /^0x[0-9a-fA-F]{64}$/.test(answer.secret)) ||
        ('refused' in answer && typeof answer.refused === 'string')
      if (!valid) throw badParams('the answer must be { raw }, { secret } or { refused }')
      ;(await swapService).answer(id, answer)
    },
    async queryPeer(peerId) {
      if (typeof peerId !== 'string') throw badParams('peerId must be a string')
      const answer = decodeBeacon(
        await init.network.request(peerId, statusProtocol, new Uint8Array(0), 5_000),
      )
      const recorded = record(peerId, answer)
      if (recorded !== null) return recorded
      // An answer with a beacon sequence already seen still tells the peer's current head.
      notePeerHead(peerId, answer.head, saysLight(answer))
      return { peerId, seq: answer.seq, head: answer.head, agent: answer.agent, receivedAt: init.now() }
    },
    async verifiedAccount(a) {
      return atHead(chain.account(checkAddress(a, 'address')))
    },
    async verifiedTokenBalance(token, holder) {
      const key = tokenBalanceKey(checkAddress(token, 'token'), checkAddress(holder, 'holder'))
      return atHead(chain.chain.headState.getWord(key))
    },
    async verifiedTokenAllowance(token, owner, spender) {
      const key = tokenAllowanceKey(
        checkAddress(token, 'token'),
        checkAddress(owner, 'owner'),
        checkAddress(spender, 'spender'),
      )
      return atHead(chain.chain.headState.getWord(key))
    },
    async verifiedTokenHoldings(h) {
      // Read before the holdings: both at the head this read started at, with nothing awaited between.
      const at = atHead(null)
      return { ...at, value: await queries.tokenHoldings(h) }
    },
    async verifiedToken(t) {
      const token = checkAddress(t, 'token')
      const state = chain.chain.headState
      const meta = readTokenMeta(state.buffer(), token)
      return atHead(
        meta === undefined
          ? null
          : { ...meta, address: token, totalSupply: state.getWord(tokenSupplyKey(token)) },
      )
    },
    async verifiedHtlc(id) {
      const raw = chain.chain.headState.getRaw(htlcKey(checkHash(id, 'id')))
      return atHead(raw === undefined ? null : decodeLock(raw))
    },
    async verifiedTransaction(h) {
      const hash = checkHash(h, 'hash')
      const found = chain.chain.getReceipt(hash)
      const stored = found === undefined ? undefined : chain.chain.getBlock(found.blockHash)
      const rawTx = found === undefined ? undefined : stored?.block.transactions[found.index]
      if (found === undefined || rawTx === undefined) return null
      return atHead({
        blockHash: found.blockHash,
        blockNumber: found.blockNumber,
        index: found.index,
        rawTx,
        status: found.receipt.status,
        cumulativeGasUsed: found.receipt.cumulativeGasUsed,
        logs: found.receipt.logs,
        confirmations: chain.chain.confirmations(found.blockHash),
      })
    },
  }

  /**
   * Light mode: reads go through proofs (`verified*`, and the plain balance / token / nonce queries
   * answer with the proven values, calls run over proven state, blocks, logs, transactions and receipts
   * are checked against the headers' roots, an address's transactions as a full peer lists them, each
   * proven); what needs every block executed throws `LIGHT_UNSUPPORTED` rather than answer from the empty
   * local chain.
   */
  const lightApi = (l: LightService): NodeApi => {
    // The local queries (those below excepted), which need the executed chain.
    const refuse = Object.fromEntries(
      Object.keys(queries).map((method) => [
        method,
        async () => {
          throw unsupported(method)
        },
      ]),
    ) as unknown as Pick<NodeApi, keyof QueryApi>
    const c = l.client
    return {
      ...fullApi,
      ...refuse,
      async head() {
        return l.head()
      },
      // The Explorer's: headers held, each block's transaction hashes read with its receipts.
      ...blockReads(l),
      async blocksFrom() {
        return c.headers.base.header.number
      },
      async tokenTransfers(token, n) {
        return l.tokenTransfers(checkAddress(token, 'token'), checkLimit(n))
      },
      async addressTransactions(a, n) {
        return l.addressTransactions(checkAddress(a, 'address'), checkLimit(n))
      },
      // What the swap engine and the wallet's activity read: logs from blocks' receipts checked against
      // their headers, transactions and receipts with inclusion proofs, the pool as what this node sent.
      async logs(query) {
        return c.logs(selectLogs(query, l.head().number))
      },
      async transaction(h) {
        return l.transaction(checkHash(h, 'hash'))
      },
      async receipt(h) {
        return l.receipt(checkHash(h, 'hash'))
      },
      async pendingTransactions() {
        return l.pendingTransactions()
      },
      async pendingCalls(to, from) {
        const calls = callsFilter(to, from)
        return (await l.pendingTransactions()).filter(calls)
      },
      async tokenHoldings(h) {
        return (await l.tokenHoldings(checkAddress(h, 'holder'))).value
      },
      async tokens() {
        return l.tokens()
      },
      // Run against the anchor header's state, each key it reads proven (`withState`).
      async call(request) {
        const params = init.genesis.params
        const env = nextBlockEnv(params, c.headers.head.header, init.now(), init.coinbase)
        return (await c.withState((state) => runCall(state, request, env, params))).value
      },
      async mode() {
        return { kind: 'light' }
      },
      async account(a) {
        const address = checkAddress(a, 'address')
        const { value } = await c.account(address)
        return { address, balance: value.balance, nonce: value.nonce }
      },
      async tokenBalance(token, holder) {
        return (await c.tokenBalance(checkAddress(token, 'token'), checkAddress(holder, 'holder'))).value
      },
      async tokenAllowance(token, owner, spender) {
        const r = await c.tokenAllowance(
          checkAddress(token, 'token'),
          checkAddress(owner, 'owner'),
          checkAddress(spender, 'spender'),
        )
        return r.value
      },
      async token(t) {
        const { value } = await c.token(checkAddress(t, 'token'))
        return value === null
          ? null
          : {
              address: value.address,
              name: value.name,
              symbol: value.symbol,
              decimals: value.decimals,
              totalSupply: value.totalSupply,
              owner: value.owner,
            }
      },
      async pendingNonce(a) {
        return l.pendingNonce(checkAddress(a, 'address'))
      },
      async fees() {
        // A light node holds no pool to read a busier one's floor from: the default tip.
        return { nextBaseFee: l.nextBaseFee(), suggestedTip: MIN_SUGGESTED_TIP }
      },
      async mining() {
        return { ...chain.mining(), enabled: false }
      },
      async setMining(on) {
        if (on !== false) throw unsupported('setMining')
        return { ...chain.mining(), enabled: false }
      },
      // A light-only node does not mine; it takes the address all the same (the page need not know its mode).
      async setCoinbase(address) {
        return { ...chain.setCoinbase(checkAddress(address, 'address')), enabled: false }
      },
      async sendRawTransaction(raw) {
        if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]*$/.test(raw))
          throw badParams('raw must be 0x-prefixed hex')
        return l.submitTransaction(raw as Hex)
      },
      async syncing() {
        return c.status
      },
      // Its header sync's wait (a light node's syncer fetches no blocks).
      async syncWait() {
        return c.wait
      },
      async chainSplit() {
        return c.splits.best()
      },
      // Its header chain follows the split's heavier headers (it holds no blocks of its own).
      async followSplit(ancestor) {
        await followSplit(checkHash(ancestor, 'ancestor'), {
          split: () => c.splits.best(),
          headHash: () => c.headers.head.hash,
          isCanonical: (hash) => c.headers.isCanonical(hash),
          allowDeepReorg: (a) => c.headers.allowDeepReorg(a),
          syncFrom: (peerId) => {
            c.retry(peerId)
            return c.idle()
          },
        })
        return l.head()
      },
      async stats() {
        return {
          blocksMined: 0,
          blocksFromGossip: 0,
          blocksAnnounced: 0,
          blocksFromAnnouncements: 0,
          blocksUnsent: 0,
          blocksFetchedBySync: 0,
          blocksFromSnapshot: 0,
          snapshotNodes: 0,
          snapshotNodesFetched: 0,
          syncRuns: 0,
          ...c.board.counters,
          pendingTxs: 0,
          headersVerified: c.counters.headersVerified,
          proofsLocal: c.counters.proofsLocal,
        }
      },
      async verifiedAccount(a) {
        const address = checkAddress(a, 'address')
        const r = await c.account(address)
        return { ...r, value: { address, balance: r.value.balance, nonce: r.value.nonce } }
      },
      async verifiedTokenBalance(token, holder) {
        return c.tokenBalance(checkAddress(token, 'token'), checkAddress(holder, 'holder'))
      },
      async verifiedTokenAllowance(token, owner, spender) {
        return c.tokenAllowance(
          checkAddress(token, 'token'),
          checkAddress(owner, 'owner'),
          checkAddress(spender, 'spender'),
        )
      },
      async verifiedToken(t) {
        return c.token(checkAddress(t, 'token'))
      },
      async verifiedTokenHoldings(h) {
        return l.tokenHoldings(checkAddress(h, 'holder'))
      },
      async verifiedHtlc(id) {
        return c.htlc(checkHash(id, 'id'))
      },
      async verifiedTransaction(h) {
        return c.transaction(checkHash(h, 'hash'))
      },
    }
  }
  /**
   * `auto`: the logs of the blocks this node executed, and through the light client (receipts proven
   * against the verified headers) those below the executed chain's base: a snapshot upgrade executed
   * none of them, and a swap accepted before it reads its logs from there.
   */
  const executedLogs =
    (l: LightService, viaLight: NodeApi) =>
    async (query: LogQuery): Promise<LogRecord[]> => {
      try {
        return await fullApi.logs(query)
      } catch (err) {
        if (!(err instanceof NodeError) || err.type.code !== 'NODE_HISTORY_MISSING') throw err
        // The snapshot's base block is held without its receipts: its logs come through proofs too.
        const { base } = err.type
        const head = chain.head().number
        const from = query.fromBlock ?? head
        const to = query.toBlock ?? head
        // Only the blocks up to the base are a snapshot's gap: one missing above it is not.
        if (from > base) throw err
        // The range below the base through proofs, the rest from the blocks held. The headers must
        // reach the top of the proven part: past their head the light client answers no logs, not
        // missing ones.
        let proven = to
        if (proven > base) proven = base
        if (l.head().number < proven) throw err
        const below = await viaLight.logs({ ...query, fromBlock: from, toBlock: proven })
        if (to === proven) return below
        return [...below, ...(await fullApi.logs({ ...query, fromBlock: base + 1n, toBlock: to }))]
      }
    }
  /**
   * `auto`: the full node, but while its chain is behind the verified headers (joining, upgrading), the
   * head, state reads (token holdings too) and submissions go through the light client, so the wallet
   * shows proven data from the first seconds; the switch back is per call, so nothing stops in between. Block, log and explorer
   * queries answer from the blocks this node executed (logs below a snapshot's base through proofs),
   * but an address's transactions, while behind, as a full peer lists them, each proven; a transaction
   * or receipt not found mined there, while behind, through proofs too.
   */
  const autoApi = (viaLight: NodeApi, executed: NodeApi, l: LightService): NodeApi => {
    const pick = (): NodeApi => (behind() ? viaLight : fullApi)
    /**
     * Whether `h` is one of this node's own transactions that its light mode saw mined, final, in a block
     * at or below the executed chain's base: a snapshot upgrade executed none of those blocks, so only
     * the header kept for it (`LIGHT_OWN_TXS_KEY`) can prove it.
     */
    const ownBelowBase = async (h: Hex): Promise<boolean> => {
      const block = await l.ownFinalBlock(h)
      return block !== undefined && block.header.number <= chain.chain.base
    }
    return {
      ...executed,
      head: () => pick().head(),
      account: (a) => pick().account(a),
      tokenBalance: (t, h) => pick().tokenBalance(t, h),
      tokenAllowance: (t, o, sp) => pick().tokenAllowance(t, o, sp),
      token: (t) => pick().token(t),
      pendingNonce: (a) => pick().pendingNonce(a),
      fees: () => pick().fees(),
      // Through the light client only gossiped: journaled too, so a tab closed before it is mined sends it
      // again when it opens (its own pool takes it once the executed chain has caught up).
      async sendRawTransaction(raw) {
        if (!behind()) return fullApi.sendRawTransaction(raw)
        const hash = await viaLight.sendRawTransaction(raw)
        await chain.journalTransaction(raw as Hex)
        return hash
      },
      // Executed first; one the executed chain does not hold mined may be in a block past its head, under
      // the verified headers (the nonce read there has passed it): proven there while behind, so a
      // transaction sent through the light client reads mined, not unknown or dropped.
      // Once caught up, one of its own mined below a snapshot's base is proven against the header kept
      // for it (marked so): the executed chain holds no block there, and it read as unknown.
      async transaction(h) {
        const found = await executed.transaction(h)
        if (found?.state === 'mined') return found
        const below = !behind()
        if (below && !(await ownBelowBase(h))) return found
        const proven = await viaLight.transaction(h).catch((err: unknown) => {
          // The pool's view still says "sent, not proven mined"; no view at all cannot say unknown.
          if (found === null) throw err
          return null
        })
        if (proven?.state !== 'mined') return found ?? proven
        return below ? { ...proven, provenBelowBase: true } : proven
      },
      async receipt(h) {
        const found = await executed.receipt(h)
        if (found !== null) return found
        if (behind()) return viaLight.receipt(h)
        if (!(await ownBelowBase(h))) return null
        const proven = await viaLight.receipt(h)
        return proven === null ? null : { ...proven, provenBelowBase: true }
      },
      // While behind, a full peer's list, each one proven (the executed chain's index lacks the blocks past
      // its head, and mid-upgrade all those below the snapshot's base): what the screens say of it.
      addressTransactions: (a, n) => pick().addressTransactions(a, n),
      // While behind, proven at the anchor as `verifiedTokenHoldings` (the executed chain's balances are an
      // old block's, and a token received past its head is missing): the Market's token list reads it.
      tokenHoldings: (h) => pick().tokenHoldings(h),
      // While behind, the executed chain's tokens and those the verified headers' logs name, proven (a
      // token created past the executed head was missing from the Market's list and the token names);
      // with no peer to prove them, the executed chain's alone, as before.
      async tokens() {
        if (!behind()) return fullApi.tokens()
        const own = await executed.tokens()
        const proven = await viaLight.tokens().catch((err: unknown) => {
          if (err instanceof LightError) return []
          throw err
        })
        const fresh = new Map(proven.map((t) => [t.address, t]))
        const mine = new Set(own.map((t) => t.address))
        return [...own.map((t) => fresh.get(t.address) ?? t), ...proven.filter((t) => !mine.has(t.address))]
      },
      verifiedAccount: (a) => pick().verifiedAccount(a),
      verifiedTokenBalance: (t, h) => pick().verifiedTokenBalance(t, h),
      verifiedTokenAllowance: (t, o, sp) => pick().verifiedTokenAllowance(t, o, sp),
      verifiedToken: (t) => pick().verifiedToken(t),
      verifiedTokenHoldings: (h) => pick().verifiedTokenHoldings(h),
      verifiedHtlc: (id) => pick().verifiedHtlc(id),
      verifiedTransaction: (h) => pick().verifiedTransaction(h),
      async mode() {
        return currentMode()
      },
    }
  }
  const viaLight = light === null ? null : lightApi(light)
  /** `auto`: the executed chain alone (`autoApi` without the switch to the light client). */
  const executedApi: NodeApi | null =
    viaLight === null || pin === 'light'
      ? null
      : { ...fullApi, logs: executedLogs(light as LightService, viaLight) }
  const api =
    viaLight === null
      ? fullApi
      : executedApi === null
        ? viaLight
        : autoApi(viaLight, executedApi, light as LightService)
  /**
   * The chain a swap step reads and sends through, one source for the whole step: in `auto`, the light
   * client while the executed chain is behind the verified headers, else the executed chain. A step that
   * took the head and nonce from the headers but the logs and transactions from blocks many behind them
   * saw its own mined lock nowhere, took it for lost and signed another under the same hashlock.
   */
  const swapChain = (): SwapChain => {
    if (viaLight === null || executedApi === null) return api
    return behind() ? viaLight : executedApi
  }

  /**
   * Whether the node's start is done. Until then a change of the network view is only kept (the last
   * one is taken at the end of the start): a peer joining starts header sync, block sync or a snapshot
   * download, whose database writes queued ahead of the start's own reads (the offers and swaps it
   * restores) and held the node — and the page — back for as long as the download ran.
   */
  let started = false
  let earlyView: NetworkSnapshot | null = null

  const sink: NetworkSink = {
    async gossip(topic, data, from): Promise<GossipVerdict> {
      const chainVerdict =
        light !== null && pin === 'light' ? light.gossip(topic, data, from) : chain.gossip(topic, data, from)
      if (chainVerdict !== null) return chainVerdict
      const offersVerdict = await offers.gossip(topic, data, from)
      if (offersVerdict !== null) return offersVerdict
      if (topic !== statusTopic) return 'ignore'
      // A dropped peer's beacons are refused unread, as its blocks, transactions and offers are.
      if (chain.syncer.isBanned(from)) return 'reject'
      let received: Beacon
      try {
        received = decodeBeacon(data)
      } catch {
        chain.penalize(from, 'garbage')
        return 'reject'
      }
      return record(from, received) === null ? 'ignore' : 'accept'
    },
    async request(protocol, data, from) {
      const answer = pin === 'light' ? null : chain.answer(protocol, data, from)
      if (answer !== null) return answer
      const offersAnswer = await offers.answer(protocol, data, from)
      if (offersAnswer !== null) return offersAnswer
      if (protocol !== statusProtocol)
        throw new NodeError({ code: 'NODE_NO_HANDLER', protocol }, `this node does not serve ${protocol}`)
      if (data.byteLength !== 0)
        throw new NodeError(
          { code: 'NODE_BAD_REQUEST', protocol, reason: 'status takes no body' },
          `the request on ${protocol} is refused: status takes no body`,
        )
      return encodeBeacon(beacon())
    },
    async networkChanged(snapshot) {
      if (!started) {
        earlyView = snapshot
        return
      }
      const before = new Map(network?.peers.map((p) => [p.peerId, p]))
      const joined = snapshot.peers.filter(
        (p) => p.kind === 'direct' && before.get(p.peerId)?.kind !== 'direct',
      )
      // A direct peer whose gossip subscriptions just reached us: a block gossiped before its
      // subscriptions reached the other side missed it (and it may have missed ours) — ask again.
      const subscribed = snapshot.peers.flatMap((p) => {
        const was = before.get(p.peerId)
        if (p.kind !== 'direct' || was?.kind !== 'direct') return []
        const gained = (p.topics ?? []).filter((t) => !(was.topics ?? []).includes(t))
        return gained.length === 0 ? [] : [{ peerId: p.peerId, gained }]
      })
      network = snapshot
      const present = new Set(snapshot.peers.map((p) => p.peerId))
      for (const id of peers.keys()) {
        if (present.has(id)) continue
        peers.delete(id)
        chain.forgetPeer(id)
        light?.forgetPeer(id)
      }
      init.emit('status', status())
      // A new direct peer: ask it for its status at once (request/response needs no gossip mesh, which
      // takes a heartbeat to form) — catching up if it is ahead — and tell everyone ours.
      for (const p of joined) void askStatus(p.peerId)
      for (const p of subscribed) void api.queryPeer(p.peerId).catch(() => {})
      // When the light client comes first, it asks a new peer for headers at once, beside the status
      // request: the answer says the peer's head, a round trip sooner.
      if (light !== null && lightFirst()) for (const p of joined) light.peerJoined(p.peerId)
      // A swap whose step failed for want of a peer (a light start) is read again through this one.
      if (joined.length > 0) void swapService.then((s) => s.onPeer())
      // Neither the offers book nor the mempool is in the chain: a new peer hands over its open
      // offers and its pending transactions (one gossiped while the link was down would sit unseen).
      for (const p of joined) {
        void offers.peerJoined(p.peerId).catch(() => {})
        if (pin !== 'light') void chain.peerJoined(p.peerId).catch(() => {})
      }
      // …and so does a linked peer whose subscription to those topics just reached us (again): what we
      // gossiped while we did not know it subscribed (its gossip stream was being restored) went to
      // nobody, and what it gossiped may have missed us, so each side's is asked for once more.
      for (const { peerId, gained } of subscribed) {
        if (gained.includes(offersTopic)) void offers.peerJoined(peerId).catch(() => {})
        if (gained.includes(txsTopic) && pin !== 'light') void chain.peerJoined(peerId).catch(() => {})
      }
      if (joined.length > 0 || subscribed.length > 0) await api.announce().catch(() => {})
    },
  }

  return {
    api,
    sink,
    async start() {
      // The status beacons' wiring goes to the page beside the rest of the start (a round trip each).
      const statusWired = Promise.all([
        init.network.subscribe(statusTopic),
        init.network.handle(statusProtocol),
      ])
      // Awaited below; a start that fails before then reports its own error, not this one.
      statusWired.catch(() => {})
      // The offers start beside the chain (neither needs the other): each waits on its network wiring.
      const offersStarted = offers.start()
      offersReady = offersStarted.catch(() => {})
      if (light === null || pin !== 'light') {
        await chain.start()
        refreshMode()
      } else {
        await light.start()
        init.emit('head', {
          ...light.head(),
          movedAt: performance.timeOrigin + performance.now(),
          arrivedAt: null,
        })
        init.emit('mode', { kind: 'light' })
      }
      startupMark('node-chain-started')
      await offersStarted
      startupMark('node-offers-started')
      // Every unfinished swap resumes from its records and the chain (no timers survive a reload).
      await (await swapService).start()
      startupMark('node-swaps-started')
      await statusWired
      init.emit('status', status())
      started = true
      if (earlyView !== null) await sink.networkChanged(earlyView)
      // Mining starts once the node is up: on a chain whose blocks are cheap to mine, each block's
      // writes queued ahead of the start's own database reads (the swaps' records) and held the start
      // — and the page's node — back for minutes (a 3,000-account genesis, difficulty 2).
      if (init.mine && (light === null || pin !== 'light')) chain.setMining(true)
      sharer?.noteHead()
    },
    stop() {
      stopped = true
      chain.stop()
      light?.stop()
      sharer?.stop()
    },
    syncer: chain.syncer,
    upgraded: () => chain.upgraded(),
    shareHeaders: async () => sharer?.flush(),
    light,
  }
}
