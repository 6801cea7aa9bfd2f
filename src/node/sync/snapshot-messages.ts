import type { Hex } from 'viem'
import { fromHex, toHex } from '../codec/bytes'
import { rlpEncode } from '../codec/rlp'
import type { NodeStore } from '../state/trie'
import { SyncError } from './errors'
import { decodeRequest, decodeResponse, list, malformed } from './messages'

/**
 * Wire form of the snapshot protocol (`/tabchain/<chainId>/sync-snapshot/2.0.0`), which serves the state
 * tree of a block in chunks so a node can rebuild that state without executing the chain:
 *
 * - request RLP `[blockHash, [nodeHash…]]` (1 to `MAX_SNAPSHOT_SUBTREES` hashes): "the subtrees under these
 *   tree nodes of the state after block `blockHash`";
 * - response RLP `[encoding…]`: the node encodings (see `state/trie.ts`) of the first subtree in pre-order,
 *   left child before right, then of the next, and so on, cut off after `MAX_SNAPSHOT_NODES` nodes or
 *   `SNAPSHOT_BUDGET_BYTES` bytes. An empty list means the server does not hold that block or node.
 *
 * Why subtrees and not key ranges with boundary proofs: the tree is content-addressed, so a chunk checks
 * itself against a hash the client already trusts — the first node must hash to `nodeHash`, and every
 * next one to the child hash its pre-order position names (`snapshot/chunk.ts`). The child hashes a
 * cut-off response leaves unvisited are the next requests. Each pending subtree is a key range (the
 * bits fixed by the branches above it), so the set of pending hashes is exactly "which ranges are left".
 * A cut-off walk leaves about one small subtree per tree level pending, so a request names many at once.
 */

/** Most subtrees one request names. */
export const MAX_SNAPSHOT_SUBTREES = 64
/** Most nodes one response carries. */
export const MAX_SNAPSHOT_NODES = 4096
/** Byte budget a server fills before cutting a response off (one more node may follow; far below the cap). */
export const SNAPSHOT_BUDGET_BYTES = 1024 * 1024

export interface SnapshotRequest {
  readonly blockHash: Hex
  readonly nodeHashes: readonly Hex[]
}

export function encodeSnapshotRequest(r: SnapshotRequest): Uint8Array {
  return rlpEncode([fromHex(r.blockHash), r.nodeHashes.map((h) => fromHex(h))])
}

/** Throws `SYNC_MALFORMED`, or `SYNC_REQUEST_TOO_LARGE` past `MAX_SNAPSHOT_SUBTREES`. */
export function decodeSnapshotRequest(bytes: Uint8Array): SnapshotRequest {
  const what = 'snapshot request'
  const [block, nodes] = list(decodeRequest(bytes, what), what, 2)
  if (!(block instanceof Uint8Array) || block.byteLength !== 32)
    throw malformed(what, 'blockHash is not 32 bytes')
  if (!Array.isArray(nodes) || nodes.length === 0)
    throw malformed(what, 'expected a non-empty list of node hashes')
  if (nodes.length > MAX_SNAPSHOT_SUBTREES)
    throw new SyncError({
      code: 'SYNC_REQUEST_TOO_LARGE',
      what,
      asked: nodes.length,
      max: MAX_SNAPSHOT_SUBTREES,
    })
  const nodeHashes = nodes.map((node, i) => {
    if (!(node instanceof Uint8Array) || node.byteLength !== 32)
      throw malformed(what, `node hash ${i} is not 32 bytes`)
    return toHex(node)
  })
  return { blockHash: toHex(block), nodeHashes }
}

export function encodeSnapshotResponse(nodes: readonly Uint8Array[]): Uint8Array {
  return rlpEncode([...nodes])
}

/** Throws `SYNC_RESPONSE_TOO_LARGE` (before decoding) or `SYNC_MALFORMED`. */
export function decodeSnapshotResponse(bytes: Uint8Array): Uint8Array[] {
  const what = 'snapshot response'
  const items = list(decodeResponse(bytes, what), what)
  if (items.length > MAX_SNAPSHOT_NODES) throw malformed(what, `more than ${MAX_SNAPSHOT_NODES} nodes`)
  return items.map((item, i) => {
    if (!(item instanceof Uint8Array)) throw malformed(what, `node ${i} is not a byte string`)
    return item
  })
}

/**
 * The server's walk: the encodings of the subtrees under `nodeHashes`, one after the other, each in
 * pre-order (left first), from `store`, cut off at `maxNodes` or once `budgetBytes` are spent. Stops
 * early at a node the store lacks (a node still loading): the client asks for the rest again. Empty when
 * the store lacks the first hash.
 */
export function collectSubtrees(
  store: NodeStore,
  nodeHashes: readonly Hex[],
  maxNodes = MAX_SNAPSHOT_NODES,
  budgetBytes = SNAPSHOT_BUDGET_BYTES,
): Uint8Array[] {
  const out: Uint8Array[] = []
  const stack: Hex[] = [...nodeHashes].reverse()
  let bytes = 0
  while (out.length < maxNodes && bytes < budgetBytes) {
    const hash = stack.pop()
    if (hash === undefined) break
    const encoded = store.get(hash)
    if (encoded === undefined) break
    out.push(encoded)
    bytes += encoded.byteLength + 3
    // A branch is `0x01 ‖ bit ‖ prefix (32) ‖ left (32) ‖ right (32)`: push right first so left comes out first.
    if (encoded[0] === 1 && encoded.byteLength === 98) {
      stack.push(toHex(encoded.subarray(66, 98)), toHex(encoded.subarray(34, 66)))
    }
  }
  return out
}
