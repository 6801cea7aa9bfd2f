import type { Address, Hex } from 'viem'
import { toHex } from '../codec/bytes'
import { nextBaseFee } from '../consensus/base-fee'
import { isPossibleDifficulty } from '../consensus/difficulty'
import { checkPow } from '../consensus/pow'
import { validateBody, validateHeader, validateOutcome, validateSize } from '../consensus/validate'
import type { MempoolView } from '../mempool/mempool'
import { SenderCache } from '../mempool/sender-cache'
import { badParams, NodeError } from '../rpc/errors'
import { type Account, State } from '../state/state'
import type { TrieNodeRecord } from '../state/trie'
import { decodedTransactionBytes, encodedBlockSize, genesisBlock, hashBlock } from './block'
import { BlockError } from './block-error'
import {
  type ChainBatch,
  type ChainStore,
  MemoryChainStore,
  type StoredBlock,
  type TxLocation,
} from './chain-store'
import { type BlockExecution, executeBlock } from './execute'
import { ExecutionError } from './execute-error'
import { genesisState } from './genesis'
import { type DecodedTx, decodeTx, decodeTxBytes, recoverSenders } from './tx'
import { TxError } from './tx-error'
import type { Block, ChainParams, Genesis, Header, Receipt, Tx } from './types'

/** How the canonical chain moved: blocks that left it, blocks that joined it, and their transactions. */
export interface HeadChange {
  readonly oldHead: Hex
  readonly newHead: Hex
  /** Blocks that left the canonical chain, newest first. */
  readonly removed: readonly Hex[]
  /** Blocks that joined it, oldest first. */
  readonly added: readonly Hex[]
  /** Hashes of the transactions in `added` (to drop from the mempool). */
  readonly mined: readonly Hex[]
  /** Raw transactions of `removed` that are not in `added`, in chain order (to return to the mempool). */
  readonly orphaned: readonly Hex[]
}

/**
 * What importing a block did. `extended`/`reorg`/`side` describe the net effect on the canonical chain,
 * including any waiting orphans the block connected (so a block may be `side` itself and still cause a
 * `reorg` once its descendants attach).
 */
export type ImportResult =
  | { readonly kind: 'known'; readonly hash: Hex }
  /** Parent unknown: kept (bounded) and connected when the parent arrives; ask a peer for `missing`. */
  | { readonly kind: 'orphan'; readonly hash: Hex; readonly missing: Hex }
  | { readonly kind: 'side'; readonly hash: Hex; readonly number: bigint }
  | { readonly kind: 'extended'; readonly hash: Hex; readonly number: bigint; readonly head: HeadChange }
  | { readonly kind: 'reorg'; readonly hash: Hex; readonly number: bigint; readonly head: HeadChange }

export interface ChainInit {
  readonly genesis: Genesis
  /** Defaults to a fresh `MemoryChainStore`. */
  readonly store?: ChainStore
  /** Recovered senders by tx hash, shared with the mempool so seen transactions are not re-verified. */
  readonly senders?: SenderCache
  /** Blocks with an unknown parent kept at most (oldest dropped first). */
  readonly maxOrphans?: number
  /** Encoded bytes of the blocks with an unknown parent kept at most (oldest dropped first). */
  readonly maxOrphanBytes?: number
}

/** A canonical transaction with its position. */
export interface TxLookup extends TxLocation {
  readonly tx: Tx
}

/** A canonical receipt with its position. */
export interface ReceiptLookup extends TxLocation {
  readonly receipt: Receipt
}

const STATE_CACHE = 64

/**
 * The default of `ChainInit.maxOrphanBytes`: 16 blocks at the gossip limit (1 MiB), thousands of ordinary
 * ones. A kept block costs about three times its size (its bytes and their hex), so 256 orphans of 1 MiB
 * each, the count limit alone, would take most of a tab's memory; honest orphans are rarely many or
 * large, and one dropped is fetched again by sync.
 */
export const MAX_ORPHAN_BYTES = 16 * 1024 * 1024

