import { Link, useLocation } from 'react-router'
import { useApp } from '../store'
import { PeerId } from './PeerId'
import { ProfilePicker } from './ProfilePicker'
import { RetryRelayButton } from './RetryRelayButton'
import { PeerCountPill, RelayPill, TradesPill } from './StatusPills'

/**
 * Top-level sections, in navigation order. Home leads first: the logo leads there too, but not every user
 * takes a logo for a link. `pages`: the paths, besides its own, whose pages belong to the section (a
 * block's, a transaction's, an address's and a token's page are the Explorer's).
 */
export const SECTIONS: readonly {
  readonly path: string
  readonly label: string
  readonly pages?: readonly string[]
}[] = [
  { path: '/', label: 'Home' },
  { path: '/network', label: 'Network' },
  { path: '/wallet', label: 'Wallet' },
  { path: '/tokens', label: 'Tokens' },
  { path: '/market', label: 'Market' },
  { path: '/explorer', label: 'Explorer', pages: ['/block', '/tx', '/address', '/token'] },
]

/** Whether `pathname` is `path` or a page under it (`/tx/0x…` is under `/tx`, `/tokens` is not under `/token`). */
const isUnder = (pathname: string, path: string): boolean =>
  pathname === path || pathname.startsWith(`${path}/`)

/**
 * The path of the section whose page `pathname` is (undefined for a path no section holds): Home on `/`
 * only, not on every path under it; a section on its own path and the paths under it and its `pages`.
 */
export function currentSection(pathname: string): string | undefined {
  // The routes match a path whatever its case: so does the current section.
  const path = pathname.toLowerCase()
  if (path === '/') return '/'
  return SECTIONS.find((s) => s.path !== '/' && [s.path, ...(s.pages ?? [])].some((p) => isUnder(path, p)))
    ?.path
}

/** The header's section links, the current section's marked (for the eye and for a screen reader). */
export function SectionsNav() {
  const current = currentSection(useLocation().pathname)
  return (
    <nav className="nav" aria-label="Sections">
      {SECTIONS.map((s) => (
        <Link
          key={s.path}
          to={s.path}
          aria-current={s.path === current ? 'page' : undefined}
          className={s.path === current ? 'nav__link nav__link--active' : 'nav__link'}
        >
          {s.label}
        </Link>
      ))}
    </nav>
  )
}

/** Whether the tab can reach the network: the browser says so and the host has not reported offline. */
export function useIsOnline(): boolean {
  return useApp((s) => s.online && s.network?.relay.state !== 'offline')
}

/** App header: brand, section navigation, profile menu, and the node's status strip. */
export function Header() {
  const peerId = useApp((s) => s.network?.peerId ?? s.profile?.peerId ?? null)
  const online = useIsOnline()
  return (
    <header className="header">
      <div className="header__bar">
        <Link to="/" className="brand" aria-label="Tabchain overview">
          <img src="/icon.svg" width="28" height="28" alt="" />
          <span>Tabchain</span>
        </Link>
        <SectionsNav />
        <ProfilePicker />
      </div>
      <div className="status-strip" data-testid="network-state" data-online={online}>
        <div className="status-strip__inner">
          <RelayPill />
          <RetryRelayButton />
          <PeerCountPill />
          <TradesPill />
          {peerId ? (
            <span className="status-strip__id">
              <span className="muted">Node</span>
              <PeerId peerId={peerId} testId="peer-id" withIcon />
            </span>
          ) : null}
          {/* The one place a screen reader hears the tab went offline, and what it means (the relay pill
              keeps its "Offline" to the eye): a live region there before the sentence, as one must be
              for what appears in it to be said. */}
          <div className="status-strip__said" role="status" data-testid="offline-said">
            {online ? null : (
              <p className="status-strip__offline">
                <OfflineIcon />
                <span>
                  <strong>You’re offline.</strong> This node keeps running on this device and reconnects by
                  itself when the network is back.
                </span>
              </p>
            )}
          </div>
        </div>
      </div>
    </header>
  )
}

function OfflineIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M2 8.8a15 15 0 0 1 4.2-2.6M9.5 5.2A15 15 0 0 1 22 8.8M5 12.3a10 10 0 0 1 4.4-2.2M15 10.4a10 10 0 0 1 4 1.9M8.5 15.8a5 5 0 0 1 7 0M12 19.5h.01M3 3l18 18"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
    </svg>
  )
}
