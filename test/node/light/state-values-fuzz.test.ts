import fc from 'fast-check'
import { describe, test } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'
import { rlpDecodeBytesList, rlpEncode } from '../../../src/node/codec/rlp'
import { decodeTokenMeta, encodeTokenMeta } from '../../../src/node/contracts/erc20/erc20'
import { LockState } from '../../../src/node/contracts/htlc/abi'
import { decodeLock, encodeLock } from '../../../src/node/contracts/htlc/htlc'
import { StateError } from '../../../src/node/state/errors'
import { decodeAccount, decodeWord, encodeAccount, encodeWord } from '../../../src/node/state/state'
import { FUZZ_RUNS, fuzzDecoder } from '../../fuzz-decoder'

// The state values a light node decodes after verifying their proofs (light-client.ts): each decodes to
// a value that re-encodes to exactly the bytes given (one encoding per value), or is refused with the
// typed error.

const tokenMetas = [
  encodeTokenMeta({ owner: `0x${'11'.repeat(20)}`, decimals: 18, name: 'Apple', symbol: 'APL' }),
  encodeTokenMeta({ owner: `0x${'00'.repeat(20)}`, decimals: 0, name: 'Ünïcødé 🍐', symbol: '€' }),
]
const locks = [
  encodeLock({
    sender: `0x${'11'.repeat(20)}`,
    recipient: `0x${'22'.repeat(20)}`,
    token: `0x${'00'.repeat(20)}`,
    amount: 10n ** 18n,
    hashlock: `0x${'33'.repeat(32)}`,
    timelockHeight: 1234n,
    state: LockState.Locked,
  }),
  encodeLock({
    sender: `0x${'44'.repeat(20)}`,
    recipient: `0x${'55'.repeat(20)}`,
    token: `0x${'66'.repeat(20)}`,
    amount: (1n << 256n) - 1n,
    hashlock: `0x${'77'.repeat(32)}`,
    timelockHeight: 0n,
    state: LockState.Refunded,
  }),
]

/** RLP lists of `n` byte strings of the lengths the records' fields have: reach the field decoding. */
const recordOf = (n: number) =>
  fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 2 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 140, size: 'max' }),
      ),
      { minLength: n - 1, maxLength: n + 1 },
    )
    .map((fields) => rlpEncode(fields))

/** One of `valid` (RLP lists of `n` byte strings) with one field replaced by bytes of a field's length. */
const nearRecordOf = (valid: readonly Uint8Array[], n: number) =>
  fc
    .tuple(
      fc.constantFrom(...valid),
      fc.nat(n - 1),
      fc.oneof(
        fc.uint8Array({ maxLength: 2 }),
        fc.uint8Array({ minLength: 19, maxLength: 21 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        fc.uint8Array({ maxLength: 140, size: 'max' }),
      ),
    )
    .map(([v, i, field]) => {
      const fields = rlpDecodeBytesList(v, n)
      fields[i] = field
      return rlpEncode(fields)
    })

/**
 * Only `error` may be thrown by `decode`, with `code`; a decoded value must re-encode (`encode`) to the
 * bytes given.
 */
function onlyTyped<T>(
  decode: (b: Uint8Array) => T,
  encode: (value: T) => Uint8Array,
  error: typeof CodecError | typeof StateError,
  code: string,
) {
  return (bytes: Uint8Array): void => {
    let value: T
    try {
      value = decode(bytes)
    } catch (err) {
      if (!(err instanceof error) || err.type.code !== code) throw err
      return
    }
    const again = encode(value)
    if (toHex(again) !== toHex(bytes)) throw new Error(`accepted a second encoding of ${toHex(again)}`)
  }
}

describe('proven state value decoders fuzz', () => {
  test('an account decodes or is refused with STATE_CORRUPT', () => {
    fuzzDecoder({
      decode: decodeAccount,
      error: StateError,
      codes: ['STATE_CORRUPT'],
      valid: [
        encodeAccount({ nonce: 3n, balance: 10n ** 18n }),
        encodeAccount({ nonce: 1n, balance: 0n }),
      ].filter((v) => v !== null),
      // The empty account is stored as absence (null): its 40 zero bytes are not re-encoded.
      encode: (a) => encodeAccount(a) ?? undefined,
    })
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 38, maxLength: 42 }),
        onlyTyped(decodeAccount, (a) => encodeAccount(a) ?? new Uint8Array(40), StateError, 'STATE_CORRUPT'),
      ),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('a word decodes or is refused with STATE_CORRUPT', () => {
    fuzzDecoder({
      decode: decodeWord,
      error: StateError,
      codes: ['STATE_CORRUPT'],
      valid: [encodeWord(5n), encodeWord((1n << 256n) - 1n)].filter((v) => v !== null),
      // Zero is stored as absence (null): its 32 zero bytes are not re-encoded.
      encode: (w) => encodeWord(w) ?? undefined,
    })
  })

  test('token metadata decodes or is refused with RLP_MALFORMED', () => {
    fuzzDecoder({
      decode: decodeTokenMeta,
      error: CodecError,
      codes: ['RLP_MALFORMED'],
      valid: tokenMetas,
      encode: encodeTokenMeta,
    })
    const check = onlyTyped(decodeTokenMeta, encodeTokenMeta, CodecError, 'RLP_MALFORMED')
    fc.assert(fc.property(recordOf(4), check), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(nearRecordOf(tokenMetas, 4), check), { numRuns: FUZZ_RUNS })
  })

  test('an HTLC lock decodes or is refused with RLP_MALFORMED', () => {
    fuzzDecoder({
      decode: decodeLock,
      error: CodecError,
      codes: ['RLP_MALFORMED'],
      valid: locks,
      encode: encodeLock,
    })
    const check = onlyTyped(decodeLock, encodeLock, CodecError, 'RLP_MALFORMED')
    fc.assert(fc.property(recordOf(7), check), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(nearRecordOf(locks, 7), check), { numRuns: FUZZ_RUNS })
  })
})
