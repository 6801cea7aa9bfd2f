import { ProviderRpcError, RpcCode } from '../wallet/rpc-error'

/**
 * What the page's own screens say when an action needs the wallet and it is locked (the unlock prompt
 * shows with it): one sentence on every screen. A dApp gets the provider's own 4100 message.
 */
export const WALLET_LOCKED_MESSAGE = 'Your wallet is locked: unlock it, then try again.'

/** What a screen says by an action that needs the wallet while it is locked (`to`: `post an offer`). */
export const walletLockedTo = (to: string): string => `Your wallet is locked: unlock it to ${to}.`

/** The refusal of the page's own send while the wallet is locked: 4100, worded `WALLET_LOCKED_MESSAGE`. */
export const walletLockedError = (): ProviderRpcError =>
  new ProviderRpcError(RpcCode.unauthorized, WALLET_LOCKED_MESSAGE)

/**
 * `WALLET_LOCKED_MESSAGE` when `err` is the wallet's lock (EIP-1193 4100: the page's signer's, the
 * provider's, or one that crossed a port as a plain object), else null.
 */
export function lockedMessage(err: unknown): string | null {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : null
  return code === RpcCode.unauthorized ? WALLET_LOCKED_MESSAGE : null
}
