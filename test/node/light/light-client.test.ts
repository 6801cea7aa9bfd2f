import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { buildHeaders } from '../../../bench/chain/light'
import { genesisBlock } from '../../../src/node/chain/block'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { hashHeader } from '../../../src/node/chain/header'
import type { Header } from '../../../src/node/chain/types'
import { nextBaseFee } from '../../../src/node/consensus/base-fee'
import { nextDifficulty } from '../../../src/node/consensus/difficulty'
import { mineSlice } from '../../../src/node/consensus/miner'
import { LightError } from '../../../src/node/light/errors'
import {
  checkRangeLink,
  type HeadersAsked,
  LightClient,
  type LightClientInit,
} from '../../../src/node/light/light-client'
import {
  type CheckpointConflict,
  CheckpointConflicts,
  checkUnheldRange,
} from '../../../src/node/sync/checkpoint-conflict'
import {
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersResponse,
} from '../../../src/node/sync/messages'
import { Misbehaviour, type Offence, PeerBoard } from '../../../src/node/sync/peer-scores'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import type { SyncStatus, SyncWait } from '../../../src/node/sync/syncer'
import { codeOf } from '../../code-of'
import { until } from '../../until'

/** Header sync of the light client against a scripted peer: ranges in flight, order, bad data. */

const GENESIS = testGenesis()
const HEADERS = syncProtocols(GENESIS.params.chainId).headers
const NOW = 10n ** 15n

const CHAIN = buildHeaders(1_700).headers
const HEAD = CHAIN.at(-1) as Header
const totalDifficulty = (headers: readonly Header[]): bigint =>
  headers.reduce((td, h) => td + h.difficulty, genesisBlock(GENESIS).header.difficulty)

interface Peer {
  /** Requests being answered right now, and the most at once. */
  inFlight: number
  maxInFlight: number
  asked: bigint[]
}

/**
 * A peer serving `chain` (canonical headers 1…n) on the headers protocol after `delayMs`; `edit` may
 * change the headers of one response (a lying or short-answering peer).
 */
function peer(
  chain: readonly Header[],
  opts: { delayMs?: number; edit?: (from: bigint, headers: Header[]) => Header[] } = {},
): { state: Peer; request: LightClientInit['request'] } {
  const state: Peer = { inFlight: 0, maxInFlight: 0, asked: [] }
  return {
    state,
    async request(_peerId, protocol, data) {
      if (protocol !== HEADERS) throw new Error(`unexpected ${protocol}`)
      const req = decodeHeadersRequest(data)
      state.asked.push(req.from)
      state.inFlight++
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2))
      state.inFlight--
      const start = Number(req.from) - 1
      let headers = chain.slice(Math.max(start, 0), Math.max(start, 0) + req.count)
      // The genesis is not in `chain`: a range from 0 starts at 1 (the client holds the genesis).
      if (req.from === 0n) headers = chain.slice(0, req.count - 1)
      if (opts.edit !== undefined) headers = opts.edit(req.from, headers)
      const head = chain.at(-1) as Header
      return encodeHeadersResponse({
        headNumber: head.number,
        headTotalDifficulty: totalDifficulty(chain),
        headers: req.from === 0n ? [genesisBlock(GENESIS).header, ...headers] : headers,
      })
    },
  }
}

/** The node's board of penalties, recording each offence as it is given. */
class RecordingBoard extends PeerBoard {
  readonly offences: Offence[] = []
  override penalize(peerId: string, offence: Offence): boolean {
    this.offences.push(offence)
    return super.penalize(peerId, offence)
  }
}

function client(request: LightClientInit['request'], window = 4, now: () => number = () => Number(NOW)) {
  const board = new RecordingBoard({ now, banMs: 60_000, disconnect: async () => {} })
  const heads: bigint[] = []
  const light = new LightClient({
    genesis: GENESIS,
    request,
    disconnect: async () => {},
    now,
    onHead: (h) => heads.push(h.header.number),
    config: { headerWindow: window, headReportMs: 1_000 },
    board,
  })
  return { light, offences: board.offences, heads }
}

