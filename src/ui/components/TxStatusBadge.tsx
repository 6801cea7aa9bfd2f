import type { TxStatus } from '../tx-tracker'

/** How a transaction stands, in words: pending → confirmed (n), or dropped or failed with why. */
export function statusText(status: TxStatus): string {
  switch (status.state) {
    case 'sending':
      return 'Sending…'
    case 'pending':
      return 'Pending — not in a block yet'
    case 'confirmed':
      return `Confirmed (${status.confirmations})`
    case 'dropped':
      return `Dropped: ${status.reason}`
    case 'failed':
      return `Failed: ${status.reason}`
  }
}

export function TxStatusBadge({ status }: { readonly status: TxStatus }) {
  return (
    <span className={`status status--${status.state}`} data-testid="tx-status" data-state={status.state}>
      {statusText(status)}
    </span>
  )
}
