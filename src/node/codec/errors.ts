import { NodeError } from '../rpc/errors'

/** Failures of the canonical encoders/decoders. */
export type CodecErrorType =
  | { readonly code: 'CODEC_BAD_HEX' }
  | { readonly code: 'CODEC_NEGATIVE' }
  | { readonly code: 'CODEC_OVERFLOW' }
  /** RLP input that is truncated, has trailing bytes or is not in canonical (shortest) form. */
  | { readonly code: 'RLP_MALFORMED'; readonly reason: string }

/** Typed error of src/node/codec. */
export class CodecError extends NodeError<CodecErrorType> {
  override name = 'CodecError'
}
