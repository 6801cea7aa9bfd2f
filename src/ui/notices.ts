import { create } from 'zustand'

/** A profile this tab was asked for (or ran before) was open in another tab, so it runs another one. */
export interface ProfileTaken {
  /** The name of the profile asked for. */
  readonly wanted: string
  /** The name of the profile this tab runs instead. */
  readonly running: string
}

/**
 * Transient app notices that are not node state: written by src/pwa.ts and src/boot.ts, shown by
 * <Toasts />.
 */
export interface Notices {
  /** The service worker has cached the app: it will start without a network from now on. */
  readonly offlineReady: boolean
  readonly dismissOfflineReady: () => void
  readonly profileTaken: ProfileTaken | null
  readonly dismissProfileTaken: () => void
}

export const useNotices = create<Notices>((set) => ({
  offlineReady: false,
  dismissOfflineReady: () => set({ offlineReady: false }),
  profileTaken: null,
  dismissProfileTaken: () => set({ profileTaken: null }),
}))
