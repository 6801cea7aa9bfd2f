import type { Address } from 'viem'
import type { TokenHolding } from '../../src/node/worker/queries'

/** 1,000 Banana (BAN, 18 decimals), all its supply, held by `owner`, who created it. */
export const banana = (owner: Address): TokenHolding => ({
  token: {
    address: `0x${'11'.repeat(20)}` as Address,
    name: 'Banana',
    symbol: 'BAN',
    decimals: 18,
    totalSupply: 1000n * 10n ** 18n,
    owner,
  },
  balance: 1000n * 10n ** 18n,
  created: true,
})
