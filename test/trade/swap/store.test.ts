import { type Address, type Hex, keccak256, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { createMemoryBackend, openMemoryRepository } from '../../../src/node/storage/memory-repository'
import { partyOf } from '../../../src/trade/swap/driver'
import { SwapStore } from '../../../src/trade/swap/store'
import type { SwapTerms } from '../../../src/trade/swap/terms'
import { GENESIS } from './harness'

const SWAP_ID = keccak256(stringToHex('offer-1'))
const MAKER = `0x${'aa'.repeat(20)}` as Address
const TAKER = `0x${'bb'.repeat(20)}` as Address
const TERMS: SwapTerms = {
  chainId: GENESIS.params.chainId,
  offerId: SWAP_ID,
  maker: MAKER,
  taker: TAKER,
  tokenA: `0x${'00'.repeat(20)}`,
  amountA: 100n,
  tokenB: `0x${'cc'.repeat(20)}`,
  amountB: 250n,
  makerTimelockBlocks: 40n,
  takerTimelockBlocks: 12n,
  hashlock: `0x${'11'.repeat(32)}` as Hex,
  acceptedHeight: 3n,
}

const openStore = async () => {
  const repo = await openMemoryRepository({
    backend: createMemoryBackend(),
    chain: { chainId: GENESIS.params.chainId, genesisHash: keccak256(stringToHex(GENESIS.name)) },
  })
  return { repo, store: new SwapStore(repo) }
}

describe("a swap record keeps the other party's tab", () => {
  it('an accepted event written with the peer id reads it back', async () => {
    const { store } = await openStore()
    await store.append(SWAP_ID, 0, {
      kind: 'accepted',
      terms: TERMS,
      role: 'taker',
      counterpartyPeer: '12D3KooWMaker',
    })
    const events = await store.events(SWAP_ID)
    expect(events).toEqual([
      { kind: 'accepted', terms: TERMS, role: 'taker', counterpartyPeer: '12D3KooWMaker' },
    ])
    expect(partyOf(SWAP_ID, events)).toEqual({
      terms: TERMS,
      role: 'taker',
      account: TAKER,
      counterpartyPeer: '12D3KooWMaker',
    })
  })

  it('a record written before the peer id was kept reads as not knowing it, unchanged in storage', async () => {
    const { repo, store } = await openStore()
    // The stored form of older code: `opened`, then `accepted` with terms and role only.
    await repo.appendSwapEvent({ swapId: SWAP_ID, seq: 0, event: { kind: 'opened', offerId: SWAP_ID } })
    await repo.appendSwapEvent({
      swapId: SWAP_ID,
      seq: 1,
      event: { kind: 'accepted', terms: TERMS, role: 'maker' },
    })
    const before = await repo.getSwapEvents(SWAP_ID)
    const events = await store.events(SWAP_ID)
    expect(partyOf(SWAP_ID, events)).toEqual({
      terms: TERMS,
      role: 'maker',
      account: MAKER,
      counterpartyPeer: null,
    })
    expect(await repo.getSwapEvents(SWAP_ID)).toEqual(before)
  })

  it.each([
    ['an empty string', ''],
    ['a space inside', '12D3 KooW'],
    ['too long', 'x'.repeat(129)],
    ['a number', 7],
    ['null', null],
  ])(
    'a malformed peer id (%s) reads as unknown, not as an error: the swap still resumes',
    async (_what, peer) => {
      const { repo, store } = await openStore()
      await repo.appendSwapEvent({
        swapId: SWAP_ID,
        seq: 0,
        event: { kind: 'accepted', terms: TERMS, role: 'taker', counterpartyPeer: peer },
      })
      const events = await store.events(SWAP_ID)
      expect(events).toEqual([{ kind: 'accepted', terms: TERMS, role: 'taker' }])
      expect(partyOf(SWAP_ID, events).counterpartyPeer).toBeNull()
    },
  )
})
