import { type Address, encodeFunctionData } from 'viem'
import { describe, expect, test } from 'vitest'
import { genesisBlock, hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Genesis } from '../../../src/node/chain/types'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { LightError } from '../../../src/node/light/errors'
import { LightClient, MAX_STATE_READS, rateLimitWait } from '../../../src/node/light/light-client'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { NetError, requestFailed } from '../../../src/node/network/errors'
import { memoryHub } from '../../../src/node/network/memory'
import { chainTopic } from '../../../src/node/network/protocol'
import { NodeError } from '../../../src/node/rpc/errors'
import { StateError } from '../../../src/node/state/errors'
import { accountKey, tokenBalanceKey, tokenMetaKey } from '../../../src/node/state/keys'
import type { State } from '../../../src/node/state/state'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { SyncError } from '../../../src/node/sync/errors'
import { decodeStateProofRequest } from '../../../src/node/sync/proof-messages'
import { createSyncServer, SYNC_RATE, syncProtocols } from '../../../src/node/sync/sync-server'
import { LIGHT_PENDING_BLOCKS, LIGHT_TOKENS_KEY } from '../../../src/node/worker/light-service'
import { nextBlockEnv, runCall } from '../../../src/node/worker/queries'
import { until } from '../../until'
import { addressOf, mineOn, transfer } from '../chain/chain-fixtures'
import {
  ALICE,
  BOB,
  CALLS,
  extend,
  forgeProofs,
  GENESIS,
  must,
  nodeStarter,
  RecordingBoard,
  sendToken,
  signCall,
  TOKEN,
  tokenChain,
} from './fixtures'

/**
 * Calls on a light node run over proven state (`LightClient.withState`: the keys a run finds unproven
 * are proven together, and it runs again), and the wallet
 * views a light node answers from its own records: the tokens it found (kept across a restart from a
 * later checkpoint) and the transactions it sent (pending for `LIGHT_PENDING_BLOCKS` headers).
 */

const PROOF = syncProtocols(GENESIS.params.chainId).proof
const PARAMS = GENESIS.params
const COINBASE: Address = addressOf(9)
/** A fixed clock for the call's block: both sides of a comparison run in the same block. */
const CALL_NOW = 2_000_000_000_000

/** How a scripted peer answers one request. */
type Serve = (protocol: string, data: Uint8Array) => Uint8Array

/**
 * A peer serving `chain` with a real sync server (no rate limit in the way); `forge(keys)` says which
 * state proof requests it answers with a forged proof (the last node of each proof altered).
 */
function serving(chain: Chain, forge: (keys: readonly string[]) => boolean = () => false): Serve {
  const server = createSyncServer({ chain, now: () => Date.now(), rateBurst: 1e9, ratePerSecond: 1e9 })
  return (protocol, data) => {
    const res = server.answer(protocol, data, 'L')
    if (res === null) throw new Error(`no handler for ${protocol}`)
    if (protocol !== PROOF || !forge(decodeStateProofRequest(data).keys)) return res
    return forgeProofs(res)
  }
}

/**
 * A light client (genesis `genesis`) whose peers are `peers` (asked in this order when their heads
 * tie), header-synced to `head`; every state proof request is recorded with the peer asked.
 */
async function lightOn(peers: Record<string, Serve>, head: bigint, genesis: Genesis = GENESIS) {
  const asked: { peer: string; keys: readonly string[] }[] = []
  const disconnected: string[] = []
  const board = new RecordingBoard({
    now: () => Date.now(),
    banMs: 60_000,
    disconnect: async (peerId) => {
      disconnected.push(peerId)
    },
  })
  const client = new LightClient({
    genesis,
    request: async (peerId, protocol, data) => {
      const serve = peers[peerId]
      if (serve === undefined) throw new Error(`no peer ${peerId}`)
      if (protocol === PROOF) asked.push({ peer: peerId, keys: decodeStateProofRequest(data).keys })
      return serve(protocol, data)
    },
    disconnect: async () => {
      throw new Error('the board disconnects')
    },
    now: () => Date.now(),
    board,
  })
  for (const id of Object.keys(peers)) client.notePeerHead(id, head)
  await client.idle()
  expect(client.headers.head.header.number).toBe(head)
  return { client, asked, offences: board.offences, disconnected }
}

