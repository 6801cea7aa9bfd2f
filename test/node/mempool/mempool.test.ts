import fc from 'fast-check'
import { type Address, fromRlp, type Hex, keccak256, numberToHex, toRlp } from 'viem'
import { describe, expect, it } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { ChainParams } from '../../../src/node/chain/types'
import { MempoolError, type MempoolErrorType } from '../../../src/node/mempool/errors'
import {
  MAX_GAPPED,
  MAX_GAPPED_PER_SENDER,
  MAX_PER_SENDER,
  MAX_TOTAL,
  Mempool,
  type MempoolView,
  MIN_SUGGESTED_TIP,
  type TxCodec,
} from '../../../src/node/mempool/mempool'
import { addressOf, GWEI, mineOn, transfer } from '../chain/chain-fixtures'

const params: ChainParams = {
  chainId: 31337,
  targetBlockTimeMs: 2000,
  minDifficulty: 1n,
  difficultyHalfLife: 2048,
  futureTimestampToleranceMs: 15_000,
  blockGasLimit: 30_000_000n,
  minBaseFee: 7n,
  baseFeeChangeDenominator: 8n,
  elasticityMultiplier: 2n,
  minerReward: 0n,
  confirmations: 2,
  maxReorgDepth: 64,
  maxTxBytes: 4096,
}

/**
 * A stand-in codec: the "raw transaction" is the RLP of its fields including the sender, so the pool's
 * logic is tested without curve arithmetic, and `recover` counts how often it is called.
 */
interface FakeTx {
  from: Address
  nonce: bigint
  tip?: bigint
  fee?: bigint
  chainId?: number
  gas?: bigint
  pad?: number
  bad?: boolean
  /** Wei sent; left out of the encoding when unset, so other transactions keep their hashes. */
  value?: bigint
}
const n = (v: bigint | number) => (BigInt(v) === 0n ? '0x' : numberToHex(v))
function raw(t: FakeTx): Hex {
  return toRlp([
    n(t.chainId ?? params.chainId),
    n(t.nonce),
    n(t.tip ?? 1n),
    n(t.fee ?? 100n),
    n(t.gas ?? 21_000n),
    t.from,
    t.bad === true ? '0x01' : '0x',
    `0x${'ab'.repeat(t.pad ?? 0)}`,
    ...(t.value === undefined ? [] : [n(t.value)]),
  ])
}
function fakeCodec(): TxCodec & { recovered: number } {
  const codec = {
    recovered: 0,
    parse(r: Hex) {
      const f = fromRlp(r, 'hex') as Hex[]
      const big = (i: number) => BigInt(f[i] === '0x' ? 0 : (f[i] as Hex))
      return {
        hash: keccak256(r),
        raw: r,
        chainId: Number(big(0)),
        nonce: big(1),
        maxPriorityFeePerGas: big(2),
        maxFeePerGas: big(3),
        gas: big(4),
        to: '0x000000000000000000000000000000000000dead' as Address,
        value: f[8] === undefined ? 0n : big(8),
        data: '0x' as Hex,
      }
    },
    recover(parsed: { raw: Hex }): Address {
      codec.recovered++
      const f = fromRlp(parsed.raw, 'hex') as Hex[]
      if (f[6] === '0x01') throw new Error('bad signature')
      return f[5] as Address
    },
  }
  return codec
}

const A = '0x00000000000000000000000000000000000000a1' as Address
const B = '0x00000000000000000000000000000000000000b2' as Address
const C = '0x00000000000000000000000000000000000000c3' as Address
const D = '0x00000000000000000000000000000000000000d4' as Address
const E = '0x00000000000000000000000000000000000000e5' as Address

function view(nonces: Record<string, bigint> = {}, baseFee = 10n, balance = 10n ** 30n): MempoolView {
  return { baseFee, nonce: (a) => nonces[a] ?? 0n, balance: () => balance }
}

function refusal(fn: () => unknown): MempoolErrorType | 'ok' {
  try {
    fn()
  } catch (err) {
    if (err instanceof MempoolError) return err.type
    throw err
  }
  return 'ok'
}

function code(fn: () => unknown): string {
  const r = refusal(fn)
  return r === 'ok' ? r : r.code
}

