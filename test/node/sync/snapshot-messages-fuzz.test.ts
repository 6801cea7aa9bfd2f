import type { Hex } from 'viem'
import { describe, test } from 'vitest'
import { SyncError } from '../../../src/node/sync/errors'
import {
  decodeSnapshotRequest,
  decodeSnapshotResponse,
  encodeSnapshotRequest,
  encodeSnapshotResponse,
} from '../../../src/node/sync/snapshot-messages'
import { fuzzDecoder } from '../../fuzz-decoder'

const h32 = (b: number): Hex => `0x${b.toString(16).padStart(2, '0').repeat(32)}`

describe('snapshot protocol decoders fuzz', () => {
  test('a snapshot request decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeSnapshotRequest,
      error: SyncError,
      codes: ['SYNC_MALFORMED', 'SYNC_REQUEST_TOO_LARGE'],
      valid: [encodeSnapshotRequest({ blockHash: h32(0x11), nodeHashes: [h32(0x22), h32(0x33)] })],
    })
  })

  test('a snapshot response decodes or is refused with a SyncError of its codes', () => {
    fuzzDecoder({
      decode: decodeSnapshotResponse,
      error: SyncError,
      codes: ['SYNC_MALFORMED', 'SYNC_RESPONSE_TOO_LARGE'],
      // A branch (0x01 ‖ bit ‖ prefix ‖ left ‖ right) and a short leaf.
      valid: [
        encodeSnapshotResponse([new Uint8Array(98).fill(1), Uint8Array.of(0, 7, 7)]),
        encodeSnapshotResponse([]),
      ],
    })
  })
})
