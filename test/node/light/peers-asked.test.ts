import type { Hex } from 'viem'
import { describe, expect, test, vi } from 'vitest'
import type { Chain } from '../../../src/node/chain/chain'
import { LightError } from '../../../src/node/light/errors'
import { LightClient } from '../../../src/node/light/light-client'
import { accountKey, treeKey } from '../../../src/node/state/keys'
import { proveFrom } from '../../../src/node/state/trie'
import { PeerBoard } from '../../../src/node/sync/peer-scores'
import {
  decodeStateProofRequest,
  decodeStateProofResponse,
  encodeInclusionResponse,
  encodeStateProofResponse,
} from '../../../src/node/sync/proof-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { ALICE, BOB, GENESIS, must, RecordingBoard, tokenChain } from './fixtures'

/** How many peers a light read asks, and whose "not found" it believes: at the bounds. */

const NOW = 10 ** 15
const P = syncProtocols(GENESIS.params.chainId)

/** A light client holding `chain`'s headers whose every peer answers as `answer` (recording who was asked). */
async function lightWith(
  answer: (protocol: string, data: Uint8Array, chain: Chain, peerId: string) => Uint8Array,
  board?: PeerBoard,
) {
  const { chain } = await tokenChain(3)
  const asked: string[] = []
  const light = new LightClient({
    genesis: GENESIS,
    async request(peerId, protocol, data) {
      asked.push(peerId)
      return answer(protocol, data, chain, peerId)
    },
    disconnect: async () => {},
    now: () => NOW,
    ...(board === undefined ? {} : { board }),
  })
  for (let n = 1n; n <= chain.headHeader.number; n++)
    light.headers.add(must(chain.getBlockByNumber(n)).block.header, BigInt(NOW))
  return { light, asked, head: light.headers.head.header.number }
}

async function lightErrorOf(p: Promise<unknown>): Promise<LightError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(LightError)
  return err as LightError
}

describe('a light read asks at most maxAttempts peers', () => {
  test('with four peers that hold no state, three are asked (the default) and the read is LIGHT_UNVERIFIED', async () => {
    const { light, asked, head } = await lightWith(() => encodeStateProofResponse(null))
    for (const id of ['a', 'b', 'c', 'd']) light.notePeerHead(id, head)
    const err = await lightErrorOf(light.account(ALICE))
    expect(err.type).toMatchObject({ code: 'LIGHT_UNVERIFIED', attempts: 3 })
    expect(asked).toHaveLength(3)
  })
})

describe('a peer banned by another part of the node (the board is shared)', () => {
  test('is not asked for proofs; the read says why no peer was asked', async () => {
    const board = new PeerBoard({ now: () => NOW, banMs: 60_000, disconnect: async () => {} })
    const { light, asked, head } = await lightWith(() => encodeStateProofResponse(null), board)
    light.notePeerHead('a', head)
    // The syncer, say, caught it serving an invalid block twice.
    board.penalize('a', 'invalid-block')
    expect(board.penalize('a', 'invalid-block')).toBe(true)
    const err = await lightErrorOf(light.account(ALICE))
    expect(err.type).toMatchObject({
      code: 'LIGHT_UNVERIFIED',
      attempts: 0,
      failures: ['no peer to ask (1 dropped for misbehaving)'],
    })
    expect(asked).toEqual([])
  })
})

describe('a state proof answer with a proof count unlike the keys', () => {
  test('is a wrong response (not a forged proof), even when every key asked has a proof that verifies', async () => {
    const board = new RecordingBoard({ now: () => NOW, banMs: 60_000, disconnect: async () => {} })
    const { light } = await lightWith((protocol, data, chain) => {
      const honest = createSyncServer({ chain, now: () => 0, rateBurst: 1_000_000 })
      const proofs = must(decodeStateProofResponse(must(honest.answer(protocol, data, 'a'))))
      return encodeStateProofResponse([...proofs, must(proofs[0])])
    }, board)
    light.notePeerHead('a', light.headers.head.header.number)
    const err = await lightErrorOf(light.account(ALICE))
    expect(err.type).toMatchObject({ code: 'LIGHT_UNVERIFIED', attempts: 1 })
    expect(board.offences).toEqual([['a', 'wrong-response']])
  })
})

