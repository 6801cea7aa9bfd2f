/** A 5×5 mirrored pattern and a hue derived from an id, for a small recognisable avatar. */
export interface IdenticonPattern {
  /** Hue in degrees, 0–359. */
  readonly hue: number
  /** Row-major 5×5 cells; columns 3 and 4 mirror columns 1 and 0. */
  readonly cells: readonly boolean[]
}

/**
 * 32-bit FNV-1a over the UTF-16 code units, with a seed so several independent words can be drawn
 * from one id. Not cryptographic: it only has to spread similar ids apart visually.
 */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // Final avalanche (murmur3 fmix32): FNV alone leaves the low bits of ids sharing a suffix alike.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/** Deterministic identicon pattern for `id`: the same id always gives the same picture. */
export function identicon(id: string): IdenticonPattern {
  const bits = fnv1a(id, 0)
  const hue = fnv1a(id, 0x9e3779b9) % 360
  const cells: boolean[] = []
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < 5; col++) {
      const source = col < 3 ? col : 4 - col
      cells.push(((bits >>> (row * 3 + source)) & 1) === 1)
    }
  }
  // An empty picture tells nothing apart; light the centre column instead.
  if (!cells.some(Boolean)) for (let row = 0; row < 5; row++) cells[row * 5 + 2] = true
  return { hue, cells }
}