/**
 * The block tree and the canonical chain, chosen by total difficulty (ties keep the first seen).
 *
 * Every block is fully validated and executed when it connects, whether it extends the head or a side
 * branch, so its post-state is known (states are persistent values keyed by root: rolling back is
 * reading an ancestor's root, never replaying from genesis) and a reorg is a switch of canonical
 * pointers that cannot fail half-way. Reorgs deeper than `params.maxReorgDepth` are refused.
 */
export class Chain {
  readonly params: ChainParams
  readonly genesisHash: Hex
  readonly store: ChainStore
  readonly senders: SenderCache
  /** secp256k1 recoveries performed (cache misses), for tests and metrics. */
  recoveries = 0
  private readonly maxOrphans: number
  private readonly maxOrphanBytes: number
  private readonly orphans = new Map<Hex, Block>()
  private orphanBytes = 0
  private readonly orphansByParent = new Map<Hex, Set<Hex>>()
  private readonly states = new Map<Hex, State>()
  private deferred: Block[] = []
  /** A canonical block the user let the chain reorganise back to, past `maxReorgDepth` (`allowDeepReorg`). */
  private deepReorgTo: Hex | undefined
  /** The block `base` found last: still the base while it stays canonical without a parent held. */
  private baseBlock: { readonly number: bigint; readonly hash: Hex; readonly parentHash: Hex } | undefined

  /**
   * Opens the chain in `init.store`, writing the genesis block first when the store is empty. Throws
   * `BlockError` `BLOCK_BAD_GENESIS` when the store holds another chain.
   */
  constructor(init: ChainInit) {
    this.params = init.genesis.params
    this.store = init.store ?? new MemoryChainStore()
    this.senders = init.senders ?? new SenderCache()
    this.maxOrphans = init.maxOrphans ?? 256
    this.maxOrphanBytes = init.maxOrphanBytes ?? MAX_ORPHAN_BYTES
    const block = genesisBlock(init.genesis)
    this.genesisHash = hashBlock(block)
    const known = this.store.getCanonicalHash(0n)
    if (known === undefined) {
      const { state, created } = genesisState(init.genesis)
      const stored: StoredBlock = {
        hash: this.genesisHash,
        block,
        totalDifficulty: block.header.difficulty,
        txHashes: [],
        receipts: [],
      }
      this.store.write({
        blocks: [stored],
        stateNodes: created,
        canonical: [{ number: 0n, hash: this.genesisHash }],
        head: this.genesisHash,
      })
      this.states.set(this.genesisHash, state)
    } else if (known !== this.genesisHash) {
      throw new BlockError({ code: 'BLOCK_BAD_GENESIS', expected: this.genesisHash, got: known })
    }
  }

  /** The canonical head. */
  get head(): StoredBlock {
    return this.mustGet(this.store.getHead() ?? this.genesisHash)
  }

  /** Header of the canonical head. */
  get headHeader(): Header {
    return this.head.block.header
  }

  /** State after the canonical head. */
  get headState(): State {
    return this.stateAt(this.head.hash)
  }

  /** Blocks waiting for an unknown parent. */
  get orphanCount(): number {
    return this.orphans.size
  }

  /**
   * Orphans that connected to a known parent but were dated beyond the future tolerance: hold them and
   * import them again when the clock reaches them, as for `BLOCK_FUTURE`. Empties the list.
   */
  takeDeferred(): Block[] {
    const out = this.deferred
    this.deferred = []
    return out
  }

  /** State after block `hash` (any stored block, canonical or not). */
  stateAt(hash: Hex): State {
    const cached = this.states.get(hash)
    if (cached !== undefined) return cached
    const stored = this.mustGet(hash)
    const state = State.fromRoot(stored.block.header.stateRoot, this.store.nodes)
    this.cacheState(hash, state)
    return state
  }

