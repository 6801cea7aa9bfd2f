import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { Header } from '../../../src/node/chain/types'
import { bytesEqual, fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { merkleProof, merkleRoot } from '../../../src/node/codec/merkle'
import { encodeReceipt } from '../../../src/node/codec/receipt'
import { type RlpItem, rlpEncode } from '../../../src/node/codec/rlp'
import { LightError } from '../../../src/node/light/errors'
import { type ProvenInclusion, verifyInclusion } from '../../../src/node/light/verify'
import type { InclusionEntry } from '../../../src/node/sync/proof-messages'
import { FUZZ_RUNS, mutationOf } from '../../fuzz-decoder'

const h32 = (b: number): Hex => `0x${b.toString(16).padStart(2, '0').repeat(32)}`

/** A block of `count` transactions whose leaf `index` is `rawTx` with `receipt`; the other leaves are filler. */
function blockWith(rawTx: Uint8Array, receipt: Uint8Array, index: number, count: number) {
  const txHash = toHex(keccak(rawTx))
  const txLeaves = Array.from({ length: count }, (_, i) => (i === index ? txHash : h32(i + 1)))
  const receiptLeaves = Array.from({ length: count }, (_, i) =>
    i === index ? keccak(receipt) : keccak(Uint8Array.of(i)),
  )
  const header: Header = {
    parentHash: h32(0),
    number: 7n,
    timestamp: 7000n,
    miner: `0x${'aa'.repeat(20)}`,
    stateRoot: h32(0),
    transactionsRoot: merkleRoot(txLeaves),
    receiptsRoot: merkleRoot(receiptLeaves),
    logsBloom: `0x${'00'.repeat(256)}`,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFeePerGas: 1n,
    difficulty: 1n,
    nonce: 0n,
  }
  const entry: InclusionEntry = {
    blockHash: h32(0xbb),
    index,
    count,
    rawTx: toHex(rawTx),
    txSiblings: merkleProof(txLeaves, index).siblings,
    receipt: toHex(receipt),
    receiptSiblings: merkleProof(receiptLeaves, index).siblings,
  }
  return { header, txHash, entry }
}

/** The proven inclusion, or the LightError code; anything else thrown goes on up. */
function verdict(header: Header, txHash: Hex, entry: InclusionEntry): ProvenInclusion | string {
  try {
    return verifyInclusion(header, txHash, entry)
  } catch (err) {
    if (!(err instanceof LightError)) throw err
    if (err.type.code !== 'LIGHT_BAD_PROOF') throw new Error(`undocumented code ${err.type.code}`)
    return err.type.code
  }
}

const validReceipts = [
  encodeReceipt({ status: 1, cumulativeGasUsed: 21_000n, logs: [] }),
  encodeReceipt({ status: 0, cumulativeGasUsed: 0n, logs: [] }),
  encodeReceipt({
    status: 1,
    cumulativeGasUsed: 123_456_789n,
    logs: [
      { address: `0x${'12'.repeat(20)}`, topics: [h32(1), h32(2), h32(3)], data: `0x${'00'.repeat(31)}05` },
      { address: `0x${'34'.repeat(20)}`, topics: [], data: '0x' },
    ],
  }),
]

// fast-check 4 caps generated lengths at about 10 unless `size: 'max'` is given.
/** A byte string of the lengths receipt fields have (0, 1, 20, 32), or any up to 40. */
const field = fc.oneof(
  fc.uint8Array({ maxLength: 2 }),
  fc.uint8Array({ minLength: 20, maxLength: 20 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ maxLength: 40, size: 'max' }),
)
const anyItem: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof({ depthSize: 'small' }, field, fc.array(tie('item'), { maxLength: 4 })),
})).item
/** `[status, gas, [[address, [topics…], data]…]]`-shaped RLP, sometimes with a stray item. */
const receiptShaped: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    field,
    field,
    fc.array(fc.tuple(field, fc.array(field, { maxLength: 4 }), field), { maxLength: 3 }),
    fc.option(anyItem, { nil: undefined }),
  )
  .map(([status, gas, logs, extra]) => {
    const item: RlpItem[] = [status, gas, logs.map(([a, t, d]) => [a, t, d])]
    if (extra !== undefined) item.push(extra)
    return rlpEncode(item)
  })

