import { keccakP } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keccakF1600 } from '../../../src/node/codec/keccak'

describe('keccakF1600', () => {
  it('permutes any state exactly as noble keccakP (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 50, maxLength: 50 }),
        (words) => {
          const ours = Int32Array.from(words)
          const noble = Uint32Array.from(words)
          keccakF1600(ours)
          keccakP(noble)
          expect([...new Uint32Array(ours.buffer)]).toEqual([...noble])
        },
      ),
      { numRuns: 300 },
    )
  })

  it('maps the zero state to the published Keccak-f[1600] test value', () => {
    const s = new Int32Array(50)
    keccakF1600(s)
    // First lane of Keccak-f[1600] applied once to the all-zero state (XKCP KeccakF-1600-IntermediateValues.txt).
    const lane0 = (BigInt((s[1] as number) >>> 0) << 32n) | BigInt((s[0] as number) >>> 0)
    expect(lane0).toBe(0xf1258f7940e1dde7n)
  })
})
