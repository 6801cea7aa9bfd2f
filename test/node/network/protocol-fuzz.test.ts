import fc from 'fast-check'
import { describe, test } from 'vitest'
import {
  decodeRelayPeers,
  encodeRelayPeers,
  MAX_RELAY_PEERS,
  plausiblePeerIds,
} from '../../../src/node/network/protocol'
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

  test("any JSON for /api/relay's peers gives at most MAX_RELAY_PEERS plausible ids, each an item of it, in order", () => {
    const item = fc.oneof(
      fc.nat({ max: 58 * 58 - 1 }).map(peerId),
      fc.jsonValue(),
      fc.string({ maxLength: 70 }),
    )
    fc.assert(
      fc.property(fc.array(item, { maxLength: 2 * MAX_RELAY_PEERS }), (items) => {
        const ids = plausiblePeerIds(items)
        const strings = items.filter((i): i is string => typeof i === 'string' && PLAUSIBLE.test(i))
        if (ids.length !== Math.min(strings.length, MAX_RELAY_PEERS)) throw new Error(`${ids.length} ids`)
        for (const [i, id] of ids.entries()) if (id !== strings[i]) throw new Error(`${id} out of place`)
      }),
      { numRuns: FUZZ_RUNS },
    )
  })
})
