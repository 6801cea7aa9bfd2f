/**
 * Typed errors that survive `postMessage`.
 *
 * Every error the node raises carries a `type` object whose `code` names the failure and whose other
 * fields hold the details (`bigint` fields are fine: structured clone keeps them). Callers branch on
 * `err.type.code`, never on the message text.
 */
export interface ErrorType {
  readonly code: string
}

/** The plain shape an error travels in across a MessagePort. */
export interface SerializedError {
  readonly name: string
  readonly message: string
  readonly type: ErrorType
}

export class NodeError<T extends ErrorType = ErrorType> extends Error {
  override name = 'NodeError'
  readonly type: T

  constructor(type: T, message?: string) {
    super(message ?? describeType(type))
    this.type = type
  }

  toObject(): SerializedError {
    return { name: this.name, message: this.message, type: this.type }
  }

  /** Rebuilds an error received over a port; the class is NodeError, `name` and `type` are kept. */
  static fromObject(obj: SerializedError): NodeError {
    const err = new NodeError(obj.type, obj.message)
    err.name = obj.name
    return err
  }
}

/** `CODE (field=value, …)`: the message a typed error gets unless given one. */
export function describeType(type: ErrorType): string {
  const fields = Object.entries(type)
    .filter(([k]) => k !== 'code')
    .map(([k, v]) => `${k}=${String(v)}`)
  return fields.length > 0 ? `${type.code} (${fields.join(', ')})` : type.code
}

/** A NodeApi call's parameters refused before anything is read or changed (a dApp gets it as -32602). */
export type BadParamsType = { readonly code: 'NODE_BAD_PARAMS'; readonly reason: string }

/** `NODE_BAD_PARAMS` saying which parameter is wrong and why, in the words of the provider's own -32602. */
export const badParams = (reason: string): NodeError<BadParamsType> =>
  new NodeError({ code: 'NODE_BAD_PARAMS', reason }, `invalid params: ${reason}`)

/** What a thrown value that is not a NodeError becomes: a bug or an unexpected failure, described by its message. */
export interface InternalErrorType {
  readonly code: 'INTERNAL'
}

/** Turns anything thrown into a NodeError: NodeErrors pass through, anything else becomes `INTERNAL`. */
export function toNodeError(thrown: unknown): NodeError {
  if (thrown instanceof NodeError) return thrown
  return new NodeError<InternalErrorType>({ code: 'INTERNAL' }, messageOf(thrown))
}

/** The message of a thrown value, without ever throwing itself (`String(Object.create(null))` does). */
export function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message
  try {
    return String(thrown)
  } catch {
    return 'unprintable value thrown'
  }
}

/** Checks the shape of an error received from another thread before it is rebuilt with `fromObject`. */
export function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    typeof value.name === 'string' &&
    'message' in value &&
    typeof value.message === 'string' &&
    'type' in value &&
    typeof value.type === 'object' &&
    value.type !== null &&
    'code' in value.type &&
    typeof value.type.code === 'string'
  )
}