describe('mempool admission', () => {
  it('runs the cheap checks before recovering the sender', () => {
    const codec = fakeCodec()
    const pool = new Mempool({ params, codec }, view())
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, pad: 5000 })))).toBe('MEMPOOL_TX_TOO_LARGE')
    expect(code(() => pool.add('0x01'))).toBe('MEMPOOL_MALFORMED')
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, chainId: 1 })))).toBe('MEMPOOL_WRONG_CHAIN')
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, fee: 6n, tip: 1n })))).toBe('MEMPOOL_FEE_TOO_LOW')
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, fee: 20n, tip: 21n })))).toBe(
      'MEMPOOL_TIP_ABOVE_FEE',
    )
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, gas: 20_999n })))).toBe('MEMPOOL_BAD_GAS')
    expect(code(() => pool.add(raw({ from: A, nonce: 0n, gas: 30_000_001n })))).toBe('MEMPOOL_BAD_GAS')
    expect([codec.recovered, pool.size]).toEqual([0, 0])
    const ok = raw({ from: A, nonce: 0n })
    pool.add(ok)
    expect(codec.recovered).toBe(1)
    expect(code(() => pool.add(ok))).toBe('MEMPOOL_KNOWN')
    expect(codec.recovered).toBe(1)
    expect(code(() => pool.add(raw({ from: B, nonce: 0n, bad: true })))).toBe('MEMPOOL_BAD_SIGNATURE')
    // Refused transactions leave nothing behind: the pool holds the one admitted.
    expect(pool.all().map((t) => t.hash)).toEqual([keccak256(ok)])
    // The bounds themselves are admitted: exactly `maxTxBytes`, a fee cap at the floor.
    const padded = (pad: number) => raw({ from: C, nonce: 0n, pad })
    const exact = padded(3000 + params.maxTxBytes - (padded(3000).length - 2) / 2)
    expect((exact.length - 2) / 2).toBe(params.maxTxBytes)
    expect(pool.add(exact).hash).toBe(keccak256(exact))
    expect(pool.add(raw({ from: C, nonce: 1n, fee: params.minBaseFee })).maxFeePerGas).toBe(params.minBaseFee)
  })

  it('caches senders by hash so re-admission after removal needs no recovery', () => {
    const codec = fakeCodec()
    const pool = new Mempool({ params, codec }, view())
    const t = pool.add(raw({ from: A, nonce: 0n }))
    pool.remove(t.hash)
    pool.add(t.raw)
    expect(codec.recovered).toBe(1)
    expect(pool.senders.get(t.hash)).toBe(A)
    expect(pool.recoveries).toBe(1)
  })

  it('enforces the nonce window and the balance for the max cost', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view({ [A]: 5n }))
    expect(code(() => pool.add(raw({ from: A, nonce: 4n })))).toBe('MEMPOOL_NONCE_TOO_LOW')
    expect(code(() => pool.add(raw({ from: A, nonce: 21n })))).toBe('MEMPOOL_NONCE_TOO_HIGH')
    expect(code(() => pool.add(raw({ from: A, nonce: 20n })))).toBe('ok')
    const poor = new Mempool({ params, codec: fakeCodec() }, view({}, 10n, 21_000n * 100n - 1n))
    expect(code(() => poor.add(raw({ from: A, nonce: 0n })))).toBe('MEMPOOL_INSUFFICIENT_FUNDS')
  })

  it('counts the value sent in the cost a sender must cover, at admission and on each new head', () => {
    // The max gas cost is 21,000 × 100; the balance covers it and 5 wei more.
    const balance = 21_000n * 100n + 5n
    const pool = new Mempool({ params, codec: fakeCodec() }, view({}, 10n, balance))
    const over = raw({ from: A, nonce: 0n, value: 6n })
    expect(refusal(() => pool.add(over))).toEqual({
      code: 'MEMPOOL_INSUFFICIENT_FUNDS',
      need: balance + 1n,
      have: balance,
    })
    expect([pool.size, pool.has(keccak256(over))]).toEqual([0, false])
    const exact = pool.add(raw({ from: A, nonce: 0n, value: 5n }))
    expect(pool.pending().map((t) => t.hash)).toEqual([exact.hash])
    // A head that leaves the sender 1 wei short of gas and value drops it.
    pool.onHead(view({}, 10n, balance - 1n))
    expect([pool.size, pool.has(exact.hash)]).toEqual([0, false])
  })

  it('replaces the same sender and nonce only with a 10% bump of both fee fields', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view())
    const first = pool.add(raw({ from: A, nonce: 0n, tip: 10n, fee: 100n }))
    // Refused double spends of nonce 0 (too small a bump of either field, or none) change nothing.
    for (const [tip, fee] of [
      [10n, 100n],
      [10n, 109n],
      [10n, 200n],
      [100n, 109n],
    ] as const) {
      const spend = raw({ from: A, nonce: 0n, tip, fee, pad: 1 })
      expect(code(() => pool.add(spend))).toBe('MEMPOOL_REPLACEMENT_UNDERPRICED')
      expect([pool.has(first.hash), pool.has(keccak256(spend)), pool.size]).toEqual([true, false, 1])
      expect(pool.all().map((t) => t.hash)).toEqual([first.hash])
    }
    const second = pool.add(raw({ from: A, nonce: 0n, tip: 11n, fee: 110n }))
    expect(pool.has(first.hash)).toBe(false)
    expect(pool.has(second.hash)).toBe(true)
    expect(pool.size).toBe(1)
    // 10% of fees that are not multiples of ten rounds up: 15 needs 17 (16.5), not 16.
    const odd = pool.add(raw({ from: B, nonce: 0n, tip: 15n, fee: 105n }))
    for (const [tip, fee] of [
      [16n, 116n],
      [17n, 115n],
    ] as const)
      expect(code(() => pool.add(raw({ from: B, nonce: 0n, tip, fee })))).toBe(
        'MEMPOOL_REPLACEMENT_UNDERPRICED',
      )
    expect(pool.has(odd.hash)).toBe(true)
    expect(pool.add(raw({ from: B, nonce: 0n, tip: 17n, fee: 116n })).from).toBe(B)
    expect(pool.has(odd.hash)).toBe(false)
  })

  it('caps a sender at 16 pending transactions', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxPerSender: 16 }, view())
    for (let i = 0n; i < 16n; i++) pool.add(raw({ from: A, nonce: i }))
    // The 17th is refused by the nonce window (it equals the cap), and the cap holds with gaps too.
    expect(code(() => pool.add(raw({ from: A, nonce: 16n })))).toBe('MEMPOOL_NONCE_TOO_HIGH')
    const gappy = new Mempool({ params, codec: fakeCodec(), maxPerSender: 4 }, view())
    for (const i of [0n, 1n, 2n, 3n]) gappy.add(raw({ from: B, nonce: i }))
    gappy.onHead(view({ [B]: 1n }))
    expect(gappy.size).toBe(3)
    gappy.add(raw({ from: B, nonce: 4n }))
    expect(code(() => gappy.add(raw({ from: B, nonce: 5n })))).toBe('MEMPOOL_NONCE_TOO_HIGH')
  })

  it('keeps a sender inside its nonce window when a reorg rolls its nonce back, so lower nonces get in', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxPerSender: 4 }, view({ [A]: 5n }))
    const held = [5n, 6n, 7n, 8n].map((i) => pool.add(raw({ from: A, nonce: i })).hash)
    // A's nonce is 3 again and its orphans did not come back (say its funds went on the new branch): the
    // window is [3, 7), so 7 and 8 leave, and 3 and 4 find room in front of 5 and 6.
    pool.onHead(view({ [A]: 3n }))
    expect(held.map((h) => pool.has(h))).toEqual([true, true, false, false])
    expect(pool.slots).toBe(2)
    expect(code(() => pool.add(raw({ from: A, nonce: 3n })))).toBe('ok')
    expect(code(() => pool.add(raw({ from: A, nonce: 4n })))).toBe('ok')
    expect(pool.pending().map((t) => t.nonce)).toEqual([3n, 4n, 5n, 6n])
    // The cap still holds: the next nonce is beyond the window, and nothing changed for it.
    expect(refusal(() => pool.add(raw({ from: A, nonce: 7n })))).toEqual({
      code: 'MEMPOOL_NONCE_TOO_HIGH',
      expected: 3n,
      got: 7n,
      window: 4,
    })
    expect(pool.size).toBe(4)
    expect(code(() => pool.add(raw({ from: B, nonce: 0n })))).toBe('ok')
    expect(pool.size).toBe(5)
  })

  it('when full, evicts the lowest tip and refuses transactions that pay no more than it', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 3 }, view())
    pool.add(raw({ from: A, nonce: 0n, tip: 5n }))
    const low = pool.add(raw({ from: B, nonce: 0n, tip: 2n }))
    pool.add(raw({ from: C, nonce: 0n, tip: 7n }))
    const codec = fakeCodec()
    const full = new Mempool({ params, codec, maxTotal: 1 }, view())
    full.add(raw({ from: A, nonce: 0n, tip: 5n }))
    expect(code(() => full.add(raw({ from: B, nonce: 0n, tip: 5n })))).toBe('MEMPOOL_UNDERPRICED')
    // Refused before recovery: flooding a full pool with cheap transactions costs no curve work.
    expect(codec.recovered).toBe(1)
    // B's next nonce would need B's first one evicted: refused rather than left behind a gap.
    expect(code(() => pool.add(raw({ from: B, nonce: 1n, tip: 9n })))).toBe('MEMPOOL_UNDERPRICED')
    const d = '0x00000000000000000000000000000000000000d4' as Address
    pool.add(raw({ from: d, nonce: 0n, tip: 50n }))
    expect(pool.size).toBe(3)
    expect(pool.has(low.hash)).toBe(false)
    expect(code(() => pool.add(raw({ from: d, nonce: 1n, tip: 1n })))).toBe('MEMPOOL_UNDERPRICED')
    // Between equal tips the later arrival goes first: the earlier keeps its place.
    const tie = new Mempool({ params, codec: fakeCodec(), maxTotal: 2 }, view())
    const older = tie.add(raw({ from: A, nonce: 0n, tip: 5n }))
    const newer = tie.add(raw({ from: B, nonce: 0n, tip: 5n }))
    tie.add(raw({ from: C, nonce: 0n, tip: 6n }))
    expect([tie.has(older.hash), tie.has(newer.hash)]).toEqual([true, false])
  })

  it('when full, refuses a transaction tipping no more than the cheapest held, though its fees would bump another sender of its nonce', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 3 }, view())
    // A's nonce 0 is not an eviction candidate (its nonce 1 is, a sender's last): C's, tipping 11, is.
    pool.add(raw({ from: A, nonce: 0n, tip: 10n, fee: 100n }))
    pool.add(raw({ from: A, nonce: 1n, tip: 50n, fee: 200n }))
    const cheapest = pool.add(raw({ from: C, nonce: 0n, tip: 11n, fee: 200n }))
    // B's nonce 0 offers 10% over A's nonce 0, so it is recovered, and then tips 11: no more than C.
    expect(refusal(() => pool.add(raw({ from: B, nonce: 0n, tip: 11n, fee: 110n })))).toEqual({
      code: 'MEMPOOL_UNDERPRICED',
      tip: 11n,
      lowest: 11n,
    })
    expect([pool.size, pool.has(cheapest.hash)]).toEqual([3, true])
  })

  it('suggests the default tip while a slot is free, and 10% above the tip a full pool would evict first, which it then admits', () => {
    const GWEI = 10n ** 9n
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 2 }, view())
    expect(pool.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
    pool.add(raw({ from: A, nonce: 0n, tip: 5n * GWEI, fee: 100n * GWEI }))
    expect(pool.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
    const low = pool.add(raw({ from: B, nonce: 0n, tip: 3n * GWEI, fee: 100n * GWEI }))
    expect(pool.suggestedTip()).toBe(3_300_000_000n)
    // The default would be refused; the suggestion takes the lowest one's place.
    expect(code(() => pool.add(raw({ from: C, nonce: 0n, tip: MIN_SUGGESTED_TIP, fee: 100n * GWEI })))).toBe(
      'MEMPOOL_UNDERPRICED',
    )
    expect(code(() => pool.add(raw({ from: C, nonce: 0n, tip: 3_300_000_000n, fee: 100n * GWEI })))).toBe(
      'ok',
    )
    expect(pool.has(low.hash)).toBe(false)
    // A full pool of tips below the default still suggests the default.
    const cheap = new Mempool({ params, codec: fakeCodec(), maxTotal: 1 }, view())
    cheap.add(raw({ from: A, nonce: 0n, tip: 2n }))
    expect(cheap.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
  })

  it('when full, takes a fee bump in the slot the replaced transaction frees, whatever the others pay', () => {
    const codec = fakeCodec()
    const pool = new Mempool({ params, codec, maxTotal: 3 }, view())
    // A's first transfer is stuck at a 1 wei tip; A's next one and B's pay more.
    const stuck = pool.add(raw({ from: A, nonce: 0n, tip: 1n, fee: 100n }))
    pool.add(raw({ from: A, nonce: 1n, tip: 50n, fee: 100n }))
    pool.add(raw({ from: B, nonce: 0n, tip: 20n, fee: 100n }))
    // A raises both fee fields by 10 %: still the lowest tip, but it needs no room.
    const bumped = pool.add(raw({ from: A, nonce: 0n, tip: 2n, fee: 110n }))
    expect([pool.has(stuck.hash), pool.has(bumped.hash), pool.size]).toEqual([false, true, 3])
    // The same fees from another sender replace nothing: that one needs room and pays too little for it.
    expect(code(() => pool.add(raw({ from: C, nonce: 0n, tip: 3n, fee: 121n })))).toBe('MEMPOOL_UNDERPRICED')
    // One that outbids no held transaction of its nonce is still refused before recovery.
    const recovered = codec.recovered
    expect(code(() => pool.add(raw({ from: C, nonce: 1n, tip: 3n, fee: 121n })))).toBe('MEMPOOL_UNDERPRICED')
    expect(codec.recovered).toBe(recovered)
    expect(pool.size).toBe(3)
  })

  it('counts large transactions in 32 KiB slots and evicts enough cheap ones to fit them', () => {
    const roomy = { ...params, maxTxBytes: 200_000 }
    const pool = new Mempool({ params: roomy, codec: fakeCodec(), maxTotal: 4 }, view())
    const small = [A, B, C].map((from, i) => pool.add(raw({ from, nonce: 0n, tip: BigInt(2 + i) })))
    expect(pool.slots).toBe(3)
    // 70 KB takes three slots: the two cheapest transactions (tips 2 and 3) make room, tip 4 stays.
    const d = '0x00000000000000000000000000000000000000d4' as Address
    const big = pool.add(raw({ from: d, nonce: 0n, tip: 9n, pad: 70_000 }))
    expect(pool.slots).toBe(4)
    expect(small.map((t) => pool.has(t.hash))).toEqual([false, false, true])
    // Refused as a whole when a needed victim pays as much: nothing is evicted.
    const e = '0x00000000000000000000000000000000000000e5' as Address
    expect(code(() => pool.add(raw({ from: e, nonce: 0n, tip: 8n, pad: 100_000 })))).toBe(
      'MEMPOOL_UNDERPRICED',
    )
    expect(pool.has(big.hash)).toBe(true)
    expect(pool.slots).toBe(4)
    // A large transaction whose fees bump a held one-slot transaction cannot take its place alone: when
    // it tips no more than the cheapest, it is refused before recovery, as any underpriced one.
    const codec = fakeCodec()
    const full = new Mempool({ params: roomy, codec, maxTotal: 3 }, view())
    full.add(raw({ from: A, nonce: 0n, tip: 10n, fee: 100n }))
    full.add(raw({ from: A, nonce: 1n, tip: 50n, fee: 200n }))
    full.add(raw({ from: C, nonce: 0n, tip: 11n, fee: 200n }))
    const bulky = raw({ from: B, nonce: 0n, tip: 11n, fee: 110n, pad: 70_000 })
    expect(code(() => full.add(bulky))).toBe('MEMPOOL_UNDERPRICED')
    expect([codec.recovered, full.size]).toEqual([3, 3])
  })

  it('holds the go-ethereum caps under a flood from one peer', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view())
    let refused = 0
    for (let s = 0; s < 400; s++) {
      const from = `0x${s.toString(16).padStart(40, '0')}` as Address
      for (let i = 0n; i < 20n; i++) {
        if (code(() => pool.add(raw({ from, nonce: i, tip: BigInt(1 + (s % 50)) }))) !== 'ok') refused++
      }
    }
    expect(pool.size).toBe(5_120)
    expect(refused).toBeGreaterThan(0)
    // 400 senders × 16 admissible = 6,400: the 1,280 cheapest (tips 1–10, 128 each) went, and eviction
    // took each sender's highest nonces, so everything left is still executable (no nonce gaps).
    const pending = pool.pending(10n)
    expect(pending.length).toBe(5_120)
    expect(pending.every((t) => t.maxPriorityFeePerGas >= 11n)).toBe(true)
    expect(pending.some((t) => t.maxPriorityFeePerGas === 11n)).toBe(true)
  })
})

