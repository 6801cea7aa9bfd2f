import { describe, expect, test } from 'vitest'
import { BeaconError, decodeBeacon, encodeBeacon, MAX_BEACON_BYTES } from '../../../src/node/worker/beacon'
import { fuzzDecoder } from '../../fuzz-decoder'

describe('beacon decoder fuzz', () => {
  test('a beacon decodes or is refused with BEACON_MALFORMED', () => {
    fuzzDecoder({
      decode: decodeBeacon,
      error: BeaconError,
      codes: ['BEACON_MALFORMED'],
      valid: [
        encodeBeacon({ seq: 3n, sentAt: 1_700_000_000_000n, head: 42n, agent: 'tabchain/0.1.0' }),
        encodeBeacon({ seq: 0n, sentAt: 0n, head: 0n, agent: '' }),
      ],
      // Past the size limit too.
      maxLength: MAX_BEACON_BYTES + 44,
    })
  })
})

describe('beacon errors', () => {
  test("a malformed beacon's message says so in words, the code in its type", () => {
    let thrown: unknown
    try {
      decodeBeacon(new Uint8Array([0x80]))
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(BeaconError)
    expect((thrown as BeaconError).type).toEqual({
      code: 'BEACON_MALFORMED',
      reason: 'expected a list of 5 items',
    })
    expect((thrown as BeaconError).message).toBe('the status beacon is malformed: expected a list of 5 items')
  })
})
