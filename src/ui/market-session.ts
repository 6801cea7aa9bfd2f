import type { Hex } from 'viem'
import type { ChainParams } from '../node/chain/types'
import { pageStorage } from '../node/profile/local-record'
import type { Client } from '../node/rpc/connect'
import type { NodeApi, NodeEvents } from '../node/worker/node'
import type { TabchainProvider } from '../wallet/provider'
import type { Wallet } from '../wallet/wallet'
import { startLeaveGuard } from './market/leave-guard'
import { createNodeMarketSource } from './market/node-source'
import { storedSwapApprovals } from './market/swap-approvals'
import { startSwapSigning } from './market/swap-signing'
import {
  rememberDismissedTakes,
  storedSeenTakes,
  tellUnseenTakes,
  watchTakenOffers,
} from './market/taken-notice'
import { setMarketSource } from './market/useMarket'
import { useNotices } from './notices'
import { directPeerIds, useApp } from './store'
import { useTradesAtStake } from './trades-at-stake'

/**
 * Connects the Market screens to the node and this profile's wallet (`setMarketSource`), and lets the
 * wallet answer the node's swap signing requests for the trades approved in this profile (kept in
 * localStorage, so a reload resumes them), and has the browser ask before the tab closes while a trade
 * has coins at stake (`startLeaveGuard`), and tells the maker of each of its offers taken (a notice; as
 * the page opens, of those of its running trades it has not seen).
 * Runs for the page's life.
 */
export function startMarket(
  node: Pick<Client<NodeApi, NodeEvents>, 'api' | 'on'>,
  profileId: string,
  params: ChainParams,
  wallet: Wallet,
  provider: TabchainProvider,
): void {
  const approvals = storedSwapApprovals(pageStorage(), profileId)
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
  // The maker is told on whatever screen it is on: the offer leaves Your open offers at once. As the
  // page opens, it is told of the takes of its running trades it has not dismissed a notice of.
  const told = (offerId: Hex, text: string) => useNotices.getState().offerTaken({ offerId, text })
  const seen = storedSeenTakes(pageStorage(), profileId)
  rememberDismissedTakes(useNotices, seen)
  watchTakenOffers(source, told)
  tellUnseenTakes(source, seen, told).catch((err: unknown) =>
    console.error('the trades taken while the page was closed could not be read', err),
  )
  setMarketSource(source)
}
