import fc from 'fast-check'
import { describe, test } from 'vitest'
import { CodecError } from '../../../src/node/codec/errors'
import { rlpEncode } from '../../../src/node/codec/rlp'
import { decodeTokenMeta, encodeTokenMeta } from '../../../src/node/contracts/erc20/erc20'
import { LockState } from '../../../src/node/contracts/htlc/abi'
import { decodeLock, encodeLock } from '../../../src/node/contracts/htlc/htlc'
import { StateError } from '../../../src/node/state/errors'
import { decodeAccount, decodeWord, encodeAccount, encodeWord } from '../../../src/node/state/state'
import { FUZZ_RUNS, fuzzDecoder } from '../../fuzz-decoder'

// The state values a light node decodes after verifying their proofs (light-client.ts). Only "a value
// or the typed error" is asserted for token metadata and locks: they decode out-of-range fields
// without refusing them (reported separately), so their re-encoding is not checked here.

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

/** Only `error` may be thrown by `decode`, with `code`. */
function onlyTyped(
  decode: (b: Uint8Array) => unknown,
  error: typeof CodecError | typeof StateError,
  code: string,
) {
  return (bytes: Uint8Array): void => {
    try {
      decode(bytes)
    } catch (err) {
      if (!(err instanceof error) || err.type.code !== code) throw err
    }
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
        onlyTyped(decodeAccount, StateError, 'STATE_CORRUPT'),
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
    fuzzDecoder({ decode: decodeTokenMeta, error: CodecError, codes: ['RLP_MALFORMED'], valid: tokenMetas })
    fc.assert(fc.property(recordOf(4), onlyTyped(decodeTokenMeta, CodecError, 'RLP_MALFORMED')), {
      numRuns: FUZZ_RUNS,
    })
  })

  test('an HTLC lock decodes or is refused with RLP_MALFORMED', () => {
    fuzzDecoder({ decode: decodeLock, error: CodecError, codes: ['RLP_MALFORMED'], valid: locks })
    fc.assert(fc.property(recordOf(7), onlyTyped(decodeLock, CodecError, 'RLP_MALFORMED')), {
      numRuns: FUZZ_RUNS,
    })
  })
})
