import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Address } from 'viem'
import { bigintToFixed, bytesToBigint, keccak, toHex } from '../codec/bytes'

/**
 * Ethereum's ecrecover: the address whose key made an ECDSA signature of a 32-byte hash, on noble's
 * secp256k1 arithmetic, for one signature or a block's worth at once.
 *
 * The steps and checks are those of noble's `Signature.recoverPublicKey`, for each signature: r and s in
 * [1, n-1]; R is the curve point with x = r and the given y parity (decoding checks that it exists and
 * lies on the curve); Q = r⁻¹·(s·R − h·G) in one Strauss–Shamir walk; Q must not be the point at
 * infinity and must lie on the curve. What differs is the field inversions, the costliest steps after
 * the walk and R's square root (an extended-Euclid inversion is about 3% of a recovery):
 * - Q is brought to affine coordinates once. Recovering with noble and then encoding the key
 *   (`recoverPublicKey(h).toBytes(false)`) inverts Q's Z twice: in the validity check and in the encoder.
 * - Over several signatures, the r⁻¹ mod n and the Z⁻¹ mod p are each found with one inversion for the
 *   whole batch (Montgomery's trick: three multiplications per element instead of an inversion each).
 */

const Point = secp256k1.Point
const { Fp, Fn } = Point
const B = 7n

/** Why no key recovers from a signature. */
export class EcrecoverError extends Error {
  override name = 'EcrecoverError'
}

/** A signature with its recovery bit, and the 32-byte hash it signs. */
export interface SignedHash {
  readonly hash: Uint8Array
  readonly r: bigint
  readonly s: bigint
  readonly yParity: 0 | 1
}

// The compressed encoding of R (parity byte ‖ x) and the uncompressed key without its 0x04 prefix
// (x ‖ y, what the address hashes), reused: noble parses the first into numbers, `keccak` reads the second.
const rBytes = new Uint8Array(33)
const xy = new Uint8Array(64)

function checkInputs({ hash, r, s, yParity }: SignedHash): EcrecoverError | undefined {
  if (hash.length !== 32) return new EcrecoverError('the signed hash must be 32 bytes')
  if (!Fn.isValidNot0(r) || !Fn.isValidNot0(s)) return new EcrecoverError('r and s must be in [1, n-1]')
  if (yParity !== 0 && yParity !== 1) return new EcrecoverError('the y parity must be 0 or 1')
  return undefined
}

/** Q = r⁻¹·(s·R − h·G), given r⁻¹; an error when R does not exist or Q is the point at infinity. */
function recoverPoint(sig: SignedHash, rInverse: bigint): InstanceType<typeof Point> | EcrecoverError {
  rBytes[0] = sig.yParity === 0 ? 0x02 : 0x03
  bigintToFixed(sig.r, 32, rBytes, 1)
  let R: InstanceType<typeof Point>
  try {
    R = Point.fromBytes(rBytes)
  } catch {
    return new EcrecoverError('no curve point has x = r')
  }
  // bits2int of a 32-byte hash on a 256-bit order: the hash as a number, reduced mod n.
  const h = Fn.create(bytesToBigint(sig.hash))
  const Q = Point.BASE.mulAddUnsafe(Fn.create(-h * rInverse), R, Fn.create(sig.s * rInverse))
  if (Q.is0()) return new EcrecoverError('the recovered point is at infinity')
  return Q
}

/** The address of the key Q, given Q's Z⁻¹; an error when Q is not on the curve. */
function addressOf(Q: InstanceType<typeof Point>, zInverse: bigint): Address | EcrecoverError {
  const { x, y } = Q.toAffine(zInverse)
  // y² = x³ + 7 (secp256k1 has cofactor 1: a point on the curve is in the group).
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), B))) {
    return new EcrecoverError('the recovered point is not on the curve')
  }
  bigintToFixed(x, 32, xy, 0)
  bigintToFixed(y, 32, xy, 32)
  return toHex(keccak(xy).subarray(12)) as Address
}

/**
 * The lower-case address of the key behind each signature, or the `EcrecoverError` saying why none
 * recovers from it, at the same index. Every signature gets the checks it would get alone.
 */
export function recoverAddresses(sigs: readonly SignedHash[]): (Address | EcrecoverError)[] {
  // Every index is filled: with an input error here, else with a recovery error or an address below.
  const out = new Array<Address | EcrecoverError>(sigs.length)
  const valid: number[] = []
  sigs.forEach((sig, i) => {
    const error = checkInputs(sig)
    if (error === undefined) valid.push(i)
    else out[i] = error
  })
  const rInverses = Fn.invertBatch(valid.map((i) => (sigs[i] as SignedHash).r))
  const points: InstanceType<typeof Point>[] = []
  const onCurve: number[] = []
  valid.forEach((i, k) => {
    const Q = recoverPoint(sigs[i] as SignedHash, rInverses[k] as bigint)
    if (Q instanceof EcrecoverError) out[i] = Q
    else {
      points.push(Q)
      onCurve.push(i)
    }
  })
  const zInverses = Fp.invertBatch(points.map((Q) => Q.Z))
  onCurve.forEach((i, k) => {
    out[i] = addressOf(points[k] as InstanceType<typeof Point>, zInverses[k] as bigint)
  })
  return out
}

/**
 * The lower-case address of the key that signed `hash` with (`r`, `s`, `yParity`). Throws
 * `EcrecoverError` when the inputs are out of range or no key recovers from them.
 */
export function recoverAddress(hash: Uint8Array, r: bigint, s: bigint, yParity: 0 | 1): Address {
  const [result] = recoverAddresses([{ hash, r, s, yParity }])
  if (result instanceof EcrecoverError) throw result
  return result as Address
}
