import { BrowserProvider, parseEther as ethersParseEther } from 'ethers'
import {
  type Address,
  type BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  erc20Abi,
  getAddress,
  hexToBigInt,
  InsufficientFundsError,
  type Log,
  NonceTooHighError,
  NonceTooLowError,
  parseAbi,
  parseEther,
  parseEventLogs,
  parseUnits,
} from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { hashHeader } from '../../src/node/chain/header'
import type { Header } from '../../src/node/chain/types'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS } from '../../src/node/contracts/addresses'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import type { NodeApi } from '../../src/node/worker/node'
import { NATIVE_CODE } from '../../src/wallet/backend'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { createProvider, type TabchainProvider } from '../../src/wallet/provider'
import { hardhatWallet, soloNode, viemChain } from './solo-node'

const GENESIS = testGenesis()
const chain = viemChain(GENESIS)
const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)

let node: NodeApi
let provider: TabchainProvider
const approvals: ApprovalRequest[] = []

beforeAll(async () => {
  const solo = await soloNode(GENESIS)
  node = solo.api
  const wallet = await hardhatWallet()
  // The test-only approval: accepts everything and records what the dialog would have shown.
  provider = createProvider({
    backend: solo.backend,
    wallet,
    approve: async (r) => {
      approvals.push(r)
      return true
    },
  })
  await node.setMining(true)
})

afterAll(async () => {
  await node.setMining(false)
})

