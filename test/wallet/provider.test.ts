import fc from 'fast-check'
import {
  createWalletClient,
  custom,
  getAddress,
  getTypesForEIP712Domain,
  type Hex,
  hashTypedData,
  maxUint256,
  numberToHex,
  parseEther,
  parseTransaction,
  recoverAddress,
  recoverMessageAddress,
  stringToHex,
} from 'viem'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { memoryHub } from '../../src/node/network/memory'
import { RpcError } from '../../src/node/rpc/protocol'
import { createNode } from '../../src/node/worker/node'
import { offerTypedData } from '../../src/trade/offers/typed-data'
import type { ProviderBackend } from '../../src/wallet/backend'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { announceProvider, tabchainProviderInfo } from '../../src/wallet/eip6963'
import { walletError } from '../../src/wallet/errors'
import { createNodeBackend } from '../../src/wallet/node-backend'
import { createProvider, MAX_PARAMS, type TabchainProvider } from '../../src/wallet/provider'
import { ProviderRpcError, RpcCode } from '../../src/wallet/rpc-error'
import { memoryWalletStore } from '../../src/wallet/store'
import { createWallet, type Wallet } from '../../src/wallet/wallet'
import { FUZZ_RUNS } from '../fuzz-decoder'
import { transfer } from '../node/chain/chain-fixtures'
import { until } from '../until'
import { PERMIT_TYPE, permitTypedData } from './permit'
import { poolBackend } from './pool-backend'
import { HARDHAT_MNEMONIC, hardhatWallet, soloNode } from './solo-node'

const PASSWORD = 'correct horse battery'
const GENESIS = testGenesis()
const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)

/** A provider over a real in-process node's NodeApi (not mining), with a scripted approval answer. */
async function setup() {
  const link = memoryHub().join('solo')
  const node = createNode({
    profileId: 'p',
    genesis: GENESIS,
    coinbase: DEVNET_ACCOUNTS[9] as `0x${string}`,
    mine: false,
    network: link.api,
    emit: () => {},
    now: Date.now,
    agent: 'test',
  })
  await node.start()
  const wallet = createWallet({ store: memoryWalletStore() })
  await wallet.load()
  await wallet.create(HARDHAT_MNEMONIC, PASSWORD)
  const approvals: ApprovalRequest[] = []
  const state = { answer: true, lockedPrompts: 0 }
  const provider = createProvider({
    backend: createNodeBackend(node.api, GENESIS.params),
    wallet,
    approve: async (r) => {
      approvals.push(r)
      return state.answer
    },
    onLocked: async () => {
      state.lockedPrompts++
    },
  })
  return { node, wallet, provider, approvals, state }
}

let s: Awaited<ReturnType<typeof setup>>
let provider: TabchainProvider
let wallet: Wallet

beforeAll(async () => {
  s = await setup()
  provider = s.provider
  wallet = s.wallet
})

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: number }) => e.code,
  )