/** A gas field past 32 bytes, a log address of 19 bytes, a topic of 31: each refused, typed. */
const badWidths = [
  rlpEncode([Uint8Array.of(1), new Uint8Array(33).fill(0xff), []]),
  rlpEncode([Uint8Array.of(1), Uint8Array.of(1), [[new Uint8Array(19), [], new Uint8Array()]]]),
  rlpEncode([
    Uint8Array.of(1),
    Uint8Array.of(1),
    [[new Uint8Array(20), [new Uint8Array(31)], new Uint8Array()]],
  ]),
]

const receiptBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300, size: 'max' }),
  anyItem.map((i) => rlpEncode(i)),
  receiptShaped,
  mutationOf(validReceipts),
  fc.constantFrom(...badWidths),
)

describe('inclusion proof verifier fuzz', () => {
  test('a receipt whose gas passes 32 bytes, or whose log address or topic has the wrong width, is LIGHT_BAD_PROOF', () => {
    for (const receipt of badWidths) {
      const { header, txHash, entry } = blockWith(Uint8Array.of(2, 0xc0), receipt, 0, 1)
      expect(verdict(header, txHash, entry)).toBe('LIGHT_BAD_PROOF')
    }
  })

  test('a receipt committed to by the header decodes canonically or is refused with LIGHT_BAD_PROOF', () => {
    fc.assert(
      fc.property(
        receiptBytes,
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 1, max: 9 }).chain((count) => fc.tuple(fc.nat(count - 1), fc.constant(count))),
        (receipt, rawTx, [index, count]) => {
          const { header, txHash, entry } = blockWith(rawTx, receipt, index, count)
          const got = verdict(header, txHash, entry)
          if (typeof got === 'string') return
          if (!bytesEqual(encodeReceipt(got), receipt)) throw new Error('accepted a non-canonical receipt')
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('a tampered entry is refused with LIGHT_BAD_PROOF and never proves other bytes', () => {
    const rawTx = Uint8Array.of(2, 0xc0, 1, 2, 3)
    const receipt = validReceipts[2] as Uint8Array
    const flipped = (hex: Hex) =>
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]): Hex => {
        const b = fromHex(hex)
        if (b.length > 0) b[at % b.length] = (b[at % b.length] as number) ^ x
        return toHex(b)
      })
    const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b))
    const siblings = (s: readonly Hex[]) =>
      fc.oneof(
        fc.constant(s),
        fc.array(hex32, { maxLength: 5 }),
        fc.nat().map((n) => s.slice(0, n % (s.length + 1))),
        fc.tuple(fc.nat(), hex32).map(([i, h]) => s.map((x, j) => (j === i % s.length ? h : x))),
      )
    const blocks = fc
      .integer({ min: 1, max: 9 })
      .chain((count) => fc.nat(count - 1).map((index) => blockWith(rawTx, receipt, index, count)))
    const tampered = blocks.chain((b) =>
      fc
        .record({
          index: fc.oneof(fc.constant(b.entry.index), fc.nat(12), fc.constant(2 ** 32 - 1)),
          count: fc.oneof(fc.constant(b.entry.count), fc.nat(12), fc.constant(2 ** 32 - 1)),
          rawTx: fc.oneof(fc.constant(b.entry.rawTx), flipped(b.entry.rawTx)),
          txSiblings: siblings(b.entry.txSiblings),
          receipt: fc.oneof(
            fc.constant(b.entry.receipt),
            mutationOf([receipt]).map((r) => toHex(r)),
          ),
          receiptSiblings: siblings(b.entry.receiptSiblings),
        })
        .map((edit) => ({ ...b, tampered: { ...b.entry, ...edit } })),
    )
    fc.assert(
      fc.property(tampered, ({ header, txHash, entry, tampered }) => {
        const got = verdict(header, txHash, tampered)
        if (typeof got === 'string') return
        if (
          got.rawTx !== entry.rawTx ||
          got.index !== entry.index ||
          !bytesEqual(encodeReceipt(got), receipt)
        )
          throw new Error('proved bytes the header does not commit to')
      }),
      { numRuns: FUZZ_RUNS },
    )
  })
})
