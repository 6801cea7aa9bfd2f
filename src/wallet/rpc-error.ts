/**
 * EIP-1193 / EIP-1474 errors as the provider throws them: a numeric `code` a dApp (viem, ethers)
 * branches on, a message for people, and optional `data` (revert data for execution errors).
 */
export class ProviderRpcError extends Error {
  override name = 'ProviderRpcError'
  readonly code: number
  readonly data?: unknown

  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    if (data !== undefined) this.data = data
  }
}

/** The codes the provider uses. */
export const RpcCode = {
  /** EIP-1193: the user rejected the request. */
  userRejected: 4001,
  /** EIP-1193: the method or account is not authorised (e.g. the wallet is locked). */
  unauthorized: 4100,
  /** EIP-1193: the provider does not support the request (e.g. the faucet off the devnet). */
  unsupported: 4200,
  /** EIP-1193: the provider is disconnected from all chains (its node is gone). */
  disconnected: 4900,
  /** EIP-3326: the chain asked for is not known. */
  unknownChain: 4902,
  /**
   * JSON-RPC: no such method — go-ethereum's and MetaMask's answer to a method they do not serve, and
   * the one viem's fallbacks (`wallet_sendTransaction`, `wallet_sendCalls`) look for before giving the
   * first method's own error back.
   */
  methodNotFound: -32601,
  /** JSON-RPC: invalid method parameters. */
  invalidParams: -32602,
  /** EIP-1474: server error range — transaction refused, insufficient funds. */
  execution: -32000,
  /**
   * A reverted call or estimate, revert data in `data`: go-ethereum's code, which viem reads as a
   * `ContractFunctionRevertedError` (the -32000 range is only one when the message is the bare
   * "execution reverted").
   */
  reverted: 3,
  /** EIP-1474: the resource (e.g. the block of an EIP-1898 block hash) is not found. */
  resourceNotFound: -32001,
  /** EIP-1474: the resource (e.g. historical state) is not available. */
  resourceUnavailable: -32002,
  /** EIP-1474: the request exceeds a limit (e.g. too many logs). */
  limitExceeded: -32005,
} as const

export const invalidParams = (field: string, reason: string): ProviderRpcError =>
  new ProviderRpcError(RpcCode.invalidParams, `invalid params: ${field} ${reason}`)

/** 4900 saying why: the provider's node is gone, and the request with it (`TabchainProvider.disconnect`). */
export const disconnectedError = (reason: string): ProviderRpcError =>
  new ProviderRpcError(RpcCode.disconnected, `disconnected: ${reason}`)
