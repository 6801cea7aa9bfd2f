import fc from 'fast-check'
import { type Hex, hexToBytes, toRlp } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  decodeBlock,
  decodedTransactionBytes,
  encodeBlock,
  encodedBlockSize,
  MAX_BLOCK_BYTES,
} from '../../../src/node/chain/block'
import { BlockError } from '../../../src/node/chain/block-error'
import { decodeHeader, encodeHeader, hashHeader, MAX_NONCE } from '../../../src/node/chain/header'
import type { Block, Header } from '../../../src/node/chain/types'
import { codeOf } from '../../code-of'
import { fuzzDecoder } from '../../fuzz-decoder'

const h32 = (b: number): Hex => `0x${b.toString(16).padStart(2, '0').repeat(32)}`

const sample: Header = {
  parentHash: h32(0x11),
  number: 7n,
  timestamp: 1_700_000_000_000n,
  miner: '0x2222222222222222222222222222222222222222',
  stateRoot: h32(0x33),
  transactionsRoot: h32(0x44),
  receiptsRoot: h32(0x55),
  logsBloom: `0x${'00'.repeat(256)}`,
  gasLimit: 30_000_000n,
  gasUsed: 21_000n,
  baseFeePerGas: 1_000_000_000n,
  difficulty: 131_072n,
  nonce: 0xdeadbeefn,
}

const hexBytes = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'))
const arbHeader: fc.Arbitrary<Header> = fc.record({
  parentHash: hexBytes(32).map((h) => `0x${h}` as Hex),
  number: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  timestamp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  miner: hexBytes(20).map((h) => `0x${h}` as Hex),
  stateRoot: hexBytes(32).map((h) => `0x${h}` as Hex),
  transactionsRoot: hexBytes(32).map((h) => `0x${h}` as Hex),
  receiptsRoot: hexBytes(32).map((h) => `0x${h}` as Hex),
  logsBloom: hexBytes(256).map((h) => `0x${h}` as Hex),
  gasLimit: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  gasUsed: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  baseFeePerGas: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  difficulty: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  nonce: fc.bigInt({ min: 0n, max: MAX_NONCE }),
})

const malformedCode = (fn: () => unknown): string => codeOf(BlockError, fn)

/** Re-encodes the sample header's fields with one field replaced by raw bytes. */
function withField(index: number, value: Uint8Array): Uint8Array {
  const fields = decodeFields(encodeHeader(sample))
  fields[index] = value
  return toRlp(fields, 'bytes')
}

function decodeFields(bytes: Uint8Array): Uint8Array[] {
  // Re-use the codec's own strictness: a valid header decodes, then re-encodes field by field.
  const h = decodeHeader(bytes)
  return [
    hexToBytes(h.parentHash),
    uint(h.number),
    uint(h.timestamp),
    hexToBytes(h.miner),
    hexToBytes(h.stateRoot),
    hexToBytes(h.transactionsRoot),
    hexToBytes(h.receiptsRoot),
    hexToBytes(h.logsBloom),
    uint(h.gasLimit),
    uint(h.gasUsed),
    uint(h.baseFeePerGas),
    uint(h.difficulty),
    uint(h.nonce),
  ]
}

function uint(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0)
  const hex = v.toString(16)
  return hexToBytes(`0x${hex.length % 2 ? '0' : ''}${hex}`)
}

