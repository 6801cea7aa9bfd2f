import type { Address, Hex } from 'viem'
import { EMPTY_BLOOM } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { bloomGroups, collectBlockLogs, type LogSelection } from '../chain/log-selection'
import { type LockPayout, lockPayouts, payeeOf, transactionParties } from '../chain/parties'
import { parseTx } from '../chain/tx'
import type { Genesis, Header } from '../chain/types'
import { bloomMayMatch } from '../codec/bloom'
import { fromHex, keccak, toHex } from '../codec/bytes'
import { decodeTokenMeta, type TokenMeta } from '../contracts/erc20/erc20'
import { decodeLock, type HtlcLock } from '../contracts/htlc/htlc'
import { remoteErrorOfFailedRequest } from '../network/errors'
import { NodeError } from '../rpc/errors'
import { SerialRuns } from '../serial-runs'
import {
  accountKey,
  htlcKey,
  tokenAllowanceKey,
  tokenBalanceKey,
  tokenMetaKey,
  tokenSupplyKey,
} from '../state/keys'
import { type Account, decodeAccount, decodeWord, State } from '../state/state'
import type { LogRecord } from '../storage/types'
import { type CheckpointConflict, CheckpointConflicts } from '../sync/checkpoint-conflict'
import { CircuitBreaker } from '../sync/circuit-breaker'
import {
  announce,
  answered,
  byClaim,
  doubt,
  doubted,
  refutes,
  type ServedClaim,
  waitedOn,
} from '../sync/claimed-head'
import { SyncError } from '../sync/errors'
import {
  type DecodedHeadersResponse,
  decodeHeadersResponse,
  encodeHeadersRequest,
  MAX_HEADERS_PER_REQUEST,
} from '../sync/messages'
import { checkHeadersRange, decodeFromPeer, Misbehaviour, type Offence, PeerBoard } from '../sync/peer-scores'
import {
  decodeActivityResponse,
  decodeBlockReceiptsResponse,
  decodeInclusionResponse,
  decodeStateProofResponse,
  encodeActivityRequest,
  encodeBlockReceiptsRequest,
  encodeInclusionRequest,
  encodeStateProofRequest,
  MAX_INCLUSION_TXS,
  MAX_PROOF_KEYS,
  MAX_RECEIPT_BLOCKS,
} from '../sync/proof-messages'
import { RateLimiter } from '../sync/rate-limiter'
import { type ChainSplit, checkBranch, SplitWatch } from '../sync/splits'
import { SYNC_RATE, syncProtocols } from '../sync/sync-server'
import type { SyncStatus, SyncWait } from '../sync/syncer'
import { LightError, olderThanHeld } from './errors'
import { HeaderChain, type HeaderCheckpoint, type StoredHeader } from './header-chain'
import {
  type ProvenInclusion,
  type ProvenReceipt,
  verifyBlockReceipts,
  verifyInclusion,
  verifyStateValue,
} from './verify'

/** Most blocks whose receipts one `logs` query reads (those whose logs bloom may match). */
export const MAX_LIGHT_LOG_BLOCKS = 512
/** Blocks whose verified receipts are kept (a block's receipts never change). */
const RECEIPTS_KEPT = 2_048

/** Keys a call may read through proofs (`withState`); at most `MAX_PROOF_KEYS`, so one request holds them. */
export const MAX_STATE_READS = MAX_PROOF_KEYS

/** Raw values of some keys (null: proven absent) and the proofs (trie nodes, root first) they came with. */
interface ProvenKeys {
  readonly values: (Uint8Array | null)[]
  readonly nodes: readonly (readonly Hex[])[]
}

/** A value proven against the state root of the header `number` / `hash`. */
export interface Verified<T> {
  readonly value: T
  readonly verified: true
  /** The header the value was proven at (at least `confirmations` deep when proven). */
  readonly number: bigint
  readonly hash: Hex
}

/** A token's metadata and total supply, proven. */
export interface ProvenToken extends TokenMeta {
  readonly address: Address
  readonly totalSupply: bigint
}

export interface LightClientConfig {
  /** Timeout of one request, ms. */
  readonly requestTimeoutMs: number
  /** Peers asked for one proof before it is reported unverified. */
  readonly maxAttempts: number
  /** How long a dropped peer is kept out, ms. */
  readonly banMs: number
  /**
   * Failed header-sync attempts after which a run stops (the next peer head, or the wait for an open
   * breaker, starts a new one).
   */
  readonly maxFailuresPerRun: number
  /**
   * Header range requests in flight to one peer at once (each `MAX_HEADERS_PER_REQUEST` headers): the
   * next ranges travel while one is verified. Well within the server's request burst.
   */
  readonly headerWindow: number
  /**
   * While header sync is still short of a peer's head, the head is reported (`onHead`) at most this
   * often, ms; the range that reaches the peer's head, and a run's end, are reported at once. Each report
   * makes the UI re-read its views, which on a light node means a proof from a peer: one per range
   * during a catch-up had the proofs for headers about to be passed compete with the header transfer.
   */
  readonly headReportMs: number
  /**
   * Least wait before a header sync run blocked by open breakers tries again, ms (the breaker's own
   * open period is the wait otherwise).
   */
  readonly retryFloorMs: number
}

export const DEFAULT_LIGHT_CONFIG: LightClientConfig = {
  requestTimeoutMs: 10_000,
  maxAttempts: 3,
  banMs: 10 * 60_000,
  maxFailuresPerRun: 12,
  headerWindow: 4,
  headReportMs: 1_000,
  retryFloorMs: 250,
}

export interface LightClientInit {
  readonly genesis: Genesis
  /** One request/response exchange (the network bridge's `request`). */
  readonly request: (
    peerId: string,
    protocol: string,
    data: Uint8Array,
    timeoutMs: number,
  ) => Promise<Uint8Array>
  /** Closes the links to a misbehaving peer and keeps it out for `banMs` (the host's `disconnect`). */
  readonly disconnect: (peerId: string, reason: string, banMs: number) => Promise<void>
  readonly now: () => number
  /** The canonical header head moved; `removed` lists the headers a reorg took out (newest first). */
  readonly onHead?: (head: StoredHeader, removed: readonly Hex[]) => void
  /** Header sync started, progressed or ended (`eth_syncing` shape, in header numbers). */
  readonly onStatus?: (status: SyncStatus) => void
  /**
   * The peer header sync waits on changed (null: none), told on change only, as a full node's
   * (`SyncerInit.onWait`): set while no run syncs and a peer ahead whose headers this client took has its
   * claim doubted, its requests failing (a tab its browser froze); cleared when it answers again, is
   * banned or forgotten, or the head reaches its claim.
   */
  readonly onWait?: (wait: SyncWait | null) => void
  /** The peer header sync asked and has heard nothing from yet changed (null: none), see `asked`. */
  readonly onAsked?: (asked: HeadersAsked | null) => void
  /** The heaviest split of the header chain found changed (null: none left), see `splits`. */
  readonly onSplit?: (split: ChainSplit | null) => void
  /**
   * A peer's heavier chain met none of the headers kept from the checkpoint (`CheckpointConflict`): told
   * once per peer and chain (`CheckpointConflicts`).
   */
  readonly onCheckpointConflict?: (conflict: CheckpointConflict) => void
  readonly config?: Partial<LightClientConfig>
  /** Headers verified by an earlier run of this profile (`HeaderChain.checkpoint`): start there. */
  readonly checkpoint?: HeaderCheckpoint
  /**
   * The node's board of penalties and bans (its syncer's): one score and one ban per peer, whichever part
   * of the node caught it. Without it (a client on its own, in tests) the client keeps its own.
   */
  readonly board?: PeerBoard
  /**
   * Proofs made from state stored in this browser (another profile's full node), tried before any
   * peer: each is verified against the anchor's state root as a peer's is. Undefined when that state is
   * not all there (the peers are asked). A proof that does not verify turns the source off.
   */
  readonly localProofs?: (stateRoot: Hex, keys: readonly string[]) => Promise<readonly Hex[][] | undefined>
}

