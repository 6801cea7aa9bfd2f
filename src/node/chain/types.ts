import type { Address, Hex } from 'viem'

/**
 * Chain-wide data types shared by the pure layers (chain, consensus, state, contracts, mempool).
 * Amounts and counters are `bigint`; hashes and byte strings are lower-case `0x` hex.
 */

/** Consensus and economic parameters fixed by a genesis file. */
export interface ChainParams {
  /** EIP-155 chain id. */
  readonly chainId: number
  /** Target block interval in milliseconds (default 2000). */
  readonly targetBlockTimeMs: number
  /** Lowest difficulty the retarget may reach. */
  readonly minDifficulty: bigint
  /**
   * Retarget speed, in blocks: difficulty halves for every this many target intervals the chain runs
   * behind, and doubles as fast when ahead (see consensus/difficulty.ts).
   */
  readonly difficultyHalfLife: number
  /** Test genesis only: when set, every block has exactly this difficulty. */
  readonly fixedDifficulty?: bigint
  /** Test genesis only: a block's timestamp must be at least this many ms after its parent's. */
  readonly minBlockIntervalMs?: number
  /** How far in the future (ms) a block's timestamp may be before it is held back. */
  readonly futureTimestampToleranceMs: number
  readonly blockGasLimit: bigint
  /** EIP-1559: floor of the base fee, in wei. */
  readonly minBaseFee: bigint
  /** EIP-1559: base fee change denominator (8 on Ethereum). */
  readonly baseFeeChangeDenominator: bigint
  /** EIP-1559: gas target = gas limit / elasticity multiplier (2 on Ethereum). */
  readonly elasticityMultiplier: bigint
  /** Native coin paid to the miner of each block, in wei. */
  readonly minerReward: bigint
  /** Confirmations before a swap acts on an event. */
  readonly confirmations: number
  /** Deepest reorganisation a node will follow. */
  readonly maxReorgDepth: number
  /** Largest accepted raw transaction, in bytes. */
  readonly maxTxBytes: number
}

export interface GenesisAlloc {
  readonly address: Address
  readonly balance: bigint
}

export interface Genesis {
  readonly name: string
  readonly params: ChainParams
  /** Genesis block timestamp in ms since the Unix epoch. */
  readonly timestamp: bigint
  readonly difficulty: bigint
  readonly baseFeePerGas: bigint
  readonly alloc: readonly GenesisAlloc[]
}

/**
 * Block header. `hash = keccak256(rlp(header fields in this order))`.
 * `timestamp` is in milliseconds (the EIP-1193 layer reports seconds).
 */
export interface Header {
  readonly parentHash: Hex
  readonly number: bigint
  readonly timestamp: bigint
  readonly miner: Address
  readonly stateRoot: Hex
  readonly transactionsRoot: Hex
  readonly receiptsRoot: Hex
  readonly logsBloom: Hex
  readonly gasLimit: bigint
  readonly gasUsed: bigint
  readonly baseFeePerGas: bigint
  readonly difficulty: bigint
  readonly nonce: bigint
}

export interface Block {
  readonly header: Header
  /** Raw signed EIP-1559 transactions (`0x02…`), in execution order. */
  readonly transactions: readonly Hex[]
}

/** A signed EIP-1559 transaction after decoding and sender recovery. */
export interface Tx {
  readonly hash: Hex
  readonly raw: Hex
  readonly from: Address
  readonly chainId: number
  readonly nonce: bigint
  readonly maxPriorityFeePerGas: bigint
  readonly maxFeePerGas: bigint
  readonly gas: bigint
  readonly to: Address
  readonly value: bigint
  readonly data: Hex
}

export interface Log {
  readonly address: Address
  readonly topics: readonly Hex[]
  readonly data: Hex
}

/** Ethereum-style receipt (status 1 = success, 0 = reverted). */
export interface Receipt {
  readonly transactionHash: Hex
  readonly status: 0 | 1
  readonly gasUsed: bigint
  readonly cumulativeGasUsed: bigint
  readonly effectiveGasPrice: bigint
  readonly logs: readonly Log[]
  readonly logsBloom: Hex
  /** ABI-encoded `Error(string)` revert data when status is 0. */
  readonly revertData?: Hex
}
