import type { Address } from 'viem'
import type { NodeApi } from '../../src/node/worker/node'
import { lockPayout, type ReceivedItem } from '../../src/wallet/activity'

/**
 * `items` as the Activity shows them once each coin lock's payout has its lock record read in from
 * `node` (`lockPayout`; proven on a light node), a payout of nothing to `account` left out.
 */
export async function paidOut(
  node: Pick<NodeApi, 'verifiedHtlc'>,
  account: Address,
  items: readonly ReceivedItem[],
): Promise<ReceivedItem[]> {
  const shown = await Promise.all(
    items.map(async (i) =>
      i.lockUnread === true && i.htlc !== undefined
        ? lockPayout(account, i, (await node.verifiedHtlc(i.htlc.lock)).value)
        : i,
    ),
  )
  return shown.filter((i): i is ReceivedItem => i !== null)
}
