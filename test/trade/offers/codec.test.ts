import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import {
  decodeOfferMessage,
  decodeSnapshot,
  decodeTake,
  decodeTakeAnswer,
  encodeOfferMessage,
  encodeSnapshot,
  encodeTake,
  encodeTakeAnswer,
  MAX_OFFER_MESSAGE_BYTES,
  MAX_SNAPSHOT_ENTRIES,
} from '../../../src/trade/offers/codec'
import { OfferError, type OfferErrorType } from '../../../src/trade/offers/errors'
import { fuzzDecoder } from '../../fuzz-decoder'
import { ALICE, BOB, lower, makeOffer, signCancel, signOffer, signTake } from './fixtures'

const CHAIN = 31416
const ID = `0x${'cd'.repeat(32)}` as Hex
/** A maker's acceptance of a take. */
const ACCEPTED = {
  accepted: true,
  offerId: ID,
  hashlock: `0x${'77'.repeat(32)}`,
  agreedAtHeight: 42n,
} as const
/** A refusal of each code a maker sends back. */
const REFUSALS: OfferErrorType[] = [
  { code: 'OFFER_TAKEN', offerId: ID },
  { code: 'OFFER_STALE', offerId: ID },
  { code: 'OFFER_CANCELLED', offerId: ID },
  { code: 'OFFER_UNKNOWN', offerId: ID },
  { code: 'TAKER_LACKS_BALANCE', need: 50n, have: 7n },
  { code: 'OFFER_MAKER_LACKS_BALANCE', need: 10n ** 30n, have: 0n },
  { code: 'TAKE_WRONG_PEER', expected: 'B', got: 'X' },
  { code: 'TAKE_BAD_SIGNATURE', reason: 'signed by another key' },
  { code: 'TAKE_SELF' },
  { code: 'TAKE_BUSY', pending: 2 },
]

