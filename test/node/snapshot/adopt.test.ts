import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { BlockError } from '../../../src/node/chain/block-error'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import type { Block } from '../../../src/node/chain/types'
import { buildBlockTemplate, mineSlice, sealBlock } from '../../../src/node/consensus/miner'
import { describeMode, parseModePin } from '../../../src/node/light/mode'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { PersistentChainStore } from '../../../src/node/storage/persistent-chain-store'
import { encodeHeadersRequest } from '../../../src/node/sync/messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { codeOf } from '../../code-of'
import { mineOn, transfer } from '../chain/chain-fixtures'

const GENESIS = testGenesis()

function mine(chain: Chain, n: number): Block[] {
  const start = BigInt(Date.now() - 10 * n - 10_000)
  const out: Block[] = []
  for (let i = 1; i <= n; i++) {
    const template = buildBlockTemplate({
      params: chain.params,
      parent: chain.head.block.header,
      parentState: chain.headState,
      txs: [],
      now: start + BigInt(10 * i),
      miner: `0x${'42'.repeat(20)}`,
    }).block
    for (let nonce = 0n; ; nonce += 1000n) {
      const r = mineSlice(template.header, nonce, 1000)
      if ('found' in r) {
        const block = sealBlock(template, r.found)
        chain.importBlock(block, BigInt(Date.now()))
        out.push(block)
        break
      }
    }
  }
  return out
}

/** The tree nodes of the state after `block` in `chain` (what a verified snapshot download yields). */
function stateNodes(chain: Chain, block: Block) {
  const nodes = []
  const stack = [block.header.stateRoot]
  while (stack.length > 0) {
    const hash = stack.pop() as `0x${string}`
    const encoded = chain.store.nodes.get(hash)
    if (encoded === undefined) throw new Error('missing node')
    nodes.push({ hash: Buffer.from(hash.slice(2), 'hex') as Uint8Array, encoded })
    if (encoded[0] === 1) {
      stack.push(`0x${Buffer.from(encoded.subarray(34, 66)).toString('hex')}`)
      stack.push(`0x${Buffer.from(encoded.subarray(66, 98)).toString('hex')}`)
    }
  }
  return nodes
}

describe('Chain.adoptSnapshot', () => {
  const source = new Chain({ genesis: GENESIS })
  const blocks = mine(source, 40)
  const at = (n: number) => blocks[n - 1] as Block
  const td = (n: number) => source.totalDifficulty(source.getBlockByNumber(BigInt(n))?.hash ?? '0x') ?? 0n

  test('a fresh chain adopts a snapshot block as its base and executes the blocks after it', () => {
    const chain = new Chain({ genesis: GENESIS })
    const own = mine(chain, 2)
    const ownStates = new Map(
      own.map((b) => [b, chain.stateAt(chain.getBlockByNumber(b.header.number)?.hash ?? '0x')]),
    )
    const stateAfter = (b: Block) => ownStates.get(b) ?? chain.headState
    chain.adoptSnapshot(at(20), td(20), stateNodes(source, at(20)))
    expect(chain.head.block.header.number).toBe(20n)
    expect(chain.base).toBe(20n)
    // The lighter chain held before left the canonical chain.
    expect(chain.getBlockByNumber(1n)).toBeUndefined()
    expect(chain.getBlock(source.getBlockByNumber(1n)?.hash ?? '0x')).toBeUndefined()
    // A block on the abandoned branch meets the chain only below its base: too deep to follow.
    const parent = own[1] as Block
    const template = buildBlockTemplate({
      params: chain.params,
      parent: parent.header,
      parentState: stateAfter(parent),
      txs: [],
      now: parent.header.timestamp + 10n,
      miner: `0x${'43'.repeat(20)}`,
    }).block
    let sealed: Block | undefined
    for (let nonce = 0n; sealed === undefined; nonce += 1000n) {
      const r = mineSlice(template.header, nonce, 1000)
      if ('found' in r) sealed = sealBlock(template, r.found)
    }
    expect(() => chain.importBlock(sealed as Block, BigInt(Date.now()))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'BLOCK_REORG_TOO_DEEP' }) }),
    )
    for (let n = 21; n <= 40; n++) expect(chain.importBlock(at(n), BigInt(Date.now())).kind).toBe('extended')
    expect(chain.head.hash).toBe(source.head.hash)
    expect(chain.head.totalDifficulty).toBe(source.head.totalDifficulty)
    expect(chain.headState.root).toBe(source.headState.root)
  })

  test('blocks held as orphans while the snapshot downloaded connect on top of the snapshot block', () => {
    const chain = new Chain({ genesis: GENESIS })
    // Blocks 21 and 22 arrive by gossip before the snapshot of block 20 is in: their parent is unknown.
    expect(chain.importBlock(at(21), BigInt(Date.now())).kind).toBe('orphan')
    expect(chain.importBlock(at(22), BigInt(Date.now())).kind).toBe('orphan')
    chain.adoptSnapshot(at(20), td(20), stateNodes(source, at(20)))
    // Block 21 again (the upgrade fetches it): it extends the snapshot block, and block 22 follows.
    const hashes = [21n, 22n].map((n) => source.getBlockByNumber(n)?.hash)
    expect(chain.importBlock(at(21), BigInt(Date.now()))).toMatchObject({
      kind: 'extended',
      head: { added: hashes },
    })
    expect(chain.head.hash).toBe(hashes[1])
    expect(chain.orphanCount).toBe(0)
  })

  test('refuses a block not ahead of the head, a state not given, and a body that does not match', () => {
    const chain = new Chain({ genesis: GENESIS })
    mine(chain, 25)
    expect(() => chain.adoptSnapshot(at(20), td(20), stateNodes(source, at(20)))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'BLOCK_NOT_ADOPTABLE' }) }),
    )
    const fresh = new Chain({ genesis: GENESIS })
    expect(() => fresh.adoptSnapshot(at(20), td(20), stateNodes(source, at(10)))).toThrow(
      /not among the nodes/,
    )
    const forged = { ...at(20), transactions: [at(20).transactions[0] ?? '0x02'] } as Block
    expect(() => fresh.adoptSnapshot(forged, td(20), stateNodes(source, at(20)))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'BLOCK_BAD_TX_ROOT' }) }),
    )
    expect(fresh.head.block.header.number).toBe(0n)
  })

  test('refuses a block further ahead whose chain claims no more work than the head', () => {
    const chain = new Chain({ genesis: GENESIS })
    mine(chain, 10)
    const head = chain.head
    const adopt = (work: bigint) => () => chain.adoptSnapshot(at(20), work, stateNodes(source, at(20)))
    expect(codeOf(BlockError, adopt(head.totalDifficulty))).toBe('BLOCK_NOT_ADOPTABLE')
    expect(chain.head.hash).toBe(head.hash)
    adopt(head.totalDifficulty + 1n)()
    expect(chain.head.block.header.number).toBe(20n)
  })

  test('headers below the base are refused, not answered short', () => {
    const chain = new Chain({ genesis: GENESIS })
    chain.adoptSnapshot(at(30), td(30), stateNodes(source, at(30)))
    const server = createSyncServer({ chain, now: () => Date.now() })
    const protocol = syncProtocols(GENESIS.params.chainId).headers
    expect(() => server.answer(protocol, encodeHeadersRequest({ from: 0n, count: 10 }), 'peer')).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_NOT_HELD', from: 1n }) }),
    )
    expect(server.answer(protocol, encodeHeadersRequest({ from: 30n, count: 10 }), 'peer')).toBeInstanceOf(
      Uint8Array,
    )
  })
})

