import { registerSW } from 'virtual:pwa-register'
import { useNotices } from './ui/notices'
import { useApp } from './ui/store'
import { watchForTakeover, watchForUpdates } from './update-check'

/** Set once this tab's user accepts the waiting version ("Reload"): its taking control reloads this tab. */
let accepted = false

/**
 * Reloads this tab when the version its user accepted takes control, and offers a reload when a version
 * another tab accepted does (src/update-check.ts).
 * Offered, not done: a reload restarts this tab's node and drops what its user has open (a form, an
 * unlocked wallet, an approval a site waits for), which the page cannot all see; the user chose when
 * to reload in the other tab and chooses here too. Call at page start.
 */
export function watchForNewVersion(): void {
  if (!('serviceWorker' in navigator)) return
  watchForTakeover(navigator.serviceWorker, () => accepted, {
    reload: () => {
      // The new version runs this tab's service worker now, and none waits: if the user holds the reload
      // (the Market's leave guard asks while a trade has coins at stake), the prompt's Reload, still up,
      // must reload, not ask a waiting version that is gone to take over (which did nothing).
      useApp.setState({ applyUpdate: () => location.reload() })
      location.reload()
    },
    offer: () => useApp.setState({ update: 'elsewhere', applyUpdate: () => location.reload() }),
  })
}

/**
 * Registers the service worker (vite-plugin-pwa, prompt mode) and wires its events into the UI:
 * a waiting new version sets `update`, and `applyUpdate` activates it and reloads the page;
 * the first successful install shows a short "works offline" notice; an open tab looks for a new version
 * every hour (src/update-check.ts).
 */
export function registerPwa(): void {
  if (!('serviceWorker' in navigator)) return
  const updateSW = registerSW({
    onNeedRefresh() {
      useApp.setState({
        update: 'waiting',
        // Tells the waiting worker to skip waiting; the page reloads once it takes control.
        applyUpdate: () => {
          accepted = true
          void updateSW(true)
        },
      })
    },
    // A new version took control. Workbox would reload every tab that saw it waiting, including one
    // whose user did not accept it: `watchForNewVersion` reloads the tab that accepted, offers elsewhere.
    onNeedReload() {},
    onRegisteredSW(_url, registration) {
      if (registration !== undefined) watchForUpdates(registration, () => navigator.onLine)
    },
    onOfflineReady() {
      useNotices.setState({ offlineReady: true })
    },
    onRegisterError(error: unknown) {
      // The app works without a service worker (only offline start is lost), so report and go on.
      console.warn('Service worker registration failed', error)
    },
  })
}
