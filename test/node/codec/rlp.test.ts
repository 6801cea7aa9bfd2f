import fc from 'fast-check'
import { toRlp } from 'viem'
import { describe, expect, it, vi } from 'vitest'
import { fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'
import {
  MAX_RLP_ITEMS,
  type RlpItem,
  rlpDecode,
  rlpDecodeBytesList,
  rlpEncode,
  rlpHashWithoutLast,
  rlpListSpans,
} from '../../../src/node/codec/rlp'

const item: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item

const toViem = (i: RlpItem): unknown => (i instanceof Uint8Array ? toHex(i) : i.map(toViem))
const normalise = (i: RlpItem): unknown => (i instanceof Uint8Array ? toHex(i) : i.map(normalise))

function malformed(hex: string): void {
  try {
    rlpDecode(fromHex(hex))
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError)
    expect((err as CodecError).type.code).toBe('RLP_MALFORMED')
    return
  }
  throw new Error(`accepted ${hex}`)
}

describe('rlp', () => {
  it('encodes as viem does and decodes back (property)', () => {
    fc.assert(
      fc.property(item, (i) => {
        const enc = rlpEncode(i)
        expect(toHex(enc)).toBe(toRlp(toViem(i) as never))
        expect(normalise(rlpDecode(enc))).toEqual(normalise(i))
      }),
      { numRuns: 300 },
    )
  })

  it.each([55, 56, 255, 256, 65_535, 65_536])(
    'a %i-byte string and a list of it encode as viem does',
    (n) => {
      const bytes = new Uint8Array(n).fill(7)
      for (const i of [bytes, [bytes], [bytes, [bytes]]]) {
        const enc = rlpEncode(i)
        expect(toHex(enc)).toBe(toRlp(toViem(i) as never))
        expect(normalise(rlpDecode(enc))).toEqual(normalise(i))
      }
    },
  )

  it('list spans locate what rlpDecode decodes, and refuse what it refuses (property)', () => {
    const outcome = <T>(fn: () => T): T | 'malformed' => {
      try {
        return fn()
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError)
        return 'malformed'
      }
    }
    const encodings = fc.oneof(
      item.map((i) => rlpEncode(i)),
      fc.uint8Array({ maxLength: 40 }),
      fc.tuple(item, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, at, v]) => {
        const enc = rlpEncode(i)
        enc[at % enc.length] = v
        return enc
      }),
    )
    fc.assert(
      fc.property(encodings, (enc) => {
        const spans = new Int32Array(9)
        const count = outcome(() => rlpListSpans(enc, spans))
        const decoded = outcome(() => rlpDecode(enc))
        if (decoded === 'malformed') {
          expect(count).toBe('malformed')
          return
        }
        if (!Array.isArray(decoded)) {
          expect(count).toBe(-1)
          return
        }
        expect(count).toBe(decoded.length)
        for (let i = 0; i < Math.min(3, decoded.length); i++) {
          const at = spans[3 * i] as number
          const start = spans[3 * i + 1] as number
          const end = spans[3 * i + 2] as number
          const it = decoded[i] as RlpItem
          // [at, end) is the item's whole encoding, [start, end) its payload: a string's bytes, a list's items.
          const own = rlpEncode(it)
          expect(toHex(enc.subarray(at, end))).toBe(toHex(own))
          expect(toHex(enc.subarray(start, end))).toBe(toHex(own.subarray(own.length - (end - start))))
          if (it instanceof Uint8Array) expect(toHex(enc.subarray(start, end))).toBe(toHex(it))
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('has the textbook encodings', () => {
    expect(toHex(rlpEncode(new Uint8Array(0)))).toBe('0x80')
    expect(toHex(rlpEncode(new Uint8Array([0x7f])))).toBe('0x7f')
    expect(toHex(rlpEncode(new Uint8Array([0x80])))).toBe('0x8180')
    expect(toHex(rlpEncode([]))).toBe('0xc0')
    expect(toHex(rlpEncode(new Uint8Array(56)))).toBe(`0xb838${'00'.repeat(56)}`)
  })

  it('rejects non-canonical and broken encodings', () => {
    malformed('0x') // empty
    malformed('0x8100') // single byte < 0x80 wrapped
    malformed('0x817f')
    malformed('0xb801ff') // long form for a short string
    malformed(`0xb90038${'00'.repeat(56)}`) // length with a leading zero
    malformed('0xf800') // long-form empty list
    malformed('0x82ff') // truncated string
    malformed('0xc2c0') // truncated list
    malformed('0xc0c0') // trailing bytes
    malformed('0xc2820102') // item runs past its list
    malformed('0xbf0100000000000000ff') // absurd length
    malformed(`0xb837${'00'.repeat(55)}`) // long form for a 55-byte string
    malformed(`0xf837${'80'.repeat(55)}`) // long form for a 55-byte list
    malformed('0xc3c2b901') // a length prefix running past the end, inside nested lists
  })

  it('decodes a list whose items take 55 bytes (0xf7) and one of 56 (0xf838)', () => {
    const lists: [RlpItem[], string][] = [
      [[new Uint8Array(54).fill(7)], '0xf7'],
      [[new Uint8Array(55).fill(7)], '0xf838'],
    ]
    for (const [list, prefix] of lists) {
      const enc = rlpEncode(list)
      expect(toHex(enc).startsWith(prefix)).toBe(true)
      expect(normalise(rlpDecode(enc))).toEqual(normalise(list))
    }
  })

  it('decodes lists nested 17 deep and refuses 18', () => {
    const nested = (depth: number): Uint8Array =>
      fromHex(`0x${Array.from({ length: depth }, (_, i) => (0xc0 + depth - 1 - i).toString(16)).join('')}`)
    expect(normalise(rlpDecode(nested(2)))).toEqual([[]])
    expect(() => rlpDecode(nested(17))).not.toThrow()
    malformed(toHex(nested(18)))
  })

  it('rlpDecodeBytesList takes a list of exactly that many byte strings, nothing else', () => {
    const a = Uint8Array.of(1)
    const b = Uint8Array.of(2, 3)
    expect(rlpDecodeBytesList(rlpEncode([a, b]), 2)).toEqual([a, b])
    const refused: [RlpItem, number][] = [
      [[a, b], 3],
      [[a, b], 1],
      [[a, [b]], 2],
      [a, 1],
    ]
    for (const [item, count] of refused) {
      expect(() => rlpDecodeBytesList(rlpEncode(item), count)).toThrow(CodecError)
    }
  })
})

describe('rlp: items built', () => {
  /** A list of `n` empty strings (one byte each), its length in 3 bytes. */
  const emptyStrings = (n: number): Uint8Array => {
    const out = new Uint8Array(4 + n).fill(0x80)
    out.set([0xfa, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])
    return out
  }
  const refusal = (fn: () => unknown): string => {
    try {
      fn()
    } catch (err) {
      expect(err).toBeInstanceOf(CodecError)
      return (err as CodecError).type.code === 'RLP_MALFORMED' ? (err as Error).message : 'another code'
    }
    return 'accepted'
  }

  it(`decodes up to ${MAX_RLP_ITEMS} items (the list counts) and refuses one more, before building it`, () => {
    expect((rlpDecode(emptyStrings(MAX_RLP_ITEMS - 1)) as RlpItem[]).length).toBe(MAX_RLP_ITEMS - 1)
    expect(refusal(() => rlpDecode(emptyStrings(MAX_RLP_ITEMS)))).toBe(
      `malformed RLP: more than ${MAX_RLP_ITEMS} items`,
    )
    // A peer's 3 MiB of one-byte items.
    expect(refusal(() => rlpDecode(emptyStrings(3 * 2 ** 20 - 4)))).toMatch(/more than \d+ items/)
    // Each decoding has its own budget.
    expect(rlpDecode(rlpEncode([new Uint8Array(0)]))).toEqual([new Uint8Array(0)])
  })

  it("counts the nested lists rlpListSpans builds, together, with a budget of each call's own", () => {
    const half = (MAX_RLP_ITEMS >> 1) - 1
    const nested = (n: number): RlpItem[] => Array.from({ length: n }, () => new Uint8Array(0))
    const spans = new Int32Array(9)
    expect(rlpListSpans(rlpEncode([nested(half), nested(half)]), spans)).toBe(2)
    expect(rlpListSpans(rlpEncode([nested(half), nested(half)]), spans)).toBe(2)
    expect(refusal(() => rlpListSpans(rlpEncode([nested(half), nested(half + 2)]), spans))).toMatch(
      /more than \d+ items/,
    )
  })
})

describe('rlpHashWithoutLast', () => {
  // A copy as the "hash": what it is handed is exactly the two encodings.
  const encodings = (list: RlpItem[]) => rlpHashWithoutLast(list, (bytes) => bytes.slice())
  const expectEncodings = (list: RlpItem[]) => {
    const { whole, withoutLast } = encodings(list)
    expect(toHex(whole)).toBe(toHex(rlpEncode(list)))
    expect(toHex(withoutLast)).toBe(toHex(rlpEncode(list.slice(0, -1))))
  }

  it('hashes the encodings of the list and of the list without its last item', () => {
    fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 14 }), expectEncodings))
  })

  it('handles the prefix sizes changing between the two (55/56-byte payloads, one item left)', () => {
    for (const list of [
      [new Uint8Array(53), new Uint8Array(1)],
      [new Uint8Array(54), new Uint8Array(300)],
      [new Uint8Array(300)],
      [Uint8Array.of(5)],
    ])
      expectEncodings(list)
  })

  it('grows its buffer for a long list, and a shorter one after it is encoded alone', () => {
    expectEncodings([new Uint8Array(70_000).fill(7), Uint8Array.of(1, 2)])
    expectEncodings([Uint8Array.of(9), new Uint8Array(3)])
  })

  it('a list just over its first buffer (1024 bytes) hashes right, whatever size crosses it', async () => {
    // A fresh module: its buffer has not been grown by the tests above.
    vi.resetModules()
    const fresh = await import('../../../src/node/codec/rlp')
    for (let n = 990; n < 1100; n++) {
      const list = [new Uint8Array(n).fill(5), Uint8Array.of(1, 2)]
      const { whole, withoutLast } = fresh.rlpHashWithoutLast(list, keccak)
      expect(toHex(whole)).toBe(toHex(keccak(rlpEncode(list))))
      expect(toHex(withoutLast)).toBe(toHex(keccak(rlpEncode(list.slice(0, -1)))))
    }
  })

  it('gives keccak of each encoding when keccak is the hash', () => {
    const list = [new Uint8Array(32).fill(1), Uint8Array.of(2), new Uint8Array(256)]
    const { whole, withoutLast } = rlpHashWithoutLast(list, keccak)
    expect(toHex(whole)).toBe(toHex(keccak(rlpEncode(list))))
    expect(toHex(withoutLast)).toBe(toHex(keccak(rlpEncode(list.slice(0, -1)))))
  })

  it('refuses an empty list', () => {
    expect(() => rlpHashWithoutLast([], keccak)).toThrow(RangeError)
  })
})
