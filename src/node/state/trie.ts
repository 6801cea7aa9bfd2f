import type { Hex } from 'viem'
import { bytesEqual, compareBytes, fromHex, keccak, toHex } from '../codec/bytes'
import { StateError } from './errors'

/**
 * Compressed binary Merkle-Patricia tree over 32-byte keys (the state commitment).
 *
 * Every key is a 256-bit path. Only branching points are stored (a "crit-bit" tree), so a tree of
 * n random keys is about log2(n) levels deep and an update hashes O(log n) nodes per key.
 *
 * Node encodings, which are also the hash preimages and the proof elements:
 * - leaf:   `0x00 ‖ key (32) ‖ value (≥ 1 byte)`
 * - branch: `0x01 ‖ bit (1) ‖ prefix (32) ‖ leftHash (32) ‖ rightHash (32)` — 98 bytes, one
 *   keccak block. `bit` is the first bit (0 = most significant of byte 0) where the subtree's keys
 *   differ; `prefix` is the keys' common prefix with every bit from `bit` on zeroed; keys with a 0
 *   at `bit` are on the left.
 * The empty tree's root is 32 zero bytes. Node hash = keccak256(encoding). The leading tag byte
 * separates the two node kinds, and both contain their full key/prefix, so a proof fixes its path.
 *
 * Trees are immutable: `update` returns a new tree sharing unchanged nodes with the old one, so
 * any earlier root stays readable (reorgs roll back by switching roots). Updates are applied in
 * batches and every touched node is hashed once per batch.
 */

/** A leaf: one key and its (non-empty) value. */
export interface LeafNode {
  readonly kind: 0
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly hash: Uint8Array
  readonly encoded: Uint8Array
}

/** A branching point at bit `bit`. */
export interface BranchNode {
  readonly kind: 1
  readonly bit: number
  readonly prefix: Uint8Array
  readonly left: TrieNode
  readonly right: TrieNode
  readonly hash: Uint8Array
  readonly encoded: Uint8Array
}

/** A node known only by hash, loaded from the node store when reached. */
export interface HashNode {
  readonly kind: 2
  readonly hash: Uint8Array
}

export type TrieNode = LeafNode | BranchNode | HashNode

/** A node written by an update: its hash and encoding (what a persistent store keeps). */
export interface TrieNodeRecord {
  readonly hash: Uint8Array
  readonly encoded: Uint8Array
}

/** Content-addressed node storage: encoding by lower-case `0x` hash. */
export interface NodeStore {
  get(hash: Hex): Uint8Array | undefined
}

/** One write of a batch: `value` null deletes the key. Values must be non-empty. */
export interface TrieChange {
  readonly key: Uint8Array
  readonly value: Uint8Array | null
}

/** Root hash of the empty tree. */
export const EMPTY_ROOT: Hex = `0x${'00'.repeat(32)}`

const EMPTY_ROOT_BYTES = new Uint8Array(32)
const BRANCH_LEN = 98
/** Bound on decoded stored nodes kept per tree lineage (a few hundred bytes each). */
const LOADED_CACHE_MAX = 500_000

function getBit(key: Uint8Array, bit: number): number {
  return ((key[bit >> 3] as number) >> (7 - (bit & 7))) & 1
}