  /**
   * Makes `block` the canonical head without the blocks before it: its state was not executed here but
   * downloaded as a snapshot and verified against its state root (src/node/snapshot), and `stateNodes`
   * are that tree's nodes. Blocks on top of it then import and execute as usual. Its receipts are unknown
   * (stored empty) and its transactions are not indexed; the heights between genesis and it stay empty
   * (`base` tells where the stored chain starts). A shorter, lighter chain held so far (a fresh tab's
   * first mined blocks) leaves the canonical chain, as in a reorg; `replaced` holds its transactions, in
   * the order they were executed (for the pool: those the new chain has not mined may go back).
   *
   * `totalDifficulty` is the block's cumulative work, from the header chain that led to it. Throws
   * `BlockError`: `BLOCK_NOT_ADOPTABLE` when the current head is not below and lighter than the block,
   * the state under the block's root is not in `stateNodes`, or the store still loads its older blocks
   * (await `store.loaded` first); `BLOCK_BAD_TX_ROOT` when the body does not match the header.
   */
  adoptSnapshot(
    block: Block,
    totalDifficulty: bigint,
    stateNodes: readonly TrieNodeRecord[],
  ): { readonly stored: StoredBlock; readonly replaced: readonly Hex[] } {
    // The chain leaving the canonical chain is read block by block to take its transactions out of the
    // index. A reopened store answers undefined for the blocks it has not loaded yet, whose transactions
    // would stay indexed as mined, and its load would then put the old chain's entries back.
    if (this.store.fullyLoaded === false)
      throw new BlockError({ code: 'BLOCK_NOT_ADOPTABLE', reason: 'the store still loads older blocks' })
    const head = this.head
    if (head.block.header.number >= block.header.number || head.totalDifficulty >= totalDifficulty)
      throw new BlockError({ code: 'BLOCK_NOT_ADOPTABLE', reason: 'the chain already reaches as far' })
    validateBody(block)
    const hash = hashBlock(block)
    const root = block.header.stateRoot
    if (!stateNodes.some((n) => toHex(n.hash) === root))
      throw new BlockError({
        code: 'BLOCK_NOT_ADOPTABLE',
        reason: `state root ${root} is not among the nodes`,
      })
    const stored: StoredBlock = { hash, block, totalDifficulty, txHashes: [], receipts: [] }
    const canonical: { number: bigint; hash: Hex | undefined }[] = []
    const txIndex: { hash: Hex; location: TxLocation | undefined }[] = []
    const replaced: Hex[] = []
    for (let n = 1n; n <= head.block.header.number; n++) {
      canonical.push({ number: n, hash: undefined })
      const old = this.getBlockByNumber(n)
      for (const h of old?.txHashes ?? []) txIndex.push({ hash: h, location: undefined })
      replaced.push(...(old?.block.transactions ?? []))
    }
    canonical.push({ number: block.header.number, hash })
    this.store.write({ blocks: [stored], stateNodes, canonical, txIndex, head: hash })
    this.baseBlock = undefined
    return { stored, replaced }
  }

  /**
   * The lowest block of the canonical chain reachable from the head through stored parents: 0 for a
   * chain held from genesis, the snapshot block for one started by `adoptSnapshot` (or higher while a
   * reopened store still loads older blocks). Sync never asks below it.
   */
  get base(): bigint {
    // Sync runs and served requests read it often: the walk is taken again only when the block found
    // last no longer is the base. Blocks are never removed and each block above it on the canonical chain
    // was stored with its parent, so it still is while canonical with no parent held (the genesis always
    // has none and stays canonical: `adoptSnapshot` forgets it) — until an older block loads or arrives.
    const known = this.baseBlock
    if (
      known !== undefined &&
      this.store.getCanonicalHash(known.number) === known.hash &&
      (known.number === 0n || this.store.getBlock(known.parentHash) === undefined)
    )
      return known.number
    let b = this.head
    for (;;) {
      const { number, parentHash } = b.block.header
      const parent = number === 0n ? undefined : this.store.getBlock(parentHash)
      if (parent === undefined) {
        this.baseBlock = { number, hash: b.hash, parentHash }
        return number
      }
      b = parent
    }
  }

