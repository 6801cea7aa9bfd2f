import { describe, expect, test, vi } from 'vitest'
import { encodeBlock, genesisBlock } from '../../../src/node/chain/block'
import { testGenesis } from '../../../src/node/chain/genesis'
import { encodeHeader, hashHeader, sealHash } from '../../../src/node/chain/header'
import type { Header } from '../../../src/node/chain/types'
import { fromHex } from '../../../src/node/codec/bytes'
import { EMPTY_MERKLE_ROOT } from '../../../src/node/codec/merkle'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { CircuitBreaker } from '../../../src/node/sync/circuit-breaker'
import {
  announce,
  answered,
  byClaim,
  type ClaimedHead,
  doubt,
  doubted,
  refutes,
} from '../../../src/node/sync/claimed-head'
import { SyncError } from '../../../src/node/sync/errors'
import {
  type DecodedHeadersResponse,
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS_PER_REQUEST,
  MAX_SYNC_REQUEST_BYTES,
  MAX_SYNC_RESPONSE_BYTES,
} from '../../../src/node/sync/messages'
import {
  checkHeadersRange,
  DROP_SCORE,
  decodeFromPeer,
  Misbehaviour,
  PeerBoard,
  PeerScores,
} from '../../../src/node/sync/peer-scores'
import { decodePoolResponse, MAX_POOL_BYTES, MAX_POOL_TXS } from '../../../src/node/sync/pool-messages'
import {
  decodeActivityRequest,
  decodeActivityResponse,
  decodeBlockReceiptsRequest,
  decodeBlockReceiptsResponse,
  decodeInclusionRequest,
  decodeInclusionResponse,
  decodeStateProofRequest,
  decodeStateProofResponse,
} from '../../../src/node/sync/proof-messages'
import { RateLimiter } from '../../../src/node/sync/rate-limiter'
import { decodeSnapshotRequest, decodeSnapshotResponse } from '../../../src/node/sync/snapshot-messages'
import { fuzzDecoder } from '../../fuzz-decoder'

const GENESIS = genesisBlock(testGenesis())

/**
 * A linked range after the genesis (not sealed: the wire form does not judge headers): #2 has a bloom,
 * transactions and another miner; #3 is empty again, by #1's miner.
 */
const H1: Header = { ...GENESIS.header, number: 1n, parentHash: hashHeader(GENESIS.header) }
const H2: Header = {
  ...H1,
  number: 2n,
  parentHash: hashHeader(H1),
  miner: `0x${'ab'.repeat(20)}`,
  transactionsRoot: `0x${'11'.repeat(32)}`,
  receiptsRoot: `0x${'22'.repeat(32)}`,
  logsBloom: `0x${'00'.repeat(200)}${'08'.repeat(56)}`,
}
const H3: Header = { ...GENESIS.header, number: 3n, parentHash: hashHeader(H2) }
/**
 * The compact response of H1, H2, H3 with `tamper` applied to its decoded RLP: `[head, td, miners,
 * headers]`, each header the list of its 13 fields.
 */
const tampered = (tamper: (miners: Uint8Array[], headers: Uint8Array[][]) => RlpItem[]): Uint8Array => {
  const [head, td, miners, headers] = rlpDecode(
    encodeHeadersResponse({ headNumber: 3n, headTotalDifficulty: 9n, headers: [H1, H2, H3] }),
  ) as [Uint8Array, Uint8Array, Uint8Array[], Uint8Array[][]]
  return rlpEncode([head, td, ...tamper(miners, headers)])
}
/** `headers` with field `at` of header `i` replaced by `value`. */
const withField = (headers: Uint8Array[][], i: number, at: number, value: Uint8Array): Uint8Array[][] =>
  headers.map((h, j) => (j === i ? h.map((f, k) => (k === at ? value : f)) : h))

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

