import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Client } from '../../../src/node/rpc/connect'
import { connect } from '../../../src/node/rpc/connect'
import { NodeError } from '../../../src/node/rpc/errors'
import {
  type MessageListener,
  type MethodName,
  type PortLike,
  RpcError,
  type RpcErrorType,
} from '../../../src/node/rpc/protocol'
import type { Server } from '../../../src/node/rpc/serve'
import { serve } from '../../../src/node/rpc/serve'

type BalanceErrorType =
  | { code: 'BALANCE_UNKNOWN_ACCOUNT'; account: string }
  | { code: 'BALANCE_TOO_LOW'; need: bigint; have: bigint }
class BalanceError extends NodeError<BalanceErrorType> {
  override name = 'BalanceError'
}

interface Events {
  block: { number: bigint }
  peer: string
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A small NodeApi-like object: sync and async methods, typed errors, other throws. */
function makeImpl() {
  const balances = new Map<string, bigint>([['alice', 10n]])
  const balance = (account: string): bigint => {
    const have = balances.get(account)
    if (have === undefined) throw new BalanceError({ code: 'BALANCE_UNKNOWN_ACCOUNT', account })
    return have
  }
  return {
    balance,
    async transfer(from: string, to: string, amount: bigint): Promise<bigint> {
      const have = balance(from)
      if (have < amount) throw new BalanceError({ code: 'BALANCE_TOO_LOW', need: amount, have })
      balances.set(from, have - amount)
      balances.set(to, (balances.get(to) ?? 0n) + amount)
      return have - amount
    },
    async delayed(ms: number, value: number): Promise<number> {
      await sleep(ms)
      return value
    },
    fail(thrown: unknown): never {
      throw thrown
    },
    hang: (): Promise<never> => new Promise(() => {}),
    callback: (): (() => void) => () => {},
  }
}
type Api = ReturnType<typeof makeImpl>

/** Rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<NodeError> {
  try {
    await promise
  } catch (e) {
    if (e instanceof NodeError) return e
    throw new Error(`rejected with a non-NodeError: ${String(e)}`)
  }
  throw new Error('resolved, expected a rejection')
}

const open: { close(): void }[] = []
afterEach(() => {
  for (const end of open.splice(0)) end.close()
})

function pair(timeoutMs?: number): {
  impl: Api
  server: Server<Events>
  client: Client<Api, Events>
  protocolErrors: unknown[]
} {
  const { port1, port2 } = new MessageChannel()
  const impl = makeImpl()
  const protocolErrors: unknown[] = []
  const server = serve<Api, Events>(port1, impl, {
    onProtocolError: (_e, message) => protocolErrors.push(message),
  })
  const client = connect<Api, Events>(port2, timeoutMs === undefined ? {} : { timeoutMs })
  open.push(server, client)
  return { impl, server, client, protocolErrors }
}

/** A server on one end of a channel and a raw port to post anything on the other; replies are collected. */
function raw<Impl extends object>(impl: Impl, methods?: readonly MethodName<Impl>[]) {
  const { port1, port2 } = new MessageChannel()
  const protocolErrors: unknown[] = []
  const protocolCodes = new Set<string>()
  const server = serve(port1, impl, {
    onProtocolError: (e, message) => {
      protocolCodes.add(e.type.code)
      protocolErrors.push(message)
    },
    ...(methods === undefined ? {} : { methods }),
  })
  const replies: unknown[] = []
  const waiters: (() => void)[] = []
  port2.addEventListener('message', (event) => {
    replies.push(event.data)
    for (const wake of waiters.splice(0)) wake()
  })
  port2.start()
  open.push(server, port2)
  const post = (message: unknown) => port2.postMessage(message)
  const until = async (count: number) => {
    while (replies.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  return { post, replies, until, protocolErrors, protocolCodes }
}

describe('rpc over a MessageChannel', () => {
  it('answers calls, sync and async, through api and call', async () => {
    const { client } = pair()
    expect(await client.api.balance('alice')).toBe(10n)
    expect(await client.api.transfer('alice', 'bob', 3n)).toBe(7n)
    expect(await client.call('balance', ['bob'])).toBe(3n)
    // Awaiting the proxy must not be mistaken for a remote `then` method.
    expect(Reflect.get(client.api, 'then')).toBeUndefined()
  })

  it('matches many concurrent calls that finish out of order', async () => {
    const { client } = pair()
    const finished: number[] = []
    const calls = Array.from({ length: 20 }, (_, i) =>
      client.api.delayed((20 - i) * 3, i).then((v) => {
        finished.push(v)
        return v
      }),
    )
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b))
  })

  it('carries a typed error with its code, bigint fields and name', async () => {
    const { client } = pair()
    const err = await rejection(client.api.transfer('alice', 'bob', 100n))
    expect(err).toBeInstanceOf(NodeError)
    expect(err.name).toBe('BalanceError')
    expect(err.type).toEqual({ code: 'BALANCE_TOO_LOW', need: 100n, have: 10n })
    expect(err.message).toBe('BALANCE_TOO_LOW (need=100, have=10)')
    const unknown = await rejection(client.api.balance('carol'))
    expect(unknown.type).toEqual({ code: 'BALANCE_UNKNOWN_ACCOUNT', account: 'carol' })
  })

  it('turns any other thrown value into INTERNAL with its message', async () => {
    const { client } = pair()
    const fromError = await rejection(client.api.fail(new TypeError('x is not a function')))
    expect(fromError.type).toEqual({ code: 'INTERNAL' })
    expect(fromError.message).toBe('x is not a function')
    expect((await rejection(client.api.fail('boom'))).message).toBe('boom')
    const unprintable = await rejection(client.api.fail(Object.create(null)))
    expect(unprintable.type.code).toBe('INTERNAL')
  })

  it('answers an unknown method, or a prototype name, with RPC_UNKNOWN_METHOD', async () => {
    const { client } = pair()
    const loose = client.api as unknown as Record<string, (...params: unknown[]) => Promise<unknown>>
    for (const method of ['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const call = loose[method]
      if (call === undefined) throw new Error('the proxy has every string method')
      const err = await rejection(call())
      expect(err.name).toBe('RpcError')
      expect(err.type).toEqual({ code: 'RPC_UNKNOWN_METHOD', method } satisfies RpcErrorType)
    }
    expect(await client.api.balance('alice')).toBe(10n)
  })

  it('calls prototype methods of a class instance only when they are listed', async () => {
    class Counter {
      count = 0
      increment(): number {
        this.count += 1
        return this.count
      }
      reset(): void {
        this.count = 0
      }
    }
    const listed = raw(new Counter(), ['increment'])
    listed.post({ id: 1, method: 'increment', params: [] })
    listed.post({ id: 2, method: 'reset', params: [] })
    listed.post({ id: 3, method: 'constructor', params: [] })
    await listed.until(3)
    expect(listed.replies).toEqual([
      { id: 1, ok: true, result: 1 },
      {
        id: 2,
        ok: false,
        error: expect.objectContaining({ type: { code: 'RPC_UNKNOWN_METHOD', method: 'reset' } }),
      },
      {
        id: 3,
        ok: false,
        error: expect.objectContaining({ type: { code: 'RPC_UNKNOWN_METHOD', method: 'constructor' } }),
      },
    ])
    const unlisted = raw(new Counter())
    unlisted.post({ id: 1, method: 'increment', params: [] })
    await unlisted.until(1)
    expect(unlisted.replies[0]).toMatchObject({ ok: false, error: { type: { code: 'RPC_UNKNOWN_METHOD' } } })
  })

  it('answers malformed messages with a typed error when they have an id, and keeps serving', async () => {
    const { post, replies, until, protocolErrors, protocolCodes } = raw(makeImpl())
    const noId = [
      null,
      'balance',
      42,
      [1, 2],
      { method: 'balance', params: [] },
      { id: {}, method: 'balance' },
    ]
    const badId = [
      { id: 1.5, method: 'balance', params: [] },
      { id: Number.NaN, method: 'balance', params: [] },
    ]
    // A response-shaped message must not be answered, or two servers on one pipe would ping-pong forever.
    const response = { id: 9, ok: true, result: 1 }
    for (const message of [...noId, ...badId, response]) post(message)
    post({ id: 'x' })
    post({ id: 1, method: 'balance', params: 'alice' })
    post({ id: 2, method: 7, params: [] })
    post({ id: 3, params: [] })
    post({ id: 4, method: '__proto__', params: [] })
    post({ id: 5, method: 'constructor', params: [] })
    post({ id: 6, method: 'balance', params: ['alice'] })
    await until(7)
    expect(replies[0]).toEqual({
      id: 'x',
      ok: false,
      error: {
        name: 'RpcError',
        message: 'the message is malformed: no method',
        type: { code: 'RPC_MALFORMED', reason: 'no method' },
      },
    })
    const errorType = (reply: unknown) => (reply as { error: { type: unknown } }).error.type
    expect(replies.slice(1, 6).map(errorType)).toEqual([
      { code: 'RPC_MALFORMED', reason: 'params not an array' },
      { code: 'RPC_MALFORMED', reason: 'no method' },
      { code: 'RPC_MALFORMED', reason: 'no method' },
      { code: 'RPC_UNKNOWN_METHOD', method: '__proto__' },
      { code: 'RPC_UNKNOWN_METHOD', method: 'constructor' },
    ])
    expect(replies.slice(1, 6).map((reply) => (reply as { id: unknown }).id)).toEqual([1, 2, 3, 4, 5])
    expect(replies[6]).toEqual({ id: 6, ok: true, result: 10n })
    expect(protocolErrors).toEqual([...noId, ...badId, response])
    expect([...protocolCodes]).toEqual(['RPC_MALFORMED'])
  })

  it('keeps answering a client after garbage on the same port', async () => {
    const { port1, port2 } = new MessageChannel()
    const protocolErrors: unknown[] = []
    const server = serve(port1, makeImpl(), {
      onProtocolError: (_e, message) => protocolErrors.push(message),
    })
    const client = connect<Api>(port2)
    open.push(server, client)
    port2.postMessage(null)
    port2.postMessage({ id: 'x', method: 'balance', params: 'alice' })
    expect(await client.api.balance('alice')).toBe(10n)
    expect(protocolErrors).toEqual([null])
  })

  it('rejects a call whose reply is malformed, and reports garbage sent to the client', async () => {
    const { port1, port2 } = new MessageChannel()
    const protocolErrors: unknown[] = []
    const client = connect<Api>(port2, { onProtocolError: (_e, message) => protocolErrors.push(message) })
    open.push(client, port1)
    port1.addEventListener('message', (event) => {
      const { id } = event.data as { id: number }
      port1.postMessage('garbage')
      port1.postMessage({ id: id + 100, ok: true, result: 1 })
      port1.postMessage({ id, ok: false, error: { code: 'not a serialized error' } })
    })
    port1.start()
    const err = await rejection(client.api.balance('alice'))
    expect(err.type).toEqual({ code: 'RPC_MALFORMED', reason: 'invalid response' })
    expect(protocolErrors).toEqual(['garbage'])
  })

  it('delivers events in order and stops after unsubscribe', async () => {
    const { server, client } = pair()
    const all: unknown[] = []
    const peers: string[] = []
    const stopAll = client.subscribe((event) => all.push(event))
    const stopPeers = client.on('peer', (peer) => peers.push(peer))
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) server.emit('peer', `p${i}`)
      else server.emit('block', { number: BigInt(i) })
    }
    // Replies travel on the same ordered port, so a round trip flushes every event emitted before it.
    await client.api.balance('alice')
    expect(all).toHaveLength(30)
    expect(all[0]).toEqual({ event: 'peer', data: 'p0' })
    expect(all[1]).toEqual({ event: 'block', data: { number: 1n } })
    expect(all[29]).toEqual({ event: 'block', data: { number: 29n } })
    expect(peers).toEqual(Array.from({ length: 10 }, (_, i) => `p${i * 3}`))
    stopPeers()
    server.emit('peer', 'late')
    await client.api.balance('alice')
    stopAll()
    server.emit('block', { number: 99n })
    await client.api.balance('alice')
    expect(all).toHaveLength(31)
    expect(all[30]).toEqual({ event: 'peer', data: 'late' })
    expect(peers).toHaveLength(10)
  })

  it('rejects pending and later calls with RPC_CLOSED on close', async () => {
    const { client } = pair()
    const pending = [client.api.hang(), client.api.hang(), client.api.delayed(5, 1)]
    client.close()
    const errors = await Promise.all(pending.map(rejection))
    expect(errors.map((e) => e.type)).toEqual([
      { code: 'RPC_CLOSED', method: 'hang' },
      { code: 'RPC_CLOSED', method: 'hang' },
      { code: 'RPC_CLOSED', method: 'delayed' },
    ])
    expect((await rejection(client.api.balance('alice'))).type).toEqual({
      code: 'RPC_CLOSED',
      method: 'balance',
    })
  })

  it('a far end that stops answering (a crashed worker) fails pending and later calls with RPC_LOST, once', async () => {
    // The other end answers its first ping, then nothing: a worker that died (out of memory) or hangs,
    // which says nothing.
    const { port1, port2 } = new MessageChannel()
    const lost: unknown[] = []
    let answerOnce = false
    port1.addEventListener('message', (event) => {
      const { ping } = event.data as { ping?: number }
      if (ping === undefined || !answerOnce) return
      answerOnce = false
      port1.postMessage({ pong: ping })
    })
    port1.start()
    const client = connect<Api>(port2, {
      liveness: { intervalMs: 10, misses: 3 },
      onLost: (err) => lost.push(err.type),
    })
    open.push(client, port1)
    const pending = [client.api.hang(), client.api.balance('alice')]
    // Not answered yet: starting, not lost.
    await sleep(60)
    expect(lost).toEqual([])
    answerOnce = true
    const errors = await Promise.all(pending.map(rejection))
    const reason = 'no answer to 3 pings 10 ms apart'
    expect(errors.map((e) => e.type)).toEqual([
      { code: 'RPC_LOST', method: 'hang', reason },
      { code: 'RPC_LOST', method: 'balance', reason },
    ])
    expect((await rejection(client.api.balance('alice'))).type).toEqual({
      code: 'RPC_LOST',
      method: 'balance',
      reason,
    })
    await sleep(50)
    expect(lost).toEqual([{ code: 'RPC_LOST', method: '', reason }])
  })

  it('a far end busy with a long call still answers its pings: not lost', async () => {
    const { port1, port2 } = new MessageChannel()
    const server = serve(port1, makeImpl())
    const lost: unknown[] = []
    const client = connect<Api>(port2, {
      liveness: { intervalMs: 10, misses: 3 },
      onLost: (err) => lost.push(err.type),
    })
    open.push(server, client)
    expect(await client.api.delayed(200, 7)).toBe(7)
    expect(lost).toEqual([])
  })

  it.each([
    ['the far end closing its port', 'the port closed', (server: { close(): void }) => server.close()],
    [
      '`lose`: the far end taken for lost from outside the port (twice: told once)',
      'its worker ended',
      (_server: unknown, client: { lose(reason: string): void }) => {
        client.lose('its worker ended')
        client.lose('again')
      },
    ],
  ])('%s fails pending and later calls with RPC_LOST, and tells onLost once', async (_name, reason, end) => {
    const { port1, port2 } = new MessageChannel()
    const server = serve(port1, makeImpl())
    const lost: unknown[] = []
    const client = connect<Api>(port2, { onLost: (err) => lost.push(err.type) })
    open.push(client)
    const pending = client.api.hang()
    expect(await client.api.balance('alice')).toBe(10n)
    end(server, client)
    expect((await rejection(pending)).type).toEqual({ code: 'RPC_LOST', method: 'hang', reason })
    expect((await rejection(client.api.balance('alice'))).type).toEqual({
      code: 'RPC_LOST',
      method: 'balance',
      reason,
    })
    expect(lost).toEqual([{ code: 'RPC_LOST', method: '', reason }])
  })

  it('lose after close changes nothing: calls stay closed, onLost is not told', async () => {
    const { port1, port2 } = new MessageChannel()
    serve(port1, makeImpl())
    const lost: unknown[] = []
    const client = connect<Api>(port2, { onLost: (err) => lost.push(err.type) })
    client.close()
    client.lose('its worker ended')
    expect((await rejection(client.api.balance('alice'))).type).toEqual({
      code: 'RPC_CLOSED',
      method: 'balance',
    })
    expect(lost).toEqual([])
  })

  it('times out per call and by default, and ignores the late reply', async () => {
    const { client } = pair(40)
    expect((await rejection(client.api.hang())).type).toEqual({
      code: 'RPC_TIMEOUT',
      method: 'hang',
      timeoutMs: 40,
    })
    const late = await rejection(client.call('delayed', [60, 1], { timeoutMs: 10 }))
    expect(late.type).toEqual({ code: 'RPC_TIMEOUT', method: 'delayed', timeoutMs: 10 })
    expect(await client.call('delayed', [1, 2], { timeoutMs: 1000 })).toBe(2)
    await sleep(70)
    expect(await client.api.balance('alice')).toBe(10n)
  })

  it('answers RPC_DATA_CLONE when a result or params cannot be cloned', async () => {
    const { client } = pair()
    expect((await rejection(client.api.callback())).type.code).toBe('RPC_DATA_CLONE')
    expect((await rejection(client.call('fail', [() => {}]))).type.code).toBe('RPC_DATA_CLONE')
    expect(await client.api.balance('alice')).toBe(10n)
  })

  it("an RPC failure reads as a sentence and crosses the port with its type: the page's 'The node stopped' shows the lost one as it is", async () => {
    const types: RpcErrorType[] = [
      { code: 'RPC_UNKNOWN_METHOD', method: 'nope' },
      { code: 'RPC_MALFORMED', reason: 'no method' },
      { code: 'RPC_TIMEOUT', method: 'head', timeoutMs: 30_000 },
      { code: 'RPC_CLOSED', method: 'head' },
      { code: 'RPC_LOST', method: 'head', reason: 'the port closed' },
      { code: 'RPC_LOST', method: '', reason: 'the port closed' },
      { code: 'RPC_DATA_CLONE', reason: 'function could not be cloned' },
    ]
    for (const type of types) {
      const err = new RpcError(type)
      expect(err.message, type.code).not.toMatch(/[A-Z]{2,}_[A-Z_]+|\(\w+=/)
      expect(err.type).toBe(type)
    }
    expect(new RpcError({ code: 'RPC_TIMEOUT', method: 'head', timeoutMs: 30_000 }).message).toBe(
      'head got no answer within 30 s',
    )

    // Served: the sentence and the type come back across the port.
    const { client } = pair()
    const loose = client.api as unknown as Record<string, () => Promise<unknown>>
    const unknown = await rejection((loose.nope as () => Promise<unknown>)())
    expect([unknown.name, unknown.message, unknown.type]).toEqual([
      'RpcError',
      'there is no method nope',
      { code: 'RPC_UNKNOWN_METHOD', method: 'nope' },
    ])
    const late = await rejection(client.call('delayed', [60, 1], { timeoutMs: 10 }))
    expect(late.message).toBe('delayed got no answer within 10 ms')

    // Lost: what the page's onLost gets (boot puts its message on the failed screen), and a pending call.
    const { port1, port2 } = new MessageChannel()
    const server = serve(port1, makeImpl())
    const lost: string[] = []
    const far = connect<Api>(port2, { onLost: (err) => lost.push(err.message) })
    open.push(far)
    const pending = far.api.hang()
    expect(await far.api.balance('alice')).toBe(10n)
    server.close()
    expect((await rejection(pending)).message).toBe(
      'the connection was lost before hang was answered: the port closed',
    )
    expect(lost).toEqual(['the connection was lost: the port closed'])
  })

  it('behaves the same in-process as across the port', async () => {
    const { impl, client } = pair()
    const local = makeImpl()
    expect(await local.transfer('alice', 'bob', 4n)).toBe(await client.api.transfer('alice', 'bob', 4n))
    expect(local.balance('bob')).toBe(await client.api.balance('bob'))
    const inProcess = await rejection(local.transfer('bob', 'alice', 50n))
    const remote = await rejection(client.api.transfer('bob', 'alice', 50n))
    expect(inProcess).toBeInstanceOf(BalanceError)
    expect([remote.name, remote.message, remote.type]).toEqual([
      inProcess.name,
      inProcess.message,
      inProcess.type,
    ])
    // The served object is the very one the server calls: its state moved with the remote transfer.
    expect(impl.balance('alice')).toBe(6n)
  })
})

describe('rpc: odd messages and odd ends', () => {
  it('a data property of the served object is not a method: RPC_UNKNOWN_METHOD, not a failed call', async () => {
    const { post, replies, until } = raw({ ...makeImpl(), limit: 5 })
    post({ id: 1, method: 'limit', params: [] })
    post({ id: 2, method: 'balance', params: ['alice'] })
    await until(2)
    expect(replies).toEqual([
      {
        id: 1,
        ok: false,
        error: {
          name: 'RpcError',
          message: 'there is no method limit',
          type: { code: 'RPC_UNKNOWN_METHOD', method: 'limit' },
        },
      },
      { id: 2, ok: true, result: 10n },
    ])
  })

  it('only a ping with an integer and no id is answered with a pong; a request carrying `ping` is answered as a request', async () => {
    const { post, replies, until, protocolErrors } = raw(makeImpl())
    const notPings = [{ ping: 'x' }, { ping: 1.5 }, { ping: null }]
    for (const message of notPings) post(message)
    post({ ping: 7 })
    post({ id: 1, ping: 8, method: 'balance', params: ['alice'] })
    await until(2)
    expect(replies).toEqual([{ pong: 7 }, { id: 1, ok: true, result: 10n }])
    expect(protocolErrors).toEqual(notPings)
  })

  it('a closed server answers nothing more, not even a call that was in flight, on a port that cannot close', async () => {
    const sent: unknown[] = []
    let deliver: MessageListener = () => {}
    const port: PortLike = {
      postMessage: (message) => sent.push(message),
      addEventListener: (type: 'message' | 'close', listener: MessageListener | (() => void)) => {
        if (type === 'message') deliver = listener as MessageListener
      },
    }
    let finish: (value: number) => void = () => {}
    const server = serve<{ slow: () => Promise<number> }, { late: number }>(port, {
      slow: () => new Promise<number>((resolve) => (finish = resolve)),
    })
    deliver({ data: { id: 1, method: 'slow', params: [] } })
    server.close()
    finish(1)
    deliver({ data: { id: 2, method: 'slow', params: [] } })
    deliver({ data: { ping: 3 } })
    server.emit('late', 1)
    await sleep(0)
    expect(sent).toEqual([])
  })
})

describe('rpc: what the client makes of odd replies', () => {
  /** A client whose far end answers each call with `answer(id)` (a raw port, no server). */
  function answering(answer: (id: number) => unknown) {
    const { port1, port2 } = new MessageChannel()
    const client = connect<Api, Events>(port2)
    open.push(client, port1)
    port1.addEventListener('message', (event) => {
      port1.postMessage(answer((event.data as { id: number }).id))
    })
    port1.start()
    return client
  }

  it.each([
    ['a null type', { name: 'E', message: 'm', type: null }],
    ['a code that is not text', { name: 'E', message: 'm', type: { code: 5 } }],
    ['a message that is not text', { name: 'E', message: 5, type: { code: 'X' } }],
    ['no name', { message: 'm', type: { code: 'X' } }],
  ])(
    'an error reply with %s rejects the call RPC_MALFORMED; the client keeps working',
    async (_name, error) => {
      let bad = true
      const client = answering((id) => {
        const reply = bad ? { id, ok: false, error } : { id, ok: true, result: 1 }
        bad = false
        return reply
      })
      expect((await rejection(client.api.balance('alice'))).type).toEqual({
        code: 'RPC_MALFORMED',
        reason: 'invalid response',
      })
      expect(await client.api.balance('alice')).toBe(1)
    },
  )

  it.each([
    ['an event', { event: 'peer', data: 'x' }],
    ['a pong', { pong: 1 }],
  ])('a reply that also names %s answers its call; it is not taken for one', async (_name, extra) => {
    const client = answering((id) => ({ id, ok: true, result: 3, ...extra }))
    const events: unknown[] = []
    client.subscribe((event) => events.push(event))
    expect(await client.api.balance('alice')).toBe(3)
    expect(events).toEqual([])
  })

  it('a listener that throws does not keep the event from the others; its error is rethrown on a task of its own', async () => {
    const { server, client } = pair()
    const thrown = new Error('listener bug')
    // Every timer still runs; only the listener's error, rethrown by one, is caught here rather than
    // reaching the test runner's global handler.
    const rethrown: unknown[] = []
    const original = globalThis.setTimeout
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) =>
      original(() => {
        try {
          fn()
        } catch (e) {
          if (e !== thrown) throw e
          rethrown.push(e)
        }
      }, ms)) as typeof setTimeout)
    const seen: string[] = []
    try {
      client.on('peer', () => {
        throw thrown
      })
      client.on('peer', (peer) => seen.push(peer))
      server.emit('peer', 'p1')
      server.emit('peer', 'p2')
      await client.api.balance('alice')
      expect(seen).toEqual(['p1', 'p2'])
      await expect.poll(() => rethrown).toEqual([thrown, thrown])
    } finally {
      spy.mockRestore()
    }
  })

  it('an error with only a code reads as the code, with no empty brackets', () => {
    expect(new NodeError({ code: 'STORAGE_CLOSED' }).message).toBe('STORAGE_CLOSED')
    expect(new NodeError({ code: 'X', at: 1n }).message).toBe('X (at=1)')
  })
})
