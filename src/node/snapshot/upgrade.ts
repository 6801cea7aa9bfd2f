import type { Hex } from 'viem'
import { hashBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import type { Chain } from '../chain/chain'
import type { Block } from '../chain/types'
import type { HeaderChain } from '../light/header-chain'
import type { NodeMode } from '../light/mode'
import type { GossipVerdict } from '../network/bridge'
import type { NodeRepository } from '../storage/types'
import { SyncError } from '../sync/errors'
import { decodeBlocksResponse, encodeBlocksRequest, MAX_BLOCKS_PER_REQUEST } from '../sync/messages'
import type { Offence } from '../sync/peer-scores'
import { syncProtocols } from '../sync/sync-server'
import {
  downloadSnapshot,
  SNAPSHOT_PROGRESS_KEY,
  type SnapshotProgress,
  type SnapshotResult,
  type SnapshotStatus,
  type SnapshotTarget,
} from './download'
import { SnapshotError } from './errors'

export interface UpgradeConfig {
  /**
   * A peer chain no longer than this many blocks is replayed from genesis by the ordinary sync instead:
   * executing ~1,000 blocks costs about what the snapshot's round trips and final check cost.
   */
  readonly replayBelow: number
  /** Snapshot this many blocks below the peer's head (default: the reorg limit or k, the larger). */
  readonly depth?: number
  /** Snapshot requests in flight at once. */
  readonly parallel: number
  readonly timeoutMs: number
  /** Wait before a failed upgrade is tried again from another peer (the download resumes). */
  readonly retryMs: number
}

export const DEFAULT_UPGRADE_CONFIG: UpgradeConfig = {
  replayBelow: 1024,
  parallel: 4,
  timeoutMs: 10_000,
  retryMs: 5_000,
}

/** Share of the progress bar the snapshot download takes; block execution after it takes the rest. */
const SNAPSHOT_SHARE = 80

/** The verified header chain an upgrade starts from (the light client's, in an `auto` node). */
export interface VerifiedHeaders {
  /** The header chain once its sync has caught up with the peers' claimed heads. */
  synced(): Promise<HeaderChain>
  /** Keeps the headers from `number` up in the profile, so a reload resumes at the same snapshot block. */
  keepFrom(number: bigint): Promise<void>
}

export interface UpgradeInit {
  readonly chain: Chain
  /** Where verified snapshot nodes and the download's progress are kept (the profile's repository). */
  readonly repo: NodeRepository
  readonly request: (
    peerId: string,
    protocol: string,
    data: Uint8Array,
    timeoutMs: number,
  ) => Promise<Uint8Array>
  /** Peers that may serve snapshot chunks (direct links). */
  readonly peers: () => readonly string[]
  readonly penalize: (peerId: string, offence: Offence) => void
  /** The light client's verified header chain: the snapshot block and its total difficulty come from it. */
  readonly headers: VerifiedHeaders
  /**
   * Imports a block on top of the snapshot, served by peer `from`, through the node (head events follow
   * as for sync); its gossip verdict. A block dated ahead of the clock is held with `from`, which pays the
   * penalty if it is found invalid when due.
   */
  readonly importBlock: (block: Block, from: string) => GossipVerdict
  readonly onMode: (mode: NodeMode) => void
  /**
   * The verified headers show the chain far enough behind to upgrade: called once, before anything is
   * fetched, so the node holds what would race the upgrade (its ordinary sync) from then on. Not
   * called when the outcome is `replay`: a claim no verified header backs holds no sync.
   */
  readonly hold?: () => void
  /** The snapshot download's progress (nodes stored, fetched by this run). */
  readonly onSnapshot?: (status: SnapshotStatus) => void
  /**
   * The transactions of the chain the snapshot block replaced (a tab's own blocks, mined apart), in
   * their order, at the end of an upgrade that adopted the snapshot block, whether it reached full or
   * failed after (the node stays on the new chain): those it has not mined may go back to the pool.
   * `removed`: the blocks of that chain the verified chain does not hold (newest first), as a reorg
   * would list them: what was settled there is not settled on the new chain.
   */
  readonly onReplaced?: (transactions: readonly Hex[], removed: readonly Hex[]) => void
  readonly config?: Partial<UpgradeConfig>
}

export type UpgradeOutcome =
  /** The verified chain is short (or not far ahead): let the ordinary sync replay it. */
  | { readonly kind: 'replay'; readonly peerHead: bigint }
  | {
      readonly kind: 'full'
      readonly target: SnapshotTarget
      readonly snapshot: SnapshotResult
      /** Blocks executed after the snapshot block. */
      readonly executed: number
    }

/**
 * The peer a snapshot upgrade takes its blocks from, chosen once the verified header chain has caught up
 * (its head at `verifiedHead`). A peer's head is only its claim: one above the verified head is backed by
 * no header this node checked (a peer may lie about its head to be picked), so it is taken only when no
 * peer whose claim is backed will do. In order: `peer` (the one whose head started it), while no attempt
 * failed with it and its claim is backed; the best other peer (highest head; the first seen on a tie) not
 * dropped, not failed with, with a head above `minHead` (far enough ahead to upgrade from), and backed;
 * then, as when no claim is backed, `peer` while no attempt failed with it, the best such peer whatever
 * its claim, and `peer` again. A failed request is retried elsewhere: the next attempt would otherwise
 * start from whichever peer's status came next, or from the best head, which can be the same peer each
 * time.
 */
export function upgradeSource(
  peer: readonly [id: string, head: bigint],
  known: ReadonlyMap<string, bigint>,
  failedWith: ReadonlySet<string>,
  isDropped: (id: string) => boolean,
  minHead: bigint,
  verifiedHead: bigint,
): readonly [id: string, head: bigint] {
  const best = (backed: boolean): readonly [string, bigint] | undefined => {
    let found: readonly [string, bigint] | undefined
    for (const [id, head] of known)
      if (
        !failedWith.has(id) &&
        !isDropped(id) &&
        head > minHead &&
        (!backed || head <= verifiedHead) &&
        (found === undefined || head > found[1])
      )
        found = [id, head]
    return found
  }
  const fresh = !failedWith.has(peer[0])
  if (fresh && peer[1] <= verifiedHead) return peer
  return best(true) ?? (fresh ? peer : (best(false) ?? peer))
}

/** A peer's data that is not what we asked for: penalised, and the upgrade stops (to be retried). */
function refuse(init: UpgradeInit, peer: string, offence: Offence, reason: string): never {
  init.penalize(peer, offence)
  throw new SnapshotError({ code: 'SNAPSHOT_NO_TARGET', reason }, `snapshot target refused: ${reason}`)
}

/**
 * Upgrades a node that is far behind to a full node without replaying the chain: waits for the verified
 * header chain (`init.headers`, every header checked by the header rules from the genesis or this
 * profile's checkpoint) to catch up, takes its canonical header `depth` blocks below its head (or the
 * block of an unfinished download, while still canonical), downloads and verifies that block's state
 * from every peer (`downloadSnapshot`, resumable), makes that block the chain's head
 * (`Chain.adoptSnapshot`, with the total difficulty the header chain verified, once the chain's store has
 * loaded every block it holds), then fetches from the peer `source` names (given the verified head, once
 * the header chain caught up: `upgradeSource`) and executes the blocks from it to the verified head
 * (following it while it grows). Reports `upgrading n %` then `full` through
 * `onMode`. A verified chain at most `replayBelow` past ours is left to the ordinary sync (`replay`);
 * only a longer one calls `hold`, before anything is fetched.
 *
 * Throws `SnapshotError` (`SNAPSHOT_NO_TARGET`, after penalising a peer whose blocks are wrong, or when
 * the snapshot block is not among the verified headers or the chain cannot adopt it for reasons of its
 * own — it already reaches as far —, with no penalty then; `SNAPSHOT_NO_PEER` and the final-check errors
 * from the download), `SyncError` / transport errors of the peer, the `StorageError` of a failed load of
 * the chain's store: the caller retries later, and the download resumes where it stopped.
 */
export async function upgradeFromSnapshot(
  init: UpgradeInit,
  source: (verifiedHead: bigint) => string,
): Promise<UpgradeOutcome> {
  const { chain } = init
  const config = { ...DEFAULT_UPGRADE_CONFIG, ...init.config }
  const depth = BigInt(config.depth ?? Math.max(chain.params.confirmations, chain.params.maxReorgDepth))
  const protocols = syncProtocols(chain.params.chainId)

  const verified = await init.headers.synced()
  const head = verified.head.header.number
  if (head - chain.head.block.header.number <= BigInt(config.replayBelow) || head <= depth)
    return { kind: 'replay', peerHead: head }
  init.hold?.()
  const peer = source(head)

  const saved = await init.repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
  // Resume an unfinished download at its block while that block is still on the verified chain.
  const resumed =
    saved !== undefined && !saved.complete && verified.isCanonical(saved.target.blockHash)
      ? verified.get(saved.target.blockHash)
      : undefined
  const snapshotHeader = resumed ?? verified.byNumber(head - depth)
  if (snapshotHeader === undefined)
    throw new SnapshotError({
      code: 'SNAPSHOT_NO_TARGET',
      reason: 'the snapshot block is below the verified headers',
    })
  // The blocks to execute after it, as the verified chain has them now (new ones follow by sync).
  const hashes: Hex[] = []
  for (let n = snapshotHeader.header.number; n <= head; n++) {
    const h = verified.byNumber(n)
    if (h === undefined) break
    hashes.push(h.hash)
  }
  // Verified from the genesis (or this profile's checkpoint) by every header rule: not the peer's word.
  const totalDifficulty = snapshotHeader.totalDifficulty
  const target: SnapshotTarget = {
    blockHash: snapshotHeader.hash,
    number: snapshotHeader.header.number,
    stateRoot: snapshotHeader.header.stateRoot,
  }
  await init.headers.keepFrom(target.number)
  init.onMode({ kind: 'upgrading', percent: 0 })

  const snapshot = await downloadSnapshot({
    repo: init.repo,
    target,
    protocol: protocols.snapshot,
    request: init.request,
    peers: init.peers,
    penalize: init.penalize,
    onProgress: (s) => {
      init.onSnapshot?.(s)
      init.onMode({ kind: 'upgrading', percent: s.fraction * SNAPSHOT_SHARE })
    },
    parallel: config.parallel,
    timeoutMs: config.timeoutMs,
  })

  // Adopting the snapshot block takes the chain held so far out of the canonical chain and its index:
  // all of it must be readable, not only the recent blocks a reopened store starts with.
  await chain.store.loaded

  let done = 0
  const report = () =>
    init.onMode({
      kind: 'upgrading',
      percent: SNAPSHOT_SHARE + ((100 - SNAPSHOT_SHARE) * done) / hashes.length,
    })
  /** Headers the verified chain gained on top of the last one listed (blocks mined during the download). */
  const extend = (): void => {
    for (let n = target.number + BigInt(hashes.length); ; n++) {
      const next = verified.byNumber(n)
      if (next === undefined || next.header.parentHash !== hashes.at(-1)) return
      hashes.push(next.hash)
    }
  }
  let executed = 0
  /** What adopting the snapshot block replaced, once it did: reported however the upgrade ends. */
  let adopted: { readonly replaced: readonly Hex[]; readonly removed: readonly Hex[] } | null = null
  try {
    for (extend(); done < hashes.length; extend()) {
      const ask = hashes.slice(done, done + MAX_BLOCKS_PER_REQUEST)
      const bytes = await init.request(peer, protocols.blocks, encodeBlocksRequest(ask), config.timeoutMs)
      let blocks: Block[]
      try {
        blocks = decodeBlocksResponse(bytes)
      } catch (err) {
        if (err instanceof SyncError) return refuse(init, peer, 'garbage', err.message)
        throw err
      }
      // No fault: the peer may follow another branch (the caller retries, from another peer).
      if (blocks.length === 0)
        throw new SnapshotError({
          code: 'SNAPSHOT_NO_TARGET',
          reason: `${peer} holds none of the blocks asked`,
        })
      for (const [i, block] of blocks.entries()) {
        if (hashBlock(block) !== ask[i])
          return refuse(init, peer, 'wrong-response', 'a block that was not asked for')
        if (done === 0) {
          try {
            const removed = leaving(chain, verified)
            const { replaced } = chain.adoptSnapshot(block, totalDifficulty, snapshot.records)
            adopted = { replaced, removed }
          } catch (err) {
            if (!(err instanceof BlockError)) throw err
            // Not adoptable for this node's own reasons (its chain already reaches as far): no fault of
            // the peer's. The caller tries again later, or the ordinary sync goes on.
            if (err.type.code === 'BLOCK_NOT_ADOPTABLE')
              throw new SnapshotError({ code: 'SNAPSHOT_NO_TARGET', reason: err.message })
            return refuse(init, peer, 'invalid-block', err.message)
          }
        } else {
          const verdict = init.importBlock(block, peer)
          if (verdict === 'reject') return refuse(init, peer, 'invalid-block', 'served an invalid block')
          if (verdict === 'accept') executed++
        }
        done++
      }
      report()
    }
    init.onMode({ kind: 'full' })
    return { kind: 'full', target, snapshot, executed }
  } finally {
    // A failure after the adoption leaves the node on the new chain all the same (the ordinary sync goes
    // on from it, and a later upgrade cannot tell what left): reported now, or its transactions never
    // return to the pool and the swaps settled on the blocks that left are never stepped again.
    if (adopted !== null) init.onReplaced?.(adopted.replaced, adopted.removed)
  }
}

/**
 * The canonical blocks of `chain` that `verified` does not hold canonical, newest first, down to the
 * first it does (where the two chains meet); below the headers it holds, nothing tells: not counted.
 */
function leaving(chain: Chain, verified: HeaderChain): Hex[] {
  const out: Hex[] = []
  const base = verified.base.header.number
  for (let n = chain.head.block.header.number; n > 0n && n >= base; n--) {
    const block = chain.getBlockByNumber(n)
    if (block === undefined || verified.isCanonical(block.hash)) break
    out.push(block.hash)
  }
  return out
}
