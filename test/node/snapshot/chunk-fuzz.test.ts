import fc from 'fast-check'
import { describe, test } from 'vitest'
import { bytesEqual, keccak, toHex } from '../../../src/node/codec/bytes'
import {
  type PendingSubtree,
  pendingShare,
  type VerifiedChunk,
  verifyChunk,
} from '../../../src/node/snapshot/chunk'
import { SnapshotError } from '../../../src/node/snapshot/errors'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import { Trie } from '../../../src/node/state/trie'
import { collectSubtrees } from '../../../src/node/sync/snapshot-messages'
import { FUZZ_RUNS, mutationOf } from '../../fuzz-decoder'

/** The verified chunk, or the SnapshotError code; anything else thrown goes on up. */
function verdict(items: readonly PendingSubtree[], encodings: readonly Uint8Array[]): VerifiedChunk | string {
  try {
    return verifyChunk(items, encodings)
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err
    if (err.type.code !== 'SNAPSHOT_BAD_CHUNK') throw new Error(`undocumented code ${err.type.code}`)
    return err.type.code
  }
}

/** What any accepted chunk must satisfy: every node stored under its own hash, a share within [0, 1]. */
function checkAccepted(chunk: VerifiedChunk, encodings: readonly Uint8Array[]): void {
  if (chunk.records.length !== encodings.length) throw new Error('accepted a node count unlike the chunk')
  chunk.records.forEach((r, i) => {
    if (!bytesEqual(r.hash, keccak(r.encoded)) || !bytesEqual(r.encoded, encodings[i] as Uint8Array))
      throw new Error(`record ${i} is not its node under its hash`)
  })
  const share = pendingShare(chunk.pending)
  if (!(share >= 0 && share <= 1)) throw new Error(`pending share ${share}`)
}

/** A forged subtree as a peer could send it: nodes in pre-order, each child hash that of the node sent for it. */
type Forged = { readonly root: Uint8Array; readonly nodes: Uint8Array[] }

const leafLike = fc.uint8Array({ minLength: 1, maxLength: 80, size: 'max' }).map((b) => {
  b[0] = 0
  return b
})
const junk = fc.uint8Array({ maxLength: 120, size: 'max' })
const forged: fc.Arbitrary<Forged> = fc.letrec<{ node: Forged }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    fc.oneof(leafLike, junk).map((n) => ({ root: n, nodes: [n] })),
    fc
      .tuple(
        fc.oneof(fc.nat(12), fc.integer({ min: 0, max: 255 })),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(tie('node'), { nil: undefined }),
        fc.option(tie('node'), { nil: undefined }),
      )
      .map(([bit, prefix, left, right]) => {
        // An absent child stays a random hash: a subtree left pending.
        const hashOf = (c: Forged | undefined) => (c === undefined ? keccak(prefix) : keccak(c.root))
        const branch = new Uint8Array(98)
        branch.set([1, bit])
        branch.set(prefix, 2)
        branch.set(hashOf(left), 34)
        branch.set(hashOf(right), 66)
        return { root: branch, nodes: [branch, ...(left?.nodes ?? []), ...(right?.nodes ?? [])] }
      }),
  ),
})).node

describe('snapshot chunk verifier fuzz', () => {
  test('forged subtrees hashing up to the asked roots verify or are refused with SNAPSHOT_BAD_CHUNK', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(forged, fc.nat(40)), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.option(fc.oneof(leafLike, junk), { nil: undefined }),
        (trees, cut, extra) => {
          const items = trees.map(([t, depth]) => ({ hash: toHex(keccak(t.root)), depth }))
          const all = trees.flatMap(([t]) => t.nodes)
          const encodings = all.slice(0, cut % (all.length + 1))
          if (extra !== undefined) encodings.push(extra)
          const got = verdict(items, encodings)
          if (typeof got !== 'string') checkAccepted(got, encodings)
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('an honest chunk with nodes mutated, dropped, repeated or moved verifies or is refused', () => {
    const store = new MemoryNodeStore()
    const { trie, created } = Trie.empty(store).update(
      Array.from({ length: 40 }, (_, i) => ({ key: keccak(Uint8Array.of(i)), value: Uint8Array.of(i, 1) })),
    )
    store.putAll(created)
    const honest = collectSubtrees(store, [trie.root], 30)
    const root: PendingSubtree = { hash: trie.root, depth: 0 }
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('mutate' as const), fc.nat(), mutationOf(honest)),
            fc.tuple(
              fc.constantFrom('drop' as const, 'repeat' as const, 'move' as const),
              fc.nat(),
              fc.nat(),
            ),
          ),
          { maxLength: 3 },
        ),
        (edits) => {
          const encodings = honest.slice()
          for (const edit of edits) {
            const i = edit[1] % encodings.length
            if (edit[0] === 'mutate') encodings[i] = edit[2]
            else if (edit[0] === 'drop') encodings.splice(i, 1)
            else if (edit[0] === 'repeat') encodings.splice(i, 0, encodings[i] as Uint8Array)
            else encodings.splice(edit[2] % encodings.length, 0, ...encodings.splice(i, 1))
            if (encodings.length === 0) return
          }
          const got = verdict([root], encodings)
          if (typeof got !== 'string') checkAccepted(got, encodings)
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })
})