/** The keys asked for in proof requests, in order. */
const keysAsked = (asked: readonly { keys: readonly string[] }[]): string[] => asked.flatMap((a) => a.keys)

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('resolved')
    },
    (err: unknown) => err,
  )

describe('LightClient.withState: a run over proven state', () => {
  test('calls answer as the full chain’s state at the anchor; each key is proven once, then shared', async () => {
    const { chain } = await tokenChain(10)
    const head = chain.head.block.header.number
    const { client, asked, offences } = await lightOn({ F: serving(chain) }, head)
    const anchor = client.headers.anchor()
    expect(anchor.header.number).toBe(head - 2n)
    const full = chain.stateAt(anchor.hash)
    const env = nextBlockEnv(PARAMS, client.headers.head.header, CALL_NOW, COINBASE)

    for (const request of CALLS) {
      const before = asked.length
      const answer = await client.withState((state) => runCall(state, request, env, PARAMS))
      expect(answer).toEqual({
        value: runCall(full, request, env, PARAMS),
        verified: true,
        number: anchor.header.number,
        hash: anchor.hash,
      })
      // The keys a run found unproven in one request (a call's later runs find what its first values
      // lead to), never one asked before at this anchor.
      const mine = asked.slice(before)
      if (request === CALLS[0]) {
        expect(mine.length).toBeGreaterThan(0)
        expect(keysAsked(mine).length).toBeGreaterThan(mine.length)
      }
      expect(mine.length).toBeLessThanOrEqual(2)
      expect(new Set(keysAsked(asked)).size).toBe(keysAsked(asked).length)
      // The same call again reads only what is proven already.
      const again = asked.length
      expect((await client.withState((state) => runCall(state, request, env, PARAMS))).value).toEqual(
        answer.value,
      )
      expect(asked.length).toBe(again)
    }
    // Bob's balance (balanceOf) and Alice's (the transfer) were among the keys proven.
    expect(keysAsked(asked)).toContain(tokenBalanceKey(TOKEN, BOB))
    expect(keysAsked(asked)).toContain(tokenBalanceKey(TOKEN, ALICE))
    const view = (await client.withState((state) => runCall(state, CALLS[0], env, PARAMS))).value
    expect(BigInt(view.returnData)).toBe(250n)
    expect((await client.withState((state) => runCall(state, CALLS[2], env, PARAMS))).value.status).toBe(
      'reverted',
    )
    expect(offences).toEqual([])
  })

  test('a run reading n unproven keys asks them in one request and runs once more; reruns at the anchor ask none', async () => {
    const { chain } = await tokenChain(10)
    const { client, asked } = await lightOn({ F: serving(chain) }, chain.head.block.header.number)
    const full = chain.stateAt(client.headers.anchor().hash).buffer()
    let runs = 0
    // Reads through a buffer, as a call does; one key read twice.
    const read = (state: State) => {
      runs++
      const b = state.buffer()
      return [
        b.getAccount(ALICE),
        b.getWord(tokenBalanceKey(TOKEN, BOB)),
        b.getAccount(ALICE),
        b.getWord(tokenBalanceKey(TOKEN, ALICE)),
        b.getBlob(tokenMetaKey(TOKEN)),
      ]
    }
    const expected = [
      full.getAccount(ALICE),
      250n,
      full.getAccount(ALICE),
      750n,
      full.getBlob(tokenMetaKey(TOKEN)),
    ]
    expect(full.getWord(tokenBalanceKey(TOKEN, ALICE))).toBe(750n)
    const r = await client.withState(read)
    expect(r.value).toEqual(expected)
    expect(asked.map((a) => a.keys)).toEqual([
      [accountKey(ALICE), tokenBalanceKey(TOKEN, BOB), tokenBalanceKey(TOKEN, ALICE), tokenMetaKey(TOKEN)],
    ])
    // A first run over nothing proven (each key read as absent, noted), then one over everything: 2 runs.
    expect(runs).toBe(2)

    // Again at the same anchor: from what was proven, at once; a run reading a subset too.
    expect((await client.withState(read)).value).toEqual(expected)
    expect((await client.withState((s) => s.buffer().getAccount(ALICE))).value).toEqual(expected[0])
    expect(asked).toHaveLength(1)
    // One key more: one request more.
    const carol = addressOf(3)
    expect((await client.withState((s) => s.buffer().getAccount(carol))).value).toEqual(
      full.getAccount(carol),
    )
    expect(asked).toHaveLength(2)
    expect(asked[1]?.keys).toEqual([accountKey(carol)])
  })

  test('identical runs at once share their proof request', async () => {
    const { chain } = await tokenChain(10)
    const { client, asked } = await lightOn({ F: serving(chain) }, chain.head.block.header.number)
    const read = (state: State) => {
      const b = state.buffer()
      return [b.getWord(tokenBalanceKey(TOKEN, BOB)), b.getWord(tokenBalanceKey(TOKEN, ALICE))]
    }
    const runs = await Promise.all([client.withState(read), client.withState(read), client.withState(read)])
    for (const r of runs) expect(r.value).toEqual([250n, 750n])
    expect(asked).toHaveLength(1)
  })

  test('when the anchor moves, a run reads the new anchor’s state', async () => {
    const { chain } = await tokenChain(10)
    const { client, asked } = await lightOn({ F: serving(chain) }, chain.head.block.header.number)
    // The miner of the empty blocks: each block pays it.
    const miner = addressOf(8)
    const read = (state: State) => state.buffer().getAccount(miner)
    const first = await client.withState(read)
    expect(first.value).toEqual(chain.stateAt(first.hash).getAccount(miner))
    const before = asked.length

    extend(chain, 1)
    client.notePeerHead('F', chain.head.block.header.number)
    await client.idle()
    const second = await client.withState(read)
    expect(second.number).toBe(first.number + 1n)
    expect(second.hash).toBe(client.headers.anchor().hash)
    expect(second.value).toEqual(chain.stateAt(second.hash).getAccount(miner))
    expect(second.value.balance).toBe(first.value.balance + PARAMS.minerReward)
    expect(asked.length).toBeGreaterThan(before)
  })

  test('an error other than a missing node goes straight up, and nothing is asked for it', async () => {
    const { chain } = await tokenChain(10)
    const { client, asked } = await lightOn({ F: serving(chain) }, chain.head.block.header.number)
    const env = nextBlockEnv(PARAMS, client.headers.head.header, CALL_NOW, COINBASE)
    const boom = new Error('boom')
    let runs = 0
    expect(
      await rejection(
        client.withState(() => {
          runs++
          throw boom
        }),
      ),
    ).toBe(boom)
    expect(runs).toBe(1)
    // A bad request is refused before any read.
    await expect(
      client.withState((state) => runCall(state, { to: 'nope' } as never, env, PARAMS)),
    ).rejects.toMatchObject({ type: { code: 'NODE_BAD_PARAMS' } })
    // Another state error (bad stored bytes) is not a key to prove.
    const corrupt = new StateError({ code: 'STATE_CORRUPT', reason: 'test' })
    expect(
      await rejection(
        client.withState(() => {
          throw corrupt
        }),
      ),
    ).toBe(corrupt)
    // A missing node that names no key (not a read through a buffer) is not one either.
    const unnamed = new StateError({ code: 'STATE_MISSING_NODE', hash: `0x${'ab'.repeat(32)}` })
    expect(
      await rejection(
        client.withState(() => {
          throw unnamed
        }),
      ),
    ).toBe(unnamed)
    expect(asked).toEqual([])

    // A run that proves a key and then fails: the failure, after that one request.
    const later = await rejection(
      client.withState((state) => {
        state.buffer().getAccount(ALICE)
        throw boom
      }),
    )
    expect(later).toBe(boom)
    expect(asked.map((a) => a.keys)).toEqual([[accountKey(ALICE)]])
  })

  test('a read through the State itself (not a buffer) is proven as one through a buffer', async () => {
    const { chain } = await tokenChain(10)
    const { client, asked } = await lightOn({ F: serving(chain) }, chain.head.block.header.number)
    const full = chain.stateAt(client.headers.anchor().hash)
    // `State.getRaw` (under getAccount / getWord) names the key it read when a node is missing, as the buffer does.
    const r = await client.withState((state) => [
      state.getAccount(ALICE),
      state.getWord(tokenBalanceKey(TOKEN, BOB)),
    ])
    expect(r.value).toEqual([full.getAccount(ALICE), 250n])
    expect(keysAsked(asked)).toEqual([accountKey(ALICE), tokenBalanceKey(TOKEN, BOB)])
  })

  test(`a run may read ${MAX_STATE_READS} keys; one more is LIGHT_UNVERIFIED`, async () => {
    // A genesis with an account for every read: each is in the tree, so each needs its own proof.
    const holders = Array.from({ length: MAX_STATE_READS + 1 }, (_, i) => addressOf(100 + i))
    const genesis = testGenesis({ alloc: holders.map((address, i) => ({ address, balance: BigInt(i + 1) })) })
    const chain = new Chain({ genesis, store: new MemoryChainStore() })
    extend(chain, 4)
    const { client, asked } = await lightOn({ F: serving(chain) }, 4n, genesis)
    const readAll = (addresses: readonly Address[]) => (state: State) => {
      const b = state.buffer()
      return addresses.map((a) => b.getAccount(a).balance)
    }

    const most = holders.slice(0, MAX_STATE_READS)
    const ok = await client.withState(readAll(most))
    expect(ok.value).toEqual(most.map((_, i) => BigInt(i + 1)))
    expect(asked.map((a) => a.keys.length)).toEqual([MAX_STATE_READS])
    // The limit is on the keys one run proves: with 64 proven already, all 65 take one more.
    expect((await client.withState(readAll(holders))).value).toHaveLength(MAX_STATE_READS + 1)
    expect(asked.map((a) => a.keys.length)).toEqual([MAX_STATE_READS, 1])

    // A fresh client: the limit counts the keys one run proves, not what an earlier run left.
    const fresh = await lightOn({ F: serving(chain) }, 4n, genesis)
    let completed = 0
    const err = await rejection(
      fresh.client.withState((state) => {
        const v = readAll(holders)(state)
        completed++
        return v
      }),
    )
    expect(err).toBeInstanceOf(LightError)
    expect((err as LightError).type).toMatchObject({
      code: 'LIGHT_UNVERIFIED',
      what: expect.stringContaining('state read by a call'),
      attempts: 0,
    })
    // One run over nothing proven found 65 keys to prove: refused then, with nothing asked for.
    expect(completed).toBe(1)
    expect(fresh.asked).toEqual([])
  })

  test('a peer serving a forged proof is penalised and dropped; the run completes from an honest peer', async () => {
    const { chain } = await tokenChain(10)
    const head = chain.head.block.header.number
    // E is asked first (peers tie on head: the first heard of), and forges every proof.
    const { client, asked, offences, disconnected } = await lightOn(
      { E: serving(chain, () => true), F: serving(chain) },
      head,
    )
    const full = chain.stateAt(client.headers.anchor().hash)
    const env = nextBlockEnv(PARAMS, client.headers.head.header, CALL_NOW, COINBASE)
    for (const request of [CALLS[1], CALLS[0]]) {
      const answer = await client.withState((state) => runCall(state, request, env, PARAMS))
      expect(answer.value).toEqual(runCall(full, request, env, PARAMS))
    }
    expect(offences).toEqual([['E', 'invalid-proof']])
    expect(client.isBanned('E')).toBe(true)
    expect(disconnected).toEqual(['E'])
    expect(client.counters.proofsRejected).toBe(1)
    // E was asked once: the first key went to F after it, every later one to F alone.
    expect(asked[0]?.peer).toBe('E')
    expect(asked[1]).toEqual({ peer: 'F', keys: asked[0]?.keys })
    expect(asked.slice(1).every((a) => a.peer === 'F')).toBe(true)
    expect(asked.length).toBeGreaterThan(2)
  })

  test('when no peer can prove a key, LIGHT_UNVERIFIED, and nothing read before it is returned', async () => {
    const { chain } = await tokenChain(10)
    const head = chain.head.block.header.number
    const bobs = tokenBalanceKey(TOKEN, BOB)
    // Both peers prove Alice's account, and forge Bob's balance.
    const forgeBob = (keys: readonly string[]) => keys.includes(bobs)
    const { client, asked, offences } = await lightOn(
      { E1: serving(chain, forgeBob), E2: serving(chain, forgeBob) },
      head,
    )
    let completed = 0
    const err = await rejection(
      client.withState((state) => {
        const b = state.buffer()
        const value = [b.getAccount(ALICE), b.getWord(bobs)]
        completed++
        return value
      }),
    )
    expect(err).toBeInstanceOf(LightError)
    const type = (err as LightError).type
    if (type.code !== 'LIGHT_UNVERIFIED') throw new Error(`unexpected ${type.code}`)
    expect(type.what).toContain(bobs)
    expect(type.attempts).toBe(2)
    expect(type.failures.join('\n')).toMatch(/E1.*\n.*E2/)
    // The one run that completed read both keys unproven; what it returned was dropped.
    expect(completed).toBe(1)
    expect(offences).toEqual([
      ['E1', 'invalid-proof'],
      ['E2', 'invalid-proof'],
    ])
    // Both keys in one request, to each peer in turn.
    expect(asked).toEqual([
      { peer: 'E1', keys: [accountKey(ALICE), bobs] },
      { peer: 'E2', keys: [accountKey(ALICE), bobs] },
    ])

    // With no peer left at all: unverified too.
    const alone = new LightClient({
      genesis: GENESIS,
      request: async () => {
        throw new Error('no link')
      },
      disconnect: async () => {},
      now: () => Date.now(),
    })
    await expect(alone.withState((state) => state.buffer().getAccount(ALICE))).rejects.toMatchObject({
      type: { code: 'LIGHT_UNVERIFIED', failures: ['no peer to ask'] },
    })
  })
})