describe('mempool transactions waiting behind a nonce gap', () => {
  const sender = (i: number) => `0x${(0xf000 + i).toString(16).padStart(40, '0')}` as Address

  it('a flood of gapped high-tip transactions from many senders neither evicts executable ones nor raises the suggested tip', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 7, maxGapped: 4 }, view())
    const honest = [A, B, C].map((from) => pool.add(raw({ from, nonce: 0n, tip: GWEI, fee: 100n * GWEI })))
    // Nonce 1 of senders whose nonce 0 never comes: never mineable, so never paid for.
    const codes = Array.from({ length: 100 }, (_, i) =>
      code(() => pool.add(raw({ from: sender(i), nonce: 1n, tip: 50n * GWEI, fee: 100n * GWEI }))),
    )
    // The gapped room (4 slots) fills; the rest is refused: outbidding a gapped one is not enough.
    expect(codes.filter((c) => c === 'ok')).toHaveLength(4)
    expect(new Set(codes.filter((c) => c !== 'ok'))).toEqual(new Set(['MEMPOOL_UNDERPRICED']))
    expect(honest.every((t) => pool.has(t.hash))).toBe(true)
    // Full, but an executable one still enters at the default tip, in a gapped one's place.
    expect(pool.slots).toBe(7)
    expect(pool.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
    const d = '0x00000000000000000000000000000000000000d4' as Address
    for (const nonce of [0n, 1n, 2n, 3n]) pool.add(raw({ from: d, nonce, tip: GWEI, fee: 100n * GWEI }))
    expect(pool.slots).toBe(7)
    expect(pool.pending()).toHaveLength(7)
    // Full of executable transactions at last: 10% above their lowest tip, however high the gapped ones bid.
    expect(pool.suggestedTip()).toBe(1_100_000_000n)
    expect(
      code(() => pool.add(raw({ from: sender(200), nonce: 1n, tip: 90n * GWEI, fee: 100n * GWEI }))),
    ).toBe('MEMPOOL_NONCE_GAP')
    expect(pool.suggestedTip()).toBe(1_100_000_000n)
    expect(honest.every((t) => pool.has(t.hash))).toBe(true)
  })

  it('a full pool evicts gapped transactions first, whatever they tip, and a gapped one never evicts an executable one', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 3 }, view())
    const cheap = pool.add(raw({ from: A, nonce: 0n, tip: 1n }))
    const gapped = pool.add(raw({ from: B, nonce: 1n, tip: 50n }))
    pool.add(raw({ from: C, nonce: 0n, tip: 5n }))
    expect(pool.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
    // Not even in place of its sender's own gapped one, which waits in front of it.
    expect(refusal(() => pool.add(raw({ from: B, nonce: 2n, tip: 90n })))).toEqual({
      code: 'MEMPOOL_NONCE_GAP',
      expected: 0n,
      got: 2n,
    })
    const d = '0x00000000000000000000000000000000000000d4' as Address
    const next = pool.add(raw({ from: d, nonce: 0n, tip: 2n }))
    expect([pool.has(gapped.hash), pool.has(cheap.hash), pool.has(next.hash)]).toEqual([false, true, true])
    // No gapped one left: a gapped one cannot get in at any tip, an executable one outbids the lowest.
    expect(refusal(() => pool.add(raw({ from: B, nonce: 1n, tip: 90n })))).toEqual({
      code: 'MEMPOOL_NONCE_GAP',
      expected: 0n,
      got: 1n,
    })
    expect(pool.size).toBe(3)
    pool.add(raw({ from: B, nonce: 0n, tip: 3n }))
    expect(pool.has(cheap.hash)).toBe(false)
  })

  it('caps gapped transactions per sender; a gapped one becomes executable when its gap fills', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxGappedPerSender: 2, maxTotal: 5 }, view())
    const late = [2n, 3n].map((nonce) => pool.add(raw({ from: A, nonce, tip: 9n })))
    expect(refusal(() => pool.add(raw({ from: A, nonce: 5n })))).toEqual({
      code: 'MEMPOOL_NONCE_GAP',
      expected: 0n,
      got: 5n,
    })
    // A fee bump of a gapped one needs no room of its own.
    expect(code(() => pool.add(raw({ from: A, nonce: 3n, tip: 10n, fee: 110n })))).toBe('ok')
    expect(pool.has(late[1]?.hash ?? '0x')).toBe(false)
    pool.add(raw({ from: A, nonce: 0n, tip: 1n }))
    expect(pool.pending()).toHaveLength(1)
    pool.add(raw({ from: A, nonce: 1n, tip: 1n }))
    // The gap is filled: all four are executable, and now count against the pool as such.
    expect(pool.pending().map((t) => t.nonce)).toEqual([0n, 1n, 2n, 3n])
    expect(code(() => pool.add(raw({ from: A, nonce: 5n })))).toBe('ok')
    expect(pool.has(late[0]?.hash ?? '0x')).toBe(true)
    // Full: an executable newcomer evicts the gapped nonce 5, not A's executable ones, which tip more.
    expect(pool.slots).toBe(5)
    pool.add(raw({ from: B, nonce: 0n, tip: 1n }))
    expect(pool.all().map((t) => `${t.from.slice(-2)}:${t.nonce}`)).toEqual([
      'a1:0',
      'a1:1',
      'a1:2',
      'a1:3',
      'b2:0',
    ])
  })

  it('a reorg that leaves a sender more gapped transactions than its cap keeps the lowest nonces, the first to become executable', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxGappedPerSender: 2 }, view({ [A]: 3n }))
    for (let nonce = 3n; nonce < 8n; nonce++) pool.add(raw({ from: A, nonce }))
    // The reorg takes out nonces 0-2 and returns none of them: 3-7 all wait behind a gap.
    pool.onHead(view({ [A]: 0n }))
    expect(pool.all().map((t) => t.nonce)).toEqual([3n, 4n])
  })

  it('after a reorg, transactions that wait for their orphaned predecessors are executable again once those return', () => {
    const reorged = (orphansBack: boolean) => {
      const pool = new Mempool({ params, codec: fakeCodec(), maxGapped: 1, maxTotal: 5 }, view())
      const mined = [0n, 1n].map((nonce) => pool.add(raw({ from: A, nonce, tip: 5n })))
      pool.onHead(
        view({ [A]: 2n }),
        mined.map((t) => t.hash),
      )
      for (const nonce of [2n, 3n, 4n]) pool.add(raw({ from: A, nonce, tip: 5n }))
      // A's nonce is 0 again: 2–4 wait behind the orphans, more than the gapped room holds.
      pool.onHead(view(), [], orphansBack ? mined.map((t) => t.raw) : [])
      return { pool, mined }
    }
    const back = reorged(true)
    expect(back.pool.pending().map((t) => t.nonce)).toEqual([0n, 1n, 2n, 3n, 4n])
    // Orphans that do not come back leave the later ones gapped: held to the gapped room, lowest nonce
    // kept, and executable again once the sender sends its first two again.
    const lost = reorged(false)
    expect(lost.pool.all().map((t) => t.nonce)).toEqual([2n])
    expect(lost.pool.pending()).toEqual([])
    for (const t of lost.mined) lost.pool.add(t.raw)
    expect(lost.pool.pending().map((t) => t.nonce)).toEqual([0n, 1n, 2n])
  })

  it("after a reorg in a full pool, an orphan returned early evicts no transaction that a later orphan's return makes executable again", () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 4 }, view())
    const mined = [
      pool.add(raw({ from: A, nonce: 0n, tip: 5n })),
      pool.add(raw({ from: B, nonce: 0n, tip: 5n })),
    ]
    pool.onHead(
      view({ [A]: 1n, [B]: 1n }),
      mined.map((t) => t.hash),
    )
    const b1 = pool.add(raw({ from: B, nonce: 1n, tip: 5n }))
    for (const nonce of [0n, 1n, 2n]) pool.add(raw({ from: C, nonce, tip: 3n }))
    expect(pool.slots).toBe(4)
    // Reorg: the block that held A's 0 and then B's 0 is orphaned. B's 1 waits behind B's 0 until that
    // returns, after A's: A's must not take its place meanwhile, nor the cheaper C's keep theirs.
    pool.onHead(
      view(),
      [],
      mined.map((t) => t.raw),
    )
    expect(pool.has(b1.hash)).toBe(true)
    expect(pool.pending().map((t) => `${t.from.slice(-2)}:${t.nonce}`)).toEqual([
      'a1:0',
      'b2:0',
      'b2:1',
      'c3:0',
    ])
    expect(pool.slots).toBe(4)
  })

  it('holds the gapped caps, and never lets a gapped transaction evict an executable one, whatever arrives and whatever the heads', () => {
    const senders = [A, B, C] as const
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        sender: fc.constantFrom(...senders),
        nonce: fc.bigInt({ min: 0n, max: 6n }),
        tip: fc.bigInt({ min: 1n, max: 5n }),
      }),
      fc.record({
        kind: fc.constant('head' as const),
        nonces: fc.tuple(
          fc.bigInt({ min: 0n, max: 3n }),
          fc.bigInt({ min: 0n, max: 3n }),
          fc.bigInt({ min: 0n, max: 3n }),
        ),
        orphans: fc.array(fc.nat(), { maxLength: 6 }),
      }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const init = {
          params,
          codec: fakeCodec(),
          maxPerSender: 6,
          maxTotal: 6,
          maxGapped: 2,
          maxGappedPerSender: 1,
        }
        const pool = new Mempool(init, view())
        const seen: FakeTx[] = []
        let nonces: Record<string, bigint> = {}
        // Held `sender:nonce` keys, split by whether they are executable at the head `nonces` describes.
        const split = () => {
          const executable = new Set<string>()
          const gapped = new Set<string>()
          for (const from of senders) {
            const held = new Set(
              pool
                .all()
                .filter((t) => t.from === from)
                .map((t) => t.nonce),
            )
            let next = nonces[from] ?? 0n
            while (held.has(next)) next++
            for (const n of held) (n < next ? executable : gapped).add(`${from}:${n}`)
          }
          return { executable, gapped }
        }
        for (const o of ops) {
          if (o.kind === 'add') {
            const t = { from: o.sender, nonce: o.nonce, tip: o.tip }
            seen.push(t)
            const before = split()
            if (code(() => pool.add(raw(t))) === 'ok') {
              const after = split()
              const key = `${t.from}:${t.nonce}`
              const lost = [...before.executable].filter((k) => !after.executable.has(k))
              // A gapped one evicts no executable one; an executable one only once no other sender's gapped one is left.
              if (after.gapped.has(key)) expect(lost).toEqual([])
              else if (lost.length > 0)
                expect([...after.gapped].filter((k) => !k.startsWith(t.from))).toEqual([])
            }
          } else {
            nonces = { [A]: o.nonces[0], [B]: o.nonces[1], [C]: o.nonces[2] }
            const orphans = seen.length === 0 ? [] : o.orphans.map((k) => seen[k % seen.length] as FakeTx)
            pool.onHead(view(nonces), [], orphans.map(raw))
          }
          const { gapped } = split()
          expect(gapped.size).toBeLessThanOrEqual(2)
          for (const from of senders)
            expect([...gapped].filter((k) => k.startsWith(from)).length).toBeLessThanOrEqual(1)
          expect(pool.slots).toBeLessThanOrEqual(6)
          expect(pool.suggestedTip()).toBe(MIN_SUGGESTED_TIP)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('mempool ordering', () => {
  it('orders by effective tip, then nonce, contiguous per sender', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view({ [B]: 3n }))
    pool.add(raw({ from: A, nonce: 1n, tip: 50n }))
    pool.add(raw({ from: A, nonce: 0n, tip: 1n }))
    pool.add(raw({ from: B, nonce: 3n, tip: 20n }))
    pool.add(raw({ from: B, nonce: 5n, tip: 90n })) // gap at 4: not executable yet
    pool.add(raw({ from: C, nonce: 0n, tip: 20n, fee: 25n })) // effective tip at base fee 10 is 15
    const order = pool.pending(10n).map((t) => `${t.from.slice(-2)}:${t.nonce}`)
    expect(order).toEqual(['b2:3', 'c3:0', 'a1:0', 'a1:1'])
    // Fee caps below the base fee are held back.
    expect(pool.pending(26n).map((t) => t.from)).toEqual([B, A, A])
    // A fee cap equal to the base fee still pays it (with no tip left: last).
    expect(pool.pending(25n).map((t) => t.from)).toEqual([B, A, A, C])
    // Equal tips: the lower nonce first, though it arrived later.
    const tied = new Mempool({ params, codec: fakeCodec() }, view({ [B]: 3n }))
    tied.add(raw({ from: B, nonce: 3n, tip: 5n }))
    tied.add(raw({ from: A, nonce: 0n, tip: 5n }))
    expect(tied.pending(10n).map((t) => t.from)).toEqual([A, B])
  })

  it('drops mined and stale transactions on a new head and re-admits orphans', () => {
    const codec = fakeCodec()
    const pool = new Mempool({ params, codec }, view())
    const a0 = pool.add(raw({ from: A, nonce: 0n }))
    const a1 = pool.add(raw({ from: A, nonce: 1n }))
    const b0 = pool.add(raw({ from: B, nonce: 0n }))
    pool.onHead(view({ [A]: 1n }), [a0.hash])
    expect(pool.has(a0.hash)).toBe(false)
    expect(pool.has(a1.hash)).toBe(true)
    pool.onHead(view({ [A]: 2n, [B]: 0n }), [b0.hash])
    expect(pool.size).toBe(0)
    // Reorg: the blocks that held a0, a1 and b0 are orphaned; A's account is back at nonce 0.
    pool.onHead(view({}), [], [a0.raw, a1.raw, b0.raw])
    expect(pool.size).toBe(3)
    expect(codec.recovered).toBe(3)
  })

  it('drops on a new head a transaction its sender can no longer pay for (a reorg took out its funding)', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view())
    // Each costs gas × fee cap: 21,000 × 100 for A's, 21,000 × 50 for B's.
    const a0 = pool.add(raw({ from: A, nonce: 0n }))
    const b0 = pool.add(raw({ from: B, nonce: 0n, fee: 50n }))
    pool.onHead(view({}, 10n, 21_000n * 100n))
    expect([pool.has(a0.hash), pool.has(b0.hash)]).toEqual([true, true])
    pool.onHead(view({}, 10n, 21_000n * 100n - 1n))
    expect([pool.has(a0.hash), pool.has(b0.hash)]).toEqual([false, true])
    expect(pool.pending().map((t) => t.hash)).toEqual([b0.hash])
  })

  it('re-admits the orphans of a sender holding the cap: its nonces now beyond the window make room', () => {
    const pool = new Mempool({ params, codec: fakeCodec(), maxPerSender: 4, maxTotal: 5 }, view())
    const mined = [0n, 1n, 2n, 3n].map((i) => pool.add(raw({ from: A, nonce: i, tip: 5n })))
    pool.onHead(
      view({ [A]: 4n }),
      mined.map((t) => t.hash),
    )
    const later = [4n, 5n, 6n, 7n].map((i) => pool.add(raw({ from: A, nonce: i, tip: 5n })))
    const b0 = pool.add(raw({ from: B, nonce: 0n, tip: 1n }))
    expect(pool.slots).toBe(5)
    // Reorg: the block that held A's nonces 0–3 is orphaned and A's account is back at nonce 0. Nonces
    // 4–7 can only be mined after 0–3, for which the cap leaves no room: they go, the orphans come back,
    // and the pool's cheapest transaction (B's) is not evicted for them either.
    pool.onHead(
      view(),
      [],
      mined.map((t) => t.raw),
    )
    expect(pool.pending().map((t) => `${t.from.slice(-2)}:${t.nonce}`)).toEqual([
      'a1:0',
      'a1:1',
      'a1:2',
      'a1:3',
      'b2:0',
    ])
    expect(later.map((t) => pool.has(t.hash))).toEqual([false, false, false, false])
    expect(pool.has(b0.hash)).toBe(true)
    expect(pool.size).toBe(5)
    expect(pool.slots).toBe(5)
  })

  /**
   * A pool of 3 slots after a head that mined `mined`: full with A's 1 (tipping `a1Tip`), B's 0 (3) and
   * C's 0 (4).
   */
  function fullAfter(mined: readonly FakeTx[], a1Tip: bigint) {
    const pool = new Mempool({ params, codec: fakeCodec(), maxTotal: 3 }, view())
    const txs = mined.map((t) => pool.add(raw(t)))
    pool.onHead(
      view(Object.fromEntries(mined.map((t) => [t.from, t.nonce + 1n]))),
      txs.map((t) => t.hash),
    )
    const a1 = pool.add(raw({ from: A, nonce: 1n, tip: a1Tip }))
    pool.add(raw({ from: B, nonce: 0n, tip: 3n }))
    pool.add(raw({ from: C, nonce: 0n, tip: 4n }))
    expect(pool.slots).toBe(3)
    return { pool, mined: txs, a1 }
  }

  it('takes back into a full pool an orphan that `add` would refuse as underpriced, and only then evicts', () => {
    const { pool, mined, a1 } = fullAfter(
      [
        { from: D, nonce: 0n, tip: 9n },
        { from: A, nonce: 0n, tip: 1n },
      ],
      5n,
    )
    // Reorg: the block that held D's 0 and then A's 0 is orphaned. D's fills the pool; A's tips less than
    // any held, but A's 1 waits for it: back, it makes A's 1 executable again, and the eviction that
    // follows weighs A's 1 (each sender's last nonce), not A's 0.
    const back = pool.onHead(
      view(),
      [],
      mined.map((t) => t.raw),
    )
    expect(back.map((t) => t.hash)).toEqual(mined.map((t) => t.hash))
    expect(pool.has(a1.hash)).toBe(true)
    expect(pool.pending().map((t) => `${t.from.slice(-2)}:${t.nonce}`)).toEqual(['d4:0', 'a1:0', 'a1:1'])
  })

  it('brought over its cap by orphans, evicts gapped transactions first whatever they tip, and reports only the orphans it keeps', () => {
    const { pool, a1 } = fullAfter([{ from: A, nonce: 0n, tip: 5n }], 9n)
    // Reorg: A's nonce is 0 again and A's 0 does not come back, so A's 1 waits behind a gap; the orphans
    // of D and E bring the pool two slots over its cap.
    const orphans = [raw({ from: D, nonce: 0n, tip: 5n }), raw({ from: E, nonce: 0n, tip: 1n })]
    const back = pool.onHead(view(), [], orphans)
    expect(pool.has(a1.hash)).toBe(false)
    expect(pool.pending().map((t) => `${t.from.slice(-2)}:${t.nonce}`)).toEqual(['d4:0', 'c3:0', 'b2:0'])
    // E's orphan came back and was evicted (the lowest tip): it is not among those returned.
    expect(back.map((t) => t.raw)).toEqual([orphans[0]])
  })

  it('holds every sender inside its nonce window, and loses no orphan to the cap, whatever the heads', () => {
    const senders = [A, B] as const
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        sender: fc.constantFrom(...senders),
        nonce: fc.bigInt({ min: 0n, max: 12n }),
        tip: fc.bigInt({ min: 1n, max: 3n }),
      }),
      fc.record({
        kind: fc.constant('head' as const),
        nonces: fc.tuple(fc.bigInt({ min: 0n, max: 8n }), fc.bigInt({ min: 0n, max: 8n })),
        orphans: fc.array(fc.nat(), { maxLength: 6 }),
      }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const cap = 4
        const pool = new Mempool({ params, codec: fakeCodec(), maxPerSender: cap }, view())
        const seen: FakeTx[] = []
        let nonces: Record<string, bigint> = {}
        for (const o of ops) {
          if (o.kind === 'add') {
            const t = { from: o.sender, nonce: o.nonce, tip: o.tip }
            seen.push(t)
            code(() => pool.add(raw(t)))
            continue
          }
          nonces = { [A]: o.nonces[0], [B]: o.nonces[1] }
          const orphans = seen.length === 0 ? [] : o.orphans.map((k) => seen[k % seen.length] as FakeTx)
          pool.onHead(view(nonces), [], orphans.map(raw))
          // An orphan its sender can still use comes back, or another transaction holds its nonce.
          for (const t of orphans) {
            const low = nonces[t.from] ?? 0n
            if (t.nonce < low || t.nonce >= low + BigInt(cap)) continue
            expect(pool.all().some((h) => h.from === t.from && h.nonce === t.nonce)).toBe(true)
          }
        }
        for (const from of senders) {
          const held = pool.all().filter((t) => t.from === from)
          const low = nonces[from] ?? 0n
          expect(held.length).toBeLessThanOrEqual(cap)
          expect(held.every((t) => t.nonce >= low && t.nonce < low + BigInt(cap))).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('mempool with the real transaction codec', () => {
  it('refuses wrong-chain and oversized transactions without recovering, and block import reuses its senders', async () => {
    const genesis = testGenesis()
    const chain = new Chain({ genesis })
    const pool = new Mempool({ params: genesis.params, senders: chain.senders }, chain.mempoolView())
    const foreign = await transfer(0, { nonce: 0 }, 1)
    expect(code(() => pool.add(foreign))).toBe('MEMPOOL_INVALID_TX')
    expect(code(() => pool.add(`0x02${'00'.repeat(genesis.params.maxTxBytes)}`))).toBe('MEMPOOL_TX_TOO_LARGE')
    const cheap = await transfer(0, { nonce: 0, maxFee: 1n, tip: 1n })
    expect(code(() => pool.add(cheap))).toBe('MEMPOOL_FEE_TOO_LOW')
    expect(pool.recoveries).toBe(0)
    const raws = await Promise.all([
      transfer(0, { nonce: 0 }),
      transfer(1, { nonce: 0 }),
      transfer(0, { nonce: 1 }),
    ])
    for (const r of raws) pool.add(r)
    expect(pool.recoveries).toBe(3)
    const block = mineOn(chain, pool.pending())
    expect(block.transactions).toHaveLength(3)
    expect(chain.importBlock(block, block.header.timestamp).kind).toBe('extended')
    // Every sender came from the cache the mempool filled.
    expect(chain.recoveries).toBe(0)
    pool.onHead(
      chain.mempoolView(),
      block.transactions.map((r) => keccak256(r)),
    )
    expect(pool.size).toBe(0)
  })

  it('a pool full of executable transactions keeps them, and its suggested tip, against gapped ones that outbid them, and they are mined', async () => {
    const genesis = testGenesis()
    const chain = new Chain({ genesis })
    const pool = new Mempool(
      { params: genesis.params, senders: chain.senders, maxTotal: 4 },
      chain.mempoolView(),
    )
    const honest = await Promise.all(
      [0, 1].flatMap((from) => [0, 1].map((nonce) => transfer(from, { nonce }))),
    )
    for (const r of honest) pool.add(r)
    expect(pool.suggestedTip()).toBe(1_100_000_000n)
    // Eight funded senders' nonce 1, tipping 50 gwei, without their nonce 0: never mineable.
    const flood = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        transfer(2 + i, { nonce: 1, tip: 50n * GWEI, maxFee: 100n * GWEI }),
      ),
    )
    expect(flood.map((r) => code(() => pool.add(r)))).toEqual(Array(8).fill('MEMPOOL_NONCE_GAP'))
    expect(pool.suggestedTip()).toBe(1_100_000_000n)
    const block = mineOn(chain, pool.pending())
    expect([...block.transactions].sort()).toEqual([...honest].sort())
    expect(chain.importBlock(block, block.header.timestamp).kind).toBe('extended')
  })

  it('after a reorg, a sender holding the cap gets its orphaned transactions back ahead of its later ones', async () => {
    const genesis = testGenesis()
    const chain = new Chain({ genesis })
    const pool = new Mempool({ params: genesis.params, senders: chain.senders }, chain.mempoolView())
    const raws = await Promise.all(
      Array.from({ length: MAX_PER_SENDER + 2 }, (_, nonce) => transfer(0, { nonce })),
    )
    for (const r of raws.slice(0, 2)) pool.add(r)
    const losing = mineOn(chain, pool.pending())
    const grown = chain.importBlock(losing, losing.header.timestamp)
    if (grown.kind !== 'extended') throw new Error(grown.kind)
    pool.onHead(chain.mempoolView(), grown.head.mined, grown.head.orphaned)
    for (const r of raws.slice(2)) pool.add(r)
    expect(pool.size).toBe(MAX_PER_SENDER)
    // A heavier branch from genesis without account 0's transactions wins.
    const winner = new Chain({ genesis })
    const w1 = mineOn(winner, [], { miner: addressOf(6), now: losing.header.timestamp + 1n })
    winner.importBlock(w1, w1.header.timestamp)
    const w2 = mineOn(winner, [], { miner: addressOf(6) })
    winner.importBlock(w2, w2.header.timestamp)
    expect(chain.importBlock(w1, w2.header.timestamp).kind).toBe('side')
    const reorg = chain.importBlock(w2, w2.header.timestamp)
    if (reorg.kind !== 'reorg') throw new Error(reorg.kind)
    expect(reorg.head.orphaned).toEqual(raws.slice(0, 2))
    // As the chain service follows a head.
    pool.onHead(chain.mempoolView(), reorg.head.mined, reorg.head.orphaned)
    const ready = pool.pending()
    expect(ready.map((t) => t.nonce)).toEqual(Array.from({ length: MAX_PER_SENDER }, (_, i) => BigInt(i)))
    expect(pool.size).toBe(MAX_PER_SENDER)
    // All of it is minable at once on the winning branch.
    const next = mineOn(chain, ready)
    expect(next.transactions).toHaveLength(MAX_PER_SENDER)
    expect(chain.importBlock(next, next.header.timestamp).kind).toBe('extended')
    expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(BigInt(MAX_PER_SENDER))
  })
})