/** Counters for tests, stats and the UI. */
export interface LightCounters {
  headersVerified: number
  proofsVerified: number
  proofsRejected: number
  /** Of the proofs verified, those made from state stored in this browser (`localProofs`). */
  proofsLocal: number
}

/**
 * A peer header sync asked for headers that has not answered one request since it linked, and since
 * when (ms, `LightClientInit.now`): the first request sent to it.
 */
export interface HeadersAsked {
  readonly peerId: string
  readonly since: number
}

/** A peer: the head it claims (and whether it backed it, `ClaimedHead`), its breaker. */
interface PeerView extends ServedClaim {
  /** Its head is not known yet (it just joined): header sync asks it once, and learns the head then. */
  probe: boolean
  readonly breaker: CircuitBreaker
  /** It answered a headers request since it linked. */
  heard: boolean
  /** When header sync first asked it, while not `heard` (null: not asked yet). */
  askedAt: number | null
  /** When its first headers request failed, while not `heard` (null: none failed). */
  failedAt: number | null
}

/**
 * Checks that a peer's range of headers links to `expected`, the header it was asked to continue (the
 * last of the range before it in the same pass); throws `LIGHT_HEADERS_UNLINKED` when its first header
 * names another parent. Unchecked when `expected` is undefined: a pass's first range, or one asked lower
 * to find where the peer's branch forks, may well start on another branch.
 */
export function checkRangeLink(first: Header, expected: Hex | undefined): void {
  if (expected === undefined || first.parentHash === expected) return
  throw new LightError({
    code: 'LIGHT_HEADERS_UNLINKED',
    number: first.number,
    parentHash: first.parentHash,
    expected,
  })
}

/**
 * A range of headers that does not link is the peer's fault, and costs what an invalid header does (a
 * peer could otherwise have the client ask the same ranges again and again for free).
 */
function unlinkedRange(err: LightError): Misbehaviour {
  return new Misbehaviour('invalid-block', err.message)
}

/** `verify()` of a peer's data: its failure (`LightError`) is the peer's forged proof. */
function peerProof<T>(verify: () => T): T {
  try {
    return verify()
  } catch (err) {
    if (err instanceof LightError) throw new Misbehaviour('invalid-proof', err.message)
    throw err
  }
}

/**
 * The light client: follows the heaviest valid header chain (headers only, asked with the same
 * `sync-headers` requests as the full syncer and checked with the same rules), and reads state and
 * inclusion through proofs that full peers serve, verified against a header at least
 * `params.confirmations` deep. A peer whose proof fails verification is penalised (one forged proof
 * drops it: disconnected and banned) and the request goes to the next peer; after `maxAttempts`
 * failures the query throws `LIGHT_UNVERIFIED` naming the data and why, and nothing unverified is
 * returned.
 */
