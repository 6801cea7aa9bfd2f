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

/** What a tab does when a new version takes control of it (`watchForTakeover`). */
export interface TakeoverActions {
  /** This tab accepted the version: reload into it. */
  readonly reload: () => void
  /** Another tab accepted it: offer the reload. */
  readonly offer: () => void
}

/**
 * Watches for a new version taking control of this tab. Its service worker claims every tab of the
 * app (clientsClaim) once a user accepts it ("Reload"): the tab that accepted reloads (`accepted()`),
 * even one no worker served before (Workbox reloads only a tab that was served at its registration);
 * any other tab still runs the old page and node worker code (its lazily loaded chunks are gone from
 * the server) and is offered the reload. The first install's claim of a tab (no controller before) is
 * no new version. Call at page start, so a takeover in the first moments is seen too.
 */
export function watchForTakeover(
  container: ControlledContainer,
  accepted: () => boolean,
  actions: TakeoverActions,
): void {
  let controller = container.controller
  container.addEventListener('controllerchange', () => {
    const before = controller
    controller = container.controller
    if (accepted()) actions.reload()
    else if (before !== null && controller !== null) actions.offer()
  })
}
