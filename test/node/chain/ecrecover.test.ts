import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  EcrecoverError,
  recoverAddress,
  recoverAddresses,
  type SignedHash,
} from '../../../src/node/chain/ecrecover'
import { publicKeyToAddress } from '../../../src/node/chain/tx'
import { bigintToFixed } from '../../../src/node/codec/bytes'

const Point = secp256k1.Point
const N = Point.Fn.ORDER
const P = Point.Fp.ORDER

/** What noble's own recovery gives for the same inputs: the address, or 'throws'. */
function nobleRecover(hash: Uint8Array, r: bigint, s: bigint, yParity: 0 | 1): string {
  try {
    return publicKeyToAddress(new secp256k1.Signature(r, s, yParity).recoverPublicKey(hash).toBytes(false))
  } catch {
    return 'throws'
  }
}

function ours(hash: Uint8Array, r: bigint, s: bigint, yParity: 0 | 1): string {
  try {
    return recoverAddress(hash, r, s, yParity)
  } catch (err) {
    expect(err).toBeInstanceOf(EcrecoverError)
    return 'throws'
  }
}

const word = (v: bigint): Uint8Array => bigintToFixed(v, 32)
const scalar = fc.bigInt({ min: 1n, max: N - 1n })
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const parity = fc.constantFrom<0 | 1>(0, 1)

/** The smallest x ≥ `from` for which no curve point exists (x³ + 7 is not a square mod p). */
function xWithoutPoint(from: bigint): bigint {
  for (let x = from; ; x++) {
    const rhs = (x * x * x + 7n) % P
    if (Point.Fp.pow(rhs, (P - 1n) / 2n) !== 1n) return x
  }
}

describe('recoverAddress', () => {
  it('recovers the signer of real signatures', () => {
    fc.assert(
      fc.property(scalar, hash32, (key, hash) => {
        const secret = word(key)
        const sig = secp256k1.Signature.fromBytes(
          secp256k1.sign(hash, secret, { prehash: false, format: 'recovered' }),
          'recovered',
        )
        const signer = publicKeyToAddress(secp256k1.getPublicKey(secret, false))
        expect(recoverAddress(hash, sig.r, sig.s, sig.recovery === 1 ? 1 : 0)).toBe(signer)
      }),
      { numRuns: 200 },
    )
  })

  it('agrees with noble’s recoverPublicKey on arbitrary (r, s, parity, hash), address or refusal', () => {
    fc.assert(
      fc.property(scalar, scalar, parity, hash32, (r, s, yParity, hash) => {
        expect(ours(hash, r, s, yParity)).toBe(nobleRecover(hash, r, s, yParity))
      }),
      { numRuns: 300 },
    )
  })

  it('agrees with noble on hashes at and above the group order (reduced mod n) and on zero', () => {
    const sig = { r: 0x1234n, s: 0x5678n }
    for (const h of [0n, 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n]) {
      for (const yParity of [0, 1] as const) {
        const expected = nobleRecover(word(h), sig.r, sig.s, yParity)
        expect(expected).not.toBe('throws')
        expect(ours(word(h), sig.r, sig.s, yParity)).toBe(expected)
      }
    }
  })

  it('refuses an r that is the x of no curve point', () => {
    const r = xWithoutPoint(1n)
    expect(nobleRecover(word(1n), r, 1n, 0)).toBe('throws')
    expect(() => recoverAddress(word(1n), r, 1n, 0)).toThrow('no curve point has x = r')
    expect(() => recoverAddress(word(1n), r, 1n, 1)).toThrow(EcrecoverError)
  })

  it('refuses a signature whose recovered point is at infinity', () => {
    // R = k·G with x(R) = r; then h = s·k makes s·R − h·G = 0.
    const k = 0xc0ffeen
    const { x, y } = Point.BASE.multiply(k).toAffine()
    expect(x < N).toBe(true)
    const r = x
    const s = 5n
    const yParity = y % 2n === 0n ? 0 : 1
    const hash = word((s * k) % N)
    expect(nobleRecover(hash, r, s, yParity)).toBe('throws')
    expect(() => recoverAddress(hash, r, s, yParity)).toThrow('the recovered point is at infinity')
    // The same signature over another hash recovers a key, alone or batched after the refused one.
    const other = word(((s * k) % N) + 1n)
    const address = ours(other, r, s, yParity)
    expect(address).toMatch(/^0x[0-9a-f]{40}$/)
    expect(
      recoverAddresses([
        { hash, r, s, yParity },
        { hash: other, r, s, yParity },
      ]),
    ).toEqual([new EcrecoverError('the recovered point is at infinity'), address])
  })

  it('refuses out-of-range inputs with EcrecoverError and a reason', () => {
    const h = word(1n)
    const cases: [Uint8Array, bigint, bigint, number, string][] = [
      [h, 0n, 1n, 0, 'r and s must be in [1, n-1]'],
      [h, N, 1n, 0, 'r and s must be in [1, n-1]'],
      [h, 1n, 0n, 0, 'r and s must be in [1, n-1]'],
      [h, 1n, N, 0, 'r and s must be in [1, n-1]'],
      [h, 1n, 1n, 2, 'the y parity must be 0 or 1'],
      [new Uint8Array(31), 1n, 1n, 0, 'the signed hash must be 32 bytes'],
      [new Uint8Array(33), 1n, 1n, 0, 'the signed hash must be 32 bytes'],
    ]
    for (const [hash, r, s, yParity, reason] of cases) {
      expect(() => recoverAddress(hash, r, s, yParity as 0 | 1)).toThrow(new EcrecoverError(reason))
    }
  })

  it('recovers a batch as it recovers each signature alone: same addresses, same refusals, same indexes', () => {
    // Real signatures, arbitrary (mostly refused or foreign) ones and out-of-range inputs, mixed.
    const real = fc.tuple(scalar, hash32).map(([key, hash]): SignedHash => {
      const sig = secp256k1.Signature.fromBytes(
        secp256k1.sign(hash, word(key), { prehash: false, format: 'recovered' }),
        'recovered',
      )
      return { hash, r: sig.r, s: sig.s, yParity: sig.recovery === 1 ? 1 : 0 }
    })
    const arbitrary = fc.record({ hash: hash32, r: scalar, s: scalar, yParity: parity })
    const outOfRange = fc.record({
      hash: fc.uint8Array({ minLength: 31, maxLength: 33 }),
      r: fc.constantFrom(0n, 1n, N),
      s: fc.constantFrom(0n, 1n, N),
      yParity: parity,
    })
    fc.assert(
      fc.property(fc.array(fc.oneof(real, arbitrary, outOfRange), { maxLength: 12 }), (sigs) => {
        const alone = sigs.map((sig) => {
          try {
            return recoverAddress(sig.hash, sig.r, sig.s, sig.yParity)
          } catch (err) {
            return err
          }
        })
        expect(recoverAddresses(sigs)).toEqual(alone)
      }),
      { numRuns: 40 },
    )
    expect(recoverAddresses([])).toEqual([])
  })
})
