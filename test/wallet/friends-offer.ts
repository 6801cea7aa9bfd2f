import { type Address, getAddress, parseEther } from 'viem'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import type { Offer } from '../../src/trade/offers/types'

/**
 * The offer the wallet's tests sign a take of: devnet account 3 sells 1,000 base units of `token` (10 GLD
 * at 2 decimals) for 2.5 TAB, the maker's lock running 207 blocks and the taker's 70.
 */
export const friendsOffer = (token: Address): Offer => ({
  maker: getAddress(DEVNET_ACCOUNTS[3] as string),
  makerPeer: '12D3KooW',
  sellToken: token,
  sellAmount: 1_000n,
  buyToken: ZERO_ADDRESS,
  buyAmount: parseEther('2.5'),
  expiresAt: 1_796_455_934n,
  makerTimelock: 207,
  takerTimelock: 70,
  salt: `0x${'22'.repeat(32)}`,
})
