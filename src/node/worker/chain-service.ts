import type { Address, Hex } from 'viem'
import { decodeBlock, hashBlock } from '../chain/block'
import { BlockError, blockVerdict } from '../chain/block-error'
import { Chain, type HeadChange, type ImportResult } from '../chain/chain'
import type { ChainStore, StoredBlock } from '../chain/chain-store'
import { FutureBlocks } from '../chain/future-blocks'
import { decodeHeader, hashHeader } from '../chain/header'
import { parseTx } from '../chain/tx'
import type { Block, Genesis, Header, Tx } from '../chain/types'
import { fromHex, toHex } from '../codec/bytes'
import { isPossibleDifficulty } from '../consensus/difficulty'
import { buildBlockTemplate, mineSlice, sealBlock } from '../consensus/miner'
import { checkPow } from '../consensus/pow'
import { validateBody, validateHeader, validateSize } from '../consensus/validate'
import type { ModePin, NodeMode } from '../light/mode'
import { MempoolError } from '../mempool/errors'
import { LOCAL_TXS_META, storedJournal, TxJournal } from '../mempool/journal'
import { MAX_TOTAL, Mempool } from '../mempool/mempool'
import type { GossipVerdict, NetworkApi } from '../network/bridge'
import { chainTopic } from '../network/protocol'
import type { Remote } from '../rpc/protocol'
import {
  DEFAULT_UPGRADE_CONFIG,
  type UpgradeConfig,
  upgradeFromSnapshot,
  upgradeSource,
  type VerifiedHeaders,
} from '../snapshot/upgrade'
import { createMemoryBackend, openMemoryRepository } from '../storage/memory-repository'
import type { NodeRepository } from '../storage/types'
import { blockGossip } from '../sync/block-gossip'
import type { CheckpointConflict } from '../sync/checkpoint-conflict'
import { SyncError } from '../sync/errors'
import { decodeOffence, type Offence } from '../sync/peer-scores'
import { decodePoolResponse } from '../sync/pool-messages'
import { type ChainSplit, followSplit } from '../sync/splits'
import { createSyncServer, syncProtocols } from '../sync/sync-server'
import { type SyncConfig, Syncer, type SyncStatus, type SyncWait } from '../sync/syncer'
import { ActivityIndex } from './activity-index'

/** The chain's head as the UI shows it. */
export interface HeadInfo {
  readonly number: bigint
  readonly hash: Hex
  readonly timestamp: bigint
  readonly difficulty: bigint
  readonly totalDifficulty: bigint
  /** Transactions in the head block; null on a light node, which holds headers only. */
  readonly txCount: number | null
}

/** A `head` event: the new head, with when it moved and when the block that moved it arrived. */
export interface HeadEvent extends HeadInfo {
  /** When the head moved, ms since epoch with sub-ms precision (`performance.timeOrigin + now()`). */
  readonly movedAt: number
  /** Same clock: when the block arrived by gossip; null when it was mined here, fetched, or at start. */
  readonly arrivedAt: number | null
}

/** One block as the explorer lists it. */
export interface BlockSummary {
  readonly number: bigint
  readonly hash: Hex
  readonly parentHash: Hex
  /** ms since epoch. */
  readonly timestamp: bigint
  readonly miner: Address
  readonly difficulty: bigint
  readonly gasUsed: bigint
  readonly baseFeePerGas: bigint
  readonly stateRoot: Hex
  readonly transactionsRoot: Hex
  readonly receiptsRoot: Hex
  readonly logsBloom: Hex
  /** The proof-of-work nonce (< 2^64). */
  readonly nonce: bigint
  readonly transactions: readonly Hex[]
  readonly confirmations: bigint
}

/** A canonical block's header as lists show it: its number, hash and time (`NodeApi.header`). */
export interface HeaderSummary {
  readonly number: bigint
  readonly hash: Hex
  /** ms since epoch. */
  readonly timestamp: bigint
}

/** A block's summary from its header (hashing to `hash`), its transaction hashes and its confirmations. */
export function blockSummary(
  h: Header,
  hash: Hex,
  transactions: readonly Hex[],
  confirmations: bigint,
): BlockSummary {
  return {
    number: h.number,
    hash,
    parentHash: h.parentHash,
    timestamp: h.timestamp,
    miner: h.miner,
    difficulty: h.difficulty,
    gasUsed: h.gasUsed,
    baseFeePerGas: h.baseFeePerGas,
    stateRoot: h.stateRoot,
    transactionsRoot: h.transactionsRoot,
    receiptsRoot: h.receiptsRoot,
    logsBloom: h.logsBloom,
    nonce: h.nonce,
    transactions,
    confirmations,
  }
}

export interface AccountInfo {
  readonly address: Address
  /** Native coin, in wei. */
  readonly balance: bigint
  readonly nonce: bigint
}

export interface MiningInfo {
  readonly enabled: boolean
  /** Hashes per second over the last few seconds, while mining. */
  readonly hashrate: number
  /** Share of wall time the miner may use (the rest is left to the tab). */
  readonly dutyCycle: number
  readonly coinbase: Address
}

/** What the node has done, for tests and the UI: where its blocks came from, how sync went. */
export interface ChainStats {
  /** Blocks this node mined. */
  readonly blocksMined: number
  /** Gossiped blocks imported (accepted). */
  readonly blocksFromGossip: number
  /**
   * Blocks this node mined that were too big to gossip whole (over `MAX_GOSSIP_BYTES`) and went out as
   * their header on the `big-blocks` topic, for peers to fetch (`blockGossip`).
   */
  readonly blocksAnnounced: number
  /** Blocks a peer announced by their header, fetched from it (or, it failing, another peer) and imported (accepted). */
  readonly blocksFromAnnouncements: number
  /** Blocks this node mined that the network refused to gossip (each one's reason is in the console). */
  readonly blocksUnsent: number
  /** Blocks fetched by sync and imported. */
  readonly blocksFetchedBySync: number
  /** Blocks executed on top of a downloaded state snapshot. */
  readonly blocksFromSnapshot: number
  /** State nodes of the snapshot download stored so far (resumed ones included); 0 when none ran. */
  readonly snapshotNodes: number
  /** Of those, the nodes this run of the node fetched and verified (a resumed download fetches the rest only). */
  readonly snapshotNodesFetched: number
  /** Sync runs started (a run ends when no peer is ahead). */
  readonly syncRuns: number
  /** Penalties given to peers for invalid data. */
  readonly penalties: number
  /** Peers disconnected and kept out for misbehaving. */
  readonly peersDropped: number
  /** Transactions waiting in this node's mempool (a light node keeps none). */
  readonly pendingTxs: number
}

