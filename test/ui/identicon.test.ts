import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { identicon } from '../../src/ui/identicon'

describe('identicon', () => {
  it('is deterministic, mirrored, never empty, with a hue in range', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        const a = identicon(id)
        expect(identicon(id)).toEqual(a)
        expect(a.cells).toHaveLength(25)
        expect(a.cells.some(Boolean)).toBe(true)
        expect(a.hue).toBeGreaterThanOrEqual(0)
        expect(a.hue).toBeLessThan(360)
        for (let row = 0; row < 5; row++) {
          expect(a.cells[row * 5]).toBe(a.cells[row * 5 + 4])
          expect(a.cells[row * 5 + 1]).toBe(a.cells[row * 5 + 3])
        }
      }),
      { numRuns: 500 },
    )
  })

  it('tells apart peer ids that differ only in their last character', () => {
    const base = '12D3KooWQx1b8YtH2mA9cVnR7pLzE3kF5sD6gJ4hW2uT8yB1x7Q'
    const pictures = new Set(
      [...'abcdefghijklmnopqrstuvwxyz'].map((c) => {
        const { hue, cells } = identicon(base + c)
        return `${hue}:${cells.map(Number).join('')}`
      }),
    )
    expect(pictures.size).toBe(26)
  })
})
