import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bigintToFixed,
  bytesToBigint,
  fromHex,
  keccak,
  keccakPair,
  toHex,
} from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'

describe('bytes', () => {
  it('keccak equals noble keccak_256 for every length (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (d) => {
        expect(toHex(keccak(d))).toBe(toHex(keccak_256(d)))
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          expect(toHex(keccakPair(a, b))).toBe(toHex(keccak_256(new Uint8Array([...a, ...b]))))
        },
      ),
    )
    expect(toHex(keccak(new Uint8Array(0)))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })

  it('converts hex and integers both ways (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        (b, n) => {
          expect(fromHex(toHex(b))).toEqual(b)
          expect(toHex(b)).toBe(`0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`)
          expect(bytesToBigint(bigintToFixed(n, 32))).toBe(n)
        },
      ),
    )
    expect(fromHex('0xABcd')).toEqual(new Uint8Array([0xab, 0xcd]))
    expect(toHex(new Uint8Array(600))).toBe(`0x${'00'.repeat(600)}`)
    expect(toHex(new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]))).toBe('0x00000000010000000000')
  })

  it('rejects bad hex and overflowing integers with typed errors', () => {
    for (const bad of ['', '0x1', 'ab', '0xgg', '1x00']) expect(() => fromHex(bad)).toThrow(CodecError)
    expect(() => bigintToFixed(256n, 1)).toThrow(CodecError)
    expect(() => bigintToFixed(-1n, 1)).toThrow(CodecError)
  })
})
