import { registerSW } from 'virtual:pwa-register'
import { useNotices } from './ui/notices'
import { useApp } from './ui/store'
import { watchForUpdates } from './update-check'

/**
 * Registers the service worker (vite-plugin-pwa, prompt mode) and wires its events into the UI:
 * a waiting new version sets `updateReady`, and `applyUpdate` activates it and reloads the page;
 * the first successful install shows a short "works offline" notice; an open tab looks for a new version
 * every hour (src/update-check.ts). Call once at page start.
 */
export function registerPwa(): void {
  if (!('serviceWorker' in navigator)) return
  const updateSW = registerSW({
    onNeedRefresh() {
      useApp.setState({
        updateReady: true,
        // Tells the waiting worker to skip waiting; the page reloads once it takes control.
        applyUpdate: () => void updateSW(true),
      })
    },
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
