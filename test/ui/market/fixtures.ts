import type { Address, Hex } from 'viem'
import { MemoryMarketSource } from '../../../src/ui/market/memory-source'
import type {
  MarketBookEntry,
  MarketFees,
  MarketOffer,
  MarketParams,
  MarketSwap,
  MarketToken,
} from '../../../src/ui/market/source'

export const GLD: Address = '0x1000000000000000000000000000000000000001'
export const SLV: Address = '0x2000000000000000000000000000000000000002'
export const NATIVE: Address = '0x0000000000000000000000000000000000000000'
export const ALICE: Address = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
export const BOB: Address = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'

export const TOKENS: readonly MarketToken[] = [
  { address: NATIVE, symbol: 'TAB', decimals: 18 },
  { address: GLD, symbol: 'GLD', decimals: 2 },
  { address: SLV, symbol: 'SLV', decimals: 6 },
]

export const PARAMS: MarketParams = {
  chainId: 31337,
  confirmations: 2,
  targetBlockTimeMs: 2000,
  defaultTimelocks: { maker: 40, taker: 16 },
  maxOfferLifetimeS: 7 * 24 * 3600,
  swapGas: { approve: 80_000n, lock: 150_000n, redeem: 100_000n },
}

/** 1 gwei base, 1 gwei tip: at most 3 gwei per gas. */
export const FEES: MarketFees = { nextBaseFee: 10n ** 9n, suggestedTip: 10n ** 9n }

export const NOW_MS = 1_800_000_000_000
export const NOW_S = BigInt(NOW_MS / 1000)

export function offer(fields: Partial<MarketOffer> = {}): MarketOffer {
  return {
    maker: ALICE,
    makerPeer: '12D3KooWAlice',
    sellToken: GLD,
    sellAmount: 100_00n,
    buyToken: SLV,
    buyAmount: 50_000000n,
    expiresAt: NOW_S + 600n,
    makerTimelock: 40,
    takerTimelock: 16,
    salt: `0x${'11'.repeat(32)}`,
    ...fields,
  }
}

export function entry(
  id: Hex,
  fields: Partial<MarketOffer> = {},
  extra: Partial<MarketBookEntry> = {},
): MarketBookEntry {
  return {
    id,
    signed: { chainId: PARAMS.chainId, offer: offer(fields), signature: `0x${'22'.repeat(65)}` },
    receivedAt: NOW_MS,
    makerLacksBalance: false,
    hosted: false,
    ...extra,
  }
}

/** A 32-byte id ending in `n`. */
export const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

/** A memory market of TOKENS at PARAMS and FEES for Alice's unlocked account, its clock at NOW_MS. */
export const aliceMarket = (): MemoryMarketSource =>
  new MemoryMarketSource({
    params: PARAMS,
    fees: FEES,
    tokens: TOKENS,
    account: { address: ALICE, peerId: '12D3KooWAlice', unlocked: true },
    sign: async () => `0x${'22'.repeat(65)}`,
    idOf: () => id(9),
    now: () => NOW_MS,
  })

/** The terms of a swap Bob took from Alice's offer: 100 GLD for 50 SLV, accepted at block #10. */
export const TERMS: MarketSwap['terms'] = {
  chainId: PARAMS.chainId,
  offerId: id(1),
  maker: ALICE,
  taker: BOB,
  tokenA: GLD,
  amountA: 100_00n,
  tokenB: SLV,
  amountB: 50_000000n,
  makerTimelockBlocks: 40n,
  takerTimelockBlocks: 16n,
  hashlock: id(2),
  acceptedHeight: 10n,
}
