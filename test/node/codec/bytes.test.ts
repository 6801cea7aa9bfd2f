import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bigintToBytes,
  bigintToFixed,
  bytesToBigint,
  fromHex,
  keccak,
  keccakBackend,
  keccakJs,
  keccakPair,
  keccakPairJs,
  toHex,
} from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'
import { codeOf } from '../../code-of'

const codecCode = (fn: () => unknown): string => codeOf(CodecError, fn)

describe('bytes', () => {
  it('both keccak backends equal noble keccak_256 for every length (property)', async () => {
    // Node allows WebAssembly: `keccak` runs on hash-wasm once loaded, `keccakJs` on our permutation.
    expect(await keccakBackend).toBe('wasm')
    for (const [hash, pair] of [
      [keccak, keccakPair],
      [keccakJs, keccakPairJs],
    ] as const) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600, size: 'max' }), (d) => {
          expect(toHex(hash(d))).toBe(toHex(keccak_256(d)))
          // A view into a larger buffer hashes only its own bytes.
          const wide = new Uint8Array(d.length + 8)
          wide.set(d, 4)
          expect(toHex(hash(wide.subarray(4, 4 + d.length)))).toBe(toHex(keccak_256(d)))
        }),
        { numRuns: 500 },
      )
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          (a, b) => {
            expect(toHex(pair(a, b))).toBe(toHex(keccak_256(new Uint8Array([...a, ...b]))))
          },
        ),
      )
      expect(toHex(hash(new Uint8Array(0)))).toBe(
        '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
      )
    }
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
    // Every length and window, against the hex reading (short integers take another path).
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(40), fc.nat(40), (b, x, y) => {
        const start = Math.min(x, y, b.length)
        const end = Math.min(Math.max(x, y), b.length)
        const hex = toHex(b.subarray(start, end))
        expect(bytesToBigint(b, start, end)).toBe(hex === '0x' ? 0n : BigInt(hex))
      }),
    )
    expect(fromHex('0xABcd')).toEqual(new Uint8Array([0xab, 0xcd]))
    expect(toHex(new Uint8Array(600))).toBe(`0x${'00'.repeat(600)}`)
    expect(toHex(new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]))).toBe('0x00000000010000000000')
  })

  it('rejects bad hex and negative or overflowing integers with typed errors', () => {
    // No or a wrong prefix, an odd length; then a non-hex digit in either half of a byte, past Latin-1 too.
    for (const bad of ['', '0x1', 'ab', '1x00', '0y00', '0xgg', '0x0g', '0xg0', '0x\u01000']) {
      expect(codecCode(() => fromHex(bad))).toBe('CODEC_BAD_HEX')
    }
    expect(codecCode(() => bigintToBytes(-1n))).toBe('CODEC_NEGATIVE')
    // A refused integer leaves the output buffer as it was.
    const out = new Uint8Array(4).fill(9)
    expect(codecCode(() => bigintToFixed(-1n, 2, out, 1))).toBe('CODEC_NEGATIVE')
    expect(codecCode(() => bigintToFixed(1n << 16n, 2, out, 1))).toBe('CODEC_OVERFLOW')
    expect(codecCode(() => bigintToFixed(1n << 256n, 32))).toBe('CODEC_OVERFLOW')
    expect(out).toEqual(new Uint8Array(4).fill(9))
    expect(bigintToFixed(0xffffn, 2, out, 1)).toEqual(Uint8Array.of(9, 0xff, 0xff, 9))
  })
})
