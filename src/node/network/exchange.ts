import type { AbortOptions, Stream } from '@libp2p/interface'
import { lpStream, UnexpectedEOFError } from '@libp2p/utils'
import { messageOf } from '../rpc/errors'
import { plainError, type RemoteError, remoteErrorOf } from './errors'

/**
 * Many request/response exchanges on one stream, in order. Each request used to open its own stream:
 * on a WebRTC link that is a new data channel, a multistream-select round trip and a closing
 * handshake per request, through both pages' main threads; on a loaded machine that came to about as
 * long again as the exchange itself (issue 7's header sync). Now a link keeps one stream per protocol:
 * requests are written as they come (length-prefixed), the server answers them one after another in
 * the order they came, and each reply is a frame whose first byte says whether the server answered
 * (the answer follows) or failed the request (its `Failure` follows, as UTF-8 JSON).
 */

const ANSWERED = 0
const FAILED = 1

/** Why a server failed a request: its message, and its typed error when it failed with one. */
export interface Failure {
  readonly reason: string
  readonly error?: RemoteError
}

/** A reply frame: the server's answer, or why it failed the request. */
export type Reply = { readonly answer: Uint8Array } | { readonly failure: Failure }

/** How a server's thrown value travels. */
export function failureOf(thrown: unknown): Failure {
  const reason = messageOf(thrown)
  const error = remoteErrorOf(thrown)
  return error === undefined ? { reason } : { reason, error }
}

/**
 * The failure a frame's body carries. A body that is not a failure's JSON (a peer of an older version
 * sent its reason as plain text) is the reason itself; an `error` that is no typed error is left out.
 */
function readFailure(text: string): Failure {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { reason: text }
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('reason' in parsed) ||
    typeof parsed.reason !== 'string'
  )
    return { reason: text }
  const error = 'error' in parsed ? plainError(parsed.error) : undefined
  return error === undefined ? { reason: parsed.reason } : { reason: parsed.reason, error }
}

export function encodeReply(reply: Reply): Uint8Array {
  const body = 'answer' in reply ? reply.answer : new TextEncoder().encode(JSON.stringify(reply.failure))
  const frame = new Uint8Array(body.byteLength + 1)
  frame[0] = 'answer' in reply ? ANSWERED : FAILED
  frame.set(body, 1)
  return frame
}

/** Throws on a frame that is neither kind: the stream no longer carries exchanges. */
export function decodeReply(frame: Uint8Array): Reply {
  const body = frame.subarray(1)
  if (frame[0] === ANSWERED) return { answer: body }
  if (frame[0] === FAILED) return { failure: readFailure(new TextDecoder().decode(body)) }
  throw new Error(`not a reply frame (first byte ${frame[0] ?? 'missing'})`)
}

/**
 * A request the server failed (its reason; `type`, its typed error if it sent one), as opposed to a
 * stream that broke.
 */
export class ExchangeFailed extends Error {
  override name = 'ExchangeFailed'
  readonly type: RemoteError | undefined

  constructor(failure: Failure) {
    super(failure.reason)
    this.type = failure.error
  }
}

interface Waiter {
  readonly resolve: (answer: Uint8Array) => void
  readonly reject: (err: Error) => void
}

/**
 * The asking side of one stream. `exchange` may be called while earlier exchanges are in flight:
 * requests go out at once and replies are matched to them in order. A request whose signal aborts
 * (its caller timed out) ends the session: whatever held its reply up — a stuck answer, a write that
 * never drains, a dead link — would hold up every reply behind it too, and the next request then gets
 * a fresh stream, as it did when each request had its own. When the session ends (so, or because the
 * stream ends or breaks), every exchange still waiting rejects and `open` turns false; the owner opens
 * a new session for the next request.
 */
export class ExchangeSession {
  readonly #stream: Stream
  readonly #lp: ReturnType<typeof lpStream>
  readonly #waiting: Waiter[] = []
  #ended: Error | null = null

  constructor(stream: Stream, maxBytes: number) {
    this.#stream = stream
    // One byte of framing on top of the largest answer.
    this.#lp = lpStream(stream, { maxDataLength: maxBytes + 1 })
    void this.#readReplies()
  }

  get open(): boolean {
    return this.#ended === null
  }

  async exchange(request: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    if (this.#ended !== null) throw this.#ended
    options.signal?.throwIfAborted()
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
    })
    // The stream takes the whole request at once (waiting for its drain is only backpressure, so it
    // is not awaited here). A write that fails breaks the stream: a request lost midway would
    // misalign the replies behind it.
    this.#lp.write(request).catch((err: unknown) => this.#end(asError(err)))
    const onAbort = (): void =>
      this.#end(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await reply
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  async #readReplies(): Promise<void> {
    try {
      for (;;) {
        const frame = decodeReply((await this.#lp.read()).subarray())
        const waiter = this.#waiting.shift()
        if (waiter === undefined) throw new Error('a reply to no request')
        if ('answer' in frame) waiter.resolve(frame.answer)
        else waiter.reject(new ExchangeFailed(frame.failure))
      }
    } catch (err) {
      this.#end(asError(err))
    }
  }

  #end(reason: Error): void {
    if (this.#ended !== null) return
    this.#ended = reason
    for (const waiter of this.#waiting.splice(0)) waiter.reject(reason)
    this.#stream.abort(reason)
  }
}

/** How many requests of one stream are answered ahead of the reply being written. */
export const SERVE_AHEAD = 4

/**
 * The answering side of one stream: reads requests and writes each one's reply, in order, until the
 * asker closes the stream (or it breaks). `answer` failing a request sends its reason and goes on;
 * a request larger than `maxBytes` breaks the stream. Up to `ahead` requests are being answered at
 * once while earlier replies are written: an answer comes from the node's worker (a round trip through
 * the page's message queue), and waiting for each reply's write to drain before reading the next
 * request left the worker idle between requests the asker had already sent.
 */
export async function serveExchanges(
  stream: Stream,
  answer: (request: Uint8Array) => Promise<Uint8Array>,
  maxBytes: number,
  ahead = SERVE_AHEAD,
): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: maxBytes })
  // Each request's reply, written once every reply before it is: settles when it is written.
  const written: Promise<void>[] = []
  let last: Promise<void> = Promise.resolve()
  try {
    for (;;) {
      const request = await lp.read()
      const reply: Promise<Reply> = answer(request.subarray()).then(
        (bytes) => ({ answer: bytes }),
        (err: unknown) => ({ failure: failureOf(err) }),
      )
      const before = last
      last = Promise.all([reply, before]).then(([r]) => lp.write(encodeReply(r)).then(() => {}))
      // A failed write is seen by the loop below (or at the end); never as an unhandled rejection.
      last.catch(() => {})
      written.push(last)
      while (written.length >= ahead) await written.shift()
    }
  } catch (err) {
    // The asker closed its side: every request it sent gets its reply, then the stream closes.
    if (
      err instanceof UnexpectedEOFError &&
      (await last.then(
        () => true,
        () => false,
      ))
    )
      await stream.close().catch(() => {})
    else stream.abort(asError(err))
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