  /**
   * Where a stored block's branch meets the canonical chain, and how many canonical blocks lie above
   * that point: a reorg onto the branch would take them out. Throws `BLOCK_REORG_TOO_DEEP` when the two
   * meet only below a snapshot's base.
   */
  forkPoint(hash: Hex): { readonly ancestor: StoredBlock; readonly depth: number } {
    return this.forkOf(this.mustGet(hash))
  }

  private forkOf(block: StoredBlock): { readonly ancestor: StoredBlock; readonly depth: number } {
    const number = this.head.block.header.number
    // Down the block's own branch to the canonical chain, never down the canonical chain to the branch:
    // a child of a stale block left far behind (nearly free to seal after the long gap) would otherwise
    // cost a walk over every block since, and is refused without a penalty. A side branch grows only
    // while it forks near the head, so its walk stays short.
    let ancestor = block
    while (!this.isCanonical(ancestor.hash)) {
      const parent = this.store.getBlock(ancestor.block.header.parentHash)
      if (parent === undefined) throw this.tooDeep(number - ancestor.block.header.number)
      ancestor = parent
    }
    // Below a snapshot's base the chain holds nothing: a branch meeting it only at the genesis is too deep.
    if (ancestor.block.header.number < this.base) throw this.tooDeep(number)
    return { ancestor, depth: Number(number - ancestor.block.header.number) }
  }

  private tooDeep(depth: bigint): BlockError {
    return new BlockError({
      code: 'BLOCK_REORG_TOO_DEEP',
      depth: Number(depth),
      max: this.params.maxReorgDepth,
    })
  }

  /**
   * Lets the chain reorganise, once, onto a heavier branch that forks off at canonical block `ancestor`
   * however far back that is: past `maxReorgDepth` a reorg is otherwise refused, so two groups of tabs
   * that mined apart for longer never join again on their own (`Syncer`'s `ChainSplit`). The user
   * chooses; the branch's blocks are still fully validated and executed, and it wins only by its work.
   * The leave lasts until such a reorg happens, or `allowDeepReorg(null)` takes it back. Throws
   * `NodeError` `NODE_BAD_PARAMS` when `ancestor` is not a canonical block.
   */
  allowDeepReorg(ancestor: Hex | null): void {
    if (ancestor === null) {
      this.deepReorgTo = undefined
      return
    }
    if (!this.isCanonical(ancestor)) throw badParams(`${ancestor} is not a block of the canonical chain`)
    this.deepReorgTo = ancestor
  }

  /** The block `allowDeepReorg` named, until the reorg it allowed happens. */
  get deepReorgTarget(): Hex | undefined {
    return this.deepReorgTo
  }

  /** Any stored block (canonical or side branch) by hash. */
  getBlock(hash: Hex): StoredBlock | undefined {
    return this.store.getBlock(hash)
  }

  /** Canonical block at `number`. */
  getBlockByNumber(number: bigint): StoredBlock | undefined {
    const hash = this.store.getCanonicalHash(number)
    return hash === undefined ? undefined : this.store.getBlock(hash)
  }

  /** Header by hash (any stored block) or by number (canonical chain). */
  getHeader(hashOrNumber: Hex | bigint): Header | undefined {
    const b =
      typeof hashOrNumber === 'bigint' ? this.getBlockByNumber(hashOrNumber) : this.getBlock(hashOrNumber)
    return b?.block.header
  }

  /** Cumulative difficulty of a stored block. */
  totalDifficulty(hash: Hex): bigint | undefined {
    return this.store.getBlock(hash)?.totalDifficulty
  }

  /** True when block `hash` is on the canonical chain. */
  isCanonical(hash: Hex): boolean {
    const b = this.store.getBlock(hash)
    return b !== undefined && this.store.getCanonicalHash(b.block.header.number) === hash
  }

