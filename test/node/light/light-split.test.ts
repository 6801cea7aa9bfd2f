import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { HeaderChain } from '../../../src/node/light/header-chain'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import { tokenBalanceKey } from '../../../src/node/state/keys'
import {
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersResponse,
} from '../../../src/node/sync/messages'
import type { ChainSplit } from '../../../src/node/sync/splits'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { asyncCodeOf } from '../../code-of'
import { until } from '../../until'
import { addressOf } from '../chain/chain-fixtures'
import { claimingWork } from '../sync/claiming-peer'
import { BOB, block1Txs, extend, GENESIS, mineTxs, must, nodeStarter, TOKEN } from './fixtures'

const join = nodeStarter()
const HEADERS = syncProtocols(GENESIS.params.chainId).headers

/**
 * Blocks 1–5 shared; then M mines 80 of its own and H 120 (mined by `minerH`, the first holding `txsOnH`):
 * past the reorg limit (64) apart.
 */
function splitChains(txsOnH: readonly Hex[] = []) {
  const storeM = new MemoryChainStore()
  const m = new Chain({ genesis: GENESIS, store: storeM })
  const common = extend(m, 5)
  const storeH = new MemoryChainStore()
  const h = new Chain({ genesis: GENESIS, store: storeH })
  for (const b of common) h.importBlock(b, b.header.timestamp)
  const minerH = addressOf(4)
  extend(m, 80, { miner: addressOf(3) })
  if (txsOnH.length > 0) mineTxs(h, txsOnH)
  extend(h, txsOnH.length > 0 ? 119 : 120, { miner: minerH })
  return { storeM, m, common, storeH, h, minerH }
}

/** A light node L that knows only M at first: its headers follow M's chain. */
async function lightOnM(hub: ReturnType<typeof memoryHub>, storeM: MemoryChainStore, m: Chain) {
  await join(hub, 'M', { store: storeM })
  const light = await join(hub, 'L', { light: true })
  await until(async () => (await light.api.head()).hash === m.head.hash)
  expect(await light.api.chainSplit()).toBeNull()
  return light
}

