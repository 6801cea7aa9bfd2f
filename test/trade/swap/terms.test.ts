import { sha256 } from '@noble/hashes/sha2.js'
import { mnemonicToSeedSync } from '@scure/bip39'
import { bytesToHex, type Hex, hexToBytes, keccak256, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { SwapError, type SwapErrorType } from '../../../src/trade/swap/errors'
import { hashlockOf, swapKeyFromSeed, swapSecret } from '../../../src/trade/swap/secret'
import {
  checkTimelocks,
  minMakerTimelock,
  minTakerTimelock,
  type SwapTerms,
  validateTerms,
} from '../../../src/trade/swap/terms'

function typeOf(run: () => unknown): SwapErrorType | undefined {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(SwapError)
    return (e as SwapError).type
  }
  return undefined
}

const offerId = keccak256(stringToHex('offer'))
const good: SwapTerms = {
  chainId: 31416,
  offerId,
  maker: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  taker: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  tokenA: '0x00000000000000000000000000000000000000aa',
  amountA: 100n,
  tokenB: '0x0000000000000000000000000000000000000000',
  amountB: 5n,
  makerTimelockBlocks: 31n,
  takerTimelockBlocks: 12n,
  hashlock: keccak256(stringToHex('lock')),
  acceptedHeight: 7n,
}

describe('timelock rule', () => {
  it('accepts timelock(maker) = 2 × timelock(taker) + k + margin, refuses one block less', () => {
    expect(minTakerTimelock(3)).toBe(10n)
    expect(minMakerTimelock(12n, 3)).toBe(31n)
    expect(typeOf(() => checkTimelocks(31n, 12n, 3))).toBeUndefined()
    expect(typeOf(() => checkTimelocks(30n, 12n, 3))).toEqual({
      code: 'SWAP_TIMELOCKS_TOO_CLOSE',
      makerTimelockBlocks: 30n,
      takerTimelockBlocks: 12n,
      min: 31n,
    })
    // Equal timelocks (the classic mistake) are refused.
    expect(typeOf(() => checkTimelocks(12n, 12n, 3))?.code).toBe('SWAP_TIMELOCKS_TOO_CLOSE')
  })

  it('refuses a taker timelock too short for k confirmations and a safe redeem', () => {
    expect(typeOf(() => checkTimelocks(1_000n, 9n, 3))).toEqual({
      code: 'SWAP_TIMELOCK_TOO_SHORT',
      takerTimelockBlocks: 9n,
      min: 10n,
    })
    // More confirmations need more room.
    expect(typeOf(() => checkTimelocks(31n, 12n, 6))?.code).toBe('SWAP_TIMELOCK_TOO_SHORT')
    expect(typeOf(() => checkTimelocks(41n, 16n, 6))?.code).toBe('SWAP_TIMELOCKS_TOO_CLOSE')
  })
})

describe('terms validation', () => {
  it('normalises valid terms to lower-case hex', () => {
    const t = validateTerms(good, 31416, 3)
    expect(t.maker).toBe('0x70997970c51812dc3a010c7d01b50e0d17dc79c8')
    expect(t).toEqual({ ...good, maker: good.maker.toLowerCase() })
  })

  it.each([
    ['chainId', { chainId: 1 }],
    ['maker', { maker: '0x1234' }],
    ['taker', { taker: good.maker }],
    ['tokenB', { tokenB: good.tokenA }],
    ['amountA', { amountA: 0n }],
    ['amountB', { amountB: 5 }],
    ['offerId', { offerId: '0x12' }],
    ['hashlock', { hashlock: 'not hex' }],
    // 33 bytes: a 32-byte prefix is not enough.
    ['hashlock', { hashlock: `${good.hashlock}00` }],
    ['acceptedHeight', { acceptedHeight: -1n }],
    ['makerTimelockBlocks', { makerTimelockBlocks: 0n }],
  ])('refuses a bad %s with SWAP_BAD_TERMS naming it', (field, change) => {
    const type = typeOf(() => validateTerms({ ...good, ...change }, 31416, 3))
    expect(type).toMatchObject({ code: 'SWAP_BAD_TERMS', field })
  })

  it('refuses terms breaking the timelock rule, and non-objects', () => {
    expect(typeOf(() => validateTerms({ ...good, makerTimelockBlocks: 20n }, 31416, 3))?.code).toBe(
      'SWAP_TIMELOCKS_TOO_CLOSE',
    )
    expect(typeOf(() => validateTerms(null, 31416, 3))).toMatchObject({
      code: 'SWAP_BAD_TERMS',
      field: 'terms',
    })
  })
})

describe('swap secret', () => {
  const seed = mnemonicToSeedSync('test test test test test test test test test test test junk')
  const key = swapKeyFromSeed(seed)

  it('is recomputed from the seed alone, differs per offer and chain, and sha256 of it is the hashlock', () => {
    const secret = swapSecret(key, 31416, offerId)
    expect(swapSecret(swapKeyFromSeed(seed), 31416, offerId)).toBe(secret)
    expect(swapSecret(key, 31416, keccak256(stringToHex('other offer')))).not.toBe(secret)
    expect(swapSecret(key, 31415, offerId)).not.toBe(secret)
    expect(hashlockOf(secret)).toBe(bytesToHex(sha256(hexToBytes(secret))))
    expect(hexToBytes(secret).length).toBe(32)
    // Another seed gives other secrets.
    const other = swapKeyFromSeed(new Uint8Array(64).fill(1))
    expect(swapSecret(other, 31416, offerId)).not.toBe(secret)
  })

  it('is pinned by a golden value (changing the derivation would lose recoverable secrets)', () => {
    const secret: Hex = swapSecret(key, 31416, offerId)
    expect(secret).toMatchInlineSnapshot(
      `"0xd97015aaa1b7cc73be5c7c87d529148d3f817b9658e7e91c7dee2139a245149f"`,
    )
  })
})
