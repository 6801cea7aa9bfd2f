import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { encodeFunctionData, getAddress, type Hex, keccak256, maxUint256, parseEther, sha256 } from 'viem'
import { describe, expect, test } from 'vitest'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { erc20Abi } from '../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../src/node/contracts/htlc/abi'
import { lockId } from '../../src/node/contracts/htlc/htlc'
import { LightError } from '../../src/node/light/errors'
import type { NetworkSink } from '../../src/node/network/bridge'
import { memoryHub } from '../../src/node/network/memory'
import type { Remote } from '../../src/node/rpc/protocol'
import { syncProtocols } from '../../src/node/sync/sync-server'
import type { NodeApi } from '../../src/node/worker/node'
import type { ReceiptView } from '../../src/node/worker/queries'
import { short } from '../../src/ui/components/explorer'
import { statusText, TxStatusBadge } from '../../src/ui/components/TxStatusBadge'
import { minedAtText } from '../../src/ui/format'
import { readTransaction, TxDetail } from '../../src/ui/screens/TxScreen'
import { callView, exactCall } from '../../src/ui/tx-call'
import { nonceWords, txFee, txHeadline } from '../../src/ui/tx-headline'
import { type TokenRead, tokensRead } from '../../src/ui/tx-token-reads'
import { formatAmount, formatCoin } from '../../src/wallet/amount'
import { transfer } from '../node/chain/chain-fixtures'
import {
  ALICE,
  BOB,
  block1Txs,
  extend,
  GENESIS,
  mineTxs,
  must,
  nodeStarter,
  sendToken,
  signCall,
  TOKEN,
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

  test('the fee reads in TAB with how it adds up: paid once mined, at most its gas limit at its top price before', () => {
    expect(
      txFee(
        { gas: 300_000n, maxFeePerGas: 21n * 10n ** 9n },
        { gasUsed: 21_000n, effectiveGasPrice: 10n ** 9n },
      ),
    ).toEqual({
      label: 'Fee paid',
      text: '0.000021 TAB (21,000 gas × 1 gwei)',
    })
    expect(txFee({ gas: 300_000n, maxFeePerGas: 21n * 10n ** 9n }, null)).toEqual({
      label: 'Fee',
      text: 'At most 0.0063 TAB (up to 300,000 gas × 21 gwei)',
    })
    expect(
      txFee({ gas: 21_000n, maxFeePerGas: 1n }, { gasUsed: 21_000n, effectiveGasPrice: 1_500_000_000n }).text,
    ).toBe('0.0000315 TAB (21,000 gas × 1.5 gwei)')
  })

  test("the nonce reads as which of its sender's transactions this is, counted from 1, the nonce kept", () => {
    expect(nonceWords(0n)).toBe('No. 1 from this sender (nonce 0)')
    expect(nonceWords(2n)).toBe('No. 3 from this sender (nonce 2)')
    expect(nonceWords(1_233n)).toBe('No. 1,234 from this sender (nonce 1,233)')
  })

  test("a token call's amounts read as on every screen: thousands grouped, every base unit shown; the exact call keeps base units", () => {
    const token = { address: BOB, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 0n, owner: ALICE }
    const tx = minedTx({
      to: BOB,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [ALICE, 1_234_567_01n] }),
    })
    const reads = new Map<string, TokenRead>([[BOB.toLowerCase(), { state: 'read', token }]])
    expect(callView(tx, reads)).toEqual({
      method: 'transfer',
      args: [
        { label: 'To', kind: 'address', address: getAddress(ALICE) },
        { label: 'Amount', kind: 'text', text: '1,234,567.01 GLD' },
      ],
    })
    expect(exactCall(tx)).toBe(`transfer(${getAddress(ALICE)}, 123456701)`)
  })

  describe("a contract call reads in the user's units, the exact call kept under Technical details", () => {
    const gold = { address: TOKEN, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 0n, owner: ALICE }
    const hashlock: Hex = `0x${'ee'.repeat(32)}`
    const page = async (tx: ReturnType<typeof minedTx>, token: () => Promise<unknown>) => {
      const api = {
        transaction: async () => tx,
        receipt: async () => null,
        token: async (address: string) => (address.toLowerCase() === TOKEN.toLowerCase() ? token() : null),
      } as unknown as Remote<NodeApi>
      const read = must(await readTransaction(api, tx.hash))
      await until(() => [...read.tokens.current().values()].every((r) => r.state !== 'reading'))
      return renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, read)))
    }
    /** The summary's call: its text, and the addresses it links to. */
    const callOf = (html: string) => {
      const call = must(html.match(/<div data-testid="tx-call">(.*?)<\/div>/)?.[1])
      return {
        text: call.replace(/<[^>]+>/g, ''),
        links: [...call.matchAll(/href="([^"]+)"/g)].map((m) => m[1]),
      }
    }
    const exactOf = (html: string) => html.match(/data-testid="tx-exact-call">(.*?)<\/span>/)?.[1]

    test("a token transfer: the amount in the token's decimals and symbol, the recipient a link", async () => {
      const tx = minedTx({
        to: TOKEN,
        input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 250n] }),
      })
      const shown = await page(tx, async () => gold)
      expect(callOf(shown).text).toContain('transferTo: ')
      expect(callOf(shown).text).toContain('Amount: 2.5 GLD')
      expect(callOf(shown).links).toEqual([`/address/${getAddress(BOB)}`])
      expect(exactOf(shown)).toBe(`transfer(${getAddress(BOB)}, 250)`)
    })

    test("a token lock: its token and recipient links, its amount in the token's units, its timelock a block", async () => {
      const tx = minedTx({
        to: HTLC_ADDRESS,
        input: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [TOKEN, 250n, BOB, hashlock, 1_000n],
        }),
      })
      const shown = await page(tx, async () => gold)
      const call = callOf(shown)
      expect(call.text).toBe(
        `lockToken: ${short(getAddress(TOKEN))}Amount: 2.5 GLDRecipient: ${short(getAddress(BOB))}Hashlock: ${short(hashlock)}Locked until: block #1,000`,
      )
      expect(call.links).toEqual([`/address/${getAddress(TOKEN)}`, `/address/${getAddress(BOB)}`])
      expect(shown).toContain(`title="${hashlock}"`)
      expect(exactOf(shown)).toBe(`lock(${getAddress(TOKEN)}, 250, ${getAddress(BOB)}, ${hashlock}, 1000)`)
      // The coin: in TAB, with no token to link to.
      const coin = minedTx({
        to: HTLC_ADDRESS,
        value: parseEther('2'),
        input: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [ZERO_ADDRESS, parseEther('2'), BOB, hashlock, 1_000n],
        }),
      })
      const paid = callOf(await page(coin, async () => null))
      expect(paid.text).toContain('Token: TAB (the coin)Amount: 2 TAB')
      expect(paid.links).toEqual([`/address/${getAddress(BOB)}`])
    })

    test('an approval: unlimited in words; an amount whose token is being read or failed shows no sum in token units', async () => {
      const approve = (amount: bigint) =>
        minedTx({
          to: TOKEN,
          input: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [BOB, amount] }),
        })
      const unlimited = callOf(await page(approve(maxUint256), async () => gold))
      expect(unlimited.text).toBe(
        `approveSpender: ${short(getAddress(BOB))}Amount: Unlimited (the largest amount there is)`,
      )
      const failed = callOf(
        await page(approve(250n), async () => {
          throw new Error('no peer proved the token: F: timeout')
        }),
      )
      expect(failed.text).toContain(
        `Amount: 250 base units of token ${short(getAddress(TOKEN))} (Token not read: no peer proved the token)`,
      )
      const reads = new Map<string, TokenRead>([[TOKEN.toLowerCase(), { state: 'reading' }]])
      expect(callView(approve(250n), reads)?.args[1]).toEqual({
        label: 'Amount',
        kind: 'text',
        text: `An amount of token ${short(getAddress(TOKEN))} (Reading the token…)`,
      })
    })
  })

  test("a mined transaction says when: its block's date and time and how long ago; a pending one that it waits in the pool, no time", async () => {
    const at = BigInt(Date.now() - 42_000)
    const mined = minedTx({ blockTimestamp: at })
    const pending = minedTx({
      state: 'pending',
      blockHash: null,
      blockNumber: null,
      index: null,
      blockTimestamp: null,
      confirmations: 0n,
      status: null,
    })
    const page = async (tx: typeof mined) => {
      const api = {
        transaction: async () => tx,
        receipt: async () => null,
        token: async () => null,
      } as unknown as Remote<NodeApi>
      const read = must(await readTransaction(api, tx.hash))
      return renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, read)))
    }
    const date = new Date(Number(at))
    expect(await page(mined)).toContain(
      `Mined</dt><dd><time dateTime="${date.toISOString()}" data-testid="mined-at">${date.toLocaleString()} (42s ago)</time></dd>`,
    )
    const waiting = await page(pending)
    expect(waiting).toContain(
      'Mined</dt><dd>Not yet: waiting in the pool of pending transactions (the mempool) for a miner to take it into a block</dd>',
    )
    expect(waiting).not.toContain('<time')
    // As the block page's age: just now within 1.5 s, else how long.
    expect(minedAtText(1_000_000n, 1_001_000)).toBe(`${new Date(1_000_000).toLocaleString()} (just now)`)
    expect(minedAtText(1_000_000n, 1_000_000 + 3_725_000)).toBe(
      `${new Date(1_000_000).toLocaleString()} (1h\u00a002m ago)`,
    )
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
    // Not mined: no block, the most its fee can be, its gas not known yet — in words, the figures kept.
    const page = renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, shown)))
    expect(page).toContain('In block</dt><dd>not in a block yet</dd>')
    expect(page).toContain(
      `Fee</dt><dd>At most ${formatCoin(shown.tx.gas * shown.tx.maxFeePerGas)} (up to ${shown.tx.gas.toLocaleString()} gas × ${formatAmount(shown.tx.maxFeePerGas, 9, 'gwei')})</dd>`,
    )
    expect(page).toContain(
      `Gas used</dt><dd>not known yet: at most ${shown.tx.gas.toLocaleString()} (its gas limit)</dd>`,
    )
    expect(page).not.toContain('Fee paid')
    const badge = renderToStaticMarkup(createElement(TxStatusBadge, { status: shown.status }))
    expect(badge).toContain('data-verified="false"')
    expect(badge).toContain(
      `Pending — not in a block yet · not verified at the current head: no peer proved transaction ${hash}`,
    )
    // What it was sent to do, not that it did it.
    expect(
      txHeadline(
        shown.tx,
        shown.receipt,
        shown.status,
        tokensRead(shown.tokens.current()),
        shown.locks.current(),
      ),
    ).toBe(
      `Sent to transfer 0.000000000000000005 TAB from ${short(getAddress(ALICE))} to ${short(getAddress(BOB))}: not in a block yet.`,
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
    const read = must(await readTransaction(api, hash))
    const { status } = read
    expect(status).toEqual({ state: 'included', hash, confirmations: 3n, unverified: unproven.message })
    expect(
      txHeadline(read.tx, read.receipt, status, tokensRead(read.tokens.current()), read.locks.current()),
    ).toBe(
      `Sent to transfer 0.000000000000000001 TAB from ${short(getAddress(ALICE))} to ${short(getAddress(BOB))}: in its block, whether it succeeded not verified.`,
    )
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

  describe("a redeem's lock, read apart from the page", () => {
    const id: Hex = `0x${'1d'.repeat(32)}`
    const redeem = minedTx({
      to: HTLC_ADDRESS,
      input: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'redeem',
        args: [id, `0x${'7c'.repeat(32)}`],
      }),
    })
    const gold = { address: TOKEN, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 0n, owner: ALICE }
    const lock = {
      sender: ALICE,
      recipient: BOB,
      token: TOKEN,
      amount: 250n,
      hashlock: `0x${'ee'.repeat(32)}`,
      timelockHeight: 1_000n,
      state: 'redeemed',
    } as const
    /** A node knowing `redeem`, its receipt unread, its lock read by `verifiedHtlc`, the token by `token`. */
    const node = (verifiedHtlc: () => Promise<unknown>, token: () => Promise<unknown> = async () => null) =>
      ({
        transaction: async () => redeem,
        receipt: async () => null,
        verifiedHtlc,
        token: async (address: string) => (address.toLowerCase() === TOKEN.toLowerCase() ? token() : null),
      }) as unknown as Remote<NodeApi>
    const page = (read: NonNullable<Awaited<ReturnType<typeof readTransaction>>>) =>
      renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, read)))
    const what = `redeem swap lock ${short(id)}`
    /** Within a second, or the test fails (not waiting on a read that never ends). */
    const soon = <T>(read: Promise<T>) =>
      Promise.race([
        read,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('held back')), 1_000)),
      ])

    test('a lock read that never settles does not hold back the page: it shows, its amount being read', async () => {
      const read = must(
        await soon(
          readTransaction(
            node(() => new Promise(() => {})),
            redeem.hash,
          ),
        ),
      )
      expect(read.tx).toEqual(redeem)
      expect(read.status).toEqual({ state: 'pending', hash: redeem.hash })
      expect(page(read)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)} (Reading the amount…): not in a block yet.</p>`,
      )
    })

    test("a lock read that fails says so in the headline, with why, in the address rows' words", async () => {
      const why = new Error(`no peer proved lock ${id}: F: timeout`)
      const read = must(
        await soon(
          readTransaction(
            node(async () => Promise.reject(why)),
            redeem.hash,
          ),
        ),
      )
      await until(() => read.locks.current().get(id)?.state === 'failed')
      expect(page(read)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)} (Amount not read: no peer proved lock ${short(id)}): not in a block yet.</p>`,
      )
    })

    test("a lock read that succeeds shows its amount once its token is read, in the token's symbol", async () => {
      // What ends each read, once asked.
      const ends: { proven?: (v: unknown) => void; named?: (v: unknown) => void } = {}
      const api = node(
        () => new Promise((resolve) => (ends.proven = resolve)),
        () => new Promise((resolve) => (ends.named = resolve)),
      )
      const read = must(await soon(readTransaction(api, redeem.hash)))
      must(ends.proven)({ value: lock, number: 10n })
      // The lock is read, its token asked for, not read yet: the amount waits for it, not shown in base units.
      await until(() => ends.named !== undefined)
      expect(read.locks.current().get(id)).toEqual({ state: 'reading' })
      expect(page(read)).toContain(`${what} (Reading the amount…)`)
      must(ends.named)(gold)
      await until(() => read.locks.current().get(id)?.state === 'read')
      expect(page(read)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)}: 2.5 GLD to ${short(getAddress(BOB))}: not in a block yet.</p>`,
      )
    })

    test('a lock whose token cannot be read shows its amount in base units of its address', async () => {
      const api = node(
        async () => ({ value: lock, number: 10n }),
        async () => Promise.reject(new Error('no peer proved token')),
      )
      const read = must(await soon(readTransaction(api, redeem.hash)))
      await until(() => read.locks.current().get(id)?.state === 'read')
      expect(page(read)).toContain(
        `${what}: 250 base units of token ${short(getAddress(TOKEN))} to ${short(getAddress(BOB))}`,
      )
    })

    test("a lock whose token's read fails says why in its amount; the next refresh reads the token again, not before", async () => {
      let fail = true
      const asked: string[] = []
      const api = node(
        async () => ({ value: lock, number: 10n }),
        async () => {
          asked.push(TOKEN)
          if (fail) throw new Error(`no peer proved token ${TOKEN}: F: timeout`)
          return gold
        },
      )
      const read = must(await soon(readTransaction(api, redeem.hash)))
      await until(() => read.tokens.current().get(TOKEN.toLowerCase())?.state === 'failed')
      expect(read.locks.current().get(id)?.state).toBe('read')
      expect(page(read)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)}: 250 base units of token ${short(getAddress(TOKEN))} to ${short(getAddress(BOB))} (Token not read: no peer proved token ${short(TOKEN)}): not in a block yet.</p>`,
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(asked).toHaveLength(1)
      fail = false
      const again = must(await soon(readTransaction(api, redeem.hash, read.tokens, read.locks)))
      await until(() => again.tokens.current().get(TOKEN.toLowerCase())?.state === 'read')
      expect(asked).toHaveLength(2)
      expect(page(again)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)}: 2.5 GLD to ${short(getAddress(BOB))}: not in a block yet.</p>`,
      )
    })

    test("a lock of a token the transaction also names reads that token once, through the page's token reads", async () => {
      // No real lock holds the HTLC's own address as its token, but it is the one address a redeem names:
      // here a token, so that its read is kept and any second read is the lock's own.
      const asked: string[] = []
      const named = { ...gold, address: HTLC_ADDRESS }
      const api = {
        transaction: async () => redeem,
        receipt: async () => null,
        verifiedHtlc: async () => ({ value: { ...lock, token: HTLC_ADDRESS }, number: 10n }),
        token: async (address: string) => {
          asked.push(address.toLowerCase())
          return named
        },
      } as unknown as Remote<NodeApi>
      const read = must(await soon(readTransaction(api, redeem.hash)))
      await until(() => read.locks.current().get(id)?.state === 'read')
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(asked).toEqual([HTLC_ADDRESS.toLowerCase()])
      expect(page(read)).toContain(
        `data-testid="tx-headline">Sent to redeem swap lock ${short(id)}: 2.5 GLD to ${short(getAddress(BOB))}: not in a block yet.</p>`,
      )
    })
  })

  describe('the tokens a transaction names, read apart from the page', () => {
    const sent = minedTx({
      to: TOKEN,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 250n] }),
    })
    const gold = { address: TOKEN, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 0n, owner: ALICE }
    /** A node knowing `sent`, its receipt unread, each token read by `token`; `asked` counts the reads by address. */
    const node = (token: (address: string) => Promise<unknown>) => {
      const asked = new Map<string, number>()
      const api = {
        transaction: async () => sent,
        receipt: async () => null,
        token: (address: string) => {
          asked.set(address.toLowerCase(), (asked.get(address.toLowerCase()) ?? 0) + 1)
          return token(address)
        },
      } as unknown as Remote<NodeApi>
      return { api, asked }
    }
    const page = (read: NonNullable<Awaited<ReturnType<typeof readTransaction>>>) =>
      renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, read)))
    const [from, to, token] = [short(getAddress(sent.from)), short(getAddress(BOB)), short(getAddress(TOKEN))]
    /** Within a second, or the test fails (not waiting on a read that never ends). */
    const soon = <T>(read: Promise<T>) =>
      Promise.race([
        read,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('held back')), 1_000)),
      ])

    test('a token read that never settles holds back nothing: the transaction shows, its amount waiting for the token', async () => {
      const { api } = node(() => new Promise(() => {}))
      const read = must(await soon(readTransaction(api, sent.hash)))
      expect(read.tx).toEqual(sent)
      expect(read.status).toEqual({ state: 'pending', hash: sent.hash })
      const shown = page(read)
      expect(shown).toContain(
        `data-testid="tx-headline">Sent to transfer an amount of token ${token} from ${from} to ${to} (Reading the token…): not in a block yet.</p>`,
      )
      expect(shown).toContain(sent.hash)
      expect(shown).toContain(getAddress(TOKEN))
      // No amount shown before its decimals are read: the call's raw argument only.
      expect(shown).not.toContain('2.5')
      expect(shown).not.toContain('base units')
      expect(shown).toContain(`transfer(${getAddress(BOB)}, 250)`)
    })

    test('a token read that fails leaves the page and says so, with why; the next refresh reads it again, not before', async () => {
      let fail = true
      const { api, asked } = node(async () => {
        if (fail) throw new Error(`no peer proved token ${TOKEN}: F: timeout`)
        return gold
      })
      const read = must(await soon(readTransaction(api, sent.hash)))
      await until(() => read.tokens.current().get(TOKEN.toLowerCase())?.state === 'failed')
      const shown = page(read)
      expect(shown).toContain(
        `data-testid="tx-headline">Sent to transfer 250 base units of token ${token} from ${from} to ${to} (Token not read: no peer proved token ${short(TOKEN)}): not in a block yet.</p>`,
      )
      expect(shown).toContain(
        `data-testid="tx-to-unread" title="no peer proved token ${TOKEN}: F: timeout"> · Token not read: no peer proved token ${short(TOKEN)}</span>`,
      )
      // Not read again in a loop: only at the page's next refresh (a new head).
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(asked.get(TOKEN.toLowerCase())).toBe(1)
      fail = false
      const again = must(await soon(readTransaction(api, sent.hash, read.tokens, read.locks)))
      await until(() => again.tokens.current().get(TOKEN.toLowerCase())?.state === 'read')
      expect(asked.get(TOKEN.toLowerCase())).toBe(2)
      const named = page(again)
      expect(named).toContain(
        `data-testid="tx-headline">Sent to transfer 2.5 GLD from ${from} to ${to}: not in a block yet.</p>`,
      )
      expect(named).toContain(`Gold (GLD)</a>`)
      expect(named).not.toContain('tx-to-unread')
    })

    test("a lock's amount waits for its token, not the HTLC's: reading, then failed with why, then named", () => {
      const lock = minedTx({
        to: HTLC_ADDRESS,
        input: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [TOKEN, 250n, BOB, `0x${'ee'.repeat(32)}`, 1_000n],
        }),
      })
      const status = { state: 'confirmed', hash: lock.hash, confirmations: 1n } as const
      /** The headline with the HTLC read (no token there) and the lock's token read as `read`. */
      const headline = (read: TokenRead) => {
        const reads = new Map<string, TokenRead>([
          [HTLC_ADDRESS.toLowerCase(), { state: 'read', token: null }],
          [TOKEN.toLowerCase(), read],
        ])
        return txHeadline(lock, null, status, tokensRead(reads), new Map(), reads)
      }
      expect(headline({ state: 'reading' })).toBe(
        `Lock an amount of token ${token} for ${to} until block 1000 (Reading the token…)`,
      )
      expect(headline({ state: 'failed', error: 'the node is not reachable' })).toBe(
        `Lock 250 base units of token ${token} for ${to} until block 1000 (Token not read: the node is not reachable)`,
      )
      expect(headline({ state: 'read', token: gold })).toBe(`Lock 2.5 GLD for ${to} until block 1000`)
      // Timed from the head the page shows (#970), at the chain's target block time (2 s).
      const reads = new Map<string, TokenRead>([[TOKEN.toLowerCase(), { state: 'read', token: gold }]])
      const timed = (head: bigint) =>
        txHeadline(lock, null, status, tokensRead(reads), new Map(), reads, { head, blockMs: 2_000 })
      expect(timed(970n)).toBe(`Lock 2.5 GLD for ${to} until block 1000 (~1m\u00a000s from now)`)
      expect(timed(1_002n)).toBe(`Lock 2.5 GLD for ${to} until block 1000 (passed 2 blocks ago)`)
      // A pending one likewise.
      expect(
        txHeadline(lock, null, { state: 'pending', hash: lock.hash }, tokensRead(reads), new Map(), reads, {
          head: 990n,
          blockMs: 2_000,
        }),
      ).toBe(`Sent to lock 2.5 GLD for ${to} until block 1000 (~20s from now): not in a block yet.`)
      // The HTLC's own read does not hold the amount: a coin lock reads at once.
      const coin = minedTx({
        to: HTLC_ADDRESS,
        value: 2n,
        input: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [ZERO_ADDRESS, 2n, BOB, `0x${'ee'.repeat(32)}`, 1_000n],
        }),
      })
      expect(
        txHeadline(
          coin,
          null,
          status,
          new Map(),
          new Map(),
          new Map([[HTLC_ADDRESS.toLowerCase(), { state: 'reading' }]]),
        ),
      ).toBe(`Lock 0.000000000000000002 TAB for ${to} until block 1000`)
    })

    test('each token is read once per page: not again at each head once read, nor while its read runs', async () => {
      const ends: ((v: unknown) => void)[] = []
      const { api, asked } = node(() => new Promise((resolve) => ends.push(resolve)))
      const first = must(await soon(readTransaction(api, sent.hash)))
      // A new head while the read runs: not asked again.
      must(await soon(readTransaction(api, sent.hash, first.tokens, first.locks)))
      expect(asked.get(TOKEN.toLowerCase())).toBe(1)
      for (const end of ends) end(gold)
      await until(() => first.tokens.current().get(TOKEN.toLowerCase())?.state === 'read')
      for (let head = 0; head < 3; head++)
        must(await soon(readTransaction(api, sent.hash, first.tokens, first.locks)))
      expect(asked.get(TOKEN.toLowerCase())).toBe(1)
      expect(page(first)).toContain(`Sent to transfer 2.5 GLD from ${from} to ${to}`)
    })
  })

  test('the page says first what each transaction did: a coin send, a token transfer, a token created, a lock made and redeemed, a revert', async () => {
    const hub = memoryHub()
    const { chain, store } = await tokenChain(0)
    const preimage: Hex = `0x${'7c'.repeat(32)}`
    const hashlock = sha256(preimage)
    const sent = await transfer(0, { nonce: 3, to: BOB, value: parseEther('1.5') })
    const locked = await signCall(
      0,
      4,
      HTLC_ADDRESS,
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [ZERO_ADDRESS, parseEther('2'), BOB, hashlock, 1_000n],
      }),
      parseEther('2'),
    )
    // BOB holds 2.50 GLD (of the 10.00 created): his transfer of 9.99 reverts. CAROL, neither side, redeems the lock.
    const reverted = await sendToken(1, 0, ALICE, 999n)
    mineTxs(chain, [sent, locked, reverted])
    const id = lockId(ALICE, 4n, ZERO_ADDRESS, parseEther('2'), BOB, hashlock, 1_000n)
    const redeemed = await signCall(
      2,
      0,
      HTLC_ADDRESS,
      encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, preimage] }),
    )
    mineTxs(chain, [redeemed])
    const full = await join(hub, 'F', { store })
    const [created, paid] = await block1Txs()
    const headline = async (raw: Hex) => {
      const read = must(await readTransaction(full.api, keccak256(raw)))
      // A redeem's amount and the tokens named are read apart: its headline once those reads ended.
      await until(() => [...read.locks.current().values()].every((r) => r.state !== 'reading'))
      await until(() => [...read.tokens.current().values()].every((r) => r.state === 'read'))
      const reads = read.tokens.current()
      return txHeadline(read.tx, read.receipt, read.status, tokensRead(reads), read.locks.current(), reads)
    }
    const [alice, bob] = [short(getAddress(ALICE)), short(getAddress(BOB))]
    expect(await headline(sent)).toBe(`Transfer 1.5 TAB from ${alice} to ${bob}`)
    expect(await headline(must(paid))).toBe(`Transfer 2.5 GLD from ${alice} to ${bob}`)
    expect(await headline(must(created))).toBe(
      `Create token Gold (GLD) with 10 GLD, at ${short(getAddress(TOKEN))}`,
    )
    expect(await headline(locked)).toBe(`Lock 2 TAB for ${bob} until block 1000`)
    expect(await headline(redeemed)).toBe(`Redeem swap lock ${short(id)}: 2 TAB to ${bob}`)
    expect(await headline(reverted)).toBe(
      `Tried to transfer 9.99 GLD from ${bob} to ${alice}, and failed (ERC20: transfer amount exceeds balance): nothing moved but its fee.`,
    )
    // The page shows it first, and its gas and events in plain words.
    const read = must(await readTransaction(full.api, keccak256(must(paid))))
    await until(() => read.tokens.current().get(TOKEN.toLowerCase())?.state === 'read')
    const page = renderToStaticMarkup(createElement(MemoryRouter, null, createElement(TxDetail, read)))
    expect(page).toContain(`data-testid="tx-headline">Transfer 2.5 GLD from ${alice} to ${bob}</p>`)
    const { gasUsed, effectiveGasPrice } = must(read.receipt)
    expect(page).toContain(
      `Fee paid</dt><dd>${formatCoin(gasUsed * effectiveGasPrice)} (${gasUsed.toLocaleString()} gas × ${formatAmount(effectiveGasPrice, 9, 'gwei')})</dd>`,
    )
    expect(page).toMatch(/Fee paid<\/dt><dd>0\.\d+ TAB \([\d,]+ gas × [\d.]+ gwei\)<\/dd>/)
    expect(page).toContain(
      `Gas used</dt><dd>${gasUsed.toLocaleString()} of the 300,000 allowed (its gas limit)</dd>`,
    )
    expect(page).toContain('Events logged</dt><dd>1</dd>')
    expect(page).toContain(`Sender’s transaction</dt><dd>${nonceWords(read.tx.nonce)}</dd>`)
    // What a user asks first (confirmed or not, who, how much, when, the fee), then the raw fields.
    const labels = [...page.matchAll(/<dt>(.*?)<\/dt>/g)].map((m) => m[1])
    expect(labels).toEqual([
      'Status',
      'From',
      'To',
      'Contract call',
      'TAB sent',
      'In block',
      'Mined',
      'Fee paid',
      'Transaction hash',
      'Sender’s transaction',
      'Exact call (as sent)',
      'Gas used',
      'Events logged',
    ])
    expect(page).toContain(
      '<h2 class="section">Technical details</h2><dl class="facts" data-testid="tx-technical">',
    )
    const plain = renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(TxDetail, must(await readTransaction(full.api, keccak256(sent)))),
      ),
    )
    expect(plain).toContain('Gas used</dt><dd>21,000 of the 21,000 allowed (its gas limit)</dd>')
    expect(plain).toMatch(/Fee paid<\/dt><dd>0\.\d+ TAB \(21,000 gas × [\d.]+ gwei\)<\/dd>/)
    expect(plain).toContain('TAB sent</dt><dd>1.5 TAB</dd>')
    expect(plain).not.toContain('Events')
    expect(plain).not.toContain('Logs')
  })
})
