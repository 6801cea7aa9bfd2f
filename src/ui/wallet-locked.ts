import { ProviderRpcError, RpcCode } from '../wallet/rpc-error'
import type { LockReason } from '../wallet/wallet'

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

/** `15 minutes`, `1 minute`, `90 seconds`: a wallet's idle time (ms) in whole minutes when it is some. */
function idleTime(ms: number): string {
  const [n, unit] = ms % 60_000 === 0 ? [ms / 60_000, 'minute'] : [Math.round(ms / 1000), 'second']
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

/**
 * Why the wallet is locked (`reason`, as the wallet knows it; `idleMs`: how long it stays unlocked
 * without use), as a clause: `Your wallet locked after 15 minutes without use`. The Unlock form and
 * the header's trades pill say it in the same words.
 */
export function lockedCause(reason: LockReason, idleMs: number): string {
  if (reason === 'idle') return `Your wallet locked after ${idleTime(idleMs)} without use`
  if (reason === 'user') return 'You locked your wallet'
  return `Your wallet locks each time this page loads or reloads, and after ${idleTime(idleMs)} without use`
}

/**
 * What the Unlock form says of why the wallet is locked (`lockedCause`): a user who reloaded sees a
 * password form with its reason.
 */
export function lockedReason(reason: LockReason, idleMs: number): string {
  return `${lockedCause(reason, idleMs)}: enter your password to unlock it.`
}
