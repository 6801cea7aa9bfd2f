import fc from 'fast-check'
import { toRlp } from 'viem'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { CodecError } from '../../../src/node/codec/errors'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'

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
  })
})