// ── Node level: real nodes on the in-memory network ─────────────────────────────────────────────

const join = nodeStarter()

const IDENTITY = { chainId: GENESIS.params.chainId, genesisHash: hashBlock(genesisBlock(GENESIS)) }
const repoOf = (backend = createMemoryBackend()) => openMemoryRepository({ backend, chain: IDENTITY })

/** A copy of `chain`'s blocks in a new store, then `more` empty blocks: a peer further along. */
function further(chain: Chain, more: number): MemoryChainStore {
  const store = new MemoryChainStore()
  const copy = new Chain({ genesis: GENESIS, store })
  for (let n = 1n; n <= chain.head.block.header.number; n++) {
    const b = must(chain.getBlockByNumber(n)).block
    copy.importBlock(b, b.header.timestamp)
  }
  extend(copy, more)
  return store
}

/**
 * A sync server over `chain` (at its default rate unless `rate` is given) counting its refusals; `as`
 * 'request': they come as the network carries them (a failed request carrying the typed error), 'port':
 * that failed request as the worker receives it from the page (rebuilt as a plain NodeError).
 */
function countingServer(
  chain: Chain,
  opts: { rate?: { burst: number; perSecond: number }; as?: 'request' | 'port' | undefined } = {},
): { serve: Serve; refused: () => number } {
  const server = createSyncServer({
    chain,
    now: () => Date.now(),
    ...(opts.rate === undefined ? {} : { rateBurst: opts.rate.burst, ratePerSecond: opts.rate.perSecond }),
  })
  let refused = 0
  const serve: Serve = (protocol, data) => {
    try {
      return must(server.answer(protocol, data, 'L'))
    } catch (err) {
      refused++
      if (opts.as === undefined) throw err
      const failed = requestFailed('F', protocol, err)
      throw opts.as === 'port' ? NodeError.fromObject(failed.toObject()) : failed
    }
  }
  return { serve, refused: () => refused }
}