describe('a "not found" of a transaction', () => {
  const hash: Hex = `0x${'ab'.repeat(32)}`
  const notFound = () => encodeInclusionResponse([null])

  test('from a peer one block behind our head proves nothing: LIGHT_UNVERIFIED, not null', async () => {
    const { light, head } = await lightWith(notFound)
    light.notePeerHead('a', head - 1n)
    const err = await lightErrorOf(light.transaction(hash))
    expect(err.type).toMatchObject({ code: 'LIGHT_UNVERIFIED', attempts: 1 })
  })

  test('from a peer at our head, while another failed to answer, is not believed: LIGHT_UNVERIFIED, not null', async () => {
    const { light, head } = await lightWith((_protocol, _data, _chain, peerId) => {
      if (peerId === 'b') throw new Error('timed out')
      return notFound()
    })
    light.notePeerHead('a', head)
    light.notePeerHead('b', head)
    const err = await lightErrorOf(light.transaction(hash))
    expect(err.type).toMatchObject({ code: 'LIGHT_UNVERIFIED', attempts: 2 })
  })

  test('from a peer at our head is believed: null', async () => {
    const { light, head } = await lightWith((protocol) => {
      expect(protocol).toBe(P.inclusion)
      return notFound()
    })
    light.notePeerHead('a', head)
    expect(await light.transaction(hash)).toBeNull()
  })
})

/**
 * A light client holding `tokenChain(3)`'s headers, one peer serving that chain, and `localProofs` as its
 * source of proofs from this browser's stored state.
 */
async function withLocalProofs(
  localProofs: (chain: Chain, stateRoot: Hex, keys: readonly string[]) => Promise<readonly Hex[][]>,
): Promise<LightClient> {
  const { chain } = await tokenChain(3)
  const server = createSyncServer({ chain, now: () => 0, rateBurst: 1_000_000 })
  const light = new LightClient({
    genesis: GENESIS,
    request: async (_peerId, protocol, data) => must(server.answer(protocol, data, 'a')),
    disconnect: async () => {},
    now: () => NOW,
    localProofs: (stateRoot, keys) => localProofs(chain, stateRoot, keys),
  })
  for (let n = 1n; n <= chain.headHeader.number; n++)
    light.headers.add(must(chain.getBlockByNumber(n)).block.header, BigInt(NOW))
  light.notePeerHead('a', light.headers.head.header.number)
  return light
}

describe('proofs from the state another profile of this browser stored', () => {
  test('an answer with a proof count unlike the keys is passed over once: the peers prove that read, the next is local', async () => {
    let calls = 0
    const light = await withLocalProofs(async (chain, stateRoot, keys) => {
      const proofs = await Promise.all(
        keys.map((key) => proveFrom(stateRoot, treeKey(key), async (h) => chain.store.nodes.get(h))),
      )
      // The first answer is one proof short (a source that lost one on the way).
      return proofs.slice(calls++ === 0 ? 1 : 0).map((p) => must(p))
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await light.account(ALICE)).toMatchObject({ verified: true })
    expect(light.counters.proofsLocal).toBe(0)
    // Not taken for a proof that does not verify: the source stays on.
    expect(await light.account(BOB)).toMatchObject({ verified: true })
    expect(light.counters.proofsLocal).toBe(1)
    expect(warn).not.toHaveBeenCalled()
    warn.mockRestore()
  })
})

describe('stored state whose proof does not verify', () => {
  test('is asked once: the peers prove that read and every later one', async () => {
    let calls = 0
    const light = await withLocalProofs(async (chain, stateRoot, keys) => {
      calls++
      // Whole proofs, each of another key: they do not verify.
      const other = await proveFrom(
        stateRoot,
        treeKey(keys[0] === accountKey(BOB) ? accountKey(ALICE) : accountKey(BOB)),
        async (h) => chain.store.nodes.get(h),
      )
      return keys.map(() => must(other))
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await light.account(ALICE)).toMatchObject({ verified: true })
    expect(await light.account(BOB)).toMatchObject({ verified: true })
    expect(warn).toHaveBeenCalledOnce()
    warn.mockRestore()
    expect(calls).toBe(1)
    expect(light.counters.proofsLocal).toBe(0)
  })
})

describe('reads of the same keys at two anchors', () => {
  test('do not share a request: a read made after the anchor moved is proven at the new anchor', async () => {
    const { chain } = await tokenChain(3)
    const server = createSyncServer({ chain, now: () => 0, rateBurst: 1_000_000 })
    const asked: Hex[] = []
    let release = (): void => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const light = new LightClient({
      genesis: GENESIS,
      async request(peerId, protocol, data) {
        asked.push(decodeStateProofRequest(data).blockHash)
        await held
        return must(server.answer(protocol, data, peerId))
      },
      disconnect: async () => {},
      now: () => NOW,
    })
    const header = (n: bigint) => must(chain.getBlockByNumber(n)).block.header
    for (const n of [1n, 2n, 3n]) light.headers.add(header(n), BigInt(NOW))
    light.notePeerHead('a', 3n)
    const before = light.headers.anchor()
    const first = light.account(ALICE)
    light.headers.add(header(4n), BigInt(NOW))
    const after = light.headers.anchor()
    expect(after.hash).not.toBe(before.hash)
    const second = light.account(ALICE)
    release()
    expect((await first).hash).toBe(before.hash)
    expect((await second).hash).toBe(after.hash)
    expect(asked.sort()).toEqual([before.hash, after.hash].sort())
  })
})
