import { isSerializedError, messageOf, NodeError } from './errors'
import type {
  EventOf,
  MessageListener,
  MethodName,
  Params,
  PortLike,
  ProtocolErrorHandler,
  Remote,
  Result,
  RpcEvent,
  RpcRequest,
} from './protocol'
import { malformed, RpcError } from './protocol'

export interface CallOptions {
  /** Reject with `RPC_TIMEOUT` if no reply comes within this many milliseconds. */
  readonly timeoutMs?: number
}

export interface ConnectOptions extends CallOptions {
  readonly onProtocolError?: ProtocolErrorHandler
  /**
   * Checks that the far end's thread is alive: a ping every `intervalMs`, which `serve` answers itself
   * (however long its calls take). After `misses` pings in a row with nothing at all heard back, the far
   * end is lost (`RPC_LOST`); one that has not answered yet is still starting, not lost (a worker's
   * start reports its own failure). Counted in pings, not time: a page whose timers were throttled or frozen
   * with its worker sees one ping go unanswered as it wakes, not a lost worker. No per-call timeout does
   * this job: some calls (mining, a sync) rightly take long, and a crashed worker says nothing — in
   * Chromium an out-of-memory worker fires no `error` event and its ports no `close`.
   */
  readonly liveness?: { readonly intervalMs: number; readonly misses: number }
  /**
   * Told once when the far end is lost (its port closed, or `liveness` found it silent), after pending
   * calls were rejected with `RPC_LOST`; later calls reject with it too. Not told on `close()`.
   */
  readonly onLost?: (error: RpcError) => void
}

export interface Client<Api, Events> {
  /** The served object's methods; each returns a Promise and rejects with a rebuilt NodeError. */
  readonly api: Remote<Api>
  /** Like `api[method](...params)`, with options for this one call (they override the connect options). */
  call<K extends MethodName<Api>>(
    method: K,
    params: Params<Api[K]>,
    opts?: CallOptions,
  ): Promise<Result<Api[K]>>
  /** Listens to one event; returns the function that stops listening. */
  on<K extends keyof Events & string>(event: K, listener: (data: Events[K]) => void): () => void
  /** Listens to every event, in the order they were emitted; returns the function that stops listening. */
  subscribe(listener: (event: EventOf<Events>) => void): () => void
  /** Rejects pending calls with `RPC_CLOSED`, drops listeners and closes the port. Later calls reject too. */
  close(): void
  /**
   * Takes the far end for lost, as `liveness` does when it finds it silent, for a `reason` seen outside
   * the port (its worker ended): pending and later calls reject with `RPC_LOST`, `onLost` is told.
   * Nothing happens after `close()` or an earlier loss.
   */
  lose(reason: string): void
}