  /** 1 for the head, 2 for its parent…; 0 for an unknown or non-canonical block. */
  confirmations(hash: Hex): bigint {
    const b = this.store.getBlock(hash)
    if (b === undefined || !this.isCanonical(hash)) return 0n
    return this.headHeader.number - b.block.header.number + 1n
  }

  /** A transaction of the canonical chain by hash. */
  getTransaction(hash: Hex): TxLookup | undefined {
    const loc = this.store.getTxLocation(hash)
    if (loc === undefined) return undefined
    const raw = this.mustGet(loc.blockHash).block.transactions[loc.index]
    if (raw === undefined) return undefined
    return { ...loc, tx: this.recover(raw, loc.index) }
  }

  /** A receipt of the canonical chain by transaction hash. */
  getReceipt(hash: Hex): ReceiptLookup | undefined {
    const loc = this.store.getTxLocation(hash)
    if (loc === undefined) return undefined
    const receipt = this.mustGet(loc.blockHash).receipts[loc.index]
    return receipt === undefined ? undefined : { ...loc, receipt }
  }

  /** What the mempool needs from the head: next base fee, account nonces and balances. */
  mempoolView(): MempoolView {
    const state = this.headState
    // One head's accounts do not change: each is read from the tree once per view (a new head checks
    // every pooled sender's nonce and balance).
    const accounts = new Map<Address, Account>()
    const account = (a: Address): Account => {
      let found = accounts.get(a)
      if (found === undefined) {
        found = state.getAccount(a)
        accounts.set(a, found)
      }
      return found
    }
    return {
      baseFee: nextBaseFee(this.params, this.headHeader),
      nonce: (a) => account(a).nonce,
      balance: (a) => account(a).balance,
    }
  }

  /**
   * Validates, executes and stores a block, moving the head if its branch is now the heaviest, then
   * connects any orphans that were waiting for it. Throws `BlockError` (nothing is stored then);
   * `BLOCK_FUTURE` means "retry when the clock reaches it", not "invalid" (see also `takeDeferred`).
   *
   * @param now the caller's clock in ms, for the future-timestamp rule
   */
  importBlock(block: Block, now: bigint): ImportResult {
    const hash = hashBlock(block)
    if (this.store.getBlock(hash) !== undefined) return { kind: 'known', hash }
    const parentHash = block.header.parentHash
    const parent = this.store.getBlock(parentHash)
    if (parent === undefined) {
      if (this.orphans.has(hash)) return { kind: 'orphan', hash, missing: parentHash }
      if (block.header.number === 0n) {
        throw new BlockError({ code: 'BLOCK_BAD_GENESIS', expected: this.genesisHash, got: hash })
      }
      // Only sealed blocks are worth memory: junk without work is refused, not kept. Without the parent
      // the exact difficulty is unknown, but one no valid block has (1 seals with any nonce) is no work.
      // The body must match the header's transactions root too, or a copy of an honest header with a
      // forged body, arriving first, would occupy the honest block's slot (orphans are keyed by header hash).
      if (!isPossibleDifficulty(this.params, block.header.difficulty) || !checkPow(block.header))
        throw new BlockError({ code: 'BLOCK_INSUFFICIENT_WORK', hash })
      validateSize(block)
      validateBody(block)
      this.keepOrphan(hash, block)
      return { kind: 'orphan', hash, missing: parentHash }
    }
    // A block held as an orphan whose parent was stored without an import connecting it (the snapshot
    // block `adoptSnapshot` made the head) connects now, as a new block, or the head would stay there.
    this.dropOrphan(hash)
    const oldHead = this.head.hash
    this.connect(hash, block, parent, now)
    this.connectOrphans(hash, now)
    const newHead = this.head.hash
    if (newHead === oldHead) return { kind: 'side', hash, number: block.header.number }
    const head = this.diff(oldHead, newHead)
    return head.removed.length === 0
      ? { kind: 'extended', hash, number: block.header.number, head }
      : { kind: 'reorg', hash, number: block.header.number, head }
  }

