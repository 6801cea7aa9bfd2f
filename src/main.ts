import { boot } from './boot'
import { startupMark } from './node/marks'
import { registerPwa, watchForNewVersion } from './pwa'
import { useApp } from './ui/store'

/** How long after the page's load event the service worker registers, ms. */
const PWA_REGISTER_DELAY_MS = 10_000

// The entry chunk (libp2p and the boot code) is loaded and evaluated.
startupMark('script')

const syncOnline = (): void => useApp.setState({ online: navigator.onLine })
window.addEventListener('online', syncOnline)
window.addEventListener('offline', syncOnline)
syncOnline()

// From the start: a new version another tab accepts may take this tab over before it registers below.
watchForNewVersion()

// The service worker's first install downloads the whole app again (about 2 MB, from the server that
// also runs the relay) and writes it to the cache: not while this tab connects and takes in its first
// headers or blocks. Registering as soon as the tab had a direct link slowed that first sync: page load →
// 10,000 headers verified took ~0.4 s longer (bench auto-verified-balance). It registers a fixed while
// after the load event instead.
const registerLater = (): void => {
  setTimeout(registerPwa, PWA_REGISTER_DELAY_MS)
}
if (document.readyState === 'complete') registerLater()
else window.addEventListener('load', registerLater, { once: true })

/**
 * Starts the node, then loads the UI. The node starts first: the network's round trips (relay,
 * reservation, WebRTC) then overlap with loading and rendering the UI, which comes in its own chunk.
 * (Holding the UI back until the link is up linked a joining tab sooner, but a first visit's verified
 * balance came later, the UI's work landing on the header sync instead: bench/README.md, round 36.)
 */
function start(): void {
  boot().catch((err: unknown) => {
    console.error('Tabchain failed to start', err)
    useApp.setState({ node: { state: 'failed', error: err instanceof Error ? err.message : String(err) } })
  })
  import('./ui/mount').then(
    ({ mount }) => {
      startupMark('ui')
      mount()
    },
    (err: unknown) => {
      console.error('Tabchain UI failed to load', err)
      showUiLoadFailure()
    },
  )
  // What `boot` runs beside the screens once the node is up (the market's session, the follower of the
  // wallet's account for mining rewards) is fetched now, with the screens; `boot`'s own import then takes
  // it from what is loaded. Fetched only then, a server gone in the meantime failed the import, and the
  // page's start with it ("The node could not start", the node running): a browser keeps a failed module
  // import failed for the page's life. A failure here is `boot`'s to report.
  import('./ui/market-session').catch(() => {})
  import('./ui/signer/follow-rewards').catch(() => {})
}

/**
 * The UI's code did not load (the server went away mid-load, a proxy cut it): the page says so in plain
 * text (its styles come with that code), where it would otherwise stay blank. The node runs on.
 */
function showUiLoadFailure(): void {
  const root = document.getElementById('root')
  if (root === null) return
  const alert = document.createElement('div')
  alert.setAttribute('role', 'alert')
  const title = document.createElement('h1')
  title.textContent = 'Tabchain could not load its screens'
  const advice = document.createElement('p')
  advice.textContent =
    'Check your connection and reload this page. Your node and its data on this device are untouched.'
  alert.append(title, advice)
  root.replaceChildren(alert)
}

// Run just after this module's evaluation, not during it. A stack captured while the module's top-level
// code runs — DevTools, and Playwright in the tests and benches, record one for every request as its
// initiator — needs the source positions of that code, the whole entry chunk (0.7 MB, libp2p), which V8
// collects lazily by parsing the chunk again: the first request (the relay's address) went out ~120–170
// ms late in every Playwright-measured load. A page with no DevTools attached pays nothing either way.
queueMicrotask(start)