describe('mode', () => {
  test('pins parse and modes describe themselves (the worker init check: test/node/worker)', () => {
    expect(parseModePin('light')).toBe('light')
    expect(parseModePin('turbo')).toBeUndefined()
    expect(parseModePin(null)).toBeUndefined()
    expect(describeMode({ kind: 'upgrading', percent: 42.7 })).toBe('upgrading 42 %')
    expect(describeMode({ kind: 'full' })).toBe('full')
  })
})

describe('a chain started from a snapshot, stored', () => {
  test('reopens from its repository at the same head, base and state, and goes on importing', async () => {
    const source = new Chain({ genesis: GENESIS })
    const blocks = mine(source, 30)
    const at = (n: number) => blocks[n - 1] as Block
    const backend = createMemoryBackend()
    const identity = { chainId: GENESIS.params.chainId, genesisHash: source.genesisHash }
    const repo = await openMemoryRepository({ backend, chain: identity })
    const store = await PersistentChainStore.open(repo)
    const chain = new Chain({ genesis: GENESIS, store })
    const td = source.totalDifficulty(source.getBlockByNumber(20n)?.hash ?? '0x') ?? 0n
    await store.loaded
    chain.adoptSnapshot(at(20), td, stateNodes(source, at(20)))
    for (let n = 21; n <= 25; n++) chain.importBlock(at(n), BigInt(Date.now()))
    await store.flush()
    repo.close()

    const reopened = await openMemoryRepository({ backend, chain: identity })
    const again = await PersistentChainStore.open(reopened)
    await again.loaded
    const chain2 = new Chain({ genesis: GENESIS, store: again })
    expect(chain2.head.hash).toBe(source.getBlockByNumber(25n)?.hash)
    expect(chain2.base).toBe(20n)
    expect(chain2.headState.root).toBe(at(25).header.stateRoot)
    for (let n = 26; n <= 30; n++) expect(chain2.importBlock(at(n), BigInt(Date.now())).kind).toBe('extended')
    expect(chain2.head.hash).toBe(source.head.hash)
    expect(chain2.head.totalDifficulty).toBe(source.head.totalDifficulty)
  })

  test('is adopted only once a reopened store has loaded its older blocks; none of their transactions then stays indexed', async () => {
    const backend = createMemoryBackend()
    const identity = {
      chainId: GENESIS.params.chainId,
      genesisHash: new Chain({ genesis: GENESIS }).genesisHash,
    }
    // A tab mined 6 blocks of its own, one transfer each, and was closed.
    const repo = await openMemoryRepository({ backend, chain: identity })
    const store = await PersistentChainStore.open(repo)
    const own = new Chain({ genesis: GENESIS, store })
    const mined: Hex[] = []
    for (let i = 0; i < 6; i++) {
      const tx = parseTx(await transfer(0, { nonce: i }, GENESIS.params.chainId), GENESIS.params)
      const block = mineOn(own, [tx])
      own.importBlock(block, block.header.timestamp)
      mined.push(tx.hash)
    }
    await store.flush()
    repo.close()
    const source = new Chain({ genesis: GENESIS })
    const snapshot = mine(source, 20)[19] as Block
    const td = source.head.totalDifficulty

    // Reopened with a recent window shorter than its chain: blocks 1 to 4 load in the background.
    const reopened = await openMemoryRepository({ backend, chain: identity })
    const again = await PersistentChainStore.open(reopened, { recentBlocks: 2 })
    const chain = new Chain({ genesis: GENESIS, store: again })
    expect(codeOf(BlockError, () => chain.adoptSnapshot(snapshot, td, stateNodes(source, snapshot)))).toBe(
      'BLOCK_NOT_ADOPTABLE',
    )
    expect(chain.head.block.header.number).toBe(6n)
    await again.loaded
    chain.adoptSnapshot(snapshot, td, stateNodes(source, snapshot))
    await again.flush()
    reopened.close()
    expect(chain.getBlockByNumber(1n)).toBeUndefined()
    expect(
      mined.filter((h) => chain.getTransaction(h) !== undefined || chain.getReceipt(h) !== undefined),
    ).toEqual([])
    // Nor in the repository, for the next reload.
    const last = await openMemoryRepository({ backend, chain: identity })
    const stored: Hex[] = []
    for (const h of mined) if ((await last.getTxLocation(h)) !== undefined) stored.push(h)
    last.close()
    expect(stored).toEqual([])
  })
})