describe('light client header sync', () => {
  test('keeps several ranges in flight and adds them in order; a quick catch-up reports its head once', async () => {
    const p = peer(CHAIN, { delayMs: 5 })
    const { light, offences, heads } = client(p.request)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(light.headers.head.totalDifficulty).toBe(totalDifficulty(CHAIN))
    expect(light.counters.headersVerified).toBe(CHAIN.length)
    expect(offences).toEqual([])
    expect(p.state.maxInFlight).toBe(4)
    // 0, 512, 1024, 1536: each range asked once.
    expect(p.state.asked).toEqual([0n, 512n, 1024n, 1536n])
    // No time passed on the client's clock: only the head the run reached is reported.
    expect(heads).toEqual([HEAD.number])
  })

  test('a slow catch-up reports its head at most every headReportMs, and the head it reached at once', async () => {
    let clock = Number(NOW)
    const p = peer(CHAIN)
    // Each range takes 600 ms on the client's clock: reports after the 2nd range (1,200 ms) and at the
    // end; the 3rd range's 600 ms since the last report are not enough.
    const { light, heads } = client(
      async (...args) => {
        const res = await p.request(...args)
        clock += 600
        return res
      },
      1,
      () => clock,
    )
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(p.state.asked).toEqual([0n, 512n, 1024n, 1536n])
    expect(heads).toEqual([1023n, HEAD.number])
  })

  test('with a window of one, asks one range at a time', async () => {
    const p = peer(CHAIN)
    const { light } = client(p.request, 1)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(p.state.maxInFlight).toBe(1)
  })

  test('a short answer below the head it claims is penalised, and nothing of it is added (an honest server answers short only at its head)', async () => {
    const p = peer(CHAIN, { edit: (from, headers) => (from === 512n ? headers.slice(0, 100) : headers) })
    const { light, offences } = client(p.request)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(offences[0]).toBe('wrong-response')
    // Asked again from where it stood, the headers it holds are the chain's, nothing skipped.
    for (const n of [511n, 512n, 611n, 612n]) {
      const held = light.headers.byNumber(n)
      if (held !== undefined) expect(held.hash).toBe(hashHeader(CHAIN.find((h) => h.number === n) as Header))
    }
  })

  test('a bad header in a later range is refused and penalised; the ranges before it stay, nothing after', async () => {
    const p = peer(CHAIN, {
      // Header #1034, in whatever range it is asked: its difficulty breaks the rule (a changed timestamp
      // would fail proof of work only half the time at the test genesis's difficulty of 2).
      edit: (_from, headers) =>
        headers.map((h) => (h.number === 1034n ? { ...h, difficulty: h.difficulty + 1n } : h)),
    })
    const { light, offences } = client(p.request)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(offences[0]).toBe('invalid-block')
    // Each range is checked header by header: those before the bad one are in, nothing from it on.
    expect(light.headers.head.header.number).toBe(1033n)
    expect(light.headers.byNumber(1034n)).toBeUndefined()
  })

  test('a header dated past our clock’s tolerance ends the run without fault; the headers before it stay', async () => {
    const tolerance = BigInt(GENESIS.params.futureTimestampToleranceMs)
    // Our clock just short of header #1034's time less the tolerance: it is "not yet", #1033 is not.
    const now = Number((CHAIN[1033] as Header).timestamp - tolerance) - 1
    const { light, offences } = client(peer(CHAIN).request, 4, () => now)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(light.headers.head.header.number).toBe(1033n)
    expect(offences).toEqual([])
    expect(light.isBanned('a')).toBe(false)
  })

  test('headers out of the asked range are the peer’s fault and change nothing', async () => {
    // Every range but the first starts one header late.
    const p = peer(CHAIN, { edit: (from, headers) => (from > 0n ? headers.slice(1) : headers) })
    const { light, offences } = client(p.request)
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(offences[0]).toBe('wrong-response')
    // Asked again from where it stood, the headers it holds are the chain's, nothing skipped.
    for (const n of [511n, 512n, 611n, 612n]) {
      const held = light.headers.byNumber(n)
      if (held !== undefined) expect(held.hash).toBe(hashHeader(CHAIN.find((h) => h.number === n) as Header))
    }
  })

  test('a range whose first header does not link to the range before it costs the peer an invalid header’s penalty, and another peer serves the headers', async () => {
    const unlinked = `0x${'ab'.repeat(32)}` as const
    // The range from #512 starts on a parent other than #511, the header asked from (its own headers chain).
    const bad = peer(CHAIN, {
      edit: (from, headers) =>
        from === 512n ? headers.map((h, i) => (i === 0 ? { ...h, parentHash: unlinked } : h)) : headers,
    })
    const good = peer(CHAIN)
    const asked: string[] = []
    const { light, offences } = client(async (peerId, ...rest) => {
      asked.push(peerId)
      return (peerId === 'bad' ? bad : good).request(peerId, ...rest)
    })
    light.notePeerHead('bad', HEAD.number)
    light.notePeerHead('good', HEAD.number)
    const ended = await Promise.race([
      light.idle().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3_000)),
    ])
    light.stop()
    expect(ended).toBe(true)
    expect(offences).toEqual(['invalid-block'])
    expect(asked[0]).toBe('bad')
    expect(asked).toContain('good')
    // The range before it stays; nothing of the unlinked range is taken; the rest is the chain's.
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    for (const n of [511n, 512n, 1023n])
      expect(light.headers.byNumber(n)?.hash).toBe(hashHeader(CHAIN[Number(n) - 1] as Header))
  })

  test('an unlinked range is refused with a typed error saying where it should have linked; a false genesis costs an invalid header’s penalty too', async () => {
    const at512 = CHAIN[511] as Header
    const expected = hashHeader(CHAIN[510] as Header)
    expect(() => checkRangeLink(at512, expected)).not.toThrow()
    expect(() => checkRangeLink(at512, undefined)).not.toThrow()
    const other = `0x${'cd'.repeat(32)}` as const
    expect(codeOf(LightError, () => checkRangeLink(at512, other))).toBe('LIGHT_HEADERS_UNLINKED')
    expect(() => checkRangeLink(at512, other)).toThrow(
      `the headers from #512 do not link to #511 (${other}), the header they were asked to continue: their parent is ${expected}`,
    )
    // A range from the genesis whose first header is another chain's genesis: it links to nothing held.
    const g = genesisBlock(GENESIS).header
    const { light, offences } = client(async () =>
      encodeHeadersResponse({
        headNumber: 0n,
        headTotalDifficulty: 10n ** 9n,
        headers: [{ ...g, timestamp: g.timestamp + 1n, parentHash: other }],
      }),
    )
    light.notePeerHead('b', 1n)
    await light.idle()
    light.stop()
    expect(offences).toEqual(['invalid-block'])
    expect(light.headers.head.header.number).toBe(0n)
  })

  /**
   * The peer's first `failures` attempts fail as a link does (no answer): every range asked in them.
   * An attempt starts with the range from the genesis; `attempts` counts them.
   */
  function flaky(failures: number): { request: LightClientInit['request']; attempts: () => number } {
    const p = peer(CHAIN)
    let attempts = 0
    return {
      attempts: () => attempts,
      async request(peerId, protocol, data, timeoutMs) {
        if (decodeHeadersRequest(data).from === 0n) attempts++
        if (attempts <= failures) throw new Error('NET_TIMEOUT')
        return p.request(peerId, protocol, data, timeoutMs)
      },
    }
  }

  test('a peer that just linked and whose first answer never came is asked again, though it announces nothing', async () => {
    const p = flaky(2)
    const { light, offences } = client(p.request)
    light.peerJoined('a')
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(p.attempts()).toBe(3)
    expect(offences).toEqual([])
  })

  test('a peer whose first attempt failed drives the catch-up once it answers, its head shown as the target again', async () => {
    const p = flaky(1)
    const statuses: SyncStatus[] = []
    const light = new LightClient({
      genesis: GENESIS,
      request: p.request,
      disconnect: async () => {},
      now: () => Number(NOW),
      onStatus: (s) => statuses.push(s),
    })
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(p.attempts()).toBe(2)
    // Its answers reach the head it claimed: the catch-up reads as syncing towards it.
    expect(
      statuses.some(
        (s) =>
          s !== false &&
          s.currentBlock > 0n &&
          s.currentBlock < HEAD.number &&
          s.highestBlock === HEAD.number,
      ),
    ).toBe(true)
    expect(light.status).toBe(false)
  })

  test('a peer that just linked is asked a whole window of ranges at once, before its first answer', async () => {
    const p = peer(CHAIN, { delayMs: 5 })
    let askedBeforeFirstAnswer = -1
    const { light, offences } = client(async (...args) => {
      const res = await p.request(...args)
      if (askedBeforeFirstAnswer < 0) askedBeforeFirstAnswer = p.state.asked.length
      return res
    })
    light.peerJoined('a')
    await light.idle()
    // Waiting for the first answer to learn the peer's head cost a round trip before the next ranges.
    expect(askedBeforeFirstAnswer).toBe(4)
    expect(p.state.asked).toEqual([0n, 512n, 1024n, 1536n])
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(light.counters.headersVerified).toBe(CHAIN.length)
    expect(offences).toEqual([])
  })

  test('a linked peer whose chain ends inside the first range: the ranges asked past its head change nothing', async () => {
    const short = CHAIN.slice(0, 300)
    const p = peer(short)
    const { light, offences } = client(p.request)
    light.peerJoined('a')
    await light.idle()
    expect(p.state.asked).toEqual([0n, 512n, 1024n, 1536n])
    expect(light.headers.head.hash).toBe(hashHeader(short.at(-1) as Header))
    expect(light.counters.headersVerified).toBe(short.length)
    expect(offences).toEqual([])
  })

  test('a run that finds every peer ahead open-circuited comes back when the breaker lets a probe through', async () => {
    // Three failures open the breaker (2 s): nothing else starts a run — the peer mines nothing.
    const p = flaky(3)
    const { light, offences } = client(p.request, 4, () => Date.now())
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    expect(light.headers.head.header.number).toBe(0n)
    await until(() => light.headers.head.hash === hashHeader(HEAD), 20_000)
    expect(offences).toEqual([])
    light.stop()
  })

  test('a stopped client starts no run when the breaker would let a probe through', async () => {
    const p = flaky(3)
    const { light } = client(p.request, 4, () => Date.now())
    light.notePeerHead('a', HEAD.number)
    await light.idle()
    light.stop()
    await new Promise((r) => setTimeout(r, 2_500))
    expect(p.attempts()).toBe(3)
    expect(light.headers.head.header.number).toBe(0n)
  })
})

