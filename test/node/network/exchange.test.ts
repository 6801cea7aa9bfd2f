import type { Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  decodeReply,
  ExchangeFailed,
  ExchangeSession,
  encodeReply,
  failureOf,
  type Reply,
  SERVE_AHEAD,
  serveExchanges,
} from '../../../src/node/network/exchange'
import { SyncError } from '../../../src/node/sync/errors'
import { FUZZ_RUNS, mutationOf } from '../../fuzz-decoder'

const MAX = 1024
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (data: Uint8Array): string => new TextDecoder().decode(data)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * A session over a real libp2p stream pair whose far end runs `serveExchanges` with `answer`; `served`
 * settles when the serving loop ends.
 */
async function session(answer: (request: Uint8Array) => Promise<Uint8Array>, maxBytes = MAX) {
  const [outbound, inbound] = await streamPair()
  const served = serveExchanges(inbound, answer, maxBytes)
  return { client: new ExchangeSession(outbound, maxBytes), outbound, inbound, served }
}

/** Answers "ping:<x>" with "pong:<x>", the later the shorter x is (replies must still come in order). */
const pong = async (request: Uint8Array): Promise<Uint8Array> => {
  const x = text(request).slice('ping:'.length)
  await sleep(Math.max(0, 20 - x.length * 5))
  return bytes(`pong:${x}`)
}

describe('reply frames', () => {
  test('an answer and a failure round-trip', () => {
    expect(decodeReply(encodeReply({ answer: bytes('abc') }))).toEqual({ answer: bytes('abc') })
    expect(decodeReply(encodeReply({ answer: new Uint8Array() }))).toEqual({ answer: new Uint8Array() })
    const failed = { reason: 'rate limited' }
    expect(decodeReply(encodeReply({ failure: failed }))).toEqual({ failure: failed })
    const typed = { reason: 'SYNC_RATE_LIMITED (…)', error: { code: 'SYNC_RATE_LIMITED', retryInMs: 26 } }
    expect(decodeReply(encodeReply({ failure: typed }))).toEqual({ failure: typed })
  })

  test('a failure travels with its typed error’s plain fields; what is not one stays behind', () => {
    const err = new SyncError({ code: 'SYNC_NOT_HELD', what: 'headers', from: 12n })
    expect(failureOf(err)).toEqual({
      reason: err.message,
      error: { code: 'SYNC_NOT_HELD', what: 'headers', from: '12' },
    })
    expect(failureOf(new Error('plain'))).toEqual({ reason: 'plain' })
    expect(failureOf('thrown text')).toEqual({ reason: 'thrown text' })
    const failed = (body: string): Reply => decodeReply(Uint8Array.of(1, ...bytes(body)))
    // A peer of an older version sends its reason as text.
    expect(failed('SYNC_RATE_LIMITED (peerId=x, retryInMs=26)')).toEqual({
      failure: { reason: 'SYNC_RATE_LIMITED (peerId=x, retryInMs=26)' },
    })
    expect(failed('{"reason":7}')).toEqual({ failure: { reason: '{"reason":7}' } })
    // An error without a string code is none; fields that are not plain values are dropped.
    expect(failed('{"reason":"r","error":{"code":5}}')).toEqual({ failure: { reason: 'r' } })
    expect(failed('{"reason":"r","error":[1]}')).toEqual({ failure: { reason: 'r' } })
    expect(failed('{"reason":"r","error":{"code":"C","n":1,"o":{"x":1},"l":[2],"z":null}}')).toEqual({
      failure: { reason: 'r', error: { code: 'C', n: 1 } },
    })
  })

  test('a frame of neither kind is refused', () => {
    expect(() => decodeReply(Uint8Array.of(7, 1, 2))).toThrow(/not a reply frame \(first byte 7\)/)
    expect(() => decodeReply(new Uint8Array())).toThrow(/first byte missing/)
  })

  test('fuzz: any bytes, and any mutation of a frame, are an answer (the bytes after the first), a failure, or refused', () => {
    const valid = [
      encodeReply({ answer: bytes('abc') }),
      encodeReply({ answer: new Uint8Array() }),
      encodeReply({ failure: { reason: 'rate limited' } }),
      encodeReply({ failure: { reason: 'r', error: { code: 'SYNC_RATE_LIMITED', retryInMs: 26 } } }),
    ]
    const check = (frame: Uint8Array): void => {
      const before = frame.slice()
      let reply: Reply
      try {
        reply = decodeReply(frame)
      } catch (err) {
        // exchange.ts has no typed error: a frame of neither kind is this plain Error, which ends the session.
        if (!(err instanceof Error) || err.constructor !== Error || !/^not a reply frame/.test(err.message))
          throw err
        expect(frame[0] === 0 || frame[0] === 1).toBe(false)
        return
      }
      expect(frame).toEqual(before)
      if (frame[0] === 0) expect(reply).toEqual({ answer: frame.subarray(1) })
      else {
        expect(frame[0] === 1 && 'failure' in reply && typeof reply.failure.reason === 'string').toBe(true)
        const error = 'failure' in reply ? reply.failure.error : undefined
        if (error !== undefined) {
          expect(typeof error.code).toBe('string')
          for (const v of Object.values(error)) expect(['string', 'number', 'boolean']).toContain(typeof v)
        }
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600, size: 'max' }), check), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(mutationOf(valid), check), { numRuns: FUZZ_RUNS })
  })
})

