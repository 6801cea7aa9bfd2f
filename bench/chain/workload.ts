import { keccak_256 } from '@noble/hashes/sha3.js'
import {
  type Address,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  numberToHex,
  serializeTransaction,
} from 'viem'
import { encodeBlock } from '../../src/node/chain/block'
import { Chain } from '../../src/node/chain/chain'
import { testGenesis } from '../../src/node/chain/genesis'
import { decodeTx } from '../../src/node/chain/tx'
import type { Block, Genesis, Tx } from '../../src/node/chain/types'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../src/node/consensus/miner'
import { TOKEN_FACTORY_ADDRESS } from '../../src/node/contracts/addresses'
import { erc20Abi } from '../../src/node/contracts/erc20/abi'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../src/node/contracts/token-factory/token-factory'
import { SenderCache } from '../../src/node/mempool/sender-cache'
import type { BenchOptions } from '../types'
import { type BenchKey, benchKeys, signHash } from './keys'

const ETHER = 10n ** 18n
const GWEI = 10n ** 9n

/** Fees of every bench transaction: far above the base fee however full the blocks are. */
export const BENCH_FEES = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: GWEI } as const
/**
 * Gas limit of a Tabchain bench transfer (it uses 51,571). The block builder packs by gas limit, so
 * this keeps a block of 500 under the 30M block gas limit.
 */
export const TRANSFER_GAS = 55_000n

const MINER: Address = '0x00000000000000000000000000000000000b3c4e'

/** Shape of a transfer workload: `blocks` blocks of one transfer from each of `senders` accounts. */
export interface WorkloadShape {
  readonly senders: number
  readonly blocks: number
}

/** 5 timed blocks × 500 transfers (plus a warm-up block); the quick shape only checks the harness. */
export function workloadShape(options: BenchOptions): WorkloadShape {
  return options.quick ? { senders: 40, blocks: 2 } : { senders: 500, blocks: 5 }
}

/**
 * Sender `i` pays 1 token unit to sender `i + 1` (mod n) in every block: every transfer touches two
 * existing token balances and the sender's account, the same on Tabchain and on the EVM baseline.
 */
export function recipientOf(senders: readonly BenchKey[], i: number): Address {
  return (senders[(i + 1) % senders.length] as BenchKey).address
}

/** ABI calldata of `transfer(to, amount)`. */
export function transferData(to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
}

/** A signed EIP-1559 transaction (raw `0x02…`), signed with noble over viem's serialisation. */
export function signTx(
  key: BenchKey,
  fields: {
    chainId: number
    nonce: bigint
    to: Address
    data: Hex
    gas: bigint
    /** `BENCH_FEES` when absent. */
    fees?: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
  },
): Hex {
  const tx = {
    type: 'eip1559',
    chainId: fields.chainId,
    nonce: Number(fields.nonce),
    to: fields.to,
    data: fields.data,
    gas: fields.gas,
    value: 0n,
    ...(fields.fees ?? BENCH_FEES),
  } as const
  const sig = signHash(keccak_256(hexToBytes(serializeTransaction(tx))), key.privateKey)
  return serializeTransaction(tx, {
    r: numberToHex(sig.r, { size: 32 }),
    s: numberToHex(sig.s, { size: 32 }),
    yParity: sig.yParity,
  })
}

/** Everything the import benches need, prepared outside any timed section. */
export interface ChainWorkload {
  readonly genesis: Genesis
  /** Blocks that create the token and give every sender tokens (imported untimed). */
  readonly prep: readonly Block[]
  /** Senders of the prep transactions, by tx hash (pre-filled so prep import skips recovery). */
  readonly prepSenders: ReadonlyMap<Hex, Address>
  /** A block of the timed shape, imported untimed first (JIT and curve tables warm up). */
  readonly warmup: Uint8Array
  /** The timed blocks, encoded as they arrive from a peer. */
  readonly blocks: readonly Uint8Array[]
  /** Senders of the warm-up and timed transactions, by tx hash (for the "already cached" bench). */
  readonly senders: ReadonlyMap<Hex, Address>
  readonly txCount: number
  /** Gas used by one timed transfer. */
  readonly gasPerTx: bigint
}

/**
 * Builds a real chain: genesis funding `shape.senders` accounts and a deployer; block 1 creates a
 * token through the TokenFactory, block 2 gives every sender tokens; then a warm-up block and
 * `shape.blocks` timed blocks of freshly signed ERC20 transfers, one per sender per block. Blocks are built with the node's own
 * block builder and sealed with its miner (a test genesis with a fixed tiny difficulty), and checked
 * to import; every transfer succeeds (status 1).
 */
