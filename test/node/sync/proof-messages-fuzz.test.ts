import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { toHex } from '../../../src/node/codec/bytes'
import { encodeReceipt } from '../../../src/node/codec/receipt'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { SyncError } from '../../../src/node/sync/errors'
import {
  decodeActivityRequest,
  decodeActivityResponse,
  decodeBlockReceiptsRequest,
  decodeBlockReceiptsResponse,
  decodeInclusionRequest,
  decodeInclusionResponse,
  decodeStateProofRequest,
  decodeStateProofResponse,
  encodeActivityRequest,
  encodeActivityResponse,
  encodeBlockReceiptsRequest,
  encodeBlockReceiptsResponse,
  encodeInclusionRequest,
  encodeInclusionResponse,
  encodeStateProofRequest,
  encodeStateProofResponse,
  type InclusionEntry,
  MAX_ACTIVITY_TXS,
  MAX_INCLUSION_TXS,
  MAX_PROOF_KEYS,
} from '../../../src/node/sync/proof-messages'
import { fuzzDecoder } from '../../fuzz-decoder'

const h32 = (b: number): Hex => `0x${b.toString(16).padStart(2, '0').repeat(32)}`
const REQUEST_CODES = ['SYNC_MALFORMED', 'SYNC_REQUEST_TOO_LARGE']
const RESPONSE_CODES = ['SYNC_MALFORMED', 'SYNC_RESPONSE_TOO_LARGE']
/** An inclusion entry: a transaction 2 of 5 with its two siblings, and its receipt with one. */
const ENTRY: InclusionEntry = {
  blockHash: h32(0x88),
  index: 2,
  count: 5,
  rawTx: '0x02c0',
  txSiblings: [h32(0x99), h32(0xaa)],
  receipt: '0x02c3018080',
  receiptSiblings: [h32(0xbb)],
}

describe('proof protocol decoders fuzz', () => {
  test('a state proof request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeStateProofRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      // An account key (tag ‖ address) and an allowance key (tag ‖ token ‖ owner ‖ spender).
      valid: [
        encodeStateProofRequest({
          blockHash: h32(0x11),
          keys: [`01${'22'.repeat(20)}`, `05${'33'.repeat(60)}`],
        }),
      ],
    })
  })

  test('a state proof response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeStateProofResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      valid: [
        encodeStateProofResponse([[`0x01${'44'.repeat(40)}`, '0x0255'], []]),
        encodeStateProofResponse(null),
      ],
    })
  })

  test('an inclusion request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeInclusionRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      valid: [encodeInclusionRequest([h32(0x66), h32(0x77)])],
    })
  })

  test('an inclusion response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeInclusionResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      valid: [encodeInclusionResponse([ENTRY, null])],
    })
  })
  test('an address activity request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeActivityRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      // One encoding per request: what decodes encodes back to the same bytes.
      encode: encodeActivityRequest,
      valid: [
        encodeActivityRequest({ address: `0x${'12'.repeat(20)}`, limit: 25 }),
        encodeActivityRequest({ address: `0x${'34'.repeat(20)}`, limit: 200 }),
      ],
    })
  })

  test('an address activity response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeActivityResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      encode: encodeActivityResponse,
      valid: [encodeActivityResponse([h32(0x56), h32(0x78)]), encodeActivityResponse([])],
    })
  })

  test('a block receipts request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeBlockReceiptsRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      valid: [encodeBlockReceiptsRequest([h32(0xcc), h32(0xdd)])],
    })
  })

  test('a block receipts response decodes or is refused with a SyncError of its codes', () => {
    // A block of two transactions (a receipt with one log, a reverted one without), one not held, an
    // empty block.
    const entry = {
      txHashes: [h32(0xee), h32(0xff)],
      receipts: [
        toHex(
          encodeReceipt({
            status: 1,
            cumulativeGasUsed: 21_000n,
            logs: [{ address: `0x${'11'.repeat(20)}`, topics: [h32(0x22)], data: '0x0102' }],
          }),
        ),
        toHex(encodeReceipt({ status: 0, cumulativeGasUsed: 42_000n, logs: [] })),
      ],
    }
    fuzzDecoder({
      decode: decodeBlockReceiptsResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      valid: [encodeBlockReceiptsResponse([entry, null, { txHashes: [], receipts: [] }])],
    })
  })
})

describe('state proof messages at their bounds', () => {
  const malformed = (fn: () => unknown) =>
    expect(() => fn()).toThrowError(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) }),
    )

  test('a proof of 257 nodes decodes; one of 258 (deeper than any path of the tree) is SYNC_MALFORMED', () => {
    const proof = (n: number): Hex[] => Array.from({ length: n }, () => h32(1))
    expect(decodeStateProofResponse(encodeStateProofResponse([proof(257)]))?.[0]).toHaveLength(257)
    malformed(() => decodeStateProofResponse(encodeStateProofResponse([proof(258)])))
  })

  test('a logical key of 2 bytes decodes; one of 1 byte (no key is that short) is SYNC_MALFORMED', () => {
    expect(
      decodeStateProofRequest(encodeStateProofRequest({ blockHash: h32(2), keys: ['0102'] })).keys,
    ).toEqual(['0102'])
    malformed(() => decodeStateProofRequest(encodeStateProofRequest({ blockHash: h32(2), keys: ['01'] })))
  })
})