describe('a light node whose headers followed the lighter side of a split', () => {
  test('tells the split (its headers checked), keeps its headers, and follows the heavier chain when asked', async () => {
    const hub = memoryHub()
    const { storeM, m, common, storeH, h, minerH } = splitChains()
    const light = await lightOnM(hub, storeM, m)

    // H comes: its heavier chain forks off L's headers 80 deep. L checks H's headers, tells the split,
    // and keeps M's headers.
    await join(hub, 'H', { store: storeH })
    const split: ChainSplit = {
      peerId: 'H',
      ancestor: { number: 5n, hash: hashBlock(must(common[4])) },
      depth: 80,
      peerHead: 125n,
      peerTotalDifficulty: h.head.totalDifficulty,
    }
    await until(async () => (await light.api.chainSplit()) !== null)
    expect(await light.api.chainSplit()).toEqual(split)
    expect(light.events.filter((e) => e.event === 'split').map((e) => e.data)).toEqual([split])
    expect((await light.api.head()).hash).toBe(m.head.hash)
    expect(await asyncCodeOf(light.api.followSplit(`0x${'00'.repeat(32)}`))).toBe('NODE_NO_SPLIT')
    expect(await asyncCodeOf(light.api.followSplit('0x1' as `0x${string}`))).toBe('NODE_BAD_PARAMS')

    // Asked, L's headers follow H's chain; what it proves is H's chain's.
    expect((await light.api.followSplit(split.ancestor.hash)).hash).toBe(h.head.hash)
    expect(await light.api.chainSplit()).toBeNull()
    expect(light.events.filter((e) => e.event === 'split').at(-1)?.data).toBeNull()
    const reward = await light.api.verifiedAccount(minerH)
    expect(reward.value.balance).toBe(h.stateAt(reward.hash).getAccount(minerH).balance)
    expect(reward.value.balance).toBeGreaterThan(0n)
  })

  test("followed, its token lists are read from the new chain's blocks down to the split: a token created there, further back than a reorg reaches, is listed with its balance proven on that chain", async () => {
    const hub = memoryHub()
    // H's block 6 creates GLD (1,000 to ALICE, 250 of them sent to BOB); M's chain has no token.
    const { storeM, m, storeH, h } = splitChains(await block1Txs())
    const light = await lightOnM(hub, storeM, m)
    // The wallet's reads on M's chain: no token (the light node scanned M's blocks up to #85).
    expect(await light.api.tokenHoldings(BOB)).toEqual([])
    expect(await light.api.tokens()).toEqual([])

    await join(hub, 'H', { store: storeH })
    await until(async () => (await light.api.chainSplit()) !== null)
    const split = must(await light.api.chainSplit())
    expect(split).toMatchObject({ peerId: 'H', ancestor: { number: 5n }, depth: 80 })
    // Until the user follows it, the light node stays on M's chain and reads from it.
    expect((await light.api.head()).hash).toBe(m.head.hash)
    expect(await light.api.syncing()).toBe(false)
    expect(await light.api.tokenHoldings(BOB)).toEqual([])

    await light.api.followSplit(split.ancestor.hash)
    expect((await light.api.head()).hash).toBe(h.head.hash)
    const holdings = await light.api.tokenHoldings(BOB)
    expect(holdings.map((t) => [t.token.address, t.balance])).toEqual([[TOKEN, 250n]])
    const balance = await light.api.verifiedTokenBalance(TOKEN, BOB)
    expect(balance.value).toBe(250n)
    expect(h.stateAt(balance.hash).getWord(tokenBalanceKey(TOKEN, BOB))).toBe(250n)
    expect((await light.api.tokens()).map((t) => t.address)).toEqual([TOKEN])
  })

  test('a peer claiming other work for its branch than its headers add up to is penalised and dropped, never shown as a split', async () => {
    const hub = memoryHub()
    const { storeM, m, storeH, h } = splitChains()
    const light = await lightOnM(hub, storeM, m)
    // H's branch is the heavier, but H claims more work for it than its headers hold.
    const claimed = h.head.totalDifficulty + 1_000n
    await join(hub, 'H', { store: storeH, wrap: claimingWork(HEADERS, claimed) })
    await until(() => light.node.syncer.isBanned('H'))
    expect(await light.api.chainSplit()).toBeNull()
    expect(light.events.some((e) => e.event === 'split')).toBe(false)
    expect((await light.api.head()).hash).toBe(m.head.hash)
  })
})

/**
 * Wraps a node's sink so that the last header of each headers response it sends (of two or more) claims
 * one more difficulty than it has: a header that breaks the rules (its work and the difficulty rule).
 */
function breakingLastHeader(sink: NetworkSink): NetworkSink {
  return {
    ...sink,
    async request(protocol, data, from) {
      const answer = await sink.request(protocol, data, from)
      if (protocol !== HEADERS) return answer
      const res = decodeHeadersResponse(answer)
      const last = res.headers.at(-1)
      if (last === undefined || res.headers.length < 2) return answer
      const headers = [...res.headers.slice(0, -1), { ...last, difficulty: last.difficulty + 1n }]
      return encodeHeadersResponse({ ...res, headers })
    },
  }
}

