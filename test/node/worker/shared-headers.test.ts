import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import type { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS } from '../../../src/node/chain/genesis'
import { decodeHeader, encodeHeader, hashHeader } from '../../../src/node/chain/header'
import { checkpointWeight, type HeaderCheckpoint } from '../../../src/node/light/header-chain'
import type { ModePin } from '../../../src/node/light/mode'
import { memoryHub } from '../../../src/node/network/memory'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { memorySharedHeaders, type SharedHeaders } from '../../../src/node/storage/shared-headers'
import type { StateNodeReader } from '../../../src/node/storage/state-reader'
import { chainCheckpoint } from '../../../src/node/worker/header-share'
import { LIGHT_CHECKPOINT_KEY, startingCheckpoint } from '../../../src/node/worker/light-service'
import { createNode, type Node } from '../../../src/node/worker/node'
import { until } from '../../until'
import { ALICE, BOB, extend, GENESIS, must, TOKEN, tokenChain } from '../light/fixtures'

/** 2 × the reorg limit: how far below its head a node's shared checkpoint starts. */
const SPAN = 2 * GENESIS.params.maxReorgDepth
const IDENTITY = { chainId: GENESIS.params.chainId, genesisHash: new Chain({ genesis: GENESIS }).genesisHash }

const running: Node[] = []
afterEach(() => {
  for (const n of running.splice(0)) n.stop()
})

/** A chain of 301 blocks, its checkpoint as a full node there would share it, then 5 blocks more. */
let store: MemoryChainStore
let atShare: HeaderCheckpoint
beforeAll(async () => {
  const fixture = await tokenChain(300)
  atShare = must(chainCheckpoint(fixture.chain, SPAN))
  extend(fixture.chain, 5)
  store = fixture.store
})

async function makeNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  opts: {
    store?: MemoryChainStore
    modePin?: ModePin
    shared?: SharedHeaders
    stateDatabase?: string
    lightCheckpoint?: HeaderCheckpoint
    localState?: StateNodeReader
  },
) {
  const link = hub.join(peerId)
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    ...(opts.modePin === undefined ? {} : { modePin: opts.modePin }),
    ...(opts.shared === undefined ? {} : { sharedHeaders: opts.shared }),
    ...(opts.lightCheckpoint === undefined ? {} : { lightCheckpoint: opts.lightCheckpoint }),
    ...(opts.stateDatabase === undefined ? {} : { stateDatabase: opts.stateDatabase }),
    ...(opts.localState === undefined ? {} : { localState: Promise.resolve(opts.localState) }),
    coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
    mine: false,
    network: link.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
    light: { requestTimeoutMs: 2_000 },
  })
  running.push(node)
  await node.start()
  await link.attach(node.sink)
  return node
}

/** Another profile's stored state, as `openStateNodeReader` reads it: here the fixture chain's nodes. */
function readerOf(
  nodes: MemoryChainStore['nodes'],
  change?: (enc: Uint8Array) => Uint8Array,
): StateNodeReader {
  return {
    async get(hash) {
      const enc = nodes.get(hash)
      return enc === undefined || change === undefined ? enc : change(enc)
    },
    close() {},
  }
}

/** A new profile's start: nothing of its own, the browser's shared headers. */
async function newProfile(modePin: ModePin, shared: SharedHeaders) {
  const repo = await openMemoryRepository({ backend: createMemoryBackend(), chain: IDENTITY })
  return startingCheckpoint({
    modePin,
    repo,
    executedBlocks: false,
    shared: must(await shared.get()).checkpoint,
    maxReorgDepth: GENESIS.params.maxReorgDepth,
  })
}

