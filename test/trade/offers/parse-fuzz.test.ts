import fc from 'fast-check'
import { describe, test } from 'vitest'
import { OfferError } from '../../../src/trade/offers/errors'
import {
  parseHash,
  parsePair,
  parseSignedCancel,
  parseSignedOffer,
  parseSignedTake,
} from '../../../src/trade/offers/parse'
import { FUZZ_RUNS } from '../../fuzz-decoder'

// The RPC parameter parsers take whatever the page posts to the worker (structured clone): each must
// return a well-formed value or throw OfferError OFFER_MALFORMED, whatever the value.

const hexOf = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`)

/** Near misses of an n-byte hex string: upper case, a byte short or long, no prefix, a stray character. */
const hexish = (bytes: number) =>
  fc.oneof(
    { weight: 6, arbitrary: hexOf(bytes) },
    { weight: 2, arbitrary: hexOf(bytes).map((h) => `0x${h.slice(2).toUpperCase()}`) },
    fc.integer({ min: 0, max: bytes + 2 }).chain(hexOf),
    hexOf(bytes).map((h) => h.slice(2)),
    fc.tuple(hexOf(bytes), fc.constantFrom('\n', ' ', 'g', '\u0660', '')).map(([h, c]) => h + c),
  )

/** Mostly the right type (most inputs get to the checks of later fields), else a near miss or anything. */
const field = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 30, arbitrary: right },
    fc.constantFrom(undefined, null, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -0, 1.5, -1n, '', [], {}),
    fc.anything({
      withBigInt: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withNullPrototype: true,
    }),
  )

const int = fc.oneof(fc.integer(), fc.maxSafeInteger())
const big = fc.bigInt()
const address = field(hexish(20))
const signature = field(hexish(65))

const offer = fc.record({
  chainId: field(int),
  offer: field(
    fc.record({
      maker: address,
      makerPeer: field(fc.string()),
      sellToken: address,
      sellAmount: field(big),
      buyToken: address,
      buyAmount: field(big),
      expiresAt: field(big),
      makerTimelock: field(int),
      takerTimelock: field(int),
      salt: field(hexish(32)),
    }),
  ),
  signature,
})
const cancel = fc.record({ offerId: field(hexish(32)), signature })
const take = fc.record({
  take: field(fc.record({ offerId: field(hexish(32)), taker: address, takerPeer: field(fc.string()) })),
  signature,
})
const pair = fc.record({ base: address, quote: address })

/** A stable rendering of a parsed value (bigints included) to compare it with its re-parse. */
const show = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))

/** `parse` returns a value that parses to itself, or throws OFFER_MALFORMED; anything else goes on up. */
function check(parse: (v: unknown) => unknown, input: fc.Arbitrary<unknown>): void {
  fc.assert(
    fc.property(fc.oneof(input, fc.anything({ withBigInt: true })), (value) => {
      let parsed: unknown
      try {
        parsed = parse(value)
      } catch (err) {
        if (err instanceof OfferError && err.type.code === 'OFFER_MALFORMED') return
        throw err
      }
      if (show(parse(parsed)) !== show(parsed)) throw new Error('the parsed value does not parse to itself')
      const hexFields = JSON.stringify(parsed, (k, x) =>
        k.endsWith('Peer') || typeof x === 'bigint' ? undefined : x,
      )
      if (/[A-F]/.test(hexFields.replace(/"[a-zA-Z]+":/g, ''))) throw new Error('hex left in upper case')
    }),
    { numRuns: FUZZ_RUNS },
  )
}

describe('offer RPC parameter parsers fuzz', () => {
  test('a signed offer parses or is refused with OFFER_MALFORMED', () => check(parseSignedOffer, offer))
  test('a signed cancel parses or is refused with OFFER_MALFORMED', () => check(parseSignedCancel, cancel))
  test('a signed take parses or is refused with OFFER_MALFORMED', () => check(parseSignedTake, take))
  test('a pair parses or is refused with OFFER_MALFORMED', () => check(parsePair, pair))
  test('a hashlock parses or is refused with OFFER_MALFORMED', () =>
    check((v) => parseHash(v, 'hashlock'), field(hexish(32))))
})
