import { sha256 } from '@noble/hashes/sha2.js'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { MemoryRouter } from 'react-router'
import { type Address, encodeFunctionData, getAddress, type Hex, maxUint256, parseUnits } from 'viem'
import { describe, expect, test } from 'vitest'
import { toHex } from '../../src/node/codec/bytes'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { erc20Abi } from '../../src/node/contracts/erc20/abi'
import { htlcAbi, LockState } from '../../src/node/contracts/htlc/abi'
import { type HtlcLock, lockId } from '../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { LightError } from '../../src/node/light/errors'
import type { Verified } from '../../src/node/light/light-client'
import { memoryHub } from '../../src/node/network/memory'
import type { TokenInfo, TxView } from '../../src/node/worker/queries'
import {
  addressTxRow,
  lockUnreadText,
  rowsAmountTokens,
  type SettledLocks,
  settledLockId,
} from '../../src/ui/address-activity'
import { type TokenDirectory, tokenDirectory } from '../../src/ui/address-name'
import { KnownTokensContext, type KnownTokensValue, short } from '../../src/ui/components/explorer'
import { createTokenList } from '../../src/ui/known-tokens'
import { AddressTxs, readAddressPage, readListed } from '../../src/ui/screens/ExplorerScreen'
import { settledLockReads } from '../../src/ui/settled-lock-reads'
import { addressOf } from '../node/chain/chain-fixtures'
import { extend, BOB as LIGHT_BOB, mineTxs, nodeStarter, signCall, tokenChain } from '../node/light/fixtures'
import { until } from '../until'
import { minedTx } from './mined-tx'

/** Lets the reads whose answers are in end (their callbacks run). */
const settle = () => new Promise((r) => setTimeout(r))

const ALICE = getAddress(`0x${'aa'.repeat(20)}`)
const BOB = getAddress(`0x${'bb'.repeat(20)}`)
const CAROL = getAddress(`0x${'cc'.repeat(20)}`)
const GLD: Address = '0x1111111111111111111111111111111111111111'
const TOKENS = tokenDirectory([
  { address: GLD, name: 'Gold', symbol: 'GLD', decimals: 2, totalSupply: 100_000n, owner: ALICE },
])
const HASH = `0x${'ab'.repeat(32)}` as Hex
const GLD_LOCK = `0x${'22'.repeat(32)}` as Hex
const COIN_LOCK = `0x${'44'.repeat(32)}` as Hex
/** Alice's locks for Bob, as the node stores them (lower-case addresses): 3 GLD, and 1.5 TAB. */
const LOCKS = new Map<Hex, HtlcLock>([
  [
    GLD_LOCK,
    {
      sender: ALICE.toLowerCase() as Address,
      recipient: BOB.toLowerCase() as Address,
      token: GLD,
      amount: 300n,
      hashlock: `0x${'11'.repeat(32)}`,
      timelockHeight: 40n,
      state: LockState.Redeemed,
    },
  ],
  [
    COIN_LOCK,
    {
      sender: ALICE.toLowerCase() as Address,
      recipient: BOB.toLowerCase() as Address,
      token: `0x${'00'.repeat(20)}`,
      amount: parseUnits('1.5', 18),
      hashlock: `0x${'11'.repeat(32)}`,
      timelockHeight: 40n,
      state: LockState.Refunded,
    },
  ],
])
/** The same locks as a page's reads of them. */
const READ: SettledLocks = new Map([...LOCKS].map(([id, lock]) => [id, { state: 'read', lock }]))
/** A call of the HTLC's `redeem` or `refund` of lock `id`, sent by `from`. */
const settling = (functionName: 'redeem' | 'refund', id: Hex, from: Address = CAROL, hash: Hex = HASH) =>
  minedTx({
    hash,
    from,
    to: HTLC_ADDRESS,
    input:
      functionName === 'redeem'
        ? encodeFunctionData({ abi: htlcAbi, functionName, args: [id, `0x${'33'.repeat(32)}`] })
        : encodeFunctionData({ abi: htlcAbi, functionName, args: [id] }),
  })

