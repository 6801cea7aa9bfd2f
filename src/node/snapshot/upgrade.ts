import type { Hex } from 'viem'
import { hashBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import type { Chain } from '../chain/chain'
import { hashHeader } from '../chain/header'
import type { Block, Header } from '../chain/types'
import { checkPow } from '../consensus/pow'
import type { NodeMode } from '../light/mode'
import type { GossipVerdict } from '../network/bridge'
import type { NodeRepository } from '../storage/types'
import { SyncError } from '../sync/errors'
import {
  decodeBlocksResponse,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeHeadersRequest,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS_PER_REQUEST,
} from '../sync/messages'
import type { Offence } from '../sync/peer-scores'
import { syncProtocols } from '../sync/sync-server'
import {
  downloadSnapshot,
  SNAPSHOT_PROGRESS_KEY,
  type SnapshotProgress,
  type SnapshotResult,
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
  /** Imports a block on top of the snapshot through the node (head events follow as for sync). */
  readonly importBlock: (block: Block) => GossipVerdict
  readonly onMode: (mode: NodeMode) => void
  readonly config?: Partial<UpgradeConfig>
}

export type UpgradeOutcome =
  /** The peer's chain is short: let the ordinary sync replay it from genesis. */
  | { readonly kind: 'replay'; readonly peerHead: bigint }
  | {
      readonly kind: 'full'
      readonly target: SnapshotTarget
      readonly snapshot: SnapshotResult
      /** Blocks executed after the snapshot block. */
      readonly executed: number
    }

/** A peer's data that is not what we asked for: penalised, and the upgrade stops (to be retried). */
function refuse(init: UpgradeInit, peer: string, offence: Offence, reason: string): never {
  init.penalize(peer, offence)
  throw new SnapshotError({ code: 'SNAPSHOT_NO_TARGET', reason }, `snapshot target refused: ${reason}`)
}

/**
 * Upgrades a node that holds only genesis to a full node without replaying the chain: takes the header
 * `depth` blocks below `peer`'s head (headers checked: numbers, links, proof of work), downloads and
 * verifies that block's state from every peer (`downloadSnapshot`, resumable), makes that block the
 * chain's head (`Chain.adoptSnapshot`), then fetches and executes the blocks from it to the head.
 * Reports `upgrading n %` then `full` through `onMode`. A short chain (≤ `replayBelow`) is left to the
 * ordinary sync (`replay`).
 *
 * The snapshot block's total difficulty is the peer's claimed head total difficulty minus the checked
 * headers' difficulties above it (the light client's verified header chain will give it instead).
 * Throws `SnapshotError` (`SNAPSHOT_NO_TARGET` after penalising a peer whose headers or blocks are
 * wrong, `SNAPSHOT_NO_PEER` and the final-check errors from the download), `SyncError` / transport
 * errors of the peer: the caller retries later, and the download resumes where it stopped.
 */
export async function upgradeFromSnapshot(init: UpgradeInit, peer: string): Promise<UpgradeOutcome> {
  const { chain } = init
  const config = { ...DEFAULT_UPGRADE_CONFIG, ...init.config }
  const depth = BigInt(config.depth ?? Math.max(chain.params.confirmations, chain.params.maxReorgDepth))
  const protocols = syncProtocols(chain.params.chainId)

  async function headers(from: bigint, count: number) {
    const bytes = await init.request(
      peer,
      protocols.headers,
      encodeHeadersRequest({ from, count }),
      config.timeoutMs,
    )
    try {
      return decodeHeadersResponse(bytes)
    } catch (err) {
      if (err instanceof SyncError) return refuse(init, peer, 'garbage', err.message)
      throw err
    }
  }

  const top = await headers(0n, 1)
  let peerHead = top.headNumber
  if (peerHead <= BigInt(config.replayBelow) || peerHead <= depth) return { kind: 'replay', peerHead }

  const saved = await init.repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
  // Resume an unfinished download at its block when the peer's chain still reaches it.
  const from =
    saved !== undefined && !saved.complete && saved.target.number <= peerHead - depth
      ? saved.target.number
      : peerHead - depth
  init.onMode({ kind: 'upgrading', percent: 0 })

  // Headers from the snapshot block to the peer's head, linked and sealed.
  const chainHeaders: Header[] = []
  let headTd = top.headTotalDifficulty
  let next = from
  let parent: Hex | undefined
  while (next <= peerHead) {
    const res = await headers(next, MAX_HEADERS_PER_REQUEST)
    // Follow the peer's head as it grows, so the total difficulty below matches the last header.
    peerHead = res.headNumber
    headTd = res.headTotalDifficulty
    if (res.headers.length === 0) return refuse(init, peer, 'wrong-response', 'no headers below its head')
    for (const h of res.headers) {
      if (h.number !== next) return refuse(init, peer, 'wrong-response', 'header out of range')
      if (parent !== undefined && h.parentHash !== parent)
        return refuse(init, peer, 'wrong-response', 'headers not linked')
      if (!checkPow(h)) return refuse(init, peer, 'invalid-block', 'header without its proof of work')
      parent = hashHeader(h)
      chainHeaders.push(h)
      next++
      if (next > peerHead) break
    }
  }
  const snapshotHeader = chainHeaders[0] as Header
  let totalDifficulty = headTd
  for (const h of chainHeaders.slice(1)) totalDifficulty -= h.difficulty
  if (totalDifficulty <= snapshotHeader.difficulty)
    return refuse(init, peer, 'wrong-response', 'total difficulty below the headers it served')
  const target: SnapshotTarget = {
    blockHash: hashHeader(snapshotHeader),
    number: snapshotHeader.number,
    stateRoot: snapshotHeader.stateRoot,
  }

  const snapshot = await downloadSnapshot({
    repo: init.repo,
    target,
    protocol: protocols.snapshot,
    request: init.request,
    peers: init.peers,
    penalize: init.penalize,
    onProgress: (s) => init.onMode({ kind: 'upgrading', percent: s.fraction * SNAPSHOT_SHARE }),
    parallel: config.parallel,
    timeoutMs: config.timeoutMs,
  })

  const hashes = chainHeaders.map((h) => hashHeader(h))
  const total = hashes.length
  let done = 0
  const report = () =>
    init.onMode({ kind: 'upgrading', percent: SNAPSHOT_SHARE + ((100 - SNAPSHOT_SHARE) * done) / total })
  let executed = 0
  while (done < total) {
    const ask = hashes.slice(done, done + MAX_BLOCKS_PER_REQUEST)
    const bytes = await init.request(peer, protocols.blocks, encodeBlocksRequest(ask), config.timeoutMs)
    let blocks: Block[]
    try {
      blocks = decodeBlocksResponse(bytes)
    } catch (err) {
      if (err instanceof SyncError) return refuse(init, peer, 'garbage', err.message)
      throw err
    }
    if (blocks.length === 0) return refuse(init, peer, 'wrong-response', 'no blocks for headers it served')
    for (const [i, block] of blocks.entries()) {
      if (hashBlock(block) !== ask[i])
        return refuse(init, peer, 'wrong-response', 'a block that was not asked for')
      if (done === 0) {
        try {
          chain.adoptSnapshot(block, totalDifficulty, snapshot.records)
        } catch (err) {
          if (err instanceof BlockError) return refuse(init, peer, 'invalid-block', err.message)
          throw err
        }
      } else {
        const verdict = init.importBlock(block)
        if (verdict === 'reject') return refuse(init, peer, 'invalid-block', 'served an invalid block')
        if (verdict === 'accept') executed++
      }
      done++
    }
    report()
  }
  init.onMode({ kind: 'full' })
  return { kind: 'full', target, snapshot, executed }
}
