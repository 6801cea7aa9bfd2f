import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { Chain } from '../../../src/node/chain/chain'
import { MAX_LIGHT_LOG_BLOCKS } from '../../../src/node/light/light-client'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { NodeError } from '../../../src/node/rpc/errors'
import {
  decodeBlockReceiptsRequest,
  decodeBlockReceiptsResponse,
  encodeBlockReceiptsResponse,
  MAX_RECEIPT_BLOCKS,
} from '../../../src/node/sync/proof-messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { createLightService } from '../../../src/node/worker/light-service'
import type { Node } from '../../../src/node/worker/node'
import { blockTimeCache } from '../../../src/ui/block-times'
import { asyncCodeOf } from '../../code-of'
import { until } from '../../until'
import { mineOn, transfer } from '../chain/chain-fixtures'
import {
  BOB,
  bloomHeaders,
  extend,
  GENESIS,
  must,
  nodeStarter,
  sendToken,
  TOKEN,
  tokenChain,
} from './fixtures'

const RECEIPTS = syncProtocols(GENESIS.params.chainId).receipts
const join = nodeStarter()

/** A sink that counts the block-receipts requests it answers, in blocks asked for. */
function counting(sink: NetworkSink, asked: bigint[][], chain: Chain): NetworkSink {
  return {
    ...sink,
    async request(protocol, data, from) {
      if (protocol === RECEIPTS)
        asked.push(decodeBlockReceiptsRequest(data).map((h) => must(chain.getBlock(h)).block.header.number))
      return sink.request(protocol, data, from)
    },
  }
}

/**
 * Block 1 (the token, a transfer, an approval), then 40 blocks each with one GLD transfer (two in the
 * tenth; 283 GLD of ALICE's 750 in all), an empty block after every third, one with a plain payment (transactions, no logs), and 5
 * empty blocks on top.
 */
async function explorerChain() {
  const built = await tokenChain(0)
  const { chain } = built
  let nonce = 3
  for (let i = 1; i <= 40; i++) {
    const raws = [await sendToken(0, nonce++, BOB, BigInt((i % 7) + 1))]
    if (i === 10) raws.push(await sendToken(0, nonce++, BOB, 3n))
    const block = mineOnChain(chain, raws)
    chain.importBlock(block, block.header.timestamp)
    if (i % 3 === 0) extend(chain, 1)
  }
  const paid = mineOnChain(chain, [await transfer(1, { to: BOB, value: 5n, nonce: 0 })])
  chain.importBlock(paid, paid.header.timestamp)
  extend(chain, 5)
  return built
}

const mineOnChain = (chain: Chain, raws: Hex[]) =>
  mineOn(chain, chain.blockTransactions({ header: chain.headHeader, transactions: raws }))