/** Length of the common bit prefix of two 32-byte keys, searching from byte `from >> 3`. */
function commonPrefix(a: Uint8Array, b: Uint8Array, from: number): number {
  for (let i = from >> 3; i < 32; i++) {
    const x = (a[i] as number) ^ (b[i] as number)
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return 256
}

function maskPrefix(key: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(32)
  const full = bit >> 3
  out.set(key.subarray(0, full))
  if (full < 32) out[full] = (key[full] as number) & (0xff << (8 - (bit & 7)))
  return out
}

// Node encodings are written into these buffers to be hashed; a node builds its `encoded` bytes only when
// asked (by a store persisting it, or a proof). A fresh encoding per node written (73 and 98 bytes: past
// 64 V8 allocates them outside its heap, a slow path) was the largest garbage of a block's commit.
const branchScratch = new Uint8Array(BRANCH_LEN)
let leafScratch = new Uint8Array(128)

function writeBranch(out: Uint8Array, bit: number, prefix: Uint8Array, left: Uint8Array, right: Uint8Array) {
  out[0] = 1
  out[1] = bit
  out.set(prefix, 2)
  out.set(left, 34)
  out.set(right, 66)
  return out
}

function writeLeaf(out: Uint8Array, key: Uint8Array, value: Uint8Array): Uint8Array {
  out[0] = 0
  out.set(key, 1)
  out.set(value, 33)
  return out
}

/** A leaf (see `LeafNode`); its encoding is built on first read. */
class Leaf implements LeafNode {
  readonly kind = 0
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly hash: Uint8Array
  #encoded: Uint8Array | undefined

  constructor(key: Uint8Array, value: Uint8Array, hash: Uint8Array, encoded?: Uint8Array) {
    this.key = key
    this.value = value
    this.hash = hash
    this.#encoded = encoded
  }

  get encoded(): Uint8Array {
    this.#encoded ??= writeLeaf(new Uint8Array(33 + this.value.length), this.key, this.value)
    return this.#encoded
  }
}

/** A branch (see `BranchNode`); its encoding is built on first read. */
class Branch implements BranchNode {
  readonly kind = 1
  readonly bit: number
  readonly prefix: Uint8Array
  readonly left: TrieNode
  readonly right: TrieNode
  readonly hash: Uint8Array
  #encoded: Uint8Array | undefined

  constructor(
    bit: number,
    prefix: Uint8Array,
    left: TrieNode,
    right: TrieNode,
    hash: Uint8Array,
    encoded?: Uint8Array,
  ) {
    this.bit = bit
    this.prefix = prefix
    this.left = left
    this.right = right
    this.hash = hash
    this.#encoded = encoded
  }

  get encoded(): Uint8Array {
    this.#encoded ??= writeBranch(
      new Uint8Array(BRANCH_LEN),
      this.bit,
      this.prefix,
      this.left.hash,
      this.right.hash,
    )
    return this.#encoded
  }
}

function makeLeaf(key: Uint8Array, value: Uint8Array, created: TrieNodeRecord[]): LeafNode {
  const len = 33 + value.length
  if (len > leafScratch.length) leafScratch = new Uint8Array(Math.max(len, 2 * leafScratch.length))
  const hash = keccak(writeLeaf(leafScratch, key, value).subarray(0, len))
  const leaf = new Leaf(key, value, hash)
  // The node is its own record (it has `hash` and `encoded`): one object fewer per node written.
  created.push(leaf)
  return leaf
}

function makeBranch(
  bit: number,
  prefix: Uint8Array,
  left: TrieNode,
  right: TrieNode,
  created: TrieNodeRecord[],
): BranchNode {
  const hash = keccak(writeBranch(branchScratch, bit, prefix, left.hash, right.hash))
  const branch = new Branch(bit, prefix, left, right, hash)
  created.push(branch)
  return branch
}

/** Decodes a stored node encoding; children become `HashNode`s. */
function decodeNode(encoded: Uint8Array, hash: Uint8Array): LeafNode | BranchNode {
  if (encoded[0] === 0 && encoded.length > 33) {
    return new Leaf(encoded.subarray(1, 33), encoded.subarray(33), hash, encoded)
  }
  if (encoded[0] === 1 && encoded.length === BRANCH_LEN) {
    return new Branch(
      encoded[1] as number,
      encoded.subarray(2, 34),
      { kind: 2, hash: encoded.subarray(34, 66) },
      { kind: 2, hash: encoded.subarray(66, 98) },
      hash,
      encoded,
    )
  }
  throw new StateError({ code: 'STATE_CORRUPT', reason: 'undecodable tree node' })
}

interface Entry {
  readonly key: Uint8Array
  readonly value: Uint8Array | null
  /** An existing leaf to reuse unchanged. */
  readonly leaf?: LeafNode
}

/** An immutable tree snapshot. */
export class Trie {
  readonly #root: TrieNode | null
  readonly #store: NodeStore | undefined
  /**
   * Nodes decoded from the store, shared by every tree derived from this one, so a tree rebuilt
   * from a root decodes and verifies each stored node once rather than on every read.
   */
  readonly #loaded: Map<string, LeafNode | BranchNode>

