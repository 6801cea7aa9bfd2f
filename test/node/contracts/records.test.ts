import fc from 'fast-check'
import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'
import { rlpDecodeBytesList, rlpEncode } from '../../../src/node/codec/rlp'
import { decodeTokenMeta, encodeTokenMeta, type TokenMeta } from '../../../src/node/contracts/erc20/erc20'
import { LockState } from '../../../src/node/contracts/htlc/abi'
import { decodeLock, encodeLock, type HtlcLock } from '../../../src/node/contracts/htlc/htlc'
import { FUZZ_RUNS } from '../../fuzz-decoder'

// The state records of the native contracts (token metadata, HTLC locks): one encoding per value, every
// malformed record refused with `CodecError` `RLP_MALFORMED` (state-values-fuzz.test.ts fuzzes them).

const MAX_U256 = (1n << 256n) - 1n
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

const META: TokenMeta = { owner: `0x${'11'.repeat(20)}`, decimals: 18, name: 'Apple', symbol: 'APL' }
const LOCK: HtlcLock = {
  sender: `0x${'11'.repeat(20)}`,
  recipient: `0x${'22'.repeat(20)}`,
  token: `0x${'00'.repeat(20)}`,
  amount: 10n ** 18n,
  hashlock: `0x${'33'.repeat(32)}`,
  timelockHeight: 1234n,
  state: LockState.Locked,
}

/** `valid`'s RLP fields with field `i` replaced by `field`. */
function withField(valid: Uint8Array, count: number, i: number, field: Uint8Array): Uint8Array {
  const fields = rlpDecodeBytesList(valid, count)
  fields[i] = field
  return rlpEncode(fields)
}

/** `decode(bytes)` throws `CodecError` `RLP_MALFORMED` whose reason contains `reason`. */
function expectMalformed(decode: (b: Uint8Array) => unknown, bytes: Uint8Array, reason: string): void {
  let thrown: unknown
  try {
    decode(bytes)
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(CodecError)
  const type = (thrown as CodecError).type
  expect(type.code).toBe('RLP_MALFORMED')
  expect(type.code === 'RLP_MALFORMED' && type.reason).toContain(reason)
}

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toHex(b) as Address)
const uint256 = fc.bigInt({ min: 0n, max: MAX_U256 })
// Any well-formed text (no lone surrogates), sometimes starting with a byte order mark.
const text = fc
  .tuple(fc.boolean(), fc.string({ unit: 'binary', maxLength: 80, size: 'max' }))
  .map(([bom, s]) => (bom ? `\uFEFF${s}` : s))

