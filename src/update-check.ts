/**
 * How often an open tab asks the server whether a new version of the app is out, ms. A browser checks
 * its service worker for updates only when a page of the app is loaded: a tab that runs a node for days
 * would never be offered one.
 */
export const UPDATE_CHECK_MS = 60 * 60 * 1000

/** What the checks need of a `ServiceWorkerRegistration`. */
export interface UpdatableRegistration {
  update(): Promise<unknown>
  readonly installing: unknown
}

/**
 * Asks `registration` for a new version every `intervalMs` while `online()` says the browser is online
 * and no version is installing; a version found installs and waits, and the page offers it
 * (src/pwa.ts). A check that fails (server unreachable) is dropped: the next interval asks again.
 * Returns the function that stops the checks.
 */
export function watchForUpdates(
  registration: UpdatableRegistration,
  online: () => boolean,
  intervalMs = UPDATE_CHECK_MS,
): () => void {
  const timer = setInterval(() => {
    if (!online() || registration.installing !== null) return
    registration.update().catch(() => {})
  }, intervalMs)
  return () => clearInterval(timer)
}

/** What `watchForTakeover` needs of `navigator.serviceWorker`. */
export interface ControlledContainer extends EventTarget {
  readonly controller: object | null
}

/**
 * Calls `onTakeover` when a new version takes control of this tab without this tab asking for it:
 * another tab's user accepted it ("Reload"), and its service worker claims every tab of the app
 * (clientsClaim). This tab's page and node worker still run the old code (its lazily loaded chunks
 * are gone from the server) until it reloads. The first install's claim (no controller before) is no
 * new version, and a version this tab accepted (`accepted()`) reloads this tab anyway. Call at page
 * start, so a takeover in the first moments is seen too.
 */
export function watchForTakeover(
  container: ControlledContainer,
  accepted: () => boolean,
  onTakeover: () => void,
): void {
  let controller = container.controller
  container.addEventListener('controllerchange', () => {
    const before = controller
    controller = container.controller
    if (before !== null && controller !== null && !accepted()) onTakeover()
  })
}
