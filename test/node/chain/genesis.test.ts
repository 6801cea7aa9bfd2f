import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  DEVNET_ACCOUNTS,
  devnetGenesis,
  GenesisError,
  genesisState,
  genesisToJson,
  testGenesis,
  validateGenesis,
} from '../../../src/node/chain/genesis'
import { verifyAccountProof } from '../../../src/node/state/state'
import { defined } from '../contracts/harness'

const MNEMONIC = 'test test test test test test test test test test test junk'

function fieldOf(input: unknown): string {
  try {
    validateGenesis(input)
  } catch (err) {
    expect(err).toBeInstanceOf(GenesisError)
    return (err as GenesisError).type.field
  }
  throw new Error('accepted')
}

describe('devnet genesis', () => {
  it('funds the first ten accounts of the Hardhat/Anvil mnemonic', () => {
    const derived = Array.from({ length: 10 }, (_, i) =>
      mnemonicToAccount(MNEMONIC, { addressIndex: i }).address.toLowerCase(),
    )
    expect(DEVNET_ACCOUNTS).toEqual(derived)
    expect(devnetGenesis.alloc.map((a) => a.address)).toEqual(derived)
    for (const a of devnetGenesis.alloc) expect(a.balance).toBe(10_000n * 10n ** 18n)
  })

  it('has the agreed parameters', () => {
    const p = devnetGenesis.params
    expect(p.chainId).toBe(31415)
    expect(p.targetBlockTimeMs).toBe(2000)
    expect(p.blockGasLimit).toBe(30_000_000n)
    expect(p.minBaseFee).toBe(10n ** 9n)
    expect(p.minerReward).toBe(2n * 10n ** 18n)
    expect(p.confirmations).toBe(3)
    expect(p.maxReorgDepth).toBe(64)
    expect(p.maxTxBytes).toBe(128 * 1024)
    expect(p.fixedDifficulty).toBeUndefined()
    expect(validateGenesis(devnetGenesis)).toEqual(devnetGenesis)
  })

  it('round-trips through its JSON text (bigints as decimal strings)', () => {
    const fast = testGenesis({ params: { confirmations: 1, targetBlockTimeMs: 200 } })
    for (const genesis of [devnetGenesis, fast]) {
      const text = genesisToJson(genesis)
      expect(text).not.toMatch(/\d+n\b/)
      expect(validateGenesis(JSON.parse(text))).toEqual(genesis)
    }
    expect(JSON.parse(genesisToJson(devnetGenesis)).params.minerReward).toBe('2000000000000000000')
  })

  it('has a stable state root (golden)', () => {
    const { state, created } = genesisState(devnetGenesis)
    expect(state.root).toBe('0xf371dc25aba98c5039a628a7a66a703945d8dc1e3c8a5222082cef3f91307edc')
    expect(created.length).toBe(19)
    const proof = state.prove(`01${defined(DEVNET_ACCOUNTS[3]).slice(2)}`)
    expect(verifyAccountProof(state.root, defined(DEVNET_ACCOUNTS[3]), proof.nodes)).toEqual({
      nonce: 0n,
      balance: 10_000n * 10n ** 18n,
    })
  })

  it('is built once per genesis; each caller gets its own node list', () => {
    const first = genesisState(devnetGenesis)
    const again = genesisState(devnetGenesis)
    expect(again.state).toBe(first.state)
    expect(again.created).not.toBe(first.created)
    expect(again.created).toEqual(first.created)
    first.created.length = 0
    expect(genesisState(devnetGenesis).created.length).toBe(19)
    // Another genesis object, even an equal one, is built for itself.
    const copy = { ...devnetGenesis, alloc: [...devnetGenesis.alloc] }
    expect(genesisState(copy).state).not.toBe(first.state)
    expect(genesisState(copy).state.root).toBe(first.state.root)
  })
})

describe('testGenesis', () => {
  it('fixes a small difficulty and a minimum interval, on its own chain id', () => {
    const g = testGenesis()
    expect(g.params.fixedDifficulty).toBe(g.difficulty)
    expect(g.params.minBlockIntervalMs).toBeGreaterThan(0)
    expect(g.params.chainId).not.toBe(devnetGenesis.params.chainId)
  })

  it('applies overrides', () => {
    const g = testGenesis({ params: { fixedDifficulty: 5n, blockGasLimit: 1_000_000n }, alloc: [] })
    expect(g.difficulty).toBe(5n)
    expect(g.params.blockGasLimit).toBe(1_000_000n)
    expect(genesisState(g).state.root).toBe(`0x${'00'.repeat(32)}`)
  })
})

describe('validateGenesis', () => {
  const json = {
    ...devnetGenesis,
    timestamp: devnetGenesis.timestamp.toString(),
    difficulty: '0x186a0',
    params: { ...devnetGenesis.params, minerReward: '2000000000000000000', blockGasLimit: 30_000_000 },
    alloc: [{ address: defined(DEVNET_ACCOUNTS[0]).toUpperCase().replace('0X', '0x'), balance: '1' }],
  }

  it('accepts bigints written as strings or numbers and normalises addresses', () => {
    const g = validateGenesis(json)
    expect(g.difficulty).toBe(100_000n)
    expect(g.params.minerReward).toBe(2n * 10n ** 18n)
    expect(g.alloc[0]).toEqual({ address: DEVNET_ACCOUNTS[0], balance: 1n })
  })

  it('names the bad field', () => {
    expect(fieldOf(null)).toBe('genesis')
    expect(fieldOf({ ...json, name: '' })).toBe('name')
    expect(fieldOf({ ...json, params: { ...json.params, chainId: 0 } })).toBe('params.chainId')
    expect(fieldOf({ ...json, params: { ...json.params, minDifficulty: '-1' } })).toBe('params.minDifficulty')
    expect(fieldOf({ ...json, difficulty: 'lots' })).toBe('difficulty')
    expect(fieldOf({ ...json, baseFeePerGas: 1 })).toBe('baseFeePerGas')
    expect(fieldOf({ ...json, alloc: {} })).toBe('alloc')
    expect(fieldOf({ ...json, alloc: [{ address: '0x12', balance: 1 }] })).toBe('alloc[0].address')
    expect(fieldOf({ ...json, alloc: [json.alloc[0], json.alloc[0]] })).toBe('alloc[1].address')
    expect(fieldOf({ ...json, alloc: [{ address: DEVNET_ACCOUNTS[1], balance: 1.5 }] })).toBe(
      'alloc[0].balance',
    )
    expect(fieldOf({ ...json, params: { ...json.params, fixedDifficulty: 7n } })).toBe('difficulty')
  })
})
