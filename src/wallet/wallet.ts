import type { HDKey } from '@scure/bip32'
import {
  type Address,
  getAddress,
  type Hex,
  type SignableMessage,
  type TransactionSerializableEIP1559,
  type TypedDataDefinition,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { messageOf } from '../node/rpc/errors'
import { swapKeyFromSeed, swapSecret } from '../trade/swap/secret'
import { walletError } from './errors'
import { addressOf, checkMnemonic, checkPrivateKey, deriveKey, rootKey, seedOf } from './keys'
import type { AccountMeta, StoredWallet, WalletStore } from './store'
import { DEFAULT_ITERATIONS, openVault, resealVault, sealVault } from './vault'

export type WalletState = 'none' | 'locked' | 'unlocked'

/** What the UI may see of the wallet: never a key. */
export interface WalletView {
  readonly state: WalletState
  readonly accounts: readonly AccountMeta[]
  readonly selected: Address | null
}

export interface WalletInit {
  readonly store: WalletStore
  /** Lock after this long without activity (`touch`, signing), ms. Default 15 minutes. */
  readonly idleMs?: number
  /** PBKDF2 iterations for new vaults (at least 600,000). */
  readonly iterations?: number
}

/** Shortest password accepted for a new vault. */
export const MIN_PASSWORD_LENGTH = 8
const MAX_NAME = 32

/** The sealed secrets: the seed phrase and the imported keys. */
interface Secrets {
  readonly mnemonic: string
  readonly imported: readonly Hex[]
}

interface Unlocked {
  readonly key: CryptoKey
  readonly mnemonic: string
  readonly root: HDKey
  imported: Hex[]
  readonly signers: Map<string, PrivateKeyAccount>
  /** HKDF of the seed for swap secrets (`src/trade/swap/secret.ts`), derived on first use. */
  swapKey: Uint8Array | null
}

const encode = (s: Secrets): Uint8Array => new TextEncoder().encode(JSON.stringify(s))

function decode(bytes: Uint8Array): Secrets {
  const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Secrets>
  if (typeof v.mnemonic !== 'string' || !Array.isArray(v.imported)) {
    throw walletError({ code: 'WALLET_VAULT_CORRUPT', reason: 'unexpected contents' })
  }
  return { mnemonic: v.mnemonic, imported: v.imported.map((k) => checkPrivateKey(String(k))) }
}

function checkName(name: string): string {
  const n = typeof name === 'string' ? name.trim() : ''
  if (n.length === 0 || n.length > MAX_NAME) {
    throw walletError({ code: 'WALLET_BAD_NAME', reason: `1–${MAX_NAME} characters` })
  }
  return n
}

/**
 * One profile's wallet. Keys exist only inside this object's closure, and only while unlocked; every
 * method that reads or writes them returns addresses and signatures, never key material (except
 * `revealMnemonic`, which asks for the password again).
 */
export type Wallet = ReturnType<typeof createWallet>

export function createWallet(init: WalletInit) {
  const idleMs = init.idleMs ?? 15 * 60_000
  const iterations = init.iterations ?? DEFAULT_ITERATIONS
  let stored: StoredWallet | null = null
  let unlocked: Unlocked | null = null
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  const listeners = new Set<(v: WalletView) => void>()
  /** Mutations run one at a time (derivation indexes, re-sealing). */
  let queue: Promise<unknown> = Promise.resolve()
  /** The last send in turn per account (lower-case address): see `inTurn`. */
  const turns = new Map<string, Promise<unknown>>()

  const view = (): WalletView => ({
    state: stored === null ? 'none' : unlocked === null ? 'locked' : 'unlocked',
    accounts: stored?.accounts ?? [],
    selected: stored?.selected ?? null,
  })
  const changed = (): void => {
    const v = view()
    for (const l of listeners) l(v)
  }

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }

  function touch(): void {
    clearTimeout(idleTimer)
    if (unlocked !== null) idleTimer = setTimeout(lock, idleMs)
  }

  function lock(): void {
    clearTimeout(idleTimer)
    if (unlocked === null) return
    unlocked.signers.clear()
    unlocked.swapKey?.fill(0)
    unlocked = null
    changed()
  }

  function mustUnlock(): Unlocked {
    if (unlocked === null) throw walletError({ code: 'WALLET_LOCKED' })
    return unlocked
  }

  function mustStored(): StoredWallet {
    if (stored === null) throw walletError({ code: 'WALLET_NO_VAULT' })
    return stored
  }

  /** Builds the signers of every account from the secrets; metadata is checked against them. */
  function open(key: CryptoKey, secrets: Secrets, accounts: readonly AccountMeta[]): Unlocked {
    const root = rootKey(secrets.mnemonic)
    const signers = new Map<string, PrivateKeyAccount>()
    const imported = new Map(secrets.imported.map((k) => [addressOf(k).toLowerCase(), k]))
    for (const a of accounts) {
      const k =
        a.source.kind === 'hd' ? deriveKey(root, a.source.index) : imported.get(a.address.toLowerCase())
      const signer = k === undefined ? undefined : privateKeyToAccount(k)
      if (signer === undefined || signer.address !== a.address) {
        throw walletError({
          code: 'WALLET_VAULT_CORRUPT',
          reason: `account ${a.address} does not match its key`,
        })
      }
      signers.set(a.address.toLowerCase(), signer)
    }
    return { key, mnemonic: secrets.mnemonic, root, imported: [...secrets.imported], signers, swapKey: null }
  }

  /** Writes `next` to the store; a refused write throws `WALLET_NOT_SAVED` (and nothing changes). */
  async function save(next: StoredWallet): Promise<void> {
    try {
      await init.store.save(next)
    } catch (err) {
      throw walletError({ code: 'WALLET_NOT_SAVED', reason: saveFailure(err) })
    }
  }

  async function persist(next: StoredWallet): Promise<void> {
    await save(next)
    stored = next
    changed()
  }

  function signer(address: string): PrivateKeyAccount {
    const u = mustUnlock()
    const s = typeof address === 'string' ? u.signers.get(address.toLowerCase()) : undefined
    if (s === undefined) throw walletError({ code: 'WALLET_UNKNOWN_ACCOUNT', address: String(address) })
    touch()
    return s
  }

  return {
    view,
    /** Calls `fn` on every change (state, accounts, selection); returns the unsubscribe function. */
    subscribe(fn: (v: WalletView) => void): () => void {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    /** Reads the stored wallet (locked). */
    async load(): Promise<WalletView> {
      stored = await init.store.load()
      changed()
      return view()
    },
    /**
     * Creates the wallet from a new or imported mnemonic (checksum checked), with account 0, sealed
     * under `password`, and leaves it unlocked. Throws `WALLET_EXISTS`, `WALLET_BAD_MNEMONIC`,
     * `WALLET_WEAK_PASSWORD`, `WALLET_NOT_SAVED`.
     */
    create(mnemonic: string, password: string): Promise<WalletView> {
      return serial(async () => {
        if (stored !== null || (await init.store.load()) !== null)
          throw walletError({ code: 'WALLET_EXISTS' })
        const phrase = checkMnemonic(mnemonic)
        if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
          throw walletError({ code: 'WALLET_WEAK_PASSWORD', minLength: MIN_PASSWORD_LENGTH })
        }
        const secrets: Secrets = { mnemonic: phrase, imported: [] }
        const address = getAddress(addressOf(deriveKey(rootKey(phrase), 0)))
        const accounts: AccountMeta[] = [{ address, name: 'Account 1', source: { kind: 'hd', index: 0 } }]
        const { record, key } = await sealVault(encode(secrets), password, iterations)
        const next: StoredWallet = { vault: record, accounts, selected: address, nextIndex: 1 }
        await save(next)
        stored = next
        unlocked = open(key, secrets, accounts)
        touch()
        changed()
        return view()
      })
    },
    /** Opens the vault. Throws `WALLET_INCORRECT_PASSWORD`, `WALLET_VAULT_CORRUPT`, `WALLET_NO_VAULT`. */
    unlock(password: string): Promise<WalletView> {
      return serial(async () => {
        const s = mustStored()
        const opened = await openVault(s.vault, typeof password === 'string' ? password : '')
        unlocked = open(opened.key, decode(opened.plaintext), s.accounts)
        touch()
        changed()
        return view()
      })
    },
    lock,
    /** User activity: postpones the idle lock. */
    touch,
    /**
     * Derives the next account (m/44'/60'/0'/0/i). An index whose key was imported already is passed
     * over: the wallet lists each address once. Needs the wallet unlocked.
     */
    addAccount(name?: string): Promise<AccountMeta> {
      return serial(async () => {
        const s = mustStored()
        const u = mustUnlock()
        let index = s.nextIndex
        let signer = privateKeyToAccount(deriveKey(u.root, index))
        while (u.signers.has(signer.address.toLowerCase())) {
          index++
          signer = privateKeyToAccount(deriveKey(u.root, index))
        }
        const meta: AccountMeta = {
          address: signer.address,
          name: checkName(name ?? `Account ${s.accounts.length + 1}`),
          source: { kind: 'hd', index },
        }
        await persist({ ...s, accounts: [...s.accounts, meta], nextIndex: index + 1 })
        u.signers.set(signer.address.toLowerCase(), signer)
        touch()
        return meta
      })
    },
    /** Adds an account from a raw private key (re-sealed into the vault). Needs the wallet unlocked. */
    importPrivateKey(privateKey: string, name?: string): Promise<AccountMeta> {
      return serial(async () => {
        const s = mustStored()
        const u = mustUnlock()
        const key = checkPrivateKey(privateKey)
        const signer = privateKeyToAccount(key)
        if (u.signers.has(signer.address.toLowerCase())) {
          throw walletError({ code: 'WALLET_DUPLICATE_ACCOUNT', address: signer.address })
        }
        const meta: AccountMeta = {
          address: signer.address,
          name: checkName(
            name ?? `Imported ${s.accounts.filter((a) => a.source.kind === 'imported').length + 1}`,
          ),
          source: { kind: 'imported' },
        }
        const imported = [...u.imported, key]
        const vault = await resealVault(s.vault, u.key, encode({ mnemonic: u.mnemonic, imported }))
        await persist({ ...s, vault, accounts: [...s.accounts, meta] })
        u.imported = imported
        u.signers.set(signer.address.toLowerCase(), signer)
        touch()
        return meta
      })
    },
    /** Renames an account (works locked: names are not secret). */
    renameAccount(address: Address, name: string): Promise<void> {
      return serial(async () => {
        const s = mustStored()
        const n = checkName(name)
        if (!s.accounts.some((a) => a.address === address)) {
          throw walletError({ code: 'WALLET_UNKNOWN_ACCOUNT', address: String(address) })
        }
        await persist({
          ...s,
          accounts: s.accounts.map((a) => (a.address === address ? { ...a, name: n } : a)),
        })
      })
    },
    /** Makes `address` the account dApps see first. */
    select(address: Address): Promise<void> {
      return serial(async () => {
        const s = mustStored()
        if (!s.accounts.some((a) => a.address === address)) {
          throw walletError({ code: 'WALLET_UNKNOWN_ACCOUNT', address: String(address) })
        }
        await persist({ ...s, selected: address })
      })
    },
    /** The recovery phrase, only against the password (checked again even when unlocked). */
    async revealMnemonic(password: string): Promise<string> {
      const opened = await openVault(mustStored().vault, typeof password === 'string' ? password : '')
      return decode(opened.plaintext).mnemonic
    },
    /** Signs an EIP-1559 transaction from one of the wallet's accounts; returns the raw transaction. */
    async signTransaction(from: Address, tx: TransactionSerializableEIP1559): Promise<Hex> {
      return signer(from).signTransaction({ ...tx, type: 'eip1559' })
    },
    /**
     * Runs `fn` once every earlier `inTurn` of `from` has settled. The wallet's sends from one account
     * take turns here from reading the pending nonce to the node's admission (`sendApproved`), so each
     * reads a nonce that counts the send before it.
     */
    inTurn<T>(from: Address, fn: () => Promise<T>): Promise<T> {
      const key = from.toLowerCase()
      const run = (turns.get(key) ?? Promise.resolve()).then(fn)
      turns.set(
        key,
        run.catch(() => {}),
      )
      return run
    },
    /** EIP-191 `personal_sign`. */
    async signMessage(from: Address, message: SignableMessage): Promise<Hex> {
      return signer(from).signMessage({ message })
    },
    /**
     * The maker's swap secret for offer `offerId` on chain `chainId` (HMAC of the swap key, itself HKDF
     * of the seed: `src/trade/swap/secret.ts`), so a restored wallet recomputes it. Needs the wallet
     * unlocked; the seed and the swap key never leave the wallet. Throws `WALLET_BAD_SWAP_ID`.
     */
    swapSecret(chainId: number, offerId: Hex): Hex {
      if (!Number.isSafeInteger(chainId) || chainId <= 0)
        throw walletError({ code: 'WALLET_BAD_SWAP_ID', reason: 'chain id must be a positive integer' })
      if (typeof offerId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(offerId))
        throw walletError({ code: 'WALLET_BAD_SWAP_ID', reason: 'offer id must be 32 bytes of hex' })
      const u = mustUnlock()
      u.swapKey ??= swapKeyFromSeed(seedOf(u.mnemonic))
      touch()
      return swapSecret(u.swapKey, chainId, offerId)
    },
    /** EIP-712 typed data. */
    async signTypedData(from: Address, typedData: TypedDataDefinition): Promise<Hex> {
      return signer(from).signTypedData(typedData)
    },
  }
}

/** Why a save failed, in words: IndexedDB's `QuotaExceededError` (the origin's storage is full), or its message. */
function saveFailure(err: unknown): string {
  if (err instanceof DOMException && err.name === 'QuotaExceededError') {
    return "this browser's storage for the app is full"
  }
  return messageOf(err)
}
