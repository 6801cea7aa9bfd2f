import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { type DecodedTx, decodeTx, decodeTxBytes, recoverTx } from '../../../src/node/chain/tx'
import { TxError } from '../../../src/node/chain/tx-error'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { FUZZ_RUNS, fuzzDecoder } from '../../fuzz-decoder'
import { ADDR1, ETHER, PARAMS, signTx } from './tx-fixtures'

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
      fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), fc.boolean(), (bytes, typed) => {
        if (typed && bytes.length > 0) bytes[0] = 2
        onlyTxErrors(toHex(bytes))
      }),
      { numRuns: FUZZ_RUNS },
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
      { numRuns: FUZZ_RUNS },
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
      { numRuns: FUZZ_RUNS },
    )
    const decoded = outcome(() => decodeTxBytes(valid, toHex(valid), PARAMS))
    expect(typeof decoded).toBe('object')
    expect(decoded).toEqual(outcome(() => decodeTx(toHex(valid), PARAMS)))
  })

  it('decodes any bytes, and any mutation of a valid transaction, or refuses them with a TxError of a decoding code', async () => {
    // What `decodeTx` documents: its own codes and those of `checkTxStatic` (never a recovery or state code).
    const codes = [
      'TX_TOO_LARGE',
      'TX_TYPE_UNSUPPORTED',
      'TX_MALFORMED',
      'TX_CONTRACT_CREATION',
      'TX_ACCESS_LIST_UNSUPPORTED',
      'TX_WRONG_CHAIN',
      'TX_HIGH_S',
      'TX_BAD_SIGNATURE',
      'TX_GAS_LIMIT_EXCEEDED',
      'TX_INTRINSIC_GAS_TOO_LOW',
      'TX_TIP_ABOVE_FEE_CAP',
    ]
    const valid = [
      fromHex(await signTx({ to: ADDR1, value: ETHER, data: '0x1234', gas: 30_000n })),
      fromHex(await signTx({ to: ADDR1, value: 1n })),
    ]
    fuzzDecoder({ decode: (b) => decodeTx(toHex(b), PARAMS), error: TxError, codes, valid })
    fuzzDecoder({ decode: (b) => decodeTxBytes(b, toHex(b), PARAMS), error: TxError, codes, valid })
  })

  it('rejects non-hex input with TxError', () => {
    for (const raw of ['', '0x', '0xz', 'zz', '0x0', 42 as unknown as string]) {
      expect(() => decodeTx(raw as Hex, PARAMS)).toThrow(TxError)
    }
  })
})
