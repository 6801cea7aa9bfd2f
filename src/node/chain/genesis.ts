import type { Address } from 'viem'
import { NodeError } from '../rpc/errors'
import { State, type StateCommit } from '../state/state'
import type { ChainParams, Genesis, GenesisAlloc } from './types'

const ETHER = 10n ** 18n
const GWEI = 10n ** 9n

/** A genesis description that fails validation. */
export type GenesisErrorType = {
  readonly code: 'GENESIS_INVALID'
  readonly field: string
  readonly reason: string
}

/** Names the field in words (the node's failed screen shows a server's invalid genesis as it is). */
export class GenesisError extends NodeError<GenesisErrorType> {
  override name = 'GenesisError'

  constructor(type: GenesisErrorType, message?: string) {
    super(type, message ?? `invalid genesis: ${type.field} ${type.reason}`)
  }
}

/**
 * DEVNET ONLY — the first ten accounts of the public Hardhat/Anvil test mnemonic
 * "test test test test test test test test test test test junk" (m/44'/60'/0'/0/0 … 9).
 * Their private keys are published everywhere: never use them on a chain with value.
 */
export const DEVNET_ACCOUNTS: readonly Address[] = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
  '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65',
  '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
  '0x976ea74026e726554db657fa54763abd0c3a0aa9',
  '0x14dc79964da2c08b23698b3d3cc7ca32193d9955',
  '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f',
  '0xa0ee7a142d267c1f36714e4a8f75612f20a79720',
]

/** Parameters of the public devnet. */
export const devnetParams: ChainParams = {
  chainId: 31415,
  targetBlockTimeMs: 2000,
  // A tab mines ~300k hashes/s at its default duty cycle (measured in Chromium), so one tab alone
  // settles near 600k; the floor lets a single slow tab (throttled or low-end) still find blocks
  // instead of stalling the chain.
  minDifficulty: 1_000n,
  difficultyHalfLife: 8,
  futureTimestampToleranceMs: 15_000,
  blockGasLimit: 30_000_000n,
  minBaseFee: GWEI,
  baseFeeChangeDenominator: 8n,
  elasticityMultiplier: 2n,
  minerReward: 2n * ETHER,
  confirmations: 3,
  maxReorgDepth: 64,
  maxTxBytes: 128 * 1024,
}

/**
 * The built-in devnet genesis. DEVNET ONLY: it funds the ten well-known Hardhat/Anvil test
 * accounts (`DEVNET_ACCOUNTS`) with 10,000 ether each so tools and tests have funded keys.
 */
export const devnetGenesis: Genesis = {
  name: 'tabchain-devnet',
  params: devnetParams,
  // 2026-11-30: the devnet restarted with the ASERT retarget (blocks of the earlier rule are another chain).
  timestamp: 1_795_996_800_000n,
  difficulty: 100_000n,
  baseFeePerGas: GWEI,
  alloc: DEVNET_ACCOUNTS.map((address) => ({ address, balance: 10_000n * ETHER })),
}

/** What a test may override in `testGenesis`. */
export interface TestGenesisOverrides {
  readonly name?: string
  readonly params?: Partial<ChainParams>
  readonly timestamp?: bigint
  readonly difficulty?: bigint
  readonly baseFeePerGas?: bigint
  readonly alloc?: readonly GenesisAlloc[]
}

/**
 * A genesis for fast deterministic tests: the devnet parameters and allocations with a fixed tiny
 * difficulty (a handful of hashes per block) and a 1 ms minimum block interval, chain id 31416 so
 * test transactions never replay on the devnet.
 */
export function testGenesis(overrides: TestGenesisOverrides = {}): Genesis {
  const params: ChainParams = {
    ...devnetParams,
    chainId: 31416,
    minDifficulty: 1n,
    fixedDifficulty: 2n,
    minBlockIntervalMs: 1,
    ...overrides.params,
  }
  return validateGenesis({
    name: overrides.name ?? 'tabchain-test',
    params,
    timestamp: overrides.timestamp ?? devnetGenesis.timestamp,
    difficulty: overrides.difficulty ?? params.fixedDifficulty ?? devnetGenesis.difficulty,
    baseFeePerGas: overrides.baseFeePerGas ?? params.minBaseFee,
    alloc: overrides.alloc ?? devnetGenesis.alloc,
  })
}

function invalid(field: string, reason: string): never {
  throw new GenesisError({ code: 'GENESIS_INVALID', field, reason })
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(field, 'must be an object')
  return v as Record<string, unknown>
}

/** A bigint from a bigint, a safe integer, or a decimal / 0x-hex string (as JSON files carry them). */
function big(v: unknown, field: string, min = 0n): bigint {
  let out: bigint | undefined
  if (typeof v === 'bigint') out = v
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v)
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) out = BigInt(v)
  if (out === undefined) return invalid(field, 'must be an integer')
  if (out < min) return invalid(field, `must be at least ${min}`)
  return out
}

