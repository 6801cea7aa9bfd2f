import fc from 'fast-check'
import { concat, type Hex, hexToBigInt, keccak256, numberToBytes } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { genesisBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { devnetParams, testGenesis } from '../../../src/node/chain/genesis'
import { MAX_NONCE, sealHash } from '../../../src/node/chain/header'
import type { ChainParams, Header } from '../../../src/node/chain/types'
import { keccakBackend } from '../../../src/node/codec/bytes'
import { nextBaseFee } from '../../../src/node/consensus/base-fee'
import { nextDifficulty } from '../../../src/node/consensus/difficulty'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import { checkPow, powTarget, powValue, sealBuffer, writeNonce } from '../../../src/node/consensus/pow'
import { addressOf, GWEI, transfer } from '../chain/chain-fixtures'

const parent: Header = genesisBlock(testGenesis()).header
const retarget: ChainParams = { ...devnetParams, minDifficulty: 1_000n, difficultyHalfLife: 8 }

describe('proof of work', () => {
  it('accepts exactly the nonces whose hash is under 2^256 / difficulty', () => {
    const h = { ...parent, difficulty: 64n }
    let found = 0
    for (let n = 0n; n < 2_000n; n++) if (checkPow({ ...h, nonce: n })) found++
    // Expected 2000 / 64 ≈ 31; a wide band keeps the check deterministic yet meaningful.
    expect(found).toBeGreaterThan(10)
    expect(found).toBeLessThan(70)
    expect(checkPow({ ...h, difficulty: 1n })).toBe(true)
    expect(checkPow({ ...h, difficulty: 0n })).toBe(false)
    expect(checkPow({ ...h, nonce: MAX_NONCE + 1n })).toBe(false)
    expect(powTarget(1n)).toBe(1n << 256n)
  })

  it('the hash is keccak256(seal ‖ nonce as 8 bytes big-endian) read as an unsigned 256-bit integer', async () => {
    // On the WebAssembly keccak the worker uses, against viem's independent keccak and integer helpers.
    expect(await keccakBackend).toBe('wasm')
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt(0n, MAX_NONCE),
        (seal, nonce) => {
          const buf = sealBuffer(seal)
          writeNonce(buf, nonce)
          expect(powValue(buf)).toBe(
            hexToBigInt(keccak256(concat([seal, numberToBytes(nonce, { size: 8 })]))),
          )
        },
      ),
    )
  })

  it('checks the seal hash it is given, which must be the header’s', () => {
    const h = { ...parent, difficulty: 16n }
    let nonce = 0n
    while (!checkPow({ ...h, nonce })) nonce++
    const sealed = { ...h, nonce }
    expect(checkPow(sealed, sealHash(sealed))).toBe(true)
    // Other seals change the hash: the work found for this header holds for about 1 in 16 of them.
    const others = Array.from({ length: 16 }, (_, i) => new Uint8Array(32).fill(i + 1))
    expect(others.filter((seal) => checkPow(sealed, seal)).length).toBeLessThan(8)
  })

  it('mines in slices that resume where the last one stopped', () => {
    const h = { ...parent, difficulty: 5_000n }
    const whole = mineSlice(h, 0n, 1_000_000)
    expect('found' in whole).toBe(true)
    if (!('found' in whole)) return
    let start = 0n
    let slices = 0
    for (;;) {
      const r = mineSlice(h, start, 100)
      slices++
      if ('found' in r) {
        expect(r.found).toBe(whole.found)
        break
      }
      expect(r.next).toBe(start + 100n)
      start = r.next
    }
    expect(slices).toBe(Number(whole.found / 100n) + 1)
    expect(checkPow({ ...h, nonce: whole.found })).toBe(true)
    expect(mineSlice(h, MAX_NONCE, 1)).toEqual(
      checkPow({ ...h, nonce: MAX_NONCE }) ? { found: MAX_NONCE } : { next: 0n },
    )
  })
})

