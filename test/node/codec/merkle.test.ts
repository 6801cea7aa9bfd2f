import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { keccak, toHex } from '../../../src/node/codec/bytes'
import { merkleProof, merkleRoot, verifyMerkleProof } from '../../../src/node/codec/merkle'

const leaf = (i: number): Hex => toHex(keccak(new Uint8Array([i, i >> 8])))
const leaves = (n: number): Hex[] => Array.from({ length: n }, (_, i) => leaf(i))

describe('Merkle list', () => {
  it('has stable roots (golden) that bind the count', () => {
    expect(merkleRoot([])).toBe(toHex(keccak(new Uint8Array(40))))
    expect(merkleRoot([leaf(0), leaf(1), leaf(2)])).not.toBe(merkleRoot([leaf(0), leaf(1)]))
    // Promoting an odd node: [a, b, c] must differ from [a, b, c, c].
    expect(merkleRoot([leaf(0), leaf(1), leaf(2)])).not.toBe(merkleRoot([leaf(0), leaf(1), leaf(2), leaf(2)]))
  })

  it('proves every leaf of every size (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, pick) => {
        const ls = leaves(n)
        const root = merkleRoot(ls)
        const i = pick % n
        const proof = merkleProof(ls, i)
        expect(verifyMerkleProof(root, ls[i] as Hex, proof)).toBe(true)
        // Another leaf, another index, another count, a changed sibling: all refused.
        expect(verifyMerkleProof(root, leaf(n + 1), proof)).toBe(false)
        if (n > 1) expect(verifyMerkleProof(root, ls[i] as Hex, { ...proof, index: (i + 1) % n })).toBe(false)
        expect(verifyMerkleProof(root, ls[i] as Hex, { ...proof, count: n + 1 })).toBe(false)
        if (proof.siblings.length > 0) {
          expect(verifyMerkleProof(root, ls[i] as Hex, { ...proof, siblings: proof.siblings.slice(1) })).toBe(
            false,
          )
          expect(
            verifyMerkleProof(root, ls[i] as Hex, {
              ...proof,
              siblings: [leaf(999), ...proof.siblings.slice(1)],
            }),
          ).toBe(false)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('refuses inner nodes posing as leaves and malformed proofs', () => {
    const ls = leaves(4)
    const root = merkleRoot(ls)
    const inner = toHex(
      keccak(new Uint8Array([...keccak(new Uint8Array([0, 0])), ...keccak(new Uint8Array([1, 0]))])),
    )
    const p = merkleProof(ls, 2)
    expect(verifyMerkleProof(root, inner, { index: 0, count: 2, siblings: [p.siblings[1] as Hex] })).toBe(
      false,
    )
    expect(verifyMerkleProof(root, ls[0] as Hex, { index: -1, count: 4, siblings: [] })).toBe(false)
    expect(verifyMerkleProof(root, ls[0] as Hex, { index: 0, count: 4, siblings: ['0xzz', '0x00'] })).toBe(
      false,
    )
    expect(verifyMerkleProof(root, '0x1234', p)).toBe(false)
    expect(() => merkleProof(ls, 4)).toThrow(RangeError)
  })
})