describe('EIP-1193 provider over the NodeApi', () => {
  test('chain, accounts, head, balance, nonce, fees, peers', async () => {
    expect(await provider.request({ method: 'eth_chainId' })).toBe('0x7ab8')
    expect(await provider.request({ method: 'net_version' })).toBe('31416')
    expect(await provider.request({ method: 'eth_accounts' })).toEqual([ME])
    expect(await provider.request({ method: 'eth_requestAccounts' })).toEqual([ME])
    expect(await provider.request({ method: 'eth_blockNumber' })).toBe('0x0')
    expect(await provider.request({ method: 'eth_getBalance', params: [ME, 'latest'] })).toBe(
      `0x${parseEther('10000').toString(16)}`,
    )
    expect(await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })).toBe('0x0')
    expect(await provider.request({ method: 'eth_maxPriorityFeePerGas' })).toBe('0x3b9aca00')
    expect(BigInt((await provider.request({ method: 'eth_gasPrice' })) as string)).toBeGreaterThan(
      1_000_000_000n,
    )
    expect(await provider.request({ method: 'net_peerCount' })).toBe('0x0')
    expect(await provider.request({ method: 'eth_syncing' })).toBe(false)
    const block = (await provider.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
      number: string
      timestamp: string
    }
    expect(block.number).toBe('0x0')
    expect(BigInt(block.timestamp)).toBe(GENESIS.timestamp / 1000n)
    const history = (await provider.request({ method: 'eth_feeHistory', params: ['0x1', 'latest', []] })) as {
      baseFeePerGas: string[]
    }
    expect(history.baseFeePerGas).toHaveLength(2)
  })

  test('malformed params → -32602 naming the field; nothing is signed', async () => {
    const bad = async (method: string, params: unknown[], field: string) => {
      const err = await provider.request({ method, params }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: -32602 })
      expect((err as Error).message).toContain(field)
    }
    await bad('eth_getBalance', ['0x1234', 'latest'], 'params[0] (address)')
    await bad('eth_getBalance', [ME, 'yesterday'], 'params[1] (block)')
    await bad('eth_getTransactionCount', [ME, '0x01'], 'params[1] (block)')
    // A quantity is at most 256 bits: 65 hex digits are refused.
    await bad('eth_getTransactionCount', [ME, `0x1${'0'.repeat(64)}`], 'params[1] (block)')
    await bad('eth_sendTransaction', [{ from: ME, to: FRIEND, value: 'lots' }], 'params[0].value')
    await bad('eth_sendTransaction', [{ from: ME }], 'params[0].to')
    await bad(
      'eth_sendTransaction',
      [{ from: ME, to: FRIEND.toLowerCase().replace('0x90', '0x9F') }],
      'params[0].to',
    )
    await bad('eth_sendTransaction', [{ from: ME, to: FRIEND, chainId: '0x1' }], 'params[0].chainId')
    await bad(
      'eth_sendTransaction',
      [{ from: ME, to: FRIEND, maxPriorityFeePerGas: '0x2540be401', maxFeePerGas: '0x2540be400' }],
      'params[0].maxPriorityFeePerGas',
    )
    await bad('eth_sendTransaction', ['nope'], 'params[0]')
    await bad('personal_sign', [42, ME], 'params[0] (message)')
    await bad('personal_sign', ['hello', 'me'], 'params[1] (address)')
    await bad('eth_signTypedData_v4', [ME, '{not json'], 'params[1] (typed data)')
    await bad('eth_getTransactionReceipt', ['0x12'], 'params[0] (hash)')
    // A count as a JSON number that is not whole (it threw a RangeError, no EIP-1193 error).
    await bad('eth_feeHistory', [1.5, 'latest', []], 'params[0] (blockCount)')
    await bad('eth_feeHistory', [-5e-324, 'latest'], 'params[0] (blockCount)')
    await bad('eth_feeHistory', ['0x401', 'latest', []], 'params[0] (blockCount)')
    await bad('eth_feeHistory', ['0x0', 'latest', []], 'params[0] (blockCount)')
    await bad('eth_feeHistory', ['0x1', 'latest', [101]], 'params[2] (rewardPercentiles)')
    await bad('eth_feeHistory', ['0x1', 'latest', [50, 10]], 'params[2] (rewardPercentiles)')
    // A mixed-case address with a wrong EIP-55 checksum.
    await bad('eth_getBalance', ['0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest'], 'EIP-55')
    // Params by name (an object, not an array) are refused, not read as no params.
    const named = await provider.request({ method: 'eth_blockNumber', params: {} }).catch((e: unknown) => e)
    expect(named).toMatchObject({ code: -32602, message: 'invalid params: params must be an array' })
    expect(s.approvals).toHaveLength(0)
  })

  test("more params than a method takes → go-ethereum's -32602 'too many arguments, want at most N', nothing asked or sent", async () => {
    // go-ethereum's counts (eth_call and eth_estimateGas without the state and block overrides this
    // node does not serve; personal_sign with go-ethereum's password, which MetaMask takes and ignores).
    const takes: Record<string, number> = {
      eth_chainId: 0,
      net_version: 0,
      eth_accounts: 0,
      eth_requestAccounts: 0,
      eth_blockNumber: 0,
      eth_getBalance: 2,
      eth_getTransactionCount: 2,
      eth_gasPrice: 0,
      eth_maxPriorityFeePerGas: 0,
      eth_feeHistory: 3,
      eth_getCode: 2,
      eth_call: 2,
      eth_estimateGas: 2,
      eth_sendTransaction: 1,
      eth_sendRawTransaction: 1,
      eth_getTransactionByHash: 1,
      eth_getTransactionReceipt: 1,
      eth_getBlockByNumber: 2,
      eth_getBlockByHash: 2,
      eth_getLogs: 1,
      eth_syncing: 0,
      net_peerCount: 0,
      personal_sign: 3,
      eth_signTypedData_v4: 2,
      wallet_switchEthereumChain: 1,
      wallet_addEthereumChain: 1,
      wallet_requestPermissions: 1,
      wallet_getPermissions: 0,
      wallet_revokePermissions: 1,
    }
    const before = s.approvals.length
    const nonce = await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })
    const tx = { from: ME, to: FRIEND, value: '0x1' }
    for (const [method, n] of Object.entries(takes)) {
      const params = [tx, 'latest', [], null].slice(0, n + 1)
      const err = await provider.request({ method, params }).catch((e: unknown) => e)
      expect({ method, err }).toMatchObject({
        method,
        err: { code: -32602, message: `too many arguments, want at most ${n}` },
      })
    }
    // Up to the count, they are served: a state override (a third eth_call param) is refused above, not
    // ignored; a block for an estimate is read.
    expect(await provider.request({ method: 'eth_estimateGas', params: [tx, 'latest'] })).toBe('0x5208')
    expect(await code(provider.request({ method: 'eth_estimateGas', params: [tx, 'yesterday'] }))).toBe(
      -32602,
    )
    expect(await provider.request({ method: 'eth_chainId', params: [] })).toBe('0x7ab8')
    expect(s.approvals.length).toBe(before)
    expect(await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })).toBe(nonce)
  })

  test('methods it does not serve → -32601; unknown chain → 4902', async () => {
    expect(await code(provider.request({ method: 'eth_mining' }))).toBe(-32601)
    expect(await code(provider.request({ method: 'toString' }))).toBe(-32601)
    expect(
      await code(provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x1' }] })),
    ).toBe(4902)
    expect(
      await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x7ab8' }] }),
    ).toBeNull()
    // EIP-3085: adding another chain is unsupported (4200); this node's own is known already.
    expect(
      await code(provider.request({ method: 'wallet_addEthereumChain', params: [{ chainId: '0x1' }] })),
    ).toBe(4200)
    expect(
      await provider.request({ method: 'wallet_addEthereumChain', params: [{ chainId: '0x7ab8' }] }),
    ).toBeNull()
  })

  test('node queries: block by hash, unknown transaction → null, state of an old height → -32002, limits', async () => {
    const latest = (await provider.request({ method: 'eth_getBlockByNumber', params: ['latest', true] })) as {
      hash: string
      number: string
    }
    const byHash = (await provider.request({
      method: 'eth_getBlockByHash',
      params: [latest.hash, false],
    })) as {
      number: string
    }
    expect(byHash.number).toBe(latest.number)
    const unknown = `0x${'ab'.repeat(32)}`
    expect(await provider.request({ method: 'eth_getBlockByHash', params: [unknown, false] })).toBeNull()
    expect(await provider.request({ method: 'eth_getTransactionByHash', params: [unknown] })).toBeNull()
    expect(await provider.request({ method: 'eth_getTransactionReceipt', params: [unknown] })).toBeNull()
    expect(await code(provider.request({ method: 'eth_call', params: [{ to: FRIEND }, '0x5'] }))).toBe(-32002)
    expect(await provider.request({ method: 'eth_call', params: [{ to: FRIEND }, 'latest'] })).toBe('0x')
    expect(
      await code(
        provider.request({
          method: 'eth_getLogs',
          params: [{ fromBlock: '0x0', toBlock: 'latest', topics: [[]] }],
        }),
      ),
    ).toBe(-32602)
  })

  test("eth_getLogs spans at most the node's 10,000 blocks: one more is the provider's -32602, the node not asked", async () => {
    // A backend at height 20,000 whose log query records what reaches it.
    const asked: unknown[] = []
    const tall = createProvider({
      backend: {
        ...createNodeBackend(s.node.api, GENESIS.params),
        blockNumber: async () => 20_000n,
        logs: async (filter) => {
          asked.push(filter)
          return []
        },
      },
      wallet,
      approve: async () => true,
    })
    const logs = (from: number, to: number) =>
      tall.request({
        method: 'eth_getLogs',
        params: [{ fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
      })
    expect(await logs(1, 10_000)).toEqual([])
    expect(asked).toHaveLength(1)
    await expect(logs(0, 10_000)).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('range is over 10,000 blocks'),
    })
    expect(asked).toHaveLength(1)
  })

  test('eth_getLogs refuses what geth refuses: fromBlock after toBlock, blockHash with a range, a block off the canonical chain', async () => {
    const base = createNodeBackend(s.node.api, GENESIS.params)
    const genesis = await base.block(0n)
    if (genesis === null) throw new Error('no genesis block')
    // A block this node stores at height 0 that lost to the genesis (as one a reorg left behind).
    const side: Hex = `0x${'5e'.repeat(32)}`
    const asked: unknown[] = []
    const p = createProvider({
      backend: {
        ...base,
        blockNumber: async () => 5n,
        block: async (ref) => (ref === side ? { ...genesis, hash: side } : base.block(ref)),
        logs: async (filter) => {
          asked.push(filter)
          return []
        },
      },
      wallet,
      approve: async () => true,
    })
    const logs = (filter: object) => code(p.request({ method: 'eth_getLogs', params: [filter] }))
    expect(await logs({ fromBlock: '0x3', toBlock: '0x2' })).toBe(-32602)
    expect(await logs({ blockHash: genesis.hash, fromBlock: '0x0' })).toBe(-32602)
    expect(await logs({ blockHash: side })).toBe(-32002)
    expect(asked).toHaveLength(0)
    // A poller's next range, beyond the head for now: nothing yet, no error.
    expect(await logs({ fromBlock: '0x6', toBlock: 'latest' })).toBe('resolved')
    expect(await logs({ fromBlock: '0x6', toBlock: '0x9' })).toBe('resolved')
    expect(await logs({ blockHash: genesis.hash })).toBe('resolved')
    expect(asked).toHaveLength(1)
  })

  test('eth_feeHistory of a newest block beyond the head → -32602 (not a history of blocks that do not exist)', async () => {
    const head = BigInt((await provider.request({ method: 'eth_blockNumber' })) as string)
    const err = await provider
      .request({ method: 'eth_feeHistory', params: ['0x2', `0x${(head + 100n).toString(16)}`, []] })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: -32602, message: expect.stringContaining('params[1] (newestBlock)') })
    const history = (await provider.request({
      method: 'eth_feeHistory',
      params: ['0x2', 'pending', []],
    })) as {
      oldestBlock: string
    }
    expect(BigInt(history.oldestBlock)).toBe(head > 0n ? head - 1n : 0n)
  })

  test("eth_feeHistory rewards are go-ethereum's: the effective tip at which the gas used, transactions sorted by tip, reaches the percentile of the block's gas used", async () => {
    const gwei = 1_000_000_000n
    const baseFee = gwei
    // In block order: a big call tipping 3 gwei, a transfer capped at 1 gwei of tip (its fee cap is
    // 2 gwei), a transfer tipping 2 gwei.
    const sent = [
      { tip: 3n * gwei, cap: 100n * gwei, effectiveTip: 3n * gwei, gasUsed: 200_000n },
      { tip: 5n * gwei, cap: 2n * gwei, effectiveTip: gwei, gasUsed: 21_000n },
      { tip: 2n * gwei, cap: 100n * gwei, effectiveTip: 2n * gwei, gasUsed: 21_000n },
    ].map((t, i) => ({ ...t, hash: `0x${String(i + 1).repeat(64)}` as Hex }))
    const gasUsed = 242_000n
    const base = poolBackend()
    const p = createProvider({
      backend: {
        ...base,
        blockNumber: async () => 1n,
        nextBaseFee: async () => baseFee,
        block: async (ref) =>
          ref === 1n
            ? {
                number: 1n,
                hash: `0x${'b1'.repeat(32)}`,
                parentHash: `0x${'b0'.repeat(32)}`,
                timestamp: 1_000n,
                miner: ME,
                difficulty: 1n,
                gasLimit: 30_000_000n,
                gasUsed,
                baseFeePerGas: baseFee,
                stateRoot: `0x${'5a'.repeat(32)}`,
                transactions: sent.map((t) => t.hash),
              }
            : null,
        transaction: async (hash) => {
          const t = sent.find((x) => x.hash === hash)
          if (t === undefined) return null
          const tx = {
            hash,
            raw: '0x' as Hex,
            from: ME,
            chainId: GENESIS.params.chainId,
            nonce: 0n,
            maxPriorityFeePerGas: t.tip,
            maxFeePerGas: t.cap,
            gas: t.gasUsed,
            to: FRIEND,
            value: 0n,
            data: '0x' as Hex,
          }
          return { tx, blockHash: `0x${'b1'.repeat(32)}`, blockNumber: 1n, index: 0, baseFeePerGas: baseFee }
        },
        receipt: async (hash) => {
          const t = sent.find((x) => x.hash === hash)
          if (t === undefined) return null
          return {
            receipt: {
              transactionHash: hash,
              status: 1,
              gasUsed: t.gasUsed,
              cumulativeGasUsed: t.gasUsed,
              effectiveGasPrice: baseFee + t.effectiveTip,
              logs: [],
              logsBloom: `0x${'00'.repeat(256)}`,
            },
            from: ME,
            to: FRIEND,
            blockHash: `0x${'b1'.repeat(32)}`,
            blockNumber: 1n,
            index: 0,
            firstLogIndex: 0,
          }
        },
      },
      wallet,
      approve: async () => true,
    })
    const history = (await p.request({
      method: 'eth_feeHistory',
      params: ['0x1', '0x1', [0, 8, 8.6777, 10, 50, 100]],
    })) as { reward: string[][] }
    // Sorted by tip: 1 gwei (21,000 gas), 2 gwei (42,000 in all), 3 gwei (242,000). 8 % of 242,000 is
    // 19,360, within the first; 8.6777 % is 21,000 (rounded down), exactly the first's gas: still the
    // first (go-ethereum moves on only while the sum is below); 10 % is 24,200, past it; 50 % lies in
    // the big call's gas.
    expect(history.reward).toEqual([
      [gwei, gwei, gwei, 2n * gwei, 3n * gwei, 3n * gwei].map((n) => `0x${n.toString(16)}`),
    ])
  })

  test('EIP-1898: state at { blockHash } is read at that block; unknown → -32001, off the canonical chain → -32002 (-32000 when requireCanonical)', async () => {
    const base = createNodeBackend(s.node.api, GENESIS.params)
    const head = await base.block(await base.blockNumber())
    if (head === null) throw new Error('no head block')
    const side: Hex = `0x${'5e'.repeat(32)}`
    const p = createProvider({
      backend: { ...base, block: async (ref) => (ref === side ? { ...head, hash: side } : base.block(ref)) },
      wallet,
      approve: async () => true,
    })
    const balance = await p.request({ method: 'eth_getBalance', params: [ME, 'latest'] })
    expect(await p.request({ method: 'eth_getBalance', params: [ME, { blockHash: head.hash }] })).toBe(
      balance,
    )
    expect(
      await p.request({
        method: 'eth_getTransactionCount',
        params: [ME, { blockHash: head.hash, requireCanonical: true }],
      }),
    ).toBe('0x0')
    expect(await p.request({ method: 'eth_call', params: [{ to: FRIEND }, { blockHash: head.hash }] })).toBe(
      '0x',
    )
    const at = (block: object) => code(p.request({ method: 'eth_getBalance', params: [ME, block] }))
    expect(await at({ blockHash: `0x${'ab'.repeat(32)}` })).toBe(-32001)
    expect(await at({ blockHash: side })).toBe(-32002)
    expect(await at({ blockHash: side, requireCanonical: true })).toBe(-32000)
    expect(await at({ blockHash: '0x12' })).toBe(-32602)
    expect(await at({ blockHash: head.hash, requireCanonical: 'yes' })).toBe(-32602)
  })

  test('send: approval in human terms, 4001 on cancel (nothing sent), then sent on approval', async () => {
    s.state.answer = false
    const tx = { from: ME, to: FRIEND, value: `0x${parseEther('12.5').toString(16)}` }
    expect(await code(provider.request({ method: 'eth_sendTransaction', params: [tx] }))).toBe(4001)
    const asked = s.approvals.at(-1)
    expect(asked?.title).toBe('Send 12.5 TAB to 0x90…06')
    expect(asked?.details.find((d) => d.label === 'Network fee')?.value).toMatch(/^up to 0\.0000\d+ TAB$/)
    expect(await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })).toBe('0x0')
    s.state.answer = true
    const hash = await provider.request({ method: 'eth_sendTransaction', params: [tx] })
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    // A second send before any block gets the next nonce (the node counts its pool).
    const hash2 = await provider.request({ method: 'eth_sendTransaction', params: [tx] })
    expect(hash2).not.toBe(hash)
    expect(await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })).toBe('0x2')
  })

  test('insufficient funds are caught before signing (-32000), without asking the user', async () => {
    const before = s.approvals.length
    const err = await provider
      .request({
        method: 'eth_sendTransaction',
        params: [{ from: ME, to: FRIEND, value: `0x${parseEther('20000').toString(16)}` }],
      })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: -32000 })
    expect((err as Error).message).toMatch(/insufficient funds/)
    // The whole balance as value leaves nothing for gas: caught too, before the user is asked.
    const balance = (await provider.request({ method: 'eth_getBalance', params: [ME, 'latest'] })) as Hex
    const all = await provider
      .request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: balance }] })
      .catch((e: unknown) => e)
    expect(all).toMatchObject({ code: -32000 })
    expect((all as Error).message).toMatch(/insufficient funds/)
    expect(s.approvals.length).toBe(before)
  })

  test('personal_sign shows the text and signs with EIP-191; typed data of another chain is refused', async () => {
    const sig = (await provider.request({
      method: 'personal_sign',
      params: [stringToHex('Log in to Tabchain'), ME],
    })) as `0x${string}`
    const asked = s.approvals.at(-1)
    expect(asked?.details.find((d) => d.label === 'Message')?.value).toBe('Log in to Tabchain')
    // The signing account, by the wallet's name for it and in full.
    expect(asked?.details.find((d) => d.label === 'Account')?.value).toBe(`Account 1 (${ME})`)
    expect(await recoverMessageAddress({ message: 'Log in to Tabchain', signature: sig })).toBe(ME)
    const typed = {
      types: { EIP712Domain: [{ name: 'chainId', type: 'uint256' }], Hi: [{ name: 'n', type: 'uint256' }] },
      domain: { chainId: 1 },
      primaryType: 'Hi',
      message: { n: 1 },
    }
    const before = s.approvals.length
    const err = await provider
      .request({ method: 'eth_signTypedData_v4', params: [ME, JSON.stringify(typed)] })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: -32602 })
    expect((err as Error).message).toMatch(/domain\.chainId.*31416/)
    expect(s.approvals.length).toBe(before)
  })

  test('personal_sign as MetaMask takes it: params reversed (the address first), plain text signed as UTF-8, 0x-hex as bytes; garbage → -32602, nothing asked', async () => {
    const sign = async (params: unknown[]) =>
      (await provider.request({ method: 'personal_sign', params })) as Hex
    const shown = () => s.approvals.at(-1)?.details.find((d) => d.label === 'Message')?.value
    // Reversed: the first is an address, the second not one.
    const reversed = await sign([ME, stringToHex('Log in to Tabchain')])
    expect(shown()).toBe('Log in to Tabchain')
    expect(await recoverMessageAddress({ message: 'Log in to Tabchain', signature: reversed })).toBe(ME)
    // Text that is not 0x-hex: its UTF-8 bytes, in either order.
    for (const params of [
      ['Héllo, dApp ✓', ME],
      [ME, 'Héllo, dApp ✓'],
    ]) {
      const text = await sign(params)
      expect(shown()).toBe('Héllo, dApp ✓')
      expect(await recoverMessageAddress({ message: 'Héllo, dApp ✓', signature: text })).toBe(ME)
    }
    // 0x-hex is bytes, not the text "0xdeadbeef".
    const bytes = await sign(['0xdeadbeef', ME])
    expect(await recoverMessageAddress({ message: { raw: '0xdeadbeef' }, signature: bytes })).toBe(ME)
    // A 20-byte message before the address: both look like addresses, so the order is the standard one.
    const twenty = await sign([FRIEND.toLowerCase(), ME])
    expect(
      await recoverMessageAddress({ message: { raw: FRIEND.toLowerCase() as Hex }, signature: twenty }),
    ).toBe(ME)
    // go-ethereum's third param (a password) is taken and not used.
    expect(await sign(['0x68', ME, ''])).toMatch(/^0x[0-9a-f]{130}$/)

    const before = s.approvals.length
    const refused = async (params: unknown[], field: string) => {
      const err = await provider.request({ method: 'personal_sign', params }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: -32602, message: expect.stringContaining(field) })
    }
    await refused([{ text: 'hi' }, ME], 'params[0] (message)')
    await refused([ME, 42], 'params[1] (message)')
    // Hex of half a byte: not bytes, and not meant as text.
    await refused(['0x123', ME], 'params[0] (message)')
    await refused(['hello'], 'params[1] (address)')
    await refused([ME.toLowerCase().replace('0xf3', '0xF3'), 'hello'], 'params[0] (address)')
    expect(s.approvals.length).toBe(before)
  })

  test("the market's offer typed data: the dialog shows its domain — name, version and this chain's id", async () => {
    const offer = offerTypedData(GENESIS.params.chainId, {
      maker: ME,
      makerPeer: 'peer',
      sellToken: FRIEND,
      sellAmount: 5n,
      buyToken: FRIEND,
      buyAmount: 7n,
      expiresAt: 1n,
      makerTimelock: 60,
      takerTimelock: 30,
      salt: `0x${'11'.repeat(32)}`,
    })
    const json = JSON.stringify(
      {
        ...offer,
        types: { EIP712Domain: getTypesForEIP712Domain({ domain: offer.domain }), ...offer.types },
      },
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    )
    const signature = (await provider.request({ method: 'eth_signTypedData_v4', params: [ME, json] })) as Hex
    expect(await recoverAddress({ hash: hashTypedData(offer), signature })).toBe(ME)
    // What it trades first, its domain under "Message as signed": both are shown.
    const asked = s.approvals.at(-1)
    const shown = Object.fromEntries(
      [...(asked?.details ?? []), ...(asked?.signed ?? [])].map((d) => [d.label, d.value]),
    )
    expect(shown).toMatchObject({
      Account: `Account 1 (${ME})`,
      Domain: 'Tabchain Offers',
      Version: '1',
      'Chain ID': String(GENESIS.params.chainId),
    })
  })

  test('an EIP-2612 permit: the dialog says who may spend what until when, then the data signed', async () => {
    const domain = { name: 'Apple', version: '1', chainId: GENESIS.params.chainId, verifyingContract: FRIEND }
    const permit = permitTypedData(domain, {
      owner: ME,
      spender: FRIEND,
      value: '125',
      nonce: '0',
      deadline: maxUint256.toString(),
    })
    const json = JSON.stringify(permit)
    const signature = (await provider.request({ method: 'eth_signTypedData_v4', params: [ME, json] })) as Hex
    const hash = hashTypedData({
      domain,
      types: { Permit: PERMIT_TYPE },
      primaryType: 'Permit',
      message: { owner: ME, spender: FRIEND, value: 125n, nonce: 0n, deadline: maxUint256 },
    })
    expect(await recoverAddress({ hash, signature })).toBe(ME)
    const shown = s.approvals.at(-1)
    // No token at FRIEND on this chain: base units of the contract, never a guess.
    expect(shown?.title).toBe(
      `Allow ${FRIEND.slice(0, 4)}…${FRIEND.slice(-2)} to spend up to 125 base units of token ${FRIEND.slice(0, 4)}…${FRIEND.slice(-2)} of yours, with no deadline`,
    )
    expect(shown?.signed?.find((d) => d.label === 'Message')?.value).toContain('"spender"')
  })

  test('typed data that cannot be signed → -32602 before the user is asked', async () => {
    const mail = (message: unknown, domain: unknown = { name: 'Mail' }, primaryType = 'Mail') => ({
      types: {
        Mail: [
          { name: 'to', type: 'address' },
          { name: 'n', type: 'uint8' },
        ],
      },
      domain,
      primaryType,
      message,
    })
    const unsignable = [
      mail({ to: '0x1234', n: 1 }),
      mail({ to: ME, n: 300 }),
      mail({ to: ME, n: 1 }, { name: 'Mail' }, 'Nope'),
      mail({ to: ME, n: 1 }, { name: 'Mail', chainId: 'abc' }),
      mail({ to: ME, n: 1 }, { name: 'Mail', chainId: null }),
    ]
    const before = s.approvals.length
    for (const typed of unsignable)
      expect(
        await code(provider.request({ method: 'eth_signTypedData_v4', params: [ME, JSON.stringify(typed)] })),
      ).toBe(-32602)
    expect(s.approvals.length).toBe(before)
    // The chain id as a decimal or hex string, as dApps send it in JSON, is signed.
    for (const chainId of ['31416', '0x7ab8'])
      expect(
        await provider.request({
          method: 'eth_signTypedData_v4',
          params: [ME, JSON.stringify(mail({ to: ME, n: 1 }, { name: 'Mail', chainId }))],
        }),
      ).toMatch(/^0x[0-9a-f]{130}$/)
  })

  test('typed data is signed over the EIP712Domain type it declares, not one derived from the domain', async () => {
    const typed = {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'chainId', type: 'uint256' },
        ],
        Mail: [{ name: 'n', type: 'uint256' }],
      },
      // `version` is in the domain but not in its declared type: eth-sig-util (MetaMask) leaves it out of the hash.
      domain: { name: 'Mail', version: '1', chainId: GENESIS.params.chainId },
      primaryType: 'Mail',
      message: { n: 3 },
    }
    const signature = (await provider.request({
      method: 'eth_signTypedData_v4',
      params: [ME, JSON.stringify(typed)],
    })) as Hex
    // `never`: viem's types refuse a domain field its declared type leaves out, the case checked here.
    const digest = hashTypedData(typed as never)
    expect(await recoverAddress({ hash: digest, signature })).toBe(ME)
  })

  test("eth_call and eth_estimateGas without a from run as the account eth_accounts gives (MetaMask's), the zero address once the wallet is locked (go-ethereum's); a from given is kept", async () => {
    // 1 ether sent: the selected account holds it, the zero address and `poor` nothing.
    const pay = { to: FRIEND, value: `0x${parseEther('1').toString(16)}` }
    const poor = getAddress('0x00000000000000000000000000000000000000aa')
    expect(await provider.request({ method: 'eth_accounts' })).toEqual([ME])
    expect(await provider.request({ method: 'eth_estimateGas', params: [pay] })).toBe('0x5208')
    expect(await provider.request({ method: 'eth_call', params: [pay, 'latest'] })).toBe('0x')
    // A from the dApp gives is what runs, the selected account's funds notwithstanding.
    const fromPoor = { ...pay, from: poor }
    expect(await code(provider.request({ method: 'eth_estimateGas', params: [fromPoor] }))).toBe(3)
    expect(await code(provider.request({ method: 'eth_call', params: [fromPoor, 'latest'] }))).toBe(3)
    // Locked, the dApp is given no account, and a call does not run as one (its result would tell it).
    wallet.lock()
    try {
      expect(await provider.request({ method: 'eth_accounts' })).toEqual([])
      expect(await code(provider.request({ method: 'eth_estimateGas', params: [pay] }))).toBe(3)
      expect(await code(provider.request({ method: 'eth_call', params: [pay, 'latest'] }))).toBe(3)
    } finally {
      await wallet.unlock(PASSWORD)
    }
  })

  test('locked: eth_accounts is empty, accountsChanged fires, signing → 4100 and a prompt to unlock', async () => {
    const changes: unknown[] = []
    provider.on('accountsChanged', (a) => changes.push(a))
    const before = s.approvals.length
    wallet.lock()
    expect(changes).toEqual([[]])
    expect(await provider.request({ method: 'eth_accounts' })).toEqual([])
    expect(await code(provider.request({ method: 'personal_sign', params: ['0x68', ME] }))).toBe(4100)
    expect(
      await code(
        provider.request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1' }] }),
      ),
    ).toBe(4100)
    expect(s.state.lockedPrompts).toBe(2)
    expect(s.approvals.length).toBe(before)
    // Not an account of this wallet: 4100 too, even unlocked.
    await wallet.unlock(PASSWORD)
    expect(changes).toEqual([[], [ME]])
    expect(await code(provider.request({ method: 'personal_sign', params: ['0x68', FRIEND] }))).toBe(4100)
  })

  test('eth_requestAccounts on a locked wallet waits while the unlock prompt is up: the accounts once unlocked, 4001 once dismissed; signing does not wait (4100)', async () => {
    const own = await hardhatWallet()
    own.lock()
    // The app's prompt: each call shows it; it settles once gone (the user unlocked, or dismissed it).
    const waiting: (() => void)[] = []
    const closePrompt = () => {
      for (const gone of waiting.splice(0)) gone()
    }
    const p = createProvider({
      backend: poolBackend(),
      wallet: own,
      approve: async () => true,
      onLocked: () => new Promise<void>((gone) => waiting.push(gone)),
    })
    let answer: unknown = 'waiting'
    const first = p.request({ method: 'eth_requestAccounts' }).then(
      (a) => {
        answer = a
      },
      (e: { code?: number }) => {
        answer = e.code
      },
    )
    expect(await code(p.request({ method: 'personal_sign', params: ['0x68', ME] }))).toBe(4100)
    expect(waiting).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 20))
    expect(answer).toBe('waiting')
    await own.unlock(PASSWORD)
    closePrompt()
    await first
    expect(answer).toEqual([ME])

    own.lock()
    const second = code(p.request({ method: 'eth_requestAccounts' }))
    await until(() => waiting.length === 1)
    closePrompt()
    expect(await second).toBe(4001)

    // No prompt to wait on (none given, or no wallet yet to unlock): 4100 at once.
    const unprompted = createProvider({ backend: poolBackend(), wallet: own, approve: async () => true })
    expect(await code(unprompted.request({ method: 'eth_requestAccounts' }))).toBe(4100)
    const none = createWallet({ store: memoryWalletStore() })
    await none.load()
    const fresh = createProvider({
      backend: poolBackend(),
      wallet: none,
      approve: async () => true,
      onLocked: () => new Promise<void>(() => {}),
    })
    expect(await code(fresh.request({ method: 'eth_requestAccounts' }))).toBe(4100)
  })

  test('a node gone (its worker stopped answering): disconnect is emitted once with 4900, and every request after is refused with it', async () => {
    const p = createProvider({
      backend: poolBackend(),
      wallet: await hardhatWallet(),
      approve: async () => true,
    })
    const told: unknown[] = []
    p.on('disconnect', (e) => told.push(e))
    expect(await p.request({ method: 'eth_chainId' })).toBe(`0x${GENESIS.params.chainId.toString(16)}`)
    p.disconnect('the node stopped answering')
    p.disconnect('again')
    expect(told).toEqual([
      expect.objectContaining({ code: 4900, message: 'disconnected: the node stopped answering' }),
    ])
    for (const method of ['eth_chainId', 'eth_accounts', 'eth_blockNumber'])
      expect(await code(p.request({ method }))).toBe(4900)
  })

  test('an eth_requestAccounts waiting on the unlock prompt is refused with 4900 once the node is gone, the prompt still up', async () => {
    const own = await hardhatWallet()
    own.lock()
    let prompts = 0
    const p = createProvider({
      backend: poolBackend(),
      wallet: own,
      approve: async () => true,
      onLocked: () => {
        prompts++
        return new Promise<void>(() => {})
      },
    })
    const waiting = p.request({ method: 'eth_requestAccounts' }).catch((e: unknown) => e)
    await until(() => prompts === 1)
    p.disconnect('the node stopped answering')
    expect(await waiting).toMatchObject({ code: 4900, message: 'disconnected: the node stopped answering' })
  })

  test('a send and a signature waiting in the approval dialog are refused with 4900 once the node is gone; an Approve clicked after signs and sends nothing', async () => {
    const backend = poolBackend()
    const answers: ((approved: boolean) => void)[] = []
    const p = createProvider({
      backend,
      wallet: await hardhatWallet(),
      approve: () => new Promise<boolean>((answer) => answers.push(answer)),
    })
    const send = p
      .request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1' }] })
      .catch((e: unknown) => e)
    const sign = p.request({ method: 'personal_sign', params: ['0x68656c6c6f', ME] }).catch((e: unknown) => e)
    await until(() => answers.length === 2)
    p.disconnect('the node stopped answering')
    const refused = { code: 4900, message: 'disconnected: the node stopped answering' }
    expect(await send).toMatchObject(refused)
    expect(await sign).toMatchObject(refused)
    for (const answer of answers) answer(true)
    await new Promise((r) => setTimeout(r, 10))
    expect(backend.sent).toEqual([])
  })

  test('a send whose reads finish after the node is lost is refused with 4900 without asking the user', async () => {
    const backend = poolBackend()
    let answered = (): void => {}
    const read = new Promise<void>((resolve) => {
      answered = resolve
    })
    let asked = 0
    const p = createProvider({
      backend: {
        ...backend,
        account: async (a, at) => {
          await read
          return backend.account(a, at)
        },
      },
      wallet: await hardhatWallet(),
      approve: async () => {
        asked++
        return true
      },
    })
    const send = p.request({
      method: 'eth_sendTransaction',
      params: [{ from: ME, to: FRIEND, value: '0x1' }],
    })
    p.disconnect('the node stopped answering')
    answered()
    expect(await code(send)).toBe(4900)
    expect(asked).toBe(0)
    expect(backend.sent).toEqual([])
  })

  test('an Approve answered as the node is lost (the same turn) signs and sends nothing: 4900', async () => {
    const backend = poolBackend()
    let p: TabchainProvider | undefined
    p = createProvider({
      backend,
      wallet: await hardhatWallet(),
      approve: async () => {
        p?.disconnect('the node stopped answering')
        return true
      },
    })
    const send = p.request({
      method: 'eth_sendTransaction',
      params: [{ from: ME, to: FRIEND, value: '0x1' }],
    })
    expect(await code(send)).toBe(4900)
    expect(backend.sent).toEqual([])
  })

  test("a node call that times out reaches the dApp as -32000 with the RPC layer's sentence, its code in data", async () => {
    const p = createProvider({
      backend: {
        ...poolBackend(),
        blockNumber: () =>
          Promise.reject(new RpcError({ code: 'RPC_TIMEOUT', method: 'head', timeoutMs: 30_000 })),
      },
      wallet: await hardhatWallet(),
      approve: async () => true,
    })
    expect(await p.request({ method: 'eth_blockNumber' }).catch((e: unknown) => e)).toMatchObject({
      code: -32000,
      message: 'head got no answer within 30 s',
      data: { code: 'RPC_TIMEOUT' },
    })
  })

  test('a read the node leaves unanswered as it is lost (its call rejected RPC_LOST) is refused with 4900, not -32000', async () => {
    let lose = (_err: Error): void => {}
    const p = createProvider({
      backend: {
        ...poolBackend(),
        blockNumber: () =>
          new Promise<bigint>((_, reject) => {
            lose = reject
          }),
      },
      wallet: await hardhatWallet(),
      approve: async () => true,
    })
    const read = p.request({ method: 'eth_blockNumber' }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 0))
    // As connect() does: the pending calls are rejected, then onLost (the page's `lost`) disconnects.
    lose(new RpcError({ code: 'RPC_LOST', method: 'blockNumber', reason: 'no answer to 3 pings' }))
    p.disconnect('the node stopped answering')
    expect(await read).toMatchObject({ code: 4900, message: 'disconnected: the node stopped answering' })
  })

  test('a wallet locked while the approval dialog is up (its idle lock) refuses the signature with 4100, nothing signed', async () => {
    const solo = await soloNode(GENESIS)
    const w = await hardhatWallet()
    const p = createProvider({
      backend: solo.backend,
      wallet: w,
      approve: async () => {
        w.lock()
        return true
      },
    })
    expect(await code(p.request({ method: 'personal_sign', params: [stringToHex('hi'), ME] }))).toBe(4100)
  })

  test('a prompt that unlocks the wallet as the node is lost gives no account: 4900', async () => {
    const solo = await soloNode(GENESIS)
    const w = await hardhatWallet()
    w.lock()
    const p: TabchainProvider = createProvider({
      backend: solo.backend,
      wallet: w,
      approve: async () => true,
      onLocked: async () => {
        await w.unlock(PASSWORD)
        p.disconnect('the node stopped answering')
      },
    })
    expect(await code(p.request({ method: 'eth_requestAccounts' }))).toBe(4900)
  })

  test('a dApp listener that throws reaches neither the wallet nor the other listeners: all are told, lock() works', async () => {
    const own = await hardhatWallet()
    const p = createProvider({ backend: poolBackend(), wallet: own, approve: async () => true })
    const seen: string[] = []
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      p.on('accountsChanged', () => {
        throw new Error('a dApp bug')
      })
      p.on('accountsChanged', (a) => seen.push(`dApp ${JSON.stringify(a)}`))
      // The app's own subscriber, as wallet-session's: after the provider's.
      own.subscribe((v) => seen.push(`app ${v.state}`))
      expect(() => own.lock()).not.toThrow()
      expect(seen).toEqual(['dApp []', 'app locked'])
      expect(logged).toHaveBeenCalledOnce()
    } finally {
      logged.mockRestore()
    }
  })

  test('an account of the wallet the dApp was not given (not selected) cannot sign or send: 4100, nothing asked', async () => {
    const other = (await wallet.addAccount()).address
    expect(await provider.request({ method: 'eth_accounts' })).toEqual([ME])
    const before = s.approvals.length
    const typed = {
      domain: { name: 'Test', chainId: GENESIS.params.chainId },
      types: { Mail: [{ name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      message: { contents: 'hi' },
    }
    for (const from of [other, other.toLowerCase()]) {
      expect(await code(provider.request({ method: 'personal_sign', params: ['0x68', from] }))).toBe(4100)
      expect(
        await code(
          provider.request({ method: 'eth_signTypedData_v4', params: [from, JSON.stringify(typed)] }),
        ),
      ).toBe(4100)
      expect(
        await code(
          provider.request({ method: 'eth_sendTransaction', params: [{ from, to: FRIEND, value: '0x1' }] }),
        ),
      ).toBe(4100)
    }
    expect(s.approvals.length).toBe(before)
    // The account given, in any case, still signs.
    expect(await provider.request({ method: 'personal_sign', params: ['0x68', ME.toLowerCase()] })).toMatch(
      /^0x/,
    )
  })

  test('EIP-6963: announced at once and again on request, with name, icon, rdns and uuid', () => {
    const target = new EventTarget()
    const seen: { info: { name: string; rdns: string; uuid: string; icon: string }; provider: unknown }[] = []
    target.addEventListener('eip6963:announceProvider', (e) => seen.push((e as CustomEvent).detail))
    const stop = announceProvider(
      target,
      tabchainProviderInfo('2f8e7a52-1c3b-4c7e-9d51-3f4a1e0b9c11'),
      provider,
    )
    target.dispatchEvent(new Event('eip6963:requestProvider'))
    stop()
    target.dispatchEvent(new Event('eip6963:requestProvider'))
    expect(seen).toHaveLength(2)
    expect(seen[0]?.info).toMatchObject({ name: 'Tabchain', rdns: 'org.tabchain.wallet' })
    expect(seen[0]?.info.icon).toMatch(/^data:image\/svg\+xml;base64,/)
    expect(seen[0]?.provider).toBe(provider)
    expect(Object.isFrozen(seen[0])).toBe(true)
  })
})

describe("EIP-2255 permissions (and MetaMask's wallet_revokePermissions)", () => {
  const ORIGIN = 'https://dapp.example'
  const ACCOUNTS = { eth_accounts: {} }
  const granted = (date: number) => [
    {
      parentCapability: 'eth_accounts',
      invoker: ORIGIN,
      caveats: [{ type: 'restrictReturnedAccounts', value: [ME] }],
      date,
    },
  ]

  /** A provider on its own locked wallet, whose unlock prompt (`onLocked`) stays up until closed. */
  async function locked() {
    const own = await hardhatWallet()
    own.lock()
    const waiting: (() => void)[] = []
    const clock = { now: 1_000 }
    const p = createProvider({
      backend: poolBackend(),
      wallet: own,
      approve: async () => true,
      onLocked: () => new Promise<void>((gone) => waiting.push(gone)),
      now: () => clock.now,
      origin: ORIGIN,
    })
    const closePrompt = () => {
      for (const gone of waiting.splice(0)) gone()
    }
    const changes: unknown[] = []
    p.on('accountsChanged', (a) => changes.push(a))
    return {
      own,
      p,
      waiting,
      clock,
      closePrompt,
      changes,
      client: createWalletClient({ transport: custom(p) }),
    }
  }

  test("viem's requestPermissions waits on the unlock prompt as eth_requestAccounts does (4001 dismissed, nothing granted), then answers the eth_accounts grant; getPermissions answers it, locked too", async () => {
    const { own, p, waiting, closePrompt, changes, client } = await locked()
    expect(await client.getPermissions()).toEqual([])
    const dismissed = code(client.requestPermissions(ACCOUNTS))
    await until(() => waiting.length === 1)
    closePrompt()
    expect(await dismissed).toBe(4001)
    expect(await client.getPermissions()).toEqual([])

    let answer: unknown = 'waiting'
    const asked = client.requestPermissions(ACCOUNTS).then((a) => {
      answer = a
    })
    await until(() => waiting.length === 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(answer).toBe('waiting')
    await own.unlock(PASSWORD)
    closePrompt()
    await asked
    expect(answer).toEqual(granted(1_000))
    expect(await client.getPermissions()).toEqual(granted(1_000))
    expect(await client.getAddresses()).toEqual([ME])
    // Granted and unlocked: answered at once, no prompt, the grant as it was.
    expect(await client.requestPermissions(ACCOUNTS)).toEqual(granted(1_000))
    expect(waiting).toHaveLength(0)

    // Locked, eth_accounts is empty but the permission stands (MetaMask's answer while locked).
    own.lock()
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await client.getPermissions()).toEqual(granted(1_000))
    expect(changes).toEqual([[ME], []])
  })

  test('wallet_revokePermissions: eth_accounts answers [] and accountsChanged fires [] until the dApp asks again; signing is refused (4100) meanwhile', async () => {
    const { own, p, clock, changes, client } = await locked()
    await own.unlock(PASSWORD)
    // The unlocked wallet gives its account unasked, as before: that is the grant, dated then.
    expect(await client.getPermissions()).toEqual(granted(1_000))
    expect(await p.request({ method: 'wallet_revokePermissions', params: [ACCOUNTS] })).toBeNull()
    expect(changes).toEqual([[ME], []])
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await client.getPermissions()).toEqual([])
    expect(await code(p.request({ method: 'personal_sign', params: ['0x68', ME] }))).toBe(4100)
    expect(
      await code(
        p.request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1' }] }),
      ),
    ).toBe(4100)
    // A lock and an unlock do not give it back: the dApp has to ask.
    own.lock()
    await own.unlock(PASSWORD)
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await client.getPermissions()).toEqual([])
    expect(changes).toEqual([[ME], []])
    // Revoking what is revoked changes nothing.
    expect(await p.request({ method: 'wallet_revokePermissions', params: [ACCOUNTS] })).toBeNull()
    expect(changes).toEqual([[ME], []])

    clock.now = 2_000
    expect(await p.request({ method: 'eth_requestAccounts' })).toEqual([ME])
    expect(changes).toEqual([[ME], [], [ME]])
    expect(await client.getPermissions()).toEqual(granted(2_000))
    // Revoked again, and asked again the EIP-2255 way.
    await p.request({ method: 'wallet_revokePermissions', params: [ACCOUNTS] })
    clock.now = 3_000
    expect(await client.requestPermissions(ACCOUNTS)).toEqual(granted(3_000))
    expect(await p.request({ method: 'eth_accounts' })).toEqual([ME])
    expect(changes).toEqual([[ME], [], [ME], [], [ME]])
  })

  test('another phrase restored ("Forgot your password?") revokes the dApp\'s grant: accountsChanged [] (told though the lock said [] already), eth_accounts [] and no permission until it asks again; this wallet\'s own phrase keeps it', async () => {
    const OTHER =
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
    const OTHER_FIRST = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'
    const NEW_PASSWORD = 'a new password, remembered'
    const { own, p, clock, changes, client } = await locked()
    await own.unlock(PASSWORD)
    own.lock()
    expect(changes).toEqual([[ME], []])

    // Its own phrase: the grant stands, and the unlocked wallet gives its account as an unlock does.
    await own.restore(HARDHAT_MNEMONIC, NEW_PASSWORD)
    expect(changes).toEqual([[ME], [], [ME]])
    expect(await client.getPermissions()).toEqual(granted(1_000))
    expect(await p.request({ method: 'eth_accounts' })).toEqual([ME])

    // Another phrase, from the lock screen: the dApp hears [] once, and gets no account unasked.
    own.lock()
    await own.restore(OTHER, NEW_PASSWORD, true)
    expect(own.view().selected).toBe(OTHER_FIRST)
    expect(changes).toEqual([[ME], [], [ME], [], []])
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await client.getPermissions()).toEqual([])
    expect(await code(p.request({ method: 'personal_sign', params: ['0x68', OTHER_FIRST] }))).toBe(4100)
    clock.now = 2_000
    expect(await p.request({ method: 'eth_requestAccounts' })).toEqual([OTHER_FIRST])
    expect(changes).toEqual([[ME], [], [ME], [], [], [OTHER_FIRST]])

    // Another phrase on the unlocked wallet: [] once, not twice.
    await own.restore(HARDHAT_MNEMONIC, NEW_PASSWORD, true)
    expect(changes).toEqual([[ME], [], [ME], [], [], [OTHER_FIRST], []])
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await client.getPermissions()).toEqual([])
  })

  test('an unknown permission or malformed params → -32602 saying what is wrong, nothing granted, revoked or prompted', async () => {
    const { own, p, waiting, changes } = await locked()
    await own.unlock(PASSWORD)
    const bad = async (method: string, params: unknown[], message: string) => {
      const err = await p.request({ method, params }).catch((e: unknown) => e)
      expect({ method, params, err }).toMatchObject({ method, params, err: { code: -32602, message } })
    }
    for (const method of ['wallet_requestPermissions', 'wallet_revokePermissions']) {
      await bad(
        method,
        [{ eth_coinbase: {} }],
        'invalid params: params[0].eth_coinbase is not a permission this wallet grants: it grants eth_accounts only',
      )
      await bad(
        method,
        [{ eth_accounts: {}, 'endowment:permitted-chains': {} }],
        'invalid params: params[0].endowment:permitted-chains is not a permission this wallet grants: it grants eth_accounts only',
      )
      await bad(method, [{}], 'invalid params: params[0] must name a permission, as { eth_accounts: {} }')
      await bad(method, [], 'invalid params: params[0] must be an object')
      await bad(method, ['eth_accounts'], 'invalid params: params[0] must be an object')
      await bad(method, [{ eth_accounts: true }], 'invalid params: params[0].eth_accounts must be an object')
      await bad(method, [ACCOUNTS, ACCOUNTS], 'too many arguments, want at most 1')
    }
    await bad('wallet_getPermissions', [ACCOUNTS], 'too many arguments, want at most 0')
    expect(await p.request({ method: 'eth_accounts' })).toEqual([ME])
    expect(await p.request({ method: 'wallet_getPermissions' })).toEqual(granted(1_000))
    expect(changes).toEqual([[ME]])

    // Refused on a revoked permission too: it stays revoked.
    await p.request({ method: 'wallet_revokePermissions', params: [ACCOUNTS] })
    await bad(
      'wallet_requestPermissions',
      [{ eth_coinbase: {} }],
      'invalid params: params[0].eth_coinbase is not a permission this wallet grants: it grants eth_accounts only',
    )
    expect(await p.request({ method: 'eth_accounts' })).toEqual([])
    expect(await p.request({ method: 'wallet_getPermissions' })).toEqual([])
    expect(waiting).toHaveLength(0)
  })

  test('a requestPermissions waiting on the unlock prompt is refused with 4900 once the node is gone, nothing granted; no prompt to wait on → 4100', async () => {
    const { p, waiting } = await locked()
    const asked = p
      .request({ method: 'wallet_requestPermissions', params: [ACCOUNTS] })
      .catch((e: unknown) => e)
    await until(() => waiting.length === 1)
    p.disconnect('the node stopped answering')
    expect(await asked).toMatchObject({ code: 4900, message: 'disconnected: the node stopped answering' })

    const own = await hardhatWallet()
    own.lock()
    // No origin given and no page (Node): the opaque origin's "null".
    const unprompted = createProvider({ backend: poolBackend(), wallet: own, approve: async () => true })
    expect(await code(unprompted.request({ method: 'wallet_requestPermissions', params: [ACCOUNTS] }))).toBe(
      4100,
    )
    expect(await unprompted.request({ method: 'wallet_getPermissions' })).toEqual([])
    await own.unlock(PASSWORD)
    expect(await unprompted.request({ method: 'wallet_getPermissions' })).toMatchObject([
      { parentCapability: 'eth_accounts', invoker: 'null' },
    ])
  })
})

