/**
 * The Keccak-f[1600] permutation (FIPS 202 §3), for `bytes.ts`'s keccak-256.
 *
 * Why not noble's `keccakP`: block import hashes about ten permutations per transaction (transaction
 * hash, state tree, receipts and their Merkle lists), and noble's loop-and-table permutation was half
 * of the import profile. This is the textbook lane-unrolled form (as in XKCP's compact and js-sha3
 * implementations): the 25 lanes live in local variables for all 24 rounds, every index and rotation
 * is a constant, so the JIT keeps the state in registers; 2–3× noble's speed in V8.
 *
 * A 64-bit lane `x + 5y` is two 32-bit halves, `a{i}l` (low) and `a{i}h` (high), stored at `s[2i]` and
 * `s[2i + 1]`: the little-endian byte layout of the state, which the sponge XORs bytes into.
 * `test/node/codec/bytes.test.ts` checks keccak-256 against noble's for every input length.
 *
 * The round body below was written out mechanically from the step definitions in the comments.
 */

/** ι round constants RC[round], low and high halves, from the rc(t) LFSR (FIPS 202 §3.2.5). */
const IOTA_LO = new Int32Array(24)
const IOTA_HI = new Int32Array(24)
{
  let lfsr = 1
  for (let round = 0; round < 24; round++) {
    let lo = 0
    let hi = 0
    for (let j = 0; j < 7; j++) {
      // Bit 2^j − 1 of RC is rc(j + 7·round), the LFSR's output bit.
      const bit = (1 << j) - 1
      if ((lfsr & 1) === 1) {
        if (bit < 32) lo ^= 1 << bit
        else hi ^= 1 << (bit - 32)
      }
      lfsr = ((lfsr << 1) ^ ((lfsr >> 7) * 0x71)) & 0xff
    }
    IOTA_LO[round] = lo
    IOTA_HI[round] = hi
  }
}

