import fc from 'fast-check'
import { describe, it } from 'vitest'
import { CodecError } from '../../../src/node/codec/errors'
import { rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { FUZZ_RUNS } from '../../fuzz-decoder'

describe('rlp decoder fuzz', () => {
  it('accepts exactly the canonical encodings and throws only CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80, size: 'max' }), (bytes) => {
        try {
          const item = rlpDecode(bytes)
          // Whatever decodes must re-encode to the same bytes: one encoding per value.
          const again = rlpEncode(item)
          if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
            throw new Error('accepted a non-canonical encoding')
          }
        } catch (err) {
          if (!(err instanceof CodecError)) throw err
        }
      }),
      { numRuns: FUZZ_RUNS },
    )
  })
})