describe('light client: a peer that served headers and went silent (a tab its browser froze)', () => {
  /**
   * A client syncing one range at a time from 'S', which claims `HEAD` and serves its first `ranges`
   * ranges, then times out while `silent.on`; every status and wait it tells, in order.
   */
  function servedThenSilent(ranges: number) {
    const clock = { now: Number(NOW) }
    const silent = { on: true }
    const honest = peer(CHAIN)
    let served = 0
    const told: ({ status: SyncStatus } | { wait: SyncWait | null })[] = []
    const light = new LightClient({
      genesis: GENESIS,
      async request(peerId, protocol, data, timeoutMs) {
        if (silent.on && served >= ranges) throw new Error('NET_TIMEOUT')
        served++
        return honest.request(peerId, protocol, data, timeoutMs)
      },
      disconnect: async () => {},
      now: () => clock.now,
      onStatus: (status) => told.push({ status }),
      onWait: (wait) => told.push({ wait }),
      config: { headerWindow: 1 },
    })
    const waits = () => told.flatMap((t) => ('wait' in t ? [t.wait] : []))
    return { light, clock, silent, told, waits }
  }

  test('the client waits on it from its first failed request, never reading as up to date meanwhile; once it answers again, the wait ends as the sync goes on to its head', async () => {
    const { light, clock, silent, told, waits } = servedThenSilent(1)
    const start = clock.now
    light.notePeerHead('S', HEAD.number)
    await light.idle()
    expect(light.headers.head.header.number).toBe(511n)
    expect(light.wait).toEqual({ peerId: 'S', since: start })
    expect(waits()).toEqual([{ peerId: 'S', since: start }])
    // The wait is told before the status that stops: never neither syncing nor waiting.
    const stopped = told.findIndex((t) => 'status' in t && t.status === false)
    const waited = told.findIndex((t) => 'wait' in t && t.wait !== null)
    expect(waited).toBeGreaterThanOrEqual(0)
    expect(waited).toBeLessThan(stopped)
    // It wakes and answers, once its breaker lets a probe through: synced to its head, the wait over.
    silent.on = false
    clock.now += 60_000
    light.notePeerHead('S', HEAD.number)
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(light.wait).toBeNull()
    expect(waits()).toEqual([{ peerId: 'S', since: start }, null])
    expect(light.status).toBe(false)
    light.stop()
  })

  test('a peer that never served a header is not waited on; one forgotten or banned is waited on no more', async () => {
    const never = servedThenSilent(0)
    never.light.notePeerHead('S', HEAD.number)
    await never.light.idle()
    expect(never.light.headers.head.header.number).toBe(0n)
    expect(never.light.wait).toBeNull()
    expect(never.waits()).toEqual([])
    never.light.stop()
    for (const leave of [
      (l: LightClient) => l.forgetPeer('S'),
      (l: LightClient) => l.penalize('S', 'invalid-proof'),
    ]) {
      const { light, waits } = servedThenSilent(1)
      light.notePeerHead('S', HEAD.number)
      await light.idle()
      expect(light.wait?.peerId).toBe('S')
      leave(light)
      expect(light.wait).toBeNull()
      expect(waits().at(-1)).toBeNull()
      light.stop()
    }
  })
})

