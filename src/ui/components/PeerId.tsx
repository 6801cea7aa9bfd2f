import { useEffect, useState } from 'react'
import { shortPeerId } from '../format'
import { Identicon } from './Identicon'

interface PeerIdProps {
  readonly peerId: string
  /** Test id for the element carrying the full id in `data-peer-id`. */
  readonly testId?: string
  readonly withIcon?: boolean
}

/**
 * A peer id in its short form (`12D3…x7Qa`); the full id is in the tooltip and a click copies it.
 */
export function PeerId({ peerId, testId, withIcon = false }: PeerIdProps) {
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    if (!copied) return
    const timer = setTimeout(() => setCopied(false), 1500)
    return () => clearTimeout(timer)
  }, [copied])

  const copy = () => {
    navigator.clipboard.writeText(peerId).then(
      () => setCopied(true),
      // Clipboard access can be refused (permissions, insecure context); the tooltip still shows the id.
      () => setCopied(false),
    )
  }

  return (
    <button
      type="button"
      className="peer-id"
      data-testid={testId}
      data-peer-id={peerId}
      title={`${peerId}\nClick to copy`}
      aria-label={`Peer id ${peerId}, copy to clipboard`}
      onClick={copy}
    >
      {withIcon ? <Identicon id={peerId} size={18} /> : null}
      <span className="mono">{shortPeerId(peerId)}</span>
      <span className={copied ? 'peer-id__hint peer-id__hint--done' : 'peer-id__hint'} aria-live="polite">
        {copied ? 'Copied' : <CopyIcon />}
      </span>
    </button>
  )
}

function CopyIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect x="5" y="5" width="9" height="9" rx="2" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path
        d="M11 3.5V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
      />
    </svg>
  )
}
