import { useEffect, useId, useRef, useState } from 'react'
import type { ProfileInfo } from '../../node/profile/types'
import { shortPeerId } from '../format'
import { useApp } from '../store'
import { Identicon } from './Identicon'
import { RemoveProfileDialog } from './RemoveProfileDialog'

/** Opens a profile in this tab. A full navigation: the bootstrap claims profiles only at page start. */
function openProfile(id: string): void {
  window.location.assign(`/?profile=${encodeURIComponent(id)}`)
}

/** A profile asked to be removed, and whether another tab runs it (this tab's own is not offered). */
export interface Removal {
  readonly profile: ProfileInfo
  readonly runs: 'another tab' | null
}

/**
 * The header's profile menu: the profile this tab runs, every other profile of this browser (free
 * ones can be opened here; ones held by another tab are marked), each with a remove button, and
 * "New profile". This tab's own profile has no remove button: its note says to open another first.
 */
export function ProfilePicker() {
  const profile = useApp((s) => s.profile)
  const profiles = useApp((s) => s.profiles)
  const refreshProfiles = useApp((s) => s.refreshProfiles)
  const [open, setOpen] = useState(false)
  const [removal, setRemoval] = useState<Removal | null>(null)
  const rootRef = useRef<HTMLDivElement>(null)
  const menuRef = useRef<HTMLDivElement>(null)
  const menuId = useId()
  /** Whether a removal dialog was open: once it is gone, the focus goes back to the menu button. */
  const removing = useRef(false)

  // Which profiles other tabs run, as of now: one whose tab closed since the last periodic read is free.
  useEffect(() => {
    if (open) void refreshProfiles()
  }, [open, refreshProfiles])

  useEffect(() => {
    if (!open) return
    // The first profile that can be opened (or "New profile"), not a remove button.
    menuRef.current?.querySelector<HTMLElement>('.menu__item:not([aria-disabled="true"])')?.focus()
    const onPointer = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false)
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false)
        rootRef.current?.querySelector<HTMLElement>('.profile-button')?.focus()
      }
    }
    document.addEventListener('pointerdown', onPointer)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onPointer)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])

  // Here, not in the dialog's onClose: while the modal dialog is open the button is inert (focus() does
  // nothing), and the closing dialog gives the focus back to the remove button, gone with the menu.
  useEffect(() => {
    if (removal !== null) removing.current = true
    else if (removing.current) {
      removing.current = false
      rootRef.current?.querySelector<HTMLElement>('.profile-button')?.focus()
    }
  }, [removal])

  /** Arrow keys move between the menu's enabled items; Tab closes the menu as it moves on past it. */
  const onMenuKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Tab') setOpen(false)
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    e.preventDefault()
    const items = Array.from(
      menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? [],
    )
    const at = items.indexOf(document.activeElement as HTMLElement)
    const next = items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]
    next?.focus()
  }

  return (
    <div className="profile-picker" ref={rootRef}>
      <button
        type="button"
        className="profile-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
      >
        {profile ? (
          <Identicon id={profile.peerId} size={22} />
        ) : (
          <span className="identicon identicon--empty" />
        )}
        <span className="profile-button__name" data-testid="profile-name">
          {profile?.name ?? 'Profile'}
        </span>
        <svg
          className="chevron"
          width="12"
          height="12"
          viewBox="0 0 12 12"
          aria-hidden="true"
          focusable="false"
        >
          <path d="M3 4.5l3 3 3-3" fill="none" stroke="currentColor" strokeWidth="1.5" />
        </svg>
      </button>
      {open ? (
        <div
          className="menu"
          role="menu"
          id={menuId}
          aria-label="Profiles"
          ref={menuRef}
          onKeyDown={onMenuKey}
        >
          <div className="menu__heading">Profiles in this browser</div>
          {/* The list scrolls on its own: the menu hangs from the sticky header, which a page scroll never moves. */}
          <div className="menu__list" role="none">
            <ProfileRows
              profile={profile}
              profiles={profiles}
              onRemove={(r) => {
                setOpen(false)
                setRemoval(r)
              }}
            />
          </div>
          <hr className="menu__sep" />
          <button
            type="button"
            role="menuitem"
            className="menu__item menu__item--action"
            onClick={() => openProfile('new')}
          >
            <span className="menu__plus" aria-hidden="true">
              +
            </span>
            New profile
          </button>
          <p className="menu__note">
            Each profile is a separate node with its own identity. A profile runs in one tab at a time. To
            remove this tab's profile, open another one in this tab first.
          </p>
        </div>
      ) : null}
      {removal !== null ? (
        <RemoveProfileDialog profile={removal.profile} runs={removal.runs} onClose={() => setRemoval(null)} />
      ) : null}
    </div>
  )
}

/**
 * The menu's list: each profile of this browser (`profiles`; this tab's `profile` alone while the list
 * is not read yet), openable here when no tab runs it, marked when one does, each but this tab's with
 * its remove button (`onRemove`).
 */
export function ProfileRows({
  profile,
  profiles,
  onRemove,
}: {
  readonly profile: ProfileInfo | null
  readonly profiles: readonly (ProfileInfo & { readonly inUse: boolean })[]
  readonly onRemove: (removal: Removal) => void
}) {
  return (
    <>
      {profiles.length === 0 && profile ? <ProfileItem p={profile} marker="this tab" /> : null}
      {profiles.map((p) => {
        // This tab holds its own profile while it runs: it is never offered for removal (the menu's note
        // says how); another tab's is, its dialog saying to close that tab first.
        if (p.id === profile?.id)
          return (
            <div key={p.id} className="menu__row" role="none">
              <ProfileItem p={p} marker="this tab" />
            </div>
          )
        const runs = p.inUse ? 'another tab' : null
        const askRemove = () => onRemove({ profile: p, runs })
        return (
          <div key={p.id} className="menu__row" role="none">
            {runs === 'another tab' ? (
              <ProfileItem p={p} marker="open in another tab" />
            ) : (
              <ProfileItem p={p} onOpen={() => openProfile(p.id)} />
            )}
            <button
              type="button"
              role="menuitem"
              className="menu__remove"
              aria-label={`Remove ${p.name}`}
              title={`Remove ${p.name}`}
              data-testid="profile-remove"
              onClick={askRemove}
            >
              <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false">
                <path
                  d="M2.5 4h9M5.5 4V2.5h3V4M3.5 4l.6 7.5h5.8l.6-7.5"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.3"
                />
              </svg>
            </button>
          </div>
        )
      })}
    </>
  )
}

interface ProfileItemProps {
  readonly p: ProfileInfo
  /** Why the item cannot be opened here; absent for a free profile. */
  readonly marker?: string
  readonly onOpen?: () => void
}

function ProfileItem({ p, marker, onOpen }: ProfileItemProps) {
  const disabled = onOpen === undefined
  return (
    <button
      type="button"
      role="menuitem"
      className="menu__item"
      aria-disabled={disabled}
      data-testid="profile-item"
      data-profile-id={p.id}
      title={p.peerId}
      onClick={disabled ? undefined : onOpen}
    >
      <Identicon id={p.peerId} size={26} />
      <span className="menu__text">
        <span className="menu__name">{p.name}</span>
        <span className="menu__sub mono">{shortPeerId(p.peerId)}</span>
      </span>
      {marker ? (
        <span className={marker === 'this tab' ? 'tag tag--accent' : 'tag'}>{marker}</span>
      ) : (
        <span className="tag tag--ghost">Open</span>
      )}
    </button>
  )
}
