import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak } from 'hash-wasm'
import type { Hex } from 'viem'
import { CodecError } from './errors'
import { keccakF1600 } from './keccak'

/**
 * Byte helpers for hot paths. viem's helpers validate and allocate generously; these are the
 * minimal, strict versions used where thousands of calls per block add up.
 */

const HEX_CHARS = '0123456789abcdef'
// ASCII codes of the two hex digits of each byte value, at [2b] and [2b + 1].
const HEX_CODES = new Uint8Array(512)
for (let i = 0; i < 256; i++) {
  HEX_CODES[2 * i] = HEX_CHARS.charCodeAt(i >> 4)
  HEX_CODES[2 * i + 1] = HEX_CHARS.charCodeAt(i & 15)
}

// Hex strings are written as ASCII into a scratch buffer and decoded to a string in one call. Built
// by concatenation instead, a string is a chain of one small heap object per byte until it is first
// read, and block import makes a dozen hex strings per transaction: that was a third of the garbage
// an import produced. Views of the scratch buffer are kept per length so a call allocates only the
// string it returns.
const latin1 = new TextDecoder('latin1')
const SCRATCH_VIEWS = 1024
let scratch = new Uint8Array(SCRATCH_VIEWS)
const views: (Uint8Array | undefined)[] = []

function hexOf(bytes: Uint8Array, prefix: boolean): string {
  const n = bytes.length
  const len = 2 * n + (prefix ? 2 : 0)
  if (len > scratch.length) scratch = new Uint8Array(len)
  let p = 0
  if (prefix) {
    scratch[0] = 48
    scratch[1] = 120
    p = 2
  }
  for (let i = 0; i < n; i++) {
    const c = (bytes[i] as number) << 1
    scratch[p++] = HEX_CODES[c] as number
    scratch[p++] = HEX_CODES[c + 1] as number
  }
  if (len >= SCRATCH_VIEWS) return latin1.decode(scratch.subarray(0, len))
  let view = views[len]
  if (view === undefined || view.buffer !== scratch.buffer) {
    view = scratch.subarray(0, len)
    views[len] = view
  }
  return latin1.decode(view)
}

/** Lower-case `0x` hex of `bytes`. */
export function toHex(bytes: Uint8Array): Hex {
  return hexOf(bytes, true) as Hex
}

/** Lower-case hex of `bytes` without the `0x` prefix. */
export function toHexRaw(bytes: Uint8Array): string {
  return hexOf(bytes, false)
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

/** keccak-256 on the JavaScript permutation: what `keccak` uses until (or where) WebAssembly is not ready. */
export function keccakJs(data: Uint8Array): Uint8Array {
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

/** `keccakPair` on the JavaScript permutation (see `keccakJs`). */
export function keccakPairJs(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN || a.length !== 32 || b.length !== 32) {
    const buf = new Uint8Array(a.length + b.length)
    buf.set(a, 0)
    buf.set(b, a.length)
    return keccakJs(buf)
  }
  state32.fill(0)
  state8.set(a, 0)
  state8.set(b, 32)
  state8[64] = 0x01
  state8[RATE - 1] = 0x80
  keccakF1600(state32)
  return state8.slice(0, 32)
}

// The WebAssembly keccak of hash-wasm: its 64-bit lanes make a permutation 2–4× faster than the
// 32-bit halves JavaScript has to use (measured in a Chromium worker), and block import hashes about
// ten permutations per transaction. WebAssembly compiles asynchronously, so hashing starts on the
// JavaScript permutation and switches when the module is ready (`keccakBackend`); both give the same
// bytes (test/node/codec/bytes.test.ts). Pages are left on JavaScript: the app's Content-Security-Policy
// forbids compiling WebAssembly there, and the node's hashing runs in its worker.
type Hasher = Awaited<ReturnType<typeof createKeccak>>
const pairBuf = new Uint8Array(64)
let wasm: Hasher | undefined

async function loadWasm(): Promise<'wasm' | 'js'> {
  if (typeof WebAssembly === 'undefined' || 'document' in globalThis) return 'js'
  try {
    const hasher = await createKeccak(256)
    const probe = new Uint8Array([1, 2, 3])
    if (!bytesEqual(hasher.init().update(probe).digest('binary'), keccakJs(probe))) return 'js'
    wasm = hasher
    return 'wasm'
  } catch {
    return 'js'
  }
}

/**
 * Which keccak implementation `keccak` uses once settled: `'wasm'` where WebAssembly is allowed (workers,
 * Node), else `'js'`. Await it before timing hashing-heavy work.
 */
export const keccakBackend: Promise<'wasm' | 'js'> = loadWasm()

/** keccak-256 of `data`. */
export function keccak(data: Uint8Array): Uint8Array {
  if (wasm !== undefined) return wasm.init().update(data).digest('binary')
  return keccakJs(data)
}

/** keccak-256 of the 64 bytes `a ‖ b` (two 32-byte hashes), without building the concatenation. */
export function keccakPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (wasm !== undefined && a.length === 32 && b.length === 32) {
    // One update of a reused buffer: each update of hash-wasm allocates two views and crosses into
    // WebAssembly once.
    pairBuf.set(a, 0)
    pairBuf.set(b, 32)
    return wasm.init().update(pairBuf).digest('binary')
  }
  return keccakPairJs(a, b)
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
  // Integers of up to six bytes (nonces, gas, fees in gwei) are exact in a double: one BigInt.
  if (end - start <= 6) {
    let n = 0
    for (let i = start; i < end; i++) n = n * 256 + (bytes[i] as number)
    return BigInt(n)
  }
  // Six bytes (48 bits, exact in a double) per BigInt step keeps 32-byte words to six steps.
  let v = 0n
  let i = start
  const head = (end - start) % 6
  if (head > 0) {
    let n = 0
    for (; i < start + head; i++) n = n * 256 + (bytes[i] as number)
    v = BigInt(n)
  }
  for (; i < end; i += 6) {
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
  return v
}
