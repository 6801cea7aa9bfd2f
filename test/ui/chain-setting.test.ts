import { describe, expect, test } from 'vitest'
import { devnetGenesis, genesisToJson, testGenesis } from '../../src/node/chain/genesis'
import { CHAIN_INFO_URL, fetchGenesis } from '../../src/ui/chain-setting'
import { memoryStorage } from './memory-storage'

const fast = testGenesis({ name: 'tabchain-e2e-fast', params: { confirmations: 1 } })
const answer =
  (body: string, status = 200) =>
  async (url: string) => {
    expect(url).toBe(CHAIN_INFO_URL)
    return new Response(body, { status })
  }
const offline = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch')
}

describe('the chain the page runs', () => {
  test("the server's genesis wins and is remembered for an offline reload", async () => {
    const storage = memoryStorage()
    expect(await fetchGenesis(answer(genesisToJson(fast)), storage)).toEqual(fast)
    expect(await fetchGenesis(offline, storage)).toEqual(fast)
    expect(await fetchGenesis(answer('gone', 502), storage)).toEqual(fast)
  })

  test('with no server and nothing remembered, the built-in devnet', async () => {
    expect(await fetchGenesis(offline, memoryStorage())).toBe(devnetGenesis)
    expect(await fetchGenesis(answer('not found', 404), memoryStorage())).toBe(devnetGenesis)
  })

  test('an invalid genesis from the server is a GenesisError, and the remembered one is kept', async () => {
    const storage = memoryStorage()
    await fetchGenesis(answer(genesisToJson(fast)), storage)
    await expect(fetchGenesis(answer('{ nope'), storage)).rejects.toMatchObject({
      type: { code: 'GENESIS_INVALID', field: 'genesis' },
    })
    const broken = { ...JSON.parse(genesisToJson(fast)), difficulty: '7' }
    await expect(fetchGenesis(answer(JSON.stringify(broken)), storage)).rejects.toMatchObject({
      type: { code: 'GENESIS_INVALID', field: 'difficulty' },
    })
    expect(await fetchGenesis(offline, storage)).toEqual(fast)
  })

  test('a damaged remembered genesis is dropped for the devnet', async () => {
    const storage = memoryStorage()
    storage.setItem('tabchain.genesis', '{"name":')
    expect(await fetchGenesis(offline, storage)).toBe(devnetGenesis)
    expect(storage.length).toBe(0)
  })
})