describe('block tags', () => {
  test("'safe' is the block with k confirmations, 'finalized' the one past the reorg limit (genesis while the chain is shorter); state there is -32002, as at any block but the head", async () => {
    const genesis = testGenesis({ params: { confirmations: 3, maxReorgDepth: 8 } })
    const solo = await soloNode(genesis)
    const tags = createProvider({
      backend: solo.backend,
      wallet: await hardhatWallet(),
      approve: async () => true,
    })
    const numberOf = async (tag: string) =>
      BigInt(
        ((await tags.request({ method: 'eth_getBlockByNumber', params: [tag, false] })) as { number: Hex })
          .number,
      )
    expect(await numberOf('finalized')).toBe(0n)
    await solo.api.setMining(true)
    await until(async () => (await solo.api.head()).number >= 12n)
    await solo.api.setMining(false)
    const head = (await solo.api.head()).number
    expect(await numberOf('latest')).toBe(head)
    expect(await numberOf('safe')).toBe(head - 2n)
    expect(await numberOf('finalized')).toBe(head - 8n)
    expect(await numberOf('earliest')).toBe(0n)
    expect(await code(tags.request({ method: 'eth_getBalance', params: [ME, 'finalized'] }))).toBe(-32002)
    const logs = await tags.request({
      method: 'eth_getLogs',
      params: [{ fromBlock: 'finalized', toBlock: 'safe' }],
    })
    expect(logs).toEqual([])
  })
})

