import { type Address, encodeFunctionData, type Hex, keccak256, numberToHex } from 'viem'
import {
  type BlockEnv,
  type BlockExecution,
  type CallResult,
  call,
  executeBlock,
} from '../../../src/node/chain/execute'
import { genesisState, testGenesis } from '../../../src/node/chain/genesis'
import type { Genesis, Receipt, Tx } from '../../../src/node/chain/types'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import type { State } from '../../../src/node/state/state'

/** The value, asserting it is there (tests index arrays they have just checked). */
export function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value')
  return value
}

/** A one-node chain for contract tests: builds unsigned `Tx` objects (senders given) and blocks. */

export const GWEI = 10n ** 9n
export const ETHER = 10n ** 18n
export const MINER: Address = '0x00000000000000000000000000000000000000aa'
export const ALICE: Address = '0x1111111111111111111111111111111111111111'
export const BOB: Address = '0x2222222222222222222222222222222222222222'
export const CAROL: Address = '0x3333333333333333333333333333333333333333'

export interface Send {
  readonly from: Address
  readonly to: Address
  readonly data?: Hex
  readonly value?: bigint
  readonly gas?: bigint
  readonly nonce?: bigint
  readonly maxFeePerGas?: bigint
  readonly maxPriorityFeePerGas?: bigint
}

export class Harness {
  readonly genesis: Genesis
  state: State
  number = 0n
  readonly baseFee = GWEI
  /** Every tree node created so far (what a persistent node would have stored). */
  readonly store = new MemoryNodeStore()
  /** Numbers the fake transaction hashes, per chain so that roots are reproducible. */
  #serial = 0

  constructor(balance = 1_000n * ETHER) {
    this.genesis = testGenesis({ alloc: [ALICE, BOB, CAROL].map((address) => ({ address, balance })) })
    const g = genesisState(this.genesis)
    this.state = g.state
    this.store.putAll(g.created)
  }

  env(number = this.number + 1n): BlockEnv {
    return {
      number,
      timestamp: 1000n * number,
      miner: MINER,
      baseFeePerGas: this.baseFee,
      gasLimit: this.genesis.params.blockGasLimit,
    }
  }

  tx(s: Send, nonceBase?: Map<Address, bigint>): Tx {
    const nonce = s.nonce ?? this.nextNonce(s.from, nonceBase)
    this.#serial++
    return {
      hash: keccak256(numberToHex(this.#serial, { size: 32 })),
      raw: '0x',
      from: s.from,
      chainId: this.genesis.params.chainId,
      nonce,
      maxPriorityFeePerGas: s.maxPriorityFeePerGas ?? GWEI,
      maxFeePerGas: s.maxFeePerGas ?? 3n * GWEI,
      gas: s.gas ?? 500_000n,
      to: s.to,
      value: s.value ?? 0n,
      data: s.data ?? '0x',
    }
  }

  nextNonce(from: Address, pending?: Map<Address, bigint>): bigint {
    const n = pending?.get(from) ?? this.state.getAccount(from).nonce
    pending?.set(from, n + 1n)
    return n
  }

  /** Executes one block and advances the chain. */
  block(sends: readonly Send[]): BlockExecution {
    const pending = new Map<Address, bigint>()
    const txs = sends.map((s) => this.tx(s, pending))
    const result = executeBlock(this.state, this.env(), txs, this.genesis.params)
    this.state = result.state
    this.store.putAll(result.created)
    this.number++
    return result
  }

  /** Executes a one-transaction block; returns its receipt. */
  send(s: Send): Receipt {
    return defined(this.block([s]).receipts[0])
  }

  /**
   * `send`, plus the state root the block would have if the transaction had changed nothing but its
   * sender's nonce and fee (and the miner's pay): what a reverted transaction must leave.
   */
  sendFeeOnly(s: Send): { receipt: Receipt; feeOnlyRoot: Hex } {
    const parent = this.state
    const receipt = this.send(s)
    const expected = parent.buffer()
    const sender = parent.getAccount(s.from)
    const price = receipt.effectiveGasPrice
    expected.setAccount(s.from, {
      nonce: sender.nonce + 1n,
      balance: sender.balance - receipt.gasUsed * price,
    })
    expected.credit(MINER, this.genesis.params.minerReward + receipt.gasUsed * (price - this.baseFee))
    return { receipt, feeOnlyRoot: expected.commit().state.root }
  }

  /** Advances empty blocks until the next block has number `n`. */
  advanceTo(n: bigint): void {
    while (this.number + 1n < n) this.block([])
  }

  call(to: Address, data: Hex, from: Address = ALICE, value?: bigint): CallResult {
    return call(
      this.state,
      { from, to, data, ...(value === undefined ? {} : { value }) },
      this.env(),
      this.genesis.params,
    )
  }

  /** Sends a `createToken` (18 decimals) from `from` in a block of its own; returns the token's address. */
  createToken({
    from = ALICE,
    supply = 1_000n,
    name = 'T',
    symbol = 'T',
  }: {
    from?: Address
    supply?: bigint
    name?: string
    symbol?: string
  } = {}): Address {
    const nonce = this.state.getAccount(from).nonce
    const r = this.send({
      from,
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: [name, symbol, 18, supply],
      }),
    })
    if (r.status !== 1) throw new Error(`createToken reverted: ${r.revertData}`)
    return tokenAddress(from, nonce)
  }

  balanceOf(token: Address, holder: Address): bigint {
    const r = this.call(
      token,
      encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [holder] }),
    )
    return BigInt(r.returnData)
  }

  totalSupply(token: Address): bigint {
    return BigInt(
      this.call(token, encodeFunctionData({ abi: erc20Abi, functionName: 'totalSupply' })).returnData,
    )
  }
}
