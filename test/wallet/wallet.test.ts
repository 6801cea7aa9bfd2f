import 'fake-indexeddb/auto'
import { mnemonicToSeedSync } from '@scure/bip39'
import {
  type Address,
  getAddress,
  hashTypedData,
  parseEther,
  parseTransaction,
  recoverMessageAddress,
  recoverTransactionAddress,
  recoverTypedDataAddress,
} from 'viem'
import { describe, expect, test, vi } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { decodeTx, recoverTx } from '../../src/node/chain/tx'
import { toHex } from '../../src/node/codec/bytes'
import { swapKeyFromSeed, swapSecret } from '../../src/trade/swap/secret'
import { walletError } from '../../src/wallet/errors'
import {
  idbWalletStore,
  memoryWalletStore,
  type StoredWallet,
  type WalletStore,
} from '../../src/wallet/store'
import { sealVault } from '../../src/wallet/vault'
import { createWallet, lockoutMs } from '../../src/wallet/wallet'

const HARDHAT = 'test test test test test test test test test test test junk'
const PASSWORD = 'correct horse battery'
const GENESIS = testGenesis()

async function unlockedWallet(store: WalletStore = memoryWalletStore(), idleMs?: number) {
  const wallet = createWallet({ store, ...(idleMs === undefined ? {} : { idleMs }) })
  await wallet.load()
  await wallet.create(HARDHAT, PASSWORD)
  return wallet
}