describe('light client: a peer asked for headers that has answered nothing yet (a tab frozen as it was asked)', () => {
  /** A client whose requests to 'S' time out while `silent.on`; every `asked` it tells, in order. */
  function askedThenSilent() {
    const clock = { now: Number(NOW) }
    const silent = { on: true }
    const honest = peer(CHAIN)
    const told: (HeadersAsked | null)[] = []
    const light = new LightClient({
      genesis: GENESIS,
      async request(peerId, protocol, data, timeoutMs) {
        if (silent.on) throw new Error('NET_TIMEOUT')
        return honest.request(peerId, protocol, data, timeoutMs)
      },
      disconnect: async () => {},
      now: () => clock.now,
      onAsked: (asked) => told.push(asked),
      config: { headerWindow: 1, requestTimeoutMs: 10_000 },
    })
    return { light, clock, silent, told }
  }

  test('told as asked from its first failed request (not waited on: it served nothing), for the request timeout at most; its answer ends it', async () => {
    const { light, clock, told } = askedThenSilent()
    const start = clock.now
    light.notePeerHead('S', HEAD.number)
    await light.idle()
    expect(light.status).toBe(false)
    expect(light.wait).toBeNull()
    expect(light.asked).toEqual({ peerId: 'S', since: start })
    expect(told).toEqual([{ peerId: 'S', since: start }])
    // A peer that never answers holds nothing past the timeout after its first failed request.
    clock.now += 10_000
    light.checkWait()
    expect(light.asked).toBeNull()
    expect(told).toEqual([{ peerId: 'S', since: start }, null])
    light.stop()
    // Asked again and answering: the sync goes on to its head, nothing asked left.
    const again = askedThenSilent()
    again.light.notePeerHead('S', HEAD.number)
    await again.light.idle()
    expect(again.light.asked).not.toBeNull()
    again.silent.on = false
    again.clock.now += 60_000
    again.light.notePeerHead('S', HEAD.number)
    await again.light.idle()
    expect(again.light.headers.head.hash).toBe(hashHeader(HEAD))
    expect(again.light.asked).toBeNull()
    expect(again.told.at(-1)).toBeNull()
    again.light.stop()
  })

  test('the asked peer ends when it runs out on the clock, without another event', async () => {
    let now = Date.now()
    const told: (HeadersAsked | null)[] = []
    const light = new LightClient({
      genesis: GENESIS,
      request: async () => {
        throw new Error('NET_TIMEOUT')
      },
      disconnect: async () => {},
      now: () => now,
      onAsked: (asked) => told.push(asked),
      config: { headerWindow: 1, requestTimeoutMs: 50 },
    })
    light.notePeerHead('S', HEAD.number)
    await light.idle()
    expect(light.asked?.peerId).toBe('S')
    now += 50
    await until(() => light.asked === null, 1_000)
    expect(told.at(-1)).toBeNull()
    light.stop()
  })
})