describe('light node: the Explorer', () => {
  test('blocks, each block by number and by hash, and a token’s transfers read as the full node’s; a block without transactions asks nothing', async () => {
    const hub = memoryHub()
    const { chain, store } = await explorerChain()
    const head = chain.head.block.header.number
    const asked: bigint[][] = []
    const full = await join(hub, 'F', { store, wrap: (s) => counting(s, asked, chain) })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === head)

    // A list's block times (the Activity's rows): the verified headers alone, nothing asked of a peer.
    for (let n = 0n; n <= head + 1n; n++) expect(await light.api.header(n)).toEqual(await full.api.header(n))
    const times = blockTimeCache((n) => light.api.header(n))
    const rows = ['1', '10', String(head)]
    const mined = await Promise.all(
      rows.map(async (n) => [n, must(await full.api.block(BigInt(n))).timestamp] as const),
    )
    expect(await times.times(rows, { head: await light.api.head(), reorg: null })).toEqual(new Map(mined))
    expect(asked).toEqual([])

    // The top five blocks are empty: their page reads headers alone.
    expect(await light.api.blocks(head, 5)).toEqual(await full.api.blocks(head, 5))
    expect(asked).toEqual([])
    for (const [last, count] of [
      [head, 20],
      [head - 7n, 100],
      [3n, 10],
      [head + 50n, 2],
    ] as const) {
      const page = await light.api.blocks(last, count)
      expect(page).toEqual(await full.api.blocks(last, count))
    }
    expect((await light.api.blocks(head, 100)).some((b) => b.transactions.length === 2)).toBe(true)
    for (let n = 0n; n <= head + 1n; n++) {
      const block = await light.api.block(n)
      expect(block).toEqual(await full.api.block(n))
      if (block !== null) expect(await light.api.blockByHash(block.hash)).toEqual(block)
    }
    expect(await light.api.blockByHash(`0x${'00'.repeat(32)}`)).toBeNull()
    // Each block with transactions was read once (the client keeps what it verified), 32 at most a request.
    const read = asked.flat()
    expect(new Set(read).size).toBe(read.length)
    expect(asked.every((a) => a.length <= MAX_RECEIPT_BLOCKS)).toBe(true)
    for (const n of read) expect(must(chain.getBlockByNumber(n)).block.transactions.length).toBeGreaterThan(0)

    // Transfers, newest first: the mint and block 1's, then 41 over more than one request's worth of blocks.
    const all = await full.api.tokenTransfers(TOKEN, 200)
    expect(all.length).toBe(43)
    for (const limit of [1, 2, 7, 33, 42, 200])
      expect(await light.api.tokenTransfers(TOKEN, limit)).toEqual(all.slice(0, limit))
    expect(await light.api.tokenTransfers(BOB, 10)).toEqual([])
  })

  test('below the oldest header held: NODE_HISTORY_MISSING saying so; a page reaching it stops there', async () => {
    const hub = memoryHub()
    const { chain, store } = await explorerChain()
    const head = chain.head.block.header.number
    const full = await join(hub, 'F', { store })
    const first = await join(hub, 'L1', { light: true })
    await until(async () => (await first.api.head()).number === head)
    const late = must(first.node.light).client.headers.checkpoint(20n)
    const light = await join(hub, 'L2', { light: true, checkpoint: late })
    await until(async () => (await light.api.head()).number === head)

    for (const read of [light.api.block(19n), light.api.blocks(19n, 5), light.api.block(0n)]) {
      const err = await read.catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NodeError)
      expect((err as NodeError).type).toMatchObject({ code: 'NODE_HISTORY_MISSING', base: 20n })
      expect((err as NodeError).message).toMatch(/older than the headers this light node holds \(from #20\)/)
    }
    expect(await light.api.block(20n)).toEqual(await full.api.block(20n))
    expect(await light.api.blocks(24n, 10)).toEqual(await full.api.blocks(24n, 5))
    // The transfers in the blocks held: the newest of the full node's.
    const held = (await full.api.tokenTransfers(TOKEN, 200)).filter((l) => l.blockNumber >= 20n)
    expect(held.length).toBeGreaterThan(0)
    expect(await light.api.tokenTransfers(TOKEN, 200)).toEqual(held)
  })

  test('bad parameters are NODE_BAD_PARAMS, as on a full node', async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(2)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    const bad = [
      (n: Node['api']) => n.block(-1n),
      (n: Node['api']) => n.block(1 as never),
      (n: Node['api']) => n.blockByHash('0x12'),
      (n: Node['api']) => n.blocks(0n, 0),
      (n: Node['api']) => n.blocks(0n, 101),
      (n: Node['api']) => n.blocks(-1n, 1),
      (n: Node['api']) => n.tokenTransfers('nope' as never, 1),
      (n: Node['api']) => n.tokenTransfers(TOKEN, 0),
      (n: Node['api']) => n.tokenTransfers(TOKEN, 201),
    ]
    for (const read of bad) {
      expect(await asyncCodeOf(read(light.api))).toBe('NODE_BAD_PARAMS')
      expect(await asyncCodeOf(read(full.api))).toBe('NODE_BAD_PARAMS')
    }
  })

  test('transaction hashes a peer forged are never shown: the block reads as unverified when no peer proves it', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(2)
    const forge: (s: NetworkSink) => NetworkSink = (sink) => ({
      ...sink,
      async request(protocol, data, from) {
        const res = await sink.request(protocol, data, from)
        if (protocol !== RECEIPTS) return res
        const entries = decodeBlockReceiptsResponse(res).map((e) =>
          e === null ? null : { ...e, txHashes: e.txHashes.map(() => `0x${'ab'.repeat(32)}` as Hex) },
        )
        return encodeBlockReceiptsResponse(entries)
      },
    })
    await join(hub, 'F', { store, wrap: forge })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === chain.head.block.header.number)
    expect(await asyncCodeOf(light.api.block(1n))).toBe('LIGHT_UNVERIFIED')
    expect(await asyncCodeOf(light.api.blocks(3n, 3))).toBe('LIGHT_UNVERIFIED')
    // What the screens show of it is a sentence naming the data and why: its only peer was dropped.
    await expect(light.api.block(1n)).rejects.toThrow(
      'receipts of block #1 cannot be proved: no peer to ask (1 dropped for misbehaving)',
    )
    // An empty block needs no peer.
    expect(must(await light.api.block(2n)).transactions).toEqual([])
  })
})

describe('light service: token transfers', () => {
  test(`stops after reading ${MAX_LIGHT_LOG_BLOCKS} blocks whose bloom may hold one`, async () => {
    // 600 headers, each with a full bloom and no transactions: a peer proves each empty.
    const headers = bloomHeaders(600, () => true)
    const hub = memoryHub()
    const peer = hub.join('P')
    const asked: number[] = []
    await peer.api.handle(RECEIPTS)
    await peer.attach({
      gossip: async () => 'ignore',
      request: async (_protocol, data) => {
        const hashes = decodeBlockReceiptsRequest(data)
        asked.push(hashes.length)
        return encodeBlockReceiptsResponse(hashes.map(() => ({ txHashes: [], receipts: [] })))
      },
      networkChanged: async () => {},
    })
    const service = createLightService({
      genesis: GENESIS,
      network: hub.join('L').api,
      now: () => Number(must(headers.at(-1)).timestamp),
      onHead: () => {},
    })
    for (const h of headers) service.client.headers.add(h, must(headers.at(-1)).timestamp)
    service.client.notePeerHead('P', 600n)
    expect(await service.tokenTransfers(TOKEN, 200)).toEqual([])
    expect(asked.reduce((a, b) => a + b, 0)).toBe(MAX_LIGHT_LOG_BLOCKS)
    expect(Math.max(...asked)).toBe(MAX_RECEIPT_BLOCKS)
    service.stop()
  })
})
