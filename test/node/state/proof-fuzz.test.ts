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
          try {
            const got = verifyProof(
              trie.root,
              key(k),
              proof.map((n) => toHex(n) as Hex),
            )
            const want = k < 64 ? new Uint8Array([k + 1]) : null
            if ((got === null) !== (want === null) || (got !== null && want !== null && got[0] !== want[0])) {
              throw new Error('proved a wrong value')
            }
          } catch (err) {
            if (!(err instanceof StateError)) throw err
          }
        },
      ),
      { numRuns: Math.max(100, Math.floor(FUZZ_RUNS / 5)) },
    )
  })
})