  /**
   * Decodes a block's transactions and finds their senders, from the shared cache when possible.
   * Throws `BlockError` `BLOCK_INVALID_TX`.
   */
  blockTransactions(block: Block): Tx[] {
    const bytes = decodedTransactionBytes(block)
    return this.withSenders(block.transactions.map((raw, index) => this.decode(raw, index, bytes?.[index])))
  }

  private recover(raw: Hex, index: number): Tx {
    return this.withSenders([this.decode(raw, index)], index)[0] as Tx
  }

  /** Decodes transaction `index` of a block, from its `bytes` when the block was decoded from bytes. */
  private decode(raw: Hex, index: number, bytes?: Uint8Array): DecodedTx {
    try {
      return bytes === undefined ? decodeTx(raw, this.params) : decodeTxBytes(bytes, raw, this.params)
    } catch (err) {
      throw invalidTx(err, index)
    }
  }

  /**
   * A block's decoded transactions with their senders: from the shared cache, else recovered together
   * (one batch shares the field inversions). `decoded[k]` is the block's transaction `first + k`. Throws
   * `BlockError` `BLOCK_INVALID_TX` for the first transaction, in block order, whose signature recovers no key.
   */
  private withSenders(decoded: readonly DecodedTx[], first = 0): Tx[] {
    const senders = decoded.map((d) => this.senders.get(d.hash))
    const missing: number[] = []
    senders.forEach((from, index) => {
      if (from === undefined) missing.push(index)
    })
    if (missing.length > 0) {
      this.recoveries += missing.length
      const recovered = recoverSenders(missing.map((index) => decoded[index] as DecodedTx))
      missing.forEach((index, k) => {
        const from = recovered[k] as Address | TxError
        if (from instanceof TxError) throw invalidTx(from, first + index)
        this.senders.set((decoded[index] as DecodedTx).hash, from)
        senders[index] = from
      })
    }
    return decoded.map((d, index) => withFrom(d, senders[index] as Address))
  }

  private connect(hash: Hex, block: Block, parent: StoredBlock, now: bigint): void {
    const header = block.header
    validateHeader(this.params, header, parent.block.header, now, parent.hash)
    validateSize(block)
    this.checkForkDepth(parent)
    // Decode (cheap, gives the hashes), check the root and duplicates, and only then pay for recovery.
    const bytes = decodedTransactionBytes(block)
    const decoded = block.transactions.map((raw, index) => this.decode(raw, index, bytes?.[index]))
    const txHashes = decoded.map((d) => d.hash)
    validateBody(block, txHashes)
    const txs = this.withSenders(decoded)
    const exec = this.execute(
      parent,
      header,
      txs,
      decoded.map((d) => d.input),
    )
    validateOutcome(header, {
      stateRoot: exec.state.root,
      receiptsRoot: exec.receiptsRoot,
      logsBloom: exec.logsBloom,
      gasUsed: exec.gasUsed,
    })
    const stored: StoredBlock = {
      hash,
      block,
      totalDifficulty: parent.totalDifficulty + header.difficulty,
      txHashes,
      receipts: exec.receipts,
    }
    const head = this.head
    if (stored.totalDifficulty <= head.totalDifficulty) {
      this.store.write({ blocks: [stored], stateNodes: exec.created })
    } else if (parent.hash === head.hash) {
      this.store.write({
        blocks: [stored],
        stateNodes: exec.created,
        canonical: [{ number: header.number, hash }],
        txIndex: txHashes.map((h, index) => ({
          hash: h,
          location: { blockHash: hash, blockNumber: header.number, index },
        })),
        head: hash,
      })
    } else {
      this.store.write({ ...this.reorgBatch(head, parent, stored), stateNodes: exec.created })
    }
    this.cacheState(hash, exec.state)
  }

