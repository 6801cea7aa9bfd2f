import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { LightClient } from '../../../src/node/light/light-client'
import { createSyncServer } from '../../../src/node/sync/sync-server'
import { ActivityIndex } from '../../../src/node/worker/activity-index'
import { asyncCodeOf } from '../../code-of'
import { addressOf } from '../chain/chain-fixtures'
import { ALICE, extend, GENESIS, must, RecordingBoard, tokenChain } from './fixtures'

/**
 * A light node whose header chain left a branch (a reorg): a peer still on that branch proves, honestly,
 * transactions in blocks that are no longer canonical. Those proofs verify against headers the chain
 * still holds, but what they show is not on the chain the node follows: never shown, and no penalty.
 */

const NOW = 10 ** 15

/** A light client that followed `old` (block 1 holds the token transactions) and then `heavier`. */
async function afterReorg() {
  const { chain: old } = await tokenChain(1)
  const heavier = new Chain({ genesis: GENESIS })
  extend(heavier, 4, { miner: addressOf(7) })
  const index = new ActivityIndex(old, { senders: true })
  const server = createSyncServer({
    chain: old,
    now: () => 0,
    rateBurst: 1_000_000,
    activity: (address, limit) => index.transactions(address, limit),
  })
  const board = new RecordingBoard({ now: () => NOW, banMs: 60_000, disconnect: async () => {} })
  const light = new LightClient({
    genesis: GENESIS,
    request: async (peerId, protocol, data) => must(server.answer(protocol, data, peerId)),
    disconnect: async () => {},
    now: () => NOW,
    board,
  })
  const headerOf = (chain: Chain, n: bigint) => must(chain.getBlockByNumber(n)).block.header
  for (const n of [1n, 2n]) light.headers.add(headerOf(old, n), BigInt(NOW))
  for (const n of [1n, 2n, 3n, 4n]) light.headers.add(headerOf(heavier, n), BigInt(NOW))
  const oldBlock = must(old.getBlockByNumber(1n))
  expect(light.headers.get(oldBlock.hash)).toBeDefined()
  expect(light.headers.isCanonical(oldBlock.hash)).toBe(false)
  // The peer claims our head: its word is not that of a peer behind.
  light.notePeerHead('stale', 4n)
  const tx = must(oldBlock.txHashes[0]) as Hex
  return { light, tx, offences: board.offences, oldHash: oldBlock.hash }
}

describe('a light node after a reorg: proofs against a block that left its header chain', () => {
  test('a transaction proven only in such a block is not shown as mined (LIGHT_UNVERIFIED), without penalty', async () => {
    const { light, tx, offences } = await afterReorg()
    expect(await asyncCodeOf(light.transaction(tx))).toBe('LIGHT_UNVERIFIED')
    expect(offences).toEqual([])
    expect(light.isBanned('stale')).toBe(false)
  })

  test('nor when the caller names that block as the one it knew held it: only a block below the base is taken so', async () => {
    const { light, tx, offences, oldHash } = await afterReorg()
    // Block 1 of the branch left: held, above the base (the genesis), not canonical.
    const left = must(light.headers.get(oldHash))
    expect(await asyncCodeOf(light.transaction(tx, left))).toBe('LIGHT_UNVERIFIED')
    expect(offences).toEqual([])
  })

  test('inclusion of a batch leaves it out, without penalty', async () => {
    const { light, tx, offences } = await afterReorg()
    expect([...(await light.included([tx])).keys()]).toEqual([])
    expect(offences).toEqual([])
  })

  test("an address's list leaves out what sits in such blocks, without penalty", async () => {
    const { light, offences } = await afterReorg()
    expect(await light.addressTransactions(ALICE, 10)).toEqual([])
    expect(offences).toEqual([])
  })
})
