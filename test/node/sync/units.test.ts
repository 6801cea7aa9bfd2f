import { describe, expect, test } from 'vitest'
import { encodeBlock, genesisBlock } from '../../../src/node/chain/block'
import { testGenesis } from '../../../src/node/chain/genesis'
import { encodeHeader, hashHeader, headerFields, sealHash } from '../../../src/node/chain/header'
import type { Header } from '../../../src/node/chain/types'
import { type RlpItem, rlpEncode } from '../../../src/node/codec/rlp'
import { CircuitBreaker } from '../../../src/node/sync/circuit-breaker'
import { SyncError } from '../../../src/node/sync/errors'
import {
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  MAX_SYNC_RESPONSE_BYTES,
} from '../../../src/node/sync/messages'
import {
  DROP_SCORE,
  decodeFromPeer,
  Misbehaviour,
  PeerBoard,
  PeerScores,
} from '../../../src/node/sync/peer-scores'
import { RateLimiter } from '../../../src/node/sync/rate-limiter'
import { fuzzDecoder } from '../../fuzz-decoder'

const GENESIS = genesisBlock(testGenesis())

/** A linked range after the genesis (not sealed: the wire form does not judge headers); #2 has a bloom. */
const H1: Header = { ...GENESIS.header, number: 1n, parentHash: hashHeader(GENESIS.header) }
const H2: Header = {
  ...H1,
  number: 2n,
  parentHash: hashHeader(H1),
  logsBloom: `0x${'00'.repeat(200)}${'08'.repeat(56)}`,
}
const H3: Header = { ...H2, number: 3n, parentHash: hashHeader(H2), logsBloom: GENESIS.header.logsBloom }
const HEAD = [new Uint8Array([3]), new Uint8Array([9])]
/** A headers response built field by field (the compact form, or a tampering with it). */
const rawResponse = (headers: RlpItem[]): Uint8Array => rlpEncode([...HEAD, headers])
/** `h`'s fields with field `i` replaced by `value`. */
const withField = (h: Header, i: number, value: Uint8Array): Uint8Array[] =>
  headerFields(h).map((f, j) => (j === i ? value : f))

describe('circuit breaker', () => {
  const init = { failureThreshold: 3, openMs: 1_000, maxOpenMs: 4_000 }

  test('opens after N consecutive failures; a success in between resets the count', () => {
    const b = new CircuitBreaker(init)
    b.failure(0)
    b.failure(0)
    b.success()
    b.failure(0)
    b.failure(0)
    expect(b.state(0)).toBe('closed')
    b.failure(10)
    expect(b.state(10)).toBe('open')
    expect(b.allow(500)).toBe(false)
    expect(b.retryAt).toBe(1_010)
  })

  test('half-open lets exactly one probe through; success closes, failure reopens for twice as long', () => {
    const b = new CircuitBreaker(init)
    for (let i = 0; i < 3; i++) b.failure(0)
    expect(b.state(1_000)).toBe('half-open')
    expect(b.allow(1_000)).toBe(true)
    expect(b.allow(1_000)).toBe(false)
    b.failure(1_000)
    expect(b.state(2_999)).toBe('open')
    expect(b.state(3_000)).toBe('half-open')
    expect(b.allow(3_000)).toBe(true)
    b.failure(3_000)
    b.allow(7_000)
    b.failure(7_000)
    // Capped at maxOpenMs.
    expect(b.retryAt).toBe(11_000)
    expect(b.allow(11_000)).toBe(true)
    b.success()
    expect(b.state(11_000)).toBe('closed')
    // Closed again: the next opening starts from openMs.
    for (let i = 0; i < 3; i++) b.failure(12_000)
    expect(b.retryAt).toBe(13_000)
  })
})

describe('rate limiter', () => {
  test('grants a burst, then refills at the rate, per key', () => {
    const r = new RateLimiter({ burst: 3, perSecond: 2 })
    expect([r.take('a', 0), r.take('a', 0), r.take('a', 0)]).toEqual([0, 0, 0])
    expect(r.take('a', 0)).toBe(500)
    expect(r.take('b', 0)).toBe(0)
    expect(r.take('a', 500)).toBe(0)
    expect(r.take('a', 500)).toBeGreaterThan(0)
    expect(r.take('a', 10_000)).toBe(0)
  })
})