describe('claimed head', () => {
  test('a claim not backed is doubted until a headers answer reaches it; standing claims sort first', () => {
    const liar: ClaimedHead = { head: 1_000n, unbacked: -1n, announced: -1n }
    const honest: ClaimedHead = { head: 40n, unbacked: -1n, announced: -1n }
    const sorted = () =>
      (
        [
          ['liar', liar],
          ['honest', honest],
        ] as [string, ClaimedHead][]
      )
        .sort(byClaim)
        .map(([id]) => id)
    expect(sorted()).toEqual(['liar', 'honest'])
    // Its answer tells a lower head: doubted, and its own answer again does not restore it.
    answered(liar, 5n)
    expect(liar).toEqual({ head: 5n, unbacked: 1_000n, announced: -1n })
    answered(liar, 5n)
    expect(doubted(liar)).toBe(true)
    // A new claim, however high, stays doubted and sorts after the honest peer.
    liar.head = 2_000n
    expect(sorted()).toEqual(['honest', 'liar'])
    // A failed request doubts the higher claim; an answer reaching only the first does not restore it.
    doubt(liar)
    answered(liar, 1_500n)
    expect(doubted(liar)).toBe(true)
    answered(liar, 2_000n)
    expect(liar).toEqual({ head: 2_000n, unbacked: -1n, announced: -1n })
    // An honest peer down a moment: its next answer at its head restores it.
    doubt(honest)
    expect(doubted(honest)).toBe(true)
    answered(honest, 41n)
    expect(doubted(honest)).toBe(false)
  })

  test('an announcement replaces the claim, lower or higher; an answer far below it refutes it, once', () => {
    const peer: ClaimedHead = { head: -1n, unbacked: -1n, announced: -1n }
    announce(peer, 10_000n)
    announce(peer, 50n)
    // Its latest word: not taken as ahead of a node at #100 any more.
    expect(peer).toEqual({ head: 50n, unbacked: -1n, announced: 50n })
    announce(peer, 10_000n)
    const asked = peer.announced
    // Within the reorg limit (64 here) of the announcement: an honest head that moved back.
    expect(refutes({ ...peer }, asked, 10_000n - 64n, 64n)).toBe(false)
    // Further below: false. Checked once: a second answer to the same announcement refutes nothing.
    expect(refutes(peer, asked, 300n, 64n)).toBe(true)
    expect(refutes(peer, asked, 300n, 64n)).toBe(false)
    // A request sent before any announcement, or before a newer one, checks nothing.
    expect(refutes(peer, -1n, 0n, 64n)).toBe(false)
    announce(peer, 20_000n)
    expect(refutes(peer, asked, 0n, 64n)).toBe(false)
    expect(refutes(peer, peer.announced, 20_000n, 64n)).toBe(false)
    expect(peer.announced).toBe(-1n)
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

  test('forgets a key once its bucket is exactly full again', () => {
    const r = new RateLimiter({ burst: 1, perSecond: 1 })
    expect(r.take('a', 0)).toBe(0)
    expect(r.take('b', 999)).toBe(0)
    expect(r.size).toBe(2)
    // At 1,000 ms a's bucket holds one token, a burst: a new key's take forgets it, and not b's.
    expect(r.take('c', 1_000)).toBe(0)
    expect(r.size).toBe(2)
    expect(r.take('b', 1_000)).toBe(999)
  })

  test('a key idle for long holds no more than a burst', () => {
    const r = new RateLimiter({ burst: 3, perSecond: 2 })
    expect(r.take('a', 0)).toBe(0)
    // Ten minutes idle refill 1,200 tokens' worth: the bucket is full at 3, not 1,202.
    expect([r.take('a', 600_000), r.take('a', 600_000), r.take('a', 600_000)]).toEqual([0, 0, 0])
    expect(r.take('a', 600_000)).toBe(500)
  })

  test('answers as a limiter that never forgets, while thousands of keys refill', () => {
    const [burst, perSecond] = [2, 0.05]
    // Below its cap of keys (3,000 of 4,096 here), it forgets only what a full bucket would say anyway.
    const r = new RateLimiter({ burst, perSecond, maxKeys: 4_096 })
    const model = new Map<string, { tokens: number; at: number }>()
    const reference = (key: string, now: number): number => {
      const b = model.get(key) ?? { tokens: burst, at: now }
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) * perSecond) / 1000)
      b.at = now
      model.set(key, b)
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.ceil(((1 - b.tokens) * 1000) / perSecond)
    }
    let seed = 7
    const next = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
      return (seed >>> 16) % n
    }
    let now = 0
    const answers: [number, number][] = []
    for (let i = 0; i < 30_000; i++) {
      now += next(3)
      const key = `k${next(i < 20_000 ? 3_000 : 40)}`
      answers.push([r.take(key, now), reference(key, now)])
    }
    expect(answers.filter(([got, want]) => got !== want)).toEqual([])
    expect(answers.filter(([, want]) => want > 0).length).toBeGreaterThan(5_000)
  })

  test('keeping the map bounded costs each take a bounded number of buckets, however many refill', () => {
    const r = new RateLimiter({ burst: 1, perSecond: 0.001, maxKeys: 10_000 })
    // 5,000 clients each spend their one token: all are still refilling 1,000 s later.
    for (let i = 0; i < 5_000; i++) expect(r.take(`a${i}`, i * 100)).toBe(0)
    const iterator = Object.getPrototypeOf(new Map().entries()) as { next: () => unknown }
    const visits = vi.spyOn(iterator, 'next')
    let visited: number
    try {
      for (let i = 0; i < 1_000; i++) r.take(`b${i}`, 500_000)
      visited = visits.mock.calls.length
    } finally {
      visits.mockRestore()
    }
    expect(visited).toBeLessThanOrEqual(2_000)
    // Once they are full again they are forgotten…
    const forgotten = vi.spyOn(Map.prototype, 'delete')
    let deleted: number
    try {
      r.take('c', 2_000_000)
      deleted = forgotten.mock.calls.length
    } finally {
      forgotten.mockRestore()
    }
    expect(deleted).toBeGreaterThanOrEqual(6_000)
    // …but not the one just taken from, full as it was.
    expect(r.take('c', 2_000_000)).toBeGreaterThan(0)
    expect(r.size).toBe(1)
  })

  test('holds at most maxKeys buckets: a client cycling keys grows nothing and cannot push out its own drained bucket', () => {
    const r = new RateLimiter({ burst: 3, perSecond: 1, maxKeys: 64 })
    expect([r.take('k', 0), r.take('k', 0), r.take('k', 0), r.take('k', 0)]).toEqual([0, 0, 0, 1_000])
    // 10,000 new keys within the 1 s it takes 'k' to regain a token: each is granted its first, and
    // its bucket, fuller than the drained one, is the one evicted.
    let most = 0
    for (let i = 0; i < 10_000; i++) {
      expect(r.take(`spam${i}`, i * 0.05)).toBe(0)
      most = Math.max(most, r.size)
    }
    expect(most).toBe(64)
    expect(r.take('k', 500)).toBe(500)
    expect(r.take('k', 1_000)).toBe(0)
  })

  test('at the cap, the fullest bucket goes first, the oldest among equally full ones', () => {
    const r = new RateLimiter({ burst: 2, perSecond: 1, maxKeys: 3 })
    // a and c keep one token each, b none.
    expect([r.take('a', 0), r.take('b', 0), r.take('b', 0), r.take('c', 0)]).toEqual([0, 0, 0, 0])
    expect(r.take('d', 0)).toBe(0)
    expect(r.size).toBe(3)
    // a went (as full as c, and older): it starts afresh with two tokens; b is still drained.
    expect(r.take('b', 0)).toBe(1_000)
    expect([r.take('a', 0), r.take('a', 0)]).toEqual([0, 0])
    // Taking a back in pushed out c (as full as d, older): c starts afresh too, d kept its one token.
    expect([r.take('d', 0), r.take('d', 0)]).toEqual([0, 1_000])
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

  test('decay stops at zero (time earns no credit), and counts from the last offence', () => {
    const s = new PeerScores()
    expect(s.penalize('p', 'invalid-tx', 0)).toBe(10)
    expect(s.penalize('p', 'invalid-tx', 1_000_000)).toBe(10)
    expect(s.penalize('q', 'garbage', 0)).toBe(40)
    expect(s.penalize('q', 'garbage', 100_000)).toBeCloseTo(70)
    expect(s.score('q', 200_000)).toBeCloseTo(60)
  })

  test('a board bans for banMs from the drop, forgets what the peer announced, and counts live bans only', () => {
    let now = 1_000_000
    const board = new PeerBoard({ now: () => now, banMs: 60_000, disconnect: async () => {} })
    board.setAnnounced('p', 42n)
    board.setAnnounced('q', 0n)
    expect(board.announced('q')).toBe(0n)
    // One forged proof is proof of malice: it alone drops the peer.
    expect(board.penalize('p', 'invalid-proof')).toBe(true)
    expect(board.announced('p')).toBe(-1n)
    expect(board.bannedCount()).toBe(1)
    now += 59_999
    expect(board.isBanned('p')).toBe(true)
    now += 1
    expect(board.bannedCount()).toBe(0)
  })
})

