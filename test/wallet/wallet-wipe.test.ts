import { recoverMessageAddress } from 'viem'
import { describe, expect, test, vi } from 'vitest'
import { memoryWalletStore, type WalletStore } from '../../src/wallet/store'
import { createWallet } from '../../src/wallet/wallet'

/**
 * Every byte array of key material the wallet is handed (the seed, each derived or imported private
 * key, the swap key) is recorded as it leaves `keys.ts` / `secret.ts`, so the test holds the very
 * buffers the wallet keeps and can read them after a lock.
 */
const held = vi.hoisted(() => [] as Uint8Array[])

vi.mock('../../src/wallet/keys', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/wallet/keys')>()
  const kept =
    <A extends unknown[]>(fn: (...args: A) => Uint8Array) =>
    (...args: A): Uint8Array => {
      const out = fn(...args)
      held.push(out)
      return out
    }
  return {
    ...real,
    seedOf: kept(real.seedOf),
    deriveKeyFromSeed: kept(real.deriveKeyFromSeed),
    privateKeyBytes: kept(real.privateKeyBytes),
  }
})

vi.mock('../../src/trade/swap/secret', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/trade/swap/secret')>()
  return {
    ...real,
    swapKeyFromSeed: (seed: Uint8Array): Uint8Array => {
      const out = real.swapKeyFromSeed(seed)
      held.push(out)
      return out
    },
  }
})

/** Every decrypted vault content (the phrase and the imported keys, as JSON bytes) the wallet reads. */
const plaintexts = vi.hoisted(() => [] as Uint8Array[])

vi.mock('../../src/wallet/vault', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/wallet/vault')>()
  return {
    ...real,
    openVault: async (...args: Parameters<typeof real.openVault>) => {
      const out = await real.openVault(...args)
      plaintexts.push(out.plaintext)
      return out
    },
    decryptWithKey: async (...args: Parameters<typeof real.decryptWithKey>) => {
      const out = await real.decryptWithKey(...args)
      plaintexts.push(out)
      return out
    },
  }
})

const HARDHAT = 'test test test test test test test test test test test junk'
const PASSWORD = 'correct horse battery'
const KEY5 = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
const OFFER = `0x${'11'.repeat(32)}` as const

const zero = (b: Uint8Array): boolean => b.every((x) => x === 0)

/**
 * A memory store that calls `hook.beforeSave` before each write: the hook may lock the wallet (as its
 * idle timer or the user can while a write runs) or throw (a refused write).
 */
function hookedStore(): { store: WalletStore; hook: { beforeSave: () => void } } {
  const inner = memoryWalletStore()
  const hook = { beforeSave: () => {} }
  const store: WalletStore = {
    load: () => inner.load(),
    save: async (w) => {
      hook.beforeSave()
      await inner.save(w)
    },
  }
  return { store, hook }
}

/** A wallet unlocked from its store with two HD accounts and an imported key, its swap key in use. */
async function inUse(idleMs?: number, store: WalletStore = memoryWalletStore()) {
  const first = createWallet({ store })
  await first.load()
  await first.create(HARDHAT, PASSWORD)
  await first.addAccount()
  await first.importPrivateKey(KEY5)
  first.lock()
  const wallet = createWallet({ store, ...(idleMs === undefined ? {} : { idleMs }) })
  await wallet.load()
  held.length = 0
  await wallet.unlock(PASSWORD)
  wallet.swapSecret(31337, OFFER)
  // What the wallet keeps unlocked: the seed, three account keys, the swap key (and all are in use).
  expect(held.length).toBeGreaterThanOrEqual(5)
  expect(held.filter(zero)).toEqual([])
  const from = wallet.view().accounts[2]?.address ?? '0x'
  const sig = await wallet.signMessage(from, 'hi')
  expect(await recoverMessageAddress({ message: 'hi', signature: sig })).toBe(from)
  return { wallet, buffers: [...held] }
}