describe('header codec', () => {
  it('has a stable hash for a fixed header (golden vector)', () => {
    expect(hashHeader(sample)).toBe('0x496488d789e0057f2fb0335116c62c6922e921141840d2de7eae86802a5b1649')
  })

  it('round-trips any header', () => {
    fc.assert(
      fc.property(arbHeader, (h) => {
        expect(decodeHeader(encodeHeader(h))).toEqual(h)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses truncated input, trailing bytes and the empty string', () => {
    const enc = encodeHeader(sample)
    expect(malformedCode(() => decodeHeader(new Uint8Array(0)))).toBe('BLOCK_MALFORMED')
    for (const cut of [1, 2, 10, enc.length - 1]) {
      expect(malformedCode(() => decodeHeader(enc.slice(0, cut)))).toBe('BLOCK_MALFORMED')
    }
    expect(malformedCode(() => decodeHeader(Uint8Array.of(...enc, 0)))).toBe('BLOCK_MALFORMED')
  })

  it('refuses non-canonical integers, wrong widths, wrong arity and over-long prefixes', () => {
    expect(malformedCode(() => decodeHeader(withField(1, Uint8Array.of(0, 7))))).toBe('BLOCK_MALFORMED')
    expect(malformedCode(() => decodeHeader(withField(12, new Uint8Array(9).fill(1))))).toBe(
      'BLOCK_MALFORMED',
    )
    expect(malformedCode(() => decodeHeader(withField(0, new Uint8Array(31))))).toBe('BLOCK_MALFORMED')
    expect(malformedCode(() => decodeHeader(withField(3, new Uint8Array(21))))).toBe('BLOCK_MALFORMED')
    expect(
      malformedCode(() => decodeHeader(toRlp(decodeFields(encodeHeader(sample)).slice(0, 12), 'bytes'))),
    ).toBe('BLOCK_MALFORMED')
    // The number 7 written as 0x81 0x07 (a single byte below 0x80 must be its own encoding).
    const enc = encodeHeader(sample)
    const i = enc.indexOf(0x07)
    const nonCanonical = Uint8Array.of(...enc.slice(0, i), 0x81, ...enc.slice(i))
    nonCanonical[2] = (nonCanonical[2] as number) + 1 // list length grows by one byte (0xf9 two-byte length)
    expect(malformedCode(() => decodeHeader(nonCanonical))).toBe('BLOCK_MALFORMED')
    // A list whose length prefix promises more than there is.
    const longer = Uint8Array.from(enc)
    longer[2] = (longer[2] as number) + 5
    expect(malformedCode(() => decodeHeader(longer))).toBe('BLOCK_MALFORMED')
  })

  it('turns any bytes, and any mutation of a valid header, into a BlockError or a header that re-encodes to them', () => {
    fuzzDecoder({
      decode: decodeHeader,
      error: BlockError,
      codes: ['BLOCK_MALFORMED', 'BLOCK_TOO_LARGE'],
      valid: [encodeHeader(sample)],
      encode: encodeHeader,
    })
  })
})

describe('block codec', () => {
  const block: Block = { header: sample, transactions: ['0x02c0', '0x02f80101'] }

  it('keeps the bytes of each decoded transaction, the same as its hex', () => {
    const decoded = decodeBlock(encodeBlock(block))
    expect(decodedTransactionBytes(decoded)?.map((b) => [...b])).toEqual(
      block.transactions.map((t) => [...hexToBytes(t)]),
    )
    // Blocks not made by decodeBlock (built here, by the miner) have none: import parses their hex.
    expect(decodedTransactionBytes(block)).toBeUndefined()
  })

  it('round-trips header and transactions', () => {
    expect(decodeBlock(encodeBlock(block))).toEqual(block)
    expect(decodeBlock(encodeBlock({ header: sample, transactions: [] }))).toEqual({
      header: sample,
      transactions: [],
    })
  })

  it('refuses oversized input before decoding, empty transactions and bad shapes', () => {
    expect(malformedCode(() => decodeBlock(new Uint8Array(MAX_BLOCK_BYTES + 1)))).toBe('BLOCK_TOO_LARGE')
    const emptyTx = toRlp([decodeFields(encodeHeader(sample)), [new Uint8Array(0)]], 'bytes')
    expect(malformedCode(() => decodeBlock(emptyTx))).toBe('BLOCK_MALFORMED')
    expect(malformedCode(() => decodeBlock(toRlp([[], []], 'bytes')))).toBe('BLOCK_MALFORMED')
    const enc = encodeBlock(block)
    expect(malformedCode(() => decodeBlock(enc.slice(0, enc.length - 1)))).toBe('BLOCK_MALFORMED')
    expect(malformedCode(() => decodeBlock(Uint8Array.of(...enc, 0x80)))).toBe('BLOCK_MALFORMED')
  })

  it('turns any bytes, and any mutation of a valid block, into a BlockError or a block that re-encodes to them (no second encoding)', () => {
    fuzzDecoder({
      decode: decodeBlock,
      error: BlockError,
      codes: ['BLOCK_MALFORMED', 'BLOCK_TOO_LARGE'],
      valid: [encodeBlock(block), encodeBlock({ header: sample, transactions: [] })],
      encode: encodeBlock,
    })
  })
})

describe('encoded block size', () => {
  it('equals the length of the encoding', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300, size: 'max' }), { maxLength: 12 }),
        fc.constantFrom(0, 1, 60, 70_000),
        (txs, big) => {
          const transactions = [...txs, ...(big > 0 ? [new Uint8Array(big).fill(2)] : [])].map(
            (b) => `0x${Buffer.from(b).toString('hex')}` as Hex,
          )
          const block: Block = { header: sample, transactions }
          expect(encodedBlockSize(block)).toBe(encodeBlock(block).length)
        },
      ),
      { numRuns: 200 },
    )
  })
})
