import type { Hex } from 'viem'
import { fromHex, toHex } from '../codec/bytes'
import { EMPTY_ROOT, nodeChildren, Trie, type TrieChange, type TrieNodeRecord } from '../state/trie'
import type { NodeRepository } from '../storage/types'
import { SyncError } from '../sync/errors'
import { decodeOffence, type Offence } from '../sync/peer-scores'
import {
  decodeSnapshotResponse,
  encodeSnapshotRequest,
  MAX_SNAPSHOT_SUBTREES,
} from '../sync/snapshot-messages'
import { type PendingSubtree, pendingShare, verifyChunk } from './chunk'
import { SnapshotError } from './errors'

/** The block whose state is downloaded: a header already checked (proof of work, links, ≥ k deep). */
export interface SnapshotTarget {
  readonly blockHash: Hex
  readonly number: bigint
  readonly stateRoot: Hex
}

/** What is persisted (repository meta `SNAPSHOT_PROGRESS_KEY`) after each round, so a reload resumes. */
export interface SnapshotProgress {
  readonly target: SnapshotTarget
  /** Subtrees still to fetch; everything else under the root is stored. */
  readonly pending: readonly PendingSubtree[]
  readonly nodes: number
  readonly leaves: number
  /** Set once every node is stored and the rebuilt root matched. */
  readonly complete: boolean
}

/** Progress reported while downloading. */
export interface SnapshotStatus {
  /** 0…1: share of the key space stored (keys are hashes, so this tracks the accounts share). */
  readonly fraction: number
  readonly nodes: number
  readonly leaves: number
  /** Nodes fetched and verified by this call (the rest of `nodes` was stored by an earlier one). */
  readonly fetched: number
}

export interface SnapshotDownloadInit {
  readonly repo: NodeRepository
  readonly target: SnapshotTarget
  /** The snapshot protocol id (`syncProtocols(chainId).snapshot`). */
  readonly protocol: string
  /** One request/response exchange (the network bridge's `request`). */
  readonly request: (
    peerId: string,
    protocol: string,
    data: Uint8Array,
    timeoutMs: number,
  ) => Promise<Uint8Array>
  /** Peers to ask (direct links), read again each round. */
  readonly peers: () => readonly string[]
  /** Counts an offence against a peer (the syncer's scores: enough of them drop the peer). */
  readonly penalize: (peerId: string, offence: Offence) => void
  readonly onProgress?: (status: SnapshotStatus) => void
  /** Requests in flight at once (default 4). */
  readonly parallel?: number
  /** Timeout of one request, ms (default 10 s). */
  readonly timeoutMs?: number
}

/** The download's result: the counts, the root the rebuilt state has (the target's), and the tree's nodes. */
export interface SnapshotResult {
  readonly nodes: number
  readonly leaves: number
  readonly root: Hex
  /** Every node of the verified tree, as read back from storage for the final check. */
  readonly records: readonly TrieNodeRecord[]
}

/** Repository meta key of the download's progress. */
export const SNAPSHOT_PROGRESS_KEY = 'snapshot-progress'

/**
 * Downloads and verifies the state tree of `target` from peers, storing the verified nodes in the
 * repository; resumes from the persisted progress when it is for the same block.
 *
 * Each round makes up to `parallel` requests at once, each for a group of pending subtrees and to a
 * different peer where possible (round-robin). A chunk that does not verify is refused, its peer penalised (`invalid-snapshot`) and
 * the subtree asked of another peer; undecodable bytes count as `garbage`; an empty answer (the peer
 * lacks that state), a timeout or a refusal moves on to another peer without penalty. Nodes are stored
 * before the progress that names them done, so a reload between the two only refetches. At the end the
 * whole tree is read back from storage, the state rebuilt from its leaves and its root compared with the
 * header's. Throws `SnapshotError`: `SNAPSHOT_NO_PEER` when no peer can serve a subtree (the progress is
 * kept: call again later), `SNAPSHOT_INCOMPLETE` / `SNAPSHOT_ROOT_MISMATCH` from the final check;
 * storage errors pass through.
 */
