import type { ChainParams } from '../node/chain/types'
import type { Client } from '../node/rpc/connect'
import type { NodeApi, NodeEvents } from '../node/worker/node'
import type { TabchainProvider } from '../wallet/provider'
import type { Wallet } from '../wallet/wallet'
import { startLeaveGuard } from './market/leave-guard'
import { createNodeMarketSource } from './market/node-source'
import { storedSwapApprovals } from './market/swap-approvals'
import { startSwapSigning } from './market/swap-signing'
import { watchTakenOffers } from './market/taken-notice'
import { setMarketSource } from './market/useMarket'
import { useNotices } from './notices'
import { directPeerIds, useApp } from './store'
import { useTradesAtStake } from './trades-at-stake'

/**
 * Connects the Market screens to the node and this profile's wallet (`setMarketSource`), and lets the
 * wallet answer the node's swap signing requests for the trades approved in this profile (kept in
 * localStorage, so a reload resumes them), and has the browser ask before the tab closes while a trade
 * has coins at stake (`startLeaveGuard`), and tells the maker of each of its offers taken (a notice).
 * Runs for the page's life.
 */
export function startMarket(
  node: Pick<Client<NodeApi, NodeEvents>, 'api' | 'on'>,
  profileId: string,
  params: ChainParams,
  wallet: Wallet,
  provider: TabchainProvider,
): void {
  const approvals = storedSwapApprovals(localStorage, profileId)
  const on = node.on
  const source = createNodeMarketSource({
    api: node.api,
    on,
    wallet,
    provider,
    params,
    approvals,
    peerId: () => useApp.getState().network?.peerId ?? null,
    links: {
      direct: () => directPeerIds(useApp.getState()),
      // Told when the set of direct links changes, not on each snapshot (latencies, dials).
      subscribe: (listener) =>
        useApp.subscribe((state, prev) => {
          if (directPeerIds(state).join() !== directPeerIds(prev).join()) listener()
        }),
    },
    onError: (swapId, err) => console.error(`swap ${swapId} could not start`, err),
  })
  startSwapSigning({ api: node.api, on, wallet, approvals, chainId: params.chainId })
  startLeaveGuard({
    api: node.api,
    on,
    target: window,
    onChange: (count) => useTradesAtStake.setState({ count }),
  })
  // The maker is told on whatever screen it is on: the offer leaves Your open offers at once.
  watchTakenOffers(source, (offerId, text) => useNotices.getState().offerTaken({ offerId, text }))
  setMarketSource(source)
}
