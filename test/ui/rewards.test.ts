import { type Address, getAddress } from 'viem'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { useAccount } from '../../src/ui/signer/account'
import { rememberedDevnetIndex } from '../../src/ui/signer/devnet-index'
import { followAccount } from '../../src/ui/signer/follow-rewards'
import { pinnedRewards, rememberRewards, startingRewards } from '../../src/ui/signer/rewards'
import type { TxSigner } from '../../src/ui/signer/signer'
import { memoryStorage, refusingStorage } from './memory-storage'

const WALLET = getAddress('0x00000000000000000000000000000000000000aa')
const OTHER = getAddress('0x00000000000000000000000000000000000000bb')

/** A wallet account as the wallet session hands it to the account store (it never signs here). */
const walletSigner = (address: Address): TxSigner => ({
  address,
  label: 'Account 1 (wallet)',
  sendTransaction: () => Promise.reject(new Error('not in this test')),
})

beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage())
  useAccount.setState({ signer: null, wallet: null, index: null })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe("where a tab's mined blocks pay", () => {
  test("a profile starts paying its devnet account, then the account last named for it; a bad entry doesn't count", () => {
    const devnet = DEVNET_ACCOUNTS[rememberedDevnetIndex('p')]
    expect(startingRewards('p')).toBe(devnet)
    rememberRewards('p', WALLET)
    expect(startingRewards('p')).toBe(WALLET)
    expect(startingRewards('q')).not.toBe(WALLET)
    localStorage.setItem('tabchain.rewards.p', '0x12')
    expect(startingRewards('p')).toBe(devnet)
  })

  test('storage that refuses the write (full, turned off): the node is told all the same, and a start falls back to what was saved', () => {
    const storage = memoryStorage()
    vi.stubGlobal('localStorage', refusingStorage(storage))
    // The profile's first start: its devnet account is drawn, used though it cannot be remembered.
    const devnet = startingRewards('p')
    expect(DEVNET_ACCOUNTS).toContain(devnet)
    useAccount.getState().choose('p', 3)
    expect(useAccount.getState().index).toBe(3)
    const told: Address[] = []
    const api = {
      setCoinbase: async (address: Address) => {
        told.push(address)
        return { enabled: true, hashrate: 0, dutyCycle: 0.5, coinbase: address }
      },
    }
    followAccount(api, 'p', devnet)
    useAccount.getState().setWallet(walletSigner(WALLET))
    expect(told.at(-1)).toBe(WALLET)
    expect(storage.length).toBe(0)
  })

  test('?coinbase= names an address for this load; anything else in it is ignored', () => {
    expect(pinnedRewards(new URL('http://x/'))).toBeNull()
    expect(pinnedRewards(new URL(`http://x/?coinbase=${OTHER}`))).toBe(OTHER)
    expect(pinnedRewards(new URL('http://x/?coinbase=0x12'))).toBeNull()
    expect(pinnedRewards(new URL('http://x/?coinbase=alice'))).toBeNull()
  })

  test('the node is told each time the account the tab acts with changes, once, and the address is remembered', () => {
    const calls: Address[] = []
    const api = {
      setCoinbase: async (address: Address) => {
        calls.push(address)
        return { enabled: true, hashrate: 0, dutyCycle: 0.5, coinbase: address }
      },
    }
    const started = startingRewards('p')
    followAccount(api, 'p', started)
    // The devnet account the node started with: nothing to tell.
    expect(useAccount.getState().signer?.address.toLowerCase()).toBe(started.toLowerCase())
    expect(calls).toEqual([])
    // The wallet loads: its selected account takes over; the same account again changes nothing.
    useAccount.getState().setWallet(walletSigner(WALLET))
    useAccount.getState().setWallet(walletSigner(WALLET))
    expect(calls).toEqual([WALLET])
    expect(startingRewards('p')).toBe(WALLET)
    // Another account selected, then the wallet removed: back to the devnet account.
    useAccount.getState().setWallet(walletSigner(OTHER))
    useAccount.getState().setWallet(null)
    expect(calls.map((a) => a.toLowerCase())).toEqual([WALLET, OTHER, started].map((a) => a.toLowerCase()))
    // Without a wallet, choosing another devnet account moves the rewards with it.
    const index = (rememberedDevnetIndex('p') + 1) % DEVNET_ACCOUNTS.length
    useAccount.getState().choose('p', index)
    expect(calls.at(-1)?.toLowerCase()).toBe(DEVNET_ACCOUNTS[index])
    expect(startingRewards('p').toLowerCase()).toBe(DEVNET_ACCOUNTS[index])
  })
})
