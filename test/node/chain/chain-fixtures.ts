import type { Address, Hex } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { encodeBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { executeBlock } from '../../../src/node/chain/execute'
import { decodeTx } from '../../../src/node/chain/tx'
import type { Block, Genesis, Tx } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { nextBaseFee } from '../../../src/node/consensus/base-fee'
import { nextDifficulty } from '../../../src/node/consensus/difficulty'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import { nodeChildren, type TrieNodeRecord } from '../../../src/node/state/trie'

/** Test fixtures shared by the chain, consensus and simulation tests. */

export const MNEMONIC = 'test test test test test test test test test test test junk'
export const GWEI = 10n ** 9n

const accounts = new Map<number, HDAccount>()
/** Hardhat/Anvil account `i` (funded by the test genesis for i < 10). */
export function account(i: number): HDAccount {
  let a = accounts.get(i)
  if (a === undefined) {
    a = mnemonicToAccount(MNEMONIC, { addressIndex: i })
    accounts.set(i, a)
  }
  return a
}

export function addressOf(i: number): Address {
  return account(i).address.toLowerCase() as Address
}

export interface TransferOpts {
  readonly nonce: number
  readonly to?: Address
  readonly value?: bigint
  readonly tip?: bigint
  readonly maxFee?: bigint
  readonly chainId?: number
  readonly gas?: bigint
  /** Call data (a contract call; `value` still defaults to 1,000 wei, pass 0n for none). */
  readonly data?: Hex
}

/** A signed EIP-1559 native transfer or call (deterministic: RFC 6979 signatures). */
export function transfer(from: number, opts: TransferOpts, chainId = 31416): Promise<Hex> {
  return account(from).signTransaction({
    type: 'eip1559',
    chainId: opts.chainId ?? chainId,
    nonce: opts.nonce,
    to: opts.to ?? addressOf(9),
    value: opts.value ?? 1_000n,
    gas: opts.gas ?? 21_000n,
    ...(opts.data === undefined ? {} : { data: opts.data }),
    maxFeePerGas: opts.maxFee ?? 10n * GWEI,
    maxPriorityFeePerGas: opts.tip ?? GWEI,
  })
}

/** Seals a block by searching nonces from 0 (difficulty is tiny in test genesis files). */
export function seal(template: Block): Block {
  for (let start = 0n; ; ) {
    const r = mineSlice(template.header, start, 10_000)
    if ('found' in r) return sealBlock(template, r.found)
    start = r.next
  }
}

/** Builds and seals the next block on `parentHash` (default: the head) with `txs` in this order. */
export function mineOn(
  chain: Chain,
  txs: readonly Tx[],
  opts: { parentHash?: Hex; now?: bigint; miner?: Address } = {},
): Block {
  const parent = chain.getBlock(opts.parentHash ?? chain.head.hash)
  if (parent === undefined) throw new Error('unknown parent')
  const { block } = buildBlockTemplate({
    params: chain.params,
    parent: parent.block.header,
    parentState: chain.stateAt(parent.hash),
    txs,
    now: opts.now ?? parent.block.header.timestamp + 2_000n,
    miner: opts.miner ?? addressOf(8),
  })
  return seal(block)
}

/**
 * A chain in a memory store holding `raws` (all signed by `from`, in nonce order) in as few blocks as
 * they fit, the last one alone in the head block when `lastAlone`. The senders are known up front, as
 * the mempool caches them: the imports recover none (thousands of transactions build in seconds).
 */
export function chainOfTxs(
  genesis: Genesis,
  from: Address,
  raws: readonly Hex[],
  lastAlone = false,
): MemoryChainStore {
  const store = new MemoryChainStore()
  const chain = new Chain({ genesis, store })
  let rest = raws.map((raw) => {
    const tx = { ...decodeTx(raw, genesis.params), from }
    chain.senders.set(tx.hash, from)
    return tx
  })
  while (rest.length > 0) {
    const block = mineOn(chain, lastAlone && rest.length > 1 ? rest.slice(0, -1) : rest)
    chain.importBlock(block, block.header.timestamp)
    rest = rest.slice(block.transactions.length)
  }
  return store
}

/**
 * A store holding what a node started from a snapshot of `source` at block `number` holds: the genesis,
 * that block and the state under it, nothing in between.
 */
export function snapshotStore(genesis: Genesis, source: Chain, number: bigint): MemoryChainStore {
  const base = source.getBlockByNumber(number)
  if (base === undefined) throw new Error(`no block ${number}`)
  const nodes: TrieNodeRecord[] = []
  for (const stack = [fromHex(base.block.header.stateRoot)]; stack.length > 0; ) {
    const hash = stack.pop() as Uint8Array
    const encoded = source.store.nodes.get(toHex(hash))
    if (encoded === undefined) throw new Error('a state node is missing')
    nodes.push({ hash, encoded })
    stack.push(...nodeChildren(encoded))
  }
  const store = new MemoryChainStore()
  new Chain({ genesis, store }).adoptSnapshot(base.block, base.totalDifficulty, nodes)
  return store
}

/** Recovers transactions for block building without touching any chain's sender cache. */
export function txsOf(chain: Chain, raws: readonly Hex[]): Tx[] {
  return chain.blockTransactions({ header: chain.headHeader, transactions: raws })
}

/**
 * The next block on `chain`'s head holding `txs` as given, executed and sealed: the miner's template without
 * its size filter (which keeps a reserve under `MAX_BLOCK_BYTES`, so it never builds a block at the bound).
 */
export function blockOf(chain: Chain, txs: readonly Tx[]): Block {
  const parent = chain.headHeader
  const params = chain.params
  const timestamp = parent.timestamp + 2_000n
  const baseFeePerGas = nextBaseFee(params, parent)
  const env = {
    number: parent.number + 1n,
    timestamp,
    miner: addressOf(8),
    baseFeePerGas,
    gasLimit: params.blockGasLimit,
  }
  const exec = executeBlock(chain.headState, env, txs, params)
  return seal({
    header: {
      parentHash: chain.head.hash,
      number: env.number,
      timestamp,
      miner: env.miner,
      stateRoot: exec.state.root,
      transactionsRoot: exec.transactionsRoot,
      receiptsRoot: exec.receiptsRoot,
      logsBloom: exec.logsBloom,
      gasLimit: params.blockGasLimit,
      gasUsed: exec.gasUsed,
      baseFeePerGas,
      difficulty: nextDifficulty(params, parent, timestamp),
      nonce: 0n,
    },
    transactions: txs.map((t) => t.raw),
  })
}

/** A transfer from account 0 carrying `length` zero bytes of calldata, with exactly the gas it needs. */
export const padded = (nonce: number, length: number): Promise<Hex> =>
  transfer(0, { nonce, data: `0x${'00'.repeat(length)}`, gas: 21_000n + 4n * BigInt(length) })

/**
 * A valid next block on `chain` whose encoding is exactly `size` bytes: sixteen transactions of 130,000
 * calldata bytes and a last one whose calldata is resized until the sealed block measures `size`.
 */
export async function blockOfSize(chain: Chain, size: number, full: readonly Hex[]): Promise<Block> {
  let length = 10_000
  for (let tries = 0; tries < 8; tries++) {
    const block = blockOf(chain, txsOf(chain, [...full, await padded(full.length, length)]))
    const got = encodeBlock(block).length
    if (got === size) return block
    length += size - got
  }
  throw new Error(`no block of ${size} bytes`)
}