describe('proof messages: shapes, counts and integers at their bounds', () => {
  const malformed = expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) })
  const tooLarge = expect.objectContaining({
    type: expect.objectContaining({ code: 'SYNC_REQUEST_TOO_LARGE' }),
  })
  /** The inclusion response of ENTRY with its fields as `edit` leaves them. */
  const entryWith = (edit: (fields: RlpItem[]) => RlpItem[]): Uint8Array => {
    const [fields] = rlpDecode(encodeInclusionResponse([ENTRY])) as RlpItem[][]
    return rlpEncode([edit([...(fields as RlpItem[])])])
  }

  test('an inclusion response keeps each field in its place; a receipts entry pairs each transaction with a receipt', () => {
    expect(decodeInclusionResponse(encodeInclusionResponse([ENTRY, null]))).toEqual([ENTRY, null])
    expect(() => decodeInclusionResponse(entryWith((f) => [...f, new Uint8Array(0)]))).toThrowError(malformed)
    const one = { txHashes: [h32(1), h32(2)], receipts: ['0x01', '0x02'] as Hex[] }
    expect(decodeBlockReceiptsResponse(encodeBlockReceiptsResponse([one]))).toEqual([one])
    for (const receipts of [['0x01'], ['0x01', '0x02', '0x03']] as Hex[][])
      expect(() =>
        decodeBlockReceiptsResponse(encodeBlockReceiptsResponse([{ ...one, receipts }])),
      ).toThrowError(malformed)
  })

  test('a small integer takes at most 4 bytes, without a leading zero', () => {
    const index = (b: Uint8Array) =>
      decodeInclusionResponse(entryWith((f) => f.map((x, i) => (i === 1 ? b : x))))
    expect(index(Uint8Array.of(0xff, 1, 2, 3))[0]?.index).toBe(0xff010203)
    expect(() => index(Uint8Array.of(1, 1, 2, 3, 4))).toThrowError(malformed)
    expect(() => index(Uint8Array.of(0))).toThrowError(malformed)
  })

  test('a state proof request is two items with at least one key and at most MAX_PROOF_KEYS', () => {
    const request = (n: number) =>
      encodeStateProofRequest({ blockHash: h32(2), keys: Array.from({ length: n }, () => '0102') })
    expect(decodeStateProofRequest(request(MAX_PROOF_KEYS)).keys).toHaveLength(MAX_PROOF_KEYS)
    expect(() => decodeStateProofRequest(request(MAX_PROOF_KEYS + 1))).toThrowError(tooLarge)
    expect(() => decodeStateProofRequest(request(0))).toThrowError(malformed)
    const [hash, keys] = rlpDecode(request(1)) as RlpItem[]
    expect(() =>
      decodeStateProofRequest(rlpEncode([hash as RlpItem, keys as RlpItem, new Uint8Array(0)])),
    ).toThrowError(malformed)
  })

  test('a state proof response is [0] alone, or [1, proofs]', () => {
    expect(decodeStateProofResponse(rlpEncode([new Uint8Array(0)]))).toBeNull()
    expect(() => decodeStateProofResponse(rlpEncode([new Uint8Array(0), []]))).toThrowError(malformed)
    expect(decodeStateProofResponse(rlpEncode([Uint8Array.of(1), []]))).toEqual([])
    expect(() => decodeStateProofResponse(rlpEncode([Uint8Array.of(2), []]))).toThrowError(malformed)
  })

  test('an inclusion response holds at most MAX_INCLUSION_TXS entries; an activity limit is 1 to MAX_ACTIVITY_TXS', () => {
    const entries = Array.from({ length: MAX_INCLUSION_TXS + 1 }, () => null)
    expect(decodeInclusionResponse(encodeInclusionResponse(entries.slice(1)))).toHaveLength(MAX_INCLUSION_TXS)
    expect(() => decodeInclusionResponse(encodeInclusionResponse(entries))).toThrowError(malformed)
    const limit = (n: number) =>
      decodeActivityRequest(encodeActivityRequest({ address: `0x${'12'.repeat(20)}`, limit: n }))
    expect(limit(MAX_ACTIVITY_TXS).limit).toBe(MAX_ACTIVITY_TXS)
    expect(limit(1).limit).toBe(1)
    expect(() => limit(MAX_ACTIVITY_TXS + 1)).toThrowError(tooLarge)
    expect(() => limit(0)).toThrowError(malformed)
  })
})