describe('offer wire forms', () => {
  test('offer, cancel, snapshot, take and answers round-trip', async () => {
    const offer = makeOffer(ALICE, { makerPeer: '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK' })
    const signed = await signOffer(ALICE, CHAIN, offer)
    const cancel = await signCancel(ALICE, CHAIN, offer)
    const bytes = encodeOfferMessage({ kind: 'offer', signed })
    expect(bytes.byteLength).toBeLessThan(400)
    expect(decodeOfferMessage(bytes)).toEqual({ signed, cancelSignature: null })
    expect(decodeOfferMessage(encodeOfferMessage({ kind: 'cancel', signed, cancel }))).toEqual({
      signed,
      cancelSignature: cancel.signature,
    })
    const snapshot = { offers: [signed, signed], cancels: [{ signed, cancelSignature: cancel.signature }] }
    expect(decodeSnapshot(encodeSnapshot(snapshot), 1 << 20)).toEqual(snapshot)
    const take = await signTake(BOB, CHAIN, { offerId: ID, taker: lower(BOB), takerPeer: 'B' })
    expect(decodeTake(encodeTake(take))).toEqual(take)
    expect(decodeTakeAnswer(encodeTakeAnswer(ACCEPTED), ID)).toEqual(ACCEPTED)
  })

  test.each<OfferErrorType>(REFUSALS)('refusal $code travels with its fields', (refusal) => {
    expect(decodeTakeAnswer(encodeTakeAnswer({ accepted: false, refusal }), ID)).toEqual({
      accepted: false,
      refusal,
    })
  })

  test('a peer id starting with U+FEFF comes back whole: one encoding per value', async () => {
    const take = await signTake(BOB, CHAIN, { offerId: ID, taker: lower(BOB), takerPeer: '\uFEFFB' })
    const bytes = encodeTake(take)
    expect(decodeTake(bytes)).toEqual(take)
    expect(encodeTake(decodeTake(bytes))).toEqual(bytes)
  })

  test('an unknown refusal code becomes TAKE_REFUSED', () => {
    const raw = rlpEncode([
      Uint8Array.of(1),
      Uint8Array.of(1),
      new TextEncoder().encode('NEW_CODE'),
      new Uint8Array(),
      new Uint8Array(),
    ])
    expect(decodeTakeAnswer(raw, ID)).toEqual({
      accepted: false,
      refusal: { code: 'TAKE_REFUSED', reason: 'NEW_CODE' },
    })
  })

  test('malformed messages are refused with OFFER_MALFORMED: truncated, trailing, oversized, wrong shape', async () => {
    const bytes = encodeOfferMessage({
      kind: 'offer',
      signed: await signOffer(ALICE, CHAIN, makeOffer(ALICE)),
    })
    const bad = [
      new Uint8Array(0),
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.of(...bytes, 0),
      new Uint8Array(MAX_OFFER_MESSAGE_BYTES + 1),
      rlpEncode([Uint8Array.of(2), Uint8Array.of(1)]),
      rlpEncode([Uint8Array.of(1), Uint8Array.of(9)]),
    ]
    // A field with a leading zero (non-canonical integer): sellAmount 100 as 0x0064.
    const item = rlpDecode(bytes) as [Uint8Array, Uint8Array, Uint8Array[]]
    const fields = [...item[2]]
    fields[4] = Uint8Array.of(0, 100)
    bad.push(rlpEncode([item[0], item[1], fields]))
    // An address one byte short.
    const short = [...item[2]]
    short[1] = new Uint8Array(19)
    bad.push(rlpEncode([item[0], item[1], short]))
    for (const b of bad)
      expect(() => decodeOfferMessage(b)).toThrow(
        expect.objectContaining({ type: expect.objectContaining({ code: 'OFFER_MALFORMED' }) }),
      )
    expect(() => decodeTake(bytes)).toThrow(OfferError)
    expect(() => decodeSnapshot(bytes, 1 << 20)).toThrow(OfferError)
  })

  test('a message one byte over its bound is refused unread; a snapshot of exactly maxBytes is read', async () => {
    const signed = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
    const snapshot = encodeSnapshot({ offers: [signed], cancels: [] })
    expect(decodeSnapshot(snapshot, snapshot.byteLength).offers).toEqual([signed])
    const larger = (max: number) =>
      expect.objectContaining({ type: { code: 'OFFER_MALFORMED', reason: `larger than ${max} bytes` } })
    expect(() => decodeSnapshot(snapshot, snapshot.byteLength - 1)).toThrow(larger(snapshot.byteLength - 1))
    expect(() => decodeOfferMessage(new Uint8Array(MAX_OFFER_MESSAGE_BYTES + 1))).toThrow(
      larger(MAX_OFFER_MESSAGE_BYTES),
    )
  })

  test('extra items, a zero spelled 0x00, a chain id past 6 bytes and too many cancellations are OFFER_MALFORMED', async () => {
    const signed = await signOffer(ALICE, CHAIN, makeOffer(ALICE))
    const [version, kind, offer] = rlpDecode(encodeOfferMessage({ kind: 'offer', signed })) as [
      Uint8Array,
      Uint8Array,
      Uint8Array[],
    ]
    const withField = (at: number, value: Uint8Array) =>
      rlpEncode([version, kind, offer.map((f, i) => (i === at ? value : f))])
    const refused = (bytes: Uint8Array, decode: (b: Uint8Array) => unknown = decodeOfferMessage) =>
      expect(() => decode(bytes)).toThrow(
        expect.objectContaining({ type: expect.objectContaining({ code: 'OFFER_MALFORMED' }) }),
      )
    refused(rlpEncode([version, kind, offer, new Uint8Array(0)]))
    refused(rlpEncode([version, kind, [...offer, new Uint8Array(0)]]))
    refused(withField(4, Uint8Array.of(0)))
    expect(decodeOfferMessage(withField(0, new Uint8Array(6).fill(1))).signed.chainId).toBe(0x010101010101)
    refused(withField(0, new Uint8Array(7).fill(1)))
    const take = await signTake(BOB, CHAIN, { offerId: ID, taker: lower(BOB), takerPeer: 'B' })
    refused(rlpEncode([...(rlpDecode(encodeTake(take)) as Uint8Array[]), new Uint8Array(0)]), decodeTake)
    const answer = [...(rlpDecode(encodeTakeAnswer(ACCEPTED)) as Uint8Array[]), new Uint8Array(0)]
    refused(rlpEncode(answer), (b) => decodeTakeAnswer(b, ID))
    const entries = (n: number) => Array.from({ length: n }, () => new Uint8Array(0))
    // Counted before any entry is read.
    const tooMany = expect.objectContaining({
      type: { code: 'OFFER_MALFORMED', reason: `more than ${MAX_SNAPSHOT_ENTRIES} entries` },
    })
    for (const [offers, cancels] of [
      [[], entries(MAX_SNAPSHOT_ENTRIES + 1)],
      [entries(MAX_SNAPSHOT_ENTRIES + 1), []],
    ])
      expect(() =>
        decodeSnapshot(rlpEncode([version, offers as RlpItem, cancels as RlpItem]), 1 << 20),
      ).toThrow(tooMany)
  })

  describe('fuzz: any bytes, and mutations of valid messages, decode (re-encoding to them) or are OFFER_MALFORMED', () => {
    const codes = ['OFFER_MALFORMED']

    test('offer and cancel messages', async () => {
      const offer = makeOffer(ALICE, { makerPeer: '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK' })
      const signed = await signOffer(ALICE, CHAIN, offer)
      const cancel = await signCancel(ALICE, CHAIN, offer)
      fuzzDecoder({
        decode: decodeOfferMessage,
        error: OfferError,
        codes,
        valid: [
          encodeOfferMessage({ kind: 'offer', signed }),
          encodeOfferMessage({ kind: 'cancel', signed, cancel }),
        ],
        // The cancellation's offer id is not on the wire (the caller computes it).
        encode: (m) =>
          encodeOfferMessage(
            m.cancelSignature === null
              ? { kind: 'offer', signed: m.signed }
              : { kind: 'cancel', signed: m.signed, cancel: { offerId: ID, signature: m.cancelSignature } },
          ),
        maxLength: MAX_OFFER_MESSAGE_BYTES + 100,
      })
    })

    test('snapshots', async () => {
      const offer = makeOffer(ALICE)
      const signed = await signOffer(ALICE, CHAIN, offer)
      const cancel = await signCancel(ALICE, CHAIN, offer)
      fuzzDecoder({
        decode: (d) => decodeSnapshot(d, 1 << 20),
        error: OfferError,
        codes,
        valid: [
          encodeSnapshot({
            offers: [signed, signed],
            cancels: [{ signed, cancelSignature: cancel.signature }],
          }),
          encodeSnapshot({ offers: [], cancels: [] }),
        ],
        encode: encodeSnapshot,
      })
    })

    test('takes', async () => {
      const take = await signTake(BOB, CHAIN, { offerId: ID, taker: lower(BOB), takerPeer: 'B' })
      fuzzDecoder({
        decode: decodeTake,
        error: OfferError,
        codes,
        valid: [encodeTake(take)],
        encode: encodeTake,
      })
    })

    test('take answers', () => {
      fuzzDecoder({
        decode: (d) => decodeTakeAnswer(d, ID),
        error: OfferError,
        codes,
        valid: [ACCEPTED, ...REFUSALS.map((refusal) => ({ accepted: false, refusal }) as const)].map(
          encodeTakeAnswer,
        ),
        // Documented: a refusal code outside TAKE_REFUSAL_CODES becomes TAKE_REFUSED (its details dropped).
        encode: (a) => (!a.accepted && a.refusal.code === 'TAKE_REFUSED' ? undefined : encodeTakeAnswer(a)),
      })
    })
  })
})