export function buildChainWorkload(shape: WorkloadShape): ChainWorkload {
  const [deployer] = benchKeys('deployer', 1) as [BenchKey]
  const senders = benchKeys('sender', shape.senders)
  const genesis = testGenesis({
    alloc: [
      { address: deployer.address, balance: 1000n * ETHER },
      ...senders.map((k) => ({ address: k.address, balance: ETHER })),
    ],
  })
  const chainId = genesis.params.chainId
  const cache = new SenderCache(1 << 20)
  const builder = new Chain({ genesis, senders: cache })
  const known = new Map<Hex, Address>()

  const toTx = (raw: Hex, from: Address): Tx => {
    const { yParity: _y, r: _r, s: _s, input: _i, ...fields } = decodeTx(raw, genesis.params)
    cache.set(fields.hash, from)
    known.set(fields.hash, from)
    return { ...fields, from }
  }

  const mine = (txs: readonly Tx[]): Block => {
    const parent = builder.headHeader
    const template = buildBlockTemplate({
      params: genesis.params,
      parent,
      parentState: builder.headState,
      txs,
      now: parent.timestamp + 2000n,
      miner: MINER,
    })
    if (template.block.transactions.length !== txs.length) {
      throw new Error(`bench block left out ${txs.length - template.block.transactions.length} transactions`)
    }
    const failed = template.execution.receipts.findIndex((r) => r.status !== 1)
    if (failed >= 0) throw new Error(`bench transaction ${failed} reverted`)
    let nonce = 0n
    for (;;) {
      const slice = mineSlice(template.block.header, nonce, 10_000)
      if ('found' in slice) {
        nonce = slice.found
        break
      }
      nonce = slice.next
    }
    const block = sealBlock(template.block, nonce)
    const result = builder.importBlock(block, block.header.timestamp)
    if (result.kind !== 'extended') throw new Error(`bench block did not extend the chain: ${result.kind}`)
    return block
  }

  const perSender = BigInt(shape.blocks + 1) * 10n
  const create = signTx(deployer, {
    chainId,
    nonce: 0n,
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Bench', 'BNCH', 18, perSender * BigInt(shape.senders)],
    }),
    gas: 500_000n,
  })
  const token = tokenAddress(deployer.address, 0n)
  const block1 = mine([toTx(create, deployer.address)])
  const fund = senders.map((k, i) =>
    toTx(
      signTx(deployer, {
        chainId,
        nonce: BigInt(i + 1),
        to: token,
        data: transferData(k.address, perSender),
        gas: TRANSFER_GAS,
      }),
      deployer.address,
    ),
  )
  const block2 = mine(fund)
  const prepSenders = new Map(known)
  known.clear()

  const encoded: Uint8Array[] = []
  let gasPerTx = 0n
  for (let b = 0; b <= shape.blocks; b++) {
    const txs = senders.map((k, i) =>
      toTx(
        signTx(k, {
          chainId,
          nonce: BigInt(b),
          to: token,
          data: transferData(recipientOf(senders, i), 1n),
          gas: TRANSFER_GAS,
        }),
        k.address,
      ),
    )
    const block = mine(txs)
    gasPerTx = block.header.gasUsed / BigInt(txs.length)
    encoded.push(encodeBlock(block))
  }
  const [warmup, ...blocks] = encoded as [Uint8Array, ...Uint8Array[]]
  return {
    genesis,
    prep: [block1, block2],
    prepSenders,
    warmup,
    blocks,
    senders: known,
    txCount: shape.senders * shape.blocks,
    gasPerTx,
  }
}

/**
 * A fresh node chain at the end of the prep blocks, as a node that has synced up to them: its sender
 * cache holds the prep senders and, when `cacheTimed`, the warm-up and timed blocks' senders too (as
 * when the mempool has already seen and verified every transaction). The warm-up block is not imported.
 */
export function preparedChain(w: ChainWorkload, cacheTimed: boolean): Chain {
  const cache = new SenderCache(1 << 20)
  for (const [hash, from] of w.prepSenders) cache.set(hash, from)
  if (cacheTimed) for (const [hash, from] of w.senders) cache.set(hash, from)
  const chain = new Chain({ genesis: w.genesis, senders: cache })
  for (const block of w.prep) {
    const result = chain.importBlock(block, block.header.timestamp)
    if (result.kind !== 'extended') throw new Error(`prep block did not extend the chain: ${result.kind}`)
  }
  return chain
}
