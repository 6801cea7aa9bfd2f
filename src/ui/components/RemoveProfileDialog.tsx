import { useEffect, useRef, useState } from 'react'
import { ProfileError } from '../../node/profile/remove'
import type { ProfileInfo } from '../../node/profile/types'
import { shortPeerId } from '../format'
import { useApp } from '../store'

interface RemoveProfileDialogProps {
  readonly profile: ProfileInfo
  /** Whether another tab runs the profile: it cannot be removed then (this tab's own is not offered). */
  readonly runs: 'another tab' | null
  readonly onClose: () => void
}

/** What a failed removal means to the user. */
function removeErrorMessage(err: unknown, name: string): string {
  if (!(err instanceof ProfileError)) return err instanceof Error ? err.message : String(err)
  const t = err.type
  switch (t.code) {
    case 'PROFILE_IN_USE':
      return `${name} was opened in a tab meanwhile. Close that tab, then remove it.`
    case 'PROFILE_UNKNOWN':
      return `${name} was already removed.`
    case 'PROFILE_REMOVE_FAILED':
      return t.started
        ? `Removing ${name} stopped (${t.reason}). It no longer opens, and its removal is finished the next time Tabchain starts in this browser.`
        : `${name} could not be removed (${t.reason}). Nothing of it was deleted.`
  }
}

/**
 * Asks before removing a profile of this browser, saying what is lost: its copy of the chain, its peer
 * identity and, if it has one, its wallet keystore. A profile that runs in another tab holds its Web
 * Lock and cannot be removed: the dialog says so instead (the menu offers no removal of this tab's own).
 */
export function RemoveProfileDialog({ profile, runs, onClose }: RemoveProfileDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const removeProfile = useApp((s) => s.removeProfile)
  const profileHasWallet = useApp((s) => s.profileHasWallet)
  /** Whether it has a wallet keystore; null while that is being read. */
  const [wallet, setWallet] = useState<boolean | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const d = ref.current
    if (d !== null && !d.open) d.showModal()
    return () => d?.close()
  }, [])
  useEffect(() => {
    if (runs !== null) return
    let live = true
    // Unreadable: warned about as if it had one.
    profileHasWallet(profile.id).then(
      (has) => live && setWallet(has),
      () => live && setWallet(true),
    )
    return () => {
      live = false
    }
  }, [profile.id, runs, profileHasWallet])

  const remove = async () => {
    setBusy(true)
    setError(null)
    try {
      await removeProfile(profile.id)
      onClose()
    } catch (err) {
      setError(removeErrorMessage(err, profile.name))
      setBusy(false)
    }
  }

  return (
    <dialog
      ref={ref}
      className="approval"
      data-testid="remove-profile"
      aria-labelledby="remove-profile-title"
      onCancel={onClose}
    >
      <p className="eyebrow">Remove profile</p>
      <h2 id="remove-profile-title">{runs === null ? `Remove ${profile.name}?` : profile.name}</h2>
      {runs !== null ? (
        <p data-testid="remove-refused">
          {`${profile.name} is open in another tab, which holds it while it runs: it cannot be removed. Close that tab, then remove it here.`}
        </p>
      ) : (
        <>
          <p>This deletes from this browser, for good:</p>
          <ul data-testid="remove-losses">
            <li>its copy of the chain (the blocks and state it stored)</li>
            <li>its peer identity ({shortPeerId(profile.peerId)})</li>
            {wallet === true ? <li>its wallet keystore</li> : null}
          </ul>
          {wallet === true ? (
            <p className="form__error" role="alert" data-testid="remove-wallet-warning">
              Funds whose keys are only in this wallet are lost, unless you saved its recovery phrase (and the
              private keys you imported).
            </p>
          ) : null}
          {wallet === null ? <p className="muted">Looking for its wallet…</p> : null}
          <p className="muted">Other profiles are not touched.</p>
        </>
      )}
      {error !== null ? (
        <p className="form__error" role="alert" data-testid="remove-error">
          {error}
        </p>
      ) : null}
      <div className="row row--end">
        <button type="button" className="button" onClick={onClose}>
          {runs === null ? 'Cancel' : 'Close'}
        </button>
        {runs === null ? (
          <button
            type="button"
            className="button button--danger"
            data-testid="remove-confirm"
            disabled={busy || wallet === null}
            onClick={remove}
          >
            {busy ? 'Removing…' : 'Remove profile'}
          </button>
        ) : null}
      </div>
    </dialog>
  )
}