describe('LightClient pacing', () => {
  test("a burst of reads past the server's request burst waits its turn: none is refused as rate-limited", async () => {
    const { chain } = await tokenChain(3)
    // The sync server at its default rate (32 at once, 16 a second), refusals counted.
    const { serve, refused } = countingServer(chain)
    const { client } = await lightOn({ F: serve }, chain.head.block.header.number)
    const started = Date.now()
    const accounts = await Promise.all(
      Array.from({ length: SYNC_RATE.burst + 8 }, (_, i) => client.account(addressOf(100 + i))),
    )
    expect(accounts.every((a) => a.verified)).toBe(true)
    expect(refused()).toBe(0)
    // The 8 past the burst took their turns: at least about 8 / 16 s more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
  })
})

describe('LightClient: refusals for its rate', () => {
  /** A server allowing 2 requests at once and 50 a second; `as`: its refusals as `countingServer` says. */
  const strict = (chain: Chain, as: 'request' | 'port' | undefined) =>
    countingServer(chain, { rate: { burst: 2, perSecond: 50 }, as })

  test.each([
    ['as the typed error', undefined],
    ['as a failed request carries it across the network', 'request'],
    ['as the worker receives that failed request from the page, across a port', 'port'],
  ] as const)(
    'a server set below the pace refuses; each refusal (%s) is waited out and asked again',
    async (_, as) => {
      const { chain } = await tokenChain(3)
      const { serve, refused } = strict(chain, as)
      // Header sync first, one request at a time, as the client does it.
      const { client } = await lightOn({ F: serve }, chain.head.block.header.number)
      const before = refused()
      const accounts = await Promise.all(
        Array.from({ length: 6 }, (_, i) => client.account(addressOf(200 + i))),
      )
      expect(accounts.every((a) => a.verified)).toBe(true)
      expect(refused()).toBeGreaterThan(before)
    },
  )

  test('rateLimitWait reads the wait of a rate refusal only, from its typed error', () => {
    const limited = new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: 'L', retryInMs: 26 })
    expect(rateLimitWait(limited)).toBe(26)
    // As a failed request brings a peer's refusal: the memory twin's NetError, as the page's host makes it.
    const carried = requestFailed('F', 'p', limited)
    expect(carried.type).toMatchObject({ code: 'NET_REQUEST_FAILED', remote: { retryInMs: 26 } })
    expect(rateLimitWait(carried)).toBe(26)
    // As the worker receives it from the page's host: across a port, a plain NodeError named NetError.
    expect(rateLimitWait(NodeError.fromObject(carried.toObject()))).toBe(26)
    const remote = { code: 'SYNC_RATE_LIMITED', peerId: 'L' }
    const base = { code: 'NET_REQUEST_FAILED', peerId: 'F', protocol: 'p', reason: limited.message } as const
    // The text alone is not read; a wait that is no count of ms is not either.
    expect(rateLimitWait(new NetError(base))).toBeUndefined()
    for (const retryInMs of [-1, 2.5, '26', Number.MAX_VALUE])
      expect(rateLimitWait(new NetError({ ...base, remote: { ...remote, retryInMs } }))).toBeUndefined()
    expect(
      rateLimitWait(
        requestFailed('F', 'p', new SyncError({ code: 'SYNC_MALFORMED', what: 'x', reason: 'y' })),
      ),
    ).toBeUndefined()
    expect(rateLimitWait(new SyncError({ code: 'SYNC_MALFORMED', what: 'x', reason: 'y' }))).toBeUndefined()
    expect(rateLimitWait(new NetError({ code: 'NET_NO_DIRECT_LINK', peerId: 'F' }))).toBeUndefined()
    expect(rateLimitWait(new Error(limited.message))).toBeUndefined()
  })
})

