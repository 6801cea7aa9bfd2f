import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { cancelTypedData, offerId, offerTypedData, takeTypedData } from '../../../src/trade/offers/typed-data'
import type { Offer, SignedCancel, SignedOffer, SignedTake, Take } from '../../../src/trade/offers/types'

// Public Hardhat/Anvil devnet keys (devnet only): accounts 0–3 of the test mnemonic.
export const ALICE = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
export const BOB = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
export const CAROL = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9f804cdc1365a')
export const DAVE = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')

export type TestAccount = typeof ALICE

export const lower = (a: TestAccount): Address => a.address.toLowerCase() as Address

/** The clock tests run at, ms, and the same in unix seconds. */
export const NOW_MS = 1_700_000_000_000
export const NOW_S = BigInt(NOW_MS / 1000)

export const TOKEN_A: Address = '0x00000000000000000000000000000000000000aa'
export const TOKEN_B: Address = '0x00000000000000000000000000000000000000bb'
export const NATIVE: Address = '0x0000000000000000000000000000000000000000'

/** A valid offer by `maker`, open for an hour, with `overrides`. */
export function makeOffer(maker: TestAccount, overrides: Partial<Offer> = {}): Offer {
  return {
    maker: lower(maker),
    makerPeer: 'A',
    sellToken: TOKEN_A,
    sellAmount: 100n,
    buyToken: TOKEN_B,
    buyAmount: 50n,
    expiresAt: NOW_S + 3600n,
    makerTimelock: 40,
    takerTimelock: 12,
    salt: `0x${'11'.repeat(32)}`,
    ...overrides,
  }
}

export async function signOffer(signer: TestAccount, chainId: number, offer: Offer): Promise<SignedOffer> {
  return { chainId, offer, signature: await signer.signTypedData(offerTypedData(chainId, offer)) }
}

export async function signCancel(signer: TestAccount, chainId: number, offer: Offer): Promise<SignedCancel> {
  const id = offerId(chainId, offer)
  return { offerId: id, signature: await signer.signTypedData(cancelTypedData(chainId, id)) }
}

export async function signTake(signer: TestAccount, chainId: number, take: Take): Promise<SignedTake> {
  return { take, signature: await signer.signTypedData(takeTypedData(chainId, take)) }
}

/** The same signature with s replaced by n − s (and v flipped): valid for ecrecover, refused by EIP-2. */
export function highS(signature: Hex): Hex {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  return `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
}
