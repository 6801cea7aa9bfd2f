import fc from 'fast-check'
import { describe, test } from 'vitest'
import { decodeRelayPeers, encodeRelayPeers, MAX_RELAY_PEERS } from '../../../src/node/network/protocol'
import { FUZZ_RUNS, mutationOf } from '../../fuzz-decoder'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** A plausible peer id, different for each `i` below 58². */
const peerId = (i: number): string =>
  `12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJs${BASE58[i % 58]}${BASE58[Math.floor(i / 58)]}`

const PLAUSIBLE = /^[1-9A-HJ-NP-Za-km-z]{32,60}$/

describe('relay-peers decoder fuzz', () => {
  test('any bytes, and any mutation of an answer, give at most MAX_RELAY_PEERS plausible ids, each a line of it', () => {
    const valid = [
      encodeRelayPeers([peerId(0), peerId(1)]),
      encodeRelayPeers(Array.from({ length: MAX_RELAY_PEERS }, (_, i) => peerId(i))),
    ]
    // Never throws: anything that is not a plausible peer id is dropped (no error to type). Plain checks,
    // not `expect`: up to 64 ids a run.
    const check = (data: Uint8Array): void => {
      const before = Buffer.from(data)
      const ids = decodeRelayPeers(data)
      if (!before.equals(data)) throw new Error('the decoder changed its input')
      if (ids.length > MAX_RELAY_PEERS) throw new Error(`${ids.length} ids`)
      const lines = new Set(new TextDecoder().decode(data).split('\n'))
      for (const id of ids) {
        if (!PLAUSIBLE.test(id)) throw new Error(`implausible id ${JSON.stringify(id)}`)
        if (!lines.has(id)) throw new Error(`${id} is not a line of the answer`)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600, size: 'max' }), check), { numRuns: FUZZ_RUNS })
    fc.assert(fc.property(mutationOf(valid), check), { numRuns: FUZZ_RUNS })
  })
})
