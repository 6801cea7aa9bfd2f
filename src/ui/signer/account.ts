import { create } from 'zustand'
import { pageStorage, trySave } from '../../node/profile/local-record'
import { DEVNET_KEY, rememberedDevnetIndex } from './devnet-index'
import { devnetSigner } from './devnet-signer'
import type { TxSigner } from './signer'

/** The account this tab acts with, per profile (remembered in localStorage). */
export interface AccountState {
  /** The wallet's selected account once a wallet exists (locked or not), else the devnet account; null until a profile is claimed. */
  readonly signer: TxSigner | null
  /** The wallet-backed signer, null while this profile has no wallet. */
  readonly wallet: TxSigner | null
  /** The devnet account index, used only while there is no wallet. */
  readonly index: number | null
  /** The wallet's signer (null: no wallet exists) — it replaces the devnet account. */
  readonly setWallet: (signer: TxSigner | null) => void
  /** Loads the profile's chosen (or default) devnet account. */
  readonly load: (profileId: string) => void
  /** Switches this profile to devnet account `index` and remembers it (for this load only, when the browser refuses to save it). */
  readonly choose: (profileId: string, index: number) => void
}

export const useAccount = create<AccountState>((set, get) => ({
  signer: null,
  wallet: null,
  index: null,
  setWallet: (wallet) => {
    const index = get().index
    set({ wallet, signer: wallet ?? (index === null ? null : devnetSigner(index)) })
  },
  load: (profileId) => {
    const index = rememberedDevnetIndex(profileId)
    if (get().index !== index) set({ index, signer: get().wallet ?? devnetSigner(index) })
  },
  choose: (profileId, index) => {
    trySave(pageStorage(), DEVNET_KEY + profileId, String(index))
    set({ index, signer: get().wallet ?? devnetSigner(index) })
  },
}))
