import { type Address, getAddress, type Hex, keccak256, stringToHex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { Log, Receipt } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import type { TrieNodeRecord } from '../../../src/node/state/trie'
import { StorageError, type StorageErrorType } from '../../../src/node/storage/errors'
import type {
  BeforeWriteHook,
  BlockCommit,
  BlockRecord,
  ChainIdentity,
  LogRecord,
  NodeRepository,
} from '../../../src/node/storage/types'

/** One profile's storage: every `open` of the same harness sees what earlier opens committed. */
export interface RepositoryHarness {
  open(options: { chain: ChainIdentity; beforeWrite?: BeforeWriteHook }): Promise<NodeRepository>
}

const CHAIN: ChainIdentity = { chainId: 31337, genesisHash: keccak256(stringToHex('genesis')) }
const OTHER_CHAIN: ChainIdentity = { chainId: 31338, genesisHash: keccak256(stringToHex('other genesis')) }

const TOKEN: Address = '0x00000000000000000000000000000000000010aa'
const HTLC: Address = '0x0000000000000000000000000000000000001002'
const TRANSFER = keccak256(stringToHex('Transfer(address,address,uint256)'))
const LOCKED = keccak256(stringToHex('Locked(bytes32)'))

const h = (label: string): Hex => keccak256(stringToHex(label))

function log(address: Address, topic0: Hex | undefined, data: Hex): Log {
  return { address, topics: topic0 === undefined ? [] : [topic0, h(`t1-${data}`)], data }
}

/**
 * A synthetic block (the repository stores what it is given; it does not check hashes). Each tx
 * `label` gets a receipt with the given logs.
 */
function block(
  number: bigint,
  branch: string,
  parent: Hex,
  txs: readonly { label: string; logs: Log[] }[],
): BlockRecord {
  const hash = h(`block-${number}-${branch}`)
  const receipts: Receipt[] = txs.map((tx, i) => ({
    transactionHash: h(tx.label),
    status: 1,
    gasUsed: 21_000n,
    cumulativeGasUsed: 21_000n * BigInt(i + 1),
    effectiveGasPrice: 7n,
    logs: tx.logs,
    logsBloom: `0x${'00'.repeat(256)}`,
  }))
  return {
    hash,
    block: {
      header: {
        parentHash: parent,
        number,
        timestamp: 1_700_000_000_000n + number * 2000n,
        miner: '0x1111111111111111111111111111111111111111',
        stateRoot: h(`state-${number}-${branch}`),
        transactionsRoot: h(`txroot-${number}-${branch}`),
        receiptsRoot: h(`rroot-${number}-${branch}`),
        logsBloom: `0x${'00'.repeat(256)}`,
        gasLimit: 30_000_000n,
        gasUsed: 21_000n * BigInt(txs.length),
        baseFeePerGas: 7n,
        difficulty: 100n,
        nonce: number * 31n,
      },
      transactions: txs.map((tx) => stringToHex(`raw-${tx.label}`)),
    },
    totalDifficulty: 100n * (number + 1n),
    txHashes: txs.map((tx) => h(tx.label)),
    receipts,
  }
}

function nodes(label: string, count: number): TrieNodeRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const encoded = new TextEncoder().encode(`${label}-${i}`)
    return { hash: fromHex(h(`${label}-${i}`)), encoded }
  })
}

/** The commit a chain makes when `b` extends the canonical head. */
function extend(b: BlockRecord, stateNodes: TrieNodeRecord[] = []): BlockCommit {
  const number = b.block.header.number
  return {
    blocks: [b],
    stateNodes,
    canonical: [{ number, hash: b.hash }],
    txIndex: b.txHashes.map((hash, index) => ({
      hash,
      location: { blockHash: b.hash, blockNumber: number, index },
    })),
    head: { hash: b.hash, number, totalDifficulty: b.totalDifficulty },
  }
}

async function expectStorageError(
  p: Promise<unknown>,
  code: StorageErrorType['code'],
): Promise<StorageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(StorageError)
  expect((err as StorageError).type.code).toBe(code)
  return err as StorageError
}

