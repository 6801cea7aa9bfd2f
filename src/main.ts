import { boot } from './boot'
import { startupMark } from './node/marks'
import { registerPwa } from './pwa'
import { useApp } from './ui/store'

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

registerPwa()

import('./ui/mount').then(
  ({ mount }) => {
    startupMark('ui')
    mount()
  },
  (err: unknown) => console.error('Tabchain UI failed to load', err),
)