describe('wallet: key material on lock', () => {
  test('lock() zeroes the seed, every account key (derived and imported) and the swap key', async () => {
    const { wallet, buffers } = await inUse()
    wallet.lock()
    expect(buffers.filter((b) => !zero(b))).toEqual([])
    // Unlocking again builds fresh buffers: the wallet signs as before.
    await wallet.unlock(PASSWORD)
    expect(wallet.swapSecret(31337, OFFER)).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('the idle lock zeroes them too', async () => {
    const { wallet, buffers } = await inUse(200)
    await vi.waitFor(() => expect(wallet.view().state).toBe('locked'), { timeout: 2_000 })
    expect(buffers.filter((b) => !zero(b))).toEqual([])
  })

  test('an account added or imported while unlocked is zeroed on lock as well', async () => {
    const { wallet } = await inUse()
    held.length = 0
    await wallet.addAccount()
    await wallet.importPrivateKey(`0x${'22'.repeat(32)}`)
    const added = [...held]
    expect(added.length).toBeGreaterThanOrEqual(2)
    expect(added.filter(zero)).toEqual([])
    wallet.lock()
    expect(added.filter((b) => !zero(b))).toEqual([])
  })
  test('a key added while the wallet locks (as its save runs) is zeroed, not kept', async () => {
    const { store, hook } = hookedStore()
    const { wallet } = await inUse(undefined, store)
    hook.beforeSave = () => wallet.lock()
    held.length = 0
    await wallet.addAccount()
    expect(held.length).toBeGreaterThanOrEqual(1)
    expect(held.filter((b) => !zero(b))).toEqual([])
    expect(wallet.view().state).toBe('locked')
    hook.beforeSave = () => {}
    await wallet.unlock(PASSWORD)
    hook.beforeSave = () => wallet.lock()
    held.length = 0
    await wallet.importPrivateKey(`0x${'22'.repeat(32)}`)
    expect(held.length).toBeGreaterThanOrEqual(1)
    expect(held.filter((b) => !zero(b))).toEqual([])
  })

  test('unlocking a wallet already unlocked zeroes the keys it held before', async () => {
    const { wallet, buffers } = await inUse()
    await wallet.unlock(PASSWORD)
    expect(buffers.filter((b) => !zero(b))).toEqual([])
    const from = wallet.view().accounts[2]?.address ?? '0x'
    const sig = await wallet.signMessage(from, 'again')
    expect(await recoverMessageAddress({ message: 'again', signature: sig })).toBe(from)
  })

  test('a restore whose save is refused zeroes the keys it opened; the wallet keeps its own', async () => {
    const { store, hook } = hookedStore()
    const { wallet, buffers } = await inUse(undefined, store)
    hook.beforeSave = () => {
      throw new Error('quota')
    }
    held.length = 0
    await expect(wallet.restore(HARDHAT, 'another password', true)).rejects.toMatchObject({
      type: { code: 'WALLET_NOT_SAVED' },
    })
    expect(held.length).toBeGreaterThanOrEqual(2)
    expect(held.filter((b) => !zero(b))).toEqual([])
    expect(buffers.filter(zero)).toEqual([])
    expect(wallet.view().state).toBe('unlocked')
  })

  test('the decrypted vault contents are zeroed once read: unlock, import, reveal, export', async () => {
    const { wallet } = await inUse()
    wallet.lock()
    plaintexts.length = 0
    await wallet.unlock(PASSWORD)
    await wallet.importPrivateKey(`0x${'22'.repeat(32)}`)
    expect(await wallet.revealMnemonic(PASSWORD)).toBe(HARDHAT)
    const imported = wallet.view().accounts[2]?.address ?? '0x'
    expect(await wallet.exportPrivateKey(imported, PASSWORD)).toBe(KEY5)
    expect(plaintexts.length).toBe(4)
    expect(plaintexts.filter((b) => !zero(b))).toEqual([])
  })
})
