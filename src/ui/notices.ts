import { create } from 'zustand'

/** Transient app notices that are not node state: written by src/pwa.ts, shown by <Toasts />. */
export interface Notices {
  /** The service worker has cached the app: it will start without a network from now on. */
  readonly offlineReady: boolean
  readonly dismissOfflineReady: () => void
}

export const useNotices = create<Notices>((set) => ({
  offlineReady: false,
  dismissOfflineReady: () => set({ offlineReady: false }),
}))
