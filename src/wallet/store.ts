import { openDB } from 'idb'
import type { Address } from 'viem'
import type { VaultRecord } from './vault'

/** Where an account's key comes from: the seed (derivation index) or an imported private key. */
export type AccountSource = { readonly kind: 'hd'; readonly index: number } | { readonly kind: 'imported' }

/** What the wallet may show without unlocking: names and addresses, never keys. */
export interface AccountMeta {
  readonly address: Address
  readonly name: string
  readonly source: AccountSource
}

/** A wallet at rest: the sealed vault plus public metadata. */
export interface StoredWallet {
  readonly vault: VaultRecord
  readonly accounts: readonly AccountMeta[]
  readonly selected: Address
  /** Next derivation index for "add account". */
  readonly nextIndex: number
  /** Wrong passwords in a row, and until when (Unix ms) none is tried: absent after a right one. */
  readonly lockout?: PasswordLockout
}

/** The wrong-password count of a profile's wallet, kept with it so a reload does not reset it. */
export interface PasswordLockout {
  readonly failures: number
  /** No password is tried before this time (Unix ms); 0 while under the free tries. */
  readonly until: number
}

/** Persistence of one profile's wallet: IndexedDB in the app, memory in tests. */
export interface WalletStore {
  load(): Promise<StoredWallet | null>
  save(wallet: StoredWallet): Promise<void>
}

/** In-memory twin (tests). Stores a structured clone, as IndexedDB does. */
export function memoryWalletStore(initial: StoredWallet | null = null): WalletStore {
  let kept = initial === null ? null : structuredClone(initial)
  return {
    async load() {
      return kept === null ? null : structuredClone(kept)
    },
    async save(wallet) {
      kept = structuredClone(wallet)
    },
  }
}

const STORE = 'wallet'
const KEY = 'main'

/**
 * The wallet of one profile in its own IndexedDB database (`tabchain-wallet-<profileId>`), written
 * with `durability: 'strict'` so a save reported done survives a crash.
 */
export function idbWalletStore(profileId: string): WalletStore {
  const db = openDB(`tabchain-wallet-${profileId}`, 1, {
    upgrade(d) {
      d.createObjectStore(STORE)
    },
  })
  return {
    async load() {
      return ((await (await db).get(STORE, KEY)) as StoredWallet | undefined) ?? null
    },
    async save(wallet) {
      const tx = (await db).transaction(STORE, 'readwrite', { durability: 'strict' })
      await Promise.all([tx.store.put(wallet, KEY), tx.done])
    },
  }
}
