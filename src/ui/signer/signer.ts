import type { Address, Hex, TransactionSerializableEIP1559 } from 'viem'

/**
 * The account a screen acts with: its address and a way to sign a complete EIP-1559 transaction.
 * Screens depend on this interface only: the wallet's (`wallet-session.ts`, every signature through its
 * approval dialog) once a wallet exists, the devnet implementation (`devnet-signer.ts`) until then.
 */
export interface TxSigner {
  /** EIP-55 checksummed. */
  readonly address: Address
  /** How the UI names the account, e.g. `Devnet account 3`. */
  readonly label: string
  /** Signs `tx` (every field set, `type: 'eip1559'`); resolves with the raw signed transaction. */
  signTransaction(tx: TransactionSerializableEIP1559): Promise<Hex>
}
