import type { Address } from 'viem'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import { useAccount } from './account'
import { rememberRewards } from './rewards'

/**
 * Pays this tab's mined blocks to the account it acts with, from now on: whenever that account changes
 * (a wallet loaded, created or reset, another account selected, another devnet account chosen) the node
 * is told, and the address remembered for the next start. `named` is the address the node started with.
 */
export function followAccount(
  api: Pick<Remote<NodeApi>, 'setCoinbase'>,
  profileId: string,
  named: Address,
): void {
  let current = named.toLowerCase()
  const follow = (address: Address | undefined): void => {
    if (address === undefined || address.toLowerCase() === current) return
    current = address.toLowerCase()
    rememberRewards(profileId, address)
    api.setCoinbase(address).catch((err: unknown) => console.error('the rewards address was not set', err))
  }
  useAccount.subscribe((s) => follow(s.signer?.address))
  useAccount.getState().load(profileId)
  follow(useAccount.getState().signer?.address)
}
