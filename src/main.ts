import { boot } from './boot'
import { startupMark } from './node/marks'
import { registerPwa } from './pwa'
import { useApp } from './ui/store'

/** Longest the service worker's registration waits after the page's load event for a direct link, ms. */
const PWA_REGISTER_WAIT_MS = 5_000

// The entry chunk (libp2p and the boot code) is loaded and evaluated.
startupMark('script')

// The node starts first: the network's round trips (relay, reservation, WebRTC) then overlap with
// loading and rendering the UI, which comes in its own chunk. (Holding the UI back until the link is up
// made the link faster on a loaded machine, but left a lone tab blank for seconds: not taken.)
boot().catch((err: unknown) => {
  console.error('Tabchain failed to start', err)
  useApp.setState({ node: { state: 'failed', error: err instanceof Error ? err.message : String(err) } })
})

const syncOnline = (): void => useApp.setState({ online: navigator.onLine })
window.addEventListener('online', syncOnline)
window.addEventListener('offline', syncOnline)
syncOnline()

// The service worker's first install downloads the whole app again (about 2 MB, from the server that
// also runs the relay) and writes it to the cache: not while this tab is connecting. It registers once
// the tab has a direct link, or a few seconds after the page loaded (a lone tab, no relay, offline).
const registerLater = (): void => {
  const linked = (s: ReturnType<typeof useApp.getState>): boolean =>
    s.network?.peers.some((p) => p.kind === 'direct') === true
  if (linked(useApp.getState())) {
    registerPwa()
    return
  }
  const register = (): void => {
    unsubscribe()
    clearTimeout(timer)
    registerPwa()
  }
  const timer = setTimeout(register, PWA_REGISTER_WAIT_MS)
  const unsubscribe = useApp.subscribe((s) => {
    if (linked(s)) register()
  })
}
if (document.readyState === 'complete') registerLater()
else window.addEventListener('load', registerLater, { once: true })

import('./ui/mount').then(
  ({ mount }) => {
    startupMark('ui')
    mount()
  },
  (err: unknown) => console.error('Tabchain UI failed to load', err),
)
