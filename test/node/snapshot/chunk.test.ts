import { describe, expect, test } from 'vitest'
import { keccak, toHex } from '../../../src/node/codec/bytes'
import { verifyChunk } from '../../../src/node/snapshot/chunk'

/** A leaf node encoding: `0x00 ‖ key ‖ value`. */
function leaf(n: number): Uint8Array {
  const enc = new Uint8Array(34)
  enc[1] = n
  enc[33] = 1
  return enc
}

/** A branch node encoding at `bit` over the two children's encodings. */
function branch(bit: number, left: Uint8Array, right: Uint8Array): Uint8Array {
  const enc = new Uint8Array(98)
  enc.set([1, bit])
  enc.set(keccak(left), 34)
  enc.set(keccak(right), 66)
  return enc
}

/** A subtree whose root branches at `top` and whose left child branches at `below`, in pre-order. */
function twoLevels(top: number, below: number): Uint8Array[] {
  const inner = branch(below, leaf(1), leaf(2))
  return [branch(top, inner, leaf(3)), inner, leaf(1), leaf(2), leaf(3)]
}

describe('snapshot chunk verifier', () => {
  test('a chunk whose every hash matches but whose branch bits do not grow downwards is refused', () => {
    const check = (nodes: Uint8Array[]) =>
      verifyChunk([{ hash: toHex(keccak(nodes[0] as Uint8Array)), depth: 0 }], nodes)
    // A tree a header may commit to (a miner's forged state root): refused at the chunk, before it is stored.
    for (const below of [3, 5])
      expect(() => check(twoLevels(5, below))).toThrow(
        expect.objectContaining({ type: expect.objectContaining({ code: 'SNAPSHOT_BAD_CHUNK' }) }),
      )
    // A pending subtree left by an earlier chunk fixes the bits above it: its root may not branch there.
    const nodes = twoLevels(5, 6)
    expect(() => verifyChunk([{ hash: toHex(keccak(nodes[0] as Uint8Array)), depth: 6 }], nodes)).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SNAPSHOT_BAD_CHUNK' }) }),
    )
    const chunk = check(nodes)
    expect(chunk.records).toHaveLength(5)
    expect(chunk.leaves).toBe(3)
    expect(chunk.pending).toEqual([])
  })

  test('a leaf without a value is not a tree node: refused, though its hash matches', () => {
    const empty = leaf(1).subarray(0, 33)
    const refused = (nodes: Uint8Array[]) =>
      expect(() => verifyChunk([{ hash: toHex(keccak(nodes[0] as Uint8Array)), depth: 0 }], nodes)).toThrow(
        expect.objectContaining({ type: expect.objectContaining({ code: 'SNAPSHOT_BAD_CHUNK' }) }),
      )
    refused([empty])
    refused([branch(0, empty, leaf(2)), empty, leaf(2)])
    expect(verifyChunk([{ hash: toHex(keccak(leaf(1))), depth: 0 }], [leaf(1)]).leaves).toBe(1)
  })

  test('a branch of other than 98 bytes is not a tree node: refused, though its hash matches', () => {
    const whole = branch(0, leaf(1), leaf(2))
    for (const wrong of [Uint8Array.of(...whole, 0), whole.subarray(0, 97)])
      expect(() => verifyChunk([{ hash: toHex(keccak(wrong)), depth: 0 }], [wrong])).toThrow(
        expect.objectContaining({ type: expect.objectContaining({ code: 'SNAPSHOT_BAD_CHUNK' }) }),
      )
    expect(verifyChunk([{ hash: toHex(keccak(whole)), depth: 0 }], [whole]).pending).toHaveLength(2)
  })
})
