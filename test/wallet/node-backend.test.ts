import { encodeFunctionData, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { Chain } from '../../src/node/chain/chain'
import type { MemoryChainStore } from '../../src/node/chain/chain-store'
import { testGenesis } from '../../src/node/chain/genesis'
import { MAX_LOG_RANGE, MAX_LOG_RESULTS } from '../../src/node/chain/log-selection'
import { TOKEN_FACTORY_ADDRESS } from '../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { LightError } from '../../src/node/light/errors'
import { createNodeBackend, type NodeQueries } from '../../src/wallet/node-backend'
import { ProviderRpcError, RpcCode } from '../../src/wallet/rpc-error'
import { addressOf, chainOfTxs, snapshotStore, transfer } from '../node/chain/chain-fixtures'
import { soloNode } from './solo-node'

const GENESIS = testGenesis()

/** A chain in a memory store where account 0 creates `tokens` tokens: two logs each (mint and TokenCreated). */
async function tokenChain(tokens: number): Promise<MemoryChainStore> {
  const data = encodeFunctionData({
    abi: tokenFactoryAbi,
    functionName: 'createToken',
    args: ['Gold', 'GLD', 2, 1n],
  })
  const raws: Hex[] = []
  for (let nonce = 0; nonce < tokens; nonce++)
    raws.push(
      await transfer(
        0,
        { nonce, to: TOKEN_FACTORY_ADDRESS, value: 0n, data, gas: 180_000n },
        GENESIS.params.chainId,
      ),
    )
  return chainOfTxs(GENESIS, addressOf(0), raws)
}

describe('the wallet backend over the NodeApi', () => {
  test("logs past the node's limit → -32005 (limit exceeded); a narrower query is still served", async () => {
    const { api, backend } = await soloNode(GENESIS, await tokenChain(MAX_LOG_RESULTS / 2 + 1))
    const head = (await api.head()).number
    const refused = await backend.logs({ fromBlock: 0n, toBlock: head }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ProviderRpcError)
    expect(refused).toMatchObject({
      code: RpcCode.limitExceeded,
      message: expect.stringContaining(String(MAX_LOG_RESULTS)),
    })
    expect(await backend.logs({ fromBlock: head, toBlock: head })).not.toHaveLength(0)
  }, 60_000)

  test("parameters the node refuses → -32602 (invalid params) saying which and why, as the provider's own do", async () => {
    const { backend } = await soloNode(GENESIS, await tokenChain(1))
    const refused = await backend.logs({ fromBlock: 0n, toBlock: MAX_LOG_RANGE }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ProviderRpcError)
    expect(refused).toMatchObject({
      code: RpcCode.invalidParams,
      message: `invalid params: the block range may span at most ${MAX_LOG_RANGE} blocks`,
    })
  })

  test('a light node refusing a log range with too many blocks to read → -32005 (limit exceeded)', async () => {
    const { api } = await soloNode(GENESIS, await tokenChain(1))
    const refusing: NodeQueries = {
      ...api,
      logs: async () => {
        throw new LightError({ code: 'LIGHT_LOGS_TOO_WIDE', blocks: 513, max: 512 })
      },
    }
    const refused = await createNodeBackend(refusing, GENESIS.params)
      .logs({ fromBlock: 0n, toBlock: 1n })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ProviderRpcError)
    expect(refused).toMatchObject({ code: RpcCode.limitExceeded, message: expect.stringContaining('513') })
  })

  test('logs below the blocks a node holds (started from a snapshot) → -32002 (resource unavailable)', async () => {
    const chainId = GENESIS.params.chainId
    const raws = [await transfer(0, { nonce: 0 }, chainId), await transfer(0, { nonce: 1 }, chainId)]
    // Blocks 1 and 2; the node holds block 2 and the genesis.
    const source = new Chain({ genesis: GENESIS, store: chainOfTxs(GENESIS, addressOf(0), raws, true) })
    const { backend } = await soloNode(GENESIS, snapshotStore(GENESIS, source, 2n))
    // Block 2, the snapshot's base, is held without its receipts: its logs are missing too.
    for (const at of [1n, 2n]) {
      const refused = await backend.logs({ fromBlock: at, toBlock: at }).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ProviderRpcError)
      expect(refused).toMatchObject({
        code: RpcCode.resourceUnavailable,
        message: `the logs of block #${at} are not held here: this node started from a snapshot at block #2 and holds the logs of the blocks after it`,
      })
    }
  })
})