describe('a headers answer against what was asked', () => {
  /** An answer holding headers `numbers` (only their numbers matter here), from a peer at `head`. */
  const answer = (numbers: readonly number[], head: number): DecodedHeadersResponse => ({
    headNumber: BigInt(head),
    headTotalDifficulty: 1n,
    headers: numbers.map((n) => ({ number: BigInt(n) }) as Header),
    hashes: [],
  })
  const fault = (res: DecodedHeadersResponse, from: bigint, count: number): string | undefined => {
    try {
      checkHeadersRange(res, from, count)
      return undefined
    } catch (err) {
      return err instanceof Misbehaviour ? `${err.offence}: ${err.message}` : String(err)
    }
  }

  test('a whole range, or one cut at the head it claims, or nothing past that head, passes', () => {
    expect(fault(answer([10, 11, 12, 13], 100), 10n, 4)).toBeUndefined()
    expect(fault(answer([10, 11], 11), 10n, 4)).toBeUndefined()
    expect(fault(answer([], 9), 10n, 4)).toBeUndefined()
  })

  test('more than asked, out of range, empty or short below the head it claims: the peer’s fault', () => {
    expect(fault(answer([10, 11, 12, 13, 14], 100), 10n, 4)).toMatch(/^wrong-response: more headers/)
    expect(fault(answer([11, 12], 100), 10n, 4)).toMatch(/^wrong-response: header out of range/)
    expect(fault(answer([], 100), 10n, 4)).toMatch(/^wrong-response: no headers below its head/)
    expect(fault(answer([10, 11], 100), 10n, 4)).toMatch(/^wrong-response: fewer headers than its head/)
  })

  test('at the bounds: an empty answer from a peer whose head is the first asked, or one a header short of its head, is its fault', () => {
    expect(fault(answer([], 10), 10n, 4)).toMatch(/^wrong-response: no headers below its head/)
    expect(fault(answer([10, 11], 12), 10n, 4)).toMatch(/^wrong-response: fewer headers than its head/)
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

  test('headers travel in the compact form: parents after the first, miners, zero blooms and empty roots left out, restored exactly', () => {
    expect(H1.transactionsRoot).toBe(EMPTY_MERKLE_ROOT)
    expect(H1.receiptsRoot).toBe(EMPTY_MERKLE_ROOT)
    const res = { headNumber: 3n, headTotalDifficulty: 9n, headers: [H1, H2, H3] }
    const bytes = encodeHeadersResponse(res)
    const back = decodeHeadersResponse(bytes)
    // Restored headers hash as their sender's did, and the hashes computed while decoding are theirs.
    expect(back).toEqual({
      ...res,
      hashes: [H1, H2, H3].map((h) => ({ hash: hashHeader(h), seal: sealHash(h) })),
    })
    // Not sent: two empty blooms, two parent hashes, four empty roots, and three miners but for the
    // list of two (an index of one byte each).
    const whole = [H1, H2, H3].reduce((n, h) => n + encodeHeader(h).byteLength, 0)
    expect(bytes.byteLength).toBeLessThan(whole - 2 * 256 - 2 * 32 - 4 * 32 - 3 * 20 + 2 * 21 + 3 + 16)
    // The miners are listed once each, in the order of first use.
    expect(tampered((miners) => [miners, []])).toEqual(
      rlpEncode([new Uint8Array([3]), new Uint8Array([9]), [fromHex(H1.miner), fromHex(H2.miner)], []]),
    )
  })

  const EMPTY_ROOT = fromHex(EMPTY_MERKLE_ROOT)
  const index = (i: number): Uint8Array => (i === 0 ? new Uint8Array() : new Uint8Array([i]))
  test.each<[string, Uint8Array, RegExp]>([
    ['version 3’s form (no list of miners)', tampered((_, h) => [h]), /expected 4 items/],
    ['a header as a byte string (the whole form)', tampered((m) => [m, [encodeHeader(H1)]]), /not a list/],
    [
      'a parent hash spelled out after the first header',
      tampered((m, h) => [m, withField(h, 1, 0, fromHex(H2.parentHash))]),
      /header 1 repeats its parent hash/,
    ],
    [
      'an empty bloom spelled out',
      tampered((m, h) => [m, withField(h, 0, 7, new Uint8Array(256))]),
      /header 0 spells out field 7/,
    ],
    [
      'an empty transactions root spelled out',
      tampered((m, h) => [m, withField(h, 2, 5, EMPTY_ROOT)]),
      /header 2 spells out field 5/,
    ],
    [
      'an empty receipts root spelled out',
      tampered((m, h) => [m, withField(h, 0, 6, EMPTY_ROOT)]),
      /header 0 spells out field 6/,
    ],
    [
      'a bloom of the wrong length',
      tampered((m, h) => [m, withField(h, 1, 7, new Uint8Array(5))]),
      /header 1: .*logsBloom: expected 256 bytes/,
    ],
    [
      'a header of 12 fields',
      tampered((m, h) => [m, h.map((f) => f.slice(0, 12))]),
      /header 0: .*expected 13 items, got 12/,
    ],
    [
      'a first header without its parent',
      tampered((m, h) => [m, withField(h, 0, 0, new Uint8Array())]),
      /header 0: .*parentHash: expected 32 bytes/,
    ],
    [
      'a miner spelled out in its header',
      tampered((m, h) => [m, withField(h, 1, 3, fromHex(H2.miner))]),
      /miner index is longer than 2 bytes/,
    ],
    [
      'a miner index past the list',
      tampered((m, h) => [m, withField(h, 2, 3, index(2))]),
      /header 2's miner index 2 is not a listed miner/,
    ],
    [
      'a miner index with a leading zero',
      tampered((m, h) => [m, withField(h, 1, 3, new Uint8Array([0, 1]))]),
      /miner index has a leading zero/,
    ],
    [
      'a miner used before the one listed before it',
      tampered((m, h) => [m, withField(withField(h, 0, 3, index(1)), 1, 3, index(0))]),
      /header 0's miner index 1 is not a listed miner in order of first use/,
    ],
    [
      'a miner listed twice',
      tampered((m, h) => [[...m, m[0] as Uint8Array], withField(h, 2, 3, index(2))]),
      /miner 2 is listed twice/,
    ],
    [
      'a listed miner that mines no header',
      tampered((m, h) => [[...m, new Uint8Array(20).fill(7)], h]),
      /a listed miner mines no header/,
    ],
    [
      'a miner of 19 bytes',
      tampered((m, h) => [[m[0] as Uint8Array, new Uint8Array(19)], h]),
      /miner 1 is not 20 bytes/,
    ],
  ])('a headers response with %s is SYNC_MALFORMED', (_name, bytes, reason) => {
    expect(() => decodeHeadersResponse(bytes)).toThrowError(
      expect.objectContaining({
        type: expect.objectContaining({ code: 'SYNC_MALFORMED', reason: expect.stringMatching(reason) }),
      }),
    )
  })

  // `size` bytes of well-formed RLP (a list of zero bytes, its length in 3 bytes: 0xf7 + 3), so that only
  // the size check refuses it.
  const listOf = (size: number): Uint8Array => {
    const out = new Uint8Array(size)
    new DataView(out.buffer).setUint32(0, 0xfa000000 | (size - 4))
    return out
  }

  test.each([
    ['headers', decodeHeadersResponse, MAX_SYNC_RESPONSE_BYTES],
    ['blocks', decodeBlocksResponse, MAX_SYNC_RESPONSE_BYTES],
    ['state proof', decodeStateProofResponse, MAX_SYNC_RESPONSE_BYTES],
    ['inclusion', decodeInclusionResponse, MAX_SYNC_RESPONSE_BYTES],
    ['block receipts', decodeBlockReceiptsResponse, MAX_SYNC_RESPONSE_BYTES],
    ['address activity', decodeActivityResponse, MAX_SYNC_RESPONSE_BYTES],
    ['snapshot', decodeSnapshotResponse, MAX_SYNC_RESPONSE_BYTES],
    ['pool', decodePoolResponse, MAX_POOL_BYTES + 9 * (MAX_POOL_TXS + 1)],
  ] as const)(
    'a %s response past its size limit is SYNC_RESPONSE_TOO_LARGE, unread',
    (_name, decode, max) => {
      expect(() => decode(listOf(max + 1))).toThrowError(
        expect.objectContaining({
          type: { code: 'SYNC_RESPONSE_TOO_LARGE', size: max + 1, max },
        }),
      )
    },
  )

  test.each([
    ['headers', decodeHeadersResponse],
    ['state proof', decodeStateProofResponse],
    ['block receipts', decodeBlockReceiptsResponse],
    ['snapshot', decodeSnapshotResponse],
  ] as const)(
    'a %s response of 3 MiB of one-byte items is SYNC_MALFORMED before its items are built',
    (_name, decode) => {
      const n = MAX_SYNC_RESPONSE_BYTES - 4
      const bytes = new Uint8Array(MAX_SYNC_RESPONSE_BYTES).fill(0x80)
      new DataView(bytes.buffer).setUint32(0, 0xfa000000 | n)
      expect(() => decode(bytes)).toThrowError(
        expect.objectContaining({
          type: expect.objectContaining({
            code: 'SYNC_MALFORMED',
            reason: expect.stringMatching(/more than \d+ items/),
          }),
        }),
      )
    },
  )

  test.each([
    ['headers', decodeHeadersRequest],
    ['blocks', decodeBlocksRequest],
    ['state proof', decodeStateProofRequest],
    ['inclusion', decodeInclusionRequest],
    ['block receipts', decodeBlockReceiptsRequest],
    ['address activity', decodeActivityRequest],
    ['snapshot', decodeSnapshotRequest],
  ] as const)('a %s request past the request size limit is SYNC_MALFORMED, unread', (_name, decode) => {
    expect(() => decode(listOf(MAX_SYNC_REQUEST_BYTES + 1))).toThrowError(
      expect.objectContaining({
        type: expect.objectContaining({
          code: 'SYNC_MALFORMED',
          reason: `larger than ${MAX_SYNC_REQUEST_BYTES} bytes`,
        }),
      }),
    )
  })

  test('a hash of the wrong length, a block that does not decode: typed errors', () => {
    expect(() => decodeBlocksRequest(rlpEncode([new Uint8Array(31)]))).toThrowError(SyncError)
    expect(() => decodeBlocksResponse(rlpEncode([new Uint8Array([1, 2, 3])]))).toThrowError(SyncError)
    expect(() =>
      decodeHeadersResponse(rlpEncode([new Uint8Array([1]), new Uint8Array([1]), [new Uint8Array(3)]])),
    ).toThrowError(SyncError)
  })

  test('at their bounds: a request of exactly the size limit is read; the most headers and blocks pass, one more does not', () => {
    const malformed = (reason: string | RegExp) =>
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED', reason }) })
    // Read, and refused for its 4093 one-byte items, not for its size.
    const full = rlpEncode(Array.from({ length: MAX_SYNC_REQUEST_BYTES - 3 }, () => Uint8Array.of(0)))
    expect(full.byteLength).toBe(MAX_SYNC_REQUEST_BYTES)
    expect(() => decodeBlocksRequest(full)).toThrowError(
      expect.objectContaining({
        type: expect.objectContaining({ code: 'SYNC_REQUEST_TOO_LARGE', asked: MAX_SYNC_REQUEST_BYTES - 3 }),
      }),
    )
    expect(() => decodeBlocksRequest(rlpEncode([]))).toThrowError(malformed('no hashes'))
    const hashes = Array.from({ length: MAX_BLOCKS_PER_REQUEST + 1 }, () => hashHeader(H1))
    expect(decodeBlocksRequest(encodeBlocksRequest(hashes.slice(1)))).toHaveLength(MAX_BLOCKS_PER_REQUEST)
    const blocks = Array.from({ length: MAX_BLOCKS_PER_REQUEST + 1 }, () => encodeBlock(GENESIS))
    expect(decodeBlocksResponse(encodeBlocksResponse(blocks.slice(1)))).toHaveLength(MAX_BLOCKS_PER_REQUEST)
    expect(() => decodeBlocksResponse(encodeBlocksResponse(blocks))).toThrowError(
      malformed(`more than ${MAX_BLOCKS_PER_REQUEST} blocks`),
    )
    const count = (n: number) => decodeHeadersRequest(encodeHeadersRequest({ from: 0n, count: n })).count
    expect(count(MAX_HEADERS_PER_REQUEST)).toBe(MAX_HEADERS_PER_REQUEST)
    expect(() => count(MAX_HEADERS_PER_REQUEST + 1)).toThrowError(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_REQUEST_TOO_LARGE' }) }),
    )
    const chain = [H1]
    while (chain.length <= MAX_HEADERS_PER_REQUEST) {
      const parent = chain.at(-1) as Header
      chain.push({ ...parent, number: parent.number + 1n, parentHash: hashHeader(parent) })
    }
    const response = (headers: Header[]) =>
      decodeHeadersResponse(encodeHeadersResponse({ headNumber: 600n, headTotalDifficulty: 1n, headers }))
    expect(response(chain.slice(1)).headers).toHaveLength(MAX_HEADERS_PER_REQUEST)
    expect(() => response(chain)).toThrowError(malformed(`more than ${MAX_HEADERS_PER_REQUEST} headers`))
  })

  test('integers one byte longer than their field are SYNC_MALFORMED: count 4, from and head number 8, total difficulty 32', () => {
    const long = (n: number) => new Uint8Array(n).fill(1)
    const one = Uint8Array.of(1)
    expect(() => decodeHeadersRequest(rlpEncode([one, long(5)]))).toThrowError(SyncError)
    expect(() => decodeHeadersRequest(rlpEncode([long(9), one]))).toThrowError(SyncError)
    expect(decodeHeadersRequest(rlpEncode([long(8), one])).from).toBe(0x0101010101010101n)
    const [, , miners, headers] = rlpDecode(
      encodeHeadersResponse({ headNumber: 1n, headTotalDifficulty: 1n, headers: [H1] }),
    ) as RlpItem[]
    const response = (head: Uint8Array, td: Uint8Array) =>
      decodeHeadersResponse(rlpEncode([head, td, miners as RlpItem, headers as RlpItem]))
    expect(response(long(8), long(32)).headTotalDifficulty).toBe(2n ** 256n / 255n)
    expect(() => response(long(9), one)).toThrowError(SyncError)
    expect(() => response(one, long(33))).toThrowError(SyncError)
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
