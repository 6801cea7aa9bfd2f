import type { Address, Hex, TransactionSerializableEIP1559 } from 'viem'
import type { ProviderBackend } from './backend'
import { type Approve, describeTransaction } from './describe'
import { invalidParams, ProviderRpcError, RpcCode } from './rpc-error'
import type { Wallet } from './wallet'

/** A transaction to send: every field set but the nonce, which the sender's turn fills when absent. */
export type UnsentTx = Omit<TransactionSerializableEIP1559, 'nonce'> & { readonly nonce?: number }

/** Where a send goes: the node's next nonce of the sender (its pool counted), and its admission of a raw transaction. */
export interface SendTarget {
  pendingNonce(): Promise<bigint>
  submit(raw: Hex): Promise<Hex>
}

/**
 * The one way the wallet sends a transaction: described in human terms, shown to the user through
 * `approve` (4001 when refused, nothing signed), then, in `from`'s turn (`wallet.inTurn`), given the
 * node's pending nonce, signed by `from`'s key and submitted to `to`. The nonce is read after the
 * approval and in turn: a send left waiting in the dialog while another was approved and sent would
 * otherwise sign the nonce that one took (refused as underpriced, or replacing it with a higher tip).
 * A nonce set in `tx` (a dApp's own) is kept. The provider's `eth_sendTransaction` and the screens'
 * wallet-backed `TxSigner` both go through it.
 */
export async function sendApproved(
  deps: { readonly backend: ProviderBackend; readonly wallet: Wallet; readonly approve: Approve },
  from: Address,
  tx: UnsentTx,
  to: SendTarget,
): Promise<{ readonly hash: Hex; readonly nonce: number; readonly title: string }> {
  if (tx.to == null || tx.gas === undefined || tx.maxFeePerGas === undefined)
    throw invalidParams('transaction', 'needs to, gas and maxFeePerGas set')
  const description = await describeTransaction(deps.backend, {
    from,
    to: tx.to,
    value: tx.value ?? 0n,
    data: tx.data ?? '0x',
    gas: tx.gas,
    maxFeePerGas: tx.maxFeePerGas,
  })
  const request = (await replacesPending(deps.backend, from, tx.nonce, to))
    ? {
        ...description,
        title: `${description.title}, replacing your pending transaction ${tx.nonce}`,
        details: [
          {
            label: 'Replaces',
            value: `The site set nonce ${tx.nonce}, which a transaction of this account waiting to be mined has: this one takes its place, and that one is never mined.`,
          },
          ...description.details,
        ],
      }
    : description
  if (!(await deps.approve(request)))
    throw new ProviderRpcError(RpcCode.userRejected, 'the user rejected the request')
  return deps.wallet.inTurn(from, async () => {
    const nonce = tx.nonce ?? Number(await to.pendingNonce())
    const raw = await deps.wallet.signTransaction(from, { ...tx, nonce })
    return { hash: await to.submit(raw), nonce, title: request.title }
  })
}

/**
 * Whether a dApp's own `nonce` is one a transaction of `from` waiting in the pool holds (at or above the
 * account's nonce at the head, below its pending nonce): the pool takes this send in its place (a fee
 * bump replaces it), and the one the user sent before is never mined.
 */
async function replacesPending(
  backend: ProviderBackend,
  from: Address,
  nonce: number | undefined,
  to: SendTarget,
): Promise<boolean> {
  if (nonce === undefined) return false
  const [mined, pending] = await Promise.all([backend.account(from, 'latest'), to.pendingNonce()])
  return BigInt(nonce) >= mined.nonce && BigInt(nonce) < pending
}
