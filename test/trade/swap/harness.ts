import { mnemonicToSeedSync } from '@scure/bip39'
import { type Address, encodeFunctionData, type Hex, keccak256, stringToHex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Genesis, Tx } from '../../../src/node/chain/types'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { Mempool } from '../../../src/node/mempool/mempool'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { createQueries, type QueryApi, type TxView } from '../../../src/node/worker/queries'
import { type SwapChain, SwapDriver, type SwapSigner } from '../../../src/trade/swap/driver'
import { hashlockOf, swapKeyFromSeed, swapSecret } from '../../../src/trade/swap/secret'
import { type SwapRepository, SwapStore } from '../../../src/trade/swap/store'
import { minMakerTimelock, type SwapTerms } from '../../../src/trade/swap/terms'
import { mineOn } from '../../node/chain/chain-fixtures'

/** The Hardhat test mnemonic: accounts 1 (maker) and 2 (taker) are funded by the test genesis. */
const MNEMONIC = 'test test test test test test test test test test test junk'
/**
 * The test genesis, refusing reorgs deeper than 2k blocks (64 by default): a swap is done once settled
 * that deep, k blocks after its settlement is trusted.
 */
export const GENESIS = testGenesis({ params: { maxReorgDepth: 2 * testGenesis().params.confirmations } })
export const K = GENESIS.params.confirmations
/** Confirmations a settlement needs before its swap is done: past the deepest reorg the chain takes. */
export const FINAL = GENESIS.params.maxReorgDepth + 1
export const TAKER_BLOCKS = 12n
export const MAKER_BLOCKS = minMakerTimelock(TAKER_BLOCKS, K)
export const SUPPLY = 1_000_000n

/** Senders of no swap, funded by `CROWDED_GENESIS` only: 16 of them fill 256 slots of a pool (16 each). */
const CROWD = Array.from({ length: 16 }, (_, i) => privateKeyToAccount(keccak256(stringToHex(`crowd ${i}`))))
/** `GENESIS` (same chain id and accounts) that also funds the crowd `crowd` sends from. */
export const CROWDED_GENESIS = testGenesis({
  params: GENESIS.params,
  alloc: [
    ...GENESIS.alloc,
    ...CROWD.map((a) => ({ address: a.address.toLowerCase() as Address, balance: 10n ** 21n })),
  ],
})

/**
 * Fills `chain`'s pool (on `CROWDED_GENESIS`) with `count` executable transfers of the crowd, each
 * sender's next nonces, tipping `tip` wei per gas: a busy pool, every one of them listed before any
 * transaction tipping less.
 */
export async function crowd(chain: TestChain, count: number, tip: bigint): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sender = CROWD[i % CROWD.length] as (typeof CROWD)[number]
    const nonce = await chain.pendingNonce(sender.address)
    const raw = await sender.signTransaction({
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
      nonce: Number(nonce),
      to: '0x00000000000000000000000000000000000000f1',
      gas: 21_000n,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: tip,
    })
    await chain.sendRawTransaction(raw)
  }
}

/**
 * Sends `count` executable transfers from `filler`'s next nonces, each tipping `tip` wei per gas: a flood
 * that fills `chain`'s pool (gapped transactions never evict executable ones; these are not gapped).
 */
export async function flood(chain: TestChain, filler: SwapSigner, count: number, tip: bigint): Promise<void> {
  const next = Number(await chain.pendingNonce(filler.address))
  for (let nonce = next; nonce < next + count; nonce++) {
    const tx = {
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
      nonce,
      to: '0x00000000000000000000000000000000000000f1',
      gas: 21_000n,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: tip,
    } as const
    await chain.sendRawTransaction(await filler.signTransaction(tx, await chain.fees()))
  }
}

/**
 * One chain in-process (the real `Chain`, `Mempool` and node queries on the test genesis) that both
 * parties use as their node, and that a test mines one block at a time.
 */
export class TestChain implements SwapChain {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly queries: QueryApi

  /**
   * @param genesis the test genesis by default (another one must keep its chain id and accounts).
   * @param maxTotal the mempool's capacity in slots (its default unless set).
   */
  constructor(genesis: Genesis = GENESIS, maxTotal?: number) {
    this.chain = new Chain({ genesis })
    this.mempool = new Mempool(
      {
        params: genesis.params,
        senders: this.chain.senders,
        ...(maxTotal === undefined ? {} : { maxTotal }),
      },
      this.chain.mempoolView(),
    )
    this.queries = createQueries({
      chain: this.chain,
      mempool: this.mempool,
      coinbase: '0x00000000000000000000000000000000000000c0',
      now: () => Number(this.chain.headHeader.timestamp),
    })
  }

  get height(): bigint {
    return this.chain.headHeader.number
  }

  /** Mines `txs` (the mempool's executable transactions unless given) into the next block. */
  mine(txs: readonly Tx[] = this.mempool.pending()): void {
    const now = this.chain.headHeader.timestamp + 2_000n
    const block = mineOn(this.chain, txs, { now })
    const result = this.chain.importBlock(block, now)
    if (result.kind !== 'extended') throw new Error(`block not imported: ${result.kind}`)
    this.mempool.onHead(this.chain.mempoolView(), result.head.mined, result.head.orphaned)
  }