describe('mempool: the flood of RELIABILITY.md at full scale (1,000 tx/s for 60 s, simulated time)', () => {
  it('holds its caps through 60,000 transactions from 2,050 senders while every honest transaction is mined in the next block', () => {
    const pool = new Mempool({ params, codec: fakeCodec() }, view())
    // The chain as the pool sees it: account nonces advance as blocks mine; fees and funds never run out.
    const nonces = new Map<Address, bigint>()
    const head = (): MempoolView => ({
      baseFee: 10n,
      nonce: (a) => nonces.get(a) ?? 0n,
      balance: () => 10n ** 30n,
    })
    const sender = (kind: number, i: number) =>
      `0x${kind.toString(16).padStart(8, '0')}${i.toString(16).padStart(32, '0')}` as Address
    // 2,000 senders each sending nonces 0, 1, 2, … in turn (tips 1–50), and 50 that only send
    // transactions behind a nonce they never send (gapped: never executable, so never paid for; 240 each,
    // far past the per-sender cap on them).
    const flooders = Array.from({ length: 2_000 }, (_, i) => sender(1, i))
    const gappers = Array.from({ length: 50 }, (_, i) => sender(2, i))
    const sent = new Map<Address, bigint>()
    const honest = sender(3, 0)
    let honestNonce = 0n
    const waiting = new Map<Hex, number>()
    const perBlock = Number(params.blockGasLimit / 21_000n)
    let refused = 0
    let total = 0
    let blocks = 0
    let honestMined = 0
    for (let second = 0; second < 60; second++) {
      for (let k = 0; k < 1_000; k++, total++) {
        // One in five of the flood is gapped spam, the rest is valid transactions from the flooders.
        const gapped = k % 5 === 4
        const from = gapped
          ? (gappers[total % gappers.length] as Address)
          : (flooders[total % flooders.length] as Address)
        const nonce = sent.get(from) ?? (gapped ? 1n : 0n)
        sent.set(from, nonce + 1n)
        const tip = BigInt(1 + (total % 50))
        if (refusal(() => pool.add(raw({ from, nonce, tip }))) !== 'ok') refused++
      }
      // Every 5 s an honest user sends one transfer paying a tip above the flood's.
      if (second % 5 === 0) {
        const tx = pool.add(raw({ from: honest, nonce: honestNonce++, tip: 60n }))
        waiting.set(tx.hash, blocks)
      }
      // Bounded memory: the pool never holds more than its caps, whatever arrives.
      expect(pool.size).toBeLessThanOrEqual(MAX_TOTAL)
      expect(pool.slots).toBeLessThanOrEqual(MAX_TOTAL)
      // A block every 2 s, as full as the gas limit allows, in the pool's block-building order.
      if (second % 2 === 1) {
        const mined = pool.pending(10n).slice(0, perBlock)
        for (const tx of mined) {
          const from = tx.from
          expect(tx.nonce).toBe(nonces.get(from) ?? 0n)
          nonces.set(from, tx.nonce + 1n)
          if (waiting.delete(tx.hash)) honestMined++
        }
        blocks++
        pool.onHead(
          head(),
          mined.map((t) => t.hash),
        )
        // Every honest transaction sent before this block is in it.
        expect(waiting.size).toBe(0)
      }
      // Each second the caps hold (the ones on gapped transactions bind before the flood fills the pool and
      // evicts them).
      const held = pool.all()
      const bySender = new Map<Address, number>()
      for (const tx of held) bySender.set(tx.from, (bySender.get(tx.from) ?? 0) + 1)
      expect(Math.max(...bySender.values())).toBeLessThanOrEqual(MAX_PER_SENDER)
      const gappedHeld = held.filter((tx) => gappers.includes(tx.from))
      expect(gappedHeld.length).toBeLessThanOrEqual(MAX_GAPPED)
      for (const g of gappers) expect(bySender.get(g) ?? 0).toBeLessThanOrEqual(MAX_GAPPED_PER_SENDER)
      expect(pool.senders.size).toBeLessThanOrEqual(pool.senders.capacity)
    }
    expect(total).toBe(60_000)
    expect(honestMined).toBe(12)
    // The flood was far more than the pool and the blocks could take: most of it was refused or evicted.
    expect(refused).toBeGreaterThan(10_000)
    expect(blocks * perBlock).toBeLessThan(total)
  }, 60_000)
})