describe('eth_sendTransaction nonces', () => {
  const OTHER = getAddress(DEVNET_ACCOUNTS[4] as string)

  /** A provider over a solo node whose approvals wait until the test answers them, as the app's dialog does. */
  async function waitingApprovals() {
    const { api, backend } = await soloNode()
    const asked: { request: ApprovalRequest; answer: (approved: boolean) => void }[] = []
    const provider = createProvider({
      backend,
      wallet: await hardhatWallet(),
      approve: (request) => new Promise<boolean>((answer) => asked.push({ request, answer })),
    })
    /** Answers the prompt of the send to `to` (its title ends in the address's last two digits). */
    const answer = (to: string) => asked.find((a) => a.request.title.endsWith(to.slice(-2)))?.answer(true)
    return { api, provider, asked, answer }
  }

  const wei = (n: bigint) => `0x${n.toString(16)}`

  test('two sends waiting for approval at once are both sent once approved, with consecutive nonces', async () => {
    const { api, provider, asked, answer } = await waitingApprovals()
    const first = provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: ME, to: FRIEND, value: wei(parseEther('1')) }],
    })
    // The second offers a higher tip: signed with the first one's nonce, it would replace it.
    const second = provider.request({
      method: 'eth_sendTransaction',
      params: [
        {
          from: ME,
          to: OTHER,
          value: wei(parseEther('2')),
          maxPriorityFeePerGas: wei(2_000_000_000n),
          maxFeePerGas: wei(10_000_000_000n),
        },
      ],
    })
    await until(() => asked.length === 2)
    answer(OTHER)
    const b = (await second) as Hex
    answer(FRIEND)
    const a = (await first) as Hex
    expect((await api.transaction(b))?.nonce).toBe(0n)
    expect((await api.transaction(a))?.nonce).toBe(1n)
    expect(await api.pendingNonce(ME)).toBe(2n)
  })

  test('after the pool drops a sent transaction, the next send and the pending count reuse its nonce', async () => {
    const backend = poolBackend()
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    const send = () =>
      provider.request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1' }] })
    await send()
    expect(parseTransaction(backend.sent[0] ?? '0x').nonce).toBe(0)
    backend.pool.clear()
    // Nonce 1 would wait behind a nonce-0 transaction that no longer exists: stuck for good.
    expect(await provider.request({ method: 'eth_getTransactionCount', params: [ME, 'pending'] })).toBe('0x0')
    await send()
    expect(parseTransaction(backend.sent[1] ?? '0x').nonce).toBe(0)
  })

  test("a dApp's own nonce is the one signed", async () => {
    const backend = poolBackend()
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    await provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: ME, to: FRIEND, value: '0x1', nonce: '0x5' }],
    })
    expect(parseTransaction(backend.sent[0] ?? '0x').nonce).toBe(5)
  })

  test('a send without fees tips what the node suggests (a full pool asks more than 1 gwei), as do the fee reads', async () => {
    const tip = 3_300_000_000n
    const backend = { ...poolBackend(), suggestedTip: async () => tip }
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    expect(BigInt((await provider.request({ method: 'eth_maxPriorityFeePerGas' })) as string)).toBe(tip)
    const base = await backend.nextBaseFee()
    expect(BigInt((await provider.request({ method: 'eth_gasPrice' })) as string)).toBe(base + tip)
    await provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: ME, to: FRIEND, value: '0x1' }],
    })
    const sent = parseTransaction(backend.sent[0] ?? '0x')
    expect(sent.maxPriorityFeePerGas).toBe(tip)
    expect(sent.maxFeePerGas).toBe(2n * base + tip)
  })

  test('a legacy request (gasPrice, no EIP-1559 fields) pays its gasPrice as fee cap and tip, as go-ethereum; a refusal names gasPrice', async () => {
    // A full pool suggests a tip above the dApp's gasPrice: the suggestion is not the legacy request's tip.
    const backend = { ...poolBackend(), suggestedTip: async () => 3_300_000_000n }
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    for (const price of [1_500_000_000n, 5_000_000_000n]) {
      await provider.request({
        method: 'eth_sendTransaction',
        params: [{ from: ME, to: FRIEND, value: '0x1', gasPrice: wei(price) }],
      })
      const sent = parseTransaction(backend.sent.at(-1) ?? '0x')
      expect([sent.maxFeePerGas, sent.maxPriorityFeePerGas]).toEqual([price, price])
    }
    const refused = async (fields: Record<string, string>, reason: string) => {
      const err = await provider
        .request({
          method: 'eth_sendTransaction',
          params: [{ from: ME, to: FRIEND, value: '0x1', ...fields }],
        })
        .catch((e: unknown) => e)
      expect(err).toMatchObject({ code: -32602 })
      expect((err as Error).message).toContain('params[0].gasPrice')
      expect((err as Error).message).toContain(reason)
    }
    await refused({ gasPrice: 'lots' }, 'hex quantity')
    // Both kinds of fee at once: which the dApp meant is unknown (go-ethereum and MetaMask refuse it too).
    await refused({ gasPrice: wei(5_000_000_000n), maxFeePerGas: wei(6_000_000_000n) }, 'maxFeePerGas')
    await refused({ gasPrice: wei(5_000_000_000n), maxPriorityFeePerGas: wei(1n) }, 'maxPriorityFeePerGas')
    expect(backend.sent).toHaveLength(2)
  })
})

