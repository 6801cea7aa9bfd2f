import { type Address, type Hex, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devnetParams, testGenesis } from '../node/chain/genesis'
import type { ProviderBackend } from './backend'
import { deriveKey, rootKey } from './keys'
import { DEFAULT_TIP } from './provider'
import { ProviderRpcError, RpcCode } from './rpc-error'

/**
 * DEVNET ONLY: the devnet faucet pays from the funded Hardhat/Anvil accounts 5–9 (the published test
 * mnemonic, see `DEVNET_ACCOUNTS`) so a fresh wallet can act at once. Refused on any other chain.
 */
const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'
const FAUCET_INDEXES = [5, 6, 7, 8, 9]
export const FAUCET_AMOUNT = parseEther('10')

const faucetChains = new Set([devnetParams.chainId, testGenesis().params.chainId])

/** The last payment in turn per faucet account index: see `requestFaucet`. */
const turns = new Map<number, Promise<unknown>>()

/**
 * Sends `FAUCET_AMOUNT` of the native coin to `to` from a devnet account; the transaction hash. The
 * payments of one account take turns from reading its pending nonce to the node's admission, so two
 * asked at once (two clicks) get consecutive nonces rather than one, which the node refuses the second.
 */
export async function requestFaucet(
  backend: ProviderBackend,
  to: Address,
  pick = Math.random(),
): Promise<Hex> {
  if (!faucetChains.has(backend.chainId)) {
    throw new ProviderRpcError(RpcCode.unsupported, 'the faucet exists on the devnet only')
  }
  const index = FAUCET_INDEXES[Math.floor(pick * FAUCET_INDEXES.length)] ?? 9
  const account = privateKeyToAccount(deriveKey(rootKey(DEVNET_MNEMONIC), index))
  const pay = async (): Promise<Hex> => {
    // The node's pending nonce (its pool, or a light node's own sends, counted): a record of this tab's
    // sends on top would outlive one the pool dropped and leave the account's later sends behind its gap.
    const { nonce } = await backend.account(account.address, 'pending')
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: backend.chainId,
      nonce: Number(nonce),
      to,
      value: FAUCET_AMOUNT,
      gas: 21_000n,
      maxFeePerGas: 2n * (await backend.nextBaseFee()) + DEFAULT_TIP,
      maxPriorityFeePerGas: DEFAULT_TIP,
    })
    return backend.sendRawTransaction(raw)
  }
  const run = (turns.get(index) ?? Promise.resolve()).then(pay)
  turns.set(
    index,
    run.catch(() => {}),
  )
  return run
}
