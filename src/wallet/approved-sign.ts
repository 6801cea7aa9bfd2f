import type { Address, Hex, TransactionSerializableEIP1559 } from 'viem'
import type { ProviderBackend } from './backend'
import { type Approve, describeTransaction } from './describe'
import { invalidParams, ProviderRpcError, RpcCode } from './rpc-error'
import type { Wallet } from './wallet'

/**
 * The one way the wallet signs a transaction: described in human terms, shown to the user through
 * `approve` (4001 when refused, nothing signed), then signed by `from`'s key. The provider's
 * `eth_sendTransaction` and the screens' wallet-backed `TxSigner` both go through it.
 */
export async function signApproved(
  deps: { readonly backend: ProviderBackend; readonly wallet: Wallet; readonly approve: Approve },
  from: Address,
  tx: TransactionSerializableEIP1559,
): Promise<{ readonly raw: Hex; readonly title: string }> {
  if (tx.to == null || tx.gas === undefined || tx.maxFeePerGas === undefined || tx.nonce === undefined)
    throw invalidParams('transaction', 'needs to, gas, maxFeePerGas and nonce set')
  const description = await describeTransaction(deps.backend, {
    from,
    to: tx.to,
    value: tx.value ?? 0n,
    data: tx.data ?? '0x',
    gas: tx.gas,
    maxFeePerGas: tx.maxFeePerGas,
  })
  if (!(await deps.approve(description)))
    throw new ProviderRpcError(RpcCode.userRejected, 'the user rejected the request')
  return { raw: await deps.wallet.signTransaction(from, tx), title: description.title }
}
