import type { Address, Hex } from 'viem'
import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { decodeTx } from '../../../src/node/chain/tx'
import type { Block, Genesis, Tx } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
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
