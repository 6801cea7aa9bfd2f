import { describe, test } from 'vitest'
import { SyncError } from '../../../src/node/sync/errors'
import { decodePoolResponse, encodePoolResponse } from '../../../src/node/sync/pool-messages'
import { fuzzDecoder } from '../../fuzz-decoder'

describe('pool exchange decoder fuzz', () => {
  test('a pool response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodePoolResponse,
      error: SyncError,
      codes: ['SYNC_MALFORMED', 'SYNC_RESPONSE_TOO_LARGE'],
      valid: [
        encodePoolResponse([Uint8Array.of(2, 0xc0), new Uint8Array(70).fill(2), Uint8Array.of(1)]),
        encodePoolResponse([]),
      ],
    })
  })
})