describe("an address page's transactions", () => {
  test('a coin payment reads as sent by its sender and received by its recipient, with the amount, block and depth at the head', () => {
    const pay = minedTx({ value: parseUnits('1.5', 18) })
    const sent = addressTxRow(pay, ALICE, TOKENS, 12n)
    expect(sent).toMatchObject({
      what: 'Send 1.5 TAB to 0xbBbBBBBb…bbBBbB',
      amount: '1.5 TAB',
      direction: 'out',
      blockNumber: 10n,
    })
    // Three blocks deep at head #12, whatever depth the transaction was read at.
    expect(sent.status).toEqual({ state: 'confirmed', hash: HASH, confirmations: 3n })
    expect(addressTxRow(pay, BOB, TOKENS, 12n)).toMatchObject({
      what: 'Receive 1.5 TAB from 0xaAaAaAaa…aAaaAa',
      amount: '1.5 TAB',
      direction: 'in',
    })
    // Lower-case addresses are the same address.
    expect(addressTxRow(pay, BOB.toLowerCase() as Address, TOKENS, 12n).direction).toBe('in')
    expect(addressTxRow(minedTx({ to: ALICE, value: 1n }), ALICE, TOKENS, 12n).direction).toBe('self')
  })

  test('token calls read in the Tokens screen’s words, amounts in the token’s decimals, the token named', () => {
    const transfer = minedTx({
      to: GLD,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 250n] }),
    })
    expect(addressTxRow(transfer, ALICE, TOKENS, 10n)).toMatchObject({
      what: 'Send 2.5 GLD to 0xbBbBBBBb…bbBBbB',
      amount: '2.5 GLD',
      direction: 'out',
    })
    expect(addressTxRow(transfer, BOB, TOKENS, 10n)).toMatchObject({
      what: 'Receive 2.5 GLD from 0xaAaAaAaa…aAaaAa',
      direction: 'in',
    })
    // The token contract's page: a transfer between two others, moving nothing of its own.
    expect(addressTxRow(transfer, GLD, TOKENS, 10n)).toMatchObject({
      what: 'Transfer 2.5 GLD from 0xaAaAaAaa…aAaaAa to 0xbBbBBBBb…bbBBbB',
      amount: '2.5 GLD',
      direction: null,
    })
    const from = minedTx({
      from: CAROL,
      to: GLD,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [ALICE, BOB, 1n] }),
    })
    expect(addressTxRow(from, ALICE, TOKENS, 10n)).toMatchObject({ direction: 'out', amount: '0.01 GLD' })
    expect(addressTxRow(from, CAROL, TOKENS, 10n).direction).toBeNull()
    // An allowance reads as the wallet words it: a ceiling, or any amount when unlimited; it moves nothing.
    // The approver's page says it in its own voice; any other (the spender's, the token's) who allowed whom.
    const approve = (amount: bigint) =>
      minedTx({
        to: GLD,
        input: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [BOB, amount] }),
      })
    expect(addressTxRow(approve(maxUint256), ALICE, TOKENS, 10n)).toMatchObject({
      what: 'Allow 0xbBbBBBBb…bbBBbB to spend any amount of GLD (unlimited)',
      amount: null,
      direction: null,
    })
    for (const [amount, allowance] of [
      [maxUint256, 'any amount of GLD (unlimited)'],
      [1250n, 'up to 12.5 GLD'],
    ] as const) {
      for (const page of [BOB, GLD])
        expect(addressTxRow(approve(amount), page, TOKENS, 10n).what).toBe(
          `0xaAaAaAaa…aAaaAa allowed 0xbBbBBBBb…bbBBbB to spend ${allowance}`,
        )
    }
    expect(addressTxRow(approve(1250n), ALICE, TOKENS, 10n).what).toBe(
      'Allow 0xbBbBBBBb…bbBBbB to spend up to 12.5 GLD',
    )
    const mint = minedTx({
      to: GLD,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'mint', args: [BOB, 100n] }),
    })
    expect(addressTxRow(mint, BOB, TOKENS, 10n)).toMatchObject({
      what: 'Mint 1 GLD to 0xbBbBBBBb…bbBBbB',
      direction: 'in',
    })
    const burn = minedTx({
      to: GLD,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'burn', args: [100n] }),
    })
    expect(addressTxRow(burn, ALICE, TOKENS, 10n)).toMatchObject({ what: 'Burn 1 GLD', direction: 'out' })
    // A token the explorer does not know: in base units, named by its address.
    const other = minedTx({
      to: CAROL,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 7n] }),
    })
    expect(addressTxRow(other, ALICE, TOKENS, 10n).amount).toBe('7 base units of token 0xCcCCcccc…cccccC')
  })

  test('a token creation, HTLC steps and a reverted call read as such', () => {
    const create = minedTx({
      to: TOKEN_FACTORY_ADDRESS,
      input: encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Silver\u202E', 'SLV', 2, 100_000n],
      }),
    })
    expect(addressTxRow(create, ALICE, TOKENS, 10n)).toMatchObject({
      what: 'Create token Silver\\u{202E} (SLV) with 1,000 SLV',
      amount: '1,000 SLV',
      direction: 'in',
    })
    expect(addressTxRow(create, TOKEN_FACTORY_ADDRESS, TOKENS, 10n).direction).toBeNull()
    const lock = minedTx({
      to: HTLC_ADDRESS,
      input: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [GLD, 300n, BOB, `0x${'11'.repeat(32)}`, 40n],
      }),
    })
    expect(addressTxRow(lock, ALICE, TOKENS, 10n)).toMatchObject({
      what: 'Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40',
      amount: '3 GLD',
      direction: 'out',
    })
    // Timed from the head the page shows, at the chain's target block time (2 s): how far off, or how
    // long ago it passed.
    const until = (head: bigint) => addressTxRow(lock, ALICE, TOKENS, head, new Map(), 2_000).what
    expect(until(10n)).toBe('Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40 (~1m\u00a000s from now)')
    expect(until(39n)).toBe('Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40 (~2s from now)')
    expect(until(40n)).toBe('Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40 (the latest block)')
    expect(until(41n)).toBe('Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40 (passed 1 block ago)')
    expect(until(43n)).toBe('Lock 3 GLD for 0xbBbBBBBb…bbBBbB until block 40 (passed 3 blocks ago)')
    const redeem = minedTx({
      to: HTLC_ADDRESS,
      input: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'redeem',
        args: [`0x${'22'.repeat(32)}`, `0x${'33'.repeat(32)}`],
      }),
    })
    expect(addressTxRow(redeem, BOB, TOKENS, 10n)).toMatchObject({
      what: 'Redeem swap lock 0x22222222…222222',
      amount: null,
    })
    const reverted = addressTxRow(minedTx({ value: 1n, status: 'reverted' }), ALICE, TOKENS, 10n)
    expect(reverted.status).toEqual({ state: 'failed', hash: HASH, reason: 'reverted' })
    expect(addressTxRow(minedTx({ input: '0x12345678' }), ALICE, TOKENS, 10n)).toMatchObject({
      what: 'Call contract 0xbBbBBBBb…bbBBbB (0x12345678)',
      amount: null,
    })
    // In a block whose receipt this node lacks: in its block, its outcome not known.
    expect(addressTxRow(minedTx({ status: null }), ALICE, TOKENS, 10n).status).toMatchObject({
      state: 'included',
    })
  })

  test('a redeem or refund shows the amount its lock held, paid by the HTLC to the lock’s recipient or back to its sender', () => {
    const redeem = settling('redeem', GLD_LOCK)
    // Bob, the lock's recipient, receives its 3 GLD, whoever sent the redeem (here Carol, a watchtower).
    expect(addressTxRow(redeem, BOB, TOKENS, 10n, READ)).toMatchObject({
      what: 'Redeem swap lock 0x22222222…222222: 3 GLD to 0xbBbBBBBb…bbBBbB',
      amount: '3 GLD',
      direction: 'in',
    })
    // The HTLC pays it out; the sender of the redeem and the lock's maker moved nothing by it.
    expect(addressTxRow(redeem, HTLC_ADDRESS, TOKENS, 10n, READ)).toMatchObject({
      amount: '3 GLD',
      direction: 'out',
    })
    expect(addressTxRow(redeem, CAROL, TOKENS, 10n, READ)).toMatchObject({
      amount: '3 GLD',
      direction: null,
    })
    expect(addressTxRow(redeem, ALICE, TOKENS, 10n, READ).direction).toBeNull()
    // A refund pays the lock's coin back to Alice, who made it.
    const refund = settling('refund', COIN_LOCK, ALICE)
    expect(addressTxRow(refund, ALICE, TOKENS, 10n, READ)).toMatchObject({
      what: 'Refund swap lock 0x44444444…444444: 1.5 TAB back to 0xaAaAaAaa…aAaaAa',
      amount: '1.5 TAB',
      direction: 'in',
    })
    expect(addressTxRow(refund, BOB, TOKENS, 10n, READ).direction).toBeNull()
    // A lock the page has not read: what it did, with no amount.
    expect(addressTxRow(settling('refund', `0x${'55'.repeat(32)}`), ALICE, TOKENS, 10n, READ)).toMatchObject({
      what: 'Refund swap lock 0x55555555…555555',
      amount: null,
      direction: null,
    })
    expect(settledLockId(redeem)).toBe(GLD_LOCK)
    expect(settledLockId(minedTx({ value: 1n }))).toBeNull()
  })

  test('a page reads each lock its redeems and refunds settle once, as the node proves it; one it cannot read is read again', async () => {
    const asked: Hex[] = []
    let fail = true
    // The node proves at block #9 (a light node, a few blocks deep), then at #10.
    let provenAt = 9n
    const api = {
      async verifiedHtlc(id: Hex) {
        asked.push(id)
        if (id === COIN_LOCK && fail) throw new Error('no peer proved it')
        return { value: LOCKS.get(id) ?? null, verified: true as const, number: provenAt, hash: HASH }
      },
    }
    const UNKNOWN = `0x${'55'.repeat(32)}` as Hex
    const txs = [
      settling('redeem', GLD_LOCK, CAROL, `0x${'01'.repeat(32)}`),
      // A failed redeem of the same lock: the lock is read once.
      settling('redeem', GLD_LOCK, BOB, `0x${'02'.repeat(32)}`),
      settling('refund', COIN_LOCK, ALICE, `0x${'03'.repeat(32)}`),
      // In block #10: missing at #9 it may still come; missing at #10 it never will on this chain.
      settling('refund', UNKNOWN, ALICE, `0x${'04'.repeat(32)}`),
      minedTx({ hash: `0x${'05'.repeat(32)}`, value: 1n }),
      { hash: `0x${'06'.repeat(32)}` as Hex, error: 'no peer proved it' },
    ]
    const reads = settledLockReads(api)
    reads.read(txs)
    await settle()
    const first = reads.current()
    // Read and kept; not proven (why shown); missing at #9, which is older than its refund's block.
    expect(first.get(GLD_LOCK)).toEqual({ state: 'read', lock: LOCKS.get(GLD_LOCK) })
    expect(first.get(COIN_LOCK)).toEqual({ state: 'failed', error: 'no peer proved it' })
    expect(first.get(UNKNOWN)).toEqual({ state: 'read', lock: null })
    expect([...first.keys()]).toEqual([GLD_LOCK, COIN_LOCK, UNKNOWN])
    expect(asked).toEqual([GLD_LOCK, COIN_LOCK, UNKNOWN])
    fail = false
    provenAt = 10n
    reads.read(txs)
    // Read again, its row still saying why the last read failed until this one ends.
    expect(reads.current().get(COIN_LOCK)).toEqual({ state: 'failed', error: 'no peer proved it' })
    await settle()
    const second = reads.current()
    expect(second.get(COIN_LOCK)).toEqual({ state: 'read', lock: LOCKS.get(COIN_LOCK) })
    expect(second.get(UNKNOWN)).toEqual({ state: 'read', lock: null })
    // Only the two not read before are asked again; the GLD lock is kept.
    expect(asked).toEqual([GLD_LOCK, COIN_LOCK, UNKNOWN, COIN_LOCK, UNKNOWN])
    // Every lock is known now: a later head reads none, and the page's map stays the same.
    reads.read(txs)
    await settle()
    expect(asked).toHaveLength(5)
    expect(reads.current()).toBe(second)
    // A pending refund of a lock not found is read again at each head (its lock may be mined later).
    const pending = [minedTx({ ...settling('refund', `0x${'66'.repeat(32)}`), blockNumber: null })]
    reads.read(pending)
    await settle()
    reads.read(pending)
    await settle()
    expect(asked).toHaveLength(7)
    const rows = txs.flatMap((t) => ('error' in t ? [] : [addressTxRow(t, BOB, TOKENS, 10n, second)]))
    expect(rows.map((r) => r.amount)).toEqual(['3 GLD', '3 GLD', '1.5 TAB', null, '0.000000000000000001 TAB'])
    expect(rows.map((r) => r.lockRead)).toEqual([null, null, null, null, null])
  })

  test('a new head reads only the transactions new to the list; one that fails to read is read again', async () => {
    const asked: Hex[] = []
    let fail = true
    const api = {
      async transaction(hash: Hex) {
        asked.push(hash)
        if (hash === B && fail) throw new Error('no peer proved it')
        return minedTx({ hash })
      },
    }
    const A = `0x${'0a'.repeat(32)}` as Hex
    const B = `0x${'0b'.repeat(32)}` as Hex
    const C = `0x${'0c'.repeat(32)}` as Hex
    const cache = new Map<Hex, TxView>()
    const first = await readListed(api, [B, A], cache)
    expect(first).toEqual([{ hash: B, error: 'no peer proved it' }, minedTx({ hash: A })])
    fail = false
    const second = await readListed(api, [C, B, A], cache)
    expect(second.map((t) => t.hash)).toEqual([C, B, A])
    expect(asked).toEqual([B, A, C, B])
  })
})

