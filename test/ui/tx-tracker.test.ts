import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  recoverTransactionAddress,
  type TransactionSerializedEIP1559,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { TOKEN_FACTORY_ADDRESS } from '../../src/node/contracts/addresses'
import { erc20Abi } from '../../src/node/contracts/erc20/abi'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../src/node/contracts/token-factory/token-factory'
import { LightError } from '../../src/node/light/errors'
import { memoryHub } from '../../src/node/network/memory'
import { createNode } from '../../src/node/worker/node'
import { TxStatusBadge } from '../../src/ui/components/TxStatusBadge'
import { devnetSigner } from '../../src/ui/signer/devnet-signer'
import type { TxSigner } from '../../src/ui/signer/signer'
import { useApp } from '../../src/ui/store'
import { sendCall, type TrackerReads, type TxStatus, trackerRefresher, useTxs } from '../../src/ui/tx-tracker'
import { DROPPED_REASON } from '../../src/wallet/activity'
import { sendApproved } from '../../src/wallet/approved-sign'
import { createNodeBackend } from '../../src/wallet/node-backend'
import { createProvider } from '../../src/wallet/provider'
import { must } from '../node/light/fixtures'
import { until } from '../until'
import { hardhatWallet } from '../wallet/solo-node'
import { appHeadAt, numberHash, slowFirstReceipt } from './app-head'

describe('devnet signer', () => {
  test('account i signs as the genesis-funded devnet account i', async () => {
    for (const i of [0, 1, 9]) {
      const signer = devnetSigner(i)
      expect(signer.address.toLowerCase()).toBe(DEVNET_ACCOUNTS[i])
      let raw: Hex = '0x'
      const { nonce } = await signer.sendTransaction(
        {
          type: 'eip1559',
          chainId: 1337,
          to: DEVNET_ACCOUNTS[0],
          value: 1n,
          gas: 21_000n,
          maxFeePerGas: 2n,
          maxPriorityFeePerGas: 1n,
        },
        {
          pendingNonce: async () => 5n,
          submit: async (signed) => {
            raw = signed
            return keccak256(signed)
          },
        },
      )
      expect(nonce).toBe(5)
      expect(
        (
          await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerializedEIP1559 })
        ).toLowerCase(),
      ).toBe(DEVNET_ACCOUNTS[i])
    }
    expect(() => devnetSigner(10)).toThrow(RangeError)
    expect(() => devnetSigner(-1)).toThrow(RangeError)
  })
})

/** A node not mining, whose heads reach the app store as the UI's do. */
async function trackedNode(): Promise<ReturnType<typeof createNode>> {
  const link = memoryHub().join('A')
  const node = createNode({
    profileId: 'A',
    genesis: testGenesis({ params: { minBlockIntervalMs: 20 } }),
    coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
    mine: false,
    network: link.api,
    emit: (event, data) => {
      if (event === 'head') useApp.setState({ head: data as ReturnType<typeof useApp.getState>['head'] })
    },
    now: () => Date.now(),
    agent: 'test',
  })
  await link.attach(node.sink)
  await node.start()
  useApp.setState({ api: node.api })
  return node
}

const tracked = (label: string) => useTxs.getState().txs.find((t) => t.label === label)
const statusOf = (label: string) => {
  const t = tracked(label)
  if (t === undefined) throw new Error(`${label} is not tracked`)
  return t.status
}

/** Calldata of the factory's `createToken` (no decimals). */
const createToken = (name: string, symbol: string, supply: bigint) =>
  encodeFunctionData({ abi: tokenFactoryAbi, functionName: 'createToken', args: [name, symbol, 0, supply] })