describe('light node: tokens found, kept across a restart', () => {
  test('tokenHoldings as the full node’s; kept in the repository for a restart above the token’s block', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(10)
    const head = chain.head.block.header.number
    const full = await join(hub, 'F', { store })
    const repo = await repoOf()
    const light = await join(hub, 'L1', { light: true, repo })
    await until(async () => (await light.api.head()).number === head)
    for (const holder of [ALICE, BOB]) {
      const holdings = await light.api.tokenHoldings(holder)
      expect(holdings.map((h) => h.token.address)).toEqual([TOKEN])
      expect(holdings).toEqual(await full.api.tokenHoldings(holder))
    }
    expect((await light.api.tokenHoldings(BOB))[0]).toMatchObject({ balance: 250n, created: false })
    expect((await light.api.tokenHoldings(ALICE))[0]).toMatchObject({ balance: 750n, created: true })
    expect(await repo.getMeta(LIGHT_TOKENS_KEY)).toEqual({ [ALICE]: [TOKEN], [BOB]: [TOKEN] })

    // Headers from block 5 on: the token's block (1) is below the base, its logs out of reach.
    const late = must(light.node.light).client.headers.checkpoint(5n)
    expect(late.headers[0]?.number).toBe(5n)
    light.node.stop()
    await light.link.leave()

    const again = await join(hub, 'L2', { light: true, repo, checkpoint: late })
    const headers = must(again.node.light).client.headers
    expect(headers.base.header.number).toBe(5n)
    await until(async () => (await again.api.head()).number === head)
    for (const holder of [ALICE, BOB])
      expect(await again.api.tokenHoldings(holder)).toEqual(await full.api.tokenHoldings(holder))
    // Searched from its base only: the logs give nothing, the kept list everything.
    expect(await again.api.logs({ fromBlock: 5n, toBlock: head })).toEqual([])
  })

  test('documented limit: restarted from a checkpoint above the token’s block with a fresh repository, the token is not listed', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(10)
    const head = chain.head.block.header.number
    const full = await join(hub, 'F', { store })
    const first = await join(hub, 'L1', { light: true })
    await until(async () => (await first.api.head()).number === head)
    const late = must(first.node.light).client.headers.checkpoint(5n)
    first.node.stop()
    await first.link.leave()

    const repo = await repoOf()
    const fresh = await join(hub, 'L2', { light: true, repo, checkpoint: late })
    expect(must(fresh.node.light).client.headers.base.header.number).toBe(5n)
    await until(async () => (await fresh.api.head()).number === head)
    // The full node lists Bob's 250 GLD; a light node that never saw block 1's logs cannot.
    expect((await full.api.tokenHoldings(BOB)).map((h) => h.token.address)).toEqual([TOKEN])
    expect(await fresh.api.tokenHoldings(BOB)).toEqual([])
    expect(await fresh.api.tokenHoldings(ALICE)).toEqual([])
    // The balance itself is still provable: only the discovery is lost.
    expect((await fresh.api.verifiedTokenBalance(TOKEN, BOB)).value).toBe(250n)
  })
})