  private execute(
    parent: StoredBlock,
    header: Header,
    txs: readonly Tx[],
    calldata: readonly Uint8Array[],
  ): BlockExecution {
    try {
      return executeBlock(
        this.stateAt(parent.hash),
        {
          number: header.number,
          timestamp: header.timestamp,
          miner: header.miner,
          baseFeePerGas: header.baseFeePerGas,
          gasLimit: header.gasLimit,
        },
        txs,
        this.params,
        calldata,
      )
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err
      const t = err.type
      if (t.code === 'BLOCK_GAS_LIMIT_EXCEEDED') {
        throw new BlockError({
          code: 'BLOCK_GAS_LIMIT_EXCEEDED',
          index: t.index,
          gasLimit: t.gasLimit,
          need: t.need,
        })
      }
      // The transaction's refusal in words, as for one that fails decoding (`invalidTx`): the block's
      // message names its position.
      throw new BlockError({
        code: 'BLOCK_INVALID_TX',
        index: t.index,
        txCode: t.reason.code,
        reason: new TxError(t.reason).message,
      })
    }
  }

  /**
   * A block forking off further back than `maxReorgDepth` could never become canonical here: refuse it
   * before paying for its execution (it is `ignore`, not `reject`: the peer may simply be on that fork).
   */
  private checkForkDepth(parent: StoredBlock): void {
    const { ancestor, depth } = this.forkOf(parent)
    this.checkDepth(ancestor, depth)
  }

  /** Refuses a reorg `depth` blocks deep back to `ancestor`, past the limit and not allowed by the user. */
  private checkDepth(ancestor: StoredBlock, depth: number): void {
    if (depth > this.params.maxReorgDepth && ancestor.hash !== this.deepReorgTo) {
      throw new BlockError({ code: 'BLOCK_REORG_TOO_DEEP', depth, max: this.params.maxReorgDepth })
    }
  }

  /** The batch that makes `stored` (child of `parent`, heavier than `head`) the new head. */
  private reorgBatch(head: StoredBlock, parent: StoredBlock, stored: StoredBlock): ChainBatch {
    const ancestor = this.commonAncestor(head, parent)
    this.checkDepth(ancestor, Number(head.block.header.number - ancestor.block.header.number))
    if (ancestor.hash === this.deepReorgTo) this.deepReorgTo = undefined
    const removed = this.branch(head, ancestor)
    const added = [...this.branch(parent, ancestor).reverse(), stored]
    const canonical: { number: bigint; hash: Hex | undefined }[] = added.map((b) => ({
      number: b.block.header.number,
      hash: b.hash,
    }))
    for (let n = stored.block.header.number + 1n; n <= head.block.header.number; n++) {
      canonical.push({ number: n, hash: undefined })
    }
    // Deletions first, then insertions: a transaction on both branches ends up indexed at its new place.
    const txIndex: { hash: Hex; location: TxLocation | undefined }[] = []
    for (const b of removed) for (const h of b.txHashes) txIndex.push({ hash: h, location: undefined })
    for (const b of added) {
      b.txHashes.forEach((h, index) => {
        txIndex.push({ hash: h, location: { blockHash: b.hash, blockNumber: b.block.header.number, index } })
      })
    }
    return { blocks: [stored], canonical, txIndex, head: stored.hash }
  }

  /** Blocks from `from` down to (excluding) `ancestor`, newest first. */
  private branch(from: StoredBlock, ancestor: StoredBlock): StoredBlock[] {
    const out: StoredBlock[] = []
    for (let b = from; b.hash !== ancestor.hash; b = this.mustGet(b.block.header.parentHash)) out.push(b)
    return out
  }

  private commonAncestor(a0: StoredBlock, b0: StoredBlock): StoredBlock {
    const up = (x: StoredBlock): StoredBlock => {
      const parent = this.store.getBlock(x.block.header.parentHash)
      // Below a snapshot's base the chain holds nothing: branches that meet only there are too deep.
      if (parent === undefined) throw this.tooDeep(a0.block.header.number - x.block.header.number)
      return parent
    }
    let a = a0
    let b = b0
    while (a.block.header.number > b.block.header.number) a = up(a)
    while (b.block.header.number > a.block.header.number) b = up(b)
    while (a.hash !== b.hash) {
      a = up(a)
      b = up(b)
    }
    return a
  }