describe('sending and tracking transactions', () => {
  test('pending until a block holds it, then confirmed (n); a call that would revert fails at once', async () => {
    const node = await trackedNode()
    const signer = devnetSigner(1)
    const data = createToken('Gold', 'GLD', 100n)
    // Two sends at once get consecutive nonces.
    const [create, again] = await Promise.all([
      sendCall(node.api, signer, 'create', { to: TOKEN_FACTORY_ADDRESS, data }),
      sendCall(node.api, signer, 'create again', { to: TOKEN_FACTORY_ADDRESS, data }),
    ])
    expect(create.status.state).toBe('pending')
    expect(again.status.state).toBe('pending')
    expect(await node.api.pendingNonce(signer.address)).toBe(2n)

    const tx = tracked
    await node.api.setMining(true)
    await until(() => {
      const s = tx('create again')?.status
      return s?.state === 'confirmed' && s.confirmations >= 2n
    })
    await node.api.setMining(false)
    expect(tx('create')?.status.state).toBe('confirmed')

    const token = tokenAddress(signer.address.toLowerCase() as Address, 0n)
    const tooMuch = encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [DEVNET_ACCOUNTS[3] ?? '0x', 1_000n],
    })
    const failed = await sendCall(node.api, signer, 'too much', { to: token, data: tooMuch })
    expect(failed.status).toEqual({
      state: 'failed',
      hash: null,
      reason: 'ERC20: transfer amount exceeds balance',
    })
    expect(await node.api.pendingNonce(signer.address)).toBe(2n)

    // Both pass the simulation against the head, but only one balance exists: the second reverts on chain.
    const all = encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [DEVNET_ACCOUNTS[3] ?? '0x', 100n],
    })
    await Promise.all([
      sendCall(node.api, signer, 'all', { to: token, data: all }),
      sendCall(node.api, signer, 'all again', { to: token, data: all }),
    ])
    expect(tx('all again')?.status.state).toBe('pending')
    await node.api.setMining(true)
    await until(() => tx('all again')?.status.state === 'failed' && tx('all')?.status.state === 'confirmed')
    await node.api.setMining(false)
    expect(tx('all again')?.status).toMatchObject({
      state: 'failed',
      hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      reason: 'ERC20: transfer amount exceeds balance',
    })
    useApp.setState({ api: null, head: null })
  })

  test('dropped once another transaction with its nonce is mined; a nonce that cannot be read then leaves it dropped, marked not verified', async () => {
    const node = await trackedNode()
    const signer = devnetSigner(4)
    const data = createToken('Tin', 'TIN', 1n)
    const sent = await sendCall(node.api, signer, 'tin', { to: TOKEN_FACTORY_ADDRESS, data })
    expect(sent).toMatchObject({ from: signer.address, nonce: 0n, status: { state: 'pending' } })
    // The same nonce again with a fee bump: the pool replaces the tracked one.
    const fees = await node.api.fees()
    const { hash: replacement } = await signer.sendTransaction(
      {
        type: 'eip1559',
        chainId: (await node.api.status()).chainId,
        to: DEVNET_ACCOUNTS[0],
        value: 1n,
        gas: 21_000n,
        maxPriorityFeePerGas: fees.suggestedTip * 3n,
        maxFeePerGas: fees.nextBaseFee * 4n + fees.suggestedTip * 3n,
      },
      { pendingNonce: async () => 0n, submit: (raw) => node.api.sendRawTransaction(raw) },
    )
    await node.api.setMining(true)
    await until(() => tracked('tin')?.status.state === 'dropped')
    await node.api.setMining(false)
    expect(tracked('tin')?.status).toEqual({ ...sent.status, state: 'dropped', reason: DROPPED_REASON })
    expect((await node.api.receipt(replacement))?.status).toBe('success')

    // Its sender's nonce cannot be read (on a light node: no proof verified): still dropped, not pending
    // again, and marked not verified with why.
    let unread = 0
    const account = async (): Promise<never> => {
      unread++
      throw new LightError({ code: 'LIGHT_UNVERIFIED', what: 'account', attempts: 1, failures: ['timeout'] })
    }
    useApp.setState({ api: { ...node.api, account } })
    await node.api.setMining(true)
    await until(() => unread >= 2)
    await node.api.setMining(false)
    expect(tracked('tin')?.status).toEqual({
      ...sent.status,
      state: 'dropped',
      reason: DROPPED_REASON,
      unverified: 'no peer proved account (1 asked): timeout',
    })
    useApp.setState({ api: null, head: null })
  })

  test('a receipt that cannot be read (on a light node: no proof verified) keeps the last verified status, marked not verified at the current head with why, until a read verifies again', async () => {
    const node = await trackedNode()
    const signer = devnetSigner(5)
    await sendCall(node.api, signer, 'iron', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Iron', 'IRN', 1n),
    })
    await node.api.setMining(true)
    await until(() => tracked('iron')?.status.state === 'confirmed')
    await node.api.setMining(false)
    const confirmed = tracked('iron')?.status
    const zinc = await sendCall(node.api, signer, 'zinc', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Zinc', 'ZNC', 1n),
    })
    if (zinc.status.state !== 'pending') throw new Error(`zinc is ${zinc.status.state}`)
    const hash = zinc.status.hash
    // From now on the sender's nonce is read (it passes zinc's once mined), the receipts are not, nor
    // the inclusions: the transaction read gives a light tab's own submission as sent, any other none.
    let unread = 0
    const unverified = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'receipt',
      attempts: 1,
      failures: ['timeout'],
    })
    const receipt = async (): Promise<never> => {
      unread++
      throw unverified
    }
    const transaction: typeof node.api.transaction = async (h) => {
      const tx = await node.api.transaction(h)
      if (h !== hash || tx === null) throw unverified
      const unmined = { blockHash: null, blockNumber: null, index: null, confirmations: 0n, status: null }
      return { ...tx, ...unmined, state: 'pending' }
    }
    useApp.setState({ api: { ...node.api, receipt, transaction } })
    await node.api.setMining(true)
    await until(async () => (await node.api.receipt(hash)) !== null)
    // Two refreshes after zinc is mined, each failing to read both receipts.
    const reads = unread
    await until(() => unread >= reads + 4)
    await node.api.setMining(false)
    // Neither pending again nor dropped, and not shown as verified: the last verified state, with why not.
    expect(tracked('iron')?.status).toEqual({ ...confirmed, unverified: unverified.message })
    expect(tracked('zinc')?.status).toEqual({ ...zinc.status, unverified: unverified.message })
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status: statusOf('zinc') }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(
      `Pending — not in a block yet · not verified at the current head: ${unverified.message}`,
    )

    // The receipts read again: the next head shows what they verify, the mark gone.
    useApp.setState({ api: node.api })
    await node.api.setMining(true)
    await until(() => tracked('zinc')?.status.state === 'confirmed')
    await node.api.setMining(false)
    expect(tracked('zinc')?.status).not.toHaveProperty('unverified')
    // The block it is in, as its receipt says: the Tokens screen's list says when it was mined.
    const zincStatus = statusOf('zinc')
    const zincBlock = zincStatus.state === 'confirmed' ? await node.api.receipt(zincStatus.hash) : null
    expect(zincStatus).toMatchObject({ block: zincBlock?.blockNumber })
    expect(zincBlock?.blockNumber).toBeTypeOf('bigint')
    expect(tracked('iron')?.status).toMatchObject({ state: 'confirmed' })
    expect(tracked('iron')?.status).not.toHaveProperty('unverified')
    expect(renderToStaticMarkup(createElement(TxStatusBadge, { status: statusOf('zinc') }))).toContain(
      'data-verified="true"',
    )
    useApp.setState({ api: null, head: null })
  })

  test('a receipt that cannot be read, its transaction proven in its block: confirmed or failed by the status proven with it, verified; with no status known, in its block with its outcome not verified', async () => {
    const node = await trackedNode()
    const signer = devnetSigner(6)
    await sendCall(node.api, signer, 'copper', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Copper', 'CPR', 1n),
    })
    await node.api.setMining(true)
    await until(() => tracked('copper')?.status.state === 'confirmed')
    await node.api.setMining(false)
    // From now on no receipt reads (on a light node: its block's receipts out of reach); the
    // transactions do, with the status proven with their inclusion — nickel's none (its receipt not held).
    let unread = 0
    const unverified = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'receipt',
      attempts: 1,
      failures: ['timeout'],
    })
    const receipt = async (): Promise<never> => {
      unread++
      throw unverified
    }
    let nickel: Hex = '0x'
    const transaction: typeof node.api.transaction = async (h) => {
      const tx = await node.api.transaction(h)
      return tx === null || h !== nickel ? tx : { ...tx, status: null }
    }
    useApp.setState({ api: { ...node.api, receipt, transaction } })
    const token = tokenAddress(signer.address.toLowerCase() as Address, 0n)
    const all = encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [DEVNET_ACCOUNTS[3] ?? '0x', 1n],
    })
    // Both pass the simulation against the head; only one token exists: the second reverts on chain.
    const sent = await Promise.all([
      sendCall(node.api, signer, 'copper all', { to: token, data: all }),
      sendCall(node.api, signer, 'copper again', { to: token, data: all }),
      sendCall(node.api, signer, 'nickel', {
        to: TOKEN_FACTORY_ADDRESS,
        data: createToken('Nickel', 'NKL', 1n),
      }),
    ])
    const [allHash, againHash, nickelHash] = sent.map((t) => {
      if (t.status.state !== 'pending') throw new Error(`${t.label} is ${t.status.state}`)
      return t.status.hash
    })
    nickel = nickelHash ?? '0x'
    await node.api.setMining(true)
    await until(async () => (await node.api.receipt(nickel)) !== null)
    // Two refreshes after they are mined, each failing to read every receipt (copper's too).
    const reads = unread
    await until(() => unread >= reads + 8)
    await node.api.setMining(false)
    expect(tracked('copper all')?.status).toMatchObject({
      state: 'confirmed',
      hash: allHash,
      block: (await node.api.transaction(allHash ?? '0x'))?.blockNumber,
    })
    expect(tracked('copper all')?.status).not.toHaveProperty('unverified')
    expect(tracked('copper')?.status).not.toHaveProperty('unverified')
    expect(tracked('copper again')?.status).toEqual({ state: 'failed', hash: againHash, reason: 'reverted' })
    const inBlock = tracked('nickel')?.status
    expect(inBlock).toMatchObject({ state: 'included', hash: nickel, unverified: unverified.message })
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status: statusOf('nickel') }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(`outcome not verified: ${unverified.message}`)
    useApp.setState({ api: null, head: null })
  })

  test("a sent transaction the node proves below its snapshot's base shows confirmed against that block's header, not as executed", async () => {
    const node = await trackedNode()
    const signer = devnetSigner(7)
    const tin = await sendCall(node.api, signer, 'tin', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Tin', 'TIN', 1n),
    })
    if (tin.status.state !== 'pending') throw new Error(`tin is ${tin.status.state}`)
    const hash = tin.status.hash
    await node.api.setMining(true)
    await until(() => tracked('tin')?.status.state === 'confirmed')
    await node.api.setMining(false)
    expect(tracked('tin')?.status).not.toHaveProperty('provenAgainst')
    // The node now answers as one that upgraded from a snapshot above tin's block (`provenBelowBase`).
    const receipt: typeof node.api.receipt = async (h) => {
      const r = await node.api.receipt(h)
      return r === null ? null : { ...r, provenBelowBase: true }
    }
    useApp.setState({ api: { ...node.api, receipt } })
    await node.api.setMining(true)
    await until(() => tracked('tin')?.status.state === 'confirmed' && 'provenAgainst' in statusOf('tin'))
    await node.api.setMining(false)
    const block = must(await node.api.receipt(hash)).blockNumber
    expect(tracked('tin')?.status).toMatchObject({ state: 'confirmed', hash, provenAgainst: block })
    expect(renderToStaticMarkup(createElement(TxStatusBadge, { status: statusOf('tin') }))).toContain(
      `· proven against block header #${block.toLocaleString()}, not executed by this node`,
    )
    useApp.setState({ api: null, head: null })
  })

  test("a send the pool refuses fails with why in words, not the refusal's code", async () => {
    const node = await trackedNode()
    const signer = devnetSigner(7)
    const data = createToken('Brass', 'BRS', 1n)
    await sendCall(node.api, signer, 'brass', { to: TOKEN_FACTORY_ADDRESS, data })
    // Signed again with the nonce the first one holds in the pool, at the same fees: no replacement.
    const again: TxSigner = {
      ...signer,
      sendTransaction: (tx, to) => signer.sendTransaction(tx, { ...to, pendingNonce: async () => 0n }),
    }
    const refused = await sendCall(node.api, again, 'bronze', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Bronze', 'BRZ', 1n),
    })
    expect(refused.status).toMatchObject({ state: 'failed', hash: null })
    const shown = renderToStaticMarkup(createElement(TxStatusBadge, { status: refused.status }))
    expect(shown).toContain('Failed: a transaction with nonce 0 is pending')
    expect(shown).not.toMatch(/[A-Z]{2,}_[A-Z_]+|\(\w+=/)
    useApp.setState({ api: null, head: null })
  })

  test('a send from an account without TAB fails saying so in TAB, and where to get some, not in wei', async () => {
    const node = await trackedNode()
    const poor = privateKeyToAccount(`0x${'11'.repeat(32)}`)
    const signer: TxSigner = {
      address: poor.address,
      label: 'No coins',
      sendTransaction: async (tx, to) => {
        const nonce = Number(await to.pendingNonce())
        return { hash: await to.submit(await poor.signTransaction({ ...tx, nonce })), nonce }
      },
    }
    const refused = await sendCall(node.api, signer, 'tin', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Tin', 'TIN', 1n),
    })
    expect(refused.status).toMatchObject({ state: 'failed', hash: null })
    const shown = renderToStaticMarkup(createElement(TxStatusBadge, { status: refused.status }))
    expect(shown).toMatch(
      /Failed: not enough TAB: this transaction may cost up to 0\.\d+ TAB \(its network fee at the most\) and the account holds 0 TAB\. Get TAB from the devnet faucet on the Wallet screen, or by mining\./,
    )
    expect(shown).not.toContain('wei')
    useApp.setState({ api: null, head: null })
  })

  test("a send waiting in the wallet's dialog does not take the nonce of a dApp's send approved meanwhile", async () => {
    const node = await trackedNode()
    const wallet = await hardhatWallet()
    const backend = createNodeBackend(node.api, testGenesis().params)
    const answers: ((approved: boolean) => void)[] = []
    const approve = () => new Promise<boolean>((resolve) => answers.push(resolve))
    const provider = createProvider({ backend, wallet, approve })
    const me = getAddress(DEVNET_ACCOUNTS[0] ?? '0x')
    // The screens' wallet-backed signer, as wallet-session.ts builds it.
    const signer: TxSigner = {
      address: me,
      label: 'Account 1 (wallet)',
      sendTransaction: (tx, to) => sendApproved({ backend, wallet, approve }, me, tx, to),
    }
    const screen = sendCall(node.api, signer, 'screen', {
      to: TOKEN_FACTORY_ADDRESS,
      data: createToken('Lead', 'LED', 1n),
    })
    await until(() => answers.length === 1)
    const dapp = provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: me, to: DEVNET_ACCOUNTS[3], value: '0x1' }],
    })
    await until(() => answers.length === 2)
    answers[1]?.(true)
    await dapp
    answers[0]?.(true)
    expect(await screen).toMatchObject({ nonce: 1n, status: { state: 'pending' } })
    expect(await node.api.pendingNonce(me)).toBe(2n)
    useApp.setState({ api: null, head: null })
  })
})