describe('light client: a head claimed and never backed', () => {
  const CLAIM = 10n ** 9n
  const PROOF = syncProtocols(GENESIS.params.chainId).proof
  /** How the liar, which claims head `CLAIM`, answers header requests. */
  const liars: Record<string, LightClientInit['request']> = {
    // It never answers: the request times out.
    'times out': async () => {
      await new Promise((r) => setTimeout(r, 2))
      throw new Error('NET_TIMEOUT')
    },
    // Nothing below the head it claims: penalised, not dropped at once.
    'answers no headers': async () =>
      encodeHeadersResponse({ headNumber: CLAIM, headTotalDifficulty: 10n ** 30n, headers: [] }),
    // Its headers answer, true to a chain of five headers, tells a head far below its claim.
    'tells a lower head': peer(CHAIN.slice(0, 5)).request,
  }

  test.each(Object.keys(liars))(
    'a peer claiming a head that %s stops counting: the honest peer is asked next, syncing ends, proofs go to the honest peer first',
    async (mode) => {
      const liar = liars[mode] as LightClientInit['request']
      let clock = Number(NOW)
      const honest = peer(CHAIN)
      /** Each header request, by peer, and the client's sync status when the liar was asked. */
      const asked: string[] = []
      const statusWhenLiarAsked: SyncStatus[] = []
      const proofAsked: string[] = []
      const statuses: SyncStatus[] = []
      const request: LightClientInit['request'] = async (peerId, protocol, data, timeoutMs) => {
        if (protocol === PROOF) {
          proofAsked.push(peerId)
          throw new Error('NET_TIMEOUT')
        }
        asked.push(peerId)
        if (peerId === 'a') return honest.request(peerId, protocol, data, timeoutMs)
        statusWhenLiarAsked.push(light.status)
        return liar(peerId, protocol, data, timeoutMs)
      }
      const light = new LightClient({
        genesis: GENESIS,
        request,
        disconnect: async () => {},
        now: () => clock,
        onStatus: (s) => statuses.push(s),
        // One range at a time: each pass against the liar is one request.
        config: { headerWindow: 1 },
      })
      light.notePeerHead('liar', CLAIM)
      light.notePeerHead('a', HEAD.number)
      await light.idle()
      expect(light.headers.head.hash).toBe(hashHeader(HEAD))
      // Its claim counted until its first answer failed to back it: then the honest peer came first.
      expect(asked.slice(0, 2)).toEqual(['liar', 'a'])
      expect(statuses[0]).toEqual({ startingBlock: 0n, currentBlock: 0n, highestBlock: CLAIM })
      expect(statuses.slice(1).every((s) => s === false || s.highestBlock === HEAD.number)).toBe(true)
      expect(light.status).toBe(false)
      // It claims again, twice, each time its breaker lets a probe through: it may be asked, but the
      // node does not read as syncing towards a claim it never backed.
      for (const _ of [1, 2]) {
        clock += 10_000
        light.notePeerHead('liar', CLAIM)
        await light.idle()
      }
      expect(statusWhenLiarAsked.slice(1).every((s) => s === false)).toBe(true)
      expect(statuses.at(-1)).toBe(false)
      // Proofs go to the honest peer first (the liar's breaker lets a probe through again).
      clock += 120_000
      await expect(light.account(DEVNET_ACCOUNTS[0] as Address)).rejects.toThrow()
      expect(proofAsked[0]).toBe('a')
      if (!light.isBanned('liar')) expect(proofAsked).toEqual(['a', 'liar'])
      light.stop()
    },
  )
})

