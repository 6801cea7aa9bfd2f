import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { encodeFunctionData, getAddress, keccak256 } from 'viem'
import { describe, expect, test } from 'vitest'
import { erc20Abi } from '../../src/node/contracts/erc20/abi'
import { LightError } from '../../src/node/light/errors'
import type { NetworkSink } from '../../src/node/network/bridge'
import { memoryHub } from '../../src/node/network/memory'
import type { Remote } from '../../src/node/rpc/protocol'
import { syncProtocols } from '../../src/node/sync/sync-server'
import type { NodeApi } from '../../src/node/worker/node'
import type { ReceiptView } from '../../src/node/worker/queries'
import { statusText, TxStatusBadge } from '../../src/ui/components/TxStatusBadge'
import { describeInput, readTransaction } from '../../src/ui/screens/TxScreen'
import { transfer } from '../node/chain/chain-fixtures'
import {
  ALICE,
  BOB,
  extend,
  GENESIS,
  mineTxs,
  must,
  nodeStarter,
  sendToken,
  tokenChain,
} from '../node/light/fixtures'
import { until } from '../until'
import { minedTx } from './mined-tx'

const { inclusion: INCLUSION, receipts: RECEIPTS } = syncProtocols(GENESIS.params.chainId)
const join = nodeStarter()

