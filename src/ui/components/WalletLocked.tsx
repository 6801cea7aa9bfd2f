import { Link } from 'react-router'
import { walletLockedTo } from '../wallet-locked'

/** The way to unlock the wallet: its password form, on the Wallet screen. */
export function UnlockLink() {
  return (
    <Link className="button button--small" to="/wallet">
      Unlock
    </Link>
  )
}

/**
 * Where the user acts with a locked wallet (`to`: what for, e.g. `post an offer`), that it is locked
 * and the way to unlock it: said before the action, not only by the prompt its signature would raise.
 */
export function WalletLockedNote({ to }: { readonly to: string }) {
  return (
    <p className="notice notice--act wallet-locked" role="status" data-testid="wallet-locked">
      <span>{walletLockedTo(to)}</span> <UnlockLink />
    </p>
  )
}