describe('token metadata record', () => {
  const meta = fc.record({
    owner: address,
    decimals: fc.integer({ min: 0, max: 255 }),
    name: text,
    symbol: text,
  })

  test('every valid value round-trips, and its encoding is the only one decoding to it', () => {
    fc.assert(
      fc.property(meta, (m) => {
        const encoded = encodeTokenMeta(m)
        const decoded = decodeTokenMeta(encoded)
        expect(decoded).toEqual(m)
        expect(encodeTokenMeta(decoded)).toEqual(encoded)
      }),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('keeps a leading byte order mark in the name and symbol', () => {
    const m = { ...META, name: '\uFEFFApple', symbol: '\uFEFF' }
    expect(decodeTokenMeta(encodeTokenMeta(m))).toEqual(m)
  })

  const valid = encodeTokenMeta(META)
  const field = (i: number, b: Uint8Array): Uint8Array => withField(valid, 4, i, b)

  test('refuses an owner that is not 20 bytes', () => {
    expectMalformed(decodeTokenMeta, field(0, Uint8Array.of(1, 2, 3)), 'owner must be 20 bytes')
    expectMalformed(decodeTokenMeta, field(0, new Uint8Array(0)), 'owner must be 20 bytes')
    expectMalformed(decodeTokenMeta, field(0, bytes(19, 0x11)), 'owner must be 20 bytes')
    expectMalformed(decodeTokenMeta, field(0, bytes(21, 0x11)), 'owner must be 20 bytes')
  })

  test('refuses decimals above 255', () => {
    expectMalformed(decodeTokenMeta, field(1, Uint8Array.of(0x01, 0x2c)), 'decimals above 255') // 300
    expectMalformed(decodeTokenMeta, field(1, Uint8Array.of(0x01, 0x00)), 'decimals above 255') // 256
    // 129 bytes: was decoded as Infinity.
    expectMalformed(decodeTokenMeta, field(1, bytes(129, 0xff)), 'decimals above 255')
  })

  test('refuses decimals with a leading zero byte', () => {
    // RLP 0x820012: 18 in two bytes.
    expectMalformed(decodeTokenMeta, field(1, Uint8Array.of(0x00, 0x12)), 'decimals has a leading zero')
    // Zero is the empty string, not 0x00.
    expectMalformed(decodeTokenMeta, field(1, Uint8Array.of(0x00)), 'decimals has a leading zero')
    expect(decodeTokenMeta(field(1, new Uint8Array(0))).decimals).toBe(0)
    expect(decodeTokenMeta(field(1, Uint8Array.of(0xff))).decimals).toBe(255)
  })

  test('refuses a name or symbol that is not valid UTF-8', () => {
    const invalid = [
      [0xff], // never valid
      [0x80], // lone continuation byte
      [0x41, 0xe2, 0x82], // truncated sequence
      [0xc0, 0x80], // overlong NUL
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    ]
    for (const b of invalid) {
      expectMalformed(decodeTokenMeta, field(2, Uint8Array.from(b)), 'name is not valid UTF-8')
      expectMalformed(decodeTokenMeta, field(3, Uint8Array.from(b)), 'symbol is not valid UTF-8')
    }
  })
})

describe('HTLC lock record', () => {
  const lock = fc.record({
    sender: address,
    recipient: address,
    token: address,
    amount: uint256,
    hashlock: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
    timelockHeight: uint256,
    state: fc.constantFrom(...Object.values(LockState)),
  })

  test('every valid value round-trips, and its encoding is the only one decoding to it', () => {
    fc.assert(
      fc.property(lock, (l) => {
        const encoded = encodeLock(l)
        const decoded = decodeLock(encoded)
        expect(decoded).toEqual(l)
        expect(encodeLock(decoded)).toEqual(encoded)
      }),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('decodes the extremes', () => {
    for (const l of [
      { ...LOCK, amount: 0n, timelockHeight: 0n, state: LockState.None },
      { ...LOCK, amount: MAX_U256, timelockHeight: MAX_U256, state: LockState.Refunded },
    ])
      expect(decodeLock(encodeLock(l))).toEqual(l)
  })

  const valid = encodeLock(LOCK)
  const field = (i: number, b: Uint8Array): Uint8Array => withField(valid, 7, i, b)

  test('refuses a sender, recipient or token that is not 20 bytes', () => {
    for (const [i, name] of [
      [0, 'sender'],
      [1, 'recipient'],
      [2, 'token'],
    ] as const) {
      for (const b of [Uint8Array.of(1, 2, 3), new Uint8Array(0), bytes(19, 0x44), bytes(21, 0x44)])
        expectMalformed(decodeLock, field(i, b), `${name} must be 20 bytes`)
    }
  })

  test('refuses a hashlock that is not 32 bytes', () => {
    for (const b of [new Uint8Array(0), bytes(20, 0x33), bytes(31, 0x33), bytes(33, 0x33)])
      expectMalformed(decodeLock, field(4, b), 'hashlock must be 32 bytes')
  })

  test('refuses an amount or timelock height above 2^256 - 1', () => {
    const twoTo256 = Uint8Array.from([1, ...new Uint8Array(32)])
    expectMalformed(decodeLock, field(3, twoTo256), 'amount above 2^256 - 1')
    expectMalformed(decodeLock, field(5, twoTo256), 'timelock height above 2^256 - 1')
    expect(decodeLock(field(3, bytes(32, 0xff))).amount).toBe(MAX_U256)
  })

  test('refuses integers with a leading zero byte', () => {
    const leadingZero = Uint8Array.of(0x00, 0x01)
    expectMalformed(decodeLock, field(3, leadingZero), 'amount has a leading zero')
    expectMalformed(decodeLock, field(5, leadingZero), 'timelock height has a leading zero')
    expectMalformed(decodeLock, field(6, leadingZero), 'state has a leading zero')
    // Zero is the empty string, not 0x00.
    expectMalformed(decodeLock, field(3, Uint8Array.of(0)), 'amount has a leading zero')
    expectMalformed(decodeLock, field(5, Uint8Array.of(0)), 'timelock height has a leading zero')
    expectMalformed(decodeLock, field(6, Uint8Array.of(0)), 'state has a leading zero')
  })

  test('refuses a state outside LockState, before encodeLock could throw on it', () => {
    expectMalformed(decodeLock, field(6, Uint8Array.of(4)), 'not a lock state')
    expectMalformed(decodeLock, field(6, Uint8Array.of(9)), 'state 9 is not a lock state')
    // 129 bytes: was decoded as Infinity, and encodeLock then threw a RangeError.
    expectMalformed(decodeLock, field(6, bytes(129, 0xff)), 'state above 2^256 - 1')
    expectMalformed(decodeLock, field(6, bytes(32, 0xff)), 'not a lock state')
  })
})
