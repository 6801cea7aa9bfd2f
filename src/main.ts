import { boot } from './boot'
import { startupMark } from './node/marks'
import { registerPwa } from './pwa'
import { type AppState, useApp } from './ui/store'

// The entry chunk (libp2p and the boot code) is loaded and evaluated.
startupMark('script')

/**
 * Longest the UI waits for the network's start-up, ms from navigation start. The UI chunk (React, the
 * screens, their styles) and the service worker's precaching compete with the relay handshake and
 * the WebRTC dial for the page's main thread: on two loaded cores, mounting the UI alongside them
 * made the relay connection take about three times as long (bench/README.md).
 */
const UI_WAIT_MS = 2_500

/** The network's start-up is past its busy part: a direct link, or nothing more to wait for. */
function networkSettled(s: AppState): boolean {
  const relay = s.network?.relay.state
  return (
    s.node.state === 'failed' ||
    !s.online ||
    relay === 'unreachable' ||
    relay === 'offline' ||
    (s.network?.peers.some((p) => p.kind === 'direct') ?? false)
  )
}

function whenNetworkSettled(): Promise<void> {
  return new Promise((resolve) => {
    if (networkSettled(useApp.getState())) return resolve()
    const done = (): void => {
      unsubscribe()
      clearTimeout(timer)
      resolve()
    }
    const unsubscribe = useApp.subscribe((s) => {
      if (networkSettled(s)) done()
    })
    const timer = setTimeout(done, Math.max(0, UI_WAIT_MS - performance.now()))
  })
}

// The node starts first; the UI comes in its own chunk once the network is linked (or has waited
// long enough).
boot().catch((err: unknown) => {
  console.error('Tabchain failed to start', err)
  useApp.setState({ node: { state: 'failed', error: err instanceof Error ? err.message : String(err) } })
})

const syncOnline = (): void => useApp.setState({ online: navigator.onLine })
window.addEventListener('online', syncOnline)
window.addEventListener('offline', syncOnline)
syncOnline()

void whenNetworkSettled().then(() => {
  startupMark('ui')
  registerPwa()
  return import('./ui/mount').then(
    ({ mount }) => mount(),
    (err: unknown) => console.error('Tabchain UI failed to load', err),
  )
})