/** A promise the test settles when it chooses: a lock read through a peer that answers late. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {}
  let reject: (err: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** The cells of column `testid` in the markup of an address's transactions, as text. */
/** The words of `html`, its tags (the links in a row's words) taken out. */
const words = (html: string) => html.replace(/<[^>]+>/g, '')

const cells = (html: string, testid: string) =>
  [...html.matchAll(new RegExp(`data-testid="${testid}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1])

describe("an address page's lock reads", () => {
  const H1 = `0x${'01'.repeat(32)}` as Hex
  const H2 = `0x${'02'.repeat(32)}` as Hex
  const H3 = `0x${'03'.repeat(32)}` as Hex
  /** On Alice's page: Carol's redeem of the GLD lock for Bob, Alice's refund of her coin lock, a payment she sent. */
  const txs = [
    settling('redeem', GLD_LOCK, CAROL, H1),
    settling('refund', COIN_LOCK, ALICE, H2),
    minedTx({ hash: H3, value: parseUnits('2', 18) }),
  ]
  /** A node whose lock reads end when the test settles `locks`' promises; `asked` lists the lock reads. */
  const slowLocks = () => {
    const asked: Hex[] = []
    const locks = new Map([GLD_LOCK, COIN_LOCK].map((id) => [id, deferred<Verified<HtlcLock | null>>()]))
    const api = {
      async verifiedAccount(address: Address) {
        return {
          value: { address, balance: 5n, nonce: 2n },
          verified: true as const,
          number: 10n,
          hash: HASH,
        }
      },
      verifiedTokenHoldings: async () => ({ value: [], verified: true as const, number: 10n, hash: HASH }),
      addressTransactions: async () => txs.map((t) => t.hash),
      token: async () => null,
      transaction: async (hash: Hex) => txs.find((t) => t.hash === hash) ?? null,
      verifiedHtlc(id: Hex) {
        asked.push(id)
        const read = locks.get(id)
        if (read === undefined) throw new Error(`no lock ${id} in this test`)
        return read.promise
      },
    }
    return { api, asked, locks }
  }
  const render = (page: Awaited<ReturnType<typeof readAddressPage>>) =>
    renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(AddressTxs, { address: ALICE, txs: page.txs, locks: page.locks, token: null }),
      ),
    )

  test('the rows show before the lock reads end, each redeem or refund reading its amount; then the amount, or why it was not read', async () => {
    const { api, asked, locks } = slowLocks()
    const listed = { address: ALICE, reorg: null, txs: new Map(), locks: settledLockReads(api) }
    // The page is read while no lock read has ended.
    const page = await readAddressPage(api, ALICE, listed)
    expect(page.account.value.balance).toBe(5n)
    const before = render(page)
    expect(cells(before, 'address-tx')).toHaveLength(3)
    expect(before).toContain('Redeem swap lock 0x22222222…222222')
    expect(before).toContain('Refund swap lock 0x44444444…444444')
    // No amount is claimed for the two settling rows while their locks are read; the payment shows its own.
    expect(cells(before, 'address-tx-amount')).toEqual([
      'Reading the amount…',
      'Reading the amount…',
      '−2 TAB',
    ])
    expect(before).not.toContain('1.5 TAB')
    expect(before.match(/data-lock-read="reading"/g)).toHaveLength(2)
    // Each row's hash in short, linking to its Tx page, whole in the link's tooltip and accessible name.
    for (const t of page.txs)
      expect(before).toContain(
        `<a class="mono short-hex" title="${t.hash}" aria-label="Transaction ${t.hash}" href="/tx/${t.hash}" data-discover="true">${short(t.hash)}</a>`,
      )
    // Rendering again, or the next head reading the page again, asks for no lock a second time.
    render(page)
    const again = await readAddressPage(api, ALICE, listed)
    expect(again.locks).toBe(page.locks)
    expect(asked).toEqual([GLD_LOCK, COIN_LOCK])

    // The coin lock's read ends: its refund shows the amount paid back; the GLD lock's read fails.
    locks
      .get(COIN_LOCK)
      ?.resolve({ value: LOCKS.get(COIN_LOCK) ?? null, verified: true, number: 10n, hash: HASH })
    const refusal = new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: `HTLC lock ${GLD_LOCK}`,
      attempts: 3,
      failures: ['timed out', 'timed out', 'no state held for block #8'],
    })
    locks.get(GLD_LOCK)?.reject(refusal)
    await settle()
    const after = render(page)
    expect(cells(after, 'address-tx')).toHaveLength(3)
    expect(cells(after, 'address-tx-amount')).toEqual([
      'Amount not read: no peer proved HTLC lock 0x22222222…222222 (3 asked)',
      '+1.5 TAB',
      '−2 TAB',
    ])
    expect(words(after)).toContain('Refund swap lock 0x44444444…444444: 1.5 TAB back to 0xaAaAaAaa…aAaaAa')
    // The whole refusal is the cell's tooltip.
    expect(after).toContain(`title="${refusal.message}"`)
    expect(after.match(/data-lock-read="failed"/g)).toHaveLength(1)
    expect(after).not.toContain('data-lock-read="reading"')
  })

  test('a page left before its lock reads end hears of them no more', async () => {
    const { api, locks } = slowLocks()
    const reads = settledLockReads(api)
    const heard: SettledLocks[] = []
    const stop = reads.subscribe(() => heard.push(reads.current()))
    reads.read(txs)
    expect(heard).toHaveLength(1)
    locks
      .get(COIN_LOCK)
      ?.resolve({ value: LOCKS.get(COIN_LOCK) ?? null, verified: true, number: 10n, hash: HASH })
    await settle()
    expect(heard).toHaveLength(2)
    expect(heard[1]?.get(COIN_LOCK)).toEqual({ state: 'read', lock: LOCKS.get(COIN_LOCK) })
    stop()
    locks.get(GLD_LOCK)?.reject(new Error('no peer proved it'))
    await settle()
    expect(heard).toHaveLength(2)
  })

  test('a failed read says so in a short sentence, long hashes shortened; a running one claims no amount', () => {
    expect(lockUnreadText({ state: 'reading' })).toBe('Reading the amount…')
    expect(
      lockUnreadText({
        state: 'failed',
        error: new LightError({
          code: 'LIGHT_UNVERIFIED',
          what: `HTLC lock ${GLD_LOCK}`,
          attempts: 0,
          failures: ['no peer'],
        }).message,
      }),
    ).toBe('Amount not read: HTLC lock 0x22222222…222222 cannot be proved')
    expect(lockUnreadText({ state: 'failed', error: 'the node is not reachable' })).toBe(
      'Amount not read: the node is not reachable',
    )
    // A read still running or failed: no amount, no direction, the read's state on the row.
    const row = addressTxRow(
      settling('redeem', GLD_LOCK),
      BOB,
      TOKENS,
      10n,
      new Map([[GLD_LOCK, { state: 'reading' }]]),
    )
    expect(row).toMatchObject({ amount: null, direction: null, lockRead: { state: 'reading' } })
  })
})

describe("an address page's token amounts and the explorer's token list", () => {
  const SLV = getAddress(`0x${'55'.repeat(20)}`)
  const SILVER = {
    address: SLV,
    name: 'Silver',
    symbol: 'SLV',
    decimals: 2,
    totalSupply: 100_000n,
    owner: BOB,
  }
  const [GOLD] = TOKENS.values()
  /** On Alice's page: her transfer of 2.5 GLD to Bob, Carol's redeem of the GLD lock for Bob, a payment she sent. */
  const txs = [
    minedTx({
      hash: `0x${'01'.repeat(32)}`,
      from: ALICE,
      to: GLD,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 250n] }),
    }),
    settling('redeem', GLD_LOCK, CAROL, `0x${'02'.repeat(32)}`),
    minedTx({ hash: `0x${'03'.repeat(32)}`, from: ALICE, to: BOB, value: parseUnits('2', 18) }),
  ]
  const render = (known: KnownTokensValue, shown: readonly TxView[] = txs) =>
    renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(
          KnownTokensContext.Provider,
          { value: known },
          createElement(AddressTxs, { address: ALICE, txs: shown, locks: readLocks(), token: null }),
        ),
      ),
    )
  /** The page's lock reads, each lock read already (`READ`). */
  const readLocks = () => {
    const reads = settledLockReads({
      verifiedHtlc: async (id: Hex) => ({
        value: LOCKS.get(id) ?? null,
        verified: true as const,
        number: 10n,
        hash: HASH,
      }),
    })
    return { ...reads, current: () => READ }
  }
  const known = (directory: TokenDirectory, read: boolean): KnownTokensValue => ({
    directory,
    read,
    lacks: () => {},
  })

  test('a row names its token, contract and addresses as links to their pages, as the other cells link', () => {
    const html = render(known(TOKENS, true))
    // The transfer: the token's amount to its token page, the recipient to its address page.
    expect(html).toContain(
      `Send <a class="inline-link" href="/token/${getAddress(GLD)}" data-discover="true">2.5 GLD</a> to <a class="inline-link" href="/address/${BOB}" data-discover="true">0xbBbBBBBb…bbBBbB</a>`,
    )
    // The redeem paid to Bob: the amount to the token page, its payee to his address page.
    expect(html).toContain(
      `Redeem swap lock 0x22222222…222222: <a class="inline-link" href="/token/${getAddress(GLD)}" data-discover="true">3 GLD</a> to <a class="inline-link" href="/address/${BOB}" data-discover="true">0xbBbBBBBb…bbBBbB</a>`,
    )
    // A native contract by its name, linking to its address page; a token by its name, to its token page.
    const tx = (to: Address, input: Hex) => minedTx({ to, input })
    const parts = (t: TxView) => addressTxRow(t, ALICE, TOKENS, 10n).whatParts
    expect(parts(tx(HTLC_ADDRESS, '0x12345678'))).toContainEqual({
      text: 'HTLC (atomic swaps)',
      href: `/address/${getAddress(HTLC_ADDRESS)}`,
    })
    expect(
      parts(
        tx(
          GLD,
          encodeFunctionData({
            abi: erc20Abi,
            functionName: 'approve',
            args: [TOKEN_FACTORY_ADDRESS, maxUint256],
          }),
        ),
      ),
    ).toEqual([
      'Allow ',
      { text: 'TokenFactory', href: `/address/${getAddress(TOKEN_FACTORY_ADDRESS)}` },
      ' to spend any amount of ',
      { text: 'GLD', href: `/token/${getAddress(GLD)}` },
      ' (unlimited)',
    ])
    // The zero address's side of a mint is a word, not a page.
    expect(
      parts(
        minedTx({
          from: BOB,
          to: GLD,
          input: encodeFunctionData({ abi: erc20Abi, functionName: 'mint', args: [ALICE, 1n] }),
        }),
      ),
    ).toEqual([
      'Mint ',
      { text: '0.01 GLD', href: `/token/${getAddress(GLD)}` },
      ' to ',
      { text: '0xaAaAaAaa…aAaaAa', href: `/address/${ALICE}` },
    ])
  })

  test('until the list is first read, a token amount shows no figure; then in the token, or in base units when the list has no such token', () => {
    const waiting = render(known(new Map(), false))
    expect(cells(waiting, 'address-tx-amount')).toEqual([
      'Reading the token…',
      'Reading the token…',
      '−2 TAB',
    ])
    expect(words(waiting)).toContain('Send an amount of token 0x11111111…111111 to 0xbBbBBBBb…bbBBbB')
    expect(waiting).not.toContain('base units')
    expect(waiting.match(/data-token-read="reading"/g)).toHaveLength(2)
    // Read, and the token in it: named.
    const named = render(known(TOKENS, true))
    expect(cells(named, 'address-tx-amount')).toEqual(['−2.5 GLD', '3 GLD', '−2 TAB'])
    expect(named).not.toContain('data-token-read')
    // Named as soon as the token is in the list, whether the read ended or not.
    expect(cells(render(known(TOKENS, false)), 'address-tx-amount')).toEqual(['−2.5 GLD', '3 GLD', '−2 TAB'])
    // Read, and the token not in it: in base units of its address, as before.
    const unknown = render(known(new Map(), true))
    expect(cells(unknown, 'address-tx-amount')).toEqual([
      '−250 base units of token 0x11111111…111111',
      '300 base units of token 0x11111111…111111',
      '−2 TAB',
    ])
  })

  test('a token the rows show that the list lacks has it read again: named without reopening the page', async () => {
    const created: TokenInfo[] = [GOLD as TokenInfo]
    let reads = 0
    const list = createTokenList({
      tokens: async () => {
        reads++
        return [...created]
      },
      // No head after the read carries a TokenCreated log (the token came in blocks synced meanwhile).
      logs: async () => [],
    })
    await list.at(5n)
    created.push(SILVER)
    const slv = minedTx({
      hash: `0x${'04'.repeat(32)}`,
      from: BOB,
      to: SLV,
      input: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [ALICE, 150n] }),
    })
    const shown = [...txs, slv]
    // Each token the rows' amounts are in, once: GLD (a transfer, a lock's), SLV.
    expect(rowsAmountTokens(shown, READ)).toEqual([GLD, SLV])
    expect(render(known(tokenDirectory(await list.at(6n)), true), shown)).toContain('150 base units')
    for (const token of rowsAmountTokens(shown, READ)) list.lacks(token)
    const again = await list.at(6n)
    expect(reads).toBe(2)
    expect(cells(render(known(tokenDirectory(again), true), shown), 'address-tx-amount')).toContain(
      '+1.5 SLV',
    )
    // Asked once: showing the rows again reads nothing more.
    for (const token of rowsAmountTokens(shown, READ)) list.lacks(token)
    await list.at(6n)
    expect(reads).toBe(2)
  })
})

describe("an address page's HTLC rows on a light node", () => {
  const join = nodeStarter()

  test('a redeem shows the amount of its lock, read through a proof from a full peer', async () => {
    const { chain, store } = await tokenChain(0)
    const maker = addressOf(2)
    const amount = parseUnits('2', 18)
    const hashlock = toHex(sha256(new Uint8Array(32).fill(0x42)))
    const id = lockId(maker, 0n, ZERO_ADDRESS, amount, LIGHT_BOB, hashlock, 100n)
    mineTxs(chain, [
      await signCall(
        2,
        0,
        HTLC_ADDRESS,
        encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [ZERO_ADDRESS, amount, LIGHT_BOB, hashlock, 100n],
        }),
        amount,
      ),
    ])
    mineTxs(chain, [
      await signCall(
        1,
        0,
        HTLC_ADDRESS,
        encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, `0x${'42'.repeat(32)}`] }),
      ),
    ])
    // Deep enough for the light node's proofs (3 confirmations).
    extend(chain, 3)
    const hub = memoryHub()
    const full = await join(hub, 'F', { store })
    const light = await join(hub, 'L', { light: true })
    const head = await full.api.head()
    await until(async () => (await light.api.head()).hash === head.hash)
    expect(await light.api.mode()).toEqual({ kind: 'light' })
    const txs = await readListed(light.api, await light.api.addressTransactions(LIGHT_BOB, 10), new Map())
    const reads = settledLockReads(light.api)
    reads.read(txs)
    await until(() => reads.current().get(id)?.state === 'read')
    const rows = txs.flatMap((t) =>
      'error' in t ? [] : [addressTxRow(t, LIGHT_BOB, TOKENS, head.number, reads.current())],
    )
    expect(rows.find((r) => r.what.startsWith('Redeem'))).toMatchObject({ amount: '2 TAB', direction: 'in' })
  })
})