describe('the transaction screen', () => {
  test('a confirmed status counts confirmations with their unit, as the Tokens screen and Tx page show it', () => {
    const hash = `0x${'ab'.repeat(32)}` as const
    expect(statusText({ state: 'confirmed', hash, confirmations: 4n })).toBe('Confirmed (4 confirmations)')
    expect(statusText({ state: 'confirmed', hash, confirmations: 1n })).toBe('Confirmed (1 confirmation)')
  })

  test("a token call's amounts read as on every screen: thousands grouped, every base unit shown", () => {
    const token = { address: BOB, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 0n, owner: ALICE }
    const input = encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [ALICE, 1_234_567_01n],
    })
    expect(describeInput(input, token)).toBe(`transfer(${getAddress(ALICE)}, 1,234,567.01 GLD)`)
  })

  test("a light tab's own submission no peer proves a receipt for shows as pending, not verified with why — not an error", async () => {
    const hub = memoryHub()
    const { store } = await tokenChain(3)
    // The full node proves no inclusion while `refuse` is set.
    let refuse = false
    const refusing = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (refuse && protocol === INCLUSION) throw new Error('refused')
        return sink.request(protocol, data, from)
      },
    })
    const full = await join(hub, 'F', { store, wrap: refusing })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 4n)
    const raw = await transfer(0, { nonce: Number(await light.api.pendingNonce(ALICE)), to: BOB, value: 5n })
    const hash = await light.api.sendRawTransaction(raw)
    await until(async () => (await full.api.pendingTransactions()).some((t) => t.hash === hash))

    refuse = true
    const shown = must(await readTransaction(light.api, hash))
    expect(shown.tx).toMatchObject({ hash, state: 'pending', blockNumber: null })
    expect(shown.receipt).toBeNull()
    expect(shown.status).toEqual({
      state: 'pending',
      hash,
      unverified: expect.stringContaining(`no peer proved transaction ${hash}`),
    })
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status: shown.status }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(
      `Pending — not in a block yet · not verified at the current head: no peer proved transaction ${hash}`,
    )

    // A peer proves it again: pending, verified (no peer knows it mined).
    refuse = false
    expect((await readTransaction(light.api, hash))?.status).toEqual({ state: 'pending', hash })
  })

  test("a light tab's mined transaction whose block's receipts no peer serves shows confirmed or failed, verified by its inclusion proof", async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(0)
    // BOB holds 250 GLD: his transfer of 999 reverts.
    const [paid, reverted] = [await sendToken(0, 3, BOB, 10n), await sendToken(1, 0, ALICE, 999n)]
    mineTxs(chain, [paid, reverted])
    extend(chain, 3)
    // The full node proves inclusions but serves no block's receipts (the receipt view's gas and logs).
    const noReceipts = (sink: NetworkSink): NetworkSink => ({
      ...sink,
      async request(protocol, data, from) {
        if (protocol === RECEIPTS) throw new Error('refused')
        return sink.request(protocol, data, from)
      },
    })
    await join(hub, 'F', { store, wrap: noReceipts })
    const light = await join(hub, 'L', { light: true })
    await until(async () => (await light.api.head()).number === 5n)

    const [paidHash, revertedHash] = [keccak256(paid), keccak256(reverted)]
    const ok = must(await readTransaction(light.api, paidHash))
    expect(ok.status).toEqual({ state: 'confirmed', hash: paidHash, confirmations: 4n })
    expect(ok.receipt).toBeNull()
    expect(ok.tx).toMatchObject({ state: 'mined', blockNumber: 2n, status: 'success' })
    const failed = must(await readTransaction(light.api, revertedHash))
    expect(failed.status).toEqual({ state: 'failed', hash: revertedHash, reason: 'reverted' })
    expect(failed.tx).toMatchObject({ state: 'mined', blockNumber: 2n, status: 'reverted' })
    for (const { status } of [ok, failed]) {
      const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status }))
      expect(badge).toContain('data-verified="true"')
      expect(badge).not.toContain('not verified')
    }
  })

  test('a transaction in its block whose outcome no read proves says so, not confirmed', async () => {
    const hash = `0x${'ab'.repeat(32)}` as const
    const tx = minedTx({
      hash,
      raw: '0x02',
      from: ALICE,
      to: BOB,
      value: 1n,
      blockNumber: 7n,
      confirmations: 3n,
      status: null,
    })
    const unproven = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: 'receipts',
      attempts: 1,
      failures: ['F: timeout'],
    })
    const api = {
      transaction: async () => tx,
      receipt: async () => Promise.reject(unproven),
      token: async () => null,
    } as unknown as Remote<NodeApi>
    const { status } = must(await readTransaction(api, hash))
    expect(status).toEqual({ state: 'included', hash, confirmations: 3n, unverified: unproven.message })
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(`In its block (3 confirmations) · outcome not verified: ${unproven.message}`)
    expect(badge).not.toContain('Confirmed')
  })

  test("a node's own transaction proven below its snapshot's base names the header it was proven against, not a block it executed", async () => {
    const hash = `0x${'ab'.repeat(32)}` as const
    const tx = minedTx({ hash, blockNumber: 1_200n, confirmations: 40n, provenBelowBase: true })
    const receipt = {
      transactionHash: hash,
      blockHash: `0x${'cd'.repeat(32)}`,
      blockNumber: 1_200n,
      index: 0,
      from: tx.from,
      to: tx.to,
      status: 'success',
      gasUsed: 21_000n,
      cumulativeGasUsed: 21_000n,
      effectiveGasPrice: 1n,
      logs: [],
      logsBloom: '0x',
      revertReason: null,
      confirmations: 40n,
      provenBelowBase: true,
    } satisfies ReceiptView
    const unproven = new LightError({ code: 'LIGHT_UNVERIFIED', what: 'receipts', attempts: 1, failures: [] })
    const expected = { state: 'confirmed', hash, confirmations: 40n, provenAgainst: 1_200n }
    const read = (r: () => Promise<ReceiptView>) =>
      readTransaction(
        { transaction: async () => tx, receipt: r, token: async () => null } as unknown as Remote<NodeApi>,
        hash,
      )
    // From its receipt, and from its transaction alone when the receipt cannot be read.
    for (const r of [async () => receipt, async () => Promise.reject(unproven)]) {
      const { status } = must(await read(r))
      expect(status).toEqual(expected)
      const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status }))
      expect(badge).toContain('data-verified="true"')
      expect(badge).toContain(
        'Confirmed (40 confirmations) · proven against block header #1,200, not executed by this node: it started from a snapshot taken after that block',
      )
    }
    // One the node executed reads as before.
    const { provenBelowBase: _kept, ...plain } = receipt
    const executed = must(await read(async () => plain))
    expect(executed.status).toEqual({ state: 'confirmed', hash, confirmations: 40n })
    expect(statusText(executed.status)).toBe('Confirmed (40 confirmations)')
  })
})
