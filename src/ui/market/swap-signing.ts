import type { Address } from 'viem'
import { messageOf } from '../../node/rpc/errors'
import type { Remote } from '../../node/rpc/protocol'
import type { NodeApi } from '../../node/worker/node'
import type { SwapSignAnswer, SwapSignRequest } from '../../node/worker/swap-service'
import { hashlockOf } from '../../trade/swap/secret'
import type { Wallet } from '../../wallet/wallet'
import type { NodeEventSource } from './node-source'
import { checkSwapRequest, type SwapApprovals } from './swap-approvals'

export interface SwapSigningInit {
  readonly api: Pick<Remote<NodeApi>, 'swapSigners' | 'swapAnswer' | 'fees' | 'head'>
  readonly on: NodeEventSource
  readonly wallet: Wallet
  readonly approvals: SwapApprovals
  readonly chainId: number
}

/**
 * The wallet's answer to one of the node's swap requests: what the approval covers at the chain's
 * current fees and head, else a refusal.
 */
export async function answerSwapRequest(
  init: Pick<SwapSigningInit, 'api' | 'wallet' | 'approvals' | 'chainId'>,
  request: SwapSignRequest,
): Promise<SwapSignAnswer> {
  const [fees, head] = await Promise.all([init.api.fees(), init.api.head()])
  const refusal = checkSwapRequest(
    init.approvals.get(request.swapId),
    request,
    init.chainId,
    fees,
    head.number,
  )
  if (refusal !== null) return { refused: refusal }
  if (init.wallet.view().state !== 'unlocked') return { refused: 'the wallet is locked' }
  if (request.kind === 'secret') {
    const secret = init.wallet.swapSecret(init.chainId, request.swapId)
    return hashlockOf(secret) === request.terms.hashlock.toLowerCase()
      ? { secret }
      : { refused: "the swap's hashlock is not this wallet's secret" }
  }
  return { raw: await init.wallet.signTransaction(request.account, request.tx) }
}

/**
 * Lets the node's swap engine reach this page's wallet: while the wallet is unlocked its accounts are
 * declared (`swapSigners`), and each `swapSignRequest` is answered — signed without a dialog when the
 * user approved that swap by posting or taking its offer (`checkSwapRequest` bounds what that allows),
 * refused with the reason otherwise. Locking declares no account, so the node stops asking. Returns
 * the function that stops it.
 */
export function startSwapSigning(init: SwapSigningInit): () => void {
  const declare = (): void => {
    const view = init.wallet.view()
    const accounts =
      view.state === 'unlocked' ? view.accounts.map((a) => a.address.toLowerCase() as Address) : []
    init.api.swapSigners(accounts).catch(() => {})
  }
  const stopWallet = init.wallet.subscribe(declare)
  const stopRequests = init.on('swapSignRequest', (request) => {
    Promise.resolve()
      .then(() => answerSwapRequest(init, request))
      .catch((err: unknown) => ({ refused: messageOf(err) }))
      .then((answer) => init.api.swapAnswer(request.id, answer))
      .catch(() => {})
  })
  declare()
  return () => {
    stopWallet()
    stopRequests()
  }
}
