import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, it } from 'vitest'
import { fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { StateError } from '../../../src/node/state/errors'
import { Trie, verifyProof } from '../../../src/node/state/trie'
import { FUZZ_RUNS } from '../../fuzz-decoder'

const key = (i: number): Uint8Array => keccak(new Uint8Array([i, 3]))
const trie = Trie.empty().update(
  Array.from({ length: 64 }, (_, i) => ({ key: key(i), value: new Uint8Array([i + 1]) })),
).trie

/** verifyProof's outcome: the value, null, or the StateError code; anything else thrown goes on up. */
function verdict(root: Hex, k: Uint8Array, proof: readonly Hex[]): Uint8Array | null | string {
  try {
    return verifyProof(root, k, proof)
  } catch (err) {
    if (!(err instanceof StateError)) throw err
    if (err.type.code !== 'STATE_BAD_PROOF') throw new Error(`undocumented code ${err.type.code}`)
    return err.type.code
  }
}

/** A node of a forged path: a leaf-like or branch-like prefix, or any bytes. */
const forgedNode = fc.oneof(
  fc
    .tuple(fc.constantFrom(0, 1), fc.uint8Array({ minLength: 0, maxLength: 100 }))
    .map(([tag, rest]) => Uint8Array.of(tag, ...rest)),
  fc.uint8Array({ minLength: 98, maxLength: 98 }).map((b) => {
    b[0] = 1
    return b
  }),
  fc.uint8Array({ maxLength: 120 }),
)

describe('state proof verifier fuzz', () => {
  it('never proves a wrong value and throws only StateError on mutated proofs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        (k, edits, drop) => {
          const proof = trie.prove(key(k)).map((n) => fromHex(n))
          for (const [n, b, v] of edits) {
            const node = proof[n % proof.length]
            if (node !== undefined) node[b % node.length] = v
          }
          if (drop !== undefined) proof.splice(drop % (proof.length + 1), 1)
          const got = verdict(
            trie.root,
            key(k),
            proof.map((n) => toHex(n)),
          )
          if (typeof got === 'string') return
          const want = k < 64 ? new Uint8Array([k + 1]) : null
          if ((got === null) !== (want === null) || (got !== null && want !== null && got[0] !== want[0])) {
            throw new Error('proved a wrong value')
          }
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })

  it('throws only STATE_BAD_PROOF on forged paths whose every node hashes to the one above it', () => {
    fc.assert(
      fc.property(
        fc.array(forgedNode, { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(fc.constantFrom('0x', '0x0', 'zz', '0xgg'), { nil: undefined }),
        (nodes, k, junk) => {
          // Bottom-up, each branch-shaped node's child on the key's side is made the next node's hash.
          for (let i = nodes.length - 2; i >= 0; i--) {
            const node = nodes[i] as Uint8Array
            if (node.length !== 98) continue
            const bit = node[1] as number
            const side = ((k[bit >> 3] as number) >> (7 - (bit & 7))) & 1
            node.set(keccak(nodes[i + 1] as Uint8Array), side === 0 ? 34 : 66)
          }
          const proof: Hex[] = nodes.map((n) => toHex(n))
          if (junk !== undefined) proof.push(junk as Hex)
          verdict(toHex(keccak(nodes[0] as Uint8Array)), k, proof)
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })
})
