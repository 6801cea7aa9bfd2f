import { useState } from 'react'
import { messageOf } from '../../node/rpc/errors'
import { useApp } from '../store'
import { PeerId } from './PeerId'

/** What following a split does to the swaps settled in the blocks it replaces. */
const SWAPS_UNDONE =
  'Swaps settled in those blocks are done again on the network’s chain: what is missing there is sent again (your node collects what you receive, or takes your side back) while each lock’s time allows. Past that time, one side of such a swap can be lost.'

/**
 * Says, while it lasts, that a peer follows a heavier chain that forked off this tab's too far back to
 * be followed on its own (two groups of tabs mined apart for longer than the reorg limit), what
 * following it would undo, and lets the user follow it.
 */
export function SplitBanner() {
  const split = useApp((s) => s.split)
  const api = useApp((s) => s.api)
  const light = useApp((s) => s.modePin === 'light')
  const [following, setFollowing] = useState(false)
  const [error, setError] = useState<string | null>(null)
  if (split === null) return null
  const follow = () => {
    if (api === null) return
    setFollowing(true)
    setError(null)
    api.followSplit(split.ancestor.hash).then(
      () => setFollowing(false),
      (err: unknown) => {
        setFollowing(false)
        setError(messageOf(err))
      },
    )
  }
  return (
    <div
      className="chain-split"
      role="alert"
      data-testid="chain-split"
      data-ancestor={split.ancestor.number.toString()}
      data-depth={split.depth}
    >
      <p>
        <strong>This tab’s chain split from the network’s.</strong> Peer <PeerId peerId={split.peerId} />{' '}
        follows a heavier chain (head #{split.peerHead.toString()}) that parted from this tab’s after block #
        {split.ancestor.number.toString()}, {split.depth} blocks ago: further back than a node follows on its
        own.
      </p>
      <p className="muted small">
        {light
          ? `Following it replaces the last ${split.depth} blocks this tab verified with the network’s: balances and swaps are then read from the network’s chain.`
          : `Following it replaces this tab’s last ${split.depth} blocks with the network’s. Their transactions go back to the pool and out to peers, to be mined again where the network’s chain still allows them; their mining rewards are not carried over.`}{' '}
        <span data-testid="chain-split-swaps">{SWAPS_UNDONE}</span>
      </p>
      <div className="chain-split__actions">
        <button
          type="button"
          className="button button--primary"
          onClick={follow}
          disabled={following}
          data-testid="follow-split"
        >
          {following ? 'Following the network’s chain…' : 'Follow the network’s chain'}
        </button>
        {error !== null && (
          <span className="small" role="status" data-testid="follow-split-error">
            {error}
          </span>
        )}
      </div>
    </div>
  )
}
