import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Log } from '../../../src/node/chain/types'
import { bigintToBytes, fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { encodeReceipt, receiptHash, receiptsRoot } from '../../../src/node/codec/receipt'
import { rlpEncode } from '../../../src/node/codec/rlp'

const hex = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max, size: 'max' }).map((b) => toHex(b))
const log: fc.Arbitrary<Log> = fc.record({
  address: hex(20, 20) as fc.Arbitrary<`0x${string}`>,
  topics: fc.array(hex(32, 32), { maxLength: 4 }),
  data: fc.oneof(hex(0, 2), hex(0, 300)),
})

describe('receipt encoding', () => {
  it('equals the generic RLP of [status, cumulativeGasUsed, logs] (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<0 | 1>(0, 1),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.array(log, { maxLength: 4 }),
        (status, cumulativeGasUsed, logs) => {
          const generic = rlpEncode([
            bigintToBytes(BigInt(status)),
            bigintToBytes(cumulativeGasUsed),
            logs.map((l) => [fromHex(l.address), l.topics.map((t) => fromHex(t)), fromHex(l.data)]),
          ])
          expect(toHex(encodeReceipt({ status, cumulativeGasUsed, logs }))).toBe(toHex(generic))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a receipt larger than any encoded before (its buffer grows) encodes and hashes as the generic RLP', () => {
    for (const size of [2_000, 20_000, 200_000]) {
      const logs: Log[] = [
        { address: `0x${'11'.repeat(20)}`, topics: [], data: toHex(new Uint8Array(size).fill(7)) },
      ]
      const generic = rlpEncode([
        bigintToBytes(1n),
        bigintToBytes(21_000n),
        [[fromHex(logs[0]?.address ?? '0x'), [], new Uint8Array(size).fill(7)]],
      ])
      expect(toHex(encodeReceipt({ status: 1, cumulativeGasUsed: 21_000n, logs }))).toBe(toHex(generic))
      const bigger: Log[] = [{ ...(logs[0] as Log), data: toHex(new Uint8Array(size * 3).fill(9)) }]
      const genericBigger = rlpEncode([
        bigintToBytes(1n),
        bigintToBytes(21_000n),
        [[fromHex(logs[0]?.address ?? '0x'), [], new Uint8Array(size * 3).fill(9)]],
      ])
      expect(receiptHash({ status: 1, cumulativeGasUsed: 21_000n, logs: bigger })).toBe(
        toHex(keccak(genericBigger)),
      )
    }
  })

  it('has a stable receipts root (golden)', () => {
    const logs: Log[] = [
      { address: `0x${'11'.repeat(20)}`, topics: [`0x${'22'.repeat(32)}`], data: '0x05' as Hex },
    ]
    expect(
      receiptsRoot([
        { status: 1, cumulativeGasUsed: 21_000n, logs },
        { status: 0, cumulativeGasUsed: 42_000n, logs: [] },
      ]),
    ).toBe('0x108f169293941aa3521552f00ac1d0025df32330a03d207c9efd5f3bee413b16')
  })
})
