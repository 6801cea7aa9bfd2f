import { getAddress } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { DEVNET_ACCOUNTS } from '../../node/chain/genesis'
import { DEVNET_ACCOUNT_COUNT } from './devnet-index'
import type { TxSigner } from './signer'

/**
 * DEVNET ONLY — the public Hardhat/Anvil test mnemonic whose first ten accounts the devnet genesis
 * funds (`DEVNET_ACCOUNTS`). Everyone knows these keys: they stand in for the wallet on the devnet.
 */
const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'

/** The devnet account `index` (0–9) as a signer: m/44'/60'/0'/0/index of the test mnemonic. */
export function devnetSigner(index: number): TxSigner {
  const address = DEVNET_ACCOUNTS[index]
  if (!Number.isInteger(index) || address === undefined)
    throw new RangeError(`devnet account index must be an integer in [0, ${DEVNET_ACCOUNT_COUNT - 1}]`)
  // The key is derived at the first signature, not here: the BIP-39 seed (2,048 rounds of HMAC-SHA512
  // in JavaScript) and BIP-32 path took a large share of the page's CPU while the tab was starting
  // its network, and most page loads never sign.
  let account: HDAccount | undefined
  return {
    address: getAddress(address),
    label: `Devnet account ${index}`,
    sendTransaction: async (tx, to) => {
      account ??= mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index })
      const nonce = Number(await to.pendingNonce())
      return { hash: await to.submit(await account.signTransaction({ ...tx, nonce })), nonce }
    },
  }
}