export interface ChainServiceInit {
  readonly genesis: Genesis
  /** Where blocks and state are kept (IndexedDB in the app); in memory when absent. */
  readonly store?: ChainStore
  readonly network: Remote<NetworkApi>
  readonly now: () => number
  /** The address that receives this node's block rewards, until `setCoinbase` names another. */
  readonly coinbase: Address
  readonly onHead: (head: HeadEvent, change: HeadChange | null) => void
  readonly onMining: (info: MiningInfo) => void
  /** A transaction entered the mempool (submitted here or gossiped). */
  readonly onPendingTx?: (tx: Tx) => void
  /** Sync started, progressed or ended (`eth_syncing` shape). */
  readonly onSyncing: (status: SyncStatus) => void
  /** The peer the node waits on to sync changed (null: none; `Syncer`'s `onWait`). */
  readonly onSyncWait?: (wait: SyncWait | null) => void
  /** A peer's heavier chain was found to fork off ours past the reorg limit, or no longer (null). */
  readonly onSplit?: (split: ChainSplit | null) => void
  /**
   * A peer's heavier chain met none of the blocks held down to a snapshot's base (`Syncer`'s
   * `onCheckpointConflict`).
   */
  readonly onCheckpointConflict?: (conflict: CheckpointConflict) => void
  /** Overrides of the sync client's limits and timings (tests). */
  readonly sync?: Partial<SyncConfig>
  /** Fraction of time spent hashing while mining (0 < d ≤ 1). */
  readonly dutyCycle?: number
  /** Clock of `HeadEvent` times; defaults to `performance.timeOrigin + performance.now()`. */
  readonly preciseNow?: () => number
  /**
   * The profile's repository, where a snapshot download keeps its verified nodes and progress (so a
   * reload resumes it); a memory one when absent.
   */
  readonly repo?: NodeRepository
  /** `auto` (default) upgrades from a snapshot when far behind; `full` always replays; `light` never executes. */
  readonly modePin?: ModePin
  /** The mode changed (`light` / `upgrading n %` / `full`). */
  readonly onMode?: (mode: NodeMode) => void
  /** Overrides of the snapshot upgrade's thresholds (tests, bench). */
  readonly upgrade?: Partial<UpgradeConfig>
  /**
   * The light client's verified header chain, which a snapshot upgrade takes its block and total
   * difficulty from; without it an `auto` node replays like a `full` one.
   */
  readonly verifiedHeaders?: VerifiedHeaders
  /** A gossiped block was not rejected: its header, and who sent it (the `auto` node's light client follows it). */
  readonly onGossipHeader?: (header: Header, from: string) => void
  /**
   * A snapshot upgrade replaced the chain: the blocks that left it and that the new chain does not hold
   * (newest first). No head event tells it: the blocks imported on the snapshot block only extend it.
   */
  readonly onReplaced?: (removed: readonly Hex[]) => void
}

/** Failed snapshot upgrades after which the node falls back to replaying the chain from genesis. */
const MAX_UPGRADE_FAILURES = 3
/** While an upgrade runs, the miner looks again this often. */
const MINING_WAIT_MS = 500

/** Proof of work runs in slices of this many ms; between slices the worker answers messages. */
const SLICE_MS = 40
/**
 * A template is rebuilt when transactions arrived and it is older than this many times what building
 * it took, and at the latest once it is older than `TEMPLATE_MAX_AGE_MS`: a cheap template (a few
 * transactions) takes new ones at once — a swap's lock sent just after a head is in the next block
 * rather than the one after — while under a flood rebuilding spends at most a bounded share of the
 * miner's time.
 */
const TEMPLATE_REBUILD_COST_FACTOR = 10
const TEMPLATE_MAX_AGE_MS = 500

/**
 * Peers asked, one after another, for an announced block its announcer fails to serve (`Syncer.holders`):
 * enough to get past a liar or two in front of the miner, few enough that an announcement costs a
 * bounded number of requests.
 */
const MAX_HOLDERS_ASKED = 3

/**
 * How long the last peer asked for an announced block has to serve it before the next is asked too, ms
 * (its request goes on: a slow peer still counts, and pays nothing for being slow). A peer that takes the
 * request and never answers would otherwise hold the block for the whole request timeout (10 s) — up to
 * 40 s past three such holders — while honest ones had it all along. The target block interval: a block
 * not here by then is a block behind.
 */
const NEXT_HOLDER_AFTER_MS = 2_000

/**
 * What asking one peer for an announced block came to (`fetchAndImport`): the verdict, `settled` once
 * the block itself was judged.
 */
interface FetchOutcome {
  readonly verdict: GossipVerdict
  readonly settled: boolean
}

/**
 * Whether `block`'s body is the one its header commits to (size and transactions root): a block that
 * holds this and is still invalid is invalid whoever serves it; one that does not is a forged body.
 */
function committed(block: Block): boolean {
  try {
    validateSize(block)
    validateBody(block)
    return true
  } catch (err) {
    if (!(err instanceof BlockError)) throw err
    return false
  }
}

/** How long a new peer has to hand over its pending transactions. */
const POOL_TIMEOUT_MS = 10_000

/** Gossip verdict for a refused transaction: invalid on its own → reject; refused for our state → ignore. */
function txVerdict(err: MempoolError): GossipVerdict {
  switch (err.type.code) {
    case 'MEMPOOL_TX_TOO_LARGE':
    case 'MEMPOOL_MALFORMED':
    case 'MEMPOOL_INVALID_TX':
    case 'MEMPOOL_WRONG_CHAIN':
    case 'MEMPOOL_BAD_SIGNATURE':
    case 'MEMPOOL_TIP_ABOVE_FEE':
    case 'MEMPOOL_BAD_GAS':
      return 'reject'
    default:
      return 'ignore'
  }
}

