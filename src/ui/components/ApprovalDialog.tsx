import { useEffect, useRef, useState } from 'react'
import type { ApprovalRequest } from '../../wallet/describe'
import { answerApproval, dismissUnlock, useWallet } from '../wallet-session'
import { ShortHexText } from './ShortHexText'
import { CloseButton } from './Toasts'
import { UnlockLink } from './WalletLocked'

/**
 * How long a request is shown before it can be approved (ms), as browsers delay their own permission
 * prompts' buttons: the second click of a double click on the previous request's Confirm, or a click
 * meant for the page as a dApp's request appears, lands on a disabled button.
 */
const CONFIRM_DELAY_MS = 1_000

/**
 * The approval dialog: every request that spends or signs waits here for the user, one at a time.
 * Each button answers the request it showed (by id); Confirm waits `CONFIRM_DELAY_MS` after a request
 * appears. Cancel (or Escape) answers 4001 to the dApp. Also shows the "unlock your wallet" prompt when
 * a request met a locked wallet (a dApp's or this page's own, which the provider cannot tell apart, so
 * it names neither): it stays up until the wallet is unlocked or it is dismissed (a dApp's
 * `eth_requestAccounts` waits for that).
 */
export function ApprovalDialog() {
  const pending = useWallet((s) => s.approvals[0])
  const prompt = useWallet((s) => s.unlockPrompt && s.view.state === 'locked')
  const ref = useRef<HTMLDialogElement>(null)
  const [armed, setArmed] = useState<number | null>(null)
  useEffect(() => {
    const d = ref.current
    if (d === null) return
    if (pending !== undefined && !d.open) d.showModal()
    if (pending === undefined && d.open) d.close()
    if (pending === undefined) return
    const timer = setTimeout(() => setArmed(pending.id), CONFIRM_DELAY_MS)
    return () => clearTimeout(timer)
  }, [pending])
  return (
    <>
      <dialog
        ref={ref}
        className="approval"
        data-testid="approval"
        onCancel={() => pending !== undefined && answerApproval(pending.id, false)}
      >
        {pending !== undefined && (
          <ApprovalContent request={pending.request} armed={armed === pending.id} id={pending.id} />
        )}
      </dialog>
      {prompt && (
        <div className="toasts" role="status">
          <div className="toast" data-testid="unlock-prompt">
            <span>A request needs your wallet unlocked.</span>
            <UnlockLink />
            <CloseButton label="Dismiss" onClick={dismissUnlock} />
          </div>
        </div>
      )}
    </>
  )
}

/** Label/value rows of an approval, as a definition list; a short hex in a value stays on one line. */
function Facts({ rows }: { readonly rows: ApprovalRequest['details'] }) {
  return (
    <dl className="facts">
      {rows.map((d) => (
        <div className="facts__row" key={d.label}>
          <dt>{d.label}</dt>
          <dd className="mono break">
            <ShortHexText text={d.value} />
          </dd>
        </div>
      ))}
    </dl>
  )
}

/**
 * What the dialog shows of request `id`: the title and the rows that say what it does, in a body that
 * scrolls, the data as signed (`request.signed`) folded under "Message as signed", then Cancel and
 * Confirm/Sign outside the body, so they stay in view however long the rows (`armed`: Confirm enabled).
 */
export function ApprovalContent({
  request,
  armed,
  id,
}: {
  readonly request: ApprovalRequest
  readonly armed: boolean
  readonly id: number
}) {
  return (
    <>
      <div className="approval__body">
        <p className="eyebrow">Approve?</p>
        <h2 data-testid="approval-title">
          <ShortHexText text={request.title} />
        </h2>
        <Facts rows={request.details} />
        {request.signed === undefined ? null : (
          <details className="approval__signed" data-testid="approval-signed">
            <summary>Message as signed</summary>
            <Facts rows={request.signed} />
          </details>
        )}
      </div>
      <div className="row row--end approval__actions">
        <button
          type="button"
          className="button"
          data-testid="approval-cancel"
          onClick={() => answerApproval(id, false)}
        >
          Cancel
        </button>
        <button
          type="button"
          className="button button--primary"
          data-testid="approval-confirm"
          disabled={!armed}
          onClick={() => answerApproval(id, true)}
        >
          {request.kind === 'transaction' ? 'Confirm and send' : 'Sign'}
        </button>
      </div>
    </>
  )
}
