import { messageOf, NodeError } from '../rpc/errors'

/**
 * The typed error a peer failed a request with, as it travels: its `code` and those of its fields that
 * are plain values (a bigint as its decimal string). It comes from the peer: a reader checks the type
 * and range of any field it uses.
 */
export type RemoteError = { readonly code: string } & { readonly [field: string]: string | number | boolean }

export type NetErrorType =
  /** No direct (WebRTC) connection to the peer: chain traffic never rides the relay. */
  | { readonly code: 'NET_NO_DIRECT_LINK'; readonly peerId: string }
  | {
      readonly code: 'NET_TIMEOUT'
      readonly peerId: string
      readonly protocol: string
      readonly timeoutMs: number
    }
  | { readonly code: 'NET_MESSAGE_TOO_LARGE'; readonly size: number; readonly max: number }
  | {
      readonly code: 'NET_REQUEST_FAILED'
      readonly peerId: string
      readonly protocol: string
      readonly reason: string
      /** The peer's typed error, when it failed the request with one (its code and plain fields). */
      readonly remote?: RemoteError
    }
  | { readonly code: 'NET_NOT_STARTED' }
  /** A gossip message that must reach a peer (a light node's transaction) reached none. */
  | { readonly code: 'NET_NO_PEERS'; readonly topic: string }
  /**
   * The server answered 429 when asked where its relay listens: not again for `retryAfterMs` (its
   * Retry-After, capped; 0 when it gave none the page reads).
   */
  | { readonly code: 'NET_RELAY_BUSY'; readonly retryAfterMs: number }
  /** The server answered `status` (not 2xx, not 429) when asked where its relay listens. */
  | { readonly code: 'NET_RELAY_INFO_FAILED'; readonly status: number }
  /** The server's answer to where its relay listens is not the relay's address and peer id. */
  | { readonly code: 'NET_RELAY_INFO_MALFORMED' }
  /** The server did not answer at all when asked where its relay listens (the browser's fetch failed). */
  | { readonly code: 'NET_RELAY_SILENT'; readonly reason: string }

/**
 * What a network error says to the person reading it: a light tab shows a failed read's why as it is
 * ("no peer proved …: <peer>: <message>"), so a sentence, not the code and its fields.
 */
function netMessage(type: NetErrorType): string {
  switch (type.code) {
    case 'NET_NO_DIRECT_LINK':
      return `no direct link to ${type.peerId}`
    case 'NET_TIMEOUT':
      return `${type.peerId} did not answer ${type.protocol} within ${Math.ceil(type.timeoutMs / 1000)} s`
    case 'NET_MESSAGE_TOO_LARGE':
      return `a message of ${type.size} bytes is over the limit of ${type.max}`
    case 'NET_REQUEST_FAILED':
      return `${type.peerId} failed the request ${type.protocol}: ${type.reason}`
    case 'NET_NOT_STARTED':
      return 'the network is not started'
    case 'NET_NO_PEERS':
      return `no peer took the message on ${type.topic}`
    case 'NET_RELAY_BUSY':
      return `the relay is busy: it is asked again in ${Math.ceil(type.retryAfterMs / 1000)} s`
    case 'NET_RELAY_INFO_FAILED':
      return `relay info: HTTP ${type.status}`
    case 'NET_RELAY_INFO_MALFORMED':
      return 'relay info: malformed response'
    case 'NET_RELAY_SILENT':
      return `relay info: no answer (${type.reason})`
  }
}

/** Typed error of src/node/network; branch on `err.type.code`. Its message is a sentence (`netMessage`). */
export class NetError extends NodeError<NetErrorType> {
  override name = 'NetError'

  constructor(type: NetErrorType, message?: string) {
    super(type, message ?? netMessage(type))
  }
}

/** `NET_MESSAGE_TOO_LARGE` for a message over `max` bytes. */
export function checkMessageSize(data: Uint8Array, max: number): void {
  if (data.byteLength > max) throw new NetError({ code: 'NET_MESSAGE_TOO_LARGE', size: data.byteLength, max })
}

/**
 * `value` as a `RemoteError` if it is an object with a string `code`: its plain fields kept, bigints as
 * decimal strings, any other field left out; undefined otherwise. Reads a typed error's `type` before it
 * is sent, and the peer's error as it arrives.
 */
export function plainError(value: unknown): RemoteError | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  if (typeof (value as { code?: unknown }).code !== 'string') return undefined
  const out: Record<string, string | number | boolean> = {}
  for (const [field, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[field] = v
    else if (typeof v === 'bigint') out[field] = v.toString()
  }
  return out as RemoteError
}

/** The typed error a thrown value carries (a `NodeError`'s `type`, or a failed exchange's), as it travels. */
export const remoteErrorOf = (thrown: unknown): RemoteError | undefined =>
  typeof thrown === 'object' && thrown !== null && 'type' in thrown ? plainError(thrown.type) : undefined

/**
 * The peer's typed error of a failed request (`NET_REQUEST_FAILED`'s `remote`); undefined for any other
 * failure. Read by code, not class: in the app the request is the page's, and its NetError reaches the
 * worker across a port rebuilt as a plain NodeError (`NodeError.fromObject`), its `type` kept.
 */
export function remoteErrorOfFailedRequest(err: unknown): RemoteError | undefined {
  if (!(err instanceof NodeError) || err.type.code !== 'NET_REQUEST_FAILED') return undefined
  return 'remote' in err.type ? plainError(err.type.remote) : undefined
}

/**
 * `NET_REQUEST_FAILED` for a request to `peerId` that failed with `thrown`: its message as the reason,
 * and the peer's typed error when it sent one (`remote`, left out of the message: the reason says it).
 */
export function requestFailed(peerId: string, protocol: string, thrown: unknown): NetError {
  const type = { code: 'NET_REQUEST_FAILED', peerId, protocol, reason: messageOf(thrown) } as const
  const remote = remoteErrorOf(thrown)
  return new NetError(remote === undefined ? type : { ...type, remote })
}