  private constructor(
    root: TrieNode | null,
    store: NodeStore | undefined,
    loaded: Map<string, LeafNode | BranchNode> = new Map(),
  ) {
    this.#root = root
    this.#store = store
    this.#loaded = loaded
  }

  /** The empty tree. `store` resolves nodes of trees later rebuilt from a root. */
  static empty(store?: NodeStore): Trie {
    return new Trie(null, store)
  }

  /** The tree with root `root`, whose nodes are read from `store` on demand. */
  static fromRoot(root: Hex, store: NodeStore): Trie {
    let hash: Uint8Array
    try {
      hash = fromHex(root)
    } catch {
      throw new StateError({ code: 'STATE_CORRUPT', reason: 'root is not hex' })
    }
    if (hash.length !== 32) throw new StateError({ code: 'STATE_CORRUPT', reason: 'root must be 32 bytes' })
    return new Trie(bytesEqual(hash, EMPTY_ROOT_BYTES) ? null : { kind: 2, hash }, store)
  }

  /** Root hash as bytes. */
  get rootHash(): Uint8Array {
    return this.#root === null ? EMPTY_ROOT_BYTES : this.#root.hash
  }

  /** Root hash as lower-case hex. */
  get root(): Hex {
    return toHex(this.rootHash)
  }

  #resolve(node: TrieNode): LeafNode | BranchNode {
    if (node.kind !== 2) return node
    const hex = toHex(node.hash)
    const cached = this.#loaded.get(hex)
    if (cached !== undefined) return cached
    const encoded = this.#store?.get(hex)
    if (encoded === undefined) throw new StateError({ code: 'STATE_MISSING_NODE', hash: hex })
    if (!bytesEqual(keccak(encoded), node.hash)) {
      throw new StateError({ code: 'STATE_CORRUPT', reason: `stored node ${hex} does not match its hash` })
    }
    const decoded = decodeNode(encoded, node.hash)
    if (this.#loaded.size >= LOADED_CACHE_MAX) this.#loaded.clear()
    this.#loaded.set(hex, decoded)
    return decoded
  }

  /** The value stored at `key` (32 bytes), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    let node = this.#root
    // Bits of `key` already known to match the path: a child's prefix extends its parent's, so each
    // branch only compares the bits from its parent's branching bit on (reads are the hot path).
    let matched = 0
    while (node !== null) {
      const n = this.#resolve(node)
      if (n.kind === 0) return bytesEqual(n.key, key) ? n.value : undefined
      if (commonPrefix(n.prefix, key, matched) < n.bit) return undefined
      matched = n.bit
      node = getBit(key, n.bit) === 0 ? n.left : n.right
    }
    return undefined
  }

  /**
   * Proof for `key`: the encodings of the nodes from the root down to the leaf or branch that
   * settles whether the key is present. Empty for the empty tree.
   */
  prove(key: Uint8Array): Hex[] {
    const proof: Hex[] = []
    let node = this.#root
    while (node !== null) {
      const n = this.#resolve(node)
      proof.push(toHex(n.encoded))
      if (n.kind === 0 || commonPrefix(n.prefix, key, 0) < n.bit) break
      node = getBit(key, n.bit) === 0 ? n.left : n.right
    }
    return proof
  }

