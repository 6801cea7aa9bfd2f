import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import type { Hex } from 'viem'
import { focusHeading } from '../focus-on-change'
import { keptAsideText } from '../kept-aside'
import { moreTakenText, takenNoticesShown } from '../market/taken-notice'
import { type OfferTaken, useNotices } from '../notices'
import { useApp } from '../store'

/** How long the "saved in this browser" notice (the app opens offline) stays up, ms, once neither the focus nor a pointer is in it. */
const OFFLINE_READY_MS = 6000

/**
 * Notices in the bottom corner (on a phone, above the screen, in the page: `.toasts`): a new app version, waiting or running in another tab (stays until acted on), a profile asked for that another
 * tab runs (stays until dismissed), the user's offers another account took (`OffersTaken`: the newest
 * three, the rest counted; each stays until dismissed, its trade under My trades) and "saved in this
 * browser" (the app now opens offline: it is not installed as an app, which the browser offers).
 */
export function Toasts() {
  const update = useApp((s) => s.update)
  const applyUpdate = useApp((s) => s.applyUpdate)
  const offlineReady = useNotices((s) => s.offlineReady)
  const dismissOfflineReady = useNotices((s) => s.dismissOfflineReady)
  const profileTaken = useNotices((s) => s.profileTaken)
  const dismissProfileTaken = useNotices((s) => s.dismissProfileTaken)
  const offersTaken = useNotices((s) => s.offersTaken)
  const dismissOffersTaken = useNotices((s) => s.dismissOffersTaken)
  const storageDenied = useNotices((s) => s.storageDenied)
  const dismissStorageDenied = useNotices((s) => s.dismissStorageDenied)
  const keptAside = useNotices((s) => s.keptAside)
  const dismissKeptAside = useNotices((s) => s.dismissKeptAside)
  // "Later" puts off the offer shown; a version then running in another tab is offered again.
  const [updateDismissed, setUpdateDismissed] = useState<typeof update>(null)

  return (
    // Each toast is its own live region (`role="status"`), said once: none inside another.
    <div className="toasts">
      {update !== null && update !== updateDismissed ? (
        <div className="toast" data-testid="update-prompt" role="status">
          <span>{updatePromptText(update)}</span>
          <button type="button" className="button button--primary button--small" onClick={applyUpdate}>
            Reload
          </button>
          <CloseButton label="Later" onClick={() => setUpdateDismissed(update)} />
        </div>
      ) : null}
      {profileTaken ? (
        <div className="toast" data-testid="profile-taken" role="status">
          <span>
            {profileTaken.wanted} is open in another tab, so this tab runs {profileTaken.running}.
          </span>
          <CloseButton label="Dismiss" onClick={dismissProfileTaken} />
        </div>
      ) : null}
      {storageDenied !== null ? (
        <div className="toast" data-testid="storage-denied" role="status">
          <span>
            {STORAGE_DENIED} <span className="muted small mono">({storageDenied})</span>
          </span>
          <CloseButton label="Dismiss" onClick={dismissStorageDenied} />
        </div>
      ) : null}
      {keptAside.length > 0 ? (
        <div className="toast" data-testid="kept-aside" role="status">
          <span>{keptAsideText(keptAside)}</span>
          <CloseButton label="Dismiss" onClick={dismissKeptAside} />
        </div>
      ) : null}
      <OffersTaken notices={offersTaken} onDismiss={dismissOffersTaken} />
      {offlineReady ? <OfflineReady onDismiss={dismissOfflineReady} /> : null}
    </div>
  )
}

/**
 * "Saved in this browser", gone by itself `OFFLINE_READY_MS` after it shows, or after the focus (or a
 * pointer) leaves it: held while the focus is in it (a keyboard user reading it, on its Dismiss button),
 * so it neither goes under them nor drops their focus to nothing (<body>) as its button goes.
 */
