import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { type DecodedTx, decodeTx, decodeTxBytes, recoverTx } from '../../../src/node/chain/tx'
import { TxError } from '../../../src/node/chain/tx-error'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { ADDR1, ETHER, PARAMS, signTx } from './tx-fixtures'

/** FUZZ_RUNS sets the number of runs per property (default 10000; long mode: 1000000). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)

/** What decoding gave: the decoded fields (calldata bytes as hex) or the error code. */
function outcome(decode: () => DecodedTx): unknown {
  try {
    const { input, ...fields } = decode()
    return { ...fields, input: toHex(input) }
  } catch (err) {
    if (!(err instanceof TxError)) throw err
    return err.type.code
  }
}

function onlyTxErrors(raw: Hex): void {
  try {
    recoverTx(decodeTx(raw, PARAMS))
  } catch (err) {
    if (!(err instanceof TxError)) throw err
  }
}

describe('transaction decoder fuzz', () => {
  it('never throws anything but TxError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, typed) => {
        if (typed && bytes.length > 0) bytes[0] = 2
        onlyTxErrors(toHex(bytes))
      }),
      { numRuns: RUNS },
    )
  })

  it('never throws anything but TxError on mutations of a valid transaction', async () => {
    const valid = fromHex(await signTx({ to: ADDR1, value: ETHER, data: '0x1234', gas: 30_000n }))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: valid.length }),
        (edits, cut) => {
          const b = valid.slice(0, Math.max(cut, valid.length - 3))
          for (const [pos, v] of edits) b[pos % b.length] = v
          onlyTxErrors(toHex(b))
        },
      ),
      // Mutations often survive to signature recovery (~2 ms each): a tenth of the runs.
      { numRuns: Math.max(100, Math.floor(RUNS / 10)) },
    )
  })

  it('decoding from bytes (block import) gives exactly what decoding the hex gives (property)', async () => {
    const valid = fromHex(await signTx({ to: ADDR1, value: ETHER, data: '0x1234', gas: 30_000n }))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: 0, max: valid.length }),
        (edits, cut) => {
          const b = valid.slice(0, Math.max(cut, valid.length - 3))
          for (const [pos, v] of edits) b[pos % b.length] = v
          const raw = toHex(b)
          const fromBytes = outcome(() => decodeTxBytes(b, raw, PARAMS))
          expect(fromBytes).toEqual(outcome(() => decodeTx(raw, PARAMS)))
        },
      ),
      { numRuns: Math.max(100, Math.floor(RUNS / 10)) },
    )
    const decoded = outcome(() => decodeTxBytes(valid, toHex(valid), PARAMS))
    expect(typeof decoded).toBe('object')
    expect(decoded).toEqual(outcome(() => decodeTx(toHex(valid), PARAMS)))
  })

  it('rejects non-hex input with TxError', () => {
    for (const raw of ['', '0x', '0xz', 'zz', '0x0', 42 as unknown as string]) {
      expect(() => decodeTx(raw as Hex, PARAMS)).toThrow(TxError)
    }
  })
})