describe("a browser's shared verified headers", () => {
  test('a full node offers its executed headers: two reorg limits below its head, with their total difficulty', async () => {
    const shared = memorySharedHeaders()
    const full = await makeNode(memoryHub(), 'F', { store, shared, stateDatabase: 'tabchain-node-F' })
    await full.shareHeaders()
    const { checkpoint: kept, stateFrom } = must(await shared.get())
    expect(stateFrom).toBe('tabchain-node-F')
    const head = await full.api.head()
    expect(kept.headers).toHaveLength(SPAN + 1)
    expect(hashHeader(must(kept.headers.at(-1)))).toBe(head.hash)
    const first = must(kept.headers[0])
    expect(first.number).toBe(head.number - BigInt(SPAN))
    // The first header's total difficulty with the later headers' difficulties: the head's.
    expect(checkpointWeight(kept)).toBe(head.totalDifficulty)
  })

  for (const modePin of ['auto', 'light'] as const) {
    test(`a new profile (${modePin}) starts from them: it checks the 5 headers past them, not the whole chain`, async () => {
      const hub = memoryHub()
      const full = await makeNode(hub, 'F', { store })
      const shared = memorySharedHeaders()
      await shared.offer({ checkpoint: atShare })
      const lightCheckpoint = await newProfile(modePin, shared)
      const fresh = await makeNode(hub, 'NEW', { modePin, lightCheckpoint: must(lightCheckpoint) })
      expect(must(fresh.light).client.headers.base.header.number).toBe(must(atShare.headers[0]).number)
      const head = await full.api.head()
      await until(async () => (await fresh.api.head()).hash === head.hash)
      expect((await fresh.api.stats()).headersVerified).toBe(5)
      const balance = await fresh.api.verifiedTokenBalance(TOKEN, BOB)
      expect(balance).toMatchObject({ value: 250n, verified: true })
      // The control: a profile with nothing shared checks every header from the genesis.
      const alone = await makeNode(hub, 'ALONE', { modePin })
      await until(async () => (await alone.api.head()).hash === head.hash)
      expect((await alone.api.stats()).headersVerified).toBeGreaterThanOrEqual(Number(head.number))
    })
  }

  test('a shared checkpoint with a changed header does not hold: the new profile checks every header from the genesis', async () => {
    const hub = memoryHub()
    const full = await makeNode(hub, 'F', { store })
    const shared = memorySharedHeaders()
    const forged = atShare.headers.map((h, i) =>
      i === 60 ? { ...h, stateRoot: atShare.headers[59]?.stateRoot ?? h.stateRoot } : h,
    )
    // Well-formed (it decodes), so the store gives it back; restoring it finds the link broken.
    shared.rows.set('chain', { totalDifficulty: atShare.totalDifficulty, headers: forged.map(encodeHeader) })
    const lightCheckpoint = must(await newProfile('light', shared))
    expect(lightCheckpoint.headers.map((h) => decodeHeader(encodeHeader(h)))).toEqual(forged)
    const fresh = await makeNode(hub, 'NEW', { modePin: 'light', lightCheckpoint })
    expect(must(fresh.light).client.headers.base.header.number).toBe(0n)
    const head = await full.api.head()
    await until(async () => (await fresh.api.head()).hash === head.hash)
    expect((await fresh.api.stats()).headersVerified).toBeGreaterThanOrEqual(Number(head.number))
    expect(await fresh.api.verifiedTokenBalance(TOKEN, BOB)).toMatchObject({ value: 250n, verified: true })
  })

  test("which headers a profile starts from: its own, or the browser's when heavier — unless it executed blocks", async () => {
    const lighter = must(chainCheckpoint((await tokenChain(4)).chain, SPAN))
    const shared = atShare
    const repoWith = async (own?: HeaderCheckpoint) => {
      const repo = await openMemoryRepository({ backend: createMemoryBackend(), chain: IDENTITY })
      if (own !== undefined) await repo.putMeta(LIGHT_CHECKPOINT_KEY, own)
      return repo
    }
    const start = async (modePin: ModePin, executedBlocks: boolean, own?: HeaderCheckpoint) =>
      startingCheckpoint({
        modePin,
        repo: await repoWith(own),
        executedBlocks,
        shared,
        maxReorgDepth: GENESIS.params.maxReorgDepth,
      })
    expect(await start('auto', false)).toEqual(atShare)
    expect(await start('auto', false, lighter)).toEqual(atShare)
    expect(await start('light', true, lighter)).toEqual(atShare)
    expect(await start('auto', true, lighter)).toEqual(lighter)
    expect(await start('auto', true)).toBeUndefined()
    expect(await start('full', false)).toBeUndefined()
    // Its own, when at least as heavy.
    const heavy = must(chainCheckpoint((await tokenChain(400)).chain, SPAN))
    expect(await start('light', false, heavy)).toEqual(heavy)
    // Without shared headers, its own.
    expect(
      await startingCheckpoint({
        modePin: 'light',
        repo: await repoWith(lighter),
        executedBlocks: false,
        maxReorgDepth: GENESIS.params.maxReorgDepth,
      }),
    ).toEqual(lighter)
    // Its own, though lighter, when they reach further back than two reorg limits below their head (kept
    // for an unfinished swap) and the browser's start later: no header below the first is fetched.
    const earlier = (await tokenChain(250)).chain
    const forSwap = must(chainCheckpoint(earlier, 240))
    expect(forSwap.headers[0]?.number).toBeLessThan(must(atShare.headers[0]).number)
    expect(await start('light', false, forSwap)).toEqual(forSwap)
    expect(await start('auto', false, forSwap)).toEqual(forSwap)
    // The browser's, when its own hold the usual two reorg limits only, or when the browser's reach as far.
    expect(await start('light', false, must(chainCheckpoint(earlier, SPAN)))).toEqual(atShare)
    const wide = must(chainCheckpoint((await tokenChain(300)).chain, 295))
    expect(
      await startingCheckpoint({
        modePin: 'light',
        repo: await repoWith(forSwap),
        executedBlocks: false,
        shared: wide,
        maxReorgDepth: GENESIS.params.maxReorgDepth,
      }),
    ).toEqual(wide)
  })

  describe('reads proven from the state another profile of the browser stored', () => {
    test('before any peer links: verified against the shared headers, counted as local', async () => {
      const hub = memoryHub()
      const fresh = await makeNode(hub, 'NEW', {
        modePin: 'light',
        lightCheckpoint: atShare,
        localState: readerOf(store.nodes),
      })
      const anchor = must(atShare.headers.at(-GENESIS.params.confirmations))
      expect(await fresh.api.verifiedTokenBalance(TOKEN, BOB)).toMatchObject({
        value: 250n,
        verified: true,
        number: anchor.number,
        hash: hashHeader(anchor),
      })
      expect(await fresh.api.verifiedAccount(ALICE)).toMatchObject({ verified: true, number: anchor.number })
      expect((await fresh.api.stats()).proofsLocal).toBe(2)
    })

    test('a stored node that does not verify is never shown: the source is dropped and peers are asked', async () => {
      const hub = memoryHub()
      await makeNode(hub, 'F', { store })
      // Every leaf's value changed, the path to it intact: the proof is whole and does not verify.
      const flip = (enc: Uint8Array) =>
        enc[0] === 0 ? Uint8Array.from(enc, (b, i) => (i === enc.length - 1 ? b ^ 1 : b)) : enc
      const fresh = await makeNode(hub, 'NEW', {
        modePin: 'light',
        lightCheckpoint: atShare,
        localState: readerOf(store.nodes, flip),
      })
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      await until(async () => (await fresh.api.verifiedTokenBalance(TOKEN, BOB).catch(() => null)) !== null)
      expect(warn).toHaveBeenCalledOnce()
      warn.mockRestore()
      expect(await fresh.api.verifiedTokenBalance(TOKEN, BOB)).toMatchObject({ value: 250n, verified: true })
      const stats = await fresh.api.stats()
      expect(stats.proofsLocal).toBe(0)
      expect(stats.penalties).toBe(0)
    })

    test('with no peer, a node that does not verify leaves the read unverified, with a typed error', async () => {
      const fresh = await makeNode(memoryHub(), 'NEW', {
        modePin: 'light',
        lightCheckpoint: atShare,
        localState: readerOf(store.nodes, (enc) => enc.subarray(1)),
      })
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      await expect(fresh.api.verifiedTokenBalance(TOKEN, BOB)).rejects.toMatchObject({
        type: { code: 'LIGHT_UNVERIFIED' },
      })
      warn.mockRestore()
    })

    test('state the other profile does not hold (a missing node): the peers are asked', async () => {
      const hub = memoryHub()
      await makeNode(hub, 'F', { store })
      const empty: StateNodeReader = { get: async () => undefined, close() {} }
      const fresh = await makeNode(hub, 'NEW', {
        modePin: 'light',
        lightCheckpoint: atShare,
        localState: empty,
      })
      await until(async () => (await fresh.api.verifiedTokenBalance(TOKEN, BOB).catch(() => null)) !== null)
      expect(await fresh.api.verifiedTokenBalance(TOKEN, BOB)).toMatchObject({ value: 250n, verified: true })
      expect((await fresh.api.stats()).proofsLocal).toBe(0)
    })
  })
})
