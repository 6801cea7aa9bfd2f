import type { Address, Hex, LocalAccount } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { cancelTypedData, offerId, offerTypedData, takeTypedData } from '../../../src/trade/offers/typed-data'
import type { Offer, SignedCancel, SignedOffer, SignedTake, Take } from '../../../src/trade/offers/types'

// The public Hardhat/Anvil test mnemonic's accounts 0–3: funded on the devnet and test genesis (devnet only).
const MNEMONIC = 'test test test test test test test test test test test junk'
export const ALICE = mnemonicToAccount(MNEMONIC, { addressIndex: 0 })
export const BOB = mnemonicToAccount(MNEMONIC, { addressIndex: 1 })
export const CAROL = mnemonicToAccount(MNEMONIC, { addressIndex: 2 })
export const DAVE = mnemonicToAccount(MNEMONIC, { addressIndex: 3 })

export type TestAccount = LocalAccount

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
