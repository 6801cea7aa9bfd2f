import {
  type Address,
  type Hex,
  keccak256,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem'
import { privateKeyToAccount, sign } from 'viem/accounts'
import { testGenesis } from '../../../src/node/chain/genesis'

/** Test helpers shared by the tx and execution tests (public Hardhat/Anvil devnet keys). */

export const KEY0: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
export const KEY1: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
export const ACCOUNT0 = privateKeyToAccount(KEY0)
export const ACCOUNT1 = privateKeyToAccount(KEY1)
export const ADDR0 = ACCOUNT0.address.toLowerCase() as Address
export const ADDR1 = ACCOUNT1.address.toLowerCase() as Address

export const GENESIS = testGenesis()
export const PARAMS = GENESIS.params
export const GWEI = 10n ** 9n
export const ETHER = 10n ** 18n

export type TxFields = Omit<TransactionSerializableEIP1559, 'type' | 'chainId'> & { chainId?: number }

/** Signs an EIP-1559 transaction with viem (defaults: test chain, nonce 0, 21000 gas, 2 gwei cap). */
export async function signTx(fields: TxFields, key: Hex = KEY0): Promise<Hex> {
  return privateKeyToAccount(key).signTransaction({
    type: 'eip1559',
    chainId: PARAMS.chainId,
    nonce: 0,
    gas: 21_000n,
    maxFeePerGas: 2n * GWEI,
    maxPriorityFeePerGas: GWEI,
    ...fields,
  } as TransactionSerializableEIP1559)
}

/** Serialises with an explicit (possibly invalid) signature over the proper signing hash. */
export async function signWith(
  fields: TxFields,
  mutate: (sig: { r: Hex; s: Hex; yParity: number }) => { r: Hex; s: Hex; yParity: number },
  key: Hex = KEY0,
): Promise<Hex> {
  const tx = {
    type: 'eip1559',
    chainId: PARAMS.chainId,
    nonce: 0,
    gas: 21_000n,
    maxFeePerGas: 2n * GWEI,
    maxPriorityFeePerGas: GWEI,
    ...fields,
  } as TransactionSerializableEIP1559
  const sig = await sign({ hash: keccak256(serializeTransaction(tx)), privateKey: key })
  const m = mutate({ r: sig.r, s: sig.s, yParity: sig.yParity ?? 0 })
  return serializeTransaction(tx, { r: m.r, s: m.s, yParity: m.yParity })
}