/** Applies the 24-round Keccak-f[1600] permutation to the 50-word state `s` in place. */
export function keccakF1600(s: Int32Array): void {
  let a0l = s[0] as number
  let a0h = s[1] as number
  let a1l = s[2] as number
  let a1h = s[3] as number
  let a2l = s[4] as number
  let a2h = s[5] as number
  let a3l = s[6] as number
  let a3h = s[7] as number
  let a4l = s[8] as number
  let a4h = s[9] as number
  let a5l = s[10] as number
  let a5h = s[11] as number
  let a6l = s[12] as number
  let a6h = s[13] as number
  let a7l = s[14] as number
  let a7h = s[15] as number
  let a8l = s[16] as number
  let a8h = s[17] as number
  let a9l = s[18] as number
  let a9h = s[19] as number
  let a10l = s[20] as number
  let a10h = s[21] as number
  let a11l = s[22] as number
  let a11h = s[23] as number
  let a12l = s[24] as number
  let a12h = s[25] as number
  let a13l = s[26] as number
  let a13h = s[27] as number
  let a14l = s[28] as number
  let a14h = s[29] as number
  let a15l = s[30] as number
  let a15h = s[31] as number
  let a16l = s[32] as number
  let a16h = s[33] as number
  let a17l = s[34] as number
  let a17h = s[35] as number
  let a18l = s[36] as number
  let a18h = s[37] as number
  let a19l = s[38] as number
  let a19h = s[39] as number
  let a20l = s[40] as number
  let a20h = s[41] as number
  let a21l = s[42] as number
  let a21h = s[43] as number
  let a22l = s[44] as number
  let a22h = s[45] as number
  let a23l = s[46] as number
  let a23h = s[47] as number
  let a24l = s[48] as number
  let a24h = s[49] as number
  for (let round = 0; round < 24; round++) {
    // θ: column parities c[x], then d[x] = c[x-1] ^ rotl(c[x+1], 1)
    const c0l = a0l ^ a5l ^ a10l ^ a15l ^ a20l
    const c0h = a0h ^ a5h ^ a10h ^ a15h ^ a20h
    const c1l = a1l ^ a6l ^ a11l ^ a16l ^ a21l
    const c1h = a1h ^ a6h ^ a11h ^ a16h ^ a21h
    const c2l = a2l ^ a7l ^ a12l ^ a17l ^ a22l
    const c2h = a2h ^ a7h ^ a12h ^ a17h ^ a22h
    const c3l = a3l ^ a8l ^ a13l ^ a18l ^ a23l
    const c3h = a3h ^ a8h ^ a13h ^ a18h ^ a23h
    const c4l = a4l ^ a9l ^ a14l ^ a19l ^ a24l
    const c4h = a4h ^ a9h ^ a14h ^ a19h ^ a24h
    const d0l = c4l ^ ((c1l << 1) | (c1h >>> 31))
    const d0h = c4h ^ ((c1h << 1) | (c1l >>> 31))
    const d1l = c0l ^ ((c2l << 1) | (c2h >>> 31))
    const d1h = c0h ^ ((c2h << 1) | (c2l >>> 31))
    const d2l = c1l ^ ((c3l << 1) | (c3h >>> 31))
    const d2h = c1h ^ ((c3h << 1) | (c3l >>> 31))
    const d3l = c2l ^ ((c4l << 1) | (c4h >>> 31))
    const d3h = c2h ^ ((c4h << 1) | (c4l >>> 31))
    const d4l = c3l ^ ((c0l << 1) | (c0h >>> 31))
    const d4h = c3h ^ ((c0h << 1) | (c0l >>> 31))
    // θ applied, then ρ and π: b[y, 2x + 3y] = rotl(a[x, y] ^ d[x], ρ[x, y])
    let tl: number
    let th: number
    tl = a0l ^ d0l
    th = a0h ^ d0h
    const b0l = tl
    const b0h = th
    tl = a1l ^ d1l
    th = a1h ^ d1h
    const b10l = (tl << 1) | (th >>> 31)
    const b10h = (th << 1) | (tl >>> 31)
    tl = a2l ^ d2l
    th = a2h ^ d2h
    const b20l = (th << 30) | (tl >>> 2)
    const b20h = (tl << 30) | (th >>> 2)
    tl = a3l ^ d3l
    th = a3h ^ d3h
    const b5l = (tl << 28) | (th >>> 4)
    const b5h = (th << 28) | (tl >>> 4)
    tl = a4l ^ d4l
    th = a4h ^ d4h
    const b15l = (tl << 27) | (th >>> 5)
    const b15h = (th << 27) | (tl >>> 5)
    tl = a5l ^ d0l
    th = a5h ^ d0h
    const b16l = (th << 4) | (tl >>> 28)
    const b16h = (tl << 4) | (th >>> 28)
    tl = a6l ^ d1l
    th = a6h ^ d1h
    const b1l = (th << 12) | (tl >>> 20)
    const b1h = (tl << 12) | (th >>> 20)
    tl = a7l ^ d2l
    th = a7h ^ d2h
    const b11l = (tl << 6) | (th >>> 26)
    const b11h = (th << 6) | (tl >>> 26)
    tl = a8l ^ d3l
    th = a8h ^ d3h
    const b21l = (th << 23) | (tl >>> 9)
    const b21h = (tl << 23) | (th >>> 9)
    tl = a9l ^ d4l
    th = a9h ^ d4h
    const b6l = (tl << 20) | (th >>> 12)
    const b6h = (th << 20) | (tl >>> 12)
    tl = a10l ^ d0l
    th = a10h ^ d0h
    const b7l = (tl << 3) | (th >>> 29)
    const b7h = (th << 3) | (tl >>> 29)
    tl = a11l ^ d1l
    th = a11h ^ d1h
    const b17l = (tl << 10) | (th >>> 22)
    const b17h = (th << 10) | (tl >>> 22)
    tl = a12l ^ d2l
    th = a12h ^ d2h
    const b2l = (th << 11) | (tl >>> 21)
    const b2h = (tl << 11) | (th >>> 21)
    tl = a13l ^ d3l
    th = a13h ^ d3h
    const b12l = (tl << 25) | (th >>> 7)
    const b12h = (th << 25) | (tl >>> 7)
    tl = a14l ^ d4l
    th = a14h ^ d4h
    const b22l = (th << 7) | (tl >>> 25)
    const b22h = (tl << 7) | (th >>> 25)
    tl = a15l ^ d0l
    th = a15h ^ d0h
    const b23l = (th << 9) | (tl >>> 23)
    const b23h = (tl << 9) | (th >>> 23)
    tl = a16l ^ d1l
    th = a16h ^ d1h
    const b8l = (th << 13) | (tl >>> 19)
    const b8h = (tl << 13) | (th >>> 19)
    tl = a17l ^ d2l
    th = a17h ^ d2h
    const b18l = (tl << 15) | (th >>> 17)
    const b18h = (th << 15) | (tl >>> 17)
    tl = a18l ^ d3l
    th = a18h ^ d3h
    const b3l = (tl << 21) | (th >>> 11)
    const b3h = (th << 21) | (tl >>> 11)
    tl = a19l ^ d4l
    th = a19h ^ d4h
    const b13l = (tl << 8) | (th >>> 24)
    const b13h = (th << 8) | (tl >>> 24)
    tl = a20l ^ d0l
    th = a20h ^ d0h
    const b14l = (tl << 18) | (th >>> 14)
    const b14h = (th << 18) | (tl >>> 14)
    tl = a21l ^ d1l
    th = a21h ^ d1h
    const b24l = (tl << 2) | (th >>> 30)
    const b24h = (th << 2) | (tl >>> 30)
    tl = a22l ^ d2l
    th = a22h ^ d2h
    const b9l = (th << 29) | (tl >>> 3)
    const b9h = (tl << 29) | (th >>> 3)
    tl = a23l ^ d3l
    th = a23h ^ d3h
    const b19l = (th << 24) | (tl >>> 8)
    const b19h = (tl << 24) | (th >>> 8)
    tl = a24l ^ d4l
    th = a24h ^ d4h
    const b4l = (tl << 14) | (th >>> 18)
    const b4h = (th << 14) | (tl >>> 18)
    // χ: a[x, y] = b[x, y] ^ (~b[x+1, y] & b[x+2, y])
    a0l = b0l ^ (~b1l & b2l)
    a0h = b0h ^ (~b1h & b2h)
    a1l = b1l ^ (~b2l & b3l)
    a1h = b1h ^ (~b2h & b3h)
    a2l = b2l ^ (~b3l & b4l)
    a2h = b2h ^ (~b3h & b4h)
    a3l = b3l ^ (~b4l & b0l)
    a3h = b3h ^ (~b4h & b0h)
    a4l = b4l ^ (~b0l & b1l)
    a4h = b4h ^ (~b0h & b1h)
    a5l = b5l ^ (~b6l & b7l)
    a5h = b5h ^ (~b6h & b7h)
    a6l = b6l ^ (~b7l & b8l)
    a6h = b6h ^ (~b7h & b8h)
    a7l = b7l ^ (~b8l & b9l)
    a7h = b7h ^ (~b8h & b9h)
    a8l = b8l ^ (~b9l & b5l)
    a8h = b8h ^ (~b9h & b5h)
    a9l = b9l ^ (~b5l & b6l)
    a9h = b9h ^ (~b5h & b6h)
    a10l = b10l ^ (~b11l & b12l)
    a10h = b10h ^ (~b11h & b12h)
    a11l = b11l ^ (~b12l & b13l)
    a11h = b11h ^ (~b12h & b13h)
    a12l = b12l ^ (~b13l & b14l)
    a12h = b12h ^ (~b13h & b14h)
    a13l = b13l ^ (~b14l & b10l)
    a13h = b13h ^ (~b14h & b10h)
    a14l = b14l ^ (~b10l & b11l)
    a14h = b14h ^ (~b10h & b11h)
    a15l = b15l ^ (~b16l & b17l)
    a15h = b15h ^ (~b16h & b17h)
    a16l = b16l ^ (~b17l & b18l)
    a16h = b16h ^ (~b17h & b18h)
    a17l = b17l ^ (~b18l & b19l)
    a17h = b17h ^ (~b18h & b19h)
    a18l = b18l ^ (~b19l & b15l)
    a18h = b18h ^ (~b19h & b15h)
    a19l = b19l ^ (~b15l & b16l)
    a19h = b19h ^ (~b15h & b16h)
    a20l = b20l ^ (~b21l & b22l)
    a20h = b20h ^ (~b21h & b22h)
    a21l = b21l ^ (~b22l & b23l)
    a21h = b21h ^ (~b22h & b23h)
    a22l = b22l ^ (~b23l & b24l)
    a22h = b22h ^ (~b23h & b24h)
    a23l = b23l ^ (~b24l & b20l)
    a23h = b23h ^ (~b24h & b20h)
    a24l = b24l ^ (~b20l & b21l)
    a24h = b24h ^ (~b20h & b21h)
    // ι
    a0l ^= IOTA_LO[round] as number
    a0h ^= IOTA_HI[round] as number
  }
  s[0] = a0l
  s[1] = a0h
  s[2] = a1l
  s[3] = a1h
  s[4] = a2l
  s[5] = a2h
  s[6] = a3l
  s[7] = a3h
  s[8] = a4l
  s[9] = a4h
  s[10] = a5l
  s[11] = a5h
  s[12] = a6l
  s[13] = a6h
  s[14] = a7l
  s[15] = a7h
  s[16] = a8l
  s[17] = a8h
  s[18] = a9l
  s[19] = a9h
  s[20] = a10l
  s[21] = a10h
  s[22] = a11l
  s[23] = a11h
  s[24] = a12l
  s[25] = a12h
  s[26] = a13l
  s[27] = a13h
  s[28] = a14l
  s[29] = a14h
  s[30] = a15l
  s[31] = a15h
  s[32] = a16l
  s[33] = a16h
  s[34] = a17l
  s[35] = a17h
  s[36] = a18l
  s[37] = a18h
  s[38] = a19l
  s[39] = a19h
  s[40] = a20l
  s[41] = a20h
  s[42] = a21l
  s[43] = a21h
  s[44] = a22l
  s[45] = a22h
  s[46] = a23l
  s[47] = a23h
  s[48] = a24l
  s[49] = a24h
}
