import type { Address, Hex } from 'viem'
import type { SendTarget, UnsentTx } from '../../wallet/approved-sign'

/**
 * The account a screen acts with: its address and a way to sign and send an EIP-1559 transaction.
 * Screens depend on this interface only: the wallet's (`wallet-session.ts`, every signature through its
 * approval dialog) once a wallet exists, the devnet implementation (`devnet-signer.ts`) until then.
 */
export interface TxSigner {
  /** EIP-55 checksummed. */
  readonly address: Address
  /** How the UI names the account, e.g. `Devnet account 3`. */
  readonly label: string
  /**
   * Signs `tx` (every field but the nonce set, `type: 'eip1559'`) with the nonce `to` reads once it may
   * sign (for the wallet: after the user approved, in the account's turn), and submits it to `to`;
   * resolves with its hash and that nonce.
   */
  sendTransaction(tx: UnsentTx, to: SendTarget): Promise<{ readonly hash: Hex; readonly nonce: number }>
}