/** A provider over `backend` and the hardhat wallet whose approval dialog answers `answer`, each request kept in `asked`. */
async function askingProvider(backend: ProviderBackend, answer: boolean) {
  const asked: ApprovalRequest[] = []
  const provider = createProvider({
    backend,
    wallet: await hardhatWallet(),
    approve: async (r) => {
      asked.push(r)
      return answer
    },
  })
  return { provider, asked }
}

describe('fees refused before the approval', () => {
  test("a gasPrice (or maxFeePerGas) below the chain's minimum base fee, which every pool refuses, is -32602 naming it before the user is asked; at the minimum it is sent", async () => {
    const backend = poolBackend()
    const { provider, asked } = await askingProvider(backend, true)
    const floor = GENESIS.params.minBaseFee
    const send = (fees: Record<string, string>) =>
      provider
        .request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1', ...fees }] })
        .catch((e: unknown) => e)
    const hex = (n: bigint) => `0x${n.toString(16)}`
    for (const [field, fees] of [
      ['params[0].gasPrice', { gasPrice: hex(floor - 1n) }],
      ['params[0].gasPrice', { gasPrice: '0x0' }],
      ['params[0].maxFeePerGas', { maxFeePerGas: hex(floor - 1n), maxPriorityFeePerGas: '0x0' }],
    ] as const) {
      const err = await send(fees)
      expect(err).toMatchObject({ code: -32602, message: expect.stringContaining(field) })
      expect((err as Error).message).toContain(`minimum base fee (${floor} wei)`)
    }
    expect(asked).toHaveLength(0)
    expect(backend.sent).toHaveLength(0)
    expect(await send({ gasPrice: hex(floor) })).toMatch(/^0x[0-9a-f]{64}$/)
    expect(asked).toHaveLength(1)
    expect(parseTransaction(backend.sent[0] ?? '0x').maxFeePerGas).toBe(floor)
  })
})