/** A base chain: genesis, block 1 (a token transfer) and block 2 (an HTLC lock and a transfer). */
function baseChain() {
  const g = block(0n, 'a', `0x${'00'.repeat(32)}`, [])
  const b1 = block(1n, 'a', g.hash, [{ label: 'tx1', logs: [log(TOKEN, TRANSFER, '0x01')] }])
  const b2 = block(2n, 'a', b1.hash, [
    { label: 'tx2', logs: [log(HTLC, LOCKED, '0x02'), log(TOKEN, TRANSFER, '0x03')] },
    { label: 'tx3', logs: [] },
  ])
  return { g, b1, b2 }
}

/** Everything a reader can see, to compare a store before and after a refused write. */
async function snapshot(repo: NodeRepository, hashes: readonly Hex[]) {
  const stateNodes: TrieNodeRecord[] = []
  await repo.loadStateNodes((batch) => stateNodes.push(...batch))
  return {
    head: await repo.getHead(),
    blocks: await Promise.all(hashes.map((x) => repo.getBlock(x))),
    canonical: await Promise.all([0n, 1n, 2n, 3n].map((n) => repo.getCanonicalHash(n))),
    tx: await Promise.all(['tx1', 'tx2', 'tx4'].map((l) => repo.getTxLocation(h(l)))),
    logs: await repo.getLogs({ fromBlock: 0n, toBlock: 10n }),
    stateNodes: stateNodes.map((n) => toHex(n.hash)).sort(),
    meta: await repo.getMeta('setting'),
  }
}

/**
 * The storage contract every `NodeRepository` implementation must keep (issue 4, item 1). `factory`
 * makes a fresh, empty profile per test.
 */