  /**
   * Replaces the last `depth` blocks with `depth + 1` empty ones (a heavier branch from their parent):
   * their transactions go back to the mempool, as a node's reorg does.
   */
  reorg(depth: number): void {
    let parent = this.chain.getBlockByNumber(this.height - BigInt(depth))?.hash
    for (let i = 0; i <= depth; i++) {
      if (parent === undefined) throw new Error('no such block')
      const header = this.chain.getHeader(parent)
      const now = (header?.timestamp ?? 0n) + 2_001n
      const block = mineOn(this.chain, [], { parentHash: parent, now })
      const result = this.chain.importBlock(block, now)
      if (result.kind === 'reorg' || result.kind === 'extended') {
        this.mempool.onHead(this.chain.mempoolView(), result.head.mined, result.head.orphaned)
      }
      parent = result.hash
    }
  }

  async head() {
    return { number: this.height }
  }
  async header(number: bigint) {
    const hash = this.chain.getBlockByNumber(number)?.hash
    return hash === undefined ? null : { hash }
  }
  logs: SwapChain['logs'] = (q) => this.queries.logs(q)
  transaction: SwapChain['transaction'] = (h) => this.queries.transaction(h)
  receipt: SwapChain['receipt'] = (h) => this.queries.receipt(h)
  pendingNonce: SwapChain['pendingNonce'] = (a) => this.queries.pendingNonce(a)
  fees: SwapChain['fees'] = () => this.queries.fees()
  pendingCalls: SwapChain['pendingCalls'] = (to, from) => this.queries.pendingCalls(to, from)
  /** The mempool's first executable transactions, as a node lists them (at most `MAX_LIST`). */
  pendingTransactions = (): Promise<TxView[]> => this.queries.pendingTransactions()
  tokenAllowance: SwapChain['tokenAllowance'] = (t, o, s) => this.queries.tokenAllowance(t, o, s)
  async account(address: Address) {
    return { nonce: this.chain.headState.getAccount(address.toLowerCase() as Address).nonce }
  }
  async sendRawTransaction(raw: Hex): Promise<Hex> {
    return this.mempool.add(raw).hash
  }

  balance(token: Address, holder: Address): Promise<bigint> {
    return this.queries.tokenBalance(token, holder)
  }
}

/** A test wallet: Hardhat account `index`, its swap key derived from the mnemonic's seed. */
export function testSigner(index: number): SwapSigner & { readonly swapKey: Uint8Array } {
  const account = mnemonicToAccount(MNEMONIC, { addressIndex: index })
  const swapKey = swapKeyFromSeed(mnemonicToSeedSync(MNEMONIC))
  return {
    address: account.address.toLowerCase() as Address,
    swapKey,
    signTransaction: (tx) => account.signTransaction(tx),
    secret: async (terms) => swapSecret(swapKey, terms.chainId, terms.offerId),
  }
}

/** Creates a token owned by `signer` with `SUPPLY` base units and mines it; returns its address. */
export async function createToken(chain: TestChain, signer: SwapSigner, symbol: string): Promise<Address> {
  const nonce = await chain.pendingNonce(signer.address)
  const fees = await chain.fees()
  const raw = await signer.signTransaction(
    {
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
      nonce: Number(nonce),
      to: TOKEN_FACTORY_ADDRESS,
      data: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: [symbol, symbol, 18, SUPPLY],
      }),
      gas: 400_000n,
      maxFeePerGas: 2n * fees.nextBaseFee + fees.suggestedTip,
      maxPriorityFeePerGas: fees.suggestedTip,
    },
    fees,
  )
  await chain.sendRawTransaction(raw)
  chain.mine()
  return tokenAddress(signer.address, nonce)
}

/** One party: its signer, its profile's repository (memory twin) and a driver over them. */
export interface Party {
  readonly signer: ReturnType<typeof testSigner>
  readonly repo: SwapRepository
  driver: SwapDriver
}

export async function party(chain: SwapChain, index: number, repo?: SwapRepository): Promise<Party> {
  const signer = testSigner(index)
  const r =
    repo ??
    (await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: GENESIS.params.chainId, genesisHash: keccak256(stringToHex(GENESIS.name)) },
    }))
  return { signer, repo: r, driver: driverFor(chain, signer, r) }
}

/** A fresh driver (no memory of its own) on a party's repository: what a reloaded node builds. */
export function driverFor(
  chain: SwapChain,
  signer: SwapSigner,
  repo: SwapRepository,
  watchtower = true,
): SwapDriver {
  return new SwapDriver({
    chain,
    signer,
    store: new SwapStore(repo),
    chainId: GENESIS.params.chainId,
    confirmations: K,
    maxReorgDepth: GENESIS.params.maxReorgDepth,
    watchtower,
  })
}

/** Terms for `offer`: the maker sells `amountA` of `tokenA` for `amountB` of `tokenB`. */
export function termsFor(
  chain: TestChain,
  maker: Party,
  taker: Party,
  tokenA: Address,
  tokenB: Address,
  offer = 'offer-1',
  amountA = 100n,
  amountB = 250n,
): SwapTerms {
  const offerId = keccak256(stringToHex(offer))
  return {
    chainId: GENESIS.params.chainId,
    offerId,
    maker: maker.signer.address,
    taker: taker.signer.address,
    tokenA,
    amountA,
    tokenB,
    amountB,
    makerTimelockBlocks: MAKER_BLOCKS,
    takerTimelockBlocks: TAKER_BLOCKS,
    hashlock: hashlockOf(swapSecret(maker.signer.swapKey, GENESIS.params.chainId, offerId)),
    acceptedHeight: chain.height,
  }
}

/** Sum of `token` over the two parties and the HTLC: a swap never changes it. */
export async function tokenTotal(
  chain: TestChain,
  token: Address,
  parties: readonly Party[],
): Promise<bigint> {
  let sum = await chain.balance(token, HTLC_ADDRESS)
  for (const p of parties) sum += await chain.balance(token, p.signer.address)
  return sum
}