function int(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    return invalid(field, `must be an integer in [${min}, ${max}]`)
  }
  return v
}

/**
 * Checks a parsed genesis file (bigints may be given as decimal or hex strings) and returns it
 * normalised (addresses lower-case). Throws `GenesisError` `GENESIS_INVALID` naming the field.
 */
export function validateGenesis(input: unknown): Genesis {
  const g = record(input, 'genesis')
  if (typeof g.name !== 'string' || g.name.length === 0 || g.name.length > 64)
    invalid('name', 'must be 1–64 characters')
  const p = record(g.params, 'params')
  const params: ChainParams = {
    chainId: int(p.chainId, 'params.chainId', 1, 2 ** 32 - 1),
    targetBlockTimeMs: int(p.targetBlockTimeMs, 'params.targetBlockTimeMs', 1),
    minDifficulty: big(p.minDifficulty, 'params.minDifficulty', 1n),
    difficultyHalfLife: int(p.difficultyHalfLife, 'params.difficultyHalfLife', 1, 1_000_000),
    ...(p.fixedDifficulty === undefined
      ? {}
      : { fixedDifficulty: big(p.fixedDifficulty, 'params.fixedDifficulty', 1n) }),
    ...(p.minBlockIntervalMs === undefined
      ? {}
      : { minBlockIntervalMs: int(p.minBlockIntervalMs, 'params.minBlockIntervalMs', 0) }),
    futureTimestampToleranceMs: int(p.futureTimestampToleranceMs, 'params.futureTimestampToleranceMs', 0),
    blockGasLimit: big(p.blockGasLimit, 'params.blockGasLimit', 21_000n),
    minBaseFee: big(p.minBaseFee, 'params.minBaseFee', 1n),
    baseFeeChangeDenominator: big(p.baseFeeChangeDenominator, 'params.baseFeeChangeDenominator', 1n),
    elasticityMultiplier: big(p.elasticityMultiplier, 'params.elasticityMultiplier', 1n),
    minerReward: big(p.minerReward, 'params.minerReward'),
    confirmations: int(p.confirmations, 'params.confirmations', 0),
    maxReorgDepth: int(p.maxReorgDepth, 'params.maxReorgDepth', 1),
    maxTxBytes: int(p.maxTxBytes, 'params.maxTxBytes', 128),
  }
  const difficulty = big(g.difficulty, 'difficulty', 1n)
  if (params.fixedDifficulty !== undefined && difficulty !== params.fixedDifficulty) {
    invalid('difficulty', 'must equal params.fixedDifficulty')
  }
  const baseFeePerGas = big(g.baseFeePerGas, 'baseFeePerGas')
  if (baseFeePerGas < params.minBaseFee) invalid('baseFeePerGas', 'must be at least params.minBaseFee')
  if (!Array.isArray(g.alloc)) invalid('alloc', 'must be an array')
  const seen = new Set<string>()
  const alloc = g.alloc.map((entry, i): GenesisAlloc => {
    const e = record(entry, `alloc[${i}]`)
    if (typeof e.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(e.address)) {
      invalid(`alloc[${i}].address`, 'must be a 20-byte hex address')
    }
    const address = e.address.toLowerCase() as Address
    if (seen.has(address)) invalid(`alloc[${i}].address`, 'is listed twice')
    seen.add(address)
    return { address, balance: big(e.balance, `alloc[${i}].balance`) }
  })
  return { name: g.name, params, timestamp: big(g.timestamp, 'timestamp'), difficulty, baseFeePerGas, alloc }
}

/**
 * A genesis as a JSON text (bigints as decimal strings): what a genesis file holds and what the server
 * hands the page. `validateGenesis(JSON.parse(text))` reads it back.
 */
export function genesisToJson(genesis: Genesis): string {
  return JSON.stringify(
    genesis,
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  )
}

/**
 * Genesis states already built, by genesis: a worker's start asks for its genesis block three or four
 * times (the database's chain identity, the chain, its genesis block, the light client's header
 * chain), and on a genesis of thousands of accounts each build costs 0.1–0.2 s in Node (3,000
 * accounts), more in a worker just started. A `Genesis` is read-only and a `State` immutable, so one
 * build serves every caller.
 */
const builtStates = new WeakMap<Genesis, StateCommit>()

/** The genesis state (allocations applied) and the tree nodes it consists of. */
export function genesisState(genesis: Genesis): StateCommit {
  let built = builtStates.get(genesis)
  if (built === undefined) {
    const buf = State.empty().buffer()
    for (const { address, balance } of genesis.alloc) buf.setAccount(address, { nonce: 0n, balance })
    built = buf.commit()
    builtStates.set(genesis, built)
  }
  // The node list is the caller's to keep or change.
  return { state: built.state, created: [...built.created] }
}
