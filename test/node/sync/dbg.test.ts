import { test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { memoryHub } from '../../../src/node/network/memory'
import { createNode } from '../../../src/node/worker/node'

const GENESIS = testGenesis({ params: { minBlockIntervalMs: 30 } })
test('dbg', async () => {
  const hub = memoryHub()
  const mk = async (id: string, mine: boolean) => {
    const link = hub.join(id)
    const node = createNode({
      profileId: id,
      genesis: GENESIS,
      coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
      mine,
      network: {
        ...link.api,
        request: async (...a) => {
          try {
            const r = await link.api.request(...a)
            console.log(id, 'req ok', a[1], r.byteLength)
            return r
          } catch (e) {
            console.log(id, 'req fail', a[1], e)
            throw e
          }
        },
      },
      emit: (e, d) => {
        if (e === 'syncing') console.log(id, e, d)
      },
      now: () => Date.now(),
      agent: 't',
    })
    await link.attach(node.sink)
    await node.start()
    return node
  }
  const a = await mk('A', true)
  while ((await a.api.head()).number < 8n) await new Promise((r) => setTimeout(r, 20))
  await a.api.setMining(false)
  const b = await mk('B', false)
  await a.api.announce()
  await new Promise((r) => setTimeout(r, 2000))
  console.log((await b.api.head()).number, await b.api.stats())
})
