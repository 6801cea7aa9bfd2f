import {
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  type SignableMessage,
  type TransactionSerializableEIP1559,
  type TypedDataDefinition,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { messageOf } from '../node/rpc/errors'
import { swapKeyFromSeed, swapSecret } from '../trade/swap/secret'
import { WalletError, walletError } from './errors'
import { addressOf, checkMnemonic, checkPrivateKey, deriveKeyFromSeed, privateKeyBytes, seedOf } from './keys'
import type { AccountMeta, StoredWallet, WalletStore } from './store'
import {
  DEFAULT_ITERATIONS,
  decryptWithKey,
  type OpenedVault,
  openVault,
  resealVault,
  sealVault,
} from './vault'

export type WalletState = 'none' | 'locked' | 'unlocked'

/**
 * Why a stored wallet is locked: the page loaded it (every load and reload starts locked), it went
 * `idleMs` without use, or the user locked it.
 */
export type LockReason = 'load' | 'idle' | 'user'

/** How long a wallet stays unlocked without use by default, ms. */
const DEFAULT_IDLE_MS = 15 * 60_000

/** What the UI may see of the wallet: never a key. */
export interface WalletView {
  readonly state: WalletState
  readonly accounts: readonly AccountMeta[]
  readonly selected: Address | null
}

export interface WalletInit {
  readonly store: WalletStore
  /** Lock after this long without activity (`touch`, signing), ms. Default `DEFAULT_IDLE_MS`. */
  readonly idleMs?: number
  /** PBKDF2 iterations for new vaults (at least 600,000). */
  readonly iterations?: number
  /** The clock of the wrong-password lockout, Unix ms. Default `Date.now`. */
  readonly now?: () => number
}

/** Shortest password accepted for a new vault. */
export const MIN_PASSWORD_LENGTH = 8
const MAX_NAME = 32

/** Wrong passwords in a row tried without waiting; each one after waits `lockoutMs(failures)`. */
export const FREE_PASSWORD_TRIES = 5
const FIRST_LOCKOUT_MS = 30_000
const MAX_LOCKOUT_MS = 15 * 60_000

/** The wait after the `failures`-th wrong password in a row: none for the first 4, then 30 s doubling, at most 15 min. */
export function lockoutMs(failures: number): number {
  if (failures < FREE_PASSWORD_TRIES) return 0
  return Math.min(MAX_LOCKOUT_MS, FIRST_LOCKOUT_MS * 2 ** Math.min(failures - FREE_PASSWORD_TRIES, 10))
}

/** The sealed secrets: the seed phrase and the imported keys. */
interface Secrets {
  readonly mnemonic: string
  readonly imported: readonly Hex[]
}

/**
 * The key material of an unlocked wallet, all of it in byte arrays that `wipe` zeroes on lock. The
 * phrase itself is not kept (a JavaScript string cannot be wiped): it is decrypted again, with the AES
 * key, only to re-seal the vault or to reveal it.
 */
interface Unlocked {
  readonly key: CryptoKey
  /** The BIP-39 seed: every HD account's key and the swap key are derived from it. */
  readonly seed: Uint8Array
  /** The private key of each account, by lower-case address. */
  readonly keys: Map<string, Uint8Array>
  /** HKDF of the seed for swap secrets (`src/trade/swap/secret.ts`), derived on first use. */
  swapKey: Uint8Array | null
}

/** Zeroes every key of an unlocked wallet and drops it. */
function wipe(u: Unlocked): void {
  for (const k of u.keys.values()) k.fill(0)
  u.keys.clear()
  u.seed.fill(0)
  u.swapKey?.fill(0)
  u.swapKey = null
}

/** A signer for one operation: the hex key it holds is garbage once the operation is done. */
const signerOf = (key: Uint8Array): PrivateKeyAccount => privateKeyToAccount(bytesToHex(key))

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
  const idleMs = init.idleMs ?? DEFAULT_IDLE_MS
  const iterations = init.iterations ?? DEFAULT_ITERATIONS
  const now = init.now ?? Date.now
  let stored: StoredWallet | null = null
  let unlocked: Unlocked | null = null
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  /** Why the wallet was last locked: a wallet read from the store starts locked by the page's load. */
  let lockReason: LockReason = 'load'
  const listeners = new Set<(v: WalletView) => void>()
  /** Told when another phrase's wallet replaced this one (`restore`): see `onReplaced`. */
  const replacedListeners = new Set<() => void>()
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
    if (unlocked !== null) idleTimer = setTimeout(() => lock('idle'), idleMs)
  }

  function lock(reason: LockReason): void {
    clearTimeout(idleTimer)
    if (unlocked === null) return
    lockReason = reason
    wipe(unlocked)
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

  /** The key of every account from the secrets; metadata is checked against them. */
  function open(key: CryptoKey, secrets: Secrets, accounts: readonly AccountMeta[]): Unlocked {
    const u: Unlocked = { key, seed: seedOf(secrets.mnemonic), keys: new Map(), swapKey: null }
    const imported = new Map(secrets.imported.map((k) => [addressOf(k).toLowerCase(), k]))
    for (const a of accounts) {
      const hex = a.source.kind === 'hd' ? undefined : imported.get(a.address.toLowerCase())
      const k =
        a.source.kind === 'hd'
          ? deriveKeyFromSeed(u.seed, a.source.index)
          : hex === undefined
            ? undefined
            : privateKeyBytes(hex)
      if (k !== undefined) u.keys.set(a.address.toLowerCase(), k)
      if (k === undefined || addressOf(bytesToHex(k)) !== a.address) {
        wipe(u)
        throw walletError({
          code: 'WALLET_VAULT_CORRUPT',
          reason: `account ${a.address} does not match its key`,
        })
      }
    }
    return u
  }

  /** The secrets of a vault opened with `key`; the decrypted bytes are zeroed once read. */
  function secretsOf(opened: Pick<OpenedVault, 'plaintext'>): Secrets {
    try {
      return decode(opened.plaintext)
    } finally {
      opened.plaintext.fill(0)
    }
  }

  /**
   * Opens the stored vault with a password, under the wrong-password lockout: inside a wait the
   * password is refused with `WALLET_TOO_MANY_TRIES` before any key derivation; a wrong one counts
   * (kept in the store, so a reload keeps the wait), a right one clears the count. Runs in `serial`.
   */
  async function tryPassword(password: unknown): Promise<OpenedVault> {
    const s = mustStored()
    const at = now()
    if (s.lockout !== undefined && at < s.lockout.until) {
      throw walletError({
        code: 'WALLET_TOO_MANY_TRIES',
        retryAt: s.lockout.until,
        waitMs: s.lockout.until - at,
      })
    }
    let opened: OpenedVault
    try {
      opened = await openVault(s.vault, typeof password === 'string' ? password : '')
    } catch (err) {
      if (err instanceof WalletError && err.type.code === 'WALLET_INCORRECT_PASSWORD') {
        const failures = (s.lockout?.failures ?? 0) + 1
        const wait = lockoutMs(failures)
        await keepLockout({ ...s, lockout: { failures, until: wait === 0 ? 0 : now() + wait } })
      }
      throw err
    }
    if (s.lockout !== undefined) {
      const { lockout: _cleared, ...rest } = s
      await keepLockout(rest)
    }
    return opened
  }

  /**
   * Keeps a changed lockout count. It holds in memory even if the store refuses it: the password's own
   * answer (wrong, or the vault opened) is what the user must see, not the write's.
   */
  async function keepLockout(next: StoredWallet): Promise<void> {
    stored = next
    try {
      await init.store.save(next)
    } catch {
      // Counted in memory: the next successful save of the wallet writes it.
    }
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

  /** Keeps a new account's key while `u` is the wallet unlocked; zeroed if it was locked meanwhile. */
  function keep(u: Unlocked, address: Address, key: Uint8Array): void {
    if (unlocked !== u) {
      key.fill(0)
      return
    }
    u.keys.set(address.toLowerCase(), key)
    touch()
  }

  function signer(address: string): PrivateKeyAccount {
    const u = mustUnlock()
    const k = typeof address === 'string' ? u.keys.get(address.toLowerCase()) : undefined
    if (k === undefined) throw walletError({ code: 'WALLET_UNKNOWN_ACCOUNT', address: String(address) })
    touch()
    return signerOf(k)
  }

  return {
    view,
    /** Calls `fn` on every change (state, accounts, selection); returns the unsubscribe function. */
    subscribe(fn: (v: WalletView) => void): () => void {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    /**
     * Calls `fn` when a restore replaced this wallet with another phrase's (confirmed, saved): what the
     * profile kept of the old wallet (its activity list, a dApp's grant) is not the new one's. Told once
     * the new wallet is in place, before the subscribers of `subscribe` see it; a listener that throws is
     * logged, not thrown (the wallet is replaced already). Returns the unsubscribe function.
     */
    onReplaced(fn: () => void): () => void {
      replacedListeners.add(fn)
      return () => replacedListeners.delete(fn)
    },
    /**
     * The end (Unix ms) of the wrong-password lockout the wallet is inside now: no password is tried
     * before it. It is kept with the stored wallet, so it holds from `load` on after a reload. Null when
     * no wait holds (none set, or over) and when there is no wallet.
     */
    passwordRetryAt(): number | null {
      const until = stored?.lockout?.until ?? 0
      return now() < until ? until : null
    },
    /**
     * Wrong passwords tried in a row (kept with the stored wallet, so it holds after a reload; a right
     * one clears it): from the `FREE_PASSWORD_TRIES`-th on, each try waits. 0 when none and when there
     * is no wallet.
     */
    passwordFailures(): number {
      return stored?.lockout?.failures ?? 0
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
        const seed = seedOf(phrase)
        const first = deriveKeyFromSeed(seed, 0)
        const address = getAddress(addressOf(bytesToHex(first)))
        first.fill(0)
        seed.fill(0)
        const accounts: AccountMeta[] = [{ address, name: 'Account 1', source: { kind: 'hd', index: 0 } }]
        const plaintext = encode(secrets)
        const { record, key } = await sealVault(plaintext, password, iterations).finally(() =>
          plaintext.fill(0),
        )
        const next: StoredWallet = { vault: record, accounts, selected: address, nextIndex: 1 }
        await save(next)
        stored = next
        unlocked = open(key, secrets, accounts)
        touch()
        changed()
        return view()
      })
    },
    /**
     * Opens the vault. Throws `WALLET_INCORRECT_PASSWORD`, `WALLET_TOO_MANY_TRIES` (after
     * `FREE_PASSWORD_TRIES` wrong ones in a row), `WALLET_VAULT_CORRUPT`, `WALLET_NO_VAULT`.
     */
    unlock(password: string): Promise<WalletView> {
      return serial(async () => {
        const opened = await tryPassword(password)
        const next = open(opened.key, secretsOf(opened), mustStored().accounts)
        if (unlocked !== null) wipe(unlocked)
        unlocked = next
        touch()
        changed()
        return view()
      })
    },
    /**
     * "Forgot your password?": seals the wallet of `mnemonic` (checksum checked) under a new `password`
     * and leaves it unlocked. The stored vault is replaced, never opened: no old password is asked and
     * nothing of the old vault is revealed, so the wrong-password lockout guards nothing here, and the
     * new vault starts with no wrong tries counted.
     *
     * The phrase of this wallet (its account 0 is the stored first account, which the locked wallet
     * knows) keeps every account of the phrase with its name, the next index and the selection. What a
     * restore would lose runs only `confirmed`, else it throws `WALLET_RESTORE_UNCONFIRMED`, saying what,
     * and changes nothing: another phrase (this profile's wallet is replaced by the phrase's, with its
     * first account only) and accounts imported by private key (their keys are in the old vault alone;
     * no phrase restores them). Another phrase's wallet, once in place, tells `onReplaced`. Throws
     * `WALLET_BAD_MNEMONIC`, `WALLET_WEAK_PASSWORD`, `WALLET_NO_VAULT`, `WALLET_NOT_SAVED` too.
     */
    restore(mnemonic: string, password: string, confirmed = false): Promise<WalletView> {
      return serial(async () => {
        const s = mustStored()
        const phrase = checkMnemonic(mnemonic)
        if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
          throw walletError({ code: 'WALLET_WEAK_PASSWORD', minLength: MIN_PASSWORD_LENGTH })
        }
        const seed = seedOf(phrase)
        const first = deriveKeyFromSeed(seed, 0)
        const address = getAddress(addressOf(bytesToHex(first)))
        first.fill(0)
        seed.fill(0)
        const own = s.accounts.some(
          (a) => a.source.kind === 'hd' && a.source.index === 0 && a.address === address,
        )
        const imported = s.accounts.filter((a) => a.source.kind === 'imported')
        if (!confirmed && (!own || imported.length > 0)) {
          throw walletError({
            code: 'WALLET_RESTORE_UNCONFIRMED',
            otherPhrase: !own,
            lost: (own ? imported : s.accounts).map((a) => a.address),
            reason: restoreLoss(own ? [] : s.accounts, imported),
          })
        }
        const accounts: AccountMeta[] = own
          ? s.accounts.filter((a) => a.source.kind === 'hd')
          : [{ address, name: 'Account 1', source: { kind: 'hd', index: 0 } }]
        const secrets: Secrets = { mnemonic: phrase, imported: [] }
        const plaintext = encode(secrets)
        const { record, key } = await sealVault(plaintext, password, iterations).finally(() =>
          plaintext.fill(0),
        )
        const next: StoredWallet = {
          vault: record,
          accounts,
          selected: accounts.some((a) => a.address === s.selected) ? s.selected : address,
          nextIndex: own ? s.nextIndex : 1,
        }
        const u = open(key, secrets, accounts)
        try {
          await save(next)
        } catch (err) {
          wipe(u)
          throw err
        }
        if (unlocked !== null) wipe(unlocked)
        stored = next
        unlocked = u
        touch()
        if (!own)
          for (const l of replacedListeners)
            try {
              l()
            } catch (err) {
              console.error('a listener of the wallet being replaced threw', err)
            }
        changed()
        return view()
      })
    },
    /** The user locks the wallet: its keys are wiped until the password unlocks it again. */
    lock: (): void => lock('user'),
    /** Why the wallet is locked (`LockReason`); null when it is not (unlocked, or no wallet). */
    lockedBy(): LockReason | null {
      return stored !== null && unlocked === null ? lockReason : null
    },
    /** How long the wallet stays unlocked without use, ms. */
    idleMs,
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
        let key = deriveKeyFromSeed(u.seed, index)
        while (u.keys.has(addressOf(bytesToHex(key)).toLowerCase())) {
          key.fill(0)
          index++
          key = deriveKeyFromSeed(u.seed, index)
        }
        try {
          const meta: AccountMeta = {
            address: addressOf(bytesToHex(key)),
            name: checkName(name ?? `Account ${s.accounts.length + 1}`),
            source: { kind: 'hd', index },
          }
          await persist({ ...s, accounts: [...s.accounts, meta], nextIndex: index + 1 })
          keep(u, meta.address, key)
          return meta
        } catch (err) {
          key.fill(0)
          throw err
        }
      })
    },
    /** Adds an account from a raw private key (re-sealed into the vault). Needs the wallet unlocked. */
    importPrivateKey(privateKey: string, name?: string): Promise<AccountMeta> {
      return serial(async () => {
        const s = mustStored()
        const u = mustUnlock()
        const key = checkPrivateKey(privateKey)
        const address = addressOf(key)
        if (u.keys.has(address.toLowerCase())) {
          throw walletError({ code: 'WALLET_DUPLICATE_ACCOUNT', address })
        }
        const meta: AccountMeta = {
          address,
          name: checkName(
            name ?? `Imported ${s.accounts.filter((a) => a.source.kind === 'imported').length + 1}`,
          ),
          source: { kind: 'imported' },
        }
        // The phrase is not kept unlocked: read again from the vault to seal it with the new key.
        const secrets = secretsOf({ plaintext: await decryptWithKey(s.vault, u.key) })
        const plaintext = encode({ mnemonic: secrets.mnemonic, imported: [...secrets.imported, key] })
        const vault = await resealVault(s.vault, u.key, plaintext).finally(() => plaintext.fill(0))
        await persist({ ...s, vault, accounts: [...s.accounts, meta] })
        keep(u, address, privateKeyBytes(key))
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
    /**
     * The recovery phrase, only against the password (checked again even when unlocked, under the
     * wrong-password lockout: `WALLET_TOO_MANY_TRIES`).
     */
    revealMnemonic(password: string): Promise<string> {
      return serial(async () => secretsOf(await tryPassword(password)).mnemonic)
    },
    /**
     * The private key of an imported account (lower-case hex), only against the password, as
     * `revealMnemonic`. An account of the phrase is refused with `WALLET_KEY_FROM_PHRASE` before the
     * password is tried: the phrase restores it. Throws `WALLET_UNKNOWN_ACCOUNT`, `WALLET_INCORRECT_PASSWORD`,
     * `WALLET_TOO_MANY_TRIES`, `WALLET_NO_VAULT`.
     */
    exportPrivateKey(address: Address, password: string): Promise<Hex> {
      return serial(async () => {
        const meta = mustStored().accounts.find(
          (a) => typeof address === 'string' && a.address.toLowerCase() === address.toLowerCase(),
        )
        if (meta === undefined)
          throw walletError({ code: 'WALLET_UNKNOWN_ACCOUNT', address: String(address) })
        if (meta.source.kind === 'hd')
          throw walletError({ code: 'WALLET_KEY_FROM_PHRASE', address: meta.address })
        const secrets = secretsOf(await tryPassword(password))
        const key = secrets.imported.find((k) => addressOf(k) === meta.address)
        if (key === undefined) {
          throw walletError({ code: 'WALLET_VAULT_CORRUPT', reason: `no key for account ${meta.address}` })
        }
        return key
      })
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
      u.swapKey ??= swapKeyFromSeed(u.seed)
      touch()
      return swapSecret(u.swapKey, chainId, offerId)
    },
    /** EIP-712 typed data. */
    async signTypedData(from: Address, typedData: TypedDataDefinition): Promise<Hex> {
      return signer(from).signTypedData(typedData)
    },
  }
}

/**
 * What a restore loses, as a sentence: `replaced`, the accounts of another phrase's wallet (the profile's
 * wallet is replaced), and `imported`, the accounts imported by private key, which no phrase restores.
 */
function restoreLoss(replaced: readonly AccountMeta[], imported: readonly AccountMeta[]): string {
  const names = (as: readonly AccountMeta[]) => as.map((a) => a.name).join(', ')
  const other =
    replaced.length > 0
      ? `this recovery phrase is not this wallet's: restoring it replaces this profile's wallet (${names(replaced)}) with the phrase's own, and only their phrase brings its accounts back; the Activity of what it sent is cleared`
      : ''
  const keys =
    imported.length > 0
      ? `the accounts imported by private key (${names(imported)}) are lost: the recovery phrase does not restore them, only their keys do`
      : ''
  return `${[other, keys].filter((p) => p !== '').join('; ')}. Confirm to restore anyway`
}

/** Why a save failed, in words: IndexedDB's `QuotaExceededError` (the origin's storage is full), or its message. */
function saveFailure(err: unknown): string {
  if (err instanceof DOMException && err.name === 'QuotaExceededError') {
    return "this browser's storage for the app is full"
  }
  return messageOf(err)
}