describe('light client: what a peer announces last', () => {
  test('a peer that announced head 10,000 past ours and then #50 is not asked for headers: its latest word counts', async () => {
    const honest = peer(CHAIN)
    const asked: string[] = []
    const { light } = client(async (peerId, protocol, data, timeoutMs) => {
      asked.push(peerId)
      if (peerId === 'a') return honest.request(peerId, protocol, data, timeoutMs)
      throw new Error('NET_TIMEOUT')
    })
    light.notePeerHead('a', HEAD.number)
    // While the catch-up from the honest peer runs, the other announces far ahead, then #50.
    light.notePeerHead('fickle', HEAD.number + 10_000n)
    light.notePeerHead('fickle', 50n)
    await light.idle()
    expect(light.headers.head.hash).toBe(hashHeader(HEAD))
    // Before, its highest claim stayed and it was asked for it.
    expect(asked.includes('fickle')).toBe(false)
    expect(light.status).toBe(false)
    // A header it relays (gossip) is not its word on its head: it raises the claim, never lowers it.
    light.noteHeader('fickle', 10n)
    await light.idle()
    expect(asked.includes('fickle')).toBe(false)
    light.stop()
  })

  test('a peer whose headers answer tells a head far below the one it announced pays what a wrong answer does, once; its headers are still taken', async () => {
    const short = peer(CHAIN.slice(0, 5))
    const { light, offences } = client(short.request)
    light.notePeerHead('boaster', 10_000n)
    await light.idle()
    expect(light.headers.head.header.number).toBe(5n)
    expect(offences).toEqual(['wrong-response'])
    // Its true head, announced: nothing more.
    light.notePeerHead('boaster', 6n)
    await light.idle()
    expect(offences).toEqual(['wrong-response'])
    light.stop()
  })
})

