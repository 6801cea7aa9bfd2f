import { create } from 'zustand'
import { DEVNET_ACCOUNT_COUNT, defaultDevnetIndex, devnetSigner } from './devnet-signer'
import type { TxSigner } from './signer'

const KEY = 'tabchain.devnetAccount.'

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
  /** Switches this profile to devnet account `index` and remembers it. */
  readonly choose: (profileId: string, index: number) => void
}

/** A stored account index, or undefined when absent or not one of the devnet accounts. */
function stored(key: string): number | undefined {
  const raw = localStorage.getItem(key)
  const n = raw === null ? Number.NaN : Number(raw)
  return Number.isInteger(n) && n >= 0 && n < DEVNET_ACCOUNT_COUNT ? n : undefined
}

/**
 * The profile's account: the one it used before, or else its default (`defaultDevnetIndex`) moved on
 * to the next account no other profile of this browser uses — two tabs here are two users. Remembered.
 */
function remembered(profileId: string): number {
  const own = stored(KEY + profileId)
  if (own !== undefined) return own
  const taken = new Set<number>()
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)
    const index = key?.startsWith(KEY) === true ? stored(key) : undefined
    if (index !== undefined) taken.add(index)
  }
  let index = defaultDevnetIndex(profileId)
  for (let tries = 0; tries < DEVNET_ACCOUNT_COUNT && taken.has(index); tries++)
    index = (index + 1) % DEVNET_ACCOUNT_COUNT
  localStorage.setItem(KEY + profileId, String(index))
  return index
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
    const index = remembered(profileId)
    if (get().index !== index) set({ index, signer: get().wallet ?? devnetSigner(index) })
  },
  choose: (profileId, index) => {
    localStorage.setItem(KEY + profileId, String(index))
    set({ index, signer: get().wallet ?? devnetSigner(index) })
  },
}))