describe("fees far above the network's", () => {
  test("a dApp's fee cap over 10 × the one the wallet would set (2 × next base fee + tip) is told first: the title gives the fee, a warning row how far above; at 10 × a send reads as any", async () => {
    // Next base fee 1 gwei and tip 1 gwei: the wallet would set 3 gwei.
    const backend = poolBackend()
    const { provider, asked } = await askingProvider(backend, false)
    const send = (fees: Record<string, string>) =>
      provider
        .request({ method: 'eth_sendTransaction', params: [{ from: ME, to: FRIEND, value: '0x1', ...fees }] })
        .catch((e: unknown) => e)
    const hex = (n: bigint) => `0x${n.toString(16)}`
    // 84 of the account's 100 TAB over a transfer's 21,000 gas, all of it tip: the miner's once mined.
    const drain = 4_000_000_000_000_000n
    await send({ maxFeePerGas: hex(drain), maxPriorityFeePerGas: hex(drain) })
    expect(asked.at(-1)?.title).toBe('Send 0.000000000000000001 TAB to 0x90…06, with a fee of up to 84 TAB')
    expect(asked.at(-1)?.details[0]).toEqual({
      label: 'Warning',
      value:
        'The site set a fee cap of 4,000,000 gwei per gas, over 10 times the 3 gwei this wallet would set: this transaction may cost up to 84 TAB in fees.',
    })
    // A legacy gasPrice is a fee cap too, and one wei over 10 × is over.
    await send({ gasPrice: hex(30_000_000_001n) })
    expect(asked.at(-1)?.details[0]?.label).toBe('Warning')
    await send({ maxFeePerGas: hex(30_000_000_000n) })
    expect(asked.at(-1)?.title).toBe('Send 0.000000000000000001 TAB to 0x90…06')
    expect(asked.at(-1)?.details.map((d) => d.label)).not.toContain('Warning')
    expect(asked).toHaveLength(3)
    expect(backend.sent).toHaveLength(0)
  })
})

