import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Address } from 'viem'
import { bigintToFixed, bytesToBigint, keccak, toHex } from '../codec/bytes'

/**
 * Ethereum's ecrecover: the address whose key made an ECDSA signature of a 32-byte hash, on noble's
 * secp256k1 arithmetic.
 *
 * The steps and checks are those of noble's `Signature.recoverPublicKey`: r and s in [1, n-1]; R is the
 * curve point with x = r and the given y parity (decoding checks that it exists and lies on the curve);
 * Q = r⁻¹·(s·R − h·G) in one Strauss–Shamir walk; Q must not be the point at infinity and must lie on
 * the curve. The difference is that Q is brought to affine coordinates once: recovering with noble and
 * then encoding the key (`recoverPublicKey(h).toBytes(false)`) inverts Q's Z twice — once in the validity
 * check, once in the encoder — and that second field inversion was about 3% of a recovery.
 */

const Point = secp256k1.Point
const { Fp, Fn } = Point
const B = 7n

/** Why no key recovers from a signature. */
export class EcrecoverError extends Error {
  override name = 'EcrecoverError'
}

// The compressed encoding of R (parity byte ‖ x) and the uncompressed key without its 0x04 prefix
// (x ‖ y, what the address hashes), reused: noble parses the first into numbers, `keccak` reads the second.
const rBytes = new Uint8Array(33)
const xy = new Uint8Array(64)

/**
 * The lower-case address of the key that signed `hash` with (`r`, `s`, `yParity`). Throws
 * `EcrecoverError` when the inputs are out of range or no key recovers from them.
 */
export function recoverAddress(hash: Uint8Array, r: bigint, s: bigint, yParity: 0 | 1): Address {
  if (hash.length !== 32) throw new EcrecoverError('the signed hash must be 32 bytes')
  if (!Fn.isValidNot0(r) || !Fn.isValidNot0(s)) throw new EcrecoverError('r and s must be in [1, n-1]')
  if (yParity !== 0 && yParity !== 1) throw new EcrecoverError('the y parity must be 0 or 1')
  rBytes[0] = yParity === 0 ? 0x02 : 0x03
  bigintToFixed(r, 32, rBytes, 1)
  let R: InstanceType<typeof Point>
  try {
    R = Point.fromBytes(rBytes)
  } catch {
    throw new EcrecoverError('no curve point has x = r')
  }
  const ir = Fn.inv(r)
  // bits2int of a 32-byte hash on a 256-bit order: the hash as a number, reduced mod n.
  const h = Fn.create(bytesToBigint(hash))
  const Q = Point.BASE.mulAddUnsafe(Fn.create(-h * ir), R, Fn.create(s * ir))
  if (Q.is0()) throw new EcrecoverError('the recovered point is at infinity')
  const { x, y } = Q.toAffine()
  // y² = x³ + 7 (secp256k1 has cofactor 1: a point on the curve is in the group).
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), B))) {
    throw new EcrecoverError('the recovered point is not on the curve')
  }
  bigintToFixed(x, 32, xy, 0)
  bigintToFixed(y, 32, xy, 32)
  return toHex(keccak(xy).subarray(12)) as Address
}