export function runStorageCompliance(name: string, factory: () => RepositoryHarness): void {
  describe(`NodeRepository compliance: ${name}`, () => {
    test('an empty repository has no head, blocks, logs or state', async () => {
      const repo = await factory().open({ chain: CHAIN })
      expect(await repo.getHead()).toBeUndefined()
      expect(await repo.getBlock(h('nothing'))).toBeUndefined()
      expect(await repo.getBlockByNumber(0n)).toBeUndefined()
      expect(await repo.getReceipts(h('nothing'))).toEqual([])
      expect(await repo.getReceipt(h('tx1'))).toBeUndefined()
      expect(await repo.getLogs({ fromBlock: 0n, toBlock: 100n })).toEqual([])
      expect(await repo.loadStateNodes(() => expect.fail('no batch expected'))).toBe(0)
      repo.close()
    })

    test('every record kind round-trips', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      const stateNodes = nodes('n', 10)
      await repo.commitBlock(extend(g, stateNodes.slice(0, 4)))
      await repo.commitBlock(extend(b1, stateNodes.slice(4)))
      await repo.commitBlock(extend(b2))

      expect(await repo.getHead()).toEqual({ hash: b2.hash, number: 2n, totalDifficulty: 300n })
      expect(await repo.getBlock(b1.hash)).toEqual(b1)
      expect(await repo.getBlock(b2.hash.toUpperCase().replace('0X', '0x') as Hex)).toEqual(b2)
      expect(await repo.getBlockByNumber(2n)).toEqual(b2)
      expect(await repo.getCanonicalHash(0n)).toBe(g.hash)
      expect(await repo.getHeader(b1.hash)).toEqual({
        hash: b1.hash,
        header: b1.block.header,
        totalDifficulty: b1.totalDifficulty,
      })
      expect(await repo.getReceipts(b2.hash)).toEqual(b2.receipts)
      expect(await repo.getTxLocation(h('tx3'))).toEqual({ blockHash: b2.hash, blockNumber: 2n, index: 1 })
      expect(await repo.getReceipt(h('tx3'))).toEqual({
        receipt: b2.receipts[1],
        location: { blockHash: b2.hash, blockNumber: 2n, index: 1 },
      })

      const [first] = stateNodes
      expect(await repo.getStateNode(toHex(first?.hash ?? new Uint8Array()))).toEqual(first?.encoded)
      const batches: number[] = []
      const loaded: TrieNodeRecord[] = []
      expect(
        await repo.loadStateNodes((batch) => {
          batches.push(batch.length)
          loaded.push(...batch)
        }, 3),
      ).toBe(10)
      expect(batches).toEqual([3, 3, 3, 1])
      const byHash = (a: TrieNodeRecord, b: TrieNodeRecord) => toHex(a.hash).localeCompare(toHex(b.hash))
      expect(loaded.sort(byHash)).toEqual([...stateNodes].sort(byHash))

      expect(await repo.getLogs({ fromBlock: 0n, toBlock: 2n })).toEqual([
        {
          ...log(TOKEN, TRANSFER, '0x01'),
          blockNumber: 1n,
          blockHash: b1.hash,
          transactionHash: h('tx1'),
          transactionIndex: 0,
          logIndex: 0,
        },
        {
          ...log(HTLC, LOCKED, '0x02'),
          blockNumber: 2n,
          blockHash: b2.hash,
          transactionHash: h('tx2'),
          transactionIndex: 0,
          logIndex: 0,
        },
        {
          ...log(TOKEN, TRANSFER, '0x03'),
          blockNumber: 2n,
          blockHash: b2.hash,
          transactionHash: h('tx2'),
          transactionIndex: 0,
          logIndex: 1,
        },
      ])

      await repo.putMeta('setting', { mining: true, peers: [1n, 2n] }, { durability: 'strict' })
      expect(await repo.getMeta('setting')).toEqual({ mining: true, peers: [1n, 2n] })
      repo.close()
    })

    test('stored values are copies: mutating an input or a result changes nothing stored', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g } = baseChain()
      const [node] = nodes('copy', 1)
      if (node === undefined) throw new Error('fixture')
      await repo.commitBlock(extend(g, [node]))
      node.encoded[0] = 0xff
      const read = await repo.getStateNode(toHex(node.hash))
      expect(read?.[0]).toBe('c'.charCodeAt(0))
      if (read !== undefined) read[0] = 0xee
      expect((await repo.getStateNode(toHex(node.hash)))?.[0]).toBe('c'.charCodeAt(0))
      repo.close()
    })

    test('header-only records are headers, not blocks', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { b1 } = baseChain()
      await repo.commitBlock({ headers: [{ hash: b1.hash, header: b1.block.header, totalDifficulty: 200n }] })
      expect(await repo.getHeader(b1.hash)).toEqual({
        hash: b1.hash,
        header: b1.block.header,
        totalDifficulty: 200n,
      })
      expect(await repo.getBlock(b1.hash)).toBeUndefined()
      expect(await repo.getHead()).toBeUndefined()
      repo.close()
    })

    test('a reorg rewrites canonical heights, the tx index and the logs that answer', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      const b3 = block(3n, 'a', b2.hash, [{ label: 'tx4', logs: [log(TOKEN, TRANSFER, '0x04')] }])
      for (const b of [g, b1, b2, b3]) await repo.commitBlock(extend(b))

      // Branch b from block 1: tx2 moves to 2b, tx3 and tx4 leave the chain, the chain gets shorter.
      const b2b = block(2n, 'b', b1.hash, [{ label: 'tx2', logs: [log(HTLC, LOCKED, '0x22')] }])
      await repo.commitBlock({
        blocks: [b2b],
        canonical: [
          { number: 2n, hash: b2b.hash },
          { number: 3n, hash: undefined },
        ],
        txIndex: [
          { hash: h('tx2'), location: { blockHash: b2b.hash, blockNumber: 2n, index: 0 } },
          { hash: h('tx3'), location: undefined },
          { hash: h('tx4'), location: undefined },
        ],
        head: { hash: b2b.hash, number: 2n, totalDifficulty: 1000n },
      })

      expect(await repo.getHead()).toEqual({ hash: b2b.hash, number: 2n, totalDifficulty: 1000n })
      expect(await repo.getCanonicalHash(2n)).toBe(b2b.hash)
      expect(await repo.getCanonicalHash(3n)).toBeUndefined()
      expect(await repo.getBlockByNumber(2n)).toEqual(b2b)
      expect(await repo.getBlockByNumber(3n)).toBeUndefined()
      // Orphaned blocks stay stored (a later reorg may return to them).
      expect(await repo.getBlock(b2.hash)).toEqual(b2)
      expect(await repo.getBlock(b3.hash)).toEqual(b3)
      expect(await repo.getTxLocation(h('tx2'))).toEqual({ blockHash: b2b.hash, blockNumber: 2n, index: 0 })
      expect((await repo.getReceipt(h('tx2')))?.receipt).toEqual(b2b.receipts[0])
      expect(await repo.getTxLocation(h('tx3'))).toBeUndefined()
      expect(await repo.getReceipt(h('tx4'))).toBeUndefined()
      const logs = await repo.getLogs({ fromBlock: 0n, toBlock: 10n })
      expect(logs.map((l) => [l.blockHash, l.data])).toEqual([
        [b1.hash, '0x01'],
        [b2b.hash, '0x22'],
      ])
      repo.close()
    })

    test('loadChain reads every block, the canonical and tx indexes and the head at once', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      const b2b = block(2n, 'b', b1.hash, [{ label: 'tx5', logs: [] }])
      for (const b of [g, b1, b2]) await repo.commitBlock(extend(b))
      await repo.commitBlock({ blocks: [b2b] })
      await repo.commitBlock({
        headers: [{ hash: h('header-only'), header: b1.block.header, totalDifficulty: 1n }],
      })
      const snap = await repo.loadChain()
      expect(snap.head).toEqual({ hash: b2.hash, number: 2n, totalDifficulty: 300n })
      const byHash = (a: { hash: Hex }, b: { hash: Hex }) => a.hash.localeCompare(b.hash)
      expect(snap.blocks.sort(byHash)).toEqual([g, b1, b2, b2b].sort(byHash))
      expect(snap.canonical.sort((a, b) => Number(a.number - b.number))).toEqual([
        { number: 0n, hash: g.hash },
        { number: 1n, hash: b1.hash },
        { number: 2n, hash: b2.hash },
      ])
      expect(snap.txIndex.sort(byHash)).toEqual(
        [
          { hash: h('tx1'), location: { blockHash: b1.hash, blockNumber: 1n, index: 0 } },
          { hash: h('tx2'), location: { blockHash: b2.hash, blockNumber: 2n, index: 0 } },
          { hash: h('tx3'), location: { blockHash: b2.hash, blockNumber: 2n, index: 1 } },
        ].sort(byHash),
      )
      repo.close()
    })

    test('loadRecent reads the head, genesis and the last canonical blocks with their tx index', async () => {
      const repo = await factory().open({ chain: CHAIN })
      expect(await repo.loadRecent(2)).toEqual({ head: undefined, blocks: [], canonical: [], txIndex: [] })
      const { g, b1, b2 } = baseChain()
      const b3 = block(3n, 'a', b2.hash, [{ label: 'tx4', logs: [] }])
      const b3b = block(3n, 'b', b2.hash, [{ label: 'tx5', logs: [] }])
      for (const b of [g, b1, b2, b3]) await repo.commitBlock(extend(b))
      await repo.commitBlock({ blocks: [b3b] })
      const snap = await repo.loadRecent(1)
      expect(snap.head).toEqual({ hash: b3.hash, number: 3n, totalDifficulty: 400n })
      // Genesis, then heights head - 1 .. head; no side branch, nothing older.
      expect(snap.canonical).toEqual([
        { number: 0n, hash: g.hash },
        { number: 2n, hash: b2.hash },
        { number: 3n, hash: b3.hash },
      ])
      expect(snap.blocks).toEqual([g, b2, b3])
      const byHash = (a: { hash: Hex }, b: { hash: Hex }) => a.hash.localeCompare(b.hash)
      expect(snap.txIndex.sort(byHash)).toEqual(
        [
          { hash: h('tx2'), location: { blockHash: b2.hash, blockNumber: 2n, index: 0 } },
          { hash: h('tx3'), location: { blockHash: b2.hash, blockNumber: 2n, index: 1 } },
          { hash: h('tx4'), location: { blockHash: b3.hash, blockNumber: 3n, index: 0 } },
        ].sort(byHash),
      )
      // A depth beyond the chain reads all of it.
      expect((await repo.loadRecent(100)).blocks).toEqual([g, b1, b2, b3])
      repo.close()
    })

    test('state nodes are read several at once, in the order asked', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const stored = nodes('many', 5)
      await repo.commitBlock({ stateNodes: stored })
      const asked = [stored[3], stored[0]].map((n) => toHex(n?.hash ?? new Uint8Array()))
      expect(
        await repo.getStateNodes([...asked, h('absent'), asked[0]?.toUpperCase().replace('0X', '0x') as Hex]),
      ).toEqual([stored[3]?.encoded, stored[0]?.encoded, undefined, stored[3]?.encoded])
      expect(await repo.getStateNodes([])).toEqual([])
      repo.close()
    })

    test('logs are queried by block range, address (any case) and topic0', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      const b3 = block(3n, 'a', b2.hash, [
        {
          label: 'tx4',
          logs: [log(TOKEN, TRANSFER, '0x04'), log(TOKEN, undefined, '0x05'), log(HTLC, LOCKED, '0x06')],
        },
      ])
      for (const b of [g, b1, b2, b3]) await repo.commitBlock(extend(b))
      const data = async (filter: Parameters<NodeRepository['getLogs']>[0]) =>
        (await repo.getLogs(filter)).map((l) => l.data)

      expect(await data({ fromBlock: 0n, toBlock: 3n })).toEqual([
        '0x01',
        '0x02',
        '0x03',
        '0x04',
        '0x05',
        '0x06',
      ])
      expect(await data({ fromBlock: 2n, toBlock: 2n })).toEqual(['0x02', '0x03'])
      expect(await data({ fromBlock: 0n, toBlock: 3n, address: TOKEN })).toEqual([
        '0x01',
        '0x03',
        '0x04',
        '0x05',
      ])
      expect(await data({ fromBlock: 2n, toBlock: 3n, address: getAddress(TOKEN) })).toEqual([
        '0x03',
        '0x04',
        '0x05',
      ])
      expect(await data({ fromBlock: 0n, toBlock: 3n, topic0: LOCKED })).toEqual(['0x02', '0x06'])
      expect(await data({ fromBlock: 0n, toBlock: 3n, address: TOKEN, topic0: TRANSFER })).toEqual([
        '0x01',
        '0x03',
        '0x04',
      ])
      expect(await data({ fromBlock: 0n, toBlock: 3n, address: HTLC, topic0: TRANSFER })).toEqual([])
      expect(await data({ fromBlock: 3n, toBlock: 1n })).toEqual([])
      const [last] = await repo.getLogs({ fromBlock: 3n, toBlock: 3n, topic0: LOCKED })
      expect(last).toMatchObject({
        transactionHash: h('tx4'),
        transactionIndex: 0,
        logIndex: 2,
        blockNumber: 3n,
      })
      repo.close()
    })

    test('logs are numbered across the block, keep their transaction, and match a query in any case', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g } = baseChain()
      const checksummed = getAddress(TOKEN)
      const upperTopic = `0x${TRANSFER.slice(2).toUpperCase()}` as Hex
      expect(checksummed).not.toBe(TOKEN)
      const b1 = block(1n, 'cases', g.hash, [
        { label: 'case-tx0', logs: [log(HTLC, LOCKED, '0x0a')] },
        { label: 'case-tx1', logs: [log(checksummed, upperTopic, '0x0b')] },
      ])
      await repo.commitBlock(extend(g))
      await repo.commitBlock(extend(b1))
      const where = (l: LogRecord) => [l.data, l.transactionIndex, l.logIndex]
      expect((await repo.getLogs({ fromBlock: 1n, toBlock: 1n })).map(where)).toEqual([
        ['0x0a', 0, 0],
        ['0x0b', 1, 1],
      ])
      for (const filter of [
        { address: TOKEN },
        { topic0: TRANSFER },
        { topic0: upperTopic },
        { address: checksummed, topic0: upperTopic },
      ]) {
        expect((await repo.getLogs({ fromBlock: 0n, toBlock: 1n, ...filter })).map(where)).toEqual([
          ['0x0b', 1, 1],
        ])
      }
      repo.close()
    })

    test('a block whose body lists a transaction without its receipt is refused as corrupt, not read short', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      await repo.commitBlock(extend(g))
      await repo.commitBlock(extend(b1))
      await repo.commitBlock(extend({ ...b2, receipts: b2.receipts.slice(0, 1) }))
      await expectStorageError(repo.getBlock(b2.hash), 'STORAGE_CORRUPT')
      repo.close()
    })

    test('hashes given in upper case are stored lower-case: a tx location names the canonical hash', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1 } = baseChain()
      const upper = `0x${b1.hash.slice(2).toUpperCase()}` as Hex
      await repo.commitBlock(extend(g))
      await repo.commitBlock({
        ...extend(b1),
        canonical: [{ number: 1n, hash: upper }],
        txIndex: [{ hash: h('tx1'), location: { blockHash: upper, blockNumber: 1n, index: 0 } }],
      })
      expect(await repo.getCanonicalHash(1n)).toBe(b1.hash)
      expect((await repo.getTxLocation(h('tx1')))?.blockHash).toBe(b1.hash)
      repo.close()
    })

    test('a block number outside 0..2^53-1 is refused, not used as a key', async () => {
      const repo = await factory().open({ chain: CHAIN })
      for (const n of [-1n, 2n ** 53n]) await expectStorageError(repo.getCanonicalHash(n), 'STORAGE_ABORTED')
      repo.close()
    })

    test('an empty commit stores nothing and fails nothing; a meta value is stored as a copy', async () => {
      const repo = await factory().open({ chain: CHAIN })
      await repo.commitBlock({})
      expect(await repo.getHead()).toBeUndefined()
      const setting = { mining: true }
      await repo.putMeta('setting', setting)
      setting.mining = false
      expect(await repo.getMeta('setting')).toEqual({ mining: true })
      repo.close()
    })

    test('a reopened repository resumes at the same head with the same data, no replay', async () => {
      const harness = factory()
      const first = await harness.open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      await first.commitBlock(extend(g, nodes('n', 5)))
      await first.commitBlock(extend(b1))
      await first.commitBlock(extend(b2, nodes('m', 3)))
      await first.putMeta('setting', 'kept')
      const before = await snapshot(first, [g.hash, b1.hash, b2.hash])
      first.close()
      await expectStorageError(first.getHead(), 'STORAGE_CLOSED')
      await expectStorageError(first.commitBlock(extend(b2)), 'STORAGE_CLOSED')

      const second = await harness.open({ chain: CHAIN })
      expect(await snapshot(second, [g.hash, b1.hash, b2.hash])).toEqual(before)
      expect(before.head?.hash).toBe(b2.hash)
      expect(before.stateNodes).toHaveLength(8)
      second.close()
    })

    test('opening another chain never shows or changes this chain’s data', async () => {
      const harness = factory()
      const repo = await harness.open({ chain: CHAIN })
      await repo.commitBlock(extend(baseChain().g))
      repo.close()
      // A backend either keeps each chain apart (IndexedDB: a database per chain) or refuses the other
      // chain outright (the memory twin's single backend); either way the other chain sees nothing.
      for (const other of [OTHER_CHAIN, { ...CHAIN, genesisHash: OTHER_CHAIN.genesisHash }]) {
        const opened = await harness.open({ chain: other }).then(
          (r) => r,
          (e: unknown) => e,
        )
        if (opened instanceof StorageError) {
          expect(opened.type).toMatchObject({ code: 'STORAGE_WRONG_CHAIN', foundChainId: CHAIN.chainId })
        } else {
          const otherRepo = opened as NodeRepository
          expect(await otherRepo.getHead()).toBeUndefined()
          await otherRepo.commitBlock(extend(block(0n, 'other', h('none'), [])))
          otherRepo.close()
        }
      }
      const again = await harness.open({ chain: CHAIN })
      expect((await again.getHead())?.hash).toBe(baseChain().g.hash)
      again.close()
    })

    test('a commit that fails part-way leaves the previous head and no part of the block', async () => {
      const harness = factory()
      let failOn: string | undefined
      const repo = await harness.open({
        chain: CHAIN,
        beforeWrite: (store) => {
          if (store === failOn) throw new Error('injected failure')
        },
      })
      const { g, b1, b2 } = baseChain()
      await repo.commitBlock(extend(g, nodes('n', 2)))
      await repo.commitBlock(extend(b1))
      const before = await snapshot(repo, [g.hash, b1.hash, b2.hash])

      // The logs are written after the header, body and receipts: those puts must be undone.
      failOn = 'logs'
      const err = await expectStorageError(repo.commitBlock(extend(b2, nodes('m', 3))), 'STORAGE_ABORTED')
      expect(err.message).toContain('injected failure')
      expect(await snapshot(repo, [g.hash, b1.hash, b2.hash])).toEqual(before)
      expect(await repo.getHeader(b2.hash)).toBeUndefined()
      expect(await repo.getReceipts(b2.hash)).toEqual([])

      // The store is still usable: the same commit succeeds once the fault is gone.
      failOn = undefined
      await repo.commitBlock(extend(b2, nodes('m', 3)))
      expect(await repo.getHead()).toEqual({ hash: b2.hash, number: 2n, totalDifficulty: 300n })
      repo.close()

      const reopened = await harness.open({ chain: CHAIN })
      expect(await reopened.getBlock(b2.hash)).toEqual(b2)
      reopened.close()
    })

    test('a value that cannot be cloned aborts the whole commit', async () => {
      const repo = await factory().open({ chain: CHAIN })
      const { g, b1, b2 } = baseChain()
      await repo.commitBlock(extend(g))
      await repo.commitBlock(extend(b1))
      const before = await snapshot(repo, [g.hash, b1.hash, b2.hash])
      const bad = {
        ...b2,
        receipts: [{ ...b2.receipts[0], extra: () => 0 } as unknown as Receipt, b2.receipts[1] as Receipt],
      }
      await expectStorageError(repo.commitBlock(extend(bad, nodes('m', 2))), 'STORAGE_ABORTED')
      expect(await snapshot(repo, [g.hash, b1.hash, b2.hash])).toEqual(before)
      repo.close()
    })

    test('a quota error is typed, carries the refused size, and changes nothing', async () => {
      let full = false
      const repo = await factory().open({
        chain: CHAIN,
        beforeWrite: (store) => {
          if (full && store === 'stateNodes') throw new DOMException('quota reached', 'QuotaExceededError')
          if (full && store === 'meta') throw new DOMException('quota reached', 'QuotaExceededError')
        },
      })
      const { g, b1, b2 } = baseChain()
      await repo.commitBlock(extend(g))
      await repo.commitBlock(extend(b1))
      await repo.putMeta('setting', 'before')
      const before = await snapshot(repo, [g.hash, b1.hash, b2.hash])

      full = true
      const err = await expectStorageError(
        repo.commitBlock(extend(b2, nodes('m', 4))),
        'STORAGE_QUOTA_EXCEEDED',
      )
      expect(err.type.code === 'STORAGE_QUOTA_EXCEEDED' && (err.type.needed ?? 0) > 4 * 32).toBe(true)
      await expectStorageError(
        repo.putMeta('setting', 'after', { durability: 'strict' }),
        'STORAGE_QUOTA_EXCEEDED',
      )
      expect(await snapshot(repo, [g.hash, b1.hash, b2.hash])).toEqual(before)

      // The error crosses the worker boundary with its code.
      expect(err.toObject()).toMatchObject({ name: 'StorageError', type: { code: 'STORAGE_QUOTA_EXCEEDED' } })
      repo.close()
    })

    test('swap events append in order per swap, survive a reopen, and are never overwritten', async () => {
      const harness = factory()
      const repo = await harness.open({ chain: CHAIN })
      const a = h('swap a')
      const b = h('swap b')
      expect(await repo.getSwapEvents(a)).toEqual([])
      expect(await repo.swapIds()).toEqual([])
      await repo.appendSwapEvent(
        { swapId: a, seq: 0, event: { kind: 'accepted', n: 1n } },
        { durability: 'strict' },
      )
      await repo.appendSwapEvent({ swapId: b, seq: 0, event: { kind: 'accepted' } }, { durability: 'strict' })
      await repo.appendSwapEvent({
        swapId: a.toUpperCase().replace('0X', '0x') as Hex,
        seq: 1,
        event: { kind: 'sent' },
      })
      await expectStorageError(
        repo.appendSwapEvent({ swapId: a, seq: 1, event: { kind: 'other' } }),
        'STORAGE_ABORTED',
      )
      await expectStorageError(repo.appendSwapEvent({ swapId: a, seq: -1, event: {} }), 'STORAGE_ABORTED')
      repo.close()

      const again = await harness.open({ chain: CHAIN })
      expect(await again.getSwapEvents(a)).toEqual([
        { swapId: a, seq: 0, event: { kind: 'accepted', n: 1n } },
        { swapId: a, seq: 1, event: { kind: 'sent' } },
      ])
      expect(await again.swapIds()).toEqual([a, b].sort())
      again.close()
    })

    test('a swap event that fails to write (quota) is typed and stores nothing', async () => {
      const repo = await factory().open({
        chain: CHAIN,
        beforeWrite: (store) => {
          if (store === 'swapEvents') throw new DOMException('quota reached', 'QuotaExceededError')
        },
      })
      await expectStorageError(
        repo.appendSwapEvent(
          { swapId: h('swap'), seq: 0, event: { kind: 'accepted' } },
          { durability: 'strict' },
        ),
        'STORAGE_QUOTA_EXCEEDED',
      )
      expect(await repo.getSwapEvents(h('swap'))).toEqual([])
      repo.close()
    })
  })
}
