import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Hex } from 'viem'
import { CodecError } from './errors'
import { keccakF1600 } from './keccak'

/**
 * Byte helpers for hot paths. viem's helpers validate and allocate generously; these are the
 * minimal, strict versions used where thousands of calls per block add up.
 */

const HEX_CHARS = '0123456789abcdef'
const BYTE_TO_HEX: string[] = []
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push((HEX_CHARS[i >> 4] as string) + (HEX_CHARS[i & 15] as string))

const ZERO_HEX = '0'.repeat(512)

function hexOf(bytes: Uint8Array, prefix: string): string {
  // Blooms and 32-byte words are mostly zero bytes: a run of them is one slice of a zero string
  // instead of one concatenation per byte (5× faster for a receipt bloom).
  let out = prefix
  const n = bytes.length
  let i = 0
  while (i < n) {
    const b = bytes[i] as number
    if (b === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 0 && bytes[i + 3] === 0) {
      let j = i + 4
      while (j < n && bytes[j] === 0) j++
      let digits = (j - i) * 2
      for (; digits > ZERO_HEX.length; digits -= ZERO_HEX.length) out += ZERO_HEX
      out += ZERO_HEX.slice(0, digits)
      i = j
    } else {
      out += BYTE_TO_HEX[b]
      i++
    }
  }
  return out
}

/** Lower-case `0x` hex of `bytes`. */
export function toHex(bytes: Uint8Array): Hex {
  return hexOf(bytes, '0x') as Hex
}

/** Lower-case hex of `bytes` without the `0x` prefix. */
export function toHexRaw(bytes: Uint8Array): string {
  return hexOf(bytes, '')
}

// Value of each hex digit by char code (-1 for any other character): one table read per digit
// instead of three range tests. Decoding raw transactions is the main user.
const NIBBLES = new Int8Array(256).fill(-1)
for (let i = 0; i < 16; i++) {
  NIBBLES[HEX_CHARS.charCodeAt(i)] = i
  NIBBLES[HEX_CHARS.toUpperCase().charCodeAt(i)] = i
}

function nibble(c: number): number {
  return c < 256 ? (NIBBLES[c] as number) : -1
}

/**
 * Bytes of a `0x` hex string (either case). Throws `CodecError` `CODEC_BAD_HEX` on a missing
 * prefix, an odd length or a non-hex digit.
 */
export function fromHex(hex: string): Uint8Array {
  if (
    hex.length < 2 ||
    hex.charCodeAt(0) !== 48 ||
    (hex.charCodeAt(1) | 32) !== 120 ||
    hex.length % 2 !== 0
  ) {
    throw new CodecError({ code: 'CODEC_BAD_HEX' }, 'expected an even-length 0x-prefixed hex string')
  }
  const out = new Uint8Array((hex.length - 2) / 2)
  for (let i = 0, j = 2; i < out.length; i++, j += 2) {
    const hi = nibble(hex.charCodeAt(j))
    const lo = nibble(hex.charCodeAt(j + 1))
    if ((hi | lo) < 0) throw new CodecError({ code: 'CODEC_BAD_HEX' }, 'non-hex digit in hex string')
    out[i] = (hi << 4) | lo
  }
  return out
}

// One-shot keccak-256 on a reused state. noble's hasher object allocates a state, buffers and
// views per call, which costs more than the permutation for the short inputs the state tree and
// receipts hash by the thousand. The permutation (./keccak) reads lanes as little-endian 32-bit
// words, which is the byte view's layout on little-endian hosts; other hosts use noble's hasher.
const RATE = 136
const state32 = new Int32Array(50)
const state8 = new Uint8Array(state32.buffer)
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** keccak-256 of `data`. */
export function keccak(data: Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN) return keccak_256(data)
  state32.fill(0)
  const len = data.length
  let pos = 0
  for (; len - pos >= RATE; pos += RATE) {
    for (let i = 0; i < RATE; i++) state8[i] = (state8[i] as number) ^ (data[pos + i] as number)
    keccakF1600(state32)
  }
  const rem = len - pos
  // A lone final block lands on a zeroed state, where XOR is a plain copy.
  if (pos === 0) state8.set(data)
  else for (let i = 0; i < rem; i++) state8[i] = (state8[i] as number) ^ (data[pos + i] as number)
  // Keccak (pre-SHA-3) padding: 0x01 … 0x80.
  state8[rem] = (state8[rem] as number) ^ 0x01
  state8[RATE - 1] = (state8[RATE - 1] as number) ^ 0x80
  keccakF1600(state32)
  return state8.slice(0, 32)
}

/** keccak-256 of the 64 bytes `a ‖ b` (two 32-byte hashes), without building the concatenation. */
export function keccakPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN || a.length !== 32 || b.length !== 32) {
    const buf = new Uint8Array(a.length + b.length)
    buf.set(a, 0)
    buf.set(b, a.length)
    return keccak(buf)
  }
  state32.fill(0)
  state8.set(a, 0)
  state8.set(b, 32)
  state8[64] = 0x01
  state8[RATE - 1] = 0x80
  keccakF1600(state32)
  return state8.slice(0, 32)
}

/** True when `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Lexicographic comparison of two byte arrays (negative, zero, positive). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Big-endian minimal bytes of a non-negative integer (0 → empty), as RLP integers are encoded. */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new CodecError({ code: 'CODEC_NEGATIVE' }, 'negative integer')
  if (value === 0n) return new Uint8Array(0)
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  return fromHex(`0x${hex}`)
}

/** Big-endian fixed-width (`width` bytes) encoding of a non-negative integer that fits. */
export function bigintToFixed(
  value: bigint,
  width: number,
  out = new Uint8Array(width),
  offset = 0,
): Uint8Array {
  if (value < 0n) throw new CodecError({ code: 'CODEC_NEGATIVE' }, 'negative integer')
  // One native toString beats `width` BigInt shift-and-mask steps by ~4×.
  const hex = value.toString(16)
  const digits = hex.length
  if (digits > width * 2) {
    throw new CodecError({ code: 'CODEC_OVERFLOW' }, `integer does not fit in ${width} bytes`)
  }
  const lead = width * 2 - digits
  for (let i = 0; i < width; i++) {
    const d = 2 * i - lead
    const hi = d >= 0 ? nibble(hex.charCodeAt(d)) : 0
    const lo = d + 1 >= 0 ? nibble(hex.charCodeAt(d + 1)) : 0
    out[offset + i] = (hi << 4) | lo
  }
  return out
}

/** Unsigned big-endian integer of `bytes` (empty → 0). */
export function bytesToBigint(bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  // Six bytes (48 bits, exact in a double) per BigInt step keeps 32-byte words to six steps.
  let v = 0n
  let i = start
  for (; i + 6 <= end; i += 6) {
    v =
      (v << 48n) |
      BigInt(
        (bytes[i] as number) * 0x10000000000 +
          (bytes[i + 1] as number) * 0x100000000 +
          (((bytes[i + 2] as number) << 24) >>> 0) +
          ((bytes[i + 3] as number) << 16) +
          ((bytes[i + 4] as number) << 8) +
          (bytes[i + 5] as number),
      )
  }
  for (; i < end; i++) v = (v << 8n) | BigInt(bytes[i] as number)
  return v
}