  /**
   * Applies a batch of writes (any order; for a key written twice the last write wins) and
   * returns the new tree plus every node the batch created, children before parents.
   */
  update(changes: readonly TrieChange[]): { trie: Trie; created: TrieNodeRecord[] } {
    const created: TrieNodeRecord[] = []
    if (changes.length === 0) return { trie: this, created }
    const sorted = dedupe(
      [...changes].sort((a, b) => compareBytes(a.key, b.key)),
      changes,
    )
    const root = this.#update(this.#root, sorted, 0, sorted.length, 0, created)
    return { trie: new Trie(root, this.#store, this.#loaded), created }
  }

  /** `matched`: bits every key in `ch[lo, hi)` is known to share with `node`'s prefix. */
  #update(
    node: TrieNode | null,
    ch: Entry[],
    lo: number,
    hi: number,
    matched: number,
    created: TrieNodeRecord[],
  ): TrieNode | null {
    if (lo === hi) return node
    if (node === null) return build(ch, lo, hi, created)
    const n = this.#resolve(node)
    if (n.kind === 0) return this.#mergeLeaf(n, ch, lo, hi, created)
    const first = (ch[lo] as Entry).key
    const last = (ch[hi - 1] as Entry).key
    // Changes are sorted, so the shortest common prefix with the branch is at an end of the range.
    const m = Math.min(commonPrefix(n.prefix, first, matched), commonPrefix(n.prefix, last, matched))
    if (m >= n.bit) {
      const split = splitIndex(ch, lo, hi, n.bit)
      const left = this.#update(n.left, ch, lo, split, n.bit, created)
      const right = this.#update(n.right, ch, split, hi, n.bit, created)
      if (left === n.left && right === n.right) return n
      if (left === null) return right
      if (right === null) return left
      return makeBranch(n.bit, n.prefix, left, right, created)
    }
    // Some changes leave this subtree's prefix at bit m: they form a sibling of the whole subtree.
    const split = splitIndex(ch, lo, hi, m)
    const nodeOnLeft = getBit(n.prefix, m) === 0
    const left = nodeOnLeft ? this.#update(n, ch, lo, split, m, created) : build(ch, lo, split, created)
    const right = nodeOnLeft ? build(ch, split, hi, created) : this.#update(n, ch, split, hi, m, created)
    if (left === null) return right
    if (right === null) return left
    return makeBranch(m, maskPrefix(n.prefix, m), left, right, created)
  }

  #mergeLeaf(
    leaf: LeafNode,
    ch: Entry[],
    lo: number,
    hi: number,
    created: TrieNodeRecord[],
  ): TrieNode | null {
    const merged: Entry[] = []
    let placed = false
    for (let i = lo; i < hi; i++) {
      const e = ch[i] as Entry
      const c = compareBytes(leaf.key, e.key)
      if (!placed && c <= 0) {
        placed = true
        if (c === 0) {
          if (e.value !== null && bytesEqual(e.value, leaf.value))
            merged.push({ key: leaf.key, value: leaf.value, leaf })
          else merged.push(e)
          continue
        }
        merged.push({ key: leaf.key, value: leaf.value, leaf })
      }
      merged.push(e)
    }
    if (!placed) merged.push({ key: leaf.key, value: leaf.value, leaf })
    return build(merged, 0, merged.length, created)
  }
}

/** Keeps the last write per key of a sorted batch (sort is stable, so "last" is input order). */
function dedupe(sorted: TrieChange[], original: readonly TrieChange[]): Entry[] {
  for (const c of original) {
    if (c.key.length !== 32) throw new RangeError('state keys must be 32 bytes')
    if (c.value !== null && c.value.length === 0) throw new RangeError('state values must not be empty')
  }
  const out: Entry[] = []
  for (const c of sorted) {
    const prev = out[out.length - 1]
    if (prev !== undefined && bytesEqual(prev.key, c.key)) out[out.length - 1] = c
    else out.push(c)
  }
  return out
}

/** First index in [lo, hi) whose key has a 1 at `bit` (keys sorted and equal above `bit`). */
function splitIndex(ch: Entry[], lo: number, hi: number, bit: number): number {
  let a = lo
  let b = hi
  while (a < b) {
    const mid = (a + b) >> 1
    if (getBit((ch[mid] as Entry).key, bit) === 0) a = mid + 1
    else b = mid
  }
  return a
}

/** Builds a subtree from sorted entries, dropping deletions. */
function build(ch: Entry[], lo: number, hi: number, created: TrieNodeRecord[]): TrieNode | null {
  let a = lo
  let b = hi
  while (a < b && (ch[a] as Entry).value === null) a++
  while (b > a && (ch[b - 1] as Entry).value === null) b--
  if (a === b) return null
  if (b - a === 1) {
    const e = ch[a] as Entry
    return e.leaf ?? makeLeaf(e.key, e.value as Uint8Array, created)
  }
  const bit = commonPrefix((ch[a] as Entry).key, (ch[b - 1] as Entry).key, 0)
  const split = splitIndex(ch, a, b, bit)
  const left = build(ch, a, split, created)
  const right = build(ch, split, b, created)
  if (left === null) return right
  if (right === null) return left
  return makeBranch(bit, maskPrefix((ch[a] as Entry).key, bit), left, right, created)
}

