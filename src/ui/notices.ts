import type { Hex } from 'viem'
import { create } from 'zustand'

/** A profile this tab was asked for (or ran before) was open in another tab, so it runs another one. */
export interface ProfileTaken {
  /** The name of the profile asked for. */
  readonly wanted: string
  /** The name of the profile this tab runs instead. */
  readonly running: string
}

/** One of the wallet's offers another account took (`watchTakenOffers`), in words. */
export interface OfferTaken {
  readonly offerId: Hex
  readonly text: string
}

/**
 * Transient app notices that are not node state: written by src/pwa.ts, src/boot.ts and
 * src/ui/market-session.ts, shown by <Toasts />.
 */
export interface Notices {
  /** The service worker has cached the app: it will start without a network from now on. */
  readonly offlineReady: boolean
  readonly dismissOfflineReady: () => void
  readonly profileTaken: ProfileTaken | null
  readonly dismissProfileTaken: () => void
  /**
   * Offers of ours taken that the user has not dismissed, oldest first (<Toasts /> shows the newest
   * few and counts the rest).
   */
  readonly offersTaken: readonly OfferTaken[]
  readonly offerTaken: (notice: OfferTaken) => void
  readonly dismissOffersTaken: (offerIds: readonly Hex[]) => void
  /**
   * Why the browser denied this site localStorage (`storageDenied`: site data blocked), null when it did
   * not: preferences and records are held for this page load only.
   */
  readonly storageDenied: string | null
  readonly dismissStorageDenied: () => void
  /**
   * The localStorage keys of this profile's records whose damaged entries were kept aside since the
   * user last dismissed the notice saying so (`src/ui/kept-aside.ts`), empty when none.
   */
  readonly keptAside: readonly string[]
  readonly dismissKeptAside: () => void
}

export const useNotices = create<Notices>((set) => ({
  offlineReady: false,
  dismissOfflineReady: () => set({ offlineReady: false }),
  profileTaken: null,
  dismissProfileTaken: () => set({ profileTaken: null }),
  offersTaken: [],
  offerTaken: (notice) =>
    set(({ offersTaken }) => ({
      offersTaken: [...offersTaken.filter((n) => n.offerId !== notice.offerId), notice],
    })),
  dismissOffersTaken: (offerIds) =>
    set(({ offersTaken }) => ({ offersTaken: offersTaken.filter((n) => !offerIds.includes(n.offerId)) })),
  storageDenied: null,
  dismissStorageDenied: () => set({ storageDenied: null }),
  keptAside: [],
  dismissKeptAside: () => set({ keptAside: [] }),
}))
