import { describe, expect, test } from 'vitest'
import { SnapshotError, type SnapshotErrorType } from '../../../src/node/snapshot/errors'

/** A bare code (`SNAPSHOT_NO_PEER`) or `describeType`'s fields (`(nodeHash=…`): not words. */
const RAW = /[A-Z]{2,}_[A-Z_]+|\(\w+=/

/**
 * A failed upgrade's error is logged with its message, and its reason carries the message of what the
 * peer's blocks were refused for: a sentence, never the bare code and its fields (the code stays in `type`).
 */
describe('snapshot error messages', () => {
  test('every snapshot failure says what happened in words', () => {
    const H = `0x${'ab'.repeat(32)}` as const
    const G = `0x${'cd'.repeat(32)}` as const
    const types: SnapshotErrorType[] = [
      { code: 'SNAPSHOT_BAD_CHUNK', reason: 'a node that is not a tree node' },
      { code: 'SNAPSHOT_NO_PEER', nodeHash: H, tried: 3 },
      { code: 'SNAPSHOT_NO_PEER', nodeHash: H, tried: 0 },
      { code: 'SNAPSHOT_INCOMPLETE', nodeHash: H },
      { code: 'SNAPSHOT_ROOT_MISMATCH', expected: H, got: G },
      { code: 'SNAPSHOT_NO_TARGET', reason: 'the snapshot block is below the verified headers' },
    ]
    for (const type of types) {
      const err = new SnapshotError(type)
      expect(err.message, type.code).not.toMatch(RAW)
      expect(err.type).toBe(type)
    }
    expect(new SnapshotError({ code: 'SNAPSHOT_NO_PEER', nodeHash: H, tried: 3 }).message).toBe(
      `no peer could serve the state under node ${H} (3 asked)`,
    )
    expect(new SnapshotError({ code: 'SNAPSHOT_ROOT_MISMATCH', expected: H, got: G }).message).toBe(
      `the downloaded state has root ${G}, not the header's ${H}`,
    )
  })
})
