import type { Address, Hex } from 'viem'
import { decodeBlock, EMPTY_BLOOM } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { decodeHeader } from '../chain/header'
import { bloomGroups, collectBlockLogs, MAX_LOG_RANGE, selectLogs } from '../chain/log-selection'
import { effectiveGasPrice, parseTx } from '../chain/tx'
import type { Genesis, Header, Tx } from '../chain/types'
import { bloomMayMatch, logsBloomBytes } from '../codec/bloom'
import { fromHex, toHex } from '../codec/bytes'
import { transactionsRoot } from '../codec/receipt'
import { nextBaseFee } from '../consensus/base-fee'
import { isPossibleDifficulty } from '../consensus/difficulty'
import { checkPow } from '../consensus/pow'
import { TOKEN_FACTORY_ADDRESS } from '../contracts/addresses'
import { TRANSFER_TOPIC } from '../contracts/erc20/erc20'
import { TOKEN_CREATED_TOPIC } from '../contracts/token-factory/token-factory'
import { LightError, olderThanHeld } from '../light/errors'
import {
  type HeaderCheckpoint,
  type HeaderImport,
  heavierCheckpoint,
  type StoredHeader,
} from '../light/header-chain'
import {
  type HeadersAsked,
  LightClient,
  type LightClientConfig,
  type LightClientInit,
  MAX_LIGHT_LOG_BLOCKS,
  type ProvenToken,
  type Verified,
} from '../light/light-client'
import type { ModePin } from '../light/mode'
import { startupMark } from '../marks'
import { PRICE_BUMP_PERCENT } from '../mempool/mempool'
import type { GossipVerdict, NetworkApi } from '../network/bridge'
import { NetError } from '../network/errors'
import { chainTopic } from '../network/protocol'
import type { Remote } from '../rpc/protocol'
import { treeKey } from '../state/keys'
import { proveFrom } from '../state/trie'
import type { StateNodeReader } from '../storage/state-reader'
import type { LogRecord, NodeRepository } from '../storage/types'
import type { CheckpointConflict } from '../sync/checkpoint-conflict'
import { MAX_INCLUSION_TXS, MAX_RECEIPT_BLOCKS } from '../sync/proof-messages'
import type { ChainSplit } from '../sync/splits'
import { syncProtocols } from '../sync/sync-server'
import type { SyncStatus, SyncWait } from '../sync/syncer'
import { type BlockSummary, blockSummary, type HeaderSummary, type HeadInfo } from './chain-service'
import { type ReceiptView, type TokenHolding, type TokenInfo, type TxView, viewOfTx } from './queries'

export interface LightServiceInit {
  readonly genesis: Genesis
  readonly network: Remote<NetworkApi>
  readonly now: () => number
  /** The header head moved; `removed` lists the headers a reorg took out (newest first). */
  readonly onHead: (head: HeadInfo, removed: readonly Hex[]) => void
  /** Header sync started, progressed or ended. */
  readonly onSyncing?: (status: SyncStatus) => void
  /** The peer header sync waits on changed (`LightClientInit.onWait`). */
  readonly onSyncWait?: (wait: SyncWait | null) => void
  /** The peer header sync asked and heard nothing from yet changed (`LightClientInit.onAsked`). */
  readonly onSyncAsked?: (asked: HeadersAsked | null) => void
  /** The heaviest split of the header chain changed (`LightClient.splits`). */
  readonly onSplit?: (split: ChainSplit | null) => void
  /** A peer's heavier chain met none of the kept headers (`LightClientInit.onCheckpointConflict`). */
  readonly onCheckpointConflict?: (conflict: CheckpointConflict) => void
  /** A transaction this node submitted. */
  readonly onPendingTx?: (tx: Tx) => void
  readonly config?: Partial<LightClientConfig>
  /** Where the verified headers are kept across reloads (`LIGHT_CHECKPOINT_KEY`); nowhere when absent. */
  readonly repo?: NodeRepository
  /** The headers kept by an earlier run (`loadLightCheckpoint`): the header chain starts there. */
  readonly checkpoint?: HeaderCheckpoint
  /** The node's board of penalties and bans (its syncer's), instead of the client's own. */
  readonly board?: LightClientInit['board']
  /** Another profile's stored state, where reads are proven before any peer is asked (`localProofs`). */
  readonly localState?: Promise<StateNodeReader | undefined>
  /**
   * The lowest header something running may still read logs from at header head `head` (a swap's
   * accepted height): the checkpoint keeps the headers from there, so a reload can still read them.
   */
  readonly holdHeadersFrom?: (head: bigint) => bigint | undefined
}

/**
 * Blocks for which a transaction this node submitted reads as pending with no proof of it mined. A light
 * node sees no pool: past this it reads as unknown, and whoever sent it (the swap engine) sends the
 * same bytes again — a transaction gossip lost is not waited on for ever.
 */
export const LIGHT_PENDING_BLOCKS = 8n
/** Most submitted transactions kept as pending. */
const PENDING_KEPT = 256