describe('peer scores', () => {
  test('offences add up to the drop score and decay with time', () => {
    const s = new PeerScores()
    expect(s.penalize('p', 'invalid-block', 0)).toBe(50)
    expect(s.penalize('p', 'invalid-block', 0)).toBe(DROP_SCORE)
    expect(s.score('p', 100_000)).toBeCloseTo(90)
    expect(s.score('q', 0)).toBe(0)
  })

  test('a board drops a peer once at the drop score, keeps it out for banMs, and counts what it gave', () => {
    let now = 1_000
    const dropped: [string, string, number][] = []
    const board = new PeerBoard({
      now: () => now,
      banMs: 60_000,
      disconnect: async (peer, reason, banMs) => {
        dropped.push([peer, reason, banMs])
      },
    })
    expect(board.penalize('p', 'invalid-tx')).toBe(false)
    expect(board.penalize('p', 'garbage')).toBe(false)
    expect(board.isBanned('p')).toBe(false)
    expect(board.penalize('p', 'invalid-block')).toBe(true)
    expect(board.isBanned('p')).toBe(true)
    expect(dropped).toEqual([['p', 'invalid-block', 60_000]])
    // A banned peer earns nothing more, and is not dropped twice.
    expect(board.penalize('p', 'invalid-proof')).toBe(false)
    expect(board.counters).toEqual({ penalties: 3, peersDropped: 1 })
    expect(board.isBanned('q')).toBe(false)
    // The ban ends; the peer starts again from a clean score.
    now += 60_000
    expect(board.isBanned('p')).toBe(false)
    expect(board.penalize('p', 'invalid-block')).toBe(false)
    expect(dropped).toHaveLength(1)
  })

  test("bytes that do not decode are the peer's garbage; too many are oversized; other faults pass through", () => {
    const offence = (fn: () => unknown) => {
      try {
        decodeFromPeer(fn)
      } catch (err) {
        return err instanceof Misbehaviour ? err.offence : err
      }
      return null
    }
    expect(offence(() => decodeHeadersRequest(new Uint8Array()))).toBe('garbage')
    expect(
      offence(() => {
        throw new SyncError({ code: 'SYNC_RESPONSE_TOO_LARGE', size: 10, max: 5 })
      }),
    ).toBe('oversized')
    const bug = new TypeError('not the peer')
    expect(
      offence(() => {
        throw bug
      }),
    ).toBe(bug)
    expect(decodeFromPeer(() => 7)).toBe(7)
  })
})

