import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { rlpEncode } from '../../../src/node/codec/rlp'
import { SyncError } from '../../../src/node/sync/errors'
import {
  decodeSnapshotRequest,
  decodeSnapshotResponse,
  encodeSnapshotRequest,
  encodeSnapshotResponse,
  MAX_SNAPSHOT_NODES,
  MAX_SNAPSHOT_SUBTREES,
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

  test('a hash of a length other than 32 bytes in a request is SYNC_MALFORMED; a response past MAX_SNAPSHOT_NODES too', () => {
    const malformed = expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) })
    const hash = new Uint8Array(32).fill(0x22)
    expect(decodeSnapshotRequest(rlpEncode([hash, [hash]])).nodeHashes).toEqual([h32(0x22)])
    for (const wrong of [hash.subarray(1), Uint8Array.of(...hash, 0)]) {
      expect(() => decodeSnapshotRequest(rlpEncode([wrong, [hash]]))).toThrow(malformed)
      expect(() => decodeSnapshotRequest(rlpEncode([hash, [hash, wrong]]))).toThrow(malformed)
    }
    const nodes = (n: number) =>
      encodeSnapshotResponse(Array.from({ length: n }, () => Uint8Array.of(0, 7, 7)))
    expect(decodeSnapshotResponse(nodes(MAX_SNAPSHOT_NODES))).toHaveLength(MAX_SNAPSHOT_NODES)
    expect(() => decodeSnapshotResponse(nodes(MAX_SNAPSHOT_NODES + 1))).toThrow(malformed)
  })

  test('a request naming MAX_SNAPSHOT_SUBTREES subtrees decodes; one more is SYNC_REQUEST_TOO_LARGE', () => {
    const request = (n: number) =>
      encodeSnapshotRequest({ blockHash: h32(0x11), nodeHashes: Array.from({ length: n }, () => h32(0x22)) })
    expect(decodeSnapshotRequest(request(MAX_SNAPSHOT_SUBTREES)).nodeHashes).toHaveLength(
      MAX_SNAPSHOT_SUBTREES,
    )
    expect(() => decodeSnapshotRequest(request(MAX_SNAPSHOT_SUBTREES + 1))).toThrow(
      expect.objectContaining({
        type: {
          code: 'SYNC_REQUEST_TOO_LARGE',
          what: 'snapshot request',
          asked: 65,
          max: MAX_SNAPSHOT_SUBTREES,
        },
      }),
    )
  })
})