/**
 * The chain in the worker: imports gossiped blocks and transactions, mines in duty-cycled slices, and
 * syncs by range (src/node/sync) from peers that are ahead or sent a block whose parent we lack; it
 * serves the same sync protocols to others. Blocks and state go to `store` (IndexedDB
 * in the app, through PersistentChainStore), so a reload resumes from the stored head.
 */
export function createChainService(init: ChainServiceInit) {
  const chain = new Chain(
    init.store === undefined ? { genesis: init.genesis } : { genesis: init.genesis, store: init.store },
  )
  const mempool = new Mempool({ params: chain.params, senders: chain.senders }, chain.mempoolView())
  const chainId = chain.params.chainId
  const blocksTopic = chainTopic(chainId, 'blocks')
  const bigBlocksTopic = chainTopic(chainId, 'big-blocks')
  /** Announced blocks being fetched, as `${peer} ${hash}` (`announced`). */
  const fetching = new Set<string>()
  const txsTopic = chainTopic(chainId, 'txs')
  const dutyCycle = Math.min(1, Math.max(0.05, init.dutyCycle ?? 0.5))
  const preciseNow = init.preciseNow ?? (() => performance.timeOrigin + performance.now())
  /**
   * Blocks dated ahead of our clock, with the peer they came from by gossip or sync (to fetch their
   * ancestors later, and to penalise it for one found invalid when due).
   */
  const held = new FutureBlocks()
  /** Set while blocks are held: fires when the earliest is due (a miner also retries on every slice). */
  let heldTimer: ReturnType<typeof setTimeout> | undefined

  let mining = false
  /** Where this node's blocks pay their reward: the page names its account (`setCoinbase`). */
  let coinbase = init.coinbase
  let timer: ReturnType<typeof setTimeout> | undefined
  let template: { block: Block; parent: Hex; builtAt: number; buildMs: number; next: bigint } | undefined
  let mempoolDirty = false
  /** This node's own submissions, stored until mined and final (see `TxJournal`). */
  const journal = new TxJournal()
  let journalWrite: Promise<void> = Promise.resolve()
  /** Stores the journal as it is now, after the writes before; in memory only without a repository. */
  const saveJournal = (): Promise<void> => {
    const repo = init.repo
    if (repo === undefined) return Promise.resolve()
    const put = () => repo.putMeta(LOCAL_TXS_META, journal.raws())
    journalWrite = journalWrite.then(put, put)
    return journalWrite
  }
  /** Puts `raws` back in the pool, those it takes now (others are skipped), and out to peers again. */
  const readmit = (raws: Iterable<Hex>): void => {
    for (const raw of raws) {
      try {
        mempool.add(raw)
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err
        continue
      }
      mempoolDirty = true
      init.network.publish(txsTopic, fromHex(raw)).catch(() => {})
    }
  }
  /**
   * Journaled transactions the pool no longer holds (evicted: outbid, or above the sender's nonce window
   * after a reorg) go back in when the pool takes them now, and out to peers again.
   */
  const readmitJournal = (): void => readmit(journal.missing((hash) => mempool.has(hash)))
  /**
   * Submits the stored journal to the pool again (a reload). One whose nonce the head has passed (mined,
   * or replaced) stays as passed until that is final; one the head's state cannot take yet (a nonce past
   * the window or behind a gap, funds not there) stays waiting; one the pool refuses for another reason leaves the journal.
   */
  const restoreJournal = async (): Promise<void> => {
    const raws = storedJournal(await init.repo?.getMeta<unknown>(LOCAL_TXS_META))
    for (const raw of raws) {
      try {
        journal.add(mempool.add(raw))
        mempoolDirty = true
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err
        // Gossiped back to us meanwhile: still ours.
        if (err.type.code === 'MEMPOOL_KNOWN') {
          const known = mempool.get(err.type.hash)
          if (known !== undefined) journal.add(known)
        }
        if (err.type.code === 'MEMPOOL_NONCE_TOO_LOW')
          journal.add(parseTx(raw, chain.params), chain.head.block.header.number)
        // Refused for this chain's state, which may be behind the one it was sent on (an `auto` node's
        // wallet sends through its light client meanwhile), or behind a nonce gap the pool has no more
        // room for: it waits for a head that lets it in.
        if (
          err.type.code === 'MEMPOOL_NONCE_TOO_HIGH' ||
          err.type.code === 'MEMPOOL_NONCE_GAP' ||
          err.type.code === 'MEMPOOL_INSUFFICIENT_FUNDS'
        )
          journal.add(parseTx(raw, chain.params))
      }
    }
    if (journal.raws().length !== raws.length) await saveJournal()
  }
  let hashWindow: { at: number; hashes: number }[] = []
  const counts = {
    blocksMined: 0,
    blocksFromGossip: 0,
    blocksAnnounced: 0,
    blocksFromAnnouncements: 0,
    blocksUnsent: 0,
    blocksFromSnapshot: 0,
    snapshotNodes: 0,
    snapshotNodesFetched: 0,
  }
  const pin: ModePin = init.modePin ?? 'auto'
  const upgradeConfig = { ...DEFAULT_UPGRADE_CONFIG, ...init.upgrade }
  let mode: NodeMode = pin === 'light' ? { kind: 'light' } : { kind: 'full' }
  let upgrading: Promise<void> | null = null
  let upgradeFailures = 0
  /** Peers an upgrade attempt of this run failed with: the next attempt asks another (`upgradeSource`). */
  const upgradeFailedWith = new Set<string>()
  let upgradeRetry: ReturnType<typeof setTimeout> | undefined
  /**
   * The head each peer seen announced last (beacons, status answers), lower or higher than before: snapshot
   * chunks are asked of them, and an upgrade's source is chosen among them (`upgradeSource`).
   */
  const knownPeers = new Map<string, bigint>()

  /** The transactions touching each address: the node's `addressTransactions`, and what it serves light nodes. */
  const activity = new ActivityIndex(chain, { senders: true })
  const server = createSyncServer({
    chain,
    now: init.now,
    pendingTxs: () => mempool.all().map((tx) => fromHex(tx.raw)),
    // Only a whole chain lists whole: not while it reads through its light client or upgrades, nor from a
    // snapshot's base or while a reopened store still loads older blocks (`Chain.base` above 0 then). A
    // light client of `sync-activity` 3 proves a lock's payee with the lock record; one of version 2 checks
    // each row from the transaction and its receipt alone, so it is not served those rows
    // (`provableTransactions`).
    activity: (address, limit, payouts) =>
      mode.kind !== 'full' || chain.base !== 0n
        ? undefined
        : payouts
          ? activity.transactions(address, limit)
          : activity.provableTransactions(address, limit),
  })
  const poolProtocol = syncProtocols(chainId).pool
  const syncer = new Syncer({
    chain,
    request: (peer, protocol, data, timeoutMs) => init.network.request(peer, protocol, data, timeoutMs),
    disconnect: (peer, reason, banMs) => init.network.disconnect(peer, reason, banMs),
    importBlock: (block, from) => importBlock(block, from, null, 'sync'),
    now: init.now,
    onStatus: init.onSyncing,
    ...(init.onSyncWait === undefined ? {} : { onWait: init.onSyncWait }),
    ...(init.onSplit === undefined ? {} : { onSplit: init.onSplit }),
    ...(init.onCheckpointConflict === undefined ? {} : { onCheckpointConflict: init.onCheckpointConflict }),
    ...(init.sync === undefined ? {} : { config: init.sync }),
  })

  // A node pinned light executes nothing: the light client (headers and proofs) serves its views.
  if (pin === 'light') syncer.hold(true)

  const setMode = (next: NodeMode): void => {
    if (
      next.kind === mode.kind &&
      (next.kind !== 'upgrading' ||
        mode.kind !== 'upgrading' ||
        Math.floor(next.percent) === Math.floor(mode.percent))
    )
      return
    mode = next
    init.onMode?.(mode)
  }

  let repo: Promise<NodeRepository> | undefined
  const upgradeRepo = (): Promise<NodeRepository> => {
    repo ??=
      init.repo !== undefined
        ? Promise.resolve(init.repo)
        : openMemoryRepository({
            backend: createMemoryBackend(),
            chain: { chainId: chain.params.chainId, genesisHash: chain.genesisHash },
          })
    return repo
  }

  /**
   * Upgrades from a snapshot instead of replaying when a peer is far ahead (more than the replay
   * threshold beyond our head). Mining pauses from the start. While the verified headers are checked
   * against the claim, only syncing towards peers that far ahead is held (the rest of the sync goes on: a
   * claim no header backs holds no sync); once they show the chain far behind, the ordinary sync is held
   * too, then sync and miner resume on the new head. Failures retry (the download resumes); after a few, the node replays
   * instead.
   */
  function maybeUpgrade(from: string, fromHead: bigint): void {
    const headers = init.verifiedHeaders
    if (
      pin !== 'auto' ||
      headers === undefined ||
      upgrading !== null ||
      upgradeFailures >= MAX_UPGRADE_FAILURES
    )
      return
    const minHead = chain.head.block.header.number + BigInt(upgradeConfig.replayBelow)
    if (fromHead <= minHead) return
    // A claim only starts the upgrade (the sync is held while the verified headers catch up); the peer the
    // blocks come from is chosen once they have, among those whose claims they back (`upgradeSource`): a
    // peer lying about its head is not asked while an honest one is there, so it cannot use up the attempts
    // and send the node back to a replay from genesis.
    let peer = from
    const pick = (verifiedHead: bigint): string => {
      // The claim it announced last, which may be lower by now.
      ;[peer] = upgradeSource(
        [from, knownPeers.get(from) ?? fromHead],
        knownPeers,
        upgradeFailedWith,
        (p) => syncer.isBanned(p),
        minHead,
        verifiedHead,
      )
      return peer
    }
    syncer.holdBeyond(BigInt(upgradeConfig.replayBelow))
    const fetchedBefore = counts.snapshotNodesFetched
    upgrading = (async () => {
      try {
        const outcome = await upgradeFromSnapshot(
          {
            chain,
            repo: await upgradeRepo(),
            request: (p, protocol, data, timeoutMs) => init.network.request(p, protocol, data, timeoutMs),
            peers: () => [...knownPeers.keys()].filter((p) => !syncer.isBanned(p)),
            penalize: (p, offence) => syncer.penalize(p, offence),
            // As a range-sync answer's: a block dated ahead is held with the peer that served it.
            importBlock: (block, from) => importBlock(block, from, null, 'sync'),
            headers,
            hold: () => syncer.hold(true),
            onMode: setMode,
            onSnapshot: (status) => {
              counts.snapshotNodes = status.nodes
              // Across retries within this run, each download call counts from its own start.
              counts.snapshotNodesFetched = fetchedBefore + status.fetched
            },
            // As a reorg's orphans: what the new chain has not mined goes back to the pool (the pool's
            // worth of the latest; a transaction of ours is journaled in any case).
            onReplaced: (txs, removed) => {
              readmit(txs.slice(-MAX_TOTAL))
              init.onReplaced?.(removed)
            },
            config: upgradeConfig,
          },
          pick,
        )
        if (outcome.kind === 'full') counts.blocksFromSnapshot += outcome.executed
        upgradeFailures = 0
        upgradeFailedWith.clear()
      } catch (err) {
        upgradeFailures++
        upgradeFailedWith.add(peer)
        console.warn(`snapshot upgrade failed (${upgradeFailures}/${MAX_UPGRADE_FAILURES})`, err)
      } finally {
        upgrading = null
      }
      // Retry (the download resumes) from the best peer not dropped (`upgradeSource` then prefers one the
      // attempts have not failed with), unless it worked, failed too often, or the snapshot block is
      // already the base of our chain (the ordinary sync takes it from there).
      if (upgradeFailures > 0 && upgradeFailures < MAX_UPGRADE_FAILURES && chain.base === 0n) {
        upgradeRetry = setTimeout(() => {
          const best = [...knownPeers]
            .filter(([p]) => !syncer.isBanned(p))
            .sort(([, a], [, b]) => (a > b ? -1 : 1))[0]
          if (best !== undefined) maybeUpgrade(best[0], best[1])
          // No peer far enough ahead is left (they left or were dropped): the ordinary sync resumes, and a
          // peer far ahead that comes later starts the upgrade again (`notePeerHead`).
          if (upgrading === null) releaseUpgrade()
        }, upgradeConfig.retryMs)
        return
      }
      releaseUpgrade()
    })()
  }

  /**
   * Ends an upgrade (done, given up, or no peer to retry with): the ordinary sync and the miner resume, and
   * the sync runs towards the peers still ahead (the claims it was told meanwhile).
   */
  function releaseUpgrade(): void {
    setMode({ kind: 'full' })
    syncer.hold(false)
    syncer.holdBeyond(null)
  }

  const headInfo = (): HeadInfo => {
    const head = chain.head
    return {
      number: head.block.header.number,
      hash: head.hash,
      timestamp: head.block.header.timestamp,
      difficulty: head.block.header.difficulty,
      totalDifficulty: head.totalDifficulty,
      txCount: head.block.transactions.length,
    }
  }

  const hashrate = (): number => {
    const now = init.now()
    hashWindow = hashWindow.filter((s) => now - s.at < 5_000)
    if (!mining || hashWindow.length === 0) return 0
    const total = hashWindow.reduce((sum, s) => sum + s.hashes, 0)
    return Math.round((total * 1000) / Math.max(1000, now - (hashWindow[0]?.at ?? now)))
  }

  const miningInfo = (): MiningInfo => ({
    enabled: mining,
    hashrate: hashrate(),
    dutyCycle,
    coinbase,
  })

  function followHead(change: HeadChange, arrivedAt: number | null): void {
    // A reorg's orphans go out to peers again: past a split they are news to the peers of the branch
    // that won (gossip drops a copy a peer has seen).
    for (const tx of mempool.onHead(chain.mempoolView(), change.mined, change.orphaned))
      init.network.publish(txsTopic, fromHex(tx.raw)).catch(() => {})
    mempoolDirty = true
    if (journal.prune(chain.mempoolView(), chain.head.block.header.number, chain.params.maxReorgDepth))
      saveJournal().catch(() => {})
    readmitJournal()
    template = undefined
    init.onHead({ ...headInfo(), movedAt: preciseNow(), arrivedAt }, change)
    syncer.checkSplit()
    syncer.checkWait()
  }

  /**
   * Imports a block from peer `from` (null: mined here, or nobody answers for it); returns the gossip
   * verdict. A block dated ahead is held with `from`, who pays if it is found invalid when due. A missing
   * parent makes the node sync from `from`, unless a sync run fetched it (`via: 'sync'`: that run goes on
   * by itself). `arrivedAt` (`preciseNow` clock) is set for a block that just arrived by gossip.
   */
  function importBlock(
    block: Block,
    from: string | null,
    arrivedAt: number | null = null,
    via: 'gossip' | 'sync' = 'gossip',
  ): GossipVerdict {
    let result: ImportResult
    try {
      result = chain.importBlock(block, BigInt(init.now()))
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      return err.type.code === 'BLOCK_FUTURE' ? hold(block, from) : blockVerdict(err)
    }
    // Orphans that connected too early: their sender is not known (`from` sent the block they waited for).
    for (const b of chain.takeDeferred()) hold(b, null)
    switch (result.kind) {
      case 'known':
        return 'ignore'
      case 'orphan':
        if (from !== null && via === 'gossip') syncer.noteGap(from, block.header.number)
        return 'ignore'
      case 'side':
        return 'accept'
      case 'extended':
      case 'reorg':
        followHead(result.head, arrivedAt)
        return 'accept'
    }
  }

  function scheduleMining(delayMs: number): void {
    clearTimeout(timer)
    if (mining) timer = setTimeout(mineSome, delayMs)
  }

  function currentTemplate(): NonNullable<typeof template> {
    const head = chain.head
    const now = init.now()
    const t = template
    if (
      t !== undefined &&
      t.parent === head.hash &&
      (!mempoolDirty ||
        now - t.builtAt < Math.min(TEMPLATE_MAX_AGE_MS, TEMPLATE_REBUILD_COST_FACTOR * t.buildMs))
    )
      return t
    const built = buildBlockTemplate({
      params: chain.params,
      parent: head.block.header,
      parentState: chain.headState,
      txs: mempool.pending(),
      now: BigInt(now),
      miner: coinbase,
    })
    mempoolDirty = false
    const fresh = {
      block: built.block,
      parent: head.hash,
      builtAt: now,
      buildMs: init.now() - now,
      next: BigInt(Math.floor(Math.random() * 2 ** 30)),
    }
    template = fresh
    return fresh
  }

  /** One duty-cycled slice of proof of work. */
  function mineSome(): void {
    if (!mining) return
    // Mining on a head a snapshot's may replace wastes the slice, and while the verified headers are
    // checked it would share this worker with the light client: a new tab's first verified read would
    // come later. Wait for the upgrade (a claim no header backs ends it as a replay, in one check).
    if (upgrading !== null) {
      scheduleMining(MINING_WAIT_MS)
      return
    }
    retryHeld()
    const t = currentTemplate()
    const started = init.now()
    // A template dated ahead of our clock (minimum block interval) waits for its time.
    if (t.block.header.timestamp > BigInt(started)) {
      scheduleMining(Number(t.block.header.timestamp - BigInt(started)))
      return
    }
    let hashes = 0
    while (init.now() - started < SLICE_MS) {
      const r = mineSlice(t.block.header, t.next, 2_000)
      if ('found' in r) {
        hashes += Number(r.found - t.next) + 1
        template = undefined
        const block = sealBlock(t.block, r.found)
        if (importBlock(block, null) === 'accept') counts.blocksMined++
        publishBlock(block)
        break
      }
      hashes += Number(r.next - t.next)
      t.next = r.next
    }
    const spent = init.now() - started
    hashWindow.push({ at: started, hashes })
    init.onMining(miningInfo())
    scheduleMining(Math.round((spent * (1 - dutyCycle)) / dutyCycle))
  }

  /**
   * Gossips a block this node mined: whole, or announced by its header when too big for a gossip message
   * (`blockGossip`). A refusal by the network is counted and told in the console, not dropped unseen: its
   * peers then learn of the block only by sync.
   */
  function publishBlock(block: Block): void {
    const { topic, data } = blockGossip(block, chainId)
    if (topic === bigBlocksTopic) counts.blocksAnnounced++
    init.network.publish(topic, data).catch((err: unknown) => {
      counts.blocksUnsent++
      console.warn(`block #${block.header.number} was not gossiped`, err)
    })
  }

  /**
   * Verdict on a block's announcement (its header, on the `big-blocks` topic) from `from`: a header that
   * holds against its parent (or, its parent unknown, carries its work: then sync fetches it with the
   * blocks between) is fetched from `from` (`Syncer.fetchAnnounced`), else from a few other peers
   * (`fetchAnnounced`), and imported as a gossiped block would be. A header that breaks a rule, and an
   * announcer that does not serve its block or serves another, or an invalid one, are penalised
   * (`reject`, unless another peer served the block: then the block's verdict); a block already held is
   * `ignore`d. The header of one not rejected goes to `onGossipHeader`, as a gossiped block's does.
   */
  async function announced(data: Uint8Array, from: string, arrivedAt: number): Promise<GossipVerdict> {
    let header: Header
    try {
      header = decodeHeader(data)
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      syncer.penalize(from, 'garbage')
      return 'reject'
    }
    const verdict = await fetchAnnounced(header, from, arrivedAt)
    if (verdict !== 'reject') init.onGossipHeader?.(header, from)
    return verdict
  }

  /** `announced` past the decoding: the header's checks, the fetch and the import. */
  async function fetchAnnounced(header: Header, from: string, arrivedAt: number): Promise<GossipVerdict> {
    const hash = hashHeader(header)
    if (chain.getBlock(hash) !== undefined) return 'ignore'
    const parent = chain.getBlock(header.parentHash)
    if (parent === undefined) {
      // As for a gossiped orphan (`Chain.importBlock`): its exact difficulty is unknown, but a header without
      // its own work is junk, and its height is not believed.
      if (!isPossibleDifficulty(chain.params, header.difficulty) || !checkPow(header)) {
        syncer.penalize(from, 'invalid-block')
        return 'reject'
      }
      syncer.noteGap(from, header.number)
      return 'ignore'
    }
    try {
      validateHeader(chain.params, header, parent.block.header, BigInt(init.now()), parent.hash)
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      // A block dated ahead is fetched all the same: the import holds it until its time.
      if (err.type.code !== 'BLOCK_FUTURE') {
        const verdict = blockVerdict(err)
        if (verdict === 'reject') syncer.penalize(from, 'invalid-block')
        return verdict
      }
    }
    // One fetch per peer and block at a time: the same header announced again by its sender (as a new
    // message) while its block is being fetched from it would only ask for it again.
    if (fetching.has(`${from} ${hash}`)) return 'ignore'
    return fetchFromHolders(from, hash, arrivedAt)
  }

  /**
   * Fetches the announced block `hash` from its announcer `from` and, should it not serve the block, from
   * up to `MAX_HOLDERS_ASKED` other peers that may hold it (`Syncer.holders`): the announcer may have only
   * passed an honest header on, ahead of the honest copies, which gossipsub then drops as duplicates
   * without asking us. The next peer is asked once the last one asked failed to serve the block, or has
   * not served it within `NEXT_HOLDER_AFTER_MS`; a request still running goes on to its end and is judged
   * as ever (a block served late is known by then and costs nothing; a wrong answer costs its penalty).
   * The first peer that serves the block (or an invalid block with the body its header commits to) makes
   * the verdict the block's: an accepted header goes on to our peers, for we now serve its block. When
   * none does, the verdict is the announcer's and the block is left to a later sync.
   */
  async function fetchFromHolders(from: string, hash: Hex, arrivedAt: number): Promise<GossipVerdict> {
    const running = new Map<string, Promise<{ readonly peer: string; readonly outcome: FetchOutcome }>>()
    const asked = new Set<string>()
    const ask = (peer: string, role: 'announcer' | 'holder'): void => {
      asked.add(peer)
      running.set(
        peer,
        fetchAndImport(peer, hash, arrivedAt, role).then((outcome) => ({ peer, outcome })),
      )
    }
    ask(from, 'announcer')
    let own: GossipVerdict = 'ignore'
    let holdersAsked = 0
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const slow =
        holdersAsked < MAX_HOLDERS_ASKED
          ? [
              new Promise<null>((resolve) => {
                timer = setTimeout(resolve, NEXT_HOLDER_AFTER_MS, null)
              }),
            ]
          : []
      const answer = await Promise.race([...running.values(), ...slow]).finally(() => clearTimeout(timer))
      if (answer !== null) {
        running.delete(answer.peer)
        if (answer.peer === from) own = answer.outcome.verdict
        if (answer.outcome.settled) return answer.outcome.verdict
      }
      if (chain.getBlock(hash) !== undefined) return 'ignore'
      if (holdersAsked < MAX_HOLDERS_ASKED) {
        const next = syncer.holders(from).find((p) => !asked.has(p) && !fetching.has(`${p} ${hash}`))
        if (next !== undefined) {
          holdersAsked++
          ask(next, 'holder')
        }
      }
      if (running.size === 0) return own
    }
  }

  /**
   * Asks `peer` for the announced block `hash` (`Syncer.fetchAnnounced`, as its announcer or as a peer
   * that may hold it) and imports what it serves; one that serves an invalid block pays for it. The
   * verdict, `settled` once the block itself was judged (imported, held, known, or invalid with the very
   * body its header commits to); not when the peer did not serve it (nothing, a failed request, another
   * block, a forged body): another peer may still.
   */
  async function fetchAndImport(
    peer: string,
    hash: Hex,
    arrivedAt: number,
    asked: 'announcer' | 'holder',
  ): Promise<FetchOutcome> {
    const key = `${peer} ${hash}`
    fetching.add(key)
    let fetched: Awaited<ReturnType<Syncer['fetchAnnounced']>>
    try {
      fetched = await syncer.fetchAnnounced(peer, hash, asked)
    } finally {
      fetching.delete(key)
    }
    if (!('block' in fetched)) return { verdict: fetched.verdict, settled: false }
    const verdict = importBlock(fetched.block, peer, arrivedAt)
    if (verdict === 'accept') counts.blocksFromAnnouncements++
    if (verdict !== 'reject') return { verdict, settled: true }
    syncer.penalize(peer, 'invalid-block')
    return { verdict, settled: committed(fetched.block) }
  }

  /**
   * Admits a transaction from peer `from` (gossiped, or handed over on joining) through the mempool's
   * checks; the verdict of `txVerdict`, a rejected one penalising the peer.
   */
  function admitTx(data: Uint8Array, from: string): GossipVerdict {
    // A transaction we already hold is refused as MEMPOOL_KNOWN (→ ignore) right after decoding,
    // before any signature work: no separate hash here.
    try {
      const tx = mempool.add(toHex(data))
      mempoolDirty = true
      init.onPendingTx?.(tx)
      return 'accept'
    } catch (err) {
      if (!(err instanceof MempoolError)) throw err
      const verdict = txVerdict(err)
      if (verdict === 'reject') syncer.penalize(from, 'invalid-tx')
      return verdict
    }
  }

  /**
   * Keeps a block dated ahead of our clock until it is due (not one due too far ahead: `FutureBlocks`);
   * the verdict. Its header is valid but for the time; its size and body are checked first, as for an
   * orphan: a copy of an honest header over a forged body, arriving first, would take the honest block's
   * place (held blocks are keyed by header hash) and be found bad only when due.
   */
  function hold(block: Block, from: string | null): GossipVerdict {
    try {
      validateSize(block)
      validateBody(block)
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      return blockVerdict(err)
    }
    const due = Number(block.header.timestamp) - chain.params.futureTimestampToleranceMs
    if (held.hold(hashBlock(block), { block, from, due }, init.now())) scheduleHeld()
    return 'ignore'
  }

  function scheduleHeld(): void {
    clearTimeout(heldTimer)
    const due = held.nextDue()
    heldTimer = due === undefined ? undefined : setTimeout(retryHeld, Math.max(0, due - init.now()) + 50)
  }

  /**
   * Imports the held blocks that are due (one still early is held again). One found invalid now costs its
   * sender the penalty it would have cost on arrival: dated ahead, an invalid block is not a free one.
   */
  function retryHeld(): void {
    for (const h of held.takeDue(init.now()))
      if (importBlock(h.block, h.from) === 'reject' && h.from !== null)
        syncer.penalize(h.from, 'invalid-block')
    scheduleHeld()
  }

  const summarise = (stored: StoredBlock): BlockSummary =>
    blockSummary(stored.block.header, stored.hash, stored.txHashes, chain.confirmations(stored.hash))

  const summary = (number: bigint): BlockSummary | null => {
    const stored = chain.getBlockByNumber(number)
    return stored === undefined ? null : summarise(stored)
  }

  return {
    chain,
    mempool,
    head: headInfo,
    /** The canonical block at `number`, or null past the head. */
    block: summary,
    /** The canonical header at `number` (its hash and time), or null past the head or below the blocks held. */
    header(number: bigint): HeaderSummary | null {
      const stored = chain.getBlockByNumber(number)
      return stored === undefined
        ? null
        : { number: stored.block.header.number, hash: stored.hash, timestamp: stored.block.header.timestamp }
    },
    /** Any stored block (canonical or not) by hash, or null when unknown. */
    blockByHash(hash: Hex): BlockSummary | null {
      const stored = chain.getBlock(hash)
      return stored === undefined ? null : summarise(stored)
    },
    /** Up to `count` canonical blocks ending at `last` (inclusive), newest first. */
    blocks(last: bigint, count: number): BlockSummary[] {
      const out: BlockSummary[] = []
      for (let n = last; n >= 0n && out.length < count; n--) {
        const b = summary(n)
        if (b !== null) out.push(b)
      }
      return out
    },
    account(address: Address): AccountInfo {
      const a = chain.headState.getAccount(address)
      return { address, balance: a.balance, nonce: a.nonce }
    },
    mining: miningInfo,
    async start(): Promise<void> {
      // At once, not one after another: each is a round trip to the page's main thread, busy with the
      // page's own start (one after another they held a new tab's node back ~0.5 s).
      await Promise.all([
        init.network.subscribe(blocksTopic),
        init.network.subscribe(bigBlocksTopic),
        init.network.subscribe(txsTopic),
        ...server.protocols.map((protocol) => init.network.handle(protocol)),
        restoreJournal(),
      ])
      init.onHead({ ...headInfo(), movedAt: preciseNow(), arrivedAt: null }, null)
    },
    /** Where sync stands, `eth_syncing`-shaped. */
    syncing: (): SyncStatus => syncer.status,
    /** The peer the node waits on to sync, or null (`SyncWait`). */
    syncWait: (): SyncWait | null => syncer.wait,
    /** The heaviest peer chain that forks off ours past the reorg limit, or null. */
    split: (): ChainSplit | null => syncer.split(),
    /** Follows the split that meets ours at `ancestor` (`followSplit` in sync/splits.ts); resolves with the head. */
    async followSplit(ancestor: Hex): Promise<HeadInfo> {
      await followSplit(ancestor, {
        split: () => syncer.split(),
        headHash: () => chain.head.hash,
        isCanonical: (hash) => chain.isCanonical(hash),
        allowDeepReorg: (a) => chain.allowDeepReorg(a),
        syncFrom: (peerId) => {
          syncer.retry(peerId)
          return syncer.idle()
        },
      })
      return headInfo()
    },
    stats: (): ChainStats => ({
      ...counts,
      blocksFetchedBySync: syncer.counters.blocksFetched,
      syncRuns: syncer.counters.runs,
      ...syncer.board.counters,
      pendingTxs: mempool.size,
    }),
    /** The sync client (tests and devtools read its breakers and bans). */
    syncer,
    /** Pays the blocks mined from now on to `address` (the template in work is built again). */
    setCoinbase(address: Address): MiningInfo {
      if (address !== coinbase) {
        coinbase = address
        template = undefined
      }
      init.onMining(miningInfo())
      return miningInfo()
    },
    setMining(on: boolean): MiningInfo {
      mining = on
      if (on) scheduleMining(0)
      else clearTimeout(timer)
      init.onMining(miningInfo())
      return miningInfo()
    },
    /**
     * Admits a raw signed transaction to the pool and gossips it; typed MempoolError/TxError on refusal.
     * Resolves once admitted and journaled (a storage failure leaves it unjournaled: it is in the pool
     * and on its way to peers all the same), without waiting for the gossip (a round trip to the page's
     * libp2p, which on a busy machine took up to 0.65 s): a swap's approval and lock, sent one after the
     * other, are then both in the pool and on their way to peers at once. Gossip failures were never
     * reported.
     */
    async submitTransaction(raw: Hex): Promise<Hex> {
      const tx = mempool.add(raw)
      mempoolDirty = true
      init.onPendingTx?.(tx)
      init.network.publish(txsTopic, fromHex(raw)).catch(() => {})
      journal.add(tx)
      await saveJournal().catch(() => {})
      return tx.hash
    },
    /**
     * Journals a transaction this node's wallet sent through its light client (`auto`, while its chain is
     * behind the verified headers), which only gossiped it: the pool takes it on a later head, once this
     * chain has caught up with the one it was sent on, and a reload sends it again. Resolves once stored
     * (a storage failure leaves it unjournaled: it is on its way to peers all the same); typed `TxError`
     * for a transaction that does not decode.
     */
    async journalTransaction(raw: Hex): Promise<void> {
      journal.add(parseTx(raw, chain.params))
      await saveJournal().catch(() => {})
    },
    /**
     * A peer told us its head (status beacon or answer), its claim from now on, lower or higher than
     * before, and whether it is light (it serves no blocks): sync from it when it is ahead, by a
     * snapshot upgrade when it is far ahead.
     */
    notePeerHead(peer: string, head: bigint, light = false): void {
      knownPeers.set(peer, head)
      maybeUpgrade(peer, head)
      syncer.notePeerHead(peer, head, light)
    },
    /**
     * A new direct peer: asks it once for its pending transactions and admits each like a gossiped
     * one, so a transaction gossiped while the link was down (or before the peer's subscriptions
     * reached us) is not stuck in one pool. An undecodable answer or an invalid transaction costs the
     * peer a penalty and the rest of its answer is not read.
     */
    async peerJoined(peer: string): Promise<void> {
      if (syncer.isBanned(peer)) return
      const raw = await init.network.request(peer, poolProtocol, new Uint8Array(0), POOL_TIMEOUT_MS)
      let txs: Uint8Array[]
      try {
        txs = decodePoolResponse(raw)
      } catch (err) {
        if (!(err instanceof SyncError)) throw err
        syncer.penalize(peer, decodeOffence(err))
        return
      }
      for (const tx of txs) if (admitTx(tx, peer) === 'reject') return
    },
    /** A peer left the network view. */
    forgetPeer(peer: string): void {
      knownPeers.delete(peer)
      syncer.forgetPeer(peer)
    },
    /** The node's mode: `light`, `upgrading n %` or `full`. */
    mode: (): NodeMode => mode,
    activity,
    /** Resolves when a running snapshot upgrade has ended (tests). */
    async upgraded(): Promise<void> {
      await upgrading
    },
    /** Penalises a peer for invalid data (a dropped peer is disconnected and kept out). */
    penalize(peer: string, offence: Offence): void {
      syncer.penalize(peer, offence)
    },
    /**
     * Verdict on a gossiped block, block announcement (`big-blocks`: a promise, settled once the block is
     * fetched and imported) or transaction; null for other topics. Rejected messages penalise their
     * sender; a banned peer's messages are rejected unread.
     */
    gossip(topic: string, data: Uint8Array, from: string): GossipVerdict | Promise<GossipVerdict> | null {
      if (topic !== blocksTopic && topic !== bigBlocksTopic && topic !== txsTopic) return null
      if (syncer.isBanned(from)) return 'reject'
      if (topic === bigBlocksTopic) return announced(data, from, preciseNow())
      if (topic === blocksTopic) {
        const arrivedAt = preciseNow()
        let block: Block
        try {
          block = decodeBlock(data)
        } catch (err) {
          if (!(err instanceof BlockError)) throw err
          syncer.penalize(from, err.type.code === 'BLOCK_TOO_LARGE' ? 'oversized' : 'garbage')
          return 'reject'
        }
        const verdict = importBlock(block, from, arrivedAt)
        if (verdict === 'accept') counts.blocksFromGossip++
        if (verdict === 'reject') syncer.penalize(from, 'invalid-block')
        else init.onGossipHeader?.(block.header, from)
        return verdict
      }
      if (topic === txsTopic) return admitTx(data, from)
      return null
    },
    /**
     * Answers a sync request (headers by range, blocks by hash) from `from`; null for other protocols.
     * Throws `SyncError` for refused requests (rate, size, malformed).
     */
    answer(protocol: string, data: Uint8Array, from: string): Uint8Array | null {
      return server.answer(protocol, data, from)
    },
    /** Stops the miner and the sync client's timers (tests end nodes with it). */
    stop(): void {
      clearTimeout(upgradeRetry)
      clearTimeout(heldTimer)
      syncer.stop()
      mining = false
      clearTimeout(timer)
    },
  }
}