/**
 * Repository meta key of the transactions this node submitted and saw proven mined, with their block's
 * header (`OWN_KEPT` of them, newest last): a reload keeps only recent headers, and the wallet's own
 * older transactions are still proven against these once `final`.
 */
export const LIGHT_OWN_TXS_KEY = 'light-own-txs'
/** A submission proven mined, kept in `LIGHT_OWN_TXS_KEY`. */
export interface OwnTx {
  readonly block: StoredHeader
  /** Its block was seen canonical the reorg limit deep: a proof against it holds below the headers held. */
  readonly final: boolean
}
/** Most submitted transactions kept with their block's header (`LIGHT_OWN_TXS_KEY`). */
export const OWN_KEPT = 256

/** Repository meta key of the tokens the light node found each account holding or creating, and all created. */
export const LIGHT_TOKENS_KEY = 'light-tokens'
/** The key of every token created in `LIGHT_TOKENS_KEY` (the others are addresses). */
const ALL_TOKENS = 'all'

/** Repository meta key of the light client's header checkpoint. */
export const LIGHT_CHECKPOINT_KEY = 'light-headers'
/** A header head change is written at most this often (a sync run's end is written at once). */
const CHECKPOINT_EVERY_MS = 5_000

/** The header checkpoint an earlier run kept in `repo`, if any. */
export function loadLightCheckpoint(repo: NodeRepository): Promise<HeaderCheckpoint | undefined> {
  return repo.getMeta<HeaderCheckpoint>(LIGHT_CHECKPOINT_KEY)
}

/**
 * Where a node's light client starts (undefined: at the genesis; none when pinned `full`): the headers
 * this profile verified in an earlier run, or the browser's (`SharedHeaders`, verified by another
 * profile of this browser) when heavier — for a profile that executed nothing yet (a new tab's) or only
 * follows headers. A profile that executed blocks keeps to its own, so that its view does not jump
 * past what it holds before a peer is there to prove it. So does one whose own headers reach further
 * back than two reorg limits below their head, past where the browser's start: it kept them for an
 * unfinished swap, which reads its logs from its accepted height (or a snapshot download's block), and
 * no header below the first is ever fetched.
 */
export async function startingCheckpoint(init: {
  readonly modePin: ModePin
  readonly repo: NodeRepository
  /** Whether the profile's chain holds executed blocks past the genesis. */
  readonly executedBlocks: boolean
  /** The browser's shared headers, if any. */
  readonly shared?: HeaderCheckpoint
  /** Genesis `maxReorgDepth`: a checkpoint holds two of these below its head, or more when it must. */
  readonly maxReorgDepth: number
}): Promise<HeaderCheckpoint | undefined> {
  if (init.modePin === 'full') return undefined
  const own = await loadLightCheckpoint(init.repo)
  if (init.modePin !== 'light' && init.executedBlocks) return own
  const shared = init.shared
  if (own === undefined || shared === undefined || heavierCheckpoint(own, shared) === own)
    return own ?? shared
  const first = (c: HeaderCheckpoint): bigint => c.headers[0]?.number ?? 0n
  const usual = (own.headers.at(-1)?.number ?? 0n) - BigInt(2 * init.maxReorgDepth)
  return first(own) < usual && first(own) < first(shared) ? own : shared
}

/** Proofs of logical keys made from another profile's state nodes: undefined when a node is missing. */
function localProofs(
  state: Promise<StateNodeReader | undefined>,
): NonNullable<LightClientInit['localProofs']> {
  return async (stateRoot, keys) => {
    const reader = await state
    if (reader === undefined) return undefined
    const proofs = await Promise.all(
      keys.map((key) => proveFrom(stateRoot, treeKey(key), (h) => reader.get(h))),
    )
    return proofs.every((p): p is Hex[] => p !== undefined) ? proofs : undefined
  }
}

/** The transactions root of a block without transactions: its summary needs nothing from a peer. */
const NO_TRANSACTIONS = transactionsRoot([])

/** Head info of a header: a light node knows no bodies, so the transaction count is unknown (null). */
export function headerHeadInfo(h: StoredHeader): HeadInfo {
  return {
    number: h.header.number,
    hash: h.hash,
    timestamp: h.header.timestamp,
    difficulty: h.header.difficulty,
    totalDifficulty: h.totalDifficulty,
    txCount: null,
  }
}

/**
 * Light mode in the worker: the light client (src/node/light) on the network bridge. It follows
 * headers by range from peers that are ahead and takes the header of each gossiped block, or announced
 * block (`big-blocks`: one too big for gossip), checked by the header rules; the verdict is always
 * `ignore`, so a body it cannot check, or an announcement of a block it cannot serve, is never forwarded; and
 * submits transactions by gossip after checking what it can alone (encoding, chain id, signature).
 */