export async function downloadSnapshot(init: SnapshotDownloadInit): Promise<SnapshotResult> {
  const { repo, target } = init
  const saved = await repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
  let progress: SnapshotProgress =
    saved !== undefined && saved.target.blockHash === target.blockHash
      ? saved
      : {
          target,
          pending: target.stateRoot === EMPTY_ROOT ? [] : [{ hash: target.stateRoot, depth: 0 }],
          nodes: 0,
          leaves: 0,
          complete: false,
        }
  const resumedNodes = progress.nodes
  const report = (p: SnapshotProgress) =>
    init.onProgress?.({
      fraction: 1 - pendingShare(p.pending),
      nodes: p.nodes,
      leaves: p.leaves,
      fetched: p.nodes - resumedNodes,
    })
  // Reported first, a download already complete too: an upgrade retried after its blocks failed shows
  // the state it holds (its share of the upgrade), not 0 % until the first blocks run.
  report(progress)
  if (progress.complete) {
    const records = await readTree(repo, target.stateRoot)
    return { nodes: progress.nodes, leaves: progress.leaves, root: target.stateRoot, records }
  }
  const parallel = init.parallel ?? 4
  const timeoutMs = init.timeoutMs ?? 10_000
  let turn = 0

  /** Fetches subtrees from the first peer that serves them correctly. */
  async function fetch(items: readonly PendingSubtree[]) {
    const peers = init.peers()
    const start = turn++
    const request = encodeSnapshotRequest({
      blockHash: target.blockHash,
      nodeHashes: items.map((i) => i.hash),
    })
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[(start + i) % peers.length] as string
      let bytes: Uint8Array
      try {
        bytes = await init.request(peer, init.protocol, request, timeoutMs)
      } catch {
        continue
      }
      try {
        const nodes = decodeSnapshotResponse(bytes)
        if (nodes.length === 0) continue
        return verifyChunk(items, nodes)
      } catch (err) {
        if (err instanceof SnapshotError) init.penalize(peer, 'invalid-snapshot')
        else if (err instanceof SyncError) init.penalize(peer, decodeOffence(err))
        else throw err
      }
    }
    throw new SnapshotError({
      code: 'SNAPSHOT_NO_PEER',
      nodeHash: (items[0] as PendingSubtree).hash,
      tried: peers.length,
    })
  }

  while (progress.pending.length > 0) {
    // Last in, first out: depth first keeps the pending list short (about depth × chunk cut-offs).
    const take = Math.min(progress.pending.length, parallel * MAX_SNAPSHOT_SUBTREES)
    const batch = progress.pending.slice(progress.pending.length - take)
    const rest = progress.pending.slice(0, progress.pending.length - take)
    const size = Math.ceil(batch.length / parallel)
    const groups: PendingSubtree[][] = []
    for (let i = 0; i < batch.length; i += size) groups.push(batch.slice(i, i + size))
    const chunks = await Promise.all(groups.map(fetch))
    const records = chunks.flatMap((c) => c.records)
    await repo.commitBlock({ stateNodes: records })
    progress = {
      target,
      pending: [...rest, ...chunks.flatMap((c) => c.pending)],
      nodes: progress.nodes + records.length,
      leaves: progress.leaves + chunks.reduce((n, c) => n + c.leaves, 0),
      complete: false,
    }
    await repo.putMeta(SNAPSHOT_PROGRESS_KEY, progress)
    report(progress)
  }
  const records = await readTree(repo, target.stateRoot)
  const root = rootOfLeaves(records)
  if (root !== target.stateRoot) {
    throw new SnapshotError({ code: 'SNAPSHOT_ROOT_MISMATCH', expected: target.stateRoot, got: root })
  }
  progress = { ...progress, complete: true }
  await repo.putMeta(SNAPSHOT_PROGRESS_KEY, progress)
  return { nodes: progress.nodes, leaves: progress.leaves, root, records }
}

/**
 * Every node of the tree under `root`, read back from the repository level by level (one read per
 * level), children after parents. Throws `SNAPSHOT_INCOMPLETE` at the first node not stored.
 */
export async function readTree(repo: NodeRepository, root: Hex): Promise<TrieNodeRecord[]> {
  const out: TrieNodeRecord[] = []
  if (root === EMPTY_ROOT) return out
  let level: Hex[] = [root]
  while (level.length > 0) {
    const next: Hex[] = []
    const encodings = await repo.getStateNodes(level)
    encodings.forEach((encoded, i) => {
      const hash = level[i] as Hex
      if (encoded === undefined) throw new SnapshotError({ code: 'SNAPSHOT_INCOMPLETE', nodeHash: hash })
      out.push({ hash: fromHex(hash), encoded })
      for (const c of nodeChildren(encoded)) next.push(toHex(c))
    })
    level = next
  }
  return out
}

/**
 * Rebuilds the state under `root` from its stored leaves alone (`readTree`) and returns the fresh
 * tree's root: equal to `root` only when every node is stored and the tree is the canonical one for its
 * keys. Throws `SNAPSHOT_INCOMPLETE`.
 */
export async function rebuildRoot(repo: NodeRepository, root: Hex): Promise<Hex> {
  return rootOfLeaves(await readTree(repo, root))
}

/** The root of a fresh tree holding only the leaves among `records`. */
function rootOfLeaves(records: readonly TrieNodeRecord[]): Hex {
  const changes: TrieChange[] = []
  for (const { encoded } of records) {
    if (nodeChildren(encoded).length === 0)
      changes.push({ key: encoded.subarray(1, 33), value: encoded.subarray(33) })
  }
  return Trie.empty().update(changes).trie.root
}