describe('difficulty retarget (relative ASERT)', () => {
  const p = { ...parent, difficulty: 80_000n }
  const T = BigInt(retarget.targetBlockTimeMs)
  const delayed = (ms: bigint): bigint => nextDifficulty(retarget, p, p.timestamp + ms)

  it('keeps difficulty at one target interval, halves it per half-life of delay, never below the floor', () => {
    expect(delayed(T)).toBe(80_000n)
    expect(delayed(T + 8n * T)).toBe(40_000n)
    expect(delayed(T + 16n * T)).toBe(20_000n)
    expect(delayed(10_000_000n)).toBe(1_000n)
    expect(nextDifficulty({ ...retarget, fixedDifficulty: 7n }, p, p.timestamp + 1n)).toBe(7n)
  })

  it('gives every node the same integer: golden values for blocks quick and slow', () => {
    // Fixed here so that a change of the arithmetic (the floor of a negative exponent, the rounding of the
    // cubic) shows as what it is: a consensus change, which splits the network from nodes already out.
    expect([1n, 777n, T + 1_234n, 3n * T + 5n, 29n * T + 17n].map(delayed)).toEqual([
      87_244n,
      84_361n,
      75_842n,
      67_261n,
      7_065n,
    ])
    const heavy = { ...p, difficulty: 10n ** 12n }
    expect(nextDifficulty(retarget, heavy, p.timestamp + T + 1_234n)).toBe(948_028_564_453n)
  })

  it('raises by at most 2^(1/half-life) for a block found at once, lowers for slow ones', () => {
    expect(Number(delayed(0n)) / 80_000).toBeCloseTo(2 ** (1 / 8), 3)
    expect(delayed(500n)).toBeGreaterThan(80_000n)
    expect(delayed(2_500n)).toBeLessThan(80_000n)
  })

  it('follows parent · 2^((T − elapsed) / (T · half-life)) within 0.02 %, and falls as the gap grows', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1_000_000n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 60_000n }),
        fc.bigInt({ min: 1n, max: 1_000n }),
        (d, dt, more) => {
          const at = (ms: bigint): bigint =>
            nextDifficulty(retarget, { ...p, difficulty: d }, p.timestamp + ms)
          const exact = Number(d) * 2 ** (Number(T - dt) / Number(8n * T))
          expect(Math.abs(Number(at(dt)) / exact - 1)).toBeLessThan(2e-4)
          expect(at(dt + more)).toBeLessThanOrEqual(at(dt))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('settles where the mean block interval is the target (Homestead’s step settled ~15 % slower)', () => {
    // A fixed hash rate mining exponential intervals (seeded, so the run is deterministic).
    let seed = 0x2545f491
    const uniform = (): number => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return ((seed >>> 0) + 0.5) / 2 ** 32
    }
    const hashesPerMs = 50
    let head: Header = { ...p, difficulty: 1_000_000n }
    let sum = 0
    const blocks = 20_000
    for (let i = 0; i < blocks + 1_000; i++) {
      const ms = Math.max(1, Math.round((-Math.log(uniform()) * Number(head.difficulty)) / hashesPerMs))
      if (i >= 1_000) sum += ms
      const timestamp = head.timestamp + BigInt(ms)
      head = { ...head, timestamp, difficulty: nextDifficulty(retarget, head, timestamp) }
    }
    expect(sum / blocks / Number(T)).toBeGreaterThan(0.97)
    expect(sum / blocks / Number(T)).toBeLessThan(1.03)
  })
})

describe('EIP-1559 base fee', () => {
  const params: ChainParams = { ...devnetParams, blockGasLimit: 30_000_000n }
  const h = { ...parent, gasLimit: 30_000_000n, baseFeePerGas: 8n * GWEI }
  it('follows EIP-1559 around the gas target and respects the floor', () => {
    expect(nextBaseFee(params, { ...h, gasUsed: 15_000_000n })).toBe(8n * GWEI)
    expect(nextBaseFee(params, { ...h, gasUsed: 30_000_000n })).toBe(9n * GWEI)
    expect(nextBaseFee(params, { ...h, gasUsed: 0n })).toBe(7n * GWEI)
    expect(nextBaseFee(params, { ...h, gasUsed: 15_000_001n })).toBe(8n * GWEI + 66n)
    expect(nextBaseFee(params, { ...h, baseFeePerGas: 1n, gasUsed: 15_000_001n })).toBe(params.minBaseFee)
    expect(nextBaseFee(params, { ...h, baseFeePerGas: params.minBaseFee, gasUsed: 0n })).toBe(
      params.minBaseFee,
    )
  })
})

describe('block templates', () => {
  const genesis = testGenesis()
  let good: Hex[]
  let stale: Hex
  let cheap: Hex
  beforeAll(async () => {
    good = await Promise.all([0, 1].map((nonce) => transfer(0, { nonce })))
    stale = await transfer(1, { nonce: 3 })
    cheap = await transfer(2, { nonce: 0, maxFee: GWEI / 2n, tip: 1n })
  })

  it('fills a block from ordered candidates, skipping failures and their sender, and seals to a valid block', () => {
    const chain = new Chain({ genesis })
    const txs = chain.blockTransactions({ header: chain.headHeader, transactions: [...good, stale, cheap] })
    const later = chain.blockTransactions({ header: chain.headHeader, transactions: [good[1] as Hex] })
    const t = buildBlockTemplate({
      params: chain.params,
      parent: chain.headHeader,
      parentState: chain.headState,
      txs: [...txs, ...later],
      now: genesis.timestamp + 5_000n,
      miner: addressOf(8),
    })
    expect(t.block.transactions).toEqual(good)
    expect(t.skipped).toHaveLength(3)
    expect(t.block.header.timestamp).toBe(genesis.timestamp + 5_000n)
    const r = mineSlice(t.block.header, 0n, 1_000)
    if (!('found' in r)) throw new Error('difficulty 2 should seal within 1000 tries')
    expect(chain.importBlock(sealBlock(t.block, r.found), genesis.timestamp + 5_000n).kind).toBe('extended')
  })

  it('keeps the timestamp after the parent even when the clock lags', () => {
    const chain = new Chain({ genesis: testGenesis({ params: { minBlockIntervalMs: 1_000 } }) })
    const t = buildBlockTemplate({
      params: chain.params,
      parent: chain.headHeader,
      parentState: chain.headState,
      txs: [],
      now: 0n,
      miner: addressOf(8),
    })
    expect(t.block.header.timestamp).toBe(chain.headHeader.timestamp + 1_000n)
  })
})