function badProof(reason: string): never {
  throw new StateError({ code: 'STATE_BAD_PROOF', reason }, `invalid state proof: ${reason}`)
}

/**
 * The proof `Trie.prove` makes for `key` under `root`, read from an asynchronous node store (another
 * profile's database): one read per node on the path. Undefined when a node on the path is not there.
 * The nodes are not checked here: `verifyProof` against a root from a verified header does that.
 */
export async function proveFrom(
  root: Hex,
  key: Uint8Array,
  get: (hash: Hex) => Promise<Uint8Array | undefined>,
): Promise<Hex[] | undefined> {
  const proof: Hex[] = []
  let hash = fromHex(root)
  if (bytesEqual(hash, EMPTY_ROOT_BYTES)) return proof
  // Branch bits increase along a path (a damaged store could loop otherwise): at most 256 branches.
  let lastBit = -1
  for (;;) {
    const enc = await get(toHex(hash))
    if (enc === undefined) return undefined
    proof.push(toHex(enc))
    if (enc[0] !== 1 || enc.length !== BRANCH_LEN) return proof
    const bit = enc[1] as number
    if (bit <= lastBit || commonPrefix(enc.subarray(2, 34), key, 0) < bit) return proof
    lastBit = bit
    hash = getBit(key, bit) === 0 ? enc.subarray(34, 66) : enc.subarray(66, 98)
  }
}

/**
 * Verifies a proof made by `Trie.prove` against `root`: returns the value stored at `key`, or null
 * when the proof shows the key is absent. Throws `StateError` `STATE_BAD_PROOF` when the proof is
 * malformed, tampered with, belongs to another root, or is cut short.
 */
export function verifyProof(root: Hex, key: Hex | Uint8Array, proof: readonly Hex[]): Uint8Array | null {
  let rootBytes: Uint8Array
  let keyBytes: Uint8Array
  try {
    rootBytes = fromHex(root)
    keyBytes = typeof key === 'string' ? fromHex(key) : key
  } catch {
    return badProof('root or key is not hex')
  }
  if (rootBytes.length !== 32 || keyBytes.length !== 32) badProof('root and key must be 32 bytes')
  if (!Array.isArray(proof)) badProof('proof must be an array')
  if (bytesEqual(rootBytes, EMPTY_ROOT_BYTES)) {
    if (proof.length !== 0) badProof('the empty tree has an empty proof')
    return null
  }
  if (proof.length === 0) badProof('proof is empty')
  let expected = rootBytes
  let lastBit = -1
  for (let i = 0; i < proof.length; i++) {
    const hex = proof[i]
    let enc: Uint8Array
    try {
      enc = fromHex(typeof hex === 'string' ? hex : '')
    } catch {
      return badProof(`node ${i} is not hex`)
    }
    if (!bytesEqual(keccak(enc), expected)) badProof(`node ${i} does not match the hash above it`)
    const isLast = i === proof.length - 1
    if (enc[0] === 0 && enc.length > 33) {
      if (!isLast) badProof('nodes after a leaf')
      return bytesEqual(enc.subarray(1, 33), keyBytes) ? enc.slice(33) : null
    }
    if (enc[0] !== 1 || enc.length !== BRANCH_LEN) badProof(`node ${i} is not a tree node`)
    const bit = enc[1] as number
    if (bit <= lastBit) badProof('branch bits must increase along the path')
    lastBit = bit
    if (commonPrefix(enc.subarray(2, 34), keyBytes, 0) < bit) {
      // The key leaves this subtree's common prefix: it cannot be below it.
      if (!isLast) badProof('nodes after the point of divergence')
      return null
    }
    if (isLast) badProof('proof ends at a branch on the key path')
    expected = getBit(keyBytes, bit) === 0 ? enc.subarray(34, 66) : enc.subarray(66, 98)
  }
  return badProof('unreachable')
}

/**
 * The hashes of the nodes a stored node encoding refers to: a branch's two children, none for a leaf.
 * Lets a store load the tree under a root level by level. Throws `STATE_CORRUPT` on a bad encoding.
 */
export function nodeChildren(encoded: Uint8Array): Uint8Array[] {
  const node = decodeNode(encoded, EMPTY_ROOT_BYTES)
  return node.kind === 1 ? [node.left.hash, node.right.hash] : []
}