describe('refresh at each head', () => {
  test('a busy session re-reads at each head only the sends a reorganisation may still reach, all at once; all of them at the first refresh, after a reorganisation and when the mode changes; the confirmations of every one follow the head', async () => {
    const me = getAddress(DEVNET_ACCOUNTS[0] ?? '0x')
    // 300 sends in blocks 1 to 300, newest first, as their receipts read them at head 300.
    useTxs.setState({
      txs: Array.from({ length: 300 }, (_, k) => ({
        id: 10_000 + k,
        label: `send ${300 - k}`,
        from: me,
        nonce: BigInt(300 - k),
        status: {
          state: 'confirmed',
          hash: numberHash(300 - k),
          confirmations: BigInt(k + 1),
          block: BigInt(300 - k),
        },
      })),
    })
    let head = 300n
    const asked: Hex[] = []
    let reading = 0
    let together = 0
    const reads = {
      account: async () => ({ nonce: 301n }) as Awaited<ReturnType<TrackerReads['account']>>,
      receipt: async (hash: Hex) => {
        asked.push(hash)
        reading += 1
        together = Math.max(together, reading)
        await Promise.resolve()
        reading -= 1
        const blockNumber = BigInt(hash)
        return {
          blockNumber,
          confirmations: head - blockNumber + 1n,
          status: 'success',
          revertReason: null,
        } as Awaited<ReturnType<TrackerReads['receipt']>>
      },
      transaction: async () => null,
    }
    const refresh = trackerRefresher(reads)
    const readsAt = async (n: number): Promise<number> => {
      asked.length = 0
      head = BigInt(n)
      appHeadAt(n)
      await refresh()
      return asked.length
    }
    const confirmationsOf = (n: number) => {
      const s = statusOf(`send ${n}`)
      return s.state === 'confirmed' ? s.confirmations : null
    }
    expect(await readsAt(300)).toBe(300)
    expect(together).toBe(300)
    // At head 301 the blocks below 237 are out of any reorganisation's reach (64 blocks deep at most).
    expect(await readsAt(301)).toBe(64)
    expect(confirmationsOf(1)).toBe(301n)
    expect(confirmationsOf(300)).toBe(2n)
    expect(await readsAt(302)).toBe(63)
    expect(confirmationsOf(1)).toBe(302n)
    expect(confirmationsOf(238)).toBe(65n)
    useApp.setState({ lastReorg: { oldHead: numberHash(1), newHead: numberHash(2), depth: 1, returned: [] } })
    expect(await readsAt(303)).toBe(300)
    expect(await readsAt(304)).toBe(61)
    useApp.setState({ mode: { kind: 'upgrading', percent: 10 } })
    expect(await readsAt(305)).toBe(300)
    expect(await readsAt(306)).toBe(59)
    expect(useTxs.getState().txs.every((t) => t.status.state === 'confirmed')).toBe(true)
    expect(confirmationsOf(1)).toBe(306n)
    // `upgrading n %` to another n is the same mode: only the reachable sends are read.
    useApp.setState({ mode: { kind: 'upgrading', percent: 20 } })
    expect(await readsAt(307)).toBe(58)
    // A settled send whose last read did not verify is read again, until one does.
    useTxs.setState((s) => ({
      txs: s.txs.map((t) =>
        t.label === 'send 1' ? { ...t, status: { ...t.status, unverified: 'no peer proved it' } } : t,
      ),
    }))
    expect(await readsAt(308)).toBe(58)
    expect(statusOf('send 1')).toEqual({
      state: 'confirmed',
      hash: numberHash(1),
      confirmations: 308n,
      block: 1n,
    })
    expect(await readsAt(309)).toBe(56)
    useTxs.setState({ txs: [] })
    useApp.setState({ mode: null, head: null, lastReorg: null, chain: null })
  })

  test('refreshes asked while one reads wait for it, and one more runs after it: a slow read at an older head never writes over what a newer head read', async () => {
    const me = getAddress(DEVNET_ACCOUNTS[0] ?? '0x')
    useTxs.setState({
      txs: [{ id: 20_000, label: 'send', from: me, status: { state: 'pending', hash: numberHash(7) } }],
    })
    // Mined in block 11: its confirmations as of the head the read began at.
    const slow = slowFirstReceipt(
      (at) =>
        ({ blockNumber: 11n, confirmations: at - 10n, status: 'success', revertReason: null }) as Awaited<
          ReturnType<TrackerReads['receipt']>
        >,
    )
    await slow.askDuringSlowRead(
      trackerRefresher({
        account: async () => ({ nonce: 0n }) as Awaited<ReturnType<TrackerReads['account']>>,
        receipt: slow.receipt,
        transaction: async () => null,
      }),
    )
    expect(useTxs.getState().txs[0]?.status).toMatchObject({
      state: 'confirmed',
      block: 11n,
      confirmations: 3n,
    })
    // One read at a time, and the asks at heads 12 and 13 made one more run, after the first.
    expect(slow.count).toEqual({ reads: 2, together: 1 })
    useTxs.setState({ txs: [] })
    useApp.setState({ mode: null, head: null, lastReorg: null, chain: null })
  })

  test("a send a reorganisation takes out is pending again, marked when its sender's nonce cannot be read, never confirmed or dropped unread; one at the sender's nonce is pending", async () => {
    const me = getAddress(DEVNET_ACCOUNTS[0] ?? '0x')
    const taken = { state: 'confirmed', hash: numberHash(5), confirmations: 2n, block: 10n } as const
    const waiting = { state: 'pending', hash: numberHash(6) } as const
    const track = (...txs: (readonly [string, bigint, TxStatus])[]) =>
      useTxs.setState({
        txs: txs.map(([label, nonce, status], k) => ({ id: 30_000 + k, label, from: me, nonce, status })),
      })
    let nonce: bigint | Error = 6n
    const refresh = trackerRefresher({
      account: async () => {
        if (nonce instanceof Error) throw nonce
        return { nonce } as Awaited<ReturnType<TrackerReads['account']>>
      },
      // Neither is in a block of the head's chain.
      receipt: async () => null,
      transaction: async () => null,
    })
    appHeadAt(11)
    track(['taken', 5n, taken], ['waiting', 6n, waiting])
    await refresh()
    // Another transaction with its nonce is in the head's chain: dropped.
    expect(statusOf('taken')).toEqual({ state: 'dropped', hash: taken.hash, reason: DROPPED_REASON })
    expect(statusOf('waiting')).toEqual(waiting)
    nonce = new Error('no peer proved the account')
    track(['taken', 5n, taken], ['waiting', 6n, waiting])
    await refresh()
    expect(statusOf('taken')).toEqual({
      state: 'pending',
      hash: taken.hash,
      unverified: 'no peer proved the account',
    })
    expect(statusOf('waiting')).toEqual({ ...waiting, unverified: 'no peer proved the account' })
    // Its sender has nothing else waiting: its nonce is not read, and the receipt read verified.
    track(['taken', 5n, taken])
    await refresh()
    expect(statusOf('taken')).toEqual({ state: 'pending', hash: taken.hash })
    useTxs.setState({ txs: [] })
    useApp.setState({ head: null, chain: null })
  })

  test('a head at which no status changed leaves the list as it was: the screens showing it do not draw it again', async () => {
    const me = getAddress(DEVNET_ACCOUNTS[0] ?? '0x')
    const waiting = { state: 'pending', hash: numberHash(5) } as const
    useTxs.setState({ txs: [{ id: 20_000, label: 'waiting', from: me, nonce: 5n, status: waiting }] })
    const before = useTxs.getState().txs
    const refresh = trackerRefresher({
      account: async () => ({ nonce: 5n }) as Awaited<ReturnType<TrackerReads['account']>>,
      receipt: async () => null,
      transaction: async () => null,
    })
    for (const n of [10, 11]) {
      appHeadAt(n)
      await refresh()
    }
    expect(useTxs.getState().txs).toBe(before)
    useTxs.setState({ txs: [] })
    useApp.setState({ head: null, chain: null })
  })
})
