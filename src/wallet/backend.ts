import type { Address, Hex } from 'viem'
import type { Log, Receipt, Tx } from '../node/chain/types'
import type { Offer } from '../trade/offers/types'

/**
 * What the EIP-1193 provider needs from a node, in the node's own types (bigint amounts, ms
 * timestamps). `createNodeBackend` implements it over the worker's `NodeApi` queries.
 */
export interface ProviderBackend {
  readonly chainId: number
  /**
   * How many blocks lie on top of the `safe` block (genesis `confirmations` − 1: it has k
   * confirmations) and of the `finalized` one (`maxReorgDepth`: no reorg the node takes on its own
   * reaches it).
   */
  readonly depths: { readonly safe: bigint; readonly finalized: bigint }
  /** The lowest base fee a block of this chain has (genesis `minBaseFee`): every pool refuses a fee cap below it, wei. */
  readonly minBaseFee: bigint
  /** The time between blocks the chain aims at (genesis `targetBlockTimeMs`): a block height's time to it, ms. */
  readonly targetBlockTimeMs: number
  /** Height of the canonical head. */
  blockNumber(): Promise<bigint>
  /** A canonical block by number, or any stored block by hash; null when unknown. */
  block(ref: bigint | Hex): Promise<BlockView | null>
  /** Balance and nonce at the head (`latest`), including pool transactions (`pending`), or at a height. */
  account(address: Address, at: BlockAt): Promise<{ readonly balance: bigint; readonly nonce: bigint }>
  /** Base fee of the next block, wei. */
  nextBaseFee(): Promise<bigint>
  /** A tip its pool admits now (more than the default while it is full), wei per gas. */
  suggestedTip(): Promise<bigint>
  /** Admits a signed raw transaction; its hash. */
  sendRawTransaction(raw: Hex): Promise<Hex>
  /** Peers with a direct link. */
  peerCount(): Promise<number>
  /** a transaction (canonical or pending) by hash. */
  transaction(hash: Hex): Promise<TxView | null>
  /** a canonical receipt by transaction hash. */
  receipt(hash: Hex): Promise<ReceiptView | null>
  /** logs of canonical blocks matching a filter. */
  logs(filter: LogFilter): Promise<LogView[]>
  /** a read-only call against the state at `at`. */
  call(req: CallArgs, at: BlockAt): Promise<CallOutcome>
  /** The code at `address` in the state at `at`: `NATIVE_CODE` for a native contract, else `0x`. */
  code(address: Address, at: BlockAt): Promise<Hex>
  /** The offer of id `id` in the node's order book (a take's approval shows what it trades), else null. */
  offer(id: Hex): Promise<Offer | null>
}

/**
 * What a native contract's code reads as (`eth_getCode`): the TokenFactory, the HTLC and every token the
 * factory made run in the node, not as EVM bytecode. One INVALID opcode: a dApp's "is it a contract"
 * check holds, and an EVM that ran it would halt.
 */
export const NATIVE_CODE: Hex = '0xfe'

export type BlockAt = bigint | 'latest' | 'pending'

export interface BlockView {
  readonly number: bigint
  readonly hash: Hex
  readonly parentHash: Hex
  /** ms since the Unix epoch (the provider reports seconds). */
  readonly timestamp: bigint
  readonly miner: Address
  readonly difficulty: bigint
  readonly totalDifficulty?: bigint
  readonly gasLimit: bigint
  readonly gasUsed: bigint
  readonly baseFeePerGas: bigint
  readonly stateRoot: Hex
  readonly transactionsRoot?: Hex
  readonly receiptsRoot?: Hex
  readonly logsBloom?: Hex
  readonly nonce?: bigint
  /** Transaction hashes, in order. */
  readonly transactions: readonly Hex[]
}

/** A transaction with its place; block fields null while pending. */
export interface TxView {
  readonly tx: Tx
  readonly blockHash: Hex | null
  readonly blockNumber: bigint | null
  readonly index: number | null
  /** Base fee of its block (for the effective gas price), null while pending. */
  readonly baseFeePerGas: bigint | null
}

export interface ReceiptView {
  readonly receipt: Receipt
  readonly from: Address
  readonly to: Address
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly index: number
  /** Index in the block of this receipt's first log. */
  readonly firstLogIndex: number
}

export interface LogView extends Log {
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly transactionHash: Hex
  readonly transactionIndex: number
  readonly logIndex: number
}

export interface LogFilter {
  readonly fromBlock: bigint
  readonly toBlock: bigint
  /** Any of these contracts; all when absent. */
  readonly address?: readonly Address[]
  /** Per position: null matches anything, a list matches any of its entries. */
  readonly topics?: readonly (readonly Hex[] | null)[]
}

export interface CallArgs {
  readonly from?: Address
  readonly to: Address
  readonly data?: Hex
  readonly value?: bigint
  readonly gas?: bigint
}

export interface CallOutcome {
  readonly status: 0 | 1
  readonly returnData: Hex
  readonly revertData?: Hex
  readonly gasUsed: bigint
}
