import { confirmationsText } from '../format'
import type { TxStatus } from '../tx-tracker'

/** Why `status` is not verified at the current head, if it is not (`TxStatus`). */
const unverifiedOf = (status: TxStatus): string | undefined =>
  'unverified' in status ? status.unverified : undefined

/**
 * How a transaction stands, in words: pending → confirmed (n confirmations), or dropped or failed with why; one not
 * verified at the current head says so, and why; one in its block whose outcome is not verified says
 * that, not "confirmed"; one confirmed by its block's header alone (`provenAgainst`) names that header.
 */
export function statusText(status: TxStatus): string {
  if (status.state === 'included')
    return `In its block (${confirmationsText(status.confirmations)}) · outcome not verified: ${status.unverified}`
  const unverified = unverifiedOf(status)
  const text = stateText(status)
  return unverified === undefined ? text : `${text} · not verified at the current head: ${unverified}`
}

function stateText(status: TxStatus): string {
  switch (status.state) {
    case 'sending':
      return 'Sending…'
    case 'pending':
      return 'Pending — not in a block yet'
    case 'checking':
      return 'Checking… this tab is still catching up with the chain: whether it is in a block is not known yet'
    case 'confirmed':
      return status.provenAgainst === undefined
        ? `Confirmed (${confirmationsText(status.confirmations)})`
        : `Confirmed (${confirmationsText(status.confirmations)}) · proven against block header #${status.provenAgainst.toLocaleString()}, not executed by this node: it started from a snapshot taken after that block`
    case 'included':
      return `In its block (${confirmationsText(status.confirmations)})`
    case 'dropped':
      return `Dropped: ${status.reason}`
    case 'failed':
      return `Failed: ${status.reason}`
  }
}

/**
 * A transaction's status tag, one wording everywhere: the Wallet's Activity, the Tokens screen's
 * transactions and the Tx page. `testId` names it where a screen's tests look for it (`tx-status`).
 */
export function TxStatusBadge({
  status,
  testId = 'tx-status',
}: {
  readonly status: TxStatus
  readonly testId?: string
}) {
  return (
    <span
      className={`status status--${status.state}`}
      data-testid={testId}
      data-state={status.state}
      data-verified={String(unverifiedOf(status) === undefined)}
    >
      {statusText(status)}
    </span>
  )
}
