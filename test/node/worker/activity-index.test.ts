import { describe, expect, test } from 'vitest'
import { Chain } from '../../../src/node/chain/chain'
import { ActivityIndex } from '../../../src/node/worker/activity-index'
import { addressOf } from '../chain/chain-fixtures'
import { ALICE, BOB, extend, GENESIS, TOKEN, tokenChain } from '../light/fixtures'

describe('the activity index after a reorg', () => {
  test('takes back the tokens, transfers and address entries of the blocks the reorg removed', async () => {
    const { chain } = await tokenChain(1)
    const logs = new ActivityIndex(chain, { senders: false })
    const byAddress = new ActivityIndex(chain, { senders: true })
    expect(logs.tokens().map((t) => t.address)).toEqual([TOKEN])
    expect(logs.transfers(TOKEN, 10)).not.toEqual([])
    expect(byAddress.transactions(ALICE, 10)).not.toEqual([])
    expect(byAddress.transactions(BOB, 10)).not.toEqual([])

    // A heavier branch from the genesis, without block 1's transactions.
    const heavier = new Chain({ genesis: GENESIS })
    for (const block of extend(heavier, 3, { miner: addressOf(7) }))
      chain.importBlock(block, block.header.timestamp)
    expect(chain.head.hash).toBe(heavier.head.hash)
    expect(logs.tokens()).toEqual([])
    expect(logs.transfers(TOKEN, 10)).toEqual([])
    expect(byAddress.transactions(ALICE, 10)).toEqual([])
    expect(byAddress.transactions(BOB, 10)).toEqual([])
  })
})
