import { shortPeerId } from '../format'
import { CopyIcon, useCopy } from './CopyButton'
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
  const { copied, copy } = useCopy(peerId)

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
