import { useEffect, useRef } from 'react'
import { Link } from 'react-router'
import { answerApproval, useWallet } from '../wallet-session'

/**
 * The approval dialog: every request that spends or signs waits here for the user. Cancel (or Escape)
 * answers 4001 to the dApp. Also shows the "unlock your wallet" prompt when a dApp met a locked wallet.
 */
export function ApprovalDialog() {
  const pending = useWallet((s) => s.approvals[0])
  const prompt = useWallet((s) => s.unlockPrompt && s.view.state === 'locked')
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (d === null) return
    if (pending !== undefined && !d.open) d.showModal()
    if (pending === undefined && d.open) d.close()
  }, [pending])
  return (
    <>
      <dialog ref={ref} className="approval" data-testid="approval" onCancel={() => answerApproval(false)}>
        {pending !== undefined && (
          <>
            <p className="eyebrow">Approve?</p>
            <h2 data-testid="approval-title">{pending.request.title}</h2>
            <dl className="facts">
              {pending.request.details.map((d) => (
                <div className="facts__row" key={d.label}>
                  <dt>{d.label}</dt>
                  <dd className="mono break">{d.value}</dd>
                </div>
              ))}
            </dl>
            <div className="row row--end">
              <button
                type="button"
                className="button"
                data-testid="approval-cancel"
                onClick={() => answerApproval(false)}
              >
                Cancel
              </button>
              <button
                type="button"
                className="button button--primary"
                data-testid="approval-confirm"
                onClick={() => answerApproval(true)}
              >
                {pending.request.kind === 'transaction' ? 'Confirm and send' : 'Sign'}
              </button>
            </div>
          </>
        )}
      </dialog>
      {prompt && (
        <div className="toasts" role="status">
          <div className="toast">
            <span>An app asked to use your wallet.</span>
            <Link
              className="button button--small"
              to="/wallet"
              onClick={() => useWallet.setState({ unlockPrompt: false })}
            >
              Unlock
            </Link>
          </div>
        </div>
      )}
    </>
  )
}
