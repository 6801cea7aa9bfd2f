import { create } from 'zustand'
import { DEVNET_ACCOUNT_COUNT, defaultDevnetIndex, devnetSigner } from './devnet-signer'
import type { TxSigner } from './signer'

const KEY = 'tabchain.devnetAccount.'

/** The account this tab acts with, per profile (remembered in localStorage). */
export interface AccountState {
  /** Null until a profile is claimed. */
  readonly signer: TxSigner | null
  readonly index: number | null
  /** Loads the profile's chosen (or default) devnet account. */
  readonly load: (profileId: string) => void
  /** Switches this profile to devnet account `index` and remembers it. */
  readonly choose: (profileId: string, index: number) => void
}

function remembered(profileId: string): number {
  const raw = localStorage.getItem(KEY + profileId)
  const stored = raw === null ? Number.NaN : Number(raw)
  return Number.isInteger(stored) && stored >= 0 && stored < DEVNET_ACCOUNT_COUNT
    ? stored
    : defaultDevnetIndex(profileId)
}

export const useAccount = create<AccountState>((set, get) => ({
  signer: null,
  index: null,
  load: (profileId) => {
    const index = remembered(profileId)
    if (get().index !== index) set({ index, signer: devnetSigner(index) })
  },
  choose: (profileId, index) => {
    localStorage.setItem(KEY + profileId, String(index))
    set({ index, signer: devnetSigner(index) })
  },
}))