describe('Chain.base', () => {
  /** A memory store counting its block lookups. */
  class CountingStore extends MemoryChainStore {
    lookups = 0
    override getBlock(hash: Hex) {
      this.lookups++
      return super.getBlock(hash)
    }
  }

  test('answers in a lookup or two per call, not a walk down the chain, and the same through new blocks, a snapshot and a reopened store', async () => {
    const source = new Chain({ genesis: GENESIS })
    const blocks = mine(source, 40)
    const at = (n: number) => blocks[n - 1] as Block
    const now = BigInt(Date.now())
    const store = new CountingStore()
    const chain = new Chain({ genesis: GENESIS, store })
    for (let n = 1; n <= 30; n++) chain.importBlock(at(n), now)
    expect(chain.base).toBe(0n)
    chain.importBlock(at(31), now)
    store.lookups = 0
    expect(chain.base).toBe(0n)
    expect(store.lookups).toBeLessThanOrEqual(2)

    // A chain whose base was the genesis adopts a snapshot: its base is the snapshot block from then on.
    const fresh = new Chain({ genesis: GENESIS, store: new CountingStore() })
    expect(fresh.base).toBe(0n)
    const td = source.totalDifficulty(source.getBlockByNumber(20n)?.hash ?? '0x') ?? 0n
    fresh.adoptSnapshot(at(20), td, stateNodes(source, at(20)))
    expect(fresh.base).toBe(20n)
    for (let n = 21; n <= 30; n++) fresh.importBlock(at(n), now)
    const counted = fresh.store as CountingStore
    counted.lookups = 0
    expect(fresh.base).toBe(20n)
    expect(counted.lookups).toBeLessThanOrEqual(2)

    // A reopened store holds its recent blocks first: the base is the lowest of them until the rest loads.
    const backend = createMemoryBackend()
    const identity = { chainId: GENESIS.params.chainId, genesisHash: source.genesisHash }
    const repo = await openMemoryRepository({ backend, chain: identity })
    const stored = await PersistentChainStore.open(repo)
    const first = new Chain({ genesis: GENESIS, store: stored })
    for (let n = 1; n <= 40; n++) first.importBlock(at(n), now)
    await stored.flush()
    repo.close()
    const reopened = await openMemoryRepository({ backend, chain: identity })
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const loadChain = reopened.loadChain.bind(reopened)
    reopened.loadChain = async () => {
      await gate
      return loadChain()
    }
    const again = await PersistentChainStore.open(reopened, { recentBlocks: 8 })
    const chain2 = new Chain({ genesis: GENESIS, store: again })
    const loading = chain2.base
    expect(loading).toBeGreaterThan(0n)
    expect(chain2.base).toBe(loading)
    release()
    await again.loaded
    expect(chain2.base).toBe(0n)
    reopened.close()
  })
})
