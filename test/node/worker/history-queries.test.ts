import { encodeFunctionData } from 'viem'
import { describe, expect, test } from 'vitest'
import { encodeBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { memoryHub } from '../../../src/node/network/memory'
import { chainTopic } from '../../../src/node/network/protocol'
import { NodeError } from '../../../src/node/rpc/errors'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { PersistentChainStore } from '../../../src/node/storage/persistent-chain-store'
import type { NodeRepository } from '../../../src/node/storage/types'
import { addressOf, mineOn, snapshotStore, type TransferOpts, transfer } from '../chain/chain-fixtures'
import { startMemoryNode } from './memory-node'

const GENESIS = testGenesis()
const CHAIN_ID = GENESIS.params.chainId
const RECENT = 3

/**
 * The profile's repository as a reopened tab reads it, its background load of older blocks held until
 * `release()` (a slow disk): the node starts on the recent blocks alone.
 */
function slowHistory(repo: NodeRepository): { repo: NodeRepository; release: () => void } {
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const loadChain: NodeRepository['loadChain'] = async () => {
    await gate
    return repo.loadChain()
  }
  const get = (r: NodeRepository, k: string | symbol): unknown => {
    if (k === 'loadChain') return loadChain
    const v: unknown = Reflect.get(r, k)
    return typeof v === 'function' ? v.bind(r) : v
  }
  return { repo: new Proxy(repo, { get }), release }
}

/** A call to the factory creating token `symbol` (named the same), 5 units to the sender. */
const createToken = (symbol: string): Partial<TransferOpts> => ({
  to: TOKEN_FACTORY_ADDRESS,
  value: 0n,
  gas: 300_000n,
  data: encodeFunctionData({
    abi: tokenFactoryAbi,
    functionName: 'createToken',
    args: [symbol, symbol, 0, 5n],
  }),
})

describe('queries over a chain whose older blocks are still loading', () => {
  test('a transaction, its receipt, its logs and its token below the recent blocks are found once loaded, never answered as absent', async () => {
    const repo = await openMemoryRepository({
      backend: createMemoryBackend(),
      chain: { chainId: CHAIN_ID, genesisHash: new Chain({ genesis: GENESIS }).genesisHash },
    })
    const first = await PersistentChainStore.open(repo)
    const chain = new Chain({ genesis: GENESIS, store: first })
    // Block 1 creates a token (a log); then blocks of plain transfers push it below the recent window.
    const create = await transfer(0, { nonce: 0, ...createToken('OLD') }, CHAIN_ID)
    const raws = [create]
    for (let nonce = 1; nonce <= RECENT + 3; nonce++) raws.push(await transfer(0, { nonce }, CHAIN_ID))
    for (const raw of raws) {
      const block = mineOn(chain, [parseTx(raw, GENESIS.params)])
      expect(chain.importBlock(block, block.header.timestamp).kind).toBe('extended')
    }
    await first.flush()
    const created = parseTx(create, GENESIS.params).hash

    const slow = slowHistory(repo)
    const store = await PersistentChainStore.open(slow.repo, { recentBlocks: RECENT })
    const node = await startMemoryNode(memoryHub(), 'A', GENESIS, { repo: slow.repo, store })
    const query = { fromBlock: 1n, address: TOKEN_FACTORY_ADDRESS } as const
    const answers = Promise.all([
      node.api.transaction(created),
      node.api.receipt(created),
      node.api.logs(query),
      node.api.tokens(),
    ])
    let answered = false
    void answers.then(() => {
      answered = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(answered).toBe(false)
    slow.release()
    const [tx, receipt, logs, tokens] = await answers
    expect(tx).toMatchObject({ hash: created, blockNumber: 1n, state: 'mined' })
    expect(receipt).toMatchObject({ transactionHash: created, blockNumber: 1n, status: 'success' })
    expect(logs.map((l) => [l.blockNumber, l.transactionHash])).toEqual([[1n, created]])
    // The token index too: built on the recent blocks alone, it would have skipped block 1 for good.
    expect(tokens.map((t) => t.symbol)).toEqual(['OLD'])
    // Unknown is still unknown, once the history is there.
    expect(await node.api.transaction(`0x${'ab'.repeat(32)}`)).toBeNull()
    expect(await node.api.receipt(`0x${'ab'.repeat(32)}`)).toBeNull()
    node.stop()
  })

  test('a log range below the blocks a node holds (started from a snapshot) is NODE_HISTORY_MISSING, not a partial answer', async () => {
    const full = new Chain({ genesis: GENESIS })
    for (let nonce = 0; nonce < 4; nonce++) {
      const block = mineOn(full, [parseTx(await transfer(0, { nonce }, CHAIN_ID), GENESIS.params)])
      full.importBlock(block, block.header.timestamp)
    }
    const store = snapshotStore(GENESIS, full, 3n)
    const node = await startMemoryNode(memoryHub(), 'B', GENESIS, { store })
    const refused = await node.api.logs({ fromBlock: 1n, toBlock: 3n }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(NodeError)
    expect((refused as NodeError).type).toEqual({ code: 'NODE_HISTORY_MISSING', number: 1n, base: 3n })
    expect((refused as NodeError).message).toBe(
      'the logs of block #1 are not held here: this node started from a snapshot at block #3 and holds the logs of the blocks after it',
    )
    // The base block itself is held without its receipts: its logs are missing too, not empty.
    const base = await node.api.logs({ fromBlock: 3n, toBlock: 3n }).catch((e: unknown) => e)
    expect((base as NodeError).type).toEqual({ code: 'NODE_HISTORY_MISSING', number: 3n, base: 3n })
    expect(await node.api.logs({ fromBlock: 4n, toBlock: 4n })).toEqual([])
    node.stop()
  })

  test('a node started from a snapshot lists the tokens created and moved after its base', async () => {
    const full = new Chain({ genesis: GENESIS })
    const mine = async (nonce: number, extra: Partial<TransferOpts> = {}) => {
      const block = mineOn(full, [parseTx(await transfer(0, { nonce, ...extra }, CHAIN_ID), GENESIS.params)])
      full.importBlock(block, block.header.timestamp)
    }
    await mine(0, createToken('OLD'))
    await mine(1)
    await mine(2)
    const store = snapshotStore(GENESIS, full, 3n)
    const node = await startMemoryNode(memoryHub(), 'C', GENESIS, { store })
    // A token created after the base, in a block a peer gossips.
    await mine(3, createToken('NEW'))
    const block = full.getBlockByNumber(4n)?.block
    if (block === undefined) throw new Error('no block 4')
    expect(await node.sink.gossip(chainTopic(CHAIN_ID, 'blocks'), encodeBlock(block), 'P')).toBe('accept')
    expect((await node.api.head()).number).toBe(4n)
    const sender = addressOf(0)
    const listed = (await node.api.tokens()).map((t) => t.symbol)
    expect(listed).toEqual(['NEW'])
    expect((await node.api.tokenHoldings(sender)).map((h) => h.token.symbol)).toEqual(['NEW'])
    const created = (await node.api.tokens())[0]?.address ?? '0x'
    expect(await node.api.tokenTransfers(created, 10)).toHaveLength(1)
    node.stop()
  })
})
