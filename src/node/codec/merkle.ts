import type { Hex } from 'viem'
import { bytesEqual, fromHex, keccak, keccakPair, toHex } from './bytes'

/**
 * Binary Merkle commitment to an ordered list of 32-byte leaf hashes (transaction hashes,
 * receipt hashes).
 *
 * Levels pair neighbours as `keccak(left ‖ right)`; an odd last node is promoted unchanged.
 * The root binds the count: `root = keccak(uint64be(count) ‖ top)`, where `top` is 32 zero bytes
 * for an empty list and the single leaf for a one-leaf list. Binding the count fixes the tree
 * shape, so an inner node can never be passed off as a leaf of a shorter list.
 */

/** Inclusion proof for leaf `index` of a list of `count` leaves; `siblings` bottom-up. */
export interface MerkleProof {
  readonly index: number
  readonly count: number
  readonly siblings: readonly Hex[]
}

const ZERO32 = new Uint8Array(32)

function bindCount(count: number, top: Uint8Array): Hex {
  const buf = new Uint8Array(40)
  new DataView(buf.buffer).setBigUint64(0, BigInt(count))
  buf.set(top, 8)
  return toHex(keccak(buf))
}

function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1]
    out.push(right === undefined ? (level[i] as Uint8Array) : keccakPair(level[i] as Uint8Array, right))
  }
  return out
}

function toLeafBytes(leaves: readonly (Hex | Uint8Array)[]): Uint8Array[] {
  return leaves.map((l) => {
    const b = typeof l === 'string' ? fromHex(l) : l
    if (b.length !== 32) throw new RangeError('Merkle leaves must be 32-byte hashes')
    return b
  })
}

/** Root of the list of 32-byte `leaves`. */
export function merkleRoot(leaves: readonly (Hex | Uint8Array)[]): Hex {
  let level = toLeafBytes(leaves)
  if (level.length === 0) return bindCount(0, ZERO32)
  while (level.length > 1) level = nextLevel(level)
  return bindCount(leaves.length, level[0] as Uint8Array)
}

/** Root of the empty list: the transactions and receipts root of a block with no transactions. */
export const EMPTY_MERKLE_ROOT: Hex = merkleRoot([])

/** Inclusion proof for `leaves[index]`. Throws `RangeError` when `index` is out of range. */
export function merkleProof(leaves: readonly (Hex | Uint8Array)[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError('leaf index out of range')
  let level = toLeafBytes(leaves)
  const siblings: Hex[] = []
  let i = index
  while (level.length > 1) {
    const sib = level[i ^ 1]
    if (sib !== undefined) siblings.push(toHex(sib))
    level = nextLevel(level)
    i >>= 1
  }
  return { index, count: leaves.length, siblings }
}

/**
 * True when `leaf` is element `proof.index` of the list committed to by `root`. Returns false
 * (never throws) on any mismatch or malformed proof.
 */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: MerkleProof): boolean {
  const { index, count, siblings } = proof
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 0 || index >= count)
    return false
  if (!Array.isArray(siblings)) return false
  let node: Uint8Array
  try {
    node = fromHex(leaf)
    if (node.length !== 32) return false
    let i = index
    let size = count
    let s = 0
    while (size > 1) {
      const promoted = i === size - 1 && size % 2 === 1
      if (!promoted) {
        const hex = siblings[s++]
        if (typeof hex !== 'string') return false
        const sib = fromHex(hex)
        if (sib.length !== 32) return false
        node = i % 2 === 0 ? keccakPair(node, sib) : keccakPair(sib, node)
      }
      i >>= 1
      size = Math.ceil(size / 2)
    }
    if (s !== siblings.length) return false
    return bytesEqual(fromHex(bindCount(count, node)), fromHex(root))
  } catch {
    return false
  }
}