/** A valid header #1 on the genesis other than CHAIN's (3 s later): a branch forking off at the genesis. */
function otherFirstHeader(): Header {
  const g = genesisBlock(GENESIS).header
  const timestamp = g.timestamp + 3_000n
  const template: Header = {
    ...g,
    parentHash: hashHeader(g),
    number: 1n,
    timestamp,
    baseFeePerGas: nextBaseFee(GENESIS.params, g),
    difficulty: nextDifficulty(GENESIS.params, g, timestamp),
    nonce: 0n,
  }
  for (let nonce = 0n; ; ) {
    const r = mineSlice(template, nonce, 1_000)
    if ('found' in r) return { ...template, nonce: r.found }
    nonce = r.next
  }
}

describe('light client: a branch past the reorg limit', () => {
  test('a peer answering no headers below the head it claims is penalised; the branch check ends', async () => {
    const ours = CHAIN.slice(0, 100)
    const honest = peer(ours)
    const first = otherFirstHeader()
    /** Asks for the range after B's first header. */
    let askedTwo = 0
    // B claims a far heavier chain forking off at the genesis (past the reorg limit from our head 100):
    // its first header is real, then it answers every range below its head with nothing.
    const claim = { headNumber: 1_000n, headTotalDifficulty: 10n ** 9n }
    const request: LightClientInit['request'] = async (peerId, protocol, data, timeoutMs) => {
      if (peerId === 'a') return honest.request(peerId, protocol, data, timeoutMs)
      const req = decodeHeadersRequest(data)
      if (req.from === 0n)
        return encodeHeadersResponse({ ...claim, headers: [genesisBlock(GENESIS).header, first] })
      if (req.from === 2n) {
        askedTwo++
        return encodeHeadersResponse({ ...claim, headers: [] })
      }
      // A range linking to nothing we hold: the client steps back to find where B's branch forks.
      const unlinked = {
        ...(ours[Number(req.from) - 1] as Header),
        parentHash: `0x${'ab'.repeat(32)}` as const,
      }
      return encodeHeadersResponse({ ...claim, headers: [unlinked] })
    }
    const { light, offences } = client(request)
    light.notePeerHead('a', 100n)
    await light.idle()
    expect(light.headers.head.header.number).toBe(100n)
    light.notePeerHead('b', 1_000n)
    const ended = await Promise.race([
      light.idle().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3_000)),
    ])
    light.stop()
    expect(ended).toBe(true)
    expect(offences).toEqual(['wrong-response', 'wrong-response', 'wrong-response', 'wrong-response'])
    // Asked again on each run until its penalties drop it: a handful of asks, not one per tick forever.
    expect(light.isBanned('b')).toBe(true)
    expect(askedTwo).toBeLessThanOrEqual(2 * offences.length)
    expect(light.headers.head.header.number).toBe(100n)
  }, 20_000)
})

describe('light client receipts', () => {
  const stored = (header: Header) => ({ header, hash: hashHeader(header), totalDifficulty: 0n })

  test('receipts no peer can prove name the one block, or the range of blocks, asked', async () => {
    const { light } = client(peer(CHAIN).request)
    await expect(light.receipts([stored(CHAIN[103] as Header)])).rejects.toThrow(
      'receipts of block #104 cannot be proved: no peer to ask',
    )
    await expect(
      light.receipts([stored(CHAIN[102] as Header), stored(CHAIN[108] as Header)]),
    ).rejects.toThrow('receipts of blocks #103–#109 cannot be proved: no peer to ask')
  })
})

