import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { keccak, toHex } from '../../../src/node/codec/bytes'
import { type PendingSubtree, pendingShare, verifyChunk } from '../../../src/node/snapshot/chunk'
import {
  downloadSnapshot,
  rebuildRoot,
  SNAPSHOT_PROGRESS_KEY,
  type SnapshotDownloadInit,
  type SnapshotProgress,
  type SnapshotTarget,
} from '../../../src/node/snapshot/download'
import { SnapshotError } from '../../../src/node/snapshot/errors'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import { EMPTY_ROOT, nodeChildren, Trie } from '../../../src/node/state/trie'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import type { Offence } from '../../../src/node/sync/peer-scores'
import {
  collectSubtrees,
  decodeSnapshotRequest,
  decodeSnapshotResponse,
  encodeSnapshotRequest,
  encodeSnapshotResponse,
  MAX_SNAPSHOT_SUBTREES,
} from '../../../src/node/sync/snapshot-messages'

const CHAIN = { chainId: 31416, genesisHash: `0x${'11'.repeat(32)}` as Hex }
const BLOCK = `0x${'22'.repeat(32)}` as Hex
const PROTOCOL = '/tabchain/31416/sync-snapshot/2.0.0'

/** A state tree of `n` keys (key i = keccak(i)), its node store and the snapshot target naming it. */
function stateOf(n: number): { store: MemoryNodeStore; target: SnapshotTarget; trie: Trie } {
  const store = new MemoryNodeStore()
  const changes = Array.from({ length: n }, (_, i) => ({
    key: keccak(new Uint8Array([i >> 16, (i >> 8) & 0xff, i & 0xff])),
    value: new Uint8Array([1, i & 0xff, 3]),
  }))
  const { trie, created } = Trie.empty(store).update(changes)
  store.putAll(created)
  return { store, target: { blockHash: BLOCK, number: 100n, stateRoot: trie.root }, trie }
}

type Serve = (nodeHashes: readonly Hex[], peer: string) => Uint8Array[]

/** An honest peer: the server's walk over `store`, cut at `maxNodes`. */
const honest =
  (store: MemoryNodeStore, maxNodes = 64): Serve =>
  (nodeHashes) =>
    collectSubtrees(store, nodeHashes, maxNodes)

function harness(repo: NodeRepository, target: SnapshotTarget, serve: Record<string, Serve>) {
  const penalties: [string, Offence][] = []
  const asked: string[] = []
  let served = 0
  const init: SnapshotDownloadInit = {
    repo,
    target,
    protocol: PROTOCOL,
    peers: () => Object.keys(serve),
    penalize: (peer, offence) => penalties.push([peer, offence]),
    request: async (peer, protocol, data) => {
      expect(protocol).toBe(PROTOCOL)
      const req = decodeSnapshotRequest(data)
      expect(req.blockHash).toBe(target.blockHash)
      asked.push(peer)
      const fn = serve[peer]
      if (fn === undefined) throw new Error('no such peer')
      const nodes = fn(req.nodeHashes, peer)
      served += nodes.length
      return encodeSnapshotResponse(nodes)
    },
  }
  return { init, penalties, asked, served: () => served }
}

const repoOf = (backend = createMemoryBackend()) => openMemoryRepository({ backend, chain: CHAIN })

