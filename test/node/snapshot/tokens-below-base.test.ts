import { afterEach, describe, expect, test } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import type { NodeRepository } from '../../../src/node/storage/types'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { LIGHT_TOKENS_KEY, loadLightCheckpoint } from '../../../src/node/worker/light-service'
import { createNode, type Node } from '../../../src/node/worker/node'
import { until } from '../../until'
import { ALICE, BOB, GENESIS, must, TOKEN, tokenChain } from '../light/fixtures'

/**
 * A node upgraded from a snapshot holds no block below its base, so its own index misses the tokens
 * created there; its light client finds them in the logs of the blocks its verified headers cover.
 */
const running: Node[] = []
afterEach(() => {
  for (const n of running.splice(0)) n.stop()
})

const RECEIPTS = syncProtocols(GENESIS.params.chainId).receipts

async function start(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  opts: { store?: MemoryChainStore; repo?: NodeRepository; wrap?: (s: NetworkSink) => NetworkSink } = {},
) {
  const link = hub.join(peerId)
  const lightCheckpoint = opts.repo === undefined ? undefined : await loadLightCheckpoint(opts.repo)
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    ...(opts.repo === undefined ? {} : { repo: opts.repo }),
    ...(lightCheckpoint === undefined ? {} : { lightCheckpoint }),
    coinbase: ALICE,
    mine: false,
    network: link.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
    upgrade: { replayBelow: 100 },
  })
  running.push(node)
  await node.start()
  await link.attach(opts.wrap === undefined ? node.sink : opts.wrap(node.sink))
  return { node, api: node.api, link }
}

const repoOn = (backend: ReturnType<typeof createMemoryBackend>) =>
  openMemoryRepository({
    backend,
    chain: { chainId: GENESIS.params.chainId, genesisHash: new Chain({ genesis: GENESIS }).genesisHash },
  })

describe('a node upgraded from a snapshot', () => {
  test('lists the tokens created below its base, and what its holders hold of them, as a full node; across a reload', async () => {
    const hub = memoryHub()
    // GLD is created in block 1; the snapshot is taken far above it.
    const { chain, store } = await tokenChain(250)
    const head = chain.head.block.header.number
    const full = await start(hub, 'F', { store })
    const backend = createMemoryBackend()
    const own = new MemoryChainStore()
    const fresh = await start(hub, 'N', { repo: await repoOn(backend), store: own })
    await until(
      async () => (await fresh.api.mode()).kind === 'full' && (await fresh.api.head()).number === head,
      30_000,
    )
    await fresh.node.upgraded()
    expect((await fresh.api.stats()).blocksFromSnapshot).toBeGreaterThan(0)
    expect(await fresh.api.block(1n)).toBeNull()
    // It says where its blocks start (the Explorer's note on those below): the snapshot block, held;
    // the one below it not. The node it synced from holds every block from the genesis.
    const base = await fresh.api.blocksFrom()
    expect(base).toBeGreaterThan(1n)
    expect(await fresh.api.block(base)).not.toBeNull()
    expect(await fresh.api.block(base - 1n)).toBeNull()
    expect(await full.api.blocksFrom()).toBe(0n)

    expect((await fresh.api.tokens()).map((t) => t.symbol)).toEqual(['GLD'])
    expect(await fresh.api.tokens()).toEqual(await full.api.tokens())
    for (const holder of [ALICE, BOB]) {
      const holdings = await fresh.api.tokenHoldings(holder)
      expect(holdings.map((h) => h.token.address)).toEqual([TOKEN])
      expect(holdings).toEqual(await full.api.tokenHoldings(holder))
    }
    const saved = (await (await repoOn(backend)).getMeta<Record<string, string[]>>(LIGHT_TOKENS_KEY)) ?? {}
    expect(saved.all).toEqual([TOKEN])

    // Reloaded, it keeps headers from two reorg limits below the head only: the list comes from what
    // the first run found.
    fresh.node.stop()
    await fresh.link.leave()
    const again = await start(hub, 'N2', { repo: await repoOn(backend), store: own })
    await until(async () => (await again.api.head()).number === head, 30_000)
    expect(await again.api.mode()).toEqual({ kind: 'full' })
    expect(await again.api.block(1n)).toBeNull()
    expect(await again.api.blocksFrom()).toBe(base)
    expect(must(again.node.light).client.headers.base.header.number).toBeGreaterThan(1n)
    expect(await again.api.tokens()).toEqual(await full.api.tokens())
    expect(await again.api.tokenHoldings(BOB)).toEqual(await full.api.tokenHoldings(BOB))
  }, 60_000)

  test('when no peer serves the blocks below its base, lists the tokens of its own blocks, and finds the rest once one does', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(250)
    const head = chain.head.block.header.number
    let serving = false
    const withholding = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === RECEIPTS && !serving) throw new Error('not serving receipts')
        return sink.request(protocol, data, from)
      },
    })
    const full = await start(hub, 'F', { store, wrap: withholding })
    const fresh = await start(hub, 'N')
    await until(
      async () => (await fresh.api.mode()).kind === 'full' && (await fresh.api.head()).number === head,
      30_000,
    )
    await fresh.node.upgraded()
    expect(await fresh.api.tokens()).toEqual([])
    expect(await fresh.api.tokenHoldings(BOB)).toEqual([])
    serving = true
    expect(await fresh.api.tokens()).toEqual(await full.api.tokens())
    expect(await fresh.api.tokenHoldings(BOB)).toEqual(await full.api.tokenHoldings(BOB))
  }, 60_000)
})
