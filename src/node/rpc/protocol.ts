/**
 * The wire protocol and types shared by `serve` and `connect`.
 *
 * One port carries one direction of calls: one side serves an object, the other side calls it and receives
 * the events it emits. Messages are plain objects, so structured clone carries them (bigint included).
 */
import type { SerializedError } from './errors'
import { NodeError } from './errors'

/** The part of a MessagePort the RPC layer uses; a MessagePort, a Worker or a worker's global scope fits. */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: MessageListener): void
  /** `close`: the other end of the channel closed (Node's ports and some browsers' say so; Chromium 150 does not). */
  addEventListener(type: 'close', listener: () => void): void
  removeEventListener?(type: 'message', listener: MessageListener): void
  start?(): void
  close?(): void
}

export type MessageListener = (event: { readonly data: unknown }) => void

/** Request ids: the client sends integers; the server also echoes strings so foreign callers get answers. */
export type RpcId = number | string

export interface RpcRequest {
  readonly id: RpcId
  readonly method: string
  readonly params: readonly unknown[]
}

export type RpcResponse =
  | { readonly id: RpcId; readonly ok: true; readonly result: unknown }
  | { readonly id: RpcId; readonly ok: false; readonly error: SerializedError }

/**
 * A liveness probe from `connect` (its `liveness` option), answered with `{ pong }` by `serve` itself,
 * not by the served object: it tells the far end's thread is alive, however long its calls take.
 */
export interface RpcPing {
  readonly ping: number
}

/** An event pushed from the served side; it has no `id`, which is how it differs from a response. */
export interface RpcEvent {
  readonly event: string
  readonly data: unknown
}

export type RpcErrorType =
  | { readonly code: 'RPC_UNKNOWN_METHOD'; readonly method: string }
  | { readonly code: 'RPC_MALFORMED'; readonly reason: string }
  | { readonly code: 'RPC_TIMEOUT'; readonly method: string; readonly timeoutMs: number }
  | { readonly code: 'RPC_CLOSED'; readonly method: string }
  /** The far end is gone: its port closed, or it stopped answering pings (a crashed or hung worker). */
  | { readonly code: 'RPC_LOST'; readonly method: string; readonly reason: string }
  | { readonly code: 'RPC_DATA_CLONE'; readonly reason: string }

/** A wait in whole seconds when it is one, else in ms (a call's timeout). */
const duration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

/**
 * What an RPC failure says to the person reading it (the page's "The node stopped" shows the lost
 * connection's as it is; a failed call's reaches the wallet, the Tokens screen and a dApp): a sentence,
 * not the code and its fields.
 */
function rpcMessage(type: RpcErrorType): string {
  switch (type.code) {
    case 'RPC_UNKNOWN_METHOD':
      return `there is no method ${type.method}`
    case 'RPC_MALFORMED':
      return `the message is malformed: ${type.reason}`
    case 'RPC_TIMEOUT':
      return `${type.method} got no answer within ${duration(type.timeoutMs)}`
    case 'RPC_CLOSED':
      return `the connection is closed: ${type.method} cannot be answered`
    case 'RPC_LOST':
      // `method` is empty for the loss itself, told once (`onLost`), apart from any call.
      return type.method === ''
        ? `the connection was lost: ${type.reason}`
        : `the connection was lost before ${type.method} was answered: ${type.reason}`
    case 'RPC_DATA_CLONE':
      return `a value cannot be copied to the other side: ${type.reason}`
  }
}

/**
 * Failures of the RPC layer itself (as opposed to errors thrown by the served object). Its message is a
 * sentence (`rpcMessage`).
 */
export class RpcError extends NodeError<RpcErrorType> {
  override name = 'RpcError'

  constructor(type: RpcErrorType, message?: string) {
    super(type, message ?? rpcMessage(type))
  }
}

/** Names of the function-valued properties of `Api`. */
export type MethodName<Api> = {
  [K in keyof Api]: Api[K] extends (...params: never[]) => unknown ? K : never
}[keyof Api] &
  string

export type Params<F> = F extends (...params: infer P) => unknown ? P : never
export type Result<F> = F extends (...params: never[]) => infer R ? Awaited<R> : never

/** `Api` as seen from the other side of a port: every method returns a Promise of its awaited result. */
export type Remote<Api> = {
  readonly [K in MethodName<Api>]: (...params: Params<Api[K]>) => Promise<Result<Api[K]>>
}

/** The union of `{ event, data }` messages an event map (event name → payload type) allows. */
export type EventOf<Events> = {
  [K in keyof Events & string]: { readonly event: K; readonly data: Events[K] }
}[keyof Events & string]

/** Told about an incoming message that cannot be answered (no usable id, unknown shape). Default: dropped. */
export type ProtocolErrorHandler = (error: RpcError, message: unknown) => void

export function isRpcId(value: unknown): value is RpcId {
  return typeof value === 'string' || Number.isSafeInteger(value)
}

export function isPing(value: unknown): value is RpcPing {
  return (
    typeof value === 'object' &&
    value !== null &&
    !('id' in value) &&
    'ping' in value &&
    Number.isSafeInteger(value.ping)
  )
}

export function malformed(reason: string): RpcError {
  return new RpcError({ code: 'RPC_MALFORMED', reason })
}