describe('exact amounts over a scripted backend', () => {
  test('a balance of exactly value + gas × fee cap pays for a send; one wei less is insufficient funds, the user not asked', async () => {
    // Every account of the pool backend has 100 TAB.
    const backend = poolBackend()
    const { provider, asked } = await askingProvider(backend, true)
    const gas = 21_000n
    const cap = 2_000_000_000n
    const all = parseEther('100') - gas * cap
    const send = (value: bigint) =>
      provider
        .request({
          method: 'eth_sendTransaction',
          params: [
            {
              from: ME,
              to: FRIEND,
              value: numberToHex(value),
              gas: numberToHex(gas),
              maxFeePerGas: numberToHex(cap),
              maxPriorityFeePerGas: numberToHex(1_000_000_000n),
            },
          ],
        })
        .catch((e: unknown) => e)
    const err = await send(all + 1n)
    expect(err).toMatchObject({ code: -32000, message: expect.stringContaining('insufficient funds') })
    expect(asked).toHaveLength(0)
    expect(await send(all)).toMatch(/^0x[0-9a-f]{64}$/)
    expect(parseTransaction(backend.sent[0] ?? '0x').value).toBe(all)
  })

  test("eth_getTransactionByHash's gasPrice is the effective price once mined (base fee + tip, at most the fee cap), the fee cap while pending", async () => {
    const pool = poolBackend()
    let baseFee: bigint | null = null
    const backend: ProviderBackend = {
      ...pool,
      transaction: async (hash) => {
        const v = await pool.transaction(hash)
        return v === null || baseFee === null
          ? v
          : { ...v, blockHash: `0x${'cd'.repeat(32)}`, blockNumber: 1n, index: 0, baseFeePerGas: baseFee }
      },
    }
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    const hash = await provider.request({
      method: 'eth_sendTransaction',
      params: [
        {
          from: ME,
          to: FRIEND,
          value: '0x1',
          maxFeePerGas: '0x2540be400',
          maxPriorityFeePerGas: '0x77359400',
        },
      ],
    })
    const gasPrice = async () =>
      (
        (await provider.request({ method: 'eth_getTransactionByHash', params: [hash] })) as {
          gasPrice: string
        }
      ).gasPrice
    // Fee cap 10 gwei, tip 2 gwei.
    expect(await gasPrice()).toBe(numberToHex(10_000_000_000n))
    baseFee = 3_000_000_000n
    expect(await gasPrice()).toBe(numberToHex(5_000_000_000n))
    baseFee = 9_000_000_000n
    expect(await gasPrice()).toBe(numberToHex(10_000_000_000n))
  })

  test("eth_feeHistory's last base fee is the next block's: the one after the newest asked when that is below the head, the node's next base fee after the head", async () => {
    const gwei = 1_000_000_000n
    const block = (n: bigint) => ({
      number: n,
      hash: numberToHex(n + 0xb0n, { size: 32 }),
      parentHash: numberToHex(n + 0xafn, { size: 32 }),
      timestamp: 1_000n * n,
      miner: ME,
      difficulty: 1n,
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      baseFeePerGas: (7n + n) * gwei,
      stateRoot: `0x${'5a'.repeat(32)}` as Hex,
      transactions: [],
    })
    const backend: ProviderBackend = {
      ...poolBackend(),
      blockNumber: async () => 2n,
      block: async (ref) => (typeof ref === 'bigint' && ref <= 2n ? block(ref) : null),
      nextBaseFee: async () => 10n * gwei,
    }
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    const baseFees = async (newest: string) =>
      (
        (await provider.request({ method: 'eth_feeHistory', params: ['0x2', newest, []] })) as {
          baseFeePerGas: string[]
        }
      ).baseFeePerGas
    expect(await baseFees('0x1')).toEqual([7n, 8n, 9n].map((n) => numberToHex(n * gwei)))
    expect(await baseFees('latest')).toEqual([8n, 9n, 10n].map((n) => numberToHex(n * gwei)))
  })

  test('a wallet error other than a lock reaches the dApp as -32000 with its sentence, its code in data', async () => {
    const failing = walletError({ code: 'WALLET_VAULT_CORRUPT', reason: 'authentication failed' })
    const provider = createProvider({
      backend: poolBackend(),
      wallet: { ...(await hardhatWallet()), signMessage: () => Promise.reject(failing) },
      approve: async () => true,
    })
    const err = await provider
      .request({ method: 'personal_sign', params: [stringToHex('hi'), ME] })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: -32000,
      message: failing.message,
      data: { code: 'WALLET_VAULT_CORRUPT' },
    })
  })

  test('eth_estimateGas of a call with data adds the 20 % margin every sender signs with, as a send without gas does; a plain transfer is exact', async () => {
    const pool = poolBackend()
    const backend: ProviderBackend = {
      ...pool,
      call: async () => ({ status: 1, returnData: '0x', gasUsed: 50_000n }),
    }
    const provider = createProvider({ backend, wallet: await hardhatWallet(), approve: async () => true })
    const call = { from: ME, to: FRIEND, data: '0xa9059cbb' }
    expect(await provider.request({ method: 'eth_estimateGas', params: [call] })).toBe(numberToHex(60_000n))
    expect(await provider.request({ method: 'eth_estimateGas', params: [{ from: ME, to: FRIEND }] })).toBe(
      numberToHex(50_000n),
    )
    await provider.request({ method: 'eth_sendTransaction', params: [call] })
    expect(parseTransaction(pool.sent[0] ?? '0x').gas).toBe(60_000n)
  })
})