describe('exchange sessions', () => {
  test('exchanges in flight together on one stream each get their own reply', async () => {
    const { client } = await session(pong)
    const asked = ['a', 'bb', 'ccc', 'dddd'].map((x) => client.exchange(bytes(`ping:${x}`)))
    expect((await Promise.all(asked)).map(text)).toEqual(['pong:a', 'pong:bb', 'pong:ccc', 'pong:dddd'])
    // Later exchanges reuse the same stream.
    expect(text(await client.exchange(bytes('ping:e')))).toBe('pong:e')
    expect(client.open).toBe(true)
  })

  test('a request the server fails rejects with its reason; the session goes on', async () => {
    const { client } = await session(async (request) => {
      if (text(request) === 'bad') throw new Error('NODE_BAD_REQUEST: status takes no body')
      return pong(request)
    })
    const [bad, good] = await Promise.allSettled([
      client.exchange(bytes('bad')),
      client.exchange(bytes('ping:x')),
    ])
    expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(ExchangeFailed)
    expect(bad.status === 'rejected' && (bad.reason as Error).message).toBe(
      'NODE_BAD_REQUEST: status takes no body',
    )
    expect(good.status === 'fulfilled' && text(good.value)).toBe('pong:x')
    expect(client.open).toBe(true)
  })

  test('a request the server fails with a typed error rejects with that error’s type', async () => {
    const refusal = new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: 'P', retryInMs: 26 })
    const { client } = await session(async () => {
      throw refusal
    })
    const failed = await client.exchange(bytes('ping:x')).catch((err: unknown) => err)
    expect(failed).toBeInstanceOf(ExchangeFailed)
    expect(failed).toMatchObject({ message: refusal.message, type: refusal.type })
  })

  test('an exchange given up on ends the session: its reply is never handed to the one behind it', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((r) => {
      release = r
    })
    const stuck = async (request: Uint8Array): Promise<Uint8Array> => {
      if (text(request) === 'ping:slow') await held
      return pong(request)
    }
    const { client, served } = await session(stuck)
    const slow = client.exchange(bytes('ping:slow'), { signal: AbortSignal.timeout(30) })
    const next = client.exchange(bytes('ping:next'))
    await expect(slow).rejects.toThrow()
    await expect(next).rejects.toThrow()
    expect(client.open).toBe(false)
    // A fresh session (what the host opens next) is answered while the old stream's answer is still stuck.
    const fresh = await session(stuck)
    expect(text(await fresh.client.exchange(bytes('ping:after')))).toBe('pong:after')
    release()
    await served
  })

  test('an already aborted signal sends nothing', async () => {
    const seen: string[] = []
    const { client } = await session(async (request) => {
      seen.push(text(request))
      return pong(request)
    })
    const controller = new AbortController()
    controller.abort(new Error('gone'))
    await expect(client.exchange(bytes('ping:x'), { signal: controller.signal })).rejects.toThrow('gone')
    expect(text(await client.exchange(bytes('ping:y')))).toBe('pong:y')
    expect(seen).toEqual(['ping:y'])
  })

  test('a stream that breaks rejects every waiting exchange and ends the session', async () => {
    const { client, inbound } = await session(async () => new Promise<Uint8Array>(() => {}))
    const waiting = [client.exchange(bytes('ping:a')), client.exchange(bytes('ping:b'))]
    await sleep(10)
    inbound.abort(new Error('peer went away'))
    for (const w of waiting) await expect(w).rejects.toThrow()
    expect(client.open).toBe(false)
    await expect(client.exchange(bytes('ping:c'))).rejects.toThrow()
  })

  test('a reply that is not a reply frame ends the session', async () => {
    const [outbound, inbound] = await streamPair()
    const client = new ExchangeSession(outbound, MAX)
    const far = lpStream(inbound)
    const asked = client.exchange(bytes('ping:a'))
    await far.read()
    await far.write(Uint8Array.of(9, 9))
    await expect(asked).rejects.toThrow(/not a reply frame/)
    expect(client.open).toBe(false)
  })

  test('a reply nobody asked for ends the session', async () => {
    const [outbound, inbound] = await streamPair()
    const client = new ExchangeSession(outbound, MAX)
    await lpStream(inbound).write(encodeReply({ answer: bytes('unasked') }))
    await expect.poll(() => client.open).toBe(false)
    await expect(client.exchange(bytes('ping:a'))).rejects.toThrow(/a reply to no request/)
  })
})