export class LightClient {
  readonly headers: HeaderChain
  readonly counters: LightCounters = {
    headersVerified: 0,
    proofsVerified: 0,
    proofsRejected: 0,
    proofsLocal: 0,
  }
  /** Penalties and bans: the node's board, or the client's own. */
  readonly board: PeerBoard
  /**
   * Peers whose heavier header chain forks off ours past the reorg limit: checked, kept, and followed
   * only when the user chooses (`HeaderChain.allowDeepReorg`), as a full node's (`Syncer.split`).
   */
  readonly splits: SplitWatch
  /** The checkpoint conflicts told, one per peer and chain (`onCheckpointConflict`). */
  readonly #conflicts: CheckpointConflicts
  readonly #init: LightClientInit
  readonly #config: LightClientConfig
  readonly #protocols: ReturnType<typeof syncProtocols>
  readonly #peers = new Map<string, PeerView>()
  /** Proofs from this browser's stored state (`LightClientInit.localProofs`), until one fails. */
  #localProofs: LightClientInit['localProofs']
  /**
   * Requests to each peer, paced (`#ask`) a little inside the server's rate: the two buckets fill on two
   * clocks, and requests sent in turn may arrive bunched.
   */
  readonly #pace = new RateLimiter({ burst: SYNC_RATE.burst - 4, perSecond: SYNC_RATE.perSecond * 0.875 })
  /** Verified receipts of blocks read lately, by block hash, least recently used first. */
  readonly #receipts = new Map<Hex, readonly ProvenReceipt[]>()
  /** Trie nodes proven at the anchor last read by a call (`withState`), by hash. */
  #stateNodes: { readonly anchor: Hex | null; readonly nodes: Map<string, Uint8Array> } = {
    anchor: null,
    nodes: new Map(),
  }
  /** Proofs being fetched, by anchor and keys: identical reads at once share one request. */
  readonly #proving = new Map<string, Promise<Verified<ProvenKeys>>>()
  /** Header sync runs, one at a time (a stopped client runs no more). */
  readonly #runs = new SerialRuns(async () => {
    if (!this.#stopped) await this.#run()
  })
  #stopped = false
  #status: SyncStatus = false
  #wait: SyncWait | null = null
  #asked: HeadersAsked | null = null
  /** The moment `#asked` runs out (`checkWait`), when it is bounded by a failed request. */
  #askedEnds: ReturnType<typeof setTimeout> | undefined
  /** The next header sync run, when every peer ahead was open-circuited or the last run gave up. */
  #wake: ReturnType<typeof setTimeout> | undefined

  constructor(init: LightClientInit) {
    this.#init = init
    this.#config = { ...DEFAULT_LIGHT_CONFIG, ...init.config }
    this.board =
      init.board ?? new PeerBoard({ now: init.now, banMs: this.#config.banMs, disconnect: init.disconnect })
    this.headers = restore(init)
    this.splits = new SplitWatch(
      {
        isCanonical: (hash) => this.headers.isCanonical(hash),
        head: () => ({
          number: this.headers.head.header.number,
          totalDifficulty: this.headers.head.totalDifficulty,
        }),
        isBanned: (peerId) => this.isBanned(peerId),
        following: () => this.headers.deepReorgTarget,
        params: init.genesis.params,
        now: init.now,
      },
      init.onSplit,
    )
    this.#conflicts = new CheckpointConflicts(init.onCheckpointConflict)
    this.#localProofs = init.localProofs
    this.#protocols = syncProtocols(init.genesis.params.chainId)
  }

  /** Where header sync stands (`eth_syncing` shape); false when no run is going. */
  get status(): SyncStatus {
    return this.#status
  }

  #setStatus(status: SyncStatus): void {
    const s = this.#status
    if (status === false && s === false) return
    if (
      status !== false &&
      s !== false &&
      status.currentBlock === s.currentBlock &&
      status.highestBlock === s.highestBlock
    )
      return
    this.#status = status
    // The wait is told before a status that stops and after one that starts: a page between the two
    // events never reads as neither syncing nor waiting.
    if (status === false) this.checkWait()
    this.#init.onStatus?.(status)
    if (status !== false) this.checkWait()
  }

  /** The peer header sync waits on, or null (`LightClientInit.onWait`). */
  get wait(): SyncWait | null {
    return this.#wait
  }

  /**
   * Tells `onWait` when the peer header sync waits on changed (call on every header head change, too: a
   * head that reaches its claim ends the wait): the first peer ahead (`#ahead`, best first) whose headers
   * this client took, whose claim is doubted and whose requests are failing — none while a run syncs.
   */
  checkWait(): void {
    const wait = this.#status === false ? waitedOn(this.#ahead()) : null
    const was = this.#wait
    if (wait?.peerId !== was?.peerId || wait?.since !== was?.since) {
      this.#wait = wait
      this.#init.onWait?.(wait)
    }
    this.#checkAsked()
  }

  /**
   * The peer header sync asked and has heard nothing from yet, while no run syncs and it waits on no
   * peer (`wait`), or null: between a failed request to a peer not heard from (a frozen tab's, or one
   * asked just before this tab froze) and the run that asks it again, the node is not up to date by
   * that peer's word, it has none. Bounded so a peer that never answers holds nothing: it ends
   * `requestTimeoutMs` after that peer's first failed request (then the card's other rules apply).
   */
  get asked(): HeadersAsked | null {
    return this.#asked
  }

  /** Tells `onAsked` when `asked` changed, and re-checks it when the one told runs out. */
  #checkAsked(): void {
    clearTimeout(this.#askedEnds)
    const now = this.#init.now()
    const timeout = this.#config.requestTimeoutMs
    const found =
      this.#status === false && this.#wait === null
        ? this.#ahead().find(
            ([, p]) => !p.heard && p.askedAt !== null && (p.failedAt === null || now - p.failedAt < timeout),
          )
        : undefined
    const asked = found === undefined ? null : { peerId: found[0], since: found[1].askedAt as number }
    const failedAt = found?.[1].failedAt ?? null
    if (failedAt !== null && !this.#stopped)
      this.#askedEnds = setTimeout(() => this.checkWait(), failedAt + timeout - now)
    const was = this.#asked
    if (asked?.peerId === was?.peerId && asked?.since === was?.since) return
    this.#asked = asked
    this.#init.onAsked?.(asked)
  }

  #progress(starting: bigint): void {
    const current = this.headers.head.header.number
    let highest = current
    for (const [id, p] of this.#peers)
      if (!this.isBanned(id) && !doubted(p) && p.head > highest) highest = p.head
    this.#setStatus({ startingBlock: starting, currentBlock: current, highestBlock: highest })
  }

  /** Whether `peerId` is kept out. */
  isBanned(peerId: string): boolean {
    return this.board.isBanned(peerId)
  }

  /**
   * A peer told us its head (beacon or status answer): its claim from now on, lower or higher than the
   * one before; it may serve proofs; sync headers if ahead.
   */
  notePeerHead(peerId: string, head: bigint): void {
    if (this.isBanned(peerId)) return
    announce(this.#peer(peerId), head)
    if (head > this.headers.head.header.number) this.start()
  }

  /**
   * A peer sent the header of block `number` (gossip), or one whose parent we lack: its claim rises to it
   * (a block it relays, not its word on its head, which stays its to announce); sync headers if ahead.
   */
  noteHeader(peerId: string, number: bigint): void {
    if (this.isBanned(peerId)) return
    const p = this.#peer(peerId)
    if (number > p.head) p.head = number
    if (number > this.headers.head.header.number) this.start()
  }

  /**
   * A peer just linked to us: header sync asks it for a window of header ranges at once, without waiting
   * to hear its head (a status round trip) — the first answer tells the head. A peer heard from already
   * is not asked again.
   */
  peerJoined(peerId: string): void {
    if (this.isBanned(peerId)) return
    const p = this.#peer(peerId)
    if (p.head >= 0n) return
    p.probe = true
    this.start()
  }

  forgetPeer(peerId: string): void {
    this.#peers.delete(peerId)
    this.splits.drop(peerId)
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
      this.splits.check()
      this.checkWait()
    } else {
      const p = this.#peers.get(peerId)
      if (p !== undefined) doubt(p)
    }
  }

  /** Asks `peerId` for headers again now (after `HeaderChain.allowDeepReorg`, to follow its split). */
  retry(peerId: string): void {
    if (this.isBanned(peerId)) return
    this.#peer(peerId).probe = true
    this.start()
  }

  /** Starts a header sync run unless one is going (then it runs once more when done). */
  start(): void {
    if (!this.#stopped) this.#runs.start()
  }

  /** Resolves when the current header sync run (if any) and its follow-ups have ended. */
  idle(): Promise<void> {
    return this.#runs.idle()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#wake)
    clearTimeout(this.#askedEnds)
  }

  /** Balance and nonce of `address`, proven. */
  async account(address: Address): Promise<Verified<Account>> {
    const r = await this.prove([accountKey(address)], `account ${address}`)
    return { ...r, value: decodeAccount(r.value[0]) }
  }

  /**
   * The nonce of `address` proven at the head header rather than the anchor: the next nonce to sign
   * with. k blocks deep it would miss transactions just mined, and a transaction signed with it reuse a
   * nonce (a reorg that undoes the head costs a transaction that waits, not a value shown).
   */
  async headNonce(address: Address): Promise<bigint> {
    const r = await this.#proveKeys(this.headers.anchor(1), [accountKey(address)], `nonce of ${address}`)
    return decodeAccount(r.value.values[0]).nonce
  }

  /** ERC20 balance of `holder` in `token`, proven (0 for an unknown token). */
  async tokenBalance(token: Address, holder: Address): Promise<Verified<bigint>> {
    const r = await this.prove([tokenBalanceKey(token, holder)], `balance of ${holder} in ${token}`)
    return { ...r, value: decodeWord(r.value[0]) }
  }

  async tokenAllowance(token: Address, owner: Address, spender: Address): Promise<Verified<bigint>> {
    const r = await this.prove(
      [tokenAllowanceKey(token, owner, spender)],
      `allowance of ${spender} in ${token}`,
    )
    return { ...r, value: decodeWord(r.value[0]) }
  }

  /** Metadata and supply of the token at `token`, proven; value null when proven absent. */
  async token(token: Address): Promise<Verified<ProvenToken | null>> {
    const r = await this.prove([tokenMetaKey(token), tokenSupplyKey(token)], `token ${token}`)
    const [meta, supply] = r.value
    return {
      ...r,
      value:
        meta === null || meta === undefined
          ? null
          : { ...decodeTokenMeta(meta), address: token, totalSupply: decodeWord(supply) },
    }
  }

  /**
   * Metadata and supply of each of `tokens`, with `holder`'s balance when given (else 0), proven in as
   * few requests as the key limit allows, every request against the same anchor header (the one the
   * answer names: a list of balances holds at one block); tokens proven absent are left out.
   */
  async tokens(
    tokens: readonly Address[],
    holder?: Address,
  ): Promise<Verified<{ readonly token: ProvenToken; readonly balance: bigint }[]>> {
    const anchor = this.headers.anchor()
    const per = holder === undefined ? 2 : 3
    const size = Math.floor(MAX_PROOF_KEYS / per)
    const out: { token: ProvenToken; balance: bigint }[] = []
    for (let i = 0; i < tokens.length; i += size) {
      const batch = tokens.slice(i, i + size)
      const keys = batch.flatMap((t) => [
        tokenMetaKey(t),
        tokenSupplyKey(t),
        ...(holder === undefined ? [] : [tokenBalanceKey(t, holder)]),
      ])
      const value = (await this.#proveKeys(anchor, keys, `${batch.length} tokens`)).value.values
      for (const [j, address] of batch.entries()) {
        const meta = value[j * per]
        if (meta === null || meta === undefined) continue
        const totalSupply = decodeWord(value[j * per + 1])
        const balance = holder === undefined ? 0n : decodeWord(value[j * per + 2])
        out.push({ token: { ...decodeTokenMeta(meta), address, totalSupply }, balance })
      }
    }
    return { value: out, verified: true, number: anchor.header.number, hash: anchor.hash }
  }

  /** The HTLC lock record `id`, proven; value null when proven absent. */
  async htlc(id: Hex): Promise<Verified<HtlcLock | null>> {
    const r = await this.prove([htlcKey(id)], `HTLC lock ${id}`)
    const raw = r.value[0]
    return { ...r, value: raw === null || raw === undefined ? null : decodeLock(raw) }
  }

  /**
   * Raw values of `keys` (logical keys, `state/keys.ts`) proven against the anchor header's state root
   * (null: proven absent). Throws `LIGHT_UNVERIFIED` when no peer gave a proof that verifies.
   */
  async prove(keys: readonly string[], what: string): Promise<Verified<(Uint8Array | null)[]>> {
    const r = await this.#proveKeys(this.headers.anchor(), keys, what)
    return { ...r, value: r.value.values }
  }

  /**
   * Runs `run` against the state of the anchor header, read through proofs: a run reads what is proven
   * so far and takes a key not proven yet as absent, noting it; the keys it noted are then proven
   * together (one request, checked against the anchor's state root) and `run` starts again over
   * everything proven — until a run reads no unproven key, whose result is the answer. A call thus
   * costs a round trip per step of keys it discovers (a transfer reads its balances first, then what
   * they lead to), not one per key. `run` must be pure. Throws what the last run threw, or
   * `LIGHT_UNVERIFIED` when a proof cannot be had or the run reads more than `MAX_STATE_READS` keys.
   */
  async withState<T>(run: (state: State) => T): Promise<Verified<T>> {
    const anchor = this.headers.anchor()
    // Calls at one anchor share what was proven: a wallet's calls read the same accounts and tokens.
    if (this.#stateNodes.anchor !== anchor.hash) this.#stateNodes = { anchor: anchor.hash, nodes: new Map() }
    const { nodes } = this.#stateNodes
    const store = { get: (hash: Hex) => nodes.get(hash) }
    for (let read = 0; ; ) {
      const unknown = new Set<string>()
      const state = State.fromRoot(anchor.header.stateRoot, store, (key) => unknown.add(key))
      let outcome: { readonly value: T } | { readonly error: unknown }
      try {
        outcome = { value: run(state) }
      } catch (error) {
        outcome = { error }
      }
      if (unknown.size === 0) {
        if ('error' in outcome) throw outcome.error
        return { value: outcome.value, verified: true, number: anchor.header.number, hash: anchor.hash }
      }
      read += unknown.size
      if (read > MAX_STATE_READS)
        throw new LightError({
          code: 'LIGHT_UNVERIFIED',
          what: `state read by a call at #${anchor.header.number}`,
          attempts: 0,
          failures: [`it reads more than ${MAX_STATE_READS} keys`],
        })
      const keys = [...unknown]
      const proven = await this.#proveKeys(
        anchor,
        keys,
        `state key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`,
      )
      for (const proof of proven.value.nodes)
        for (const node of proof) {
          const bytes = fromHex(node)
          nodes.set(toHex(keccak(bytes)), bytes)
        }
    }
  }

  #proveKeys(anchor: StoredHeader, keys: readonly string[], what: string): Promise<Verified<ProvenKeys>> {
    if (keys.length === 0 || keys.length > MAX_PROOF_KEYS) throw new RangeError('1 to 64 keys per proof')
    // The screens read the same balance from several components on every head: one request serves them.
    const id = `${anchor.hash} ${keys.join(' ')}`
    const running = this.#proving.get(id)
    if (running !== undefined) return running
    const proof = this.#proveAt(anchor, keys, what)
    this.#proving.set(id, proof)
    const done = (): void => {
      this.#proving.delete(id)
    }
    proof.then(done, done)
    return proof
  }

  async #proveAt(
    anchor: ReturnType<HeaderChain['anchor']>,
    keys: readonly string[],
    what: string,
  ): Promise<Verified<ProvenKeys>> {
    const local = await this.#proveLocally(anchor, keys)
    if (local !== undefined) return local
    return this.#attempt(what, async (peerId) => {
      const bytes = await this.#ask(
        peerId,
        this.#protocols.proof,
        encodeStateProofRequest({ blockHash: anchor.hash, keys }),
      )
      const proofs = decodeFromPeer(() => decodeStateProofResponse(bytes))
      if (proofs === null) return { unavailable: `${peerId} holds no state at #${anchor.header.number}` }
      if (proofs.length !== keys.length)
        throw new Misbehaviour('wrong-response', 'a proof count unlike the keys')
      const values = keys.map((key, i) =>
        peerProof(() => verifyStateValue(anchor.header.stateRoot, key, proofs[i] ?? [])),
      )
      return {
        value: {
          value: { values, nodes: proofs },
          verified: true,
          number: anchor.header.number,
          hash: anchor.hash,
        },
      }
    })
  }

  /** `keys` proven at `anchor` from this browser's stored state, when it is all there and verifies. */
  async #proveLocally(
    anchor: ReturnType<HeaderChain['anchor']>,
    keys: readonly string[],
  ): Promise<Verified<ProvenKeys> | undefined> {
    const source = this.#localProofs
    if (source === undefined) return undefined
    const proofs = await source(anchor.header.stateRoot, keys)
    if (proofs === undefined || proofs.length !== keys.length) return undefined
    try {
      const values = keys.map((key, i) => verifyStateValue(anchor.header.stateRoot, key, proofs[i] ?? []))
      this.counters.proofsVerified++
      this.counters.proofsLocal++
      return {
        value: { values, nodes: proofs },
        verified: true,
        number: anchor.header.number,
        hash: anchor.hash,
      }
    } catch (err) {
      if (!(err instanceof LightError)) throw err
      // Damaged or foreign data under a verified root: never shown; from now on only peers are asked.
      console.warn('the state stored in this browser gave a proof that does not verify', err)
      this.#localProofs = undefined
      return undefined
    }
  }

  /**
   * A transaction and its receipt proven against a canonical header of our chain, with the header's
   * confirmations and timestamp (when its block was mined, ms since epoch); null when every peer asked says it holds no such canonical transaction and one of
   * them said so from a head at or above our header head (a peer behind lacks the newest blocks: its
   * "not found" proves nothing). Throws `LIGHT_UNVERIFIED` when no peer answered with a proof that
   * verifies, or with a "not found" from at or above our head. `below`: the header of the block this node
   * already knows holds it, below the oldest header the chain holds (a reload keeps only recent ones):
   * a proof against it is taken too, as final (it was canonical when it passed the reorg limit).
   */
  async transaction(
    hash: Hex,
    below?: StoredHeader,
  ): Promise<Verified<ProvenInclusion & { confirmations: bigint; blockTimestamp: bigint }> | null> {
    const what = `transaction ${hash}`
    let notFound = 0
    let behind = 0
    try {
      return await this.#attempt(what, async (peerId) => {
        const bytes = await this.#ask(peerId, this.#protocols.inclusion, encodeInclusionRequest([hash]))
        const entries = decodeFromPeer(() => decodeInclusionResponse(bytes))
        if (entries.length !== 1) throw new Misbehaviour('wrong-response', 'an entry count unlike the hashes')
        const entry = entries[0]
        if (entry === null || entry === undefined) {
          // A peer behind our head (syncing, or on a shorter branch) knows none of the blocks past its
          // head: its "not found" says nothing of a transaction mined there.
          const theirs = this.#peers.get(peerId)?.head ?? -1n
          if (theirs < this.headers.head.header.number) {
            behind++
            return { unavailable: `${peerId}, behind our head at #${theirs}, knows no transaction ${hash}` }
          }
          notFound++
          return { unavailable: `${peerId} knows no canonical transaction ${hash}` }
        }
        const known =
          below !== undefined &&
          below.hash === entry.blockHash &&
          below.header.number < this.headers.base.header.number
        const header = known ? below : this.headers.get(entry.blockHash)
        // A block our header chain does not hold (or not canonically) may be the peer's own branch: not
        // verifiable here, but not proof of malice either.
        if (header === undefined || (!known && !this.headers.isCanonical(header.hash)))
          return { unavailable: `${peerId} places it in a block off our header chain` }
        const proven = peerProof(() => verifyInclusion(header.header, hash, entry))
        const confirmations = this.headers.head.header.number - header.header.number + 1n
        return {
          value: {
            value: { ...proven, confirmations, blockTimestamp: header.header.timestamp },
            verified: true,
            number: header.header.number,
            hash: header.hash,
          },
        }
      })
    } catch (err) {
      if (
        err instanceof LightError &&
        err.type.code === 'LIGHT_UNVERIFIED' &&
        notFound > 0 &&
        notFound + behind === err.type.attempts
      )
        return null
      throw err
    }
  }

  /**
   * Those of `hashes` (at most `MAX_INCLUSION_TXS`) that one peer proves in canonical blocks of our
   * header chain, by hash; the others (unknown to it, or in a block our header chain does not hold
   * canonically) are left out, without penalty. A proof that does not verify drops the peer and the next
   * is asked. Throws `LIGHT_UNVERIFIED` when no peer answered with proofs that verify.
   */
  async included(hashes: readonly Hex[]): Promise<Map<Hex, ProvenInclusion>> {
    return this.#attempt(`inclusion of ${hashes.length} transactions`, async (peerId) => {
      const bytes = await this.#ask(peerId, this.#protocols.inclusion, encodeInclusionRequest(hashes))
      const entries = decodeFromPeer(() => decodeInclusionResponse(bytes))
      if (entries.length !== hashes.length)
        throw new Misbehaviour('wrong-response', 'an entry count unlike the hashes')
      const value = new Map<Hex, ProvenInclusion>()
      for (const [i, entry] of entries.entries()) {
        const hash = hashes[i] as Hex
        const header = entry === null ? undefined : this.headers.get(entry.blockHash)
        if (entry === null || header === undefined || !this.headers.isCanonical(header.hash)) continue
        value.set(
          hash,
          peerProof(() => verifyInclusion(header.header, hash, entry)),
        )
      }
      return { value }
    })
  }

  /**
   * The transactions touching `address` (its sender, its recipient, a side of a token `Transfer` it
   * logged, or the payee of an HTLC payout it logged), newest first, at most `limit`, as a full peer lists
   * them (`sync-activity` 3; a peer that speaks only version 2, whose list leaves out the payouts others
   * sent, is asked that). Each one is proven in a canonical block of our header chain (`sync-inclusion`,
   * the same peer) and checked to touch the address: from the transaction and its receipt, or else, for a
   * redeem or refund, from its lock's record proven against the header of the newest such row's block
   * (`sync-proof`, the same peer; a lock's parties never change and its record stays once settled): its
   * recipient for a `Redeemed`, its sender for a `Refunded`. A transaction settles at most one lock, so a
   * list makes at most one lock proof per row, `MAX_PROOF_KEYS` a request. One in a block our header chain
   * does not hold canonically (the peer's newer head or its branch) is left out. No proof covers what a
   * list lacks, so a peer may leave some out, but it cannot add one: a listed transaction it cannot prove,
   * a list out of order, is misbehaviour, and one that does not touch the address is a forged proof; the
   * next peer is asked. `address` is lowercase. Throws `LIGHT_UNVERIFIED` when no peer gave a list that
   * checks.
   */
  async addressTransactions(address: Address, limit: number): Promise<Hex[]> {
    return this.#attempt(`transactions of ${address}`, async (peerId) => {
      const hashes = await this.#activity(peerId, address, limit)
      if (hashes.length > limit) throw new Misbehaviour('wrong-response', 'more transactions than asked')
      const out: Hex[] = []
      /** Rows that touch the address only if their lock pays it, and the header to prove the locks at. */
      const payouts = new Map<Hex, LockPayout>()
      let lockHeader: StoredHeader | undefined
      let newest: { readonly number: bigint; readonly index: number } | undefined
      for (let at = 0; at < hashes.length; at += MAX_INCLUSION_TXS) {
        const chunk = hashes.slice(at, at + MAX_INCLUSION_TXS)
        const bytes = await this.#ask(peerId, this.#protocols.inclusion, encodeInclusionRequest(chunk))
        const entries = decodeFromPeer(() => decodeInclusionResponse(bytes))
        if (entries.length !== chunk.length)
          throw new Misbehaviour('wrong-response', 'an entry count unlike the hashes')
        for (const [i, entry] of entries.entries()) {
          const hash = chunk[i] as Hex
          if (entry === null) throw new Misbehaviour('wrong-response', `it lists ${hash} and cannot prove it`)
          const header = this.headers.get(entry.blockHash)
          if (header === undefined || !this.headers.isCanonical(header.hash)) continue
          const proven = peerProof(() => verifyInclusion(header.header, hash, entry))
          const place = { number: proven.blockNumber, index: proven.index }
          if (
            newest !== undefined &&
            (place.number > newest.number || (place.number === newest.number && place.index >= newest.index))
          )
            throw new Misbehaviour('wrong-response', 'a list not newest first, or with a transaction twice')
          newest = place
          out.push(hash)
          const tx = parseTx(proven.rawTx, this.headers.params)
          if (transactionParties(tx.from, tx.to, proven.logs).has(address)) continue
          // A transaction calls the HTLC once: its first payout is the only one.
          const [payout] = lockPayouts(proven.logs)
          if (payout === undefined)
            throw new Misbehaviour('invalid-proof', `it lists ${hash}, which does not touch ${address}`)
          payouts.set(hash, payout)
          // Rows come newest first: the first one's block is the newest, where every lock listed exists.
          lockHeader ??= header
        }
      }
      if (lockHeader === undefined) return { value: out }
      const locks = await this.#locksFrom(peerId, lockHeader, [
        ...new Set([...payouts.values()].map((p) => p.id)),
      ])
      if (locks === undefined)
        return { unavailable: `${peerId} holds no state at #${lockHeader.header.number} to prove its locks` }
      for (const [hash, { id, via }] of payouts) {
        const lock = locks.get(id)
        if (lock === undefined || lock === null || payeeOf(lock, via) !== address)
          throw new Misbehaviour(
            'invalid-proof',
            `it lists ${hash}, whose HTLC ${via} of lock ${id} does not pay ${address}`,
          )
      }
      return { value: out }
    })
  }

  /**
   * `peerId`'s list of `address`'s transactions (`sync-activity` 3, with the payouts others sent), or its
   * version 2 list (without them) when the request failed with no typed error from the peer: a peer that
   * does not speak version 3 (an older node) refuses its stream. A timeout or a typed refusal is thrown.
   */
  async #activity(peerId: string, address: Address, limit: number): Promise<Hex[]> {
    const body = encodeActivityRequest({ address, limit })
    let listed: Uint8Array
    try {
      listed = await this.#ask(peerId, this.#protocols.activity, body)
    } catch (err) {
      if (
        !(err instanceof NodeError) ||
        err.type.code !== 'NET_REQUEST_FAILED' ||
        remoteErrorOfFailedRequest(err)
      )
        throw err
      listed = await this.#ask(peerId, this.#protocols.activityV2, body)
    }
    return decodeFromPeer(() => decodeActivityResponse(listed))
  }

  /**
   * The HTLC lock records `ids` proven by `peerId` against `header`'s state root, `MAX_PROOF_KEYS` a
   * request (null: proven absent); undefined when the peer holds no state there. A proof that does not
   * verify is misbehaviour.
   */
  async #locksFrom(
    peerId: string,
    header: StoredHeader,
    ids: readonly Hex[],
  ): Promise<Map<Hex, HtlcLock | null> | undefined> {
    const out = new Map<Hex, HtlcLock | null>()
    for (let at = 0; at < ids.length; at += MAX_PROOF_KEYS) {
      const batch = ids.slice(at, at + MAX_PROOF_KEYS)
      const keys = batch.map(htlcKey)
      const bytes = await this.#ask(
        peerId,
        this.#protocols.proof,
        encodeStateProofRequest({ blockHash: header.hash, keys }),
      )
      const proofs = decodeFromPeer(() => decodeStateProofResponse(bytes))
      if (proofs === null) return undefined
      if (proofs.length !== keys.length)
        throw new Misbehaviour('wrong-response', 'a proof count unlike the keys')
      for (const [i, key] of keys.entries()) {
        const raw = peerProof(() => verifyStateValue(header.header.stateRoot, key, proofs[i] ?? []))
        out.set(batch[i] as Hex, raw === null ? null : decodeLock(raw))
      }
    }
    return out
  }

  /**
   * The canonical logs matching `selection`, as a full node would answer (`logIndex` within the block):
   * every block of the range whose logs bloom may match is read whole from a peer (`sync-receipts`) and
   * checked against its header — its transaction hashes make the transactions root and its receipts the
   * receipts root, so no log is added, changed or left out; a block read before is not asked again. The
   * range is capped at the header head. Throws `NODE_HISTORY_MISSING` below the header chain's base,
   * `LIGHT_LOGS_TOO_WIDE` past `MAX_LIGHT_LOG_BLOCKS` blocks to read, `NODE_QUERY_LIMIT` past
   * `MAX_LOG_RESULTS` logs, and `LIGHT_UNVERIFIED` when no peer gave a block's receipts that verify.
   */
  async logs(selection: LogSelection): Promise<LogRecord[]> {
    const chain = this.headers
    const base = chain.base.header.number
    if (selection.from < base) throw olderThanHeld(selection.from, base)
    let last = selection.to
    if (last > chain.head.header.number) last = chain.head.header.number
    const groups = bloomGroups(selection)
    const blocks: StoredHeader[] = []
    for (let n = selection.from; n <= last; n++) {
      const h = chain.byNumber(n) as StoredHeader
      if (h.header.logsBloom !== EMPTY_BLOOM && bloomMayMatch(h.header.logsBloom, groups)) blocks.push(h)
    }
    if (blocks.length > MAX_LIGHT_LOG_BLOCKS)
      throw new LightError({ code: 'LIGHT_LOGS_TOO_WIDE', blocks: blocks.length, max: MAX_LIGHT_LOG_BLOCKS })
    const receipts = await this.receipts(blocks)
    const out: LogRecord[] = []
    for (const h of blocks) {
      const rs = receipts.get(h.hash) ?? []
      const txHashes = rs.map((r) => r.transactionHash)
      collectBlockLogs(out, { number: h.header.number, hash: h.hash }, rs, txHashes, selection)
    }
    return out
  }

  /**
   * The verified receipts of `blocks` (headers of this chain), by block hash: kept ones, and the rest from
   * peers, `MAX_RECEIPT_BLOCKS` a request. Throws `LIGHT_UNVERIFIED` when no peer gave a block's that verify.
   */
  async receipts(blocks: readonly StoredHeader[]): Promise<Map<Hex, readonly ProvenReceipt[]>> {
    const out = new Map<Hex, readonly ProvenReceipt[]>()
    const missing: StoredHeader[] = []
    for (const h of blocks) {
      const kept = this.#receipts.get(h.hash)
      if (kept === undefined) {
        missing.push(h)
        continue
      }
      this.#receipts.delete(h.hash)
      this.#receipts.set(h.hash, kept)
      out.set(h.hash, kept)
    }
    while (missing.length > 0) {
      const batch = missing.slice(0, MAX_RECEIPT_BLOCKS)
      const first = (batch[0] as StoredHeader).header.number
      const end = (batch.at(-1) as StoredHeader).header.number
      const what = first === end ? `receipts of block #${first}` : `receipts of blocks #${first}–#${end}`
      const proven = await this.#attempt(what, async (peerId) => {
        const bytes = await this.#ask(
          peerId,
          this.#protocols.receipts,
          encodeBlockReceiptsRequest(batch.map((h) => h.hash)),
        )
        const entries = decodeFromPeer(() => decodeBlockReceiptsResponse(bytes))
        if (entries.length === 0 || entries.length > batch.length)
          throw new Misbehaviour('wrong-response', 'an entry count unlike the blocks')
        const value: [StoredHeader, ProvenReceipt[]][] = []
        for (const [i, entry] of entries.entries()) {
          const h = batch[i] as StoredHeader
          if (entry === null) continue
          value.push([h, peerProof(() => verifyBlockReceipts(h.header, h.hash, entry))])
        }
        return value.length === 0 ? { unavailable: `${peerId} holds none of the ${what}` } : { value }
      })
      for (const [h, receipts] of proven) {
        out.set(h.hash, receipts)
        this.#receipts.set(h.hash, receipts)
        missing.splice(missing.indexOf(h), 1)
      }
      for (const hash of this.#receipts.keys()) {
        if (this.#receipts.size <= RECEIPTS_KEPT) break
        this.#receipts.delete(hash)
      }
    }
    return out
  }

  /**
   * Peers to ask for proofs, those whose claimed head stands first, then best claimed head first,
   * skipping banned and open-circuited ones.
   */
  #candidates(): [string, PeerView][] {
    const now = this.#init.now()
    return [...this.#peers]
      .filter(([id, p]) => !this.isBanned(id) && p.breaker.state(now) !== 'open')
      .sort(byClaim)
  }

  /**
   * Runs `once` against up to `maxAttempts` peers, each at most once, until one gives a verified
   * value. Misbehaviour penalises the peer; transport failures count against its breaker.
   */
  async #attempt<T>(
    what: string,
    once: (peerId: string) => Promise<{ value: T } | { unavailable: string }>,
  ): Promise<T> {
    const failures: string[] = []
    const tried = new Set<string>()
    while (tried.size < this.#config.maxAttempts) {
      const pick = this.#candidates().find(([id, p]) => !tried.has(id) && p.breaker.allow(this.#init.now()))
      if (pick === undefined) break
      const [peerId, peer] = pick
      tried.add(peerId)
      try {
        const r = await once(peerId)
        peer.breaker.success()
        if ('value' in r) {
          this.counters.proofsVerified++
          return r.value
        }
        failures.push(r.unavailable)
      } catch (err) {
        if (err instanceof Misbehaviour) {
          peer.breaker.success()
          this.counters.proofsRejected++
          this.penalize(peerId, err.offence)
          failures.push(`${peerId}: ${err.message}`)
        } else {
          peer.breaker.failure(this.#init.now())
          failures.push(`${peerId}: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
    }
    if (failures.length === 0) {
      const dropped = this.board.bannedCount()
      failures.push(dropped === 0 ? 'no peer to ask' : `no peer to ask (${dropped} dropped for misbehaving)`)
    }
    throw new LightError({ code: 'LIGHT_UNVERIFIED', what, attempts: tried.size, failures })
  }

  #peer(peerId: string): PeerView {
    let p = this.#peers.get(peerId)
    if (p === undefined) {
      p = Object.assign(this.board.claim(peerId), {
        probe: false,
        served: false,
        silentSince: null,
        heard: false,
        askedAt: null,
        failedAt: null,
        breaker: new CircuitBreaker({ failureThreshold: 3, openMs: 2_000, maxOpenMs: 60_000 }),
      })
      this.#peers.set(peerId, p)
    }
    return p
  }

  /**
   * One request to `peerId`, paced within the sync server's default rate (`SYNC_RATE`, on the wall
   * clock, with a margin): a burst of reads (a call proving key after key, the market checking each
   * offer's balance) waits its turn here rather than being refused there and counted against the peer.
   * A refusal for our rate all the same (a server set lower, requests arriving bunched) is waited out
   * and asked again (the wait asked for, times the attempt), up to `RATE_RETRIES` times.
   */
  async #ask(peerId: string, protocol: string, body: Uint8Array): Promise<Uint8Array> {
    for (let retries = 0; ; retries++) {
      for (
        let wait = this.#pace.take(peerId, Date.now());
        wait > 0;
        wait = this.#pace.take(peerId, Date.now())
      )
        await sleep(wait)
      const sent = this.#init.now()
      let answer: Uint8Array
      try {
        answer = await this.#init.request(peerId, protocol, body, this.#config.requestTimeoutMs)
      } catch (err) {
        const wait = rateLimitWait(err)
        if (wait === undefined || retries >= RATE_RETRIES) {
          // The first that fails since the peer's last answer starts its silent spell.
          const p = this.#peers.get(peerId)
          if (p !== undefined && p.silentSince === null) p.silentSince = sent
          throw err
        }
        // Longer each time: requests refused together do not all come back together.
        await sleep(Math.min(wait, 1_000) * (retries + 1) + 1)
        continue
      }
      // An answer ends its silent spell (the wait on it ends as a run syncs from it again).
      const p = this.#peers.get(peerId)
      if (p !== undefined) p.silentSince = null
      return answer
    }
  }

  async #run(): Promise<void> {
    const starting = this.headers.head.header.number
    try {
      await this.#runFrom(starting)
    } finally {
      this.#setStatus(false)
      this.checkWait()
    }
  }

  async #runFrom(starting: bigint): Promise<void> {
    let failures = 0
    while (!this.#stopped) {
      const now = this.#init.now()
      const ahead = this.#ahead()
      if (ahead.length === 0) return
      const pick =
        failures < this.#config.maxFailuresPerRun ? ahead.find(([, p]) => p.breaker.allow(now)) : undefined
      if (pick === undefined) {
        // Every peer ahead is open-circuited (or this run failed too often): nothing else may come to
        // start the next run — a peer that holds still announces nothing — so it starts when the first
        // breaker lets a probe through (not sooner than `retryFloorMs`: a probe may be in flight).
        const at = Math.min(...ahead.map(([, p]) => p.breaker.retryAt))
        clearTimeout(this.#wake)
        this.#wake = setTimeout(() => this.start(), Math.max(at - now, this.#config.retryFloorMs))
        return
      }
      const [peerId, peer] = pick
      // A peer that failed to back its claim is still asked (it may have been down a moment), but the
      // node does not read as syncing towards that claim: only one that stands counts.
      if (ahead.some(([, p]) => !doubted(p))) this.#progress(starting)
      else this.#setStatus(false)
      try {
        const moved = await this.#syncFrom(peerId, peer, starting)
        peer.breaker.success()
        // Asked once: from now on its announced head says whether it is ahead.
        peer.probe = false
        // The peer answered but we did not move (its chain is not heavier, or held for the clock): not
        // ahead any more. A head it told below ours stays (a "not found" from it proves nothing).
        const ours = this.headers.head.header.number
        if (!moved && peer.head > ours) peer.head = ours
        this.checkWait()
      } catch (err) {
        failures++
        if (err instanceof Misbehaviour) {
          peer.breaker.success()
          peer.probe = false
          this.penalize(peerId, err.offence)
        } else {
          // Not reached (a timeout, a link that broke): a peer not heard from yet stays to be asked.
          peer.breaker.failure(this.#init.now())
          doubt(peer)
          if (!peer.heard) peer.failedAt ??= this.#init.now()
          this.checkWait()
        }
      }
    }
  }

  /**
   * Peers not banned that are ahead of our header head, or not asked yet: those whose claimed head stands
   * first, then best claimed head first.
   */
  #ahead(): [string, PeerView][] {
    const ours = this.headers.head.header.number
    return [...this.#peers]
      .filter(([id, p]) => !this.isBanned(id) && (p.probe || p.head > ours))
      .sort(byClaim)
  }

  async #requestHeaders(peerId: string, peer: PeerView, from: bigint): Promise<DecodedHeadersResponse> {
    const count = MAX_HEADERS_PER_REQUEST
    const asked = peer.announced
    if (!peer.heard) peer.askedAt ??= this.#init.now()
    const bytes = await this.#ask(peerId, this.#protocols.headers, encodeHeadersRequest({ from, count }))
    peer.heard = true
    const res = decodeFromPeer(() => decodeHeadersResponse(bytes))
    checkHeadersRange(res, from, count)
    const refuted = refutes(peer, asked, res.headNumber, BigInt(this.headers.params.maxReorgDepth))
    answered(peer, res.headNumber)
    // Its announcement was false (its own answer tells a head far below it): that costs what a wrong
    // answer does. The answer itself is good and is used.
    if (refuted) this.penalize(peerId, 'wrong-response')
    return res
  }

  /**
   * Header ranges from one peer until its head: returns whether our header head moved. Up to
   * `headerWindow` range requests are in flight at once (the next ranges up to the head the peer
   * claims, or a whole window while it has claimed none), so the transfer of one range overlaps the
   * verification of the one before; responses are still checked and added strictly in order, each with
   * every header rule.
   */
  async #syncFrom(peerId: string, peer: PeerView, starting: bigint): Promise<boolean> {
    const fetch = (from: bigint) => this.#requestHeaders(peerId, peer, from)
    const again = await this.splits.recheck(peerId, fetch)
    if (again === 'held') return false
    const found = { split: false }
    const moved = await this.#syncHeaders(peerId, peer, starting, found, again)
    if (!found.split) this.splits.drop(peerId)
    return moved
  }

  /**
   * `#syncFrom`'s ranges, from `start` (else a little below our head): a heavier branch past the reorg
   * limit is checked and kept as a split (`found.split`) instead of followed.
   */
  async #syncHeaders(
    peerId: string,
    peer: PeerView,
    starting: bigint,
    found: { split: boolean },
    start: bigint | undefined,
  ): Promise<boolean> {
    const chain = this.headers
    const before = chain.head.hash
    const ours = chain.head.header.number
    // Down to the base: a peer on a branch past the reorg limit is found (and told as a split).
    const floor = chain.base.header.number
    const count = BigInt(MAX_HEADERS_PER_REQUEST)
    let from = start ?? (ours - floor > 32n ? ours - 32n : floor)
    // The last header of the range taken before, which the next range must continue (`checkRangeLink`);
    // undefined while the pass looks for where the peer's branch meets ours.
    let linkTo: Hex | undefined
    // Ranges asked for and not yet taken, in order; `next` is where the next one would start.
    const inFlight: { readonly from: bigint; readonly response: Promise<Settled<DecodedHeadersResponse>> }[] =
      []
    let next = from
    const fill = (upTo: bigint): void => {
      if (inFlight[0]?.from !== from) {
        inFlight.length = 0
        next = from
      }
      while (inFlight.length < this.#config.headerWindow && (next <= upTo || inFlight.length === 0)) {
        inFlight.push({ from: next, response: settle(this.#requestHeaders(peerId, peer, next)) })
        next += count
      }
    }
    // The head last reported, and when: the ranges of a catch-up are reported together, at most every
    // `headReportMs`, and the last one (or wherever the run stops) at once.
    let reported = before
    let reportedAt = this.#init.now()
    const report = (force: boolean): void => {
      const now = this.#init.now()
      if (chain.head.hash === reported || (!force && now - reportedAt < this.#config.headReportMs)) return
      const removed = chain.removedSince(reported)
      reported = chain.head.hash
      reportedAt = now
      this.#init.onHead?.(chain.head, removed)
    }
    try {
      for (;;) {
        // A peer not heard from yet (it just linked) is asked a whole window at once: waiting for its
        // first answer to learn its head cost a round trip; ranges past its head come back empty.
        fill(peer.head >= 0n ? peer.head : from + count * BigInt(this.#config.headerWindow - 1))
        const settled = await (inFlight.shift() as (typeof inFlight)[number]).response
        if ('error' in settled) throw settled.error
        const res = settled.value
        const first = res.headers[0]
        if (first === undefined) {
          if (res.headNumber < from && from > floor) {
            from = res.headNumber > 32n ? res.headNumber - 32n : 0n
            if (from < floor) from = floor
            linkTo = undefined
            continue
          }
          break
        }
        try {
          checkRangeLink(first, linkTo)
        } catch (err) {
          if (err instanceof LightError) throw unlinkedRange(err)
          throw err
        }
        if (res.headTotalDifficulty <= chain.head.totalDifficulty) break
        if (
          chain.get(first.parentHash) === undefined &&
          first.number > 0n &&
          !chain.isCanonical(res.hashes[0]?.hash as Hex)
        ) {
          // Forked below `from`: step back to find the common ancestor. Down at our base, the peer's
          // chain meets none of the headers held: it forks below them (an honest peer on a split older
          // than our checkpoint) or is made up. What can be checked without the parent is: a range that
          // breaks the header rules is the peer's fault; one that holds is left, without penalty.
          if (from <= floor) {
            this.#conflicts.judge(peerId, chain.params, BigInt(this.#init.now()), res, floor)
            break
          }
          from = from > floor + count ? from - count : floor
          continue
        }
        const last = res.headers.at(-1) as Header
        // The next ranges travel while this one is checked.
        if (last.number < res.headNumber) {
          from = last.number + 1n
          linkTo = res.hashes.at(-1)?.hash
          fill(res.headNumber)
        }
        for (const [i, header] of res.headers.entries()) {
          try {
            const r = chain.add(header, BigInt(this.#init.now()), res.hashes[i])
            if (r.kind === 'known') continue
            this.counters.headersVerified++
            if (r.kind !== 'side') peer.served = true
          } catch (err) {
            if (!(err instanceof BlockError)) throw err
            switch (err.type.code) {
              case 'BLOCK_REORG_TOO_DEEP': {
                // A heavier branch we will not follow by ourselves: its headers checked and the split kept
                // (unless it meets ours only below the base), nothing more taken from this peer.
                const fork = chain.forkPoint(header.parentHash)
                const parent = chain.get(header.parentHash)
                if (fork !== undefined && parent !== undefined) {
                  const fetch = (n: bigint) => this.#requestHeaders(peerId, peer, n)
                  const tip = await checkBranch(
                    chain.params,
                    this.#init.now,
                    fetch,
                    { header: parent.header, hash: parent.hash, work: parent.totalDifficulty },
                    res,
                  )
                  const at = { number: fork.ancestor.header.number, hash: fork.ancestor.hash }
                  if (tip !== null) found.split = this.splits.note(peerId, at, tip)
                }
                return chain.head.hash !== before
              }
              case 'BLOCK_FUTURE':
                // Not yet: no fault, nothing more to take from this peer.
                return chain.head.hash !== before
              case 'BLOCK_UNKNOWN_PARENT':
                // Only a first header can name a parent not held (the others' parents are the header
                // before them): one numbered 0 that is not our genesis.
                throw unlinkedRange(
                  new LightError({
                    code: 'LIGHT_HEADERS_UNLINKED',
                    number: header.number,
                    parentHash: header.parentHash,
                    expected: null,
                  }),
                )
              default:
                throw new Misbehaviour('invalid-block', err.message)
            }
          }
        }
        report(false)
        this.#progress(starting)
        if (last.number >= res.headNumber) break
      }
    } finally {
      report(true)
    }
    return chain.head.hash !== before
  }
}

/** Times a request refused for our rate is asked again (`#ask`). */
const RATE_RETRIES = 5

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The wait a peer's refusal for our request rate asks for, ms: its `SYNC_RATE_LIMITED`, as the typed
 * error or as the peer's typed error a failed request carries across the network (a count of ms, or it
 * is not read); undefined for any other failure.
 */
export function rateLimitWait(err: unknown): number | undefined {
  if (err instanceof SyncError) return err.type.code === 'SYNC_RATE_LIMITED' ? err.type.retryInMs : undefined
  const remote = remoteErrorOfFailedRequest(err)
  if (remote?.code !== 'SYNC_RATE_LIMITED') return undefined
  const wait = remote.retryInMs
  return typeof wait === 'number' && Number.isSafeInteger(wait) && wait >= 0 ? wait : undefined
}

/** A promise's outcome as a value: ranges asked ahead and then dropped never reject unhandled. */
type Settled<T> = { readonly value: T } | { readonly error: unknown }

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

/** The header chain from the init's checkpoint; from the genesis when there is none or it does not hold. */
function restore(init: LightClientInit): HeaderChain {
  if (init.checkpoint === undefined) return new HeaderChain(init.genesis)
  try {
    return new HeaderChain(init.genesis, init.checkpoint, BigInt(init.now()))
  } catch (err) {
    if (!(err instanceof BlockError)) throw err
    return new HeaderChain(init.genesis)
  }
}