  private diff(oldHead: Hex, newHead: Hex): HeadChange {
    const from = this.mustGet(oldHead)
    const to = this.mustGet(newHead)
    const ancestor = this.commonAncestor(from, to)
    const removed = this.branch(from, ancestor)
    const added = this.branch(to, ancestor).reverse()
    const mined = added.flatMap((b) => b.txHashes)
    const minedSet = new Set(mined)
    const orphaned: Hex[] = []
    for (const b of [...removed].reverse()) {
      b.block.transactions.forEach((raw, i) => {
        if (!minedSet.has(b.txHashes[i] as Hex)) orphaned.push(raw)
      })
    }
    return {
      oldHead,
      newHead,
      removed: removed.map((b) => b.hash),
      added: added.map((b) => b.hash),
      mined,
      orphaned,
    }
  }

  private keepOrphan(hash: Hex, block: Block): void {
    const size = encodedBlockSize(block)
    while (
      this.orphans.size > 0 &&
      (this.orphans.size >= this.maxOrphans || this.orphanBytes + size > this.maxOrphanBytes)
    ) {
      const oldest = this.orphans.keys().next()
      if (oldest.done !== true) this.dropOrphan(oldest.value)
    }
    this.orphans.set(hash, block)
    this.orphanBytes += size
    let kids = this.orphansByParent.get(block.header.parentHash)
    if (kids === undefined) {
      kids = new Set()
      this.orphansByParent.set(block.header.parentHash, kids)
    }
    kids.add(hash)
  }

  private dropOrphan(hash: Hex): void {
    const block = this.orphans.get(hash)
    if (block === undefined) return
    this.orphans.delete(hash)
    this.orphanBytes -= encodedBlockSize(block)
    const kids = this.orphansByParent.get(block.header.parentHash)
    kids?.delete(hash)
    if (kids?.size === 0) this.orphansByParent.delete(block.header.parentHash)
  }

  /** Connects the orphans descending from `root`, breadth first; an invalid one is dropped. */
  private connectOrphans(root: Hex, now: bigint): void {
    const queue = [root]
    for (let h = queue.shift(); h !== undefined; h = queue.shift()) {
      const kids = this.orphansByParent.get(h)
      if (kids === undefined) continue
      for (const kid of [...kids]) {
        const block = this.orphans.get(kid) as Block
        this.dropOrphan(kid)
        try {
          this.connect(kid, block, this.mustGet(h), now)
          queue.push(kid)
        } catch (err) {
          if (!(err instanceof BlockError)) throw err
          // A waiting orphan that is now only "too early" goes back to the caller (`takeDeferred`), who
          // holds future blocks anyway; invalid ones are dropped.
          if (err.type.code === 'BLOCK_FUTURE' && this.deferred.length < this.maxOrphans)
            this.deferred.push(block)
        }
      }
    }
  }

  private cacheState(hash: Hex, state: State): void {
    this.states.set(hash, state)
    if (this.states.size > STATE_CACHE) {
      const oldest = this.states.keys().next()
      if (oldest.done !== true) this.states.delete(oldest.value)
    }
  }

  private mustGet(hash: Hex): StoredBlock {
    const b = this.store.getBlock(hash)
    if (b === undefined) throw new Error(`chain store is missing block ${hash}`)
    return b
  }
}

/** A transaction with its sender. */
function withFrom(d: DecodedTx, from: Address): Tx {
  return {
    hash: d.hash,
    raw: d.raw,
    from,
    chainId: d.chainId,
    nonce: d.nonce,
    maxPriorityFeePerGas: d.maxPriorityFeePerGas,
    maxFeePerGas: d.maxFeePerGas,
    gas: d.gas,
    to: d.to,
    value: d.value,
    data: d.data,
  }
}

function invalidTx(err: unknown, index: number): BlockError {
  if (!(err instanceof NodeError)) throw err
  return new BlockError({ code: 'BLOCK_INVALID_TX', index, txCode: err.type.code, reason: err.message })
}