export function createLightService(init: LightServiceInit) {
  const blocksTopic = chainTopic(init.genesis.params.chainId, 'blocks')
  const bigBlocksTopic = chainTopic(init.genesis.params.chainId, 'big-blocks')
  const txsTopic = chainTopic(init.genesis.params.chainId, 'txs')
  const protocols = syncProtocols(init.genesis.params.chainId)
  /** Whether header sync has once reached a peer's head (the start-up marks after it). */
  let synced = false
  const client = new LightClient({
    genesis: init.genesis,
    request: async (peer, protocol, data, timeoutMs) => {
      if (protocol === protocols.headers) startupMark('light-headers-request')
      const res = await init.network.request(peer, protocol, data, timeoutMs)
      if (synced && protocol === protocols.proof) startupMark('light-proof-fetched')
      return res
    },
    disconnect: (peer, reason, banMs) => init.network.disconnect(peer, reason, banMs),
    now: init.now,
    onHead: (head, removed) => {
      init.onHead(headerHeadInfo(head), removed)
      scheduleKeep()
      client.splits.check()
      unsettle()
      sweepOwn()
      checkMined()
    },
    onStatus: (status) => {
      if (status === false && client.headers.head.header.number > 0n) {
        synced = true
        startupMark('light-headers-synced')
      }
      init.onSyncing?.(status)
      if (status === false) void keep()
    },
    ...(init.onSplit === undefined ? {} : { onSplit: init.onSplit }),
    ...(init.onSyncWait === undefined ? {} : { onWait: init.onSyncWait }),
    ...(init.onSyncAsked === undefined ? {} : { onAsked: init.onSyncAsked }),
    ...(init.onCheckpointConflict === undefined ? {} : { onCheckpointConflict: init.onCheckpointConflict }),
    ...(init.config === undefined ? {} : { config: init.config }),
    ...(init.checkpoint === undefined ? {} : { checkpoint: init.checkpoint }),
    ...(init.board === undefined ? {} : { board: init.board }),
    ...(init.localState === undefined ? {} : { localProofs: localProofs(init.localState) }),
  })
  /** The lowest header the checkpoint must hold (a snapshot download's block), if any. */
  let keptFrom: bigint | undefined
  let keepTimer: ReturnType<typeof setTimeout> | undefined
  let writing: Promise<void> = Promise.resolve()
  /** The canonical headers from two reorg limits below the head (or from `keptFrom` or `holdHeadersFrom`, if lower). */
  const kept = (): HeaderCheckpoint => {
    const h = client.headers
    const span = BigInt(2 * h.params.maxReorgDepth)
    const head = h.head.header.number
    let from = head > span ? head - span : 0n
    if (keptFrom !== undefined && keptFrom < from) from = keptFrom
    const held = init.holdHeadersFrom?.(head)
    if (held !== undefined && held < from) from = held
    return h.checkpoint(from)
  }
  /** Writes those headers (`kept`) to the repository, one write after another. */
  const keep = (): Promise<void> => {
    const repo = init.repo
    if (repo === undefined) return writing
    clearTimeout(keepTimer)
    keepTimer = undefined
    const checkpoint = kept()
    writing = writing
      .then(() => repo.putMeta(LIGHT_CHECKPOINT_KEY, checkpoint))
      .catch((err: unknown) => console.warn('keeping the verified headers failed', err))
    return writing
  }
  const scheduleKeep = (): void => {
    if (init.repo !== undefined && keepTimer === undefined) keepTimer = setTimeout(keep, CHECKPOINT_EVERY_MS)
  }
  /**
   * Transactions submitted here not proven mined yet, with the header head when sent, oldest first (at
   * most `PENDING_KEPT`); those still pending also count in their sender's next nonce (`pendingNonce`).
   */
  const unmined = new Map<Hex, { readonly tx: Tx; readonly at: bigint }>()
  /** Submitted here, not proven mined, and sent within `LIGHT_PENDING_BLOCKS`. */
  const pending = (hash: Hex): Tx | undefined => {
    const entry = unmined.get(hash)
    if (entry === undefined) return undefined
    return client.headers.head.header.number - entry.at < LIGHT_PENDING_BLOCKS ? entry.tx : undefined
  }
  /**
   * Submissions proven mined, with their block, oldest first (at most `PENDING_KEPT`): kept while a reorg
   * can still take that block out (`unsettle`), so that one it takes out reads as pending again.
   */
  const settled = new Map<Hex, { readonly tx: Tx; readonly block: Hex; readonly number: bigint }>()
  /**
   * Moves the submission `hash`, proven mined in `block`, from the pending ones to `settled`, and forgets
   * its sender's others of its nonce (a replacement the pools refused, or the one it was meant to
   * replace): none of them can be mined any more.
   */
  const settle = (hash: Hex, block: { readonly blockHash: Hex; readonly blockNumber: bigint }): void => {
    const entry = unmined.get(hash)
    // A proof that arrived as a reorg took its block out: still pending (`unsettle` saw nothing to move).
    if (entry === undefined || !client.headers.isCanonical(block.blockHash)) return
    for (const [other, { tx }] of unmined)
      if (tx.from === entry.tx.from && tx.nonce === entry.tx.nonce) unmined.delete(other)
    settled.set(hash, { tx: entry.tx, block: block.blockHash, number: block.blockNumber })
    const header = client.headers.get(block.blockHash)
    if (header !== undefined)
      void keepOwn((own) => {
        own.set(hash, { block: header, final: false })
        return true
      })
    for (const kept of settled.keys()) {
      if (settled.size <= PENDING_KEPT) break
      settled.delete(kept)
    }
  }
  /**
   * On a new head: a settled submission whose block left the header chain (a reorg) reads as pending
   * again, from this head, and is sent to the peers again (a full node returns what a reorg took out to
   * its pool, but one that never held it, or dropped it, would not have it); one whose block is deeper
   * than a reorg can reach is forgotten.
   */
  const unsettle = (): void => {
    const chain = client.headers
    const head = chain.head.header.number
    for (const [hash, { tx, block, number }] of settled) {
      if (chain.isCanonical(block)) {
        if (head - number >= BigInt(chain.params.maxReorgDepth)) settled.delete(hash)
        continue
      }
      settled.delete(hash)
      unmined.set(hash, { tx, at: head })
      init.network.publish(txsTopic, fromHex(tx.raw)).catch(() => {})
    }
  }
  /**
   * The submissions proven mined with their block's header (`LIGHT_OWN_TXS_KEY`), oldest first: read
   * once from the profile, then kept in step (`keepOwn`, `sweepOwn`).
   */
  let ownRead: Promise<Map<Hex, OwnTx>> | undefined
  const ownTxs = (): Promise<Map<Hex, OwnTx>> => {
    ownRead ??= (async () => {
      const stored = await init.repo
        ?.getMeta<Record<Hex, OwnTx>>(LIGHT_OWN_TXS_KEY)
        .catch((err: unknown) => console.warn("reading this node's mined transactions failed", err))
      return new Map(Object.entries(stored ?? {}) as [Hex, OwnTx][])
    })()
    return ownRead
  }
  /** Changes are written one after another, each the whole map as it is then. */
  let ownWriting: Promise<void> = Promise.resolve()
  /**
   * Applies `change` to the kept submissions (it says whether it changed them), bounds them to the newest
   * `OWN_KEPT`, and writes them.
   */
  const keepOwn = async (change: (own: Map<Hex, OwnTx>) => boolean): Promise<void> => {
    const own = await ownTxs()
    if (!change(own)) return
    for (const hash of own.keys()) {
      if (own.size <= OWN_KEPT) break
      own.delete(hash)
    }
    const repo = init.repo
    if (repo === undefined) return
    ownWriting = ownWriting
      .then(() => repo.putMeta(LIGHT_OWN_TXS_KEY, Object.fromEntries(own)))
      .catch((err: unknown) => console.warn("keeping this node's mined transactions failed", err))
    await ownWriting
  }
  /**
   * On a new head, for the kept submissions whose block the header chain holds: one whose block it holds
   * no more canonically (a reorg, now or while the node was closed) is forgotten, one whose block is
   * canonical the reorg limit deep becomes final. Below the oldest header held only a final one is
   * trusted (`mined`); one that went below it before it was final (a reload took headers that start
   * past it) is forgotten.
   */
  const sweepOwn = (): void => {
    void keepOwn((own) => {
      const chain = client.headers
      const base = chain.base.header.number
      const deep = chain.head.header.number - BigInt(chain.params.maxReorgDepth)
      let changed = false
      for (const [hash, { block, final }] of own) {
        const number = block.header.number
        if (number < base ? !final : !chain.isCanonical(block.hash)) {
          own.delete(hash)
          changed = true
        } else if (!final && number <= deep) {
          own.set(hash, { block, final: true })
          changed = true
        }
      }
      return changed
    })
  }
  /** Whether a pool takes `tx` in place of `old` (same sender and nonce): both fees bumped enough. */
  const replaces = (tx: Tx, old: Tx): boolean =>
    tx.maxFeePerGas * 100n >= old.maxFeePerGas * (100n + PRICE_BUMP_PERCENT) &&
    tx.maxPriorityFeePerGas * 100n >= old.maxPriorityFeePerGas * (100n + PRICE_BUMP_PERCENT)
  /** A transaction proven in a canonical block, or null when every peer asked knows none. */
  const mined = async (hash: Hex) => {
    const own = (await ownTxs()).get(hash)
    const proven = await client.transaction(hash, own?.final === true ? own.block : undefined)
    if (proven !== null) settle(hash, proven.value)
    return proven?.value ?? null
  }
  /** The check of the submissions running (`checkMined`), if any; `again`: a new head came meanwhile. */
  let checking: Promise<void> | undefined
  let again = false
  /**
   * On a new head, while submissions read as pending: asks a peer which of them (at most
   * `MAX_INCLUSION_TXS`, oldest first) are mined, in one request, and forgets those proven (`settle`), so
   * that one leaves the pending list with its block, not `LIGHT_PENDING_BLOCKS` later, read or not. One
   * check at a time: heads that come meanwhile make one more after it. A check that fails leaves them
   * pending until the next head.
   */
  const checkMined = (): void => {
    if (checking !== undefined) {
      again = true
      return
    }
    const hashes = [...unmined.keys()].filter((h) => pending(h) !== undefined).slice(0, MAX_INCLUSION_TXS)
    if (hashes.length === 0) return
    checking = client
      .included(hashes)
      .then(
        (proven) => {
          for (const [hash, inclusion] of proven) settle(hash, inclusion)
        },
        (err: unknown) => {
          // No peer to ask, or none with a proof that verifies: the next head asks again.
          if (!(err instanceof LightError)) console.warn('checking the submitted transactions failed', err)
        },
      )
      .finally(() => {
        checking = undefined
        if (!again) return
        again = false
        checkMined()
      })
  }
  /** After `headers.add` of a header from outside header sync: a new head is told, checked and kept. */
  const added = (r: HeaderImport): void => {
    if (r.kind === 'extended' || r.kind === 'reorg') {
      init.onHead(headerHeadInfo(client.headers.head), r.kind === 'reorg' ? r.removed : [])
      // A head that reaches the claim of a peer waited on ends the wait.
      client.checkWait()
      unsettle()
      sweepOwn()
      checkMined()
    }
    if (r.kind !== 'known') scheduleKeep()
  }

  /**
   * Tokens found in logs, by holder (lower-case), and every token created under `ALL_TOKENS`: kept across
   * reloads, since a reloaded node holds only recent headers.
   */
  let known: Promise<Map<string, Set<Address>>> | undefined
  const knownTokens = (): Promise<Map<string, Set<Address>>> => {
    known ??= (async () => {
      const stored = await init.repo
        ?.getMeta<Record<string, Address[]>>(LIGHT_TOKENS_KEY)
        .catch(() => undefined)
      return new Map(Object.entries(stored ?? {}).map(([h, ts]) => [h, new Set(ts)]))
    })()
    return known
  }
  /** The header head at each key's last scan (this run). */
  const scanned = new Map<string, StoredHeader>()
  /**
   * The tokens under `key` found before, with those in the logs of the held headers matching `filters`
   * (in 10,000-block ranges; only the headers past the last scan, less the reorg limit, or from where a
   * deeper reorg the user allowed left the chain that scan read); what was new is kept. A token found on
   * a branch a reorg took out stays listed only if proven to exist.
   */
  const tokensFound = async (
    key: string,
    filters: readonly { address?: Address; topics: (Hex | null)[]; token: (log: LogRecord) => Address }[],
  ): Promise<Set<Address>> => {
    const kept = await knownTokens()
    const before = kept.get(key) ?? new Set<Address>()
    const found = new Set(before)
    const top = client.headers.head
    const head = top.header.number
    // From where the last scan of `key` ended less the reorg limit — or from where the chain it read
    // forked off this one, when a deeper reorg the user allowed came since — else from the oldest header held.
    const base = client.headers.base.header.number
    const last = scanned.get(key)
    let start = base
    if (last !== undefined) {
      const fork = client.headers.forkPoint(last.hash)?.ancestor.header.number ?? base
      const usual = last.header.number - BigInt(client.headers.params.maxReorgDepth)
      const from = fork < usual ? fork : usual
      if (from > base) start = from
    }
    for (let from = start; from <= head; from += MAX_LOG_RANGE) {
      const range = { fromBlock: from, toBlock: from + MAX_LOG_RANGE - 1n }
      for (const f of filters) {
        const query = {
          ...range,
          topics: f.topics,
          ...(f.address === undefined ? {} : { address: f.address }),
        }
        for (const log of await client.logs(selectLogs(query, head))) found.add(f.token(log))
      }
    }
    scanned.set(key, top)
    if (found.size > before.size) {
      kept.set(key, found)
      await init.repo
        ?.putMeta(LIGHT_TOKENS_KEY, Object.fromEntries([...kept].map(([h, ts]) => [h, [...ts]])))
        .catch((err: unknown) => console.warn('keeping the tokens found failed', err))
    }
    return found
  }
  const created = (log: LogRecord): Address => `0x${(log.topics[1] ?? '').slice(26)}` as Address
  /** Every token created in the blocks whose headers this node holds, and those found before, oldest first. */
  const createdTokens = async (): Promise<Address[]> => [
    ...(await tokensFound(ALL_TOKENS, [
      { address: TOKEN_FACTORY_ADDRESS, topics: [TOKEN_CREATED_TOPIC], token: created },
    ])),
  ]
  const infoOf = (t: ProvenToken): TokenInfo => ({
    address: t.address,
    name: t.name,
    symbol: t.symbol,
    decimals: t.decimals,
    totalSupply: t.totalSupply,
    owner: t.owner,
  })

  /**
   * Summaries of headers of this chain, as a full node gives them: the header's fields, and the block's
   * transaction hashes read with its receipts (`LightClient.receipts`, checked against the header's
   * roots; nothing asked for a block without transactions).
   */
  const summaries = async (headers: readonly StoredHeader[]): Promise<BlockSummary[]> => {
    const chain = client.headers
    const receipts = await client.receipts(
      headers.filter((h) => h.header.transactionsRoot !== NO_TRANSACTIONS),
    )
    const head = chain.head.header.number
    return headers.map(({ header, hash }) =>
      blockSummary(
        header,
        hash,
        (receipts.get(hash) ?? []).map((r) => r.transactionHash),
        chain.isCanonical(hash) ? head - header.number + 1n : 0n,
      ),
    )
  }

  return {
    client,
    head: (): HeadInfo => headerHeadInfo(client.headers.head),
    /**
     * The canonical block at `number` (`summaries`), null past the header head. Throws
     * `NODE_HISTORY_MISSING` below the oldest header held.
     */
    async block(number: bigint): Promise<BlockSummary | null> {
      const base = client.headers.base.header.number
      if (number < base) throw olderThanHeld(number, base)
      const h = client.headers.byNumber(number)
      return h === undefined ? null : ((await summaries([h]))[0] ?? null)
    },
    /**
     * The canonical header at `number` from the verified headers alone (nothing asked of a peer), or null
     * past the header head or below the oldest header held.
     */
    header(number: bigint): HeaderSummary | null {
      const h = client.headers.byNumber(number)
      return h === undefined ? null : { number: h.header.number, hash: h.hash, timestamp: h.header.timestamp }
    },
    /** A block whose header this node holds (canonical or not) by hash, or null. */
    async blockByHash(hash: Hex): Promise<BlockSummary | null> {
      const h = client.headers.get(hash)
      return h === undefined ? null : ((await summaries([h]))[0] ?? null)
    },
    /**
     * Up to `count` canonical blocks ending at `last` (inclusive), newest first, down to the oldest header
     * held. Throws `NODE_HISTORY_MISSING` when `last` itself is below it.
     */
    async blocks(last: bigint, count: number): Promise<BlockSummary[]> {
      const chain = client.headers
      const base = chain.base.header.number
      if (last < base) throw olderThanHeld(last, base)
      const headers: StoredHeader[] = []
      const top = last < chain.head.header.number ? last : chain.head.header.number
      for (let n = top; n >= base && headers.length < count; n--)
        headers.push(chain.byNumber(n) as StoredHeader)
      return summaries(headers)
    },
    /**
     * The latest `Transfer` logs of `token`, newest first (at most `limit`), as a full node indexes them:
     * read from the blocks whose logs bloom may hold one, newest first, until `limit` are found, the oldest
     * header held is passed, or `MAX_LIGHT_LOG_BLOCKS` blocks were read — always the newest transfers,
     * none left out between them.
     */
    async tokenTransfers(token: Address, limit: number): Promise<LogRecord[]> {
      const chain = client.headers
      const head = chain.head.header.number
      const base = chain.base.header.number
      const selection = selectLogs(
        { fromBlock: head, toBlock: head, address: token, topics: [TRANSFER_TOPIC] },
        head,
      )
      const groups = bloomGroups(selection)
      const out: LogRecord[] = []
      let read = 0
      for (let n = head; n >= base && out.length < limit && read < MAX_LIGHT_LOG_BLOCKS; ) {
        const batch: StoredHeader[] = []
        for (
          ;
          n >= base && batch.length < MAX_RECEIPT_BLOCKS && read + batch.length < MAX_LIGHT_LOG_BLOCKS;
          n--
        ) {
          const h = chain.byNumber(n) as StoredHeader
          if (h.header.logsBloom !== EMPTY_BLOOM && bloomMayMatch(h.header.logsBloom, groups)) batch.push(h)
        }
        read += batch.length
        const receipts = await client.receipts(batch)
        for (const h of batch) {
          const rs = receipts.get(h.hash) ?? []
          const logs: LogRecord[] = []
          const block = { number: h.header.number, hash: h.hash }
          collectBlockLogs(
            logs,
            block,
            rs,
            rs.map((r) => r.transactionHash),
            selection,
          )
          for (const log of logs.reverse()) if (out.length < limit) out.push(log)
        }
      }
      return out
    },
    /**
     * The transactions touching `address`, newest first (at most `limit`): as a full peer lists them,
     * each proven in a block of the header chain (`LightClient.addressTransactions`: a peer can leave some
     * out, not add one).
     */
    addressTransactions(address: Address, limit: number): Promise<Hex[]> {
      return client.addressTransactions(address, limit)
    },
    /**
     * The tokens `holder` has a balance of or created, each proven (metadata, supply, balance): found in
     * the logs of the blocks whose headers this node holds (`Transfer` to it, `TokenCreated` by it), and
     * those found before (kept in the profile), all proven at one anchor header (the answer's `number`:
     * a token created above it is not listed yet). A token it received before its oldest header and
     * never saw since is not listed.
     */
    async tokenHoldings(holder: Address): Promise<Verified<TokenHolding[]>> {
      const word = `0x${holder.slice(2).padStart(64, '0')}` as Hex
      const tokens = await tokensFound(holder, [
        { topics: [TRANSFER_TOPIC, null, word], token: (log) => log.address },
        { address: TOKEN_FACTORY_ADDRESS, topics: [TOKEN_CREATED_TOPIC, null, word], token: created },
      ])
      const proven = await client.tokens([...tokens], holder)
      return {
        ...proven,
        value: proven.value.flatMap(({ token, balance }) => {
          const own = token.owner === holder
          return balance === 0n && !own ? [] : [{ token: infoOf(token), balance, created: own }]
        }),
      }
    },
    /** Every token created in the blocks whose headers this node holds, and those found before; proven. */
    async tokens(): Promise<TokenInfo[]> {
      return (await client.tokens([...(await createdTokens())])).value.map(({ token }) => infoOf(token))
    },
    /**
     * The addresses of those tokens, unproven (a full node started from a snapshot reads each from its
     * own state): the tokens created below its base, whose logs it does not hold.
     */
    createdTokens,
    async start(): Promise<void> {
      await Promise.all([init.network.subscribe(blocksTopic), init.network.subscribe(bigBlocksTopic)])
    },
    stop(): void {
      clearTimeout(keepTimer)
      client.stop()
    },
    /** The verified headers this profile keeps across reloads (what `keep` writes); none at the genesis. */
    checkpoint(): HeaderCheckpoint | undefined {
      return client.headers.head.header.number === 0n ? undefined : kept()
    },
    /** The header chain once header sync has caught up with the peers heard from. */
    async synced() {
      await client.idle()
      return client.headers
    },
    /** Keeps the headers from `number` up in the checkpoint from now on, and writes it. */
    keepFrom(number: bigint): Promise<void> {
      keptFrom = number
      return keep()
    },
    /**
     * The header of a block the full chain took from gossip (`auto` mode): added to the header chain when
     * its parent is there; with `follow`, header sync also asks `from` for what is missing. The full
     * chain already judged the block.
     */
    noteHeader(header: Header, from: string, follow: boolean): void {
      try {
        added(client.headers.add(header, BigInt(init.now())))
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
      }
      if (follow) client.noteHeader(from, header.number)
    },
    /** Base fee of the next block, from the head header. */
    nextBaseFee: (): bigint => nextBaseFee(client.headers.params, client.headers.head.header),
    /**
     * The next nonce for `address`: its nonce proven at the head, or past what this node submitted for it
     * that still reads as pending. Its submissions whose nonce the proven one passed (mined, or replaced)
     * or that no longer read as pending (dropped: a nonce past them would leave a gap) are forgotten.
     */
    async pendingNonce(address: Address): Promise<bigint> {
      const proven = await client.headNonce(address)
      let next = proven
      for (const [hash, { tx }] of unmined) {
        if (tx.from !== address) continue
        if (tx.nonce < proven || pending(hash) === undefined) unmined.delete(hash)
        else if (tx.nonce >= next) next = tx.nonce + 1n
      }
      return next
    },
    /**
     * Checks a raw transaction alone (encoding, chain id, static gas rules, signature: typed `TxError`)
     * and gossips it to the full nodes. Its state checks (nonce, funds) happen at theirs. A light node
     * keeps no pool: a transaction no peer received is refused (`NET_NO_PEERS`), not lost unseen.
     */
    async submitTransaction(raw: Hex): Promise<Hex> {
      const tx = parseTx(raw, client.headers.params)
      const { recipients } = await init.network.publish(txsTopic, fromHex(raw))
      if (recipients === 0)
        throw new NetError(
          { code: 'NET_NO_PEERS', topic: txsTopic },
          'no peer is linked to take the transaction (a light node keeps no pool): it was not sent',
        )
      // The same bytes again move to the end; another of its nonce goes where the pools take this one
      // in its place (both fees `PRICE_BUMP_PERCENT` higher). Else they keep that one: both stay listed
      // until one is proven mined (`settle`).
      for (const [hash, { tx: sent }] of unmined)
        if (hash === tx.hash || (sent.from === tx.from && sent.nonce === tx.nonce && replaces(tx, sent)))
          unmined.delete(hash)
      unmined.set(tx.hash, { tx, at: client.headers.head.header.number })
      for (const hash of unmined.keys()) {
        if (unmined.size <= PENDING_KEPT) break
        unmined.delete(hash)
      }
      init.onPendingTx?.(tx)
      return tx.hash
    },
    /**
     * A transaction proven mined (its inclusion against a canonical header), else one this node submitted
     * lately (`LIGHT_PENDING_BLOCKS`) as pending — also when no peer gave an answer that shows it mined or
     * not: pending says no more than "sent, not proven mined" — else null. Throws `LIGHT_UNVERIFIED` for
     * any other transaction when peers were asked and none gave a proof that verifies.
     */
    async transaction(hash: Hex): Promise<TxView | null> {
      let found: Awaited<ReturnType<typeof mined>>
      try {
        found = await mined(hash)
      } catch (err) {
        const own = pending(hash)
        if (own === undefined || !(err instanceof LightError) || err.type.code !== 'LIGHT_UNVERIFIED')
          throw err
        return viewOfTx(own, null)
      }
      if (found === null) {
        const tx = pending(hash)
        return tx === undefined ? null : viewOfTx(tx, null)
      }
      return viewOfTx(parseTx(found.rawTx, client.headers.params), found)
    },
    /**
     * The receipt of a transaction proven mined (its block's receipts read whole for the gas it used and
     * its logs' indexes), else null. The revert reason is not part of a block's receipts: null.
     */
    async receipt(hash: Hex): Promise<ReceiptView | null> {
      const found = await mined(hash)
      const below = (await ownTxs()).get(hash)?.block
      const header =
        found === null
          ? undefined
          : (client.headers.get(found.blockHash) ?? (below?.hash === found.blockHash ? below : undefined))
      if (found === null || header === undefined) return null
      const receipts = (await client.receipts([header])).get(header.hash) ?? []
      const tx = parseTx(found.rawTx, client.headers.params)
      let logIndex = 0
      for (const r of receipts.slice(0, found.index)) logIndex += r.logs.length
      const before = receipts[found.index - 1]?.cumulativeGasUsed ?? 0n
      return {
        transactionHash: hash,
        blockHash: found.blockHash,
        blockNumber: found.blockNumber,
        index: found.index,
        from: tx.from,
        to: tx.to.toLowerCase() as Address,
        status: found.status === 1 ? 'success' : 'reverted',
        gasUsed: found.cumulativeGasUsed - before,
        cumulativeGasUsed: found.cumulativeGasUsed,
        effectiveGasPrice: effectiveGasPrice(tx, header.header.baseFeePerGas),
        logs: found.logs.map((log) => ({
          ...log,
          blockNumber: found.blockNumber,
          blockHash: found.blockHash,
          transactionHash: hash,
          transactionIndex: found.index,
          logIndex: logIndex++,
        })),
        logsBloom: toHex(logsBloomBytes(found.logs)),
        revertReason: null,
        confirmations: found.confirmations,
      }
    },
    /**
     * The block kept for `hash` (`LIGHT_OWN_TXS_KEY`), a transaction this node submitted and saw proven
     * mined there, once that block is final; undefined for any other transaction.
     */
    async ownFinalBlock(hash: Hex): Promise<StoredHeader | undefined> {
      const own = (await ownTxs()).get(hash)
      return own?.final === true ? own.block : undefined
    },
    /**
     * The transactions submitted here that read as pending (`transaction`), oldest first: once the check
     * of the submissions at the last head (`checkMined`) is done, so that a read at a new head does not
     * list what its block holds.
     */
    async pendingTransactions(): Promise<TxView[]> {
      while (checking !== undefined) await checking
      return [...unmined.keys()].flatMap((hash) => {
        const tx = pending(hash)
        return tx === undefined ? [] : [viewOfTx(tx, null)]
      })
    },
    notePeerHead(peer: string, head: bigint): void {
      client.notePeerHead(peer, head)
    },
    peerJoined(peer: string): void {
      client.peerJoined(peer)
    },
    forgetPeer(peer: string): void {
      client.forgetPeer(peer)
    },
    /**
     * Verdict on gossip (null for other topics): headers of blocks and of announced blocks are taken,
     * neither is forwarded.
     */
    gossip(topic: string, data: Uint8Array, from: string): GossipVerdict | null {
      if (topic !== blocksTopic && topic !== bigBlocksTopic) return null
      if (client.isBanned(from)) return 'reject'
      let header: ReturnType<typeof decodeBlock>['header']
      try {
        header = topic === bigBlocksTopic ? decodeHeader(data) : decodeBlock(data).header
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
        client.penalize(from, err.type.code === 'BLOCK_TOO_LARGE' ? 'oversized' : 'garbage')
        return 'reject'
      }
      try {
        added(client.headers.add(header, BigInt(init.now())))
        client.noteHeader(from, header.number)
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
        switch (err.type.code) {
          case 'BLOCK_UNKNOWN_PARENT':
            // Without the parent its exact difficulty is unknown, but a header without its own work, or
            // with a difficulty no block has, is junk, as the full chain finds it (`Chain.importBlock`):
            // its height is not believed.
            if (!isPossibleDifficulty(client.headers.params, header.difficulty) || !checkPow(header)) {
              client.penalize(from, 'invalid-block')
              return 'reject'
            }
            // We are behind: fetch the headers in between from this peer.
            client.noteHeader(from, header.number)
            break
          case 'BLOCK_FUTURE':
          case 'BLOCK_REORG_TOO_DEEP':
            break
          default:
            client.penalize(from, 'invalid-block')
            return 'reject'
        }
      }
      return 'ignore'
    },
  }
}

export type LightService = ReturnType<typeof createLightService>