describe('sync messages', () => {
  test('round-trip', () => {
    expect(decodeHeadersRequest(encodeHeadersRequest({ from: 7n, count: 100 }))).toEqual({
      from: 7n,
      count: 100,
    })
    const res = { headNumber: 9n, headTotalDifficulty: 10n ** 40n, headers: [GENESIS.header] }
    expect(decodeHeadersResponse(encodeHeadersResponse(res))).toEqual({
      ...res,
      hashes: [{ hash: hashHeader(GENESIS.header), seal: sealHash(GENESIS.header) }],
    })
    const hashes = [`0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`] as const
    expect(decodeBlocksRequest(encodeBlocksRequest(hashes))).toEqual(hashes)
    expect(decodeBlocksResponse(encodeBlocksResponse([encodeBlock(GENESIS)]))).toEqual([GENESIS])
  })

  test.each([
    ['empty', new Uint8Array()],
    ['a string, not a list', new Uint8Array([0x80])],
    ['trailing bytes', new Uint8Array([0xc2, 0x01, 0x01, 0x00])],
    ['count zero', rlpEncode([new Uint8Array([1]), new Uint8Array()])],
    ['non-canonical integer', rlpEncode([new Uint8Array([0, 1]), new Uint8Array([1])])],
    ['three items', rlpEncode([new Uint8Array([1]), new Uint8Array([1]), new Uint8Array([1])])],
  ])('a headers request that is %s is SYNC_MALFORMED', (_name, bytes) => {
    expect(() => decodeHeadersRequest(bytes)).toThrowError(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) }),
    )
  })

  test('headers travel in the compact form: parents after the first and zero blooms left out, restored exactly', () => {
    const res = { headNumber: 3n, headTotalDifficulty: 9n, headers: [H1, H2, H3] }
    const bytes = encodeHeadersResponse(res)
    const back = decodeHeadersResponse(bytes)
    // Restored headers hash as their sender's did, and the hashes computed while decoding are theirs.
    expect(back).toEqual({
      ...res,
      hashes: [H1, H2, H3].map((h) => ({ hash: hashHeader(h), seal: sealHash(h) })),
    })
    // Two empty blooms and two parent hashes not sent.
    const whole = [H1, H2, H3].reduce((n, h) => n + encodeHeader(h).byteLength, 0)
    expect(bytes.byteLength).toBeLessThan(whole - 2 * 256 - 2 * 32 + 16)
  })

  test.each<[string, RlpItem[]]>([
    ['a header as a byte string (the old whole form)', [encodeHeader(H1)]],
    ['a parent hash spelled out after the first header', [headerFields(H1), headerFields(H2)]],
    ['an empty bloom spelled out', [withField(H1, 7, new Uint8Array(256))]],
    ['a bloom of the wrong length', [withField(H2, 7, new Uint8Array(5))]],
    ['a header of 12 fields', [headerFields(H1).slice(0, 12)]],
    ['a first header without its parent', [withField(H1, 0, new Uint8Array())]],
  ])('a headers response with %s is SYNC_MALFORMED', (_name, headers) => {
    expect(() => decodeHeadersResponse(rawResponse(headers))).toThrowError(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) }),
    )
  })

  test('a response past the size limit is refused before decoding', () => {
    const big = new Uint8Array(MAX_SYNC_RESPONSE_BYTES + 1)
    for (const decode of [decodeHeadersResponse, decodeBlocksResponse]) {
      expect(() => decode(big)).toThrowError(
        expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_RESPONSE_TOO_LARGE' }) }),
      )
    }
  })

  test('a hash of the wrong length, a block that does not decode: typed errors', () => {
    expect(() => decodeBlocksRequest(rlpEncode([new Uint8Array(31)]))).toThrowError(SyncError)
    expect(() => decodeBlocksResponse(rlpEncode([new Uint8Array([1, 2, 3])]))).toThrowError(SyncError)
    expect(() =>
      decodeHeadersResponse(rlpEncode([new Uint8Array([1]), new Uint8Array([1]), [new Uint8Array(3)]])),
    ).toThrowError(SyncError)
  })

  const REQUEST_CODES = ['SYNC_MALFORMED', 'SYNC_REQUEST_TOO_LARGE']
  const RESPONSE_CODES = ['SYNC_MALFORMED', 'SYNC_RESPONSE_TOO_LARGE']

  test('fuzz: a headers request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeHeadersRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      valid: [encodeHeadersRequest({ from: 7n, count: 100 }), encodeHeadersRequest({ from: 0n, count: 512 })],
    })
  })

  test('fuzz: a headers response decodes, re-encoding to the bytes sent, or is refused with a SyncError', () => {
    fuzzDecoder({
      decode: decodeHeadersResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      valid: [
        encodeHeadersResponse({ headNumber: 3n, headTotalDifficulty: 9n, headers: [H1, H2, H3] }),
        encodeHeadersResponse({ headNumber: 0n, headTotalDifficulty: 1n, headers: [] }),
      ],
      // Documented: strictly decoded, so re-encoding gives the sent bytes.
      encode: encodeHeadersResponse,
      maxLength: 1200,
    })
  })

  test('fuzz: a blocks request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeBlocksRequest,
      error: SyncError,
      codes: REQUEST_CODES,
      valid: [encodeBlocksRequest([hashHeader(H1), hashHeader(H2)])],
    })
  })

  test('fuzz: a blocks response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeBlocksResponse,
      error: SyncError,
      codes: RESPONSE_CODES,
      valid: [
        encodeBlocksResponse([
          encodeBlock(GENESIS),
          encodeBlock({ header: H1, transactions: ['0x02c0', '0x02f80101'] }),
        ]),
      ],
      maxLength: 1200,
    })
  })
})
