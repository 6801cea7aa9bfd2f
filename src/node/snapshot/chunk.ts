import type { Hex } from 'viem'
import { bytesEqual, fromHex, keccak, toHex } from '../codec/bytes'
import type { TrieNodeRecord } from '../state/trie'
import { SnapshotError } from './errors'

/**
 * A subtree still to download: the hash its parent (or the header, for the root) commits to, and how
 * many leading key bits the branches above it fix. Keys are keccak hashes, so the subtree holds about
 * 2^-depth of the keys: the pending subtrees' shares give the download's progress.
 */
export interface PendingSubtree {
  readonly hash: Hex
  readonly depth: number
}

/** A verified chunk: its nodes, how many are leaves, and the subtrees it left unvisited. */
export interface VerifiedChunk {
  readonly records: TrieNodeRecord[]
  readonly leaves: number
  readonly pending: PendingSubtree[]
}

const BRANCH_LEN = 98

function bad(reason: string): never {
  throw new SnapshotError({ code: 'SNAPSHOT_BAD_CHUNK', reason })
}

/**
 * Checks a snapshot response (`sync/snapshot-messages.ts`) for the subtrees `items`: node i must hash to
 * the hash its pre-order position names (the first to `items[0].hash`, each next to the leftmost
 * unvisited child of the nodes before it, else the next item), be a well-formed leaf or branch, and
 * branch bits must grow downwards. Every accepted node is thus committed to by the trusted root. Throws
 * `SNAPSHOT_BAD_CHUNK`; an empty chunk (the peer lacks the subtree) is the caller's to handle.
 */
export function verifyChunk(
  items: readonly PendingSubtree[],
  encodings: readonly Uint8Array[],
): VerifiedChunk {
  const stack = items.map((item) => ({ hash: fromHex(item.hash), depth: item.depth })).reverse()
  const records: TrieNodeRecord[] = []
  let leaves = 0
  for (let i = 0; i < encodings.length; i++) {
    const encoded = encodings[i] as Uint8Array
    const expected = stack.pop()
    if (expected === undefined) bad(`node ${i} is beyond the subtrees asked for`)
    const hash = keccak(encoded)
    if (!bytesEqual(hash, expected.hash)) bad(`node ${i} does not match the hash above it`)
    if (encoded[0] === 0 && encoded.byteLength > 33) {
      leaves++
    } else if (encoded[0] === 1 && encoded.byteLength === BRANCH_LEN) {
      const bit = encoded[1] as number
      if (bit < expected.depth) bad(`node ${i} branches at bit ${bit}, above its parent's`)
      stack.push(
        { hash: encoded.subarray(66, 98), depth: bit + 1 },
        { hash: encoded.subarray(34, 66), depth: bit + 1 },
      )
    } else {
      bad(`node ${i} is not a tree node`)
    }
    // A copy: the decoded node is a view into the whole response, which storing it would clone entire.
    records.push({ hash, encoded: encoded.slice() })
  }
  return { records, leaves, pending: stack.reverse().map((s) => ({ hash: toHex(s.hash), depth: s.depth })) }
}

/** Share of the key space the pending subtrees still cover (1 before the first chunk, 0 when done). */
export function pendingShare(pending: readonly PendingSubtree[]): number {
  let share = 0
  for (const p of pending) share += 2 ** -p.depth
  return Math.min(1, share)
}
