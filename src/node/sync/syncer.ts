import type { Hex } from 'viem'
import { hashBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import type { Chain } from '../chain/chain'
import type { StoredBlock } from '../chain/chain-store'
import type { HeaderHashes } from '../chain/header'
import type { Block } from '../chain/types'
import { checkPow } from '../consensus/pow'
import type { GossipVerdict } from '../network/bridge'
import { RetrySchedule } from '../network/retry'
import { SerialRuns } from '../serial-runs'
import { type CheckpointConflict, CheckpointConflicts } from './checkpoint-conflict'
import { CircuitBreaker } from './circuit-breaker'
import {
  announce,
  answered,
  byClaim,
  doubt,
  doubted,
  refutes,
  type ServedClaim,
  waitedOn,
} from './claimed-head'
import {
  type DecodedHeadersResponse,
  decodeBlocksResponse,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeHeadersRequest,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS_PER_REQUEST,
} from './messages'
import { checkHeadersRange, decodeFromPeer, Misbehaviour, type Offence, PeerBoard } from './peer-scores'
import { type ChainSplit, checkBranch, SplitWatch } from './splits'
import { syncProtocols } from './sync-server'

/** `eth_syncing`'s answer: false when not syncing, else where the current sync started, is, and aims. */
export type SyncStatus =
  | false
  | { readonly startingBlock: bigint; readonly currentBlock: bigint; readonly highestBlock: bigint }

/**
 * A peer that served this node blocks and is now silent, while no other peer it could sync from backs a
 * claim ahead of it: the node waits on that peer (`SyncerInit.onWait`). Its claimed head is left out: a
 * silent peer's number is not shown, whoever it is.
 */
export interface SyncWait {
  readonly peerId: string
  /** When the first request it failed since its last answer was sent, ms (`SyncerInit.now`). */
  readonly since: number
}

/** Counters of the sync client, for tests and the node's stats. */
export interface SyncCounters {
  /** Blocks fetched by sync and stored (not gossip). */
  blocksFetched: number
  /** Sync runs started (a run ends when no peer is ahead). */
  runs: number
}

export interface SyncConfig {
  /** Timeout of one request, ms. */
  readonly requestTimeoutMs: number
  /** Consecutive failures that open a peer's circuit breaker. */
  readonly breakerFailures: number
  /** First open period of a breaker, ms (doubles on each failed probe, up to `breakerMaxOpenMs`). */
  readonly breakerOpenMs: number
  readonly breakerMaxOpenMs: number
  /** Backoff between failed attempts of one run: base and cap, ms. */
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** Failed attempts after which a run gives up (the next beacon or gap starts a new one). */
  readonly maxFailuresPerRun: number
  /** How long a dropped peer is kept out, ms. */
  readonly banMs: number
  /** Headers asked for per request (≤ MAX_HEADERS_PER_REQUEST). */
  readonly headersPerRequest: number
}

export const DEFAULT_SYNC_CONFIG: SyncConfig = {
  requestTimeoutMs: 10_000,
  breakerFailures: 3,
  breakerOpenMs: 2_000,
  breakerMaxOpenMs: 60_000,
  retryBaseMs: 250,
  retryMaxMs: 8_000,
  maxFailuresPerRun: 12,
  banMs: 10 * 60_000,
  headersPerRequest: MAX_HEADERS_PER_REQUEST,
}

/**
 * How the node's import treated a block sync fetched from `from`: its gossip verdict. A block dated ahead
 * of the clock is held with `from`, which pays the penalty if it is found invalid when due.
 */
export type ImportBlock = (block: Block, from: string) => GossipVerdict

export interface SyncerInit {
  readonly chain: Chain
  /** One request/response exchange (the network bridge's `request`). */
  readonly request: (
    peerId: string,
    protocol: string,
    data: Uint8Array,
    timeoutMs: number,
  ) => Promise<Uint8Array>
  /** Closes the links to a misbehaving peer and keeps it out for `banMs` (the network host's `disconnect`). */
  readonly disconnect: (peerId: string, reason: string, banMs: number) => Promise<void>
  /** Imports a fetched block through the node (mempool and head events follow as for gossip). */
  readonly importBlock: ImportBlock
  readonly now: () => number
  readonly onStatus: (status: SyncStatus) => void
  /**
   * The peer the node waits on changed (null: none), told on change only: set while the node is not
   * syncing and a peer ahead that served it blocks has its claim doubted, its requests failing; cleared
   * when that peer answers again, is banned or forgotten, or the head reaches its claim.
   */
  readonly onWait?: (wait: SyncWait | null) => void
  /** The heaviest split found changed (null: none left), see `Syncer.split`. */
  readonly onSplit?: (split: ChainSplit | null) => void
  /**
   * A peer's heavier chain met none of the blocks held down to a snapshot's base (`CheckpointConflict`):
   * told once per peer and chain (`CheckpointConflicts`).
   */
  readonly onCheckpointConflict?: (conflict: CheckpointConflict) => void
  readonly config?: Partial<SyncConfig>
  /** Random source of the retry jitter (tests fix it). */
  readonly random?: () => number
}

/** A peer: the head it claims (beacon, gossip or headers response; `ClaimedHead`) and what else we know. */
interface PeerView extends ServedClaim {
  /** Total difficulty of that head when a headers response told it; unknown after a newer beacon. */
  td: bigint | undefined
  /** It sent a block whose parent we lack: worth asking even if its head is not higher than ours. */
  gap: boolean
  /** It said it is a light node (its beacon or status answer): it holds headers only, and no blocks. */
  light: boolean
  readonly breaker: CircuitBreaker
}

/**
 * The sync client: keeps what each peer claims, and whenever one is ahead of us (its beacon, a gossiped
 * block whose parent we lack, a new or returning peer) runs a sync: finds where the best peer's chain
 * meets ours (headers by range, stepping back as far as our chain's base; a meeting point past the
 * reorg limit is kept as a `ChainSplit`, not followed), checks each header's link and
 * proof of work, fetches the bodies by hash in batches and imports them (full validation) in order.
 * Failures retry with backoff against the best peer whose circuit breaker lets it through; invalid or
 * undecodable data penalises the sender, which past `DROP_SCORE` is disconnected and banned.
 */
export class Syncer {
  readonly counters: SyncCounters = { blocksFetched: 0, runs: 0 }
  /** The node's penalties and bans (gossip, sync, snapshot, offers: one board per node). */
  readonly board: PeerBoard
  readonly #init: SyncerInit
  readonly #config: SyncConfig
  readonly #protocols: ReturnType<typeof syncProtocols>
  readonly #peers = new Map<string, PeerView>()
  readonly #retry: RetrySchedule
  /** Sync runs, one at a time (a stopped syncer runs no more). */
  readonly #runs = new SerialRuns(async () => {
    if (!this.#stopped) await this.#run()
  })
  #wake: ReturnType<typeof setTimeout> | undefined
  #status: SyncStatus = false
  #wait: SyncWait | null = null
  /** Peers claiming more than this many blocks past our head are not synced from (`holdBeyond`). */
  #beyond: bigint | null = null
  /** Splits found, by peer (each peer's last sync pass). */
  readonly #splits: SplitWatch
  /** The checkpoint conflicts told, one per peer and chain (`onCheckpointConflict`). */
  readonly #conflicts: CheckpointConflicts
  #stopped = false

  constructor(init: SyncerInit) {
    this.#init = init
    this.#config = { ...DEFAULT_SYNC_CONFIG, ...init.config }
    this.#protocols = syncProtocols(init.chain.params.chainId)
    this.board = new PeerBoard({ now: init.now, banMs: this.#config.banMs, disconnect: init.disconnect })
    this.#splits = new SplitWatch(
      {
        isCanonical: (hash) => init.chain.isCanonical(hash),
        head: () => ({
          number: init.chain.head.block.header.number,
          totalDifficulty: init.chain.head.totalDifficulty,
        }),
        isBanned: (peerId) => this.isBanned(peerId),
        following: () => init.chain.deepReorgTarget,
        params: init.chain.params,
        now: init.now,
      },
      init.onSplit,
    )
    this.#conflicts = new CheckpointConflicts(init.onCheckpointConflict)
    this.#retry = new RetrySchedule({
      baseMs: this.#config.retryBaseMs,
      maxMs: this.#config.retryMaxMs,
      ...(init.random === undefined ? {} : { random: init.random }),
    })
  }

  get status(): SyncStatus {
    return this.#status
  }

  /** The peer the node waits on, or null (`SyncerInit.onWait`). */
  get wait(): SyncWait | null {
    return this.#wait
  }

  /** Whether `peerId` is kept out (its traffic is refused until the ban ends). */
  isBanned(peerId: string): boolean {
    return this.board.isBanned(peerId)
  }

  /** The breaker state of a peer (tests, devtools). */
  breakerState(peerId: string): 'closed' | 'open' | 'half-open' | undefined {
    return this.#peers.get(peerId)?.breaker.state(this.#init.now())
  }

  /**
   * The heaviest chain a peer holds that forks off ours past the reorg limit, or null: only splits whose
   * peer is still heavier than our head and whose ancestor is still canonical count.
   */
  split(): ChainSplit | null {
    return this.#splits.best()
  }

  /** Tells `onSplit` when the heaviest split changed (call on every head change, too). */
  checkSplit(): void {
    this.#splits.check()
  }

  /**
   * Tells `onWait` when the peer the node waits on changed (call on every head change, too: a head that
   * reaches its claim ends the wait): the first peer ahead (`#ahead`, best first) that served this node
   * blocks, whose claim is doubted and whose requests are failing — none while the node syncs.
   */
  checkWait(): void {
    const wait = this.#status === false ? waitedOn(this.#ahead()) : null
    const was = this.#wait
    if (wait?.peerId === was?.peerId && wait?.since === was?.since) return
    this.#wait = wait
    this.#init.onWait?.(wait)
  }

  /**
   * Syncs from the peer of `split` again now (after `Chain.allowDeepReorg`): a pass that found a split
   * left the peer marked as not ahead until it claims something new.
   */
  retry(peerId: string): void {
    if (this.isBanned(peerId)) return
    this.#peer(peerId).gap = true
    this.start()
  }

  /**
   * A peer told us its head (beacon or status answer): its claim from now on, lower or higher than the one
   * before (a peer that stopped announcing a far head is not asked for it); syncs if it is ahead. `light`:
   * it said it is a light node, which serves no blocks (`holders` leaves it out).
   */
  notePeerHead(peerId: string, head: bigint, light = false): void {
    if (this.isBanned(peerId)) return
    const p = this.#peer(peerId)
    if (head !== p.head) p.td = undefined
    p.light = light
    announce(p, head)
    if (head > this.#init.chain.head.block.header.number) this.start()
  }

  /** A block from `peerId` whose parent we lack: sync from that peer's chain. */
  noteGap(peerId: string, number: bigint): void {
    if (this.isBanned(peerId)) return
    const p = this.#peer(peerId)
    p.gap = true
    p.td = undefined
    if (number > p.head) p.head = number
    this.start()
  }

  /**
   * The block `peerId` announced by its header (one too big for gossip, `blockGossip`), fetched from it
   * by `hash` with the request, checks and penalties of sync's: a peer that then serves nothing for its
   * own announcement, or another block, is penalised as for any wrong answer (`reject`). A request that
   * fails (timeout, refusal, a broken link) counts against the peer's circuit breaker and is `ignore`d,
   * as is an announcement while that breaker is open: the block may still come by sync.
   *
   * `asked: 'holder'` asks a peer that did not announce it (one the announcer failed: `holders`): the
   * same checks and penalties, but an empty answer is no fault (it need not hold the block) and is
   * `ignore`d.
   */
  async fetchAnnounced(
    peerId: string,
    hash: Hex,
    asked: 'announcer' | 'holder' = 'announcer',
  ): Promise<{ readonly block: Block } | { readonly verdict: 'reject' | 'ignore' }> {
    if (this.isBanned(peerId)) return { verdict: 'reject' }
    const peer = this.#peer(peerId)
    if (!peer.breaker.allow(this.#init.now())) return { verdict: 'ignore' }
    try {
      // `#served` refuses a block of another hash: the one block asked for is there, or none.
      const [block] =
        asked === 'announcer' ? await this.#blocks(peerId, [hash]) : await this.#served(peerId, [hash])
      peer.breaker.success()
      return block === undefined ? { verdict: 'ignore' } : { block }
    } catch (err) {
      if (!(err instanceof Misbehaviour)) {
        peer.breaker.failure(this.#init.now())
        return { verdict: 'ignore' }
      }
      peer.breaker.success()
      this.penalize(peerId, err.offence)
      return { verdict: 'reject' }
    }
  }

  /**
   * The peers to ask for an announced block its announcer failed to serve (gossipsub drops the other
   * copies of the announcement as duplicates, so nothing else would bring it before a later block made
   * the node sync), best claimed head first, `except` (the announcer) left out: those that told us a
   * head (a beacon, a status or headers answer, a block) and whose claims stand — not banned, not just
   * penalised or failing (`doubted`), their breaker not open — and that did not say they are light (a
   * light node holds headers only: asking it would cost a request and its place among those asked). A
   * claim is only what the peer last told (beacons go out on network changes), so one claiming less than
   * the block's height is still asked: the miner itself usually is one.
   */
  holders(except: string): string[] {
    const now = this.#init.now()
    return [...this.#peers]
      .filter(
        ([id, p]) =>
          id !== except &&
          p.head >= 0n &&
          !p.light &&
          !doubted(p) &&
          !this.isBanned(id) &&
          p.breaker.state(now) !== 'open',
      )
      .sort(byClaim)
      .map(([id]) => id)
  }

  /** The peer left: forget what it claimed (its score and ban stay). */
  forgetPeer(peerId: string): void {
    this.#peers.delete(peerId)
    this.#splits.drop(peerId)
    this.#conflicts.drop(peerId)
    // Its announcement goes too (the board's, for every part): a peer back later is asked before it
    // announces again, and its answers check nothing until it does.
    this.board.setAnnounced(peerId, -1n)
    this.checkWait()
  }

  /** Gives `peerId` the offence's penalty; past the threshold it is disconnected and banned. */
  penalize(peerId: string, offence: Offence): void {
    if (this.board.penalize(peerId, offence)) {
      this.#peers.delete(peerId)
      this.checkSplit()
      this.checkWait()
    } else {
      const p = this.#peers.get(peerId)
      if (p !== undefined) doubt(p)
    }
  }

  /**
   * Holds sync runs back (while the node upgrades from a snapshot, replaying from genesis would race it):
   * runs asked for meanwhile start when released.
   */
  hold(on: boolean): void {
    this.#runs.hold(on)
  }

  /**
   * Holds back syncing from peers that claim more than `blocks` past our head (null: none held), whatever
   * set their claim (an announcement, a gossiped block whose parent we lack); the others are synced from
   * as ever. While a snapshot upgrade checks a far claim against verified headers, replaying towards it
   * would race the upgrade, but a claim no header backs yet must not stop the node following its peers
   * level with it (a liar's far claim held every sync until its headers were checked). Runs asked for
   * meanwhile start when released.
   */
  holdBeyond(blocks: bigint | null): void {
    this.#beyond = blocks
    if (blocks === null) this.start()
  }

  /** Starts a sync run unless one is going (then it runs once more when done) or runs are held. */
  start(): void {
    if (!this.#stopped) this.#runs.start()
  }

  /** Resolves when the current run (if any) and its follow-ups have ended. */
  idle(): Promise<void> {
    return this.#runs.idle()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#wake)
  }

  #peer(peerId: string): PeerView {
    let p = this.#peers.get(peerId)
    if (p === undefined) {
      p = Object.assign(this.board.claim(peerId), {
        td: undefined,
        gap: false,
        light: false,
        served: false,
        silentSince: null,
        breaker: new CircuitBreaker({
          failureThreshold: this.#config.breakerFailures,
          openMs: this.#config.breakerOpenMs,
          maxOpenMs: this.#config.breakerMaxOpenMs,
        }),
      })
      this.#peers.set(peerId, p)
    }
    return p
  }

  /**
   * Peers claiming more than our head (by known total difficulty, else by head number), but not more
   * than `holdBeyond` allows: those whose claim stands first, then best claimed head first.
   */
  #ahead(): [string, PeerView][] {
    const head = this.#init.chain.head
    const ceiling = this.#beyond === null ? null : head.block.header.number + this.#beyond
    return [...this.#peers]
      .filter(
        ([id, p]) =>
          !this.isBanned(id) &&
          (ceiling === null || p.head <= ceiling) &&
          (p.td !== undefined ? p.td > head.totalDifficulty : p.gap || p.head > head.block.header.number),
      )
      .sort(byClaim)
  }

  #setStatus(status: SyncStatus): void {
    const s = this.#status
    if (
      status === s ||
      (status !== false &&
        s !== false &&
        status.currentBlock === s.currentBlock &&
        status.highestBlock === s.highestBlock &&
        status.startingBlock === s.startingBlock)
    )
      return
    this.#status = status
    // The wait is told before a status that stops and after one that starts: a page between the two
    // events never reads as neither syncing nor waiting.
    if (status === false) this.checkWait()
    this.#init.onStatus(status)
    if (status !== false) this.checkWait()
  }

  #progress(starting: bigint): void {
    const current = this.#init.chain.head.block.header.number
    let highest = current
    for (const [id, p] of this.#peers)
      if (!this.isBanned(id) && !doubted(p) && p.head > highest) highest = p.head
    this.#setStatus({ startingBlock: starting, currentBlock: current, highestBlock: highest })
  }

  async #run(): Promise<void> {
    if (this.#ahead().length === 0) return
    this.counters.runs++
    const starting = this.#init.chain.head.block.header.number
    let failures = 0
    try {
      while (!this.#stopped && failures < this.#config.maxFailuresPerRun) {
        const now = this.#init.now()
        const ahead = this.#ahead()
        if (ahead.length === 0) break
        const pick = ahead.find(([, p]) => p.breaker.allow(now))
        if (pick === undefined) {
          // Every peer ahead is open-circuited: come back when the first one lets a probe through.
          const at = Math.min(...ahead.map(([, p]) => p.breaker.retryAt))
          clearTimeout(this.#wake)
          this.#wake = setTimeout(() => this.start(), Math.max(0, at - now) + 10)
          break
        }
        const [peerId, peer] = pick
        // A peer that failed to back its claim is still asked (it may have been down a moment), but the
        // node does not read as syncing towards that claim: only one that stands counts.
        if (ahead.some(([, p]) => !doubted(p))) this.#progress(starting)
        else this.#setStatus(false)
        try {
          const progressed = await this.#syncFrom(peerId, peer, starting)
          peer.breaker.success()
          if (progressed) this.#retry.reset()
          else {
            // The peer answered but we did not move (future blocks held, a fork beyond the reorg
            // limit): stop asking it until it claims something new.
            peer.head = this.#init.chain.head.block.header.number
            peer.td = undefined
            peer.gap = false
          }
        } catch (err) {
          failures++
          if (err instanceof Misbehaviour) {
            peer.breaker.success()
            this.penalize(peerId, err.offence)
          } else {
            peer.breaker.failure(this.#init.now())
            doubt(peer)
            this.checkWait()
          }
          await sleep(this.#retry.next())
        }
      }
      // Every try of this run failed: a peer still ahead is asked again a breaker's longest open time
      // later, not only once it announces something new (a tab its browser froze for minutes answers
      // as it wakes, and may announce nothing: a run that gave up left its peer at our head for good).
      if (!this.#stopped && failures >= this.#config.maxFailuresPerRun && this.#ahead().length > 0) {
        clearTimeout(this.#wake)
        this.#wake = setTimeout(() => this.start(), this.#config.breakerMaxOpenMs)
      }
    } finally {
      this.#setStatus(false)
      this.checkWait()
    }
  }

  /**
   * One exchange; a transport failure or a refusal is thrown as is (it counts against the breaker). The
   * first that fails since the peer's last answer starts its silent spell; an answer ends it.
   */
  async #ask(peerId: string, protocol: string, body: Uint8Array): Promise<Uint8Array> {
    const sent = this.#init.now()
    let answer: Uint8Array
    try {
      answer = await this.#init.request(peerId, protocol, body, this.#config.requestTimeoutMs)
    } catch (err) {
      const p = this.#peers.get(peerId)
      if (p !== undefined && p.silentSince === null) p.silentSince = sent
      throw err
    }
    // The wait on it ends once it syncs again (`#setStatus`), or the run ends: until then its claim is
    // still doubted, and the card would read "up to date" between its answer and its blocks.
    const p = this.#peers.get(peerId)
    if (p !== undefined) p.silentSince = null
    return answer
  }

  /**
   * One headers range from `from`, each new header's link and proof of work checked — except in a
   * heavier chain's range at a snapshot's base that meets none of the blocks held (`#meetsNothingHeld`):
   * the pass judges that one by every header rule as a checkpoint conflict (`CheckpointConflicts.judge`),
   * and tells it, whichever rule it breaks.
   */
  async #headers(peerId: string, peer: PeerView, from: bigint): Promise<DecodedHeadersResponse> {
    const count = Math.min(this.#config.headersPerRequest, MAX_HEADERS_PER_REQUEST)
    const asked = peer.announced
    const bytes = await this.#ask(peerId, this.#protocols.headers, encodeHeadersRequest({ from, count }))
    const res = decodeFromPeer(() => decodeHeadersResponse(bytes))
    checkHeadersRange(res, from, count)
    if (!this.#meetsNothingHeld(res, from)) this.#checkLinksAndWork(res)
    const refuted = refutes(peer, asked, res.headNumber, BigInt(this.#init.chain.params.maxReorgDepth))
    answered(peer, res.headNumber)
    peer.td = res.headTotalDifficulty
    peer.gap = false
    // Its announcement was false (its own answer tells a head far below it): that costs what a wrong
    // answer does. Its answer is still good, and the pass goes on with it.
    if (refuted) this.penalize(peerId, 'wrong-response')
    return res
  }

  /**
   * Whether `res`, asked `from` our chain's base, comes from a heavier chain that meets none of the
   * blocks held: its first header and that header's parent both unknown, below a snapshot's base (a
   * chain replayed from the genesis holds every block below its head: there, an unknown parent is only
   * a fork to step back to; and while a reopened store still loads its older blocks, its base for now
   * is not where the chain starts — the pass stops there as ever, and the next one, once they are in,
   * finds the fork).
   */
  #meetsNothingHeld(res: DecodedHeadersResponse, from: bigint): boolean {
    const chain = this.#init.chain
    const first = res.headers[0]
    const hashes = res.hashes[0]
    return (
      chain.base > 0n &&
      chain.store.fullyLoaded !== false &&
      from <= chain.base &&
      first !== undefined &&
      hashes !== undefined &&
      res.headTotalDifficulty > chain.head.totalDifficulty &&
      chain.getBlock(hashes.hash) === undefined &&
      chain.getBlock(first.parentHash) === undefined
    )
  }

  /** Each header of `res` links to the one before it, and a new one carries its proof of work. */
  #checkLinksAndWork(res: DecodedHeadersResponse): void {
    let parent: Hex | null = null
    res.headers.forEach((h, i) => {
      if (parent !== null && h.parentHash !== parent)
        throw new Misbehaviour('wrong-response', 'headers not linked')
      const { hash, seal } = res.hashes[i] as HeaderHashes
      // Known blocks (the genesis has no seal) were checked when stored; new ones must carry their work.
      if (this.#init.chain.getBlock(hash) === undefined && !checkPow(h, seal))
        throw new Misbehaviour('invalid-block', 'header without its proof of work')
      parent = hash
    })
  }

  /**
   * One pass against one peer: locate the fork point, then fetch and import header ranges until its
   * head; a fork point past the reorg limit is kept as a `ChainSplit` instead. Returns whether our head
   * moved.
   */
  async #syncFrom(peerId: string, peer: PeerView, starting: bigint): Promise<boolean> {
    const chain = this.#init.chain
    const before = chain.head.hash
    const ours = chain.head.block.header.number
    const fetch = (from: bigint) => this.#headers(peerId, peer, from)
    const again = await this.#splits.recheck(peerId, fetch)
    if (again === 'held') return false
    // Never below the chain's base: a chain started from a snapshot holds nothing under it.
    const floor = chain.base
    const count = BigInt(Math.min(this.#config.headersPerRequest, MAX_HEADERS_PER_REQUEST))
    // Start a little below our head: a peer on another branch shares an ancestor there (a peer found
    // split from us, just above the block we share).
    let from = again ?? (ours > 32n ? ours - 32n : 0n)
    if (from < floor) from = floor
    let located = false
    let split = false
    // The last header of the range taken before, which the next range must continue; undefined while
    // the pass looks for where the peer's chain meets ours (such a range may start on another branch).
    let linkTo: Hex | undefined
    for (;;) {
      const res = await this.#headers(peerId, peer, from)
      if (res.headers.length === 0) {
        // The peer's chain is shorter than our start; look again just below its head.
        if (res.headNumber < from && from > floor) {
          from = res.headNumber > 32n ? res.headNumber - 32n : 0n
          if (from < floor) from = floor
          linkTo = undefined
          continue
        }
        break
      }
      // Taken for a fork below, a range that does not continue the one before it had the pass step back
      // and ask both again, for ever: it costs what an invalid block does.
      if (linkTo !== undefined && res.headers[0]?.parentHash !== linkTo)
        throw new Misbehaviour('invalid-block', `headers from #${from} that do not link to #${from - 1n}`)
      if (res.headTotalDifficulty <= chain.head.totalDifficulty) break
      // The hashes computed while decoding, not computed again.
      let firstNew = res.hashes.findIndex((h) => chain.getBlock(h.hash) === undefined)
      if (firstNew === 0 && chain.getBlock(res.headers[0]?.parentHash ?? '0x') === undefined) {
        // Forked below `from`: step back to find the common ancestor. Down at a snapshot's base, the
        // peer's heavier chain meets none of the blocks held: it forks below them (an honest peer on a
        // split older than our base, which we cannot follow back to a block both hold) or is made up.
        // A range that breaks the header rules is the peer's fault; one that holds costs nothing, and
        // the chain stays ours. Either way it is told, once.
        if (this.#meetsNothingHeld(res, from)) {
          this.#conflicts.judge(peerId, chain.params, BigInt(this.#init.now()), res, floor)
          break
        }
        if (from <= floor) break
        from = from > floor + count ? from - count : floor
        continue
      }
      if (firstNew === -1) firstNew = res.headers.length
      const first = res.headers[firstNew]
      if (!located && first !== undefined) {
        located = true
        // Past the reorg limit the chain refuses the branch unless the user chose to follow it: fetch
        // none of it, check its headers and the work they add up to, and keep it as a split.
        let fork: ReturnType<Chain['forkPoint']>
        try {
          fork = chain.forkPoint(first.parentHash)
        } catch (err) {
          // The branches meet only below a snapshot's base: nothing to follow or to tell.
          if (err instanceof BlockError) break
          throw err
        }
        const { ancestor, depth } = fork
        if (depth > chain.params.maxReorgDepth && chain.deepReorgTarget !== ancestor.hash) {
          const parent = chain.getBlock(first.parentHash) as StoredBlock
          const tip = await checkBranch(
            chain.params,
            this.#init.now,
            fetch,
            { header: parent.block.header, hash: parent.hash, work: parent.totalDifficulty },
            res,
          )
          const at = { number: ancestor.block.header.number, hash: ancestor.hash }
          if (tip !== null) split = this.#splits.note(peerId, at, tip)
          break
        }
      }
      const wanted = res.hashes.slice(firstNew).map((h) => h.hash)
      const fetched = this.counters.blocksFetched
      for (let i = 0; i < wanted.length; i += MAX_BLOCKS_PER_REQUEST) {
        const batch = wanted.slice(i, i + MAX_BLOCKS_PER_REQUEST)
        while (batch.length > 0) {
          const got = await this.#blocks(peerId, batch)
          // Reads as syncing before the head moves: a peer waited on that serves again ends the wait
          // here, not at its first block's head change, when the card would read "up to date" a moment.
          this.#progress(starting)
          for (const block of got) {
            const verdict = this.#init.importBlock(block, peerId)
            if (verdict === 'reject') throw new Misbehaviour('invalid-block', 'served an invalid block')
            if (verdict === 'accept') {
              this.counters.blocksFetched++
              peer.served = true
            }
          }
          batch.splice(0, got.length)
          this.#progress(starting)
        }
      }
      // Nothing of this range could be stored (e.g. a block dated ahead of our clock, held until its
      // time): asking further would only fetch orphans.
      if (wanted.length > 0 && this.counters.blocksFetched === fetched) break
      const last = res.headers.at(-1)
      if (last === undefined || last.number >= res.headNumber) break
      from = last.number + 1n
      linkTo = res.hashes.at(-1)?.hash
    }
    if (!split) this.#splits.drop(peerId)
    return chain.head.hash !== before
  }

  /** The blocks `hashes` from a peer that served their headers (or announced them): none is a wrong answer. */
  async #blocks(peerId: string, hashes: readonly Hex[]): Promise<Block[]> {
    const blocks = await this.#served(peerId, hashes)
    if (blocks.length === 0) throw new Misbehaviour('wrong-response', 'no blocks for headers it served')
    return blocks
  }

  /** The first blocks of `hashes` that `peerId` holds, in order (maybe none); a block not asked for is a wrong answer. */
  async #served(peerId: string, hashes: readonly Hex[]): Promise<Block[]> {
    const bytes = await this.#ask(peerId, this.#protocols.blocks, encodeBlocksRequest(hashes))
    const blocks = decodeFromPeer(() => decodeBlocksResponse(bytes))
    blocks.forEach((b, i) => {
      if (hashBlock(b) !== hashes[i])
        throw new Misbehaviour('wrong-response', 'a block that was not asked for')
    })
    return blocks
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