describe("a light node started from a header checkpoint above where a peer's chain forks off", () => {
  /** L restarted from the checkpoint of M's headers from #40, with M there, then H (forking at #5) joins. */
  async function restartedAbove(wrapH: (sink: NetworkSink) => NetworkSink = (sink) => sink) {
    const hub = memoryHub()
    const { storeM, m, storeH, h } = splitChains()
    const headers = new HeaderChain(GENESIS)
    for (let n = 1n; n <= m.headHeader.number; n++)
      headers.add(must(m.getBlockByNumber(n)).block.header, BigInt(Date.now()))
    await join(hub, 'M', { store: storeM })
    const light = await join(hub, 'L', { light: true, checkpoint: headers.checkpoint(40n) })
    await until(async () => (await light.api.head()).hash === m.head.hash)
    const before = (await light.api.stats()).penalties
    // The headers ranges H answered, by their first number.
    const answered: bigint[] = []
    const recording = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        const answer = await sink.request(protocol, data, from)
        if (protocol === HEADERS) answered.push(decodeHeadersRequest(data).from)
        return answer
      },
    })
    const peerH = await join(hub, 'H', { store: storeH, wrap: (sink) => recording(wrapH(sink)) })
    // H is asked down to L's base, where its chain meets none of L's headers.
    await until(() => answered.includes(40n))
    // Its answer is checked a moment after it is sent.
    await new Promise((resolve) => setTimeout(resolve, 200))
    return { hub, light, m, h, peerH, before, answered }
  }

  /** H announces its head again (a beacon), and L asks it down to its base again and checks the answer. */
  async function announcedAgain(peerH: { api: { announce(): Promise<unknown> } }, answered: bigint[]) {
    const asked = answered.filter((n) => n === 40n).length
    await peerH.api.announce()
    await until(() => answered.filter((n) => n === 40n).length > asked)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

  test('an honest peer whose chain forks below the headers held costs nothing: the node keeps its headers, no split told', async () => {
    const { light, m, h, before } = await restartedAbove()
    expect(h.head.totalDifficulty).toBeGreaterThan(m.head.totalDifficulty)
    expect((await light.api.stats()).penalties).toBe(before)
    expect((await light.api.head()).hash).toBe(m.head.hash)
    expect(await light.api.chainSplit()).toBeNull()
    // Told, not silent: whose chain disagrees with which kept headers, and that the node kept its own.
    expect(light.events.filter((e) => e.event === 'checkpointConflict').map((e) => e.data)).toContainEqual({
      peerId: 'H',
      base: 40n,
      peerHead: h.headHeader.number,
      outcome: 'kept',
    })
  })

  test('told once: the same peer asked again at each announcement, on the same chain, is not told again; another peer on it is', async () => {
    const { hub, light, h, peerH, answered } = await restartedAbove()
    const told = () => light.events.filter((e) => e.event === 'checkpointConflict').map((e) => e.data)
    const once = { peerId: 'H', base: 40n, peerHead: h.headHeader.number, outcome: 'kept' }
    expect(told()).toEqual([once])
    for (let i = 0; i < 3; i++) await announcedAgain(peerH, answered)
    expect(told()).toEqual([once])
    // Another peer on the same chain: its conflict is its own, told once too.
    const copy = new MemoryChainStore()
    const h2 = new Chain({ genesis: GENESIS, store: copy })
    for (let n = 1n; n <= h.headHeader.number; n++) {
      const b = must(h.getBlockByNumber(n)).block
      h2.importBlock(b, b.header.timestamp)
    }
    await join(hub, 'H2', { store: copy })
    await until(() => told().length === 2)
    expect(told()).toEqual([once, { ...once, peerId: 'H2' }])
  })

  test('the same peer with another outcome is told again: honest first, then its headers there break the rules', async () => {
    let breaking = false
    const { light, h, peerH, answered } = await restartedAbove((sink) => {
      const broken = breakingLastHeader(sink)
      return {
        ...sink,
        request: (protocol, data, from) => (breaking ? broken : sink).request(protocol, data, from),
      }
    })
    await announcedAgain(peerH, answered)
    breaking = true
    await announcedAgain(peerH, answered)
    const told = light.events.filter((e) => e.event === 'checkpointConflict').map((e) => e.data)
    expect(told).toEqual([
      { peerId: 'H', base: 40n, peerHead: h.headHeader.number, outcome: 'kept' },
      {
        peerId: 'H',
        base: 40n,
        peerHead: h.headHeader.number,
        outcome: 'penalised',
        reason: expect.stringMatching(/^its chain meets none of the headers held \(from #40\)/),
      },
    ])
  })

  test('a peer whose chain there breaks the header rules pays the invalid-header penalty', async () => {
    const { light, m, before } = await restartedAbove(breakingLastHeader)
    expect((await light.api.stats()).penalties).toBeGreaterThan(before)
    expect((await light.api.head()).hash).toBe(m.head.hash)
    expect(await light.api.chainSplit()).toBeNull()
    const told = light.events.filter((e) => e.event === 'checkpointConflict').map((e) => e.data)
    expect(told).toContainEqual({
      peerId: 'H',
      base: 40n,
      peerHead: expect.any(BigInt),
      outcome: 'penalised',
      reason: expect.stringMatching(
        /^its chain meets none of the headers held \(from #40\), and its header #\d+ /,
      ),
    })
    expect(told).not.toContainEqual(expect.objectContaining({ outcome: 'kept' }))
  })
})
