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
    super(message ?? describe(type))
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

function describe(type: ErrorType): string {
  const fields = Object.entries(type)
    .filter(([k]) => k !== 'code')
    .map(([k, v]) => `${k}=${String(v)}`)
  return fields.length > 0 ? `${type.code} (${fields.join(', ')})` : type.code
}
