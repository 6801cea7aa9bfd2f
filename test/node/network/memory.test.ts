import { afterEach, describe, expect, test, vi } from 'vitest'
import { NetError } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_EXCHANGE_BYTES,
  MAX_GOSSIP_BYTES,
} from '../../../src/node/network/protocol'
import { NodeError } from '../../../src/node/rpc/errors'

/**
 * The in-memory network twin fails a request the way the page's libp2p host does, and its errors reach
 * the caller as they reach the worker across the page's port: NodeErrors named for their class.
 */
describe('memory network twin', () => {
  test("a request the server fails reaches the asker as NET_REQUEST_FAILED with the server's reason and typed error", async () => {
    const hub = memoryHub()
    const a = hub.join('A')
    const b = hub.join('B')
    await b.api.handle('/p/1')
    await b.attach({
      gossip: async () => 'ignore',
      request: async () => {
        throw new NodeError({ code: 'NODE_BAD_REQUEST', protocol: '/p/1', reason: 'no body' }, 'bad request')
      },
      networkChanged: async () => {},
    })
    const failed = await a.api.request('B', '/p/1', new Uint8Array([1])).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(NodeError)
    expect(failed).not.toBeInstanceOf(NetError)
    expect((failed as NodeError).name).toBe('NetError')
    expect((failed as NodeError).type).toEqual({
      code: 'NET_REQUEST_FAILED',
      peerId: 'B',
      protocol: '/p/1',
      reason: 'bad request',
      remote: { code: 'NODE_BAD_REQUEST', protocol: '/p/1', reason: 'no body' },
    })
  })

  test('an oversized gossip message, request or response is refused with NET_MESSAGE_TOO_LARGE, as the host refuses it', async () => {
    const hub = memoryHub()
    const a = hub.join('A')
    const b = hub.join('B')
    let delivered = 0
    await b.api.subscribe('t')
    await b.api.handle('/big/1')
    await b.attach({
      gossip: async () => {
        delivered++
        return 'accept'
      },
      request: async () => new Uint8Array(MAX_EXCHANGE_BYTES + 1),
      networkChanged: async () => {},
    })
    const typeOf = (err: unknown) => (err instanceof NodeError ? err.type : err)
    expect(await a.api.publish('t', new Uint8Array(MAX_GOSSIP_BYTES + 1)).catch(typeOf)).toEqual({
      code: 'NET_MESSAGE_TOO_LARGE',
      size: MAX_GOSSIP_BYTES + 1,
      max: MAX_GOSSIP_BYTES,
    })
    expect(delivered).toBe(0)
    const tooLarge = { code: 'NET_MESSAGE_TOO_LARGE', size: MAX_EXCHANGE_BYTES + 1, max: MAX_EXCHANGE_BYTES }
    expect(await a.api.request('B', '/big/1', new Uint8Array(MAX_EXCHANGE_BYTES + 1)).catch(typeOf)).toEqual(
      tooLarge,
    )
    // The request fits; the answer does not.
    expect(await a.api.request('B', '/big/1', new Uint8Array(1)).catch(typeOf)).toEqual(tooLarge)
    // At the limit, both pass.
    expect((await a.api.publish('t', new Uint8Array(MAX_GOSSIP_BYTES))).recipients).toBe(1)
  })

  describe('a server that takes a request and never answers', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    /** A hub where B handles `/p/1` and answers a request only when the test calls `answer`. */
    async function silentServer() {
      const hub = memoryHub()
      const a = hub.join('A')
      const b = hub.join('B')
      let answer = (): void => {}
      await b.api.handle('/p/1')
      await b.attach({
        gossip: async () => 'ignore',
        request: () =>
          new Promise<Uint8Array>((resolve) => {
            answer = () => resolve(new Uint8Array([7]))
          }),
        networkChanged: async () => {},
      })
      return { a, answer: () => answer() }
    }

    test("fails the request with NET_TIMEOUT once the caller's timeout passed, as the page's host does; a late answer comes to nothing", async () => {
      vi.useFakeTimers()
      const { a, answer } = await silentServer()
      let settled = false
      const failed = a.api.request('B', '/p/1', new Uint8Array([1]), 3_000).then(
        () => null,
        (e: unknown) => e,
      )
      void failed.then(() => {
        settled = true
      })
      await vi.advanceTimersByTimeAsync(2_999)
      expect(settled).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      const err = await failed
      expect(err).toBeInstanceOf(NodeError)
      expect((err as NodeError).name).toBe('NetError')
      expect((err as NodeError).type).toEqual({
        code: 'NET_TIMEOUT',
        peerId: 'B',
        protocol: '/p/1',
        timeoutMs: 3_000,
      })
      expect((err as NodeError).message).toBe('B did not answer /p/1 within 3 s')
      answer()
      await vi.runAllTimersAsync()
    })

    test("waits the host's default timeout when the caller names none, and leaves no timer behind an answer", async () => {
      vi.useFakeTimers()
      const { a, answer } = await silentServer()
      const failed = a.api.request('B', '/p/1', new Uint8Array([1])).catch((e: unknown) => e)
      await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS)
      expect(await failed).toMatchObject({ type: { code: 'NET_TIMEOUT', timeoutMs: 10_000 } })
      const answered = a.api.request('B', '/p/1', new Uint8Array([1]), 3_000)
      await vi.advanceTimersByTimeAsync(1_000)
      answer()
      expect(await answered).toEqual(new Uint8Array([7]))
      expect(vi.getTimerCount()).toBe(0)
    })
  })
})