describe('snapshot chunks', () => {
  test('wire forms round-trip; bad requests are refused with typed errors', () => {
    const req = {
      blockHash: BLOCK,
      nodeHashes: [`0x${'33'.repeat(32)}` as Hex, `0x${'44'.repeat(32)}` as Hex],
    }
    expect(decodeSnapshotRequest(encodeSnapshotRequest(req))).toEqual(req)
    expect(() => decodeSnapshotRequest(new Uint8Array([0xc1, 0x80]))).toThrow(/expected 2 items/)
    expect(() => decodeSnapshotRequest(encodeSnapshotRequest({ blockHash: BLOCK, nodeHashes: [] }))).toThrow(
      /non-empty/,
    )
    const many = Array.from({ length: 65 }, () => BLOCK)
    expect(() =>
      decodeSnapshotRequest(encodeSnapshotRequest({ blockHash: BLOCK, nodeHashes: many })),
    ).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_REQUEST_TOO_LARGE' }) }))
    expect(() => decodeSnapshotRequest(new Uint8Array([0xff]))).toThrow(/snapshot request/)
    const nodes = [new Uint8Array([1, 2]), new Uint8Array(98)]
    expect(decodeSnapshotResponse(encodeSnapshotResponse(nodes))).toEqual(nodes)
    expect(() => decodeSnapshotResponse(new Uint8Array([0xc1, 0xc0]))).toThrow(/not a byte string/)
  })

  test('a server cuts its walk once its byte budget is spent, and stops before a node it lacks: each answer verifies', () => {
    const { store, target } = stateOf(500)
    const root: PendingSubtree = { hash: target.stateRoot, depth: 0 }
    const all = collectSubtrees(store, [target.stateRoot], 10_000)
    // The budget is checked before each node: the answer holds at most one node past it.
    const cut = collectSubtrees(store, [target.stateRoot], 10_000, 2_000)
    const before = cut.slice(0, -1).reduce((sum, n) => sum + n.byteLength + 3, 0)
    expect(cut.length).toBeLessThan(all.length)
    expect(before).toBeLessThan(2_000)
    expect(verifyChunk([root], cut).records).toHaveLength(cut.length)
    // A server still loading its store lacks a node: it answers the nodes before it, not the ones after.
    const missing = all[10] as Uint8Array
    const partial = new MemoryNodeStore()
    partial.putAll(all.filter((n) => n !== missing).map((encoded) => ({ hash: keccak(encoded), encoded })))
    const answer = collectSubtrees(partial, [target.stateRoot], 10_000)
    expect(answer).toEqual(all.slice(0, 10))
    expect(verifyChunk([root], answer).pending.map((p) => p.hash)).toContain(toHex(keccak(missing)))
  })

  test('an honest chunk verifies, and its pending subtrees cover exactly what it left out', () => {
    const { store, target } = stateOf(500)
    const root: PendingSubtree = { hash: target.stateRoot, depth: 0 }
    const chunk = verifyChunk([root], collectSubtrees(store, [target.stateRoot], 100))
    expect(chunk.records).toHaveLength(100)
    expect(chunk.pending.length).toBeGreaterThan(0)
    expect(pendingShare([root])).toBe(1)
    expect(pendingShare(chunk.pending)).toBeGreaterThan(0)
    expect(pendingShare(chunk.pending)).toBeLessThan(1)
    const whole = verifyChunk([root], collectSubtrees(store, [target.stateRoot], 10_000))
    expect(whole.leaves).toBe(500)
    expect(whole.pending).toEqual([])
  })

  test('tampered, reordered, foreign or extra nodes are refused', () => {
    const { store, target } = stateOf(200)
    const root: PendingSubtree = { hash: target.stateRoot, depth: 0 }
    const nodes = collectSubtrees(store, [target.stateRoot], 50)
    const flipped = nodes.map((n, i) => (i === 7 ? Uint8Array.from(n, (b, j) => (j === 40 ? b ^ 1 : b)) : n))
    const swapped = [nodes[0], nodes[2], nodes[1], ...nodes.slice(3)] as Uint8Array[]
    const other = stateOf(201)
    for (const bad of [
      flipped,
      swapped,
      collectSubtrees(other.store, [other.target.stateRoot], 50),
      [...collectSubtrees(store, [target.stateRoot], 10_000), new Uint8Array([0, ...new Uint8Array(40)])],
    ]) {
      expect(() => verifyChunk([root], bad)).toThrow(SnapshotError)
    }
    const leafOnly = stateOf(1)
    const notANode = new Uint8Array([7, 7, 7])
    expect(() => verifyChunk([{ hash: toHex(keccak(notANode)), depth: 0 }], [notANode])).toThrow(
      /not a tree node/,
    )
    expect(
      verifyChunk(
        [{ hash: leafOnly.target.stateRoot, depth: 0 }],
        [leafOnly.store.get(leafOnly.target.stateRoot) as Uint8Array],
      ).leaves,
    ).toBe(1)
  })
})

