import { describe, expect, test } from 'vitest'
import { devnetGenesis, genesisToJson, testGenesis } from '../../src/node/chain/genesis'
import { CHAIN_INFO_URL, fetchGenesis, GENESIS_RETRY_AFTER_MAX_MS } from '../../src/ui/chain-setting'
import { memoryStorage, refusingStorage } from './memory-storage'

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

  test('a server too busy to answer (429) is asked again after its Retry-After, not taken for one that runs no chain', async () => {
    const storage = memoryStorage()
    const answers = [
      new Response('busy', { status: 429, headers: { 'Retry-After': '2' } }),
      new Response('busy', { status: 429, headers: { 'Retry-After': '3600' } }),
      new Response(genesisToJson(fast)),
    ]
    const waited: number[] = []
    const wait = async (ms: number) => {
      waited.push(ms)
    }
    const busyThenUp = async () => answers.shift() ?? new Response('', { status: 500 })
    expect(await fetchGenesis(busyThenUp, storage, wait)).toEqual(fast)
    // Its Retry-After, capped so that a page never waits long for its chain.
    expect(waited).toEqual([2_000, GENESIS_RETRY_AFTER_MAX_MS])
    // Busy every time: after a few tries, what an unreachable server gets.
    const alwaysBusy = async () => new Response('busy', { status: 429 })
    expect(await fetchGenesis(alwaysBusy, storage, wait)).toEqual(fast)
    expect(await fetchGenesis(alwaysBusy, memoryStorage(), wait)).toBe(devnetGenesis)
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

  test("storage that refuses the write (full, turned off): the server's genesis runs all the same, the one remembered before kept", async () => {
    const storage = memoryStorage()
    await fetchGenesis(answer(genesisToJson(testGenesis())), storage)
    const before = storage.getItem('tabchain.genesis')
    expect(await fetchGenesis(answer(genesisToJson(fast)), refusingStorage(storage))).toEqual(fast)
    expect(storage.getItem('tabchain.genesis')).toBe(before)
  })

  test('a damaged remembered genesis is dropped for the devnet', async () => {
    const storage = memoryStorage()
    storage.setItem('tabchain.genesis', '{"name":')
    expect(await fetchGenesis(offline, storage)).toBe(devnetGenesis)
    expect(storage.length).toBe(0)
  })
})