describe('arbitrary params from a dApp (RELIABILITY.md, bad input 1: RPC params)', () => {
  const CODES = new Set<number>(Object.values(RpcCode))
  const METHODS = Object.keys(MAX_PARAMS) as (keyof typeof MAX_PARAMS)[]
  let refused: Hex[] = []
  beforeAll(async () => {
    // Signed transactions the node refuses: another chain's, and one whose nonce is far ahead.
    refused = [await transfer(0, { nonce: 0 }, 1), await transfer(0, { nonce: 1_000 })]
  })
  // Values a dApp may put anywhere: the shapes the methods read, what comes near them, and junk.
  const value = (): fc.Arbitrary<unknown> =>
    fc.oneof(
      fc.constantFrom(
        ME,
        FRIEND,
        ME.toLowerCase(),
        '0x0000000000000000000000000000000000001001',
        '0x0000000000000000000000000000000000001002',
        'latest',
        'pending',
        'safe',
        'finalized',
        'earliest',
        '0x',
        '0x0',
        '0x00',
        '0x1',
        '0x5208',
        '-0x1',
        '0x12345678',
        '0xa9059cbb',
        `0x${'f'.repeat(64)}`,
        `0x${'ab'.repeat(32)}`,
        '0x7ab8',
        'eth_accounts',
        '',
        '{not json',
        '{}',
        '__proto__',
        null,
        true,
        [],
      ),
      // Read when a value is drawn: the signing happens in beforeAll, after this is built.
      fc.nat(1).map((i) => refused[i]),
      fc.jsonValue({ maxDepth: 1 }),
      fc
        .bigInt({ min: -1n, max: 2n ** 257n })
        .map((n) => (n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`)),
    )
  const fields = fc.dictionary(
    fc.constantFrom(
      'from',
      'to',
      'value',
      'data',
      'input',
      'gas',
      'gasPrice',
      'maxFeePerGas',
      'maxPriorityFeePerGas',
      'nonce',
      'chainId',
      'type',
      'fromBlock',
      'toBlock',
      'blockHash',
      'address',
      'topics',
      'eth_accounts',
      'domain',
      'types',
      'primaryType',
      'message',
      'requireCanonical',
      'blockNumber',
    ),
    fc.oneof(value(), fc.array(value(), { maxLength: 3 })),
    { maxKeys: 6 },
  )
  // Mostly as many params as the method takes, each a value or an object of its fields; sometimes anything.
  const request = fc
    .constantFrom(...METHODS)
    .chain((method) =>
      fc.tuple(
        fc.constant(method),
        fc.oneof(
          { weight: 4, arbitrary: fc.array(fc.oneof(value(), fields), { maxLength: MAX_PARAMS[method] }) },
          { weight: 1, arbitrary: fc.oneof(value(), fields) },
        ),
      ),
    )

  test('every request settles as an answer or an EIP-1193 error with a known code; nothing is signed or sent', async () => {
    const { node, provider, state } = await setup()
    state.answer = false
    try {
      await fc.assert(
        fc.asyncProperty(request, async ([method, params]) => {
          const err = await provider.request({ method, params: params as unknown[] }).then(
            () => null,
            (e: unknown) => e,
          )
          if (err === null) return
          expect(err).toBeInstanceOf(ProviderRpcError)
          expect(CODES.has((err as ProviderRpcError).code)).toBe(true)
          expect((err as ProviderRpcError).message).not.toBe('')
        }),
        { numRuns: Math.ceil(FUZZ_RUNS / 10) },
      )
      // Every approval asked was refused: the node's pool holds nothing.
      expect((await node.api.stats()).pendingTxs).toBe(0)
    } finally {
      node.stop()
    }
  }, 120_000)
})