describe('snapshot download', () => {
  test('downloads from two peers, stores every node, and the rebuilt root equals the header state root', async () => {
    const { store, target } = stateOf(2000)
    const repo = await repoOf()
    const statuses: number[] = []
    const h = harness(repo, target, { a: honest(store), b: honest(store) })
    const result = await downloadSnapshot({ ...h.init, onProgress: (s) => statuses.push(s.fraction) })
    expect(result.root).toBe(target.stateRoot)
    expect(result.leaves).toBe(2000)
    expect(result.nodes).toBe(2 * 2000 - 1)
    expect(await rebuildRoot(repo, target.stateRoot)).toBe(target.stateRoot)
    expect(new Set(h.asked)).toEqual(new Set(['a', 'b']))
    expect(h.penalties).toEqual([])
    expect(statuses[0]).toBe(0)
    expect(statuses.at(-1)).toBe(1)
    expect(statuses.every((s, i) => i === 0 || s >= (statuses[i - 1] as number))).toBe(true)
    const saved = await repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
    expect(saved?.complete).toBe(true)
  })

  test('a chunk that does not match the root is refused, its peer penalised, and fetched from another peer', async () => {
    const { store, target } = stateOf(1000)
    const repo = await repoOf()
    const liar: Serve = (nodeHashes) =>
      collectSubtrees(store, nodeHashes, 64).map((n) =>
        n[0] === 0 ? Uint8Array.from(n, (b, j) => (j === n.length - 1 ? b ^ 0xff : b)) : n,
      )
    const h = harness(repo, target, { liar, honest: honest(store) })
    const result = await downloadSnapshot({ ...h.init, parallel: 1 })
    expect(result.root).toBe(target.stateRoot)
    expect(h.penalties.length).toBeGreaterThan(0)
    expect(h.penalties.every(([peer, offence]) => peer === 'liar' && offence === 'invalid-snapshot')).toBe(
      true,
    )
    // No node the liar forged reached storage: the rebuilt root is the header's.
    expect(await rebuildRoot(repo, target.stateRoot)).toBe(target.stateRoot)
  })

  test('garbage is penalised; empty answers and failures move on without penalty; no peer left → typed error', async () => {
    const { store, target } = stateOf(300)
    const repo = await repoOf()
    const h = harness(repo, target, {
      failing: () => {
        throw new Error('timeout')
      },
      empty: () => [],
      honest: honest(store),
    })
    const garbage = {
      ...h.init,
      request: async (peer: string, p: string, d: Uint8Array, t: number) =>
        peer === 'garbage' ? new Uint8Array([0xff, 0xff]) : h.init.request(peer, p, d, t),
    }
    const result = await downloadSnapshot({
      ...garbage,
      peers: () => ['garbage', 'failing', 'empty', 'honest'],
    })
    expect(result.root).toBe(target.stateRoot)
    expect(h.penalties.every(([peer, offence]) => peer === 'garbage' && offence === 'garbage')).toBe(true)
    expect(h.penalties.length).toBeGreaterThan(0)

    const lonely = await repoOf()
    const none = harness(lonely, target, { empty: () => [] })
    const err = await downloadSnapshot(none.init).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SnapshotError)
    expect((err as SnapshotError).type).toMatchObject({
      code: 'SNAPSHOT_NO_PEER',
      nodeHash: target.stateRoot,
    })
  })

  test('an interrupted download resumes from its persisted progress after a reopen', async () => {
    const { store, target } = stateOf(3000)
    const backend = createMemoryBackend()
    const first = await repoOf(backend)
    let served = 0
    const flaky: Serve = (nodeHashes) => {
      // The only peer leaves after 10 chunks: the download stops with SNAPSHOT_NO_PEER.
      if (served++ >= 10) return []
      return collectSubtrees(store, nodeHashes, 64)
    }
    const cut = await downloadSnapshot(harness(first, target, { flaky }).init).catch((e: unknown) => e)
    expect((cut as SnapshotError).type.code).toBe('SNAPSHOT_NO_PEER')
    const saved = await first.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
    expect(saved?.complete).toBe(false)
    expect(saved?.nodes).toBeGreaterThan(0)
    const done = saved?.nodes ?? 0
    first.close()

    const second = await repoOf(backend)
    const h = harness(second, target, { honest: honest(store) })
    const statuses: number[] = []
    const result = await downloadSnapshot({ ...h.init, onProgress: (s) => statuses.push(s.fraction) })
    expect(statuses[0]).toBeGreaterThan(0)
    expect(result.root).toBe(target.stateRoot)
    expect(result.nodes).toBe(2 * 3000 - 1)
    // Only what was left was fetched: the nodes served now are exactly those the first run lacked.
    expect(h.served()).toBe(2 * 3000 - 1 - done)
  })

  test('a download already complete reports it whole at once, fetching nothing', async () => {
    const { store, target } = stateOf(500)
    const repo = await repoOf()
    await downloadSnapshot(harness(repo, target, { a: honest(store) }).init)
    const again = harness(repo, target, { a: honest(store) })
    const statuses: number[] = []
    const result = await downloadSnapshot({ ...again.init, onProgress: (s) => statuses.push(s.fraction) })
    expect(result.root).toBe(target.stateRoot)
    expect(again.served()).toBe(0)
    // An upgrade retried after its blocks failed showed 0 % here until its first blocks ran.
    expect(statuses).toEqual([1])
  })

  test('progress saved for another block is not resumed: a download of a new target starts afresh and ends at its root', async () => {
    const old = stateOf(3000)
    const backend = createMemoryBackend()
    const first = await repoOf(backend)
    let served = 0
    const leaving: Serve = (nodeHashes) => (served++ >= 10 ? [] : collectSubtrees(old.store, nodeHashes, 64))
    const cut = await downloadSnapshot(harness(first, old.target, { leaving }).init).catch((e: unknown) => e)
    expect((cut as SnapshotError).type.code).toBe('SNAPSHOT_NO_PEER')
    expect((await first.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY))?.target.blockHash).toBe(BLOCK)
    first.close()

    // A later, different state at another block: its peers hold none of the old tree's nodes.
    const next = stateOf(2000)
    const target = { ...next.target, blockHash: `0x${'33'.repeat(32)}` as Hex, number: 200n }
    const second = await repoOf(backend)
    const h = harness(second, target, { honest: honest(next.store) })
    const statuses: number[] = []
    const result = await downloadSnapshot({ ...h.init, onProgress: (s) => statuses.push(s.fraction) })
    expect(statuses[0]).toBe(0)
    expect(result.root).toBe(target.stateRoot)
    expect(result.nodes).toBe(2 * 2000 - 1)
    expect(h.served()).toBe(2 * 2000 - 1)
    expect((await second.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY))?.target.blockHash).toBe(
      target.blockHash,
    )
  })

  test('a leaf that changed in storage after it was verified fails the final check with SNAPSHOT_ROOT_MISMATCH, and the download is not marked complete', async () => {
    const { store, target } = stateOf(300)
    const repo = await repoOf()
    // The storage hands back one leaf with its last value byte changed (a corruption below the checks).
    let flipped = false
    const corrupt = new Proxy(repo, {
      get(inner, prop) {
        if (prop !== 'getStateNodes') {
          // Bound: the repository's methods read its private fields.
          const value: unknown = Reflect.get(inner, prop, inner)
          return typeof value === 'function' ? value.bind(inner) : value
        }
        return async (hashes: readonly Hex[]) =>
          (await inner.getStateNodes(hashes)).map((encoded) => {
            if (flipped || encoded === undefined || nodeChildren(encoded).length > 0) return encoded
            flipped = true
            return Uint8Array.from(encoded, (b, i) => (i === encoded.length - 1 ? b ^ 1 : b))
          })
      },
    })
    const h = harness(corrupt, target, { honest: honest(store) })
    const failed = await downloadSnapshot(h.init).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(SnapshotError)
    expect((failed as SnapshotError).type).toMatchObject({
      code: 'SNAPSHOT_ROOT_MISMATCH',
      expected: target.stateRoot,
    })
    expect((failed as SnapshotError).type).not.toMatchObject({ got: target.stateRoot })
    expect((await repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY))?.complete).toBe(false)
    // The honest peer was not blamed for what the storage changed.
    expect(h.penalties).toEqual([])
  })

  test('a stored tree missing a node, or a different tree, fails the final check', async () => {
    const { store, target, trie } = stateOf(50)
    const repo = await repoOf()
    await expect(rebuildRoot(repo, target.stateRoot)).rejects.toMatchObject({
      type: { code: 'SNAPSHOT_INCOMPLETE' },
    })
    const { created } = trie.update([{ key: new Uint8Array(32), value: new Uint8Array([9]) }])
    expect(created.length).toBeGreaterThan(0)
    const h = harness(repo, target, { honest: honest(store) })
    const result = await downloadSnapshot(h.init)
    expect(result.root).toBe(target.stateRoot)
  })

  test('however many subtrees are pending, no request names more than MAX_SNAPSHOT_SUBTREES of them', async () => {
    // A walk leaves about one subtree per tree level pending, so only a resumed list this long reaches
    // the bound: the tree's top levels stored, and its 128 subtrees below bit 7 pending.
    const { store, target } = stateOf(2000)
    const repo = await repoOf()
    let pending: PendingSubtree[] = [{ hash: target.stateRoot, depth: 0 }]
    const top: Uint8Array[] = []
    while (pending.length < 2 * MAX_SNAPSHOT_SUBTREES)
      pending = pending.flatMap(({ hash }) => {
        const encoded = store.get(hash) as Uint8Array
        top.push(encoded)
        const depth = (encoded[1] as number) + 1
        return nodeChildren(encoded).map((c) => ({ hash: toHex(c), depth }))
      })
    await repo.commitBlock({ stateNodes: top.map((encoded) => ({ hash: keccak(encoded), encoded })) })
    const progress: SnapshotProgress = { target, pending, nodes: top.length, leaves: 0, complete: false }
    await repo.putMeta(SNAPSHOT_PROGRESS_KEY, progress)
    const h = harness(repo, target, { a: honest(store) })
    const named: number[] = []
    const result = await downloadSnapshot({
      ...h.init,
      parallel: 1,
      request: (peer, protocol, data, timeoutMs) => {
        named.push(decodeSnapshotRequest(data).nodeHashes.length)
        return h.init.request(peer, protocol, data, timeoutMs)
      },
    })
    expect(result.root).toBe(target.stateRoot)
    expect(result.nodes).toBe(2 * 2000 - 1)
    expect(Math.max(...named)).toBe(MAX_SNAPSHOT_SUBTREES)
  })

  test('an empty state is downloaded at once: nothing asked, the empty root, complete', async () => {
    const repo = await repoOf()
    const target = { blockHash: BLOCK, number: 100n, stateRoot: EMPTY_ROOT }
    const h = harness(repo, target, {})
    const result = await downloadSnapshot(h.init)
    expect(result).toEqual({ nodes: 0, leaves: 0, root: EMPTY_ROOT, records: [] })
    expect(h.asked).toEqual([])
    expect((await repo.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY))?.complete).toBe(true)
  })
})
