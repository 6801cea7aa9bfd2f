import type { NodeError } from './errors'
import { messageOf, toNodeError } from './errors'
import type { MessageListener, MethodName, PortLike, ProtocolErrorHandler, RpcResponse } from './protocol'
import { isPing, isRpcId, malformed, RpcError } from './protocol'

export interface ServeOptions<Api> {
  /**
   * The methods callers may invoke. Without it only the object's own function-valued properties are
   * callable, so a class instance (whose methods live on its prototype) must list them here.
   */
  readonly methods?: readonly MethodName<Api>[]
  readonly onProtocolError?: ProtocolErrorHandler
}

export interface Server<Events> {
  /** Pushes an event to the connected client. Throws if `data` cannot be structured-cloned. */
  emit<K extends keyof Events & string>(event: K, data: Events[K]): void
  /** Stops answering and emitting, and closes the port. Calls in flight get no reply. */
  close(): void
}

/**
 * Answers requests `{ id, method, params }` arriving on `port` by calling `impl[method](...params)`, and
 * replies `{ id, ok: true, result }` or `{ id, ok: false, error }`. A thrown NodeError keeps its `type`;
 * any other thrown value becomes `INTERNAL`. Bad messages get a typed error (`RPC_MALFORMED`,
 * `RPC_UNKNOWN_METHOD`) when they carry an id; the server never stops serving. The impl must still check
 * its params: they are whatever the other side sent. A ping (`RpcPing`) is answered at once, by the
 * server itself.
 */
export function serve<Api extends object, Events = Record<never, never>>(
  port: PortLike,
  impl: Api,
  opts: ServeOptions<Api> = {},
): Server<Events> {
  const allowed = opts.methods === undefined ? undefined : new Set<string>(opts.methods)
  let closed = false

  // Only listed or own properties: a caller must never reach `constructor`, `__proto__` or `toString`.
  const lookup = (method: string): ((...params: unknown[]) => unknown) | undefined => {
    if (!(allowed === undefined ? Object.hasOwn(impl, method) : allowed.has(method))) return undefined
    const fn: unknown = Reflect.get(impl, method)
    return typeof fn === 'function' ? (...params: unknown[]) => Reflect.apply(fn, impl, params) : undefined
  }

  const reply = (response: RpcResponse): void => {
    if (closed) return
    try {
      port.postMessage(response)
    } catch (e) {
      // The result or the error's fields cannot be cloned (a function, a class with private state…):
      // answer anyway so the caller is not left waiting.
      const error = new RpcError({ code: 'RPC_DATA_CLONE', reason: messageOf(e) })
      port.postMessage({ id: response.id, ok: false, error: error.toObject() })
    }
  }

  const handle = async (message: unknown): Promise<void> => {
    // A message with `ok` is a response: answering it could start a ping-pong between two servers.
    if (typeof message !== 'object' || message === null || !('id' in message) || 'ok' in message) {
      opts.onProtocolError?.(malformed('not a request'), message)
      return
    }
    const { id } = message
    if (!isRpcId(id)) {
      opts.onProtocolError?.(malformed('request id must be an integer or a string'), message)
      return
    }
    const fail = (error: NodeError): void => reply({ id, ok: false, error: error.toObject() })
    if (!('method' in message) || typeof message.method !== 'string') return fail(malformed('no method'))
    if (!('params' in message) || !Array.isArray(message.params))
      return fail(malformed('params not an array'))
    const fn = lookup(message.method)
    if (fn === undefined) return fail(new RpcError({ code: 'RPC_UNKNOWN_METHOD', method: message.method }))
    try {
      reply({ id, ok: true, result: await fn(...message.params) })
    } catch (e) {
      fail(toNodeError(e))
    }
  }

  const onMessage: MessageListener = (event) => {
    if (closed) return
    if (isPing(event.data)) return port.postMessage({ pong: event.data.ping })
    void handle(event.data)
  }
  port.addEventListener('message', onMessage)
  port.start?.()

  return {
    emit(event, data) {
      if (!closed) port.postMessage({ event, data })
    },
    close() {
      closed = true
      port.removeEventListener?.('message', onMessage)
      port.close?.()
    },
  }
}