describe('viem as a real client (custom transport over the provider, the real node in-process)', () => {
  const publicClient = () => createPublicClient({ chain, transport: custom(provider), pollingInterval: 50 })
  const walletClient = () => createWalletClient({ chain, account: ME, transport: custom(provider) })

  test('getChainId, getBlockNumber, getBalance, getBlock', async () => {
    const client = publicClient()
    expect(await client.getChainId()).toBe(GENESIS.params.chainId)
    expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(0n)
    expect(await client.getBalance({ address: FRIEND, blockTag: 'latest' })).toBeGreaterThanOrEqual(
      parseEther('10000'),
    )
    const block = await client.getBlock({ blockTag: 'latest', includeTransactions: true })
    expect(block.hash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await walletClient().getAddresses()).toEqual([ME])
  })

  test('addChain of this node\'s chain is answered (the dApp\'s "add network" button), another chain is refused; switchChain alike', async () => {
    const wc = walletClient()
    await expect(wc.addChain({ chain })).resolves.toBeUndefined()
    await expect(wc.switchChain({ id: chain.id })).resolves.toBeUndefined()
    const other = { ...chain, id: 1, name: 'Ethereum' }
    await expect(
      provider.request({
        method: 'wallet_addEthereumChain',
        params: [
          { chainId: '0x1', chainName: other.name, nativeCurrency: other.nativeCurrency, rpcUrls: [] },
        ],
      }),
    ).rejects.toMatchObject({ code: 4200, message: expect.stringContaining('0x7ab8') })
    await expect(provider.request({ method: 'wallet_addEthereumChain', params: [{}] })).rejects.toMatchObject(
      {
        code: -32602,
      },
    )
    await expect(wc.switchChain({ id: 1 })).rejects.toMatchObject({ name: 'SwitchChainError' })
  })

  test('a refused send reaches viem with its own reason: the wallet_sendTransaction viem retries with is a method not found', async () => {
    const wc = walletClient()
    const poorest = await wc
      .sendTransaction({ to: FRIEND, value: parseEther('1000000') })
      .catch((err: BaseError) => err.walk((e) => e instanceof InsufficientFundsError)?.constructor.name)
    expect(poorest).toBe('InsufficientFundsError')
    // viem's fallbacks (wallet_sendTransaction, wallet_sendCalls) try another method on -32601 only.
    await expect(provider.request({ method: 'wallet_sendTransaction', params: [] })).rejects.toMatchObject({
      code: -32601,
      message: 'the method wallet_sendTransaction does not exist / is not available',
    })
  })

  test('sendTransaction through the wallet (approved), waitForTransactionReceipt, getTransaction', async () => {
    const client = publicClient()
    const before = await client.getBalance({ address: FRIEND })
    const hash = await walletClient().sendTransaction({ to: FRIEND, value: parseEther('1.5') })
    expect(approvals.at(-1)?.title).toBe(`Send 1.5 TAB to ${FRIEND.slice(0, 4)}…${FRIEND.slice(-2)}`)
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 20_000 })
    expect(receipt.status).toBe('success')
    expect(receipt.from).toBe(ME)
    expect(await client.getBalance({ address: FRIEND })).toBe(before + parseEther('1.5'))
    // Full blocks by hash and fee-history rewards come from the node's transaction query.
    const block = await client.getBlock({ blockHash: receipt.blockHash, includeTransactions: true })
    expect(block.transactions.map((t) => t.hash)).toContain(hash)
    const history = await client.getFeeHistory({
      blockCount: 1,
      blockNumber: receipt.blockNumber,
      rewardPercentiles: [50],
    })
    expect(history.reward?.[0]?.[0]).toBeGreaterThan(0n)
    const tx = await client.getTransaction({ hash })
    expect(tx).toMatchObject({
      hash,
      value: parseEther('1.5'),
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
    })
  })

  test("a block's header fields are the node's, all of them: rebuilt from getBlock they hash to its hash", async () => {
    const client = publicClient()
    const hash = await walletClient().sendTransaction({ to: FRIEND, value: 1n })
    const { blockHash } = await client.waitForTransactionReceipt({
      hash,
      pollingInterval: 50,
      timeout: 20_000,
    })
    const b = await client.getBlock({ blockHash })
    if (b.logsBloom === null || b.nonce === null) throw new Error('a mined block without bloom or nonce')
    const header: Header = {
      parentHash: b.parentHash,
      number: b.number,
      // The chain keeps ms, the RPC seconds: the header's own, from the node.
      timestamp: (await node.block(b.number))?.timestamp ?? 0n,
      miner: b.miner,
      stateRoot: b.stateRoot,
      transactionsRoot: b.transactionsRoot,
      receiptsRoot: b.receiptsRoot,
      logsBloom: b.logsBloom,
      gasLimit: b.gasLimit,
      gasUsed: b.gasUsed,
      baseFeePerGas: b.baseFeePerGas ?? 0n,
      difficulty: b.difficulty,
      nonce: hexToBigInt(b.nonce),
    }
    expect(hashHeader(header)).toBe(b.hash)
  })

  test("the pool's refusals carry go-ethereum's words, so viem types them: nonce too low / too high", async () => {
    const client = publicClient()
    const wc = walletClient()
    const hash = await wc.sendTransaction({ to: FRIEND, value: 1n })
    const { status } = await client.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 20_000 })
    expect(status).toBe('success')
    const used = (await client.getTransaction({ hash })).nonce
    const refusal = (nonce: number) =>
      wc.sendTransaction({ to: FRIEND, value: 1n, nonce }).then(
        () => 'sent',
        (err: BaseError) =>
          err.walk((e) => e instanceof NonceTooLowError || e instanceof NonceTooHighError)?.constructor.name,
      )
    expect(await refusal(used)).toBe('NonceTooLowError')
    expect(await refusal(used + 1_000)).toBe('NonceTooHighError')
  })

  test('ERC20: createToken, readContract (erc20Abi), writeContract transfer, getLogs and watchContractEvent for Transfer, estimateGas', async () => {
    const client = publicClient()
    const wc = walletClient()
    const create = await wc.writeContract({
      address: TOKEN_FACTORY_ADDRESS,
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Apple', 'APPLE', 18, parseUnits('1000', 18)],
    })
    const created = await client.waitForTransactionReceipt({
      hash: create,
      pollingInterval: 50,
      timeout: 20_000,
    })
    const [event] = parseEventLogs({ abi: tokenFactoryAbi, eventName: 'TokenCreated', logs: created.logs })
    const token = event?.args.token as Address
    expect(await client.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' })).toBe('APPLE')
    // Native contracts have no EVM bytecode: they read as one INVALID opcode, so "is it a contract" holds.
    for (const contract of [token, TOKEN_FACTORY_ADDRESS, HTLC_ADDRESS])
      expect(await client.getCode({ address: contract })).toBe(NATIVE_CODE)
    expect(await client.getCode({ address: FRIEND })).toBeUndefined()
    expect(
      await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [ME] }),
    ).toBe(parseUnits('1000', 18))

    const watched: Log[] = []
    const unwatch = client.watchContractEvent({
      address: token,
      abi: erc20Abi,
      eventName: 'Transfer',
      pollingInterval: 50,
      onLogs: (logs) => watched.push(...logs),
    })
    const gas = await client.estimateContractGas({
      address: token,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [FRIEND, parseUnits('12.5', 18)],
      account: ME,
    })
    expect(gas).toBeGreaterThan(21_000n)
    const hash = await wc.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [FRIEND, parseUnits('12.5', 18)],
    })
    expect(approvals.at(-1)?.title).toBe(`Transfer 12.5 APPLE to ${FRIEND.slice(0, 4)}…${FRIEND.slice(-2)}`)
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 20_000 })
    expect(receipt.status).toBe('success')
    expect(
      await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [FRIEND] }),
    ).toBe(parseUnits('12.5', 18))
    const logs = await client.getContractEvents({
      address: token,
      abi: erc20Abi,
      eventName: 'Transfer',
      args: { to: FRIEND },
      fromBlock: 0n,
    })
    expect(logs).toHaveLength(1)
    expect(logs[0]?.args).toMatchObject({ from: ME, to: FRIEND, value: parseUnits('12.5', 18) })
    expect(logs[0]?.transactionHash).toBe(hash)
    await expect.poll(() => watched.some((l) => l.transactionHash === hash), { timeout: 10_000 }).toBe(true)
    unwatch()
    // A reverted call reports its reason (not enough tokens).
    await expect(
      client.simulateContract({
        address: token,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [ME, parseUnits('1', 18)],
        account: getAddress(DEVNET_ACCOUNTS[7] as string),
      }),
    ).rejects.toThrow(/revert/i)
  })

  test('a reverted call, simulation or estimate is the ContractFunctionRevertedError viem documents, with its reason', async () => {
    const client = publicClient()
    const create = await walletClient().writeContract({
      address: TOKEN_FACTORY_ADDRESS,
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Pear', 'PEAR', 18, 1n],
    })
    const created = await client.waitForTransactionReceipt({
      hash: create,
      pollingInterval: 50,
      timeout: 20_000,
    })
    const token = parseEventLogs({ abi: tokenFactoryAbi, eventName: 'TokenCreated', logs: created.logs })[0]
      ?.args.token as Address
    const poor = getAddress(DEVNET_ACCOUNTS[7] as string)
    const transfer = { address: token, abi: erc20Abi, functionName: 'transfer', args: [ME, 2n] } as const
    const reasons = await Promise.all(
      [
        // readContract takes view functions only: the same call, declared as one.
        client.readContract({
          ...transfer,
          abi: parseAbi(['function transfer(address to, uint256 value) view returns (bool)']),
          account: poor,
        }),
        client.simulateContract({ ...transfer, account: poor }),
        client.estimateContractGas({ ...transfer, account: poor }),
      ].map((p) =>
        p.then(
          () => 'resolved',
          (err: BaseError) => {
            // viem's documented way to read why a contract call reverted.
            const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
            return reverted instanceof ContractFunctionRevertedError ? reverted.reason : err.shortMessage
          },
        ),
      ),
    )
    expect(reasons).toEqual(Array(3).fill('ERC20: transfer amount exceeds balance'))
  })
})

describe('ethers BrowserProvider as a real client', () => {
  test('reads a balance and sends a transfer through the wallet', async () => {
    const ethersProvider = new BrowserProvider(provider, GENESIS.params.chainId)
    const friend = DEVNET_ACCOUNTS[4] as string
    const before = await ethersProvider.getBalance(friend)
    expect(before).toBeGreaterThanOrEqual(ethersParseEther('10000'))
    const signer = await ethersProvider.getSigner(ME)
    const tx = await signer.sendTransaction({ to: friend, value: ethersParseEther('0.25') })
    const receipt = await tx.wait(1, 20_000)
    expect(receipt?.status).toBe(1)
    // The node keeps no historical state: the balance at the head (ethers caches an identical read briefly).
    await expect
      .poll(() => ethersProvider.getBalance(friend), { timeout: 10_000 })
      .toBe(before + ethersParseEther('0.25'))
  })
})