describe('light client: a range from the base that meets none of the headers held (checkUnheldRange)', () => {
  const range = (headers: readonly Header[]) =>
    decodeHeadersResponse(
      encodeHeadersResponse({ headNumber: HEAD.number, headTotalDifficulty: 1n, headers }),
    )
  const fault = (headers: readonly Header[], now = NOW): unknown => {
    try {
      checkUnheldRange(GENESIS.params, now, range(headers), 100n)
      return undefined
    } catch (err) {
      return err
    }
  }
  const held = CHAIN.slice(99, 120)
  const [first, ...rest] = held as [Header, ...Header[]]
  const last = held.at(-1) as Header

  test('one that keeps the header rules passes; a first header without its work, or a later one breaking a rule, is an invalid header', () => {
    expect(fault(held)).toBeUndefined()
    const noWork = fault([{ ...first, difficulty: 2n ** 200n }, ...rest])
    expect(noWork).toBeInstanceOf(Misbehaviour)
    expect((noWork as Misbehaviour).offence).toBe('invalid-block')
    expect((noWork as Error).message).toBe(
      'its chain meets none of the headers held (from #100), and its header #100 does not carry the work its difficulty asks',
    )
    const broken = fault([...held.slice(0, -1), { ...last, difficulty: last.difficulty + 1n }])
    expect((broken as Misbehaviour).offence).toBe('invalid-block')
    expect((broken as Error).message).toMatch(
      /^its chain meets none of the headers held \(from #100\), and its header #120 breaks the header rules: /,
    )
  })

  test('a header dated ahead of the clock ends the check without fault: it may be valid once its time comes', () => {
    const broken = [...held.slice(0, -1), { ...last, difficulty: last.difficulty + 1n }]
    expect(fault(broken, (held[5] as Header).timestamp - 60_000n)).toBeUndefined()
  })
})

describe('CheckpointConflicts: a conflict told once per peer, base, chain and outcome', () => {
  const range = (headers: readonly Header[], headNumber = HEAD.number) =>
    decodeHeadersResponse(encodeHeadersResponse({ headNumber, headTotalDifficulty: 1n, headers }))
  const held = CHAIN.slice(99, 120)
  const last = held.at(-1) as Header
  const broken = [...held.slice(0, -1), { ...last, difficulty: last.difficulty + 1n }]
  // Another chain's header #100 (another miner, sealed again).
  const other: Header = (() => {
    const template = { ...(held[0] as Header), miner: DEVNET_ACCOUNTS[9] as Header['miner'], nonce: 0n }
    for (let nonce = 0n; ; ) {
      const r = mineSlice(template, nonce, 1_000)
      if ('found' in r) return { ...template, nonce: r.found }
      nonce = r.next
    }
  })()

  test('the same again (its head grown) is not told; another peer, chain or outcome is, and a peer back after leaving is', () => {
    const told: CheckpointConflict[] = []
    const conflicts = new CheckpointConflicts((c) => told.push(c))
    const judge = (peerId: string, res: ReturnType<typeof range>, base = 100n): unknown => {
      try {
        conflicts.judge(peerId, GENESIS.params, NOW, res, base)
        return undefined
      } catch (err) {
        return err
      }
    }
    expect(judge('A', range(held))).toBeUndefined()
    expect(judge('A', range(held))).toBeUndefined()
    expect(judge('A', range(held, HEAD.number + 5n))).toBeUndefined()
    expect(told).toEqual([{ peerId: 'A', base: 100n, peerHead: HEAD.number, outcome: 'kept' }])
    judge('B', range(held))
    expect(told.at(-1)).toEqual({ peerId: 'B', base: 100n, peerHead: HEAD.number, outcome: 'kept' })
    // Another chain of the same peer's, kept as well.
    judge('A', range([other]))
    expect(told.at(-1)).toEqual({ peerId: 'A', base: 100n, peerHead: HEAD.number, outcome: 'kept' })
    judge('A', range([other]))
    expect(told).toHaveLength(3)
    // Its chain before again, penalised this time: told with why, and the peer's fault still thrown.
    expect(judge('A', range(broken))).toBeInstanceOf(Misbehaviour)
    expect(told.at(-1)).toMatchObject({ peerId: 'A', outcome: 'penalised', reason: expect.any(String) })
    expect(judge('A', range(broken))).toBeInstanceOf(Misbehaviour)
    expect(told).toHaveLength(4)
    // Kept again, then the same chain against another base.
    judge('A', range(held))
    expect(told).toHaveLength(5)
    judge('A', range(held), 99n)
    expect(told.at(-1)).toEqual({ peerId: 'A', base: 99n, peerHead: HEAD.number, outcome: 'kept' })
    judge('A', range(held), 99n)
    expect(told).toHaveLength(6)
    conflicts.drop('A')
    judge('A', range(held), 99n)
    expect(told).toHaveLength(7)
  })
})