describe('light node: tokens found as the chain goes on', () => {
  test('a token that reaches a holder after its first listing is listed on the next read, as the full node lists it', async () => {
    const hub = memoryHub()
    // Longer than the reorg limit: the second read scans only the headers past the first, less that limit.
    const { store } = await tokenChain(GENESIS.params.maxReorgDepth + 16)
    const carol = addressOf(3)
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true, repo: await repoOf() })
    const head = (await full.api.head()).number
    await until(async () => (await light.api.head()).number === head)
    expect(await light.api.tokenHoldings(carol)).toEqual([])
    // Alice sends Carol 5 GLD; the full node mines it and a few blocks more.
    const hash = await full.api.sendRawTransaction(await sendToken(0, 3, carol, 5n))
    await full.api.setMining(true)
    await until(async () => (await full.api.receipt(hash)) !== null)
    await until(async () => (await light.api.head()).number >= head + 4n)
    await full.api.setMining(false)
    await until(async () => (await light.api.tokenHoldings(carol)).length === 1)
    expect(await light.api.tokenHoldings(carol)).toEqual(await full.api.tokenHoldings(carol))
  })
})

describe('light node: tokens left out', () => {
  test('a token received and all sent away is left out; one created stays listed at 0, one of no supply too', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(0)
    const carol = addressOf(3)
    // Block 2: Bob sends his 250 GLD on, Alice her other 750; Carol creates a token of no supply (no
    // Transfer logged: only its TokenCreated log tells).
    const empty = tokenAddress(carol, 0n)
    const raws = [
      await sendToken(1, 0, carol, 250n),
      await sendToken(0, 3, carol, 750n),
      await signCall(
        3,
        0,
        TOKEN_FACTORY_ADDRESS,
        encodeFunctionData({
          abi: tokenFactoryAbi,
          functionName: 'createToken',
          args: ['Nothing', 'NIL', 0, 0n],
        }),
      ),
    ]
    const b2 = mineOn(chain, chain.blockTransactions({ header: chain.headHeader, transactions: raws }))
    chain.importBlock(b2, b2.header.timestamp)
    extend(chain, 4)
    const head = chain.head.block.header.number
    const full = await join(hub, 'F', { store })
    const repo = await repoOf()
    const light = await join(hub, 'L', { light: true, repo })
    await until(async () => (await light.api.head()).number === head)
    expect(await light.api.tokenHoldings(BOB)).toEqual([])
    const alice = await light.api.tokenHoldings(ALICE)
    expect(alice).toEqual([expect.objectContaining({ balance: 0n, created: true })])
    const carols = await light.api.tokenHoldings(carol)
    expect(carols).toHaveLength(2)
    expect(carols).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ token: expect.objectContaining({ address: TOKEN }), balance: 1000n }),
        expect.objectContaining({
          token: expect.objectContaining({ address: empty, totalSupply: 0n }),
          balance: 0n,
          created: true,
        }),
      ]),
    )
    for (const holder of [ALICE, BOB, carol])
      expect(await light.api.tokenHoldings(holder)).toEqual(await full.api.tokenHoldings(holder))
    // Bob's token is kept (found in the logs) though not listed: a later balance shows it again.
    expect(await repo.getMeta<Record<string, string[]>>(LIGHT_TOKENS_KEY)).toMatchObject({ [BOB]: [TOKEN] })
  })
})