interface Pending {
  readonly method: string
  readonly resolve: (result: unknown) => void
  readonly reject: (error: NodeError) => void
  readonly timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Calls an object served with `serve` on the other end of `port`. Replies are matched by id, so concurrent
 * calls may finish in any order. Listener exceptions are rethrown on a fresh task, as EventTarget does, so
 * they reach the global error handler without stopping delivery to the other listeners.
 */
export function connect<Api extends object, Events = Record<never, never>>(
  port: PortLike,
  opts: ConnectOptions = {},
): Client<Api, Events> {
  const pending = new Map<number, Pending>()
  const listeners = new Set<(event: RpcEvent) => void>()
  let nextId = 0
  let closed = false
  /** Why the far end was lost; undefined while it is there, or after our own `close()`. */
  let lostReason: string | undefined
  /** Whether anything came from the far end since the last ping, and ever. */
  let heard = false
  let answered = false
  let misses = 0
  let pings = 0
  let liveness: ReturnType<typeof setInterval> | undefined
  const stopped = (method: string): RpcError =>
    lostReason === undefined
      ? new RpcError({ code: 'RPC_CLOSED', method })
      : new RpcError({ code: 'RPC_LOST', method, reason: lostReason })

  const settle = (id: number): Pending | undefined => {
    const entry = pending.get(id)
    pending.delete(id)
    clearTimeout(entry?.timer)
    return entry
  }

  const invoke = (method: string, params: readonly unknown[], callOpts: CallOptions = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(stopped(method))
      const id = nextId++
      const timeoutMs = callOpts.timeoutMs ?? opts.timeoutMs
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              settle(id)
              reject(new RpcError({ code: 'RPC_TIMEOUT', method, timeoutMs }))
            }, timeoutMs)
      pending.set(id, { method, resolve, reject, timer })
      try {
        const request: RpcRequest = { id, method, params }
        port.postMessage(request)
      } catch (e) {
        settle(id)
        reject(new RpcError({ code: 'RPC_DATA_CLONE', reason: messageOf(e) }))
      }
    })

  const dispatch = (event: RpcEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event)
      } catch (e) {
        setTimeout(() => {
          throw e
        })
      }
    }
  }

  const onMessage: MessageListener = ({ data }) => {
    if (closed) return
    heard = true
    answered = true
    if (typeof data === 'object' && data !== null) {
      if ('pong' in data && !('id' in data)) return
      if ('event' in data && typeof data.event === 'string' && !('id' in data)) {
        return dispatch({ event: data.event, data: 'data' in data ? data.data : undefined })
      }
      if ('id' in data && typeof data.id === 'number' && 'ok' in data) {
        // An unknown id is a reply that arrived after its call timed out: nothing left to tell.
        const entry = settle(data.id)
        if (entry === undefined) return
        if (data.ok === true) return entry.resolve('result' in data ? data.result : undefined)
        if ('error' in data && isSerializedError(data.error))
          return entry.reject(NodeError.fromObject(data.error))
        return entry.reject(malformed('invalid response'))
      }
    }
    opts.onProtocolError?.(malformed('not a response or an event'), data)
  }
  port.addEventListener('message', onMessage)
  port.start?.()

  /** Stops for good: pending and later calls reject (`RPC_CLOSED`, or `RPC_LOST` with `lost`). */
  const stop = (lost?: string): void => {
    if (closed) return
    closed = true
    lostReason = lost
    clearInterval(liveness)
    port.removeEventListener?.('message', onMessage)
    port.close?.()
    for (const id of [...pending.keys()]) {
      const entry = settle(id)
      entry?.reject(stopped(entry.method))
    }
    listeners.clear()
    if (lost !== undefined) opts.onLost?.(new RpcError({ code: 'RPC_LOST', method: '', reason: lost }))
  }
  port.addEventListener('close', () => stop('the port closed'))
  const { liveness: beat } = opts
  if (beat !== undefined) {
    const ping = (): void => port.postMessage({ ping: pings++ })
    liveness = setInterval(() => {
      misses = heard || !answered ? 0 : misses + 1
      heard = false
      if (misses >= beat.misses) stop(`no answer to ${misses} pings ${beat.intervalMs} ms apart`)
      else ping()
    }, beat.intervalMs)
    ping()
  }

  // The casts below are the trust boundary: the served side is typed with the same Api and Events.
  const call = <K extends MethodName<Api>>(method: K, params: Params<Api[K]>, callOpts?: CallOptions) =>
    invoke(method, params, callOpts) as Promise<Result<Api[K]>>
  const subscribe = (listener: (event: EventOf<Events>) => void): (() => void) => {
    const wire = listener as (event: RpcEvent) => void
    listeners.add(wire)
    return () => listeners.delete(wire)
  }
  // `then` stays undefined so that awaiting `api` (or returning it from an async function) is harmless.
  const api = new Proxy(
    {},
    {
      get: (_target, prop) =>
        typeof prop === 'string' && prop !== 'then'
          ? (...params: unknown[]) => invoke(prop, params)
          : undefined,
    },
  ) as Remote<Api>

  return {
    api,
    call,
    subscribe,
    on(event, listener) {
      return subscribe((e) => {
        if (e.event === event) listener(e.data as Events[typeof event])
      })
    },
    close() {
      stop()
    },
    lose(reason) {
      stop(reason)
    },
  }
}