describe('wallet', () => {
  test('create → account 0 of the mnemonic, unlocked; a second create is refused', async () => {
    const wallet = await unlockedWallet()
    expect(wallet.view()).toMatchObject({
      state: 'unlocked',
      selected: getAddress(DEVNET_ACCOUNTS[0] as string),
      accounts: [{ name: 'Account 1', source: { kind: 'hd', index: 0 } }],
    })
    await expect(wallet.create(HARDHAT, PASSWORD)).rejects.toMatchObject({ type: { code: 'WALLET_EXISTS' } })
  })

  test('create is refused when the store holds a wallet this one did not load (another tab made it): its vault is kept', async () => {
    const store = memoryWalletStore()
    const here = createWallet({ store })
    await here.load()
    await unlockedWallet(store)
    const kept = await store.load()
    const other = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
    await expect(here.create(other, PASSWORD)).rejects.toMatchObject({ type: { code: 'WALLET_EXISTS' } })
    expect(await store.load()).toEqual(kept)
  })

  test('a stored account that is not its key, or a vault sealed over something else, is corrupt: nothing unlocks', async () => {
    const store = memoryWalletStore()
    await unlockedWallet(store)
    const saved = (await store.load()) as StoredWallet
    // A tampered store: account 1 listed with another address than its key's.
    const other = getAddress(DEVNET_ACCOUNTS[1] as string)
    const tampered = createWallet({
      store: memoryWalletStore({
        ...saved,
        accounts: saved.accounts.map((a) => ({ ...a, address: other })),
        selected: other,
      }),
    })
    await tampered.load()
    await expect(tampered.unlock(PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_VAULT_CORRUPT', reason: `account ${other} does not match its key` },
    })
    expect(tampered.view().state).toBe('locked')
    // A vault that opens with the password but holds no wallet secrets.
    const { record } = await sealVault(new TextEncoder().encode('{"keys":[]}'), PASSWORD)
    const foreign = createWallet({ store: memoryWalletStore({ ...saved, vault: record }) })
    await foreign.load()
    await expect(foreign.unlock(PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_VAULT_CORRUPT', reason: 'unexpected contents' },
    })
    expect(foreign.view().state).toBe('locked')
  })

  test('bad input changes nothing: weak password, bad checksum', async () => {
    const store = memoryWalletStore()
    const wallet = createWallet({ store })
    await wallet.load()
    await expect(wallet.create(HARDHAT, 'short')).rejects.toMatchObject({
      type: { code: 'WALLET_WEAK_PASSWORD' },
    })
    await expect(wallet.create(`${HARDHAT.slice(0, -4)}test`, PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_MNEMONIC' },
    })
    expect(await store.load()).toBeNull()
    expect(wallet.view().state).toBe('none')
    // Eight characters are enough.
    await wallet.create(HARDHAT, 'x'.repeat(8))
    expect(wallet.view().state).toBe('unlocked')
  })

  test('a profile without a wallet: unlock and the vault’s other uses are WALLET_NO_VAULT, nothing is stored', async () => {
    const store = memoryWalletStore()
    const wallet = createWallet({ store })
    await wallet.load()
    const none = { type: { code: 'WALLET_NO_VAULT' } }
    await expect(wallet.unlock(PASSWORD)).rejects.toMatchObject(none)
    await expect(wallet.unlock(PASSWORD)).rejects.toThrow('there is no wallet on this profile yet')
    await expect(wallet.revealMnemonic(PASSWORD)).rejects.toMatchObject(none)
    await expect(wallet.addAccount()).rejects.toMatchObject(none)
    expect(await store.load()).toBeNull()
    expect(wallet.view()).toEqual({ state: 'none', accounts: [], selected: null })
    // Still a blank profile: a wallet can be created on it.
    await wallet.create(HARDHAT, PASSWORD)
    expect(wallet.view().state).toBe('unlocked')
  })

  test('reload from the store (IndexedDB on fake-indexeddb): locked, same accounts; wrong password refused', async () => {
    const first = await unlockedWallet(idbWalletStore('w1'))
    await first.addAccount('Savings')
    const again = createWallet({ store: idbWalletStore('w1') })
    const view = await again.load()
    expect(view.state).toBe('locked')
    expect(view.accounts.map((a) => a.address)).toEqual(first.view().accounts.map((a) => a.address))
    await expect(again.unlock('wrong password')).rejects.toThrow('incorrect password')
    expect(again.view().state).toBe('locked')
    await again.unlock(PASSWORD)
    expect(again.view().state).toBe('unlocked')
  })

  test('add, rename, select, import a private key; duplicates and bad names refused', async () => {
    const wallet = await unlockedWallet()
    const second = await wallet.addAccount()
    expect(second.address.toLowerCase()).toBe(DEVNET_ACCOUNTS[1])
    expect(second.name).toBe('Account 2')
    await wallet.renameAccount(second.address, '  Savings ')
    await wallet.select(second.address)
    expect(wallet.view().selected).toBe(second.address)
    expect(wallet.view().accounts[1]?.name).toBe('Savings')
    await expect(wallet.renameAccount(second.address, '')).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_NAME' },
    })
    // Up to 32 characters, not one more.
    await wallet.renameAccount(second.address, 'x'.repeat(32))
    expect(wallet.view().accounts[1]?.name).toBe('x'.repeat(32))
    await expect(wallet.renameAccount(second.address, 'x'.repeat(33))).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_NAME' },
    })
    await wallet.renameAccount(second.address, 'Savings')
    // Account 5 of the Hardhat mnemonic, imported as a raw key.
    const imported = await wallet.importPrivateKey(
      '8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
    )
    expect(imported.address.toLowerCase()).toBe(DEVNET_ACCOUNTS[5])
    await expect(
      wallet.importPrivateKey('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'),
    ).rejects.toMatchObject({ type: { code: 'WALLET_DUPLICATE_ACCOUNT' } })
    await expect(wallet.importPrivateKey('0x1234')).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_PRIVATE_KEY' },
    })
    expect(wallet.view().accounts).toHaveLength(3)
  })

  test('"add account" passes over an index whose key was imported: each address is listed once', async () => {
    const wallet = await unlockedWallet()
    // Account 1 of the Hardhat mnemonic, imported as a raw key before "add account" reaches index 1.
    await wallet.importPrivateKey('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const added = await wallet.addAccount()
    expect(added).toMatchObject({ source: { kind: 'hd', index: 2 } })
    expect(added.address.toLowerCase()).toBe(DEVNET_ACCOUNTS[2])
    expect(wallet.view().accounts.map((a) => a.address.toLowerCase())).toEqual(DEVNET_ACCOUNTS.slice(0, 3))
    wallet.lock()
    await wallet.unlock(PASSWORD)
    expect((await wallet.addAccount()).address.toLowerCase()).toBe(DEVNET_ACCOUNTS[3])
  })

  test('a store that refuses writes (a full quota): WALLET_NOT_SAVED, and the wallet stays as stored', async () => {
    const kept = memoryWalletStore()
    let full = false
    const store: WalletStore = {
      load: () => kept.load(),
      async save(w) {
        if (full) throw new DOMException('quota exceeded', 'QuotaExceededError')
        await kept.save(w)
      },
    }
    const wallet = await unlockedWallet(store)
    const before = await kept.load()
    const first = before?.selected ?? '0x'
    full = true
    const refused = {
      type: { code: 'WALLET_NOT_SAVED', reason: "this browser's storage for the app is full" },
    }
    await expect(wallet.renameAccount(first, 'Savings')).rejects.toMatchObject(refused)
    await expect(wallet.addAccount()).rejects.toMatchObject(refused)
    await expect(wallet.renameAccount(first, 'Savings')).rejects.toThrow(
      "the wallet could not be saved and is unchanged: this browser's storage for the app is full",
    )
    expect(wallet.view().accounts).toEqual(before?.accounts)
    expect(await kept.load()).toEqual(before)
    // Still usable: locks and unlocks to the same account; with room again, saves go through.
    wallet.lock()
    await wallet.unlock(PASSWORD)
    expect(wallet.view().selected).toBe(before?.selected)
    full = false
    await wallet.renameAccount(first, 'Savings')
    expect((await kept.load())?.accounts[0]?.name).toBe('Savings')
    // A first save refused leaves no wallet behind.
    full = true
    const fresh = createWallet({ store: { load: async () => null, save: store.save } })
    await fresh.load()
    await expect(fresh.create(HARDHAT, PASSWORD)).rejects.toMatchObject(refused)
    expect(fresh.view().state).toBe('none')
  })

  test('an imported key survives lock and unlock (it is sealed in the vault)', async () => {
    const store = memoryWalletStore()
    const wallet = await unlockedWallet(store)
    const imported = await wallet.importPrivateKey(
      '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
    )
    wallet.lock()
    await expect(wallet.signMessage(imported.address, 'hi')).rejects.toMatchObject({
      type: { code: 'WALLET_LOCKED' },
    })
    const again = createWallet({ store })
    await again.load()
    await again.unlock(PASSWORD)
    const sig = await again.signMessage(imported.address, 'hi')
    expect(await recoverMessageAddress({ message: 'hi', signature: sig })).toBe(imported.address)
  })

  test('locks on demand and after idle time; locked wallets sign nothing', async () => {
    const wallet = await unlockedWallet(memoryWalletStore(), 150)
    const from = wallet.view().selected ?? '0x'
    const states: string[] = []
    wallet.subscribe((v) => states.push(v.state))
    await new Promise((r) => setTimeout(r, 400))
    expect(wallet.view().state).toBe('locked')
    expect(states).toEqual(['locked'])
    await expect(wallet.signMessage(from, 'x')).rejects.toMatchObject({ type: { code: 'WALLET_LOCKED' } })
    await expect(wallet.addAccount()).rejects.toMatchObject({ type: { code: 'WALLET_LOCKED' } })
  })

  test('signing postpones the idle lock: idle time counts from the last signature', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const wallet = await unlockedWallet(memoryWalletStore(), 1_000)
      const from = wallet.view().selected ?? '0x'
      vi.advanceTimersByTime(600)
      await wallet.signMessage(from, 'still here')
      vi.advanceTimersByTime(600)
      expect(wallet.view().state).toBe('unlocked')
      await wallet.signTransaction(from, {
        chainId: GENESIS.params.chainId,
        to: from,
        nonce: 0,
        gas: 21_000n,
      })
      vi.advanceTimersByTime(999)
      expect(wallet.view().state).toBe('unlocked')
      vi.advanceTimersByTime(1)
      expect(wallet.lockedBy()).toBe('idle')
    } finally {
      vi.useRealTimers()
    }
  })

  test('the wallet knows why it is locked: the page loaded it, it was idle, or the user locked it', async () => {
    const store = memoryWalletStore()
    const wallet = await unlockedWallet(store, 150)
    expect(wallet.lockedBy()).toBeNull()
    expect(wallet.idleMs).toBe(150)
    await new Promise((r) => setTimeout(r, 400))
    expect(wallet.lockedBy()).toBe('idle')
    await wallet.unlock(PASSWORD)
    expect(wallet.lockedBy()).toBeNull()
    wallet.lock()
    expect(wallet.lockedBy()).toBe('user')
    const reloaded = createWallet({ store })
    expect(reloaded.lockedBy()).toBeNull()
    await reloaded.load()
    expect(reloaded.lockedBy()).toBe('load')
    expect(reloaded.idleMs).toBe(15 * 60_000)
  })

  test('the mnemonic is revealed only against the password', async () => {
    const wallet = await unlockedWallet()
    await expect(wallet.revealMnemonic('nope nope nope')).rejects.toThrow('incorrect password')
    expect(await wallet.revealMnemonic(PASSWORD)).toBe(HARDHAT)
  })

  test('wrong passwords in a row: after 5, 30 s refused without PBKDF2 (kept across a reload), doubling; a right one resets', async () => {
    const store = memoryWalletStore()
    await unlockedWallet(store)
    let clock = Date.UTC(2026, 11, 5, 12)
    const now = () => clock
    const wallet = createWallet({ store, now })
    await wallet.load()
    const derive = vi.spyOn(globalThis.crypto.subtle, 'deriveBits')
    try {
      for (let i = 0; i < 5; i++) {
        await expect(wallet.unlock(`wrong ${i}`)).rejects.toMatchObject({
          type: { code: 'WALLET_INCORRECT_PASSWORD' },
        })
      }
      expect(derive).toHaveBeenCalledTimes(5)
      // The sixth try inside the window, even the right password, is refused before any key derivation.
      const refusal = { type: { code: 'WALLET_TOO_MANY_TRIES', retryAt: clock + 30_000, waitMs: 30_000 } }
      await expect(wallet.unlock(PASSWORD)).rejects.toMatchObject(refusal)
      await expect(wallet.unlock(PASSWORD)).rejects.toThrow('Too many wrong passwords: try again in 30 s.')
      await expect(wallet.revealMnemonic(PASSWORD)).rejects.toMatchObject(refusal)
      expect(derive).toHaveBeenCalledTimes(5)
      expect(wallet.view().state).toBe('locked')
      // A reload (a new wallet object on the same store) keeps the window.
      clock += 10_000
      const reloaded = createWallet({ store, now })
      await reloaded.load()
      await expect(reloaded.unlock(PASSWORD)).rejects.toMatchObject({
        type: { code: 'WALLET_TOO_MANY_TRIES', retryAt: clock + 20_000, waitMs: 20_000 },
      })
      expect(derive).toHaveBeenCalledTimes(5)
      // Once it has passed, a wrong one doubles the wait.
      clock += 20_000
      await expect(reloaded.unlock('wrong again')).rejects.toMatchObject({
        type: { code: 'WALLET_INCORRECT_PASSWORD' },
      })
      await expect(reloaded.unlock(PASSWORD)).rejects.toThrow('Too many wrong passwords: try again in 60 s.')
      expect((await store.load())?.lockout).toEqual({ failures: 6, until: clock + 60_000 })
      // The right password after the wait opens the wallet and clears the count.
      clock += 60_000
      await reloaded.unlock(PASSWORD)
      expect(reloaded.view().state).toBe('unlocked')
      expect((await store.load())?.lockout).toBeUndefined()
      await expect(reloaded.revealMnemonic('wrong')).rejects.toThrow('incorrect password')
      expect((await store.load())?.lockout).toEqual({ failures: 1, until: 0 })
    } finally {
      derive.mockRestore()
    }
  })

  test('the wait grows 30 s, 60 s, 2 min … and stops at 15 min', () => {
    expect([1, 4, 5, 6, 7, 9, 10, 11, 50, 5000].map(lockoutMs)).toEqual([
      0, 0, 30_000, 60_000, 120_000, 480_000, 900_000, 900_000, 900_000, 900_000,
    ])
    expect(walletError({ code: 'WALLET_TOO_MANY_TRIES', retryAt: 0, waitMs: 125_000 }).message).toBe(
      'Too many wrong passwords: try again in 3 min.',
    )
  })

  test('an imported key is exported against the password; an account of the phrase is not (the phrase restores it)', async () => {
    const store = memoryWalletStore()
    const wallet = await unlockedWallet(store)
    const key5 = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
    const imported = await wallet.importPrivateKey(key5.toUpperCase().replace('0X', '0x'))
    const hd = wallet.view().accounts[0]?.address ?? '0x'
    expect(await wallet.exportPrivateKey(imported.address, PASSWORD)).toBe(key5)
    expect(await wallet.exportPrivateKey(imported.address.toLowerCase() as Address, PASSWORD)).toBe(key5)
    await expect(wallet.exportPrivateKey(imported.address, 'nope nope nope')).rejects.toMatchObject({
      type: { code: 'WALLET_INCORRECT_PASSWORD' },
    })
    await expect(wallet.exportPrivateKey(hd, PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_KEY_FROM_PHRASE', address: hd },
    })
    await expect(wallet.exportPrivateKey(hd, PASSWORD)).rejects.toThrow(
      "this account's key comes from the recovery phrase: back up the phrase, which restores it",
    )
    const stranger = getAddress(DEVNET_ACCOUNTS[7] as string)
    await expect(wallet.exportPrivateKey(stranger, PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_UNKNOWN_ACCOUNT' },
    })
    // Locked, or after a reload: the password alone exports it, as it reveals the phrase.
    wallet.lock()
    const again = createWallet({ store })
    await again.load()
    expect(await again.exportPrivateKey(imported.address, PASSWORD)).toBe(key5)
    expect(again.view().state).toBe('locked')
    // Only the wrong password counted: refusing an account of the phrase spent no try.
    expect((await store.load())?.lockout).toBeUndefined()
  })

  test('key material stays in the wallet: its view, its stored record, its errors and the console hold no key, phrase or password in clear', async () => {
    // Account 0 of the Hardhat mnemonic, and account 5's key imported as a raw key.
    const key0 = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
    const key5 = '8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
    const logged = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    )
    const seen: unknown[] = []
    const attempt = async (op: () => Promise<unknown>) => {
      try {
        await op()
      } catch (err) {
        seen.push(err instanceof Error ? [err.message, (err as { type?: unknown }).type] : err)
      }
    }
    try {
      const store = memoryWalletStore()
      const wallet = await unlockedWallet(store)
      const from = wallet.view().selected ?? '0x'
      await wallet.importPrivateKey(key5)
      await attempt(() => wallet.importPrivateKey(`0x${key5}`))
      await attempt(() => wallet.importPrivateKey(`${key5.slice(0, -2)}zz`))
      await attempt(() => wallet.revealMnemonic(`${PASSWORD}!`))
      await wallet.signTransaction(from, {
        chainId: GENESIS.params.chainId,
        nonce: 0,
        to: from,
        gas: 21_000n,
      })
      await wallet.signMessage(from, 'hello')
      wallet.lock()
      await attempt(() => wallet.unlock(`${PASSWORD}!`))
      await attempt(() => wallet.signMessage(from, 'locked'))
      seen.push(wallet.view(), await store.load(), ...logged.flatMap((spy) => spy.mock.calls))
      const text = JSON.stringify(seen, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
      ).toLowerCase()
      for (const secret of [key0, key5, HARDHAT, PASSWORD]) expect(text).not.toContain(secret)
      // The record holds the vault: what the password opens is there, sealed.
      expect(text).toContain('ciphertext')
    } finally {
      for (const spy of logged) spy.mockRestore()
    }
  })

  test('EIP-1559 transactions for the chain id, accepted by the chain’s own decoder', async () => {
    const wallet = await unlockedWallet()
    const from = wallet.view().selected ?? '0x'
    const raw = await wallet.signTransaction(from, {
      chainId: GENESIS.params.chainId,
      nonce: 0,
      to: DEVNET_ACCOUNTS[3],
      value: parseEther('1.5'),
      gas: 21_000n,
      maxFeePerGas: 3_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    })
    expect(raw.startsWith('0x02')).toBe(true)
    expect(parseTransaction(raw)).toMatchObject({ type: 'eip1559', chainId: GENESIS.params.chainId })
    expect(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` })).toBe(from)
    const tx = recoverTx(decodeTx(raw, GENESIS.params))
    expect(tx).toMatchObject({ from: from.toLowerCase(), value: parseEther('1.5'), to: DEVNET_ACCOUNTS[3] })
    await expect(wallet.signTransaction(DEVNET_ACCOUNTS[9] ?? '0x', { chainId: 1 })).rejects.toMatchObject({
      type: { code: 'WALLET_UNKNOWN_ACCOUNT' },
    })
  })

  test('personal_sign (EIP-191) and EIP-712 typed data recover to the account', async () => {
    const wallet = await unlockedWallet()
    const from = wallet.view().selected ?? '0x'
    const sig = await wallet.signMessage(from, 'Hello Tabchain')
    expect(await recoverMessageAddress({ message: 'Hello Tabchain', signature: sig })).toBe(from)
    const typed = {
      domain: { name: 'Tabchain', version: '1', chainId: 31416 },
      types: {
        Offer: [
          { name: 'sell', type: 'uint256' },
          { name: 'maker', type: 'address' },
        ],
      },
      primaryType: 'Offer',
      message: { sell: 100n, maker: from },
    } as const
    const typedSig = await wallet.signTypedData(from, typed)
    expect(await recoverTypedDataAddress({ ...typed, signature: typedSig })).toBe(from)
    expect(hashTypedData(typed)).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('swap secrets: HMAC of the seed-derived swap key per chain and offer; locked or bad ids refused', async () => {
    const wallet = await unlockedWallet()
    const offerId = `0x${'ab'.repeat(32)}` as const
    const expected = swapSecret(swapKeyFromSeed(mnemonicToSeedSync(HARDHAT)), 31337, offerId)
    expect(wallet.swapSecret(31337, offerId)).toBe(expected)
    expect(wallet.swapSecret(31337, `0x${'cd'.repeat(32)}`)).not.toBe(expected)
    expect(wallet.swapSecret(1, offerId)).not.toBe(expected)
    expect(() => wallet.swapSecret(31337, '0x1234')).toThrow(
      expect.objectContaining({
        type: { code: 'WALLET_BAD_SWAP_ID', reason: 'offer id must be 32 bytes of hex' },
      }),
    )
    expect(() => wallet.swapSecret(0, offerId)).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'WALLET_BAD_SWAP_ID' }) }),
    )
    wallet.lock()
    expect(() => wallet.swapSecret(31337, offerId)).toThrow(
      expect.objectContaining({ type: { code: 'WALLET_LOCKED' } }),
    )
    await wallet.unlock(PASSWORD)
    expect(wallet.swapSecret(31337, offerId)).toBe(expected)
  })
})

describe('forgot password: restore from the recovery phrase', () => {
  const NEW_PASSWORD = 'a new password, remembered'
  const OTHER =
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
  // Account 0 of OTHER (m/44'/60'/0'/0/0).
  const OTHER_FIRST = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'

  /** A wallet with two accounts of the phrase (the second selected), locked, opened again from its store. */
  async function lockedWallet(store: WalletStore, now?: () => number) {
    const made = await unlockedWallet(store)
    const savings = await made.addAccount('Savings')
    await made.select(savings.address)
    made.lock()
    const wallet = createWallet({ store, ...(now === undefined ? {} : { now }) })
    await wallet.load()
    return { wallet, before: made.view() }
  }

  test('the right phrase, inside the wrong-password lockout: sealed under the new password, unlocked, same accounts; the old password no longer opens it', async () => {
    const store = memoryWalletStore()
    const clock = Date.UTC(2026, 11, 5, 12)
    const { wallet, before } = await lockedWallet(store, () => clock)
    for (let i = 0; i < 5; i++)
      await expect(wallet.unlock(`wrong ${i}`)).rejects.toThrow('incorrect password')
    await expect(wallet.unlock(PASSWORD)).rejects.toMatchObject({ type: { code: 'WALLET_TOO_MANY_TRIES' } })

    let replaced = 0
    wallet.onReplaced(() => replaced++)
    const view = await wallet.restore(`  ${HARDHAT.toUpperCase()} `, NEW_PASSWORD)
    expect(view).toEqual({ ...before, state: 'unlocked' })
    // Its own phrase: the same wallet, not replaced.
    expect(replaced).toBe(0)
    const [first, second] = before.accounts
    const signed = await wallet.signMessage(second?.address as Address, 'restored')
    expect(await recoverMessageAddress({ message: 'restored', signature: signed })).toBe(second?.address)
    // A new vault: no wrong tries counted against it.
    expect(wallet.passwordRetryAt()).toBeNull()
    expect((await store.load())?.lockout).toBeUndefined()

    const reloaded = createWallet({ store })
    expect(await reloaded.load()).toEqual({ ...before, state: 'locked' })
    await expect(reloaded.unlock(PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_INCORRECT_PASSWORD' },
    })
    await reloaded.unlock(NEW_PASSWORD)
    expect(reloaded.view().state).toBe('unlocked')
    expect(await reloaded.revealMnemonic(NEW_PASSWORD)).toBe(HARDHAT)
    // "Add account" goes on after the restored ones.
    expect((await reloaded.addAccount()).address.toLowerCase()).toBe(DEVNET_ACCOUNTS[2])
    expect(first?.address.toLowerCase()).toBe(DEVNET_ACCOUNTS[0])
  })

  test('a wrong phrase or a short password changes nothing: typed errors, readable, the old password still opens the wallet', async () => {
    const store = memoryWalletStore()
    const { wallet, before } = await lockedWallet(store)
    const stored = await store.load()
    await expect(wallet.restore(`${HARDHAT.slice(0, -4)}test`, NEW_PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_MNEMONIC' },
      message: expect.stringMatching(/^invalid recovery phrase: /),
    })
    await expect(wallet.restore('not a phrase at all', NEW_PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_BAD_MNEMONIC' },
    })
    await expect(wallet.restore(HARDHAT, 'short')).rejects.toMatchObject({
      type: { code: 'WALLET_WEAK_PASSWORD' },
    })
    await expect(wallet.restore(HARDHAT, 'short')).rejects.toThrow('password is too short')
    expect(await store.load()).toEqual(stored)
    expect(wallet.view()).toEqual(before)
    await wallet.unlock(PASSWORD)
    expect(wallet.view().state).toBe('unlocked')
    // No wallet on the profile: nothing to restore (onboarding imports a phrase).
    const blank = createWallet({ store: memoryWalletStore() })
    await blank.load()
    await expect(blank.restore(HARDHAT, NEW_PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_NO_VAULT' },
    })
  })

  test('another phrase replaces the wallet only once confirmed, after saying what is lost', async () => {
    const store = memoryWalletStore()
    const { wallet, before } = await lockedWallet(store)
    const stored = await store.load()
    const refusal = wallet.restore(OTHER, NEW_PASSWORD)
    await expect(refusal).rejects.toMatchObject({
      type: {
        code: 'WALLET_RESTORE_UNCONFIRMED',
        otherPhrase: true,
        lost: before.accounts.map((a) => a.address),
      },
    })
    await expect(refusal).rejects.toThrow(
      "the wallet was not restored: this recovery phrase is not this wallet's: restoring it replaces this profile's wallet (Account 1, Savings) with the phrase's own, and only their phrase brings its accounts back; the Activity of what it sent is cleared. Confirm to restore anyway",
    )
    expect(await store.load()).toEqual(stored)
    expect(wallet.view().state).toBe('locked')

    // Told once the new wallet is in place, before the subscribers see it; a listener that throws stops nothing.
    const told: string[] = []
    wallet.onReplaced(() => told.push(`replaced, ${wallet.view().selected}`))
    wallet.onReplaced(() => {
      throw new Error('a broken listener')
    })
    wallet.subscribe((v) => told.push(`changed, ${v.selected}`))
    const view = await wallet.restore(OTHER, NEW_PASSWORD, true)
    expect(told).toEqual([`replaced, ${OTHER_FIRST}`, `changed, ${OTHER_FIRST}`])
    expect(view).toEqual({
      state: 'unlocked',
      accounts: [{ address: OTHER_FIRST, name: 'Account 1', source: { kind: 'hd', index: 0 } }],
      selected: OTHER_FIRST,
    })
    const reloaded = createWallet({ store })
    await reloaded.load()
    await expect(reloaded.unlock(PASSWORD)).rejects.toThrow('incorrect password')
    await reloaded.unlock(NEW_PASSWORD)
    expect(await reloaded.revealMnemonic(NEW_PASSWORD)).toBe(OTHER)
  })

  test('this wallet’s phrase with an account imported by private key: the key is lost, so it too waits for the confirmation', async () => {
    const store = memoryWalletStore()
    const made = await unlockedWallet(store)
    const imported = await made.importPrivateKey(
      '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
    )
    await made.select(imported.address)
    made.lock()
    const stored = await store.load()
    await expect(made.restore(HARDHAT, NEW_PASSWORD)).rejects.toMatchObject({
      type: { code: 'WALLET_RESTORE_UNCONFIRMED', otherPhrase: false, lost: [imported.address] },
      message:
        'the wallet was not restored: the accounts imported by private key (Imported 1) are lost: the recovery phrase does not restore them, only their keys do. Confirm to restore anyway',
    })
    expect(await store.load()).toEqual(stored)
    const view = await made.restore(HARDHAT, NEW_PASSWORD, true)
    expect(view.accounts.map((a) => a.address.toLowerCase())).toEqual([DEVNET_ACCOUNTS[0]])
    expect(view.selected?.toLowerCase()).toBe(DEVNET_ACCOUNTS[0])
  })
})
