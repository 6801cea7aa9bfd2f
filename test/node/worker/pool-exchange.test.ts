import type { Address, Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { fromHex } from '../../../src/node/codec/bytes'
import { rlpEncode } from '../../../src/node/codec/rlp'
import type { NetworkSink } from '../../../src/node/network/bridge'
import { memoryHub } from '../../../src/node/network/memory'
import {
  checkPoolRequest,
  decodePoolResponse,
  encodePoolResponse,
  MAX_POOL_BYTES,
  MAX_POOL_TXS,
} from '../../../src/node/sync/pool-messages'
import { syncProtocols } from '../../../src/node/sync/sync-server'
import { createNode } from '../../../src/node/worker/node'
import { until } from '../../until'

const GENESIS = testGenesis()
const CHAIN_ID = GENESIS.params.chainId
const POOL = syncProtocols(CHAIN_ID).pool
const MNEMONIC = 'test test test test test test test test test test test junk'
const SINK = DEVNET_ACCOUNTS[9] as Address

/** A transfer of `value` wei signed by Hardhat account `index` with `nonce` (for `chainId`). */
function transfer(index: number, nonce: number, value = 1n, chainId = CHAIN_ID): Promise<Hex> {
  return mnemonicToAccount(MNEMONIC, { addressIndex: index }).signTransaction({
    type: 'eip1559',
    chainId,
    nonce,
    to: SINK,
    value,
    gas: 21_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
}

/** A node that starts (handlers registered) before it joins the hub, and does not mine. */
async function makeNode(hub: ReturnType<typeof memoryHub>, peerId: string) {
  const link = hub.join(peerId)
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    coinbase: SINK,
    mine: false,
    network: link.api,
    emit: () => {},
    now: () => Date.now(),
    agent: 'test',
  })
  await node.start()
  return { node, api: node.api, link }
}

const pending = async (api: { transaction(h: Hex): Promise<{ state: string } | null> }, hash: Hex) =>
  (await api.transaction(hash))?.state === 'pending'

describe('pool exchange messages', () => {
  test('an answer round-trips and is cut at the transaction and byte budgets', () => {
    const raws = [new Uint8Array([1, 2]), new Uint8Array([3])]
    expect(decodePoolResponse(encodePoolResponse(raws))).toEqual(raws)
    const many = Array.from({ length: MAX_POOL_TXS + 5 }, () => new Uint8Array([7]))
    expect(decodePoolResponse(encodePoolResponse(many))).toHaveLength(MAX_POOL_TXS)
    const big = Array.from({ length: 5 }, () => new Uint8Array(MAX_POOL_BYTES / 4))
    expect(decodePoolResponse(encodePoolResponse(big))).toHaveLength(4)
  })

  test('bad answers and requests are typed errors', () => {
    expect(() => decodePoolResponse(new Uint8Array([0xff]))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) }),
    )
    expect(() => decodePoolResponse(rlpEncode(new Uint8Array([1])))).toThrow(/expected a list/)
    expect(() => decodePoolResponse(rlpEncode([[new Uint8Array([1])]]))).toThrow(/not a byte string/)
    const tooMany = rlpEncode(Array.from({ length: MAX_POOL_TXS + 1 }, () => new Uint8Array([1])))
    expect(() => decodePoolResponse(tooMany)).toThrow(/more than/)
    expect(() => decodePoolResponse(new Uint8Array(MAX_POOL_BYTES + 20_000))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_RESPONSE_TOO_LARGE' }) }),
    )
    expect(() => checkPoolRequest(new Uint8Array([1]))).toThrow(/takes no body/)
    expect(() => checkPoolRequest(new Uint8Array(0))).not.toThrow()
  })
})

describe('mempool exchange on link (in-process nodes, memory network)', () => {
  test('a node that links gets the pending transactions of its new peer, both ways', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    const b = await makeNode(hub, 'B')
    // Submitted before either is attached: their gossip reaches no one.
    const fromA = await a.api.sendRawTransaction(await transfer(1, 0))
    const fromB = await b.api.sendRawTransaction(await transfer(2, 0))
    // Waiting for an earlier nonce: handed over too (the peer may hold or get the missing one).
    const queued = await a.api.sendRawTransaction(await transfer(3, 1))
    expect(await pending(b.api, fromA)).toBe(false)
    expect(await pending(a.api, fromB)).toBe(false)
    await a.link.attach(a.node.sink)
    await b.link.attach(b.node.sink)
    await until(
      async () =>
        (await pending(b.api, fromA)) && (await pending(a.api, fromB)) && (await pending(b.api, queued)),
    )
    a.node.stop()
    b.node.stop()
  })

  test('a reloaded peer gets what was gossiped while it was away', async () => {
    const hub = memoryHub()
    const a = await makeNode(hub, 'A')
    await a.link.attach(a.node.sink)
    const b = await makeNode(hub, 'B')
    await b.link.attach(b.node.sink)
    b.node.stop()
    await b.link.leave()
    const hash = await a.api.sendRawTransaction(await transfer(1, 0))
    // B comes back under the same peer id (a reload keeps the profile's key), with an empty mempool.
    const back = await makeNode(hub, 'B')
    expect(await pending(back.api, hash)).toBe(false)
    await back.link.attach(back.node.sink)
    await until(() => pending(back.api, hash))
    a.node.stop()
    back.node.stop()
  })

  test('a peer answering garbage or an invalid transaction is penalised and the rest is not read', async () => {
    for (const answer of [
      new Uint8Array([0xff, 0x01]),
      // Signed for another chain (rejected), then a valid one that must not be read.
      rlpEncode([fromHex(await transfer(1, 0, 1n, CHAIN_ID + 1)), fromHex(await transfer(2, 0))]),
    ]) {
      const hub = memoryHub()
      const a = await makeNode(hub, 'A')
      await a.link.attach(a.node.sink)
      const fake = hub.join('F')
      await fake.api.handle(POOL)
      const sink: NetworkSink = {
        gossip: async () => 'ignore',
        request: async () => answer,
        networkChanged: async () => {},
      }
      await fake.attach(sink)
      await until(async () => (await a.api.stats()).penalties > 0)
      expect(await a.api.pendingTransactions()).toEqual([])
      a.node.stop()
    }
  })
})