describe('serving exchanges', () => {
  test('a request larger than the limit breaks the stream instead of being read', async () => {
    const answered: string[] = []
    const { client, served } = await session(async (request) => {
      answered.push(text(request))
      return request
    }, 16)
    await expect(client.exchange(new Uint8Array(64))).rejects.toThrow()
    await served
    expect(answered).toEqual([])
    expect(client.open).toBe(false)
  })

  test('the asker closing its side ends the serving loop once every request has its reply', async () => {
    const { client, outbound, inbound, served } = await session(pong)
    const replies = Promise.all(['a', 'b'].map((x) => client.exchange(bytes(`ping:${x}`))))
    const closing = outbound.close()
    await served
    expect((await replies).map(text)).toEqual(['pong:a', 'pong:b'])
    await closing
    expect(inbound.writeStatus).not.toBe('writable')
  })

  test('requests are answered ahead of the replies being written, at most SERVE_AHEAD at once', async () => {
    let answering = 0
    let most = 0
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const { client } = await session(async (request) => {
      answering++
      most = Math.max(most, answering)
      await gate
      answering--
      return pong(request)
    })
    const asked = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => client.exchange(bytes(`ping:${x}`)))
    // The first SERVE_AHEAD requests are all being answered while none of their replies is written…
    await expect.poll(() => answering).toBe(SERVE_AHEAD)
    await sleep(30)
    // …and the rest wait for a slot: a stream never holds more than that many answers in memory.
    expect(most).toBe(SERVE_AHEAD)
    release()
    expect((await Promise.all(asked)).map(text)).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `pong:${x}`),
    )
  })

  test('a server whose far end vanished stops without throwing', async () => {
    const [outbound, inbound]: Stream[] = await streamPair()
    const served = serveExchanges(inbound, pong, MAX)
    outbound.abort(new Error('tab closed'))
    await expect(served).resolves.toBeUndefined()
  })
})