function OfflineReady({ onDismiss }: { readonly onDismiss: () => void }) {
  const [focused, setFocused] = useState(false)
  // …and while a pointer rests on it (someone reading it, or about to press Dismiss): WCAG 2.2.1.
  const [hovered, setHovered] = useState(false)
  useEffect(() => {
    if (focused || hovered) return
    const timer = setTimeout(onDismiss, OFFLINE_READY_MS)
    return () => clearTimeout(timer)
  }, [focused, hovered, onDismiss])
  return (
    <div
      className="toast"
      role="status"
      onFocus={() => setFocused(true)}
      onBlur={(e) => setFocused(e.currentTarget.contains(e.relatedTarget))}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
    >
      <span>Tabchain is saved in this browser: this page now opens even without a network.</span>
      <CloseButton label="Dismiss" onClick={onDismiss} />
    </div>
  )
}

/**
 * The toasts telling the maker its offers were taken (`notices`, oldest first), each until dismissed
 * (the offer has left Your open offers, its trade is under My trades): the newest
 * `TAKEN_NOTICES_SHOWN`, and above them one line counting the others, dismissed together.
 */
export function OffersTaken({
  notices,
  onDismiss,
}: {
  readonly notices: readonly OfferTaken[]
  readonly onDismiss: (offerIds: readonly Hex[]) => void
}) {
  const { shown, more } = takenNoticesShown(notices)
  return (
    <>
      {more.length > 0 ? (
        <div className="toast" data-testid="offers-taken-more" role="status">
          <span>
            {moreTakenText(more.length)} <Link to="/market">Follow them in My trades</Link>
          </span>
          <CloseButton label="Dismiss" onClick={() => onDismiss(more.map((n) => n.offerId))} />
        </div>
      ) : null}
      {shown.map((n) => (
        <div className="toast" data-testid="offer-taken" role="status" key={n.offerId}>
          <span>
            {n.text} <Link to="/market">Follow it in My trades</Link>
          </span>
          <CloseButton label="Dismiss" onClick={() => onDismiss([n.offerId])} />
        </div>
      ))}
    </>
  )
}

/** What the page says once when the browser denies the site localStorage (`storageDenied`). */
export const STORAGE_DENIED =
  'This browser does not let this site keep data, so your settings, trade approvals and activity last only until this page closes (a reload starts a new profile). Allow this site to store data to keep them.'

/**
 * What a reload does to work in progress, as the update prompt says it: the profile's storage keeps the
 * wallet, hosted offers and swaps, and a reloaded node steps every stored swap again from the chain; the
 * wallet locks on every load, and a swap's next signature waits for the unlock.
 */
const RELOAD_KEEPS =
  'Reloading keeps your wallet, offers and trades: your wallet locks, and a running swap carries on once you unlock it.'

/** The update prompt's words: a new version `waiting` for this tab's Reload, or running `elsewhere`. */
export function updatePromptText(update: 'waiting' | 'elsewhere'): string {
  return update === 'waiting'
    ? `A new version of Tabchain is ready. ${RELOAD_KEEPS}`
    : `A new version is running in another tab. Reload to use it. ${RELOAD_KEEPS}`
}

/**
 * A toast's × button, named `label` (its accessible name and tooltip). Pressed while it has the focus
 * (by keyboard, or clicked), the focus goes to the page's heading: the button goes with its toast, and
 * the focus would fall to nothing (<body>), where a screen reader says nothing and Tab starts over.
 */
export function CloseButton({ label, onClick }: { readonly label: string; readonly onClick: () => void }) {
  return (
    <button
      type="button"
      className="toast__close"
      aria-label={label}
      title={label}
      onClick={(e) => {
        const focused = document.activeElement === e.currentTarget
        onClick()
        const heading = document.querySelector<HTMLElement>('#main h1')
        if (focused && heading !== null) focusHeading(heading)
      }}
    >
      ×
    </button>
  )
}
