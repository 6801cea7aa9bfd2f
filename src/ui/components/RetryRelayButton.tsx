import { retryNowButton } from '../format'
import { useApp } from '../store'

/**
 * "Retry now" beside a relay that is unreachable: connects at once instead of after the backoff's wait.
 * While an attempt runs it stays in place, marked disabled (`aria-disabled`, not `disabled`, so a
 * keyboard user's focus is not dropped), and a click does nothing.
 */
export function RetryRelayButton() {
  const state = useApp((s) => retryNowButton(s.network?.relay ?? null))
  const retryRelayNow = useApp((s) => s.retryRelayNow)
  if (state === 'hidden') return null
  const disabled = state === 'disabled'
  return (
    <button
      type="button"
      className="button button--small button--retry"
      data-testid="retry-relay"
      aria-disabled={disabled}
      onClick={disabled ? undefined : () => retryRelayNow()}
    >
      Retry now
    </button>
  )
}