describe('light node: its own sent transactions', () => {
  test(`read as pending until ${LIGHT_PENDING_BLOCKS} headers pass without a proof of them mined, then null; the next nonce counts them meanwhile only`, async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(3)
    // Peers further along by empty blocks (built now: the full node below adds to `chain`'s store).
    const short = further(chain, Number(LIGHT_PENDING_BLOCKS) - 1)
    const long = further(chain, Number(LIGHT_PENDING_BLOCKS))
    const txs = chainTopic(GENESIS.params.chainId, 'txs')
    // The full node takes the transaction's gossip (it counts as received) but drops it: nothing mines it.
    const dropTxs = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async gossip(topic, data, from) {
        return topic === txs ? 'ignore' : sink.gossip(topic, data, from)
      },
    })
    await join(hub, 'F', { store, wrap: dropTxs })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const sentAt = 4n

    const raw = await transfer(0, { nonce: 3, to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    expect((await light.api.transaction(hash))?.state).toBe('pending')
    expect((await light.api.transaction(hash))?.hash).toBe(hash)
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    expect(await light.api.receipt(hash)).toBeNull()
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)

    // One header short of the limit, it still reads as pending.
    await join(hub, 'G7', { store: short })
    await until(async () => (await light.api.head()).number === sentAt + LIGHT_PENDING_BLOCKS - 1n)
    expect((await light.api.transaction(hash))?.state).toBe('pending')
    expect((await light.api.pendingTransactions()).map((t) => t.hash)).toEqual([hash])
    expect(await light.api.pendingNonce(ALICE)).toBe(4n)

    // At the limit: no longer pending, and not mined either.
    await join(hub, 'G8', { store: long })
    await until(async () => (await light.api.head()).number === sentAt + LIGHT_PENDING_BLOCKS)
    expect(await light.api.transaction(hash)).toBeNull()
    expect(await light.api.pendingTransactions()).toEqual([])
    expect(await light.api.receipt(hash)).toBeNull()
    // Dropped: its nonce is free again (a next nonce past it would leave a gap no block ever fills).
    expect(await light.api.pendingNonce(ALICE)).toBe(3n)
  })
})
