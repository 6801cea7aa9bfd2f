import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  parseEventLogs,
  parseUnits,
  sha256,
  type TransactionReceipt,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { TRANSFER_TOPIC } from '../../src/node/contracts/erc20/erc20'
import { htlcAbi } from '../../src/node/contracts/htlc/abi'
import { REDEEMED_TOPIC, REFUNDED_TOPIC } from '../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../src/node/contracts/token-factory/abi'
import { KEPT_ASIDE_CHARS } from '../../src/node/profile/local-record'
import type { NodeApi } from '../../src/node/worker/node'
import { addressTxRow, type LockRead } from '../../src/ui/address-activity'
import {
  type ActivityItem,
  activityDue,
  DROPPED_REASON,
  damagedActivityKey,
  forgetActivityOnReplace,
  type HtlcPaid,
  lockPayout,
  mergeActivity,
  type ReceivedItem,
  readReceived,
  receivedIn,
  rereadActivity,
  saveActivity,
  settleActivity,
  storedActivity,
  withReread,
} from '../../src/wallet/activity'
import { FAUCET_KEPT, faucetPayments, requestFaucet } from '../../src/wallet/faucet'
import { deriveKey, rootKey } from '../../src/wallet/keys'
import { createProvider, type TabchainProvider } from '../../src/wallet/provider'
import { memoryStorage, refusingStorage } from '../ui/memory-storage'
import { paidOut } from './paid-out'
import { HARDHAT_MNEMONIC, hardhatWallet, soloNode, viemChain } from './solo-node'

const GENESIS = testGenesis()
const chain = viemChain(GENESIS)
const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)
// A third party to the wallet's locks (public Hardhat/Anvil devnet key #2).
const CAROL = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')

let node: NodeApi
let provider: TabchainProvider
/** What the wallet's activity list records as each transaction is sent. */
let activity: ActivityItem[] = []

beforeAll(async () => {
  const solo = await soloNode(GENESIS)
  node = solo.api
  const wallet = await hardhatWallet()
  provider = createProvider({
    backend: solo.backend,
    wallet,
    approve: async () => true,
    onSent: (tx) => {
      activity = [{ ...tx, status: 'pending' }, ...activity]
    },
  })
})

/** What the wallet does on each new head: each item settled from its receipt and its sender's nonce. */
const settleAll = (items: readonly ActivityItem[]): Promise<ActivityItem[]> =>
  Promise.all(
    items.map(async (i) => {
      // The sender's nonce before the receipt, as the wallet reads them.
      const { nonce } = await node.account(i.from)
      return settleActivity(i, await node.receipt(i.hash), nonce)
    }),
  )

afterAll(async () => {
  await node.setMining(false)
})

/** Viem's clients over the wallet's provider, as a dApp holds them: sending as ME. */
const dapp = () => ({
  client: createPublicClient({ chain, transport: custom(provider), pollingInterval: 50 }),
  wallet: createWalletClient({ chain, account: ME, transport: custom(provider) }),
})

/**
 * Creates the token `args` (name, symbol, decimals, supply) through the wallet's provider and waits for
 * its block (the node must be mining): the creating transaction, its receipt and the token's address.
 */
async function createToken(
  args: readonly [name: string, symbol: string, decimals: number, supply: bigint],
): Promise<{ create: Hex; created: TransactionReceipt; token: Address }> {
  const { client, wallet } = dapp()
  const create = await wallet.writeContract({
    address: TOKEN_FACTORY_ADDRESS,
    abi: tokenFactoryAbi,
    functionName: 'createToken',
    args,
  })
  const created = await client.waitForTransactionReceipt({ hash: create, timeout: 20_000 })
  const [event] = parseEventLogs({ abi: tokenFactoryAbi, eventName: 'TokenCreated', logs: created.logs })
  return { create, created, token: event?.args.token as Address }
}

test('a send that passes simulation but reverts on chain ends failed with its revert reason', async () => {
  const { client, wallet } = dapp()
  await node.setMining(true)
  const { create, created, token } = await createToken(['Pear', 'PEAR', 18, parseUnits('1000', 18)])
  await node.setMining(false)

  // Two transfers of 600 out of 1000, sent back to back: both simulated against the same head.
  const head = (await node.head()).hash
  const transfer = () =>
    wallet.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [FRIEND, parseUnits('600', 18)],
    })
  const first = await transfer()
  const second = await transfer()
  expect((await node.head()).hash).toBe(head)
  expect(activity.map((i) => [i.hash, i.status])).toEqual([
    [second, 'pending'],
    [first, 'pending'],
    [create, 'pending'],
  ])

  await node.setMining(true)
  const receipts = await Promise.all(
    [first, second].map((hash) => client.waitForTransactionReceipt({ hash, timeout: 20_000 })),
  )
  expect(receipts.map((r) => r.status)).toEqual(['success', 'reverted'])

  // What the wallet does on each new head: each item settled from the node's receipt.
  activity = await settleAll(activity)
  const [secondItem, firstItem, createItem] = activity
  expect(createItem).toMatchObject({
    hash: create,
    status: 'confirmed',
    blockNumber: String(created.blockNumber),
  })
  expect(firstItem).toMatchObject({
    hash: first,
    status: 'confirmed',
    blockNumber: String(receipts[0]?.blockNumber),
  })
  expect(firstItem?.reason).toBeUndefined()
  expect(secondItem).toMatchObject({
    hash: second,
    status: 'failed',
    blockNumber: String(receipts[1]?.blockNumber),
    reason: 'ERC20: transfer amount exceeds balance',
  })
  expect(
    await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [FRIEND] }),
  ).toBe(parseUnits('600', 18))

  // Settled again (the next head), a failed item stays failed; a receipt gone (a reorg) → pending again.
  const nonce = BigInt(firstItem?.nonce ?? 0)
  expect(settleActivity(secondItem as ActivityItem, null, nonce)).toBe(secondItem)
  const back = settleActivity(firstItem as ActivityItem, null, nonce)
  expect(back).toMatchObject({ hash: first, status: 'pending' })
  expect(back.blockNumber).toBeUndefined()
})

test('a transaction replaced by another with its nonce ends dropped, with why; a reorg that brings it back makes it pending', async () => {
  const wallet = createWalletClient({ chain, account: ME, transport: custom(provider) })
  await node.setMining(false)
  const gwei = 10n ** 9n
  const slow = await wallet.sendTransaction({
    to: FRIEND,
    value: 1n,
    maxFeePerGas: 20n * gwei,
    maxPriorityFeePerGas: gwei,
  })
  const [item] = activity
  expect(item).toMatchObject({ hash: slow, status: 'pending' })
  // The same nonce again, with a higher fee: the pool keeps the replacement.
  const fast = await wallet.sendTransaction({
    to: FRIEND,
    value: 2n,
    nonce: item?.nonce,
    maxFeePerGas: 40n * gwei,
    maxPriorityFeePerGas: 2n * gwei,
  })
  activity = await settleAll(activity)
  expect(activity.slice(0, 2).map((i) => i.status)).toEqual(['pending', 'pending'])

  await node.setMining(true)
  const client = createPublicClient({ chain, transport: custom(provider), pollingInterval: 50 })
  await client.waitForTransactionReceipt({ hash: fast, timeout: 20_000 })
  await node.setMining(false)
  activity = await settleAll(activity)
  const [fastItem, slowItem] = activity
  expect(fastItem).toMatchObject({ hash: fast, status: 'confirmed' })
  expect(slowItem).toMatchObject({ hash: slow, status: 'dropped', reason: DROPPED_REASON })
  expect(await node.receipt(slow)).toBeNull()

  // A reorg back below the nonce: the dropped item may still be mined, so it is pending again.
  const again = settleActivity(slowItem as ActivityItem, null, BigInt(slowItem?.nonce ?? 0))
  expect(again).toMatchObject({ hash: slow, status: 'pending' })
  expect(again.reason).toBeUndefined()
})

test('a transaction sent while the activity list is re-read stays in the list once the re-read lands', async () => {
  const wallet = createWalletClient({ chain, account: ME, transport: custom(provider) })
  await wallet.sendTransaction({ to: FRIEND, value: 3n })
  const reading = rereadActivity(activity, node)
  const sentMeanwhile = await wallet.sendTransaction({ to: FRIEND, value: 4n })
  activity = withReread(activity, await reading)
  expect(activity[0]).toMatchObject({ hash: sentMeanwhile, status: 'pending' })
  expect(new Set(activity.map((i) => i.hash)).size).toBe(activity.length)
})

test('a refresh re-reads no send settled below any reorganisation the node takes: a long list costs a read per item still open, not per item', async () => {
  const base = { from: ME, title: 'Send 1 TAB', nonce: 1, sentAt: 1_000 } as const
  const item = (n: number, rest: Partial<ActivityItem>): ActivityItem => ({
    ...base,
    hash: `0x${String(n).padStart(64, '0')}`,
    status: 'confirmed',
    ...rest,
  })
  // At head 100 with reorgs up to 64 blocks deep, blocks 36 to 100 may still leave the chain.
  const deep = Array.from({ length: 200 }, (_, n) => item(n + 10, { blockNumber: String(1 + (n % 35)) }))
  const reachable = item(1, { blockNumber: '36' })
  const markedDeep = item(2, { blockNumber: '5', unverified: 'no peer proved receipt' })
  const pending = item(3, { status: 'pending' })
  const dropped = item(4, { status: 'dropped', reason: DROPPED_REASON })
  const failed = item(5, { status: 'failed', blockNumber: '80', reason: 'reverted' })
  const items = [reachable, markedDeep, pending, dropped, failed, ...deep]
  const open = [reachable, markedDeep, pending, dropped]
  expect(activityDue(items, 100n, 64, false)).toEqual(open)
  // A reorganisation since the last refresh (a split followed may go deeper), or no head or limit known:
  // every item but the failed.
  const notFailed = items.filter((i) => i !== failed)
  expect(activityDue(items, 100n, 64, true)).toEqual(notFailed)
  expect(activityDue(items, undefined, 64, false)).toEqual(notFailed)
  expect(activityDue(items, 100n, undefined, false)).toEqual(notFailed)
  // Only a confirmed item in a known block is settled: one with no block read, or not confirmed, is due.
  const noBlock = item(6, {})
  const pendingWithBlock = item(7, { status: 'pending', blockNumber: '5' })
  expect(activityDue([noBlock, pendingWithBlock, ...deep], 100n, 64, false)).toEqual([
    noBlock,
    pendingWithBlock,
  ])
  // The refresh reads a receipt for the open items only; the settled ones stay in the list as they were.
  const asked: Hex[] = []
  const reads = {
    account: async () => ({ nonce: 1n }),
    receipt: async (h: Hex) => {
      asked.push(h)
      return { blockNumber: 36n, status: 'success' as const, revertReason: null }
    },
    transaction: async () => null,
  }
  const refreshed = withReread(items, await rereadActivity(activityDue(items, 100n, 64, false), reads))
  expect(asked.sort()).toEqual(open.map((i) => i.hash).sort())
  // Each open item settled by its own read (all from one sender), in its place.
  expect(refreshed.slice(0, 4)).toEqual(
    open.map(({ unverified: _unverified, reason: _reason, ...i }) => ({
      ...i,
      status: 'confirmed',
      blockNumber: '36',
    })),
  )
  expect(refreshed.slice(5)).toEqual(deep)
  expect(refreshed.length).toBe(items.length)
})

test("a re-read settles waiting items by their sender's nonce: a dropped one stays dropped while the nonce has passed it; a nonce that cannot be read marks only what it would settle, and a confirmed item a reorg took out is pending again, never confirmed", async () => {
  const base = { from: ME, title: 'Send 1 TAB', sentAt: 1_000 } as const
  const hash = (n: number): Hex => `0x${String(n).padStart(64, '0')}`
  const dropped: ActivityItem = {
    ...base,
    hash: hash(1),
    nonce: 3,
    status: 'dropped',
    reason: DROPPED_REASON,
  }
  const confirmed: ActivityItem = { ...base, hash: hash(2), nonce: 4, status: 'confirmed', blockNumber: '9' }
  let nonce: bigint | Error = 5n
  let mined = true
  const reads = {
    account: async () => {
      if (nonce instanceof Error) throw nonce
      return { nonce }
    },
    receipt: async (h: Hex) =>
      h === confirmed.hash && mined
        ? { blockNumber: 9n, status: 'success' as const, revertReason: null }
        : null,
    transaction: async () => null,
  }
  expect(await rereadActivity([dropped, confirmed], reads)).toEqual([dropped, confirmed])
  nonce = new Error('no peer proved the account')
  expect(await rereadActivity([dropped, confirmed], reads)).toEqual([
    { ...dropped, unverified: 'no peer proved the account' },
    confirmed,
  ])
  mined = false
  const { blockNumber: _block, ...sent } = confirmed
  expect(await rereadActivity([dropped, confirmed], reads)).toEqual([
    { ...dropped, unverified: 'no peer proved the account' },
    { ...sent, status: 'pending', unverified: 'no peer proved the account' },
  ])
})

test("a reload shows no 'not verified at the current head' mark: it said something of the head it was read at only", () => {
  const storage = memoryStorage()
  const base = { from: ME, title: 'Send 1 TAB', nonce: 7, sentAt: 1_000 } as const
  const marked: ActivityItem = {
    ...base,
    hash: `0x${'01'.repeat(32)}`,
    status: 'confirmed',
    blockNumber: '12',
    unverified: 'no peer proved transaction 0x01…',
  }
  const plain: ActivityItem = { ...base, hash: `0x${'02'.repeat(32)}`, status: 'pending' }
  saveActivity(storage, 'p1', [marked, plain])
  const { unverified: _mark, ...last } = marked
  // The last verified status stays; the mark is gone until the next head's re-read says it again.
  expect(storedActivity(storage, 'p1').items).toEqual([last, plain])
  expect(storedActivity(storage, 'p2').items).toEqual([])
  // A list saved with its marks (by an earlier version) loads without them too.
  storage.setItem('tabchain.activity.p3', JSON.stringify([marked]))
  expect(storedActivity(storage, 'p3').items).toEqual([last])
})

test('a receipt that cannot be read, its transaction proven in its block: confirmed or failed by the status proven with it, verified; with no status known, the last status marked not verified', async () => {
  const base = { from: ME, title: 'Send 1 TAB', nonce: 1, sentAt: 1_000 } as const
  const item = (n: number): ActivityItem => ({
    ...base,
    hash: `0x${String(n).padStart(64, '0')}`,
    status: 'pending',
  })
  const [success, reverted, unknown, unmined] = [item(1), item(2), item(3), item(4)]
  const proven = new Map([
    [success?.hash, { blockNumber: 9n, status: 'success' as const }],
    [reverted?.hash, { blockNumber: 9n, status: 'reverted' as const }],
    [unknown?.hash, { blockNumber: 9n, status: null }],
    [unmined?.hash, { blockNumber: null, status: null }],
  ])
  const why = 'no peer proved receipt (1 asked): timeout'
  const reads = {
    account: async () => ({ nonce: 1n }),
    receipt: async (): Promise<never> => {
      throw new Error(why)
    },
    transaction: async (h: `0x${string}`) => proven.get(h) ?? null,
  }
  const [s, r, u, p] = await rereadActivity([success, reverted, unknown, unmined] as ActivityItem[], reads)
  expect(s).toEqual({ ...success, status: 'confirmed', blockNumber: '9' })
  expect(r).toEqual({ ...reverted, status: 'failed', blockNumber: '9', reason: 'reverted' })
  // Its inclusion alone says nothing of its outcome; a pending view is no proof it is not mined.
  expect(u).toEqual({ ...unknown, unverified: why })
  expect(p).toEqual({ ...unmined, unverified: why })
})

test('a transaction proven against its block header alone (below a snapshot base) settles confirmed and says so, from its receipt or its transaction read; the mark is saved, and a reorg that takes it out drops it', async () => {
  const base = { from: ME, title: 'Send 1 TAB', nonce: 1, sentAt: 1_000 } as const
  const item = (n: number): ActivityItem => ({
    ...base,
    hash: `0x${String(n).padStart(64, '0')}`,
    status: 'pending',
  })
  const [byReceipt, byTx, executed] = [item(1), item(2), item(3)] as [
    ActivityItem,
    ActivityItem,
    ActivityItem,
  ]
  const reads = {
    account: async () => ({ nonce: 2n }),
    receipt: async (h: Hex) => {
      if (h === byTx.hash) throw new Error('no peer proved receipt')
      return h === byReceipt.hash
        ? { blockNumber: 7n, status: 'success' as const, revertReason: null, provenBelowBase: true as const }
        : { blockNumber: 9n, status: 'success' as const, revertReason: null }
    },
    transaction: async () => ({
      blockNumber: 8n,
      status: 'success' as const,
      provenBelowBase: true as const,
    }),
  }
  const [r, t, e] = await rereadActivity([byReceipt, byTx, executed], reads)
  expect(r).toEqual({ ...byReceipt, status: 'confirmed', blockNumber: '7', provenBelowBase: true })
  expect(t).toEqual({ ...byTx, status: 'confirmed', blockNumber: '8', provenBelowBase: true })
  expect(e).toEqual({ ...executed, status: 'confirmed', blockNumber: '9' })
  const storage = memoryStorage()
  saveActivity(storage, 'p1', [r, e] as ActivityItem[])
  expect(storedActivity(storage, 'p1').items).toEqual([r, e])
  // A mark on an item not confirmed is damage: it is left out.
  storage.setItem('tabchain.activity.p2', JSON.stringify([{ ...byReceipt, provenBelowBase: true }]))
  expect(storedActivity(storage, 'p2').items).toEqual([])
  // Taken out by a reorg (no receipt, its nonce not passed): pending, no longer proven.
  expect(settleActivity(r as ActivityItem, null, 1n)).toEqual(byReceipt)
  // Read again from a block this node executed: the mark goes.
  expect(
    settleActivity(r as ActivityItem, { blockNumber: 7n, status: 'success', revertReason: null }, 2n),
  ).toEqual({
    ...byReceipt,
    status: 'confirmed',
    blockNumber: '7',
  })
})

test('a damaged saved list loses only its damaged items: the wallet starts with the rest, or with none when the list itself is damaged', () => {
  const storage = memoryStorage()
  const base = { from: ME, title: 'Send 1 TAB', nonce: 7, sentAt: 1_000 } as const
  const confirmed: ActivityItem = {
    ...base,
    hash: `0x${'01'.repeat(32)}`,
    status: 'confirmed',
    blockNumber: '12',
  }
  const failed: ActivityItem = { ...base, hash: `0x${'02'.repeat(32)}`, status: 'failed', reason: 'reverted' }
  const damaged = [
    null,
    5,
    'text',
    { ...confirmed, hash: '0x01' },
    { ...confirmed, from: 'me' },
    { ...confirmed, nonce: '7' },
    { ...confirmed, nonce: -1 },
    { ...confirmed, nonce: 1.5 },
    { ...confirmed, sentAt: 'yesterday' },
    { ...confirmed, title: 3 },
    { ...confirmed, status: 'won' },
    { ...confirmed, blockNumber: 'twelve' },
    { ...confirmed, reason: 404 },
  ]
  storage.setItem('tabchain.activity.p1', JSON.stringify([confirmed, ...damaged, failed]))
  expect(storedActivity(storage, 'p1').items).toEqual([confirmed, failed])
  // The damaged items are kept aside, raw, where no save writes; the list is saved without them.
  const aside = () => JSON.parse(storage.getItem(damagedActivityKey('p1')) ?? 'null')
  expect(aside()).toEqual(damaged.map((d) => JSON.stringify(d)))
  expect(storedActivity(storage, 'p1')).toEqual({ items: [confirmed, failed], damaged: 0 })
  saveActivity(storage, 'p1', [])
  expect(aside()).toEqual(damaged.map((d) => JSON.stringify(d)))
  // More damage is appended; past the bound the oldest go first.
  storage.setItem('tabchain.activity.p1', JSON.stringify([{ ...confirmed, title: 4 }]))
  expect(storedActivity(storage, 'p1')).toEqual({ items: [], damaged: 1 })
  expect(aside()).toEqual([...damaged, { ...confirmed, title: 4 }].map((d) => JSON.stringify(d)))
  const big = 'x'.repeat(KEPT_ASIDE_CHARS / 2)
  storage.setItem('tabchain.activity.p1', JSON.stringify([big, big]))
  expect(storedActivity(storage, 'p1').damaged).toBe(2)
  expect(aside()).toEqual([JSON.stringify(big)])
  expect(storage.getItem(damagedActivityKey('p1'))?.length).toBeLessThanOrEqual(KEPT_ASIDE_CHARS)
  // One entry alone past the bound keeps its first characters, within the bound though JSON escapes them.
  storage.setItem('tabchain.activity.p1', `"${'"'.repeat(KEPT_ASIDE_CHARS)}`)
  expect(storedActivity(storage, 'p1').damaged).toBe('list')
  expect(storage.getItem(damagedActivityKey('p1'))?.length).toBeLessThanOrEqual(KEPT_ASIDE_CHARS)
  expect(aside()[0].length).toBeGreaterThan(KEPT_ASIDE_CHARS / 2 - 10)
  // A truncated write, or a list that is no list: nothing to keep, and nothing thrown.
  const whole = JSON.stringify([confirmed, failed])
  for (const [profile, saved] of [
    ['p2', whole.slice(0, whole.length - 20)],
    ['p3', '{"hash":"0x01"}'],
    ['p4', 'null'],
    ['p5', ''],
  ] as const) {
    storage.setItem(`tabchain.activity.${profile}`, saved)
    expect(storedActivity(storage, profile)).toEqual({ items: [], damaged: 'list' })
    expect(JSON.parse(storage.getItem(damagedActivityKey(profile)) ?? 'null')).toEqual([saved])
  }
})

/** A send of 1 TAB the activity list keeps, confirmed in block 3. */
const SENT: ActivityItem = {
  hash: `0x${'01'.repeat(32)}`,
  from: ME,
  title: 'Send 1 TAB',
  nonce: 0,
  sentAt: 1_000,
  status: 'confirmed',
  blockNumber: '3',
}

test('activity the browser refuses to save (full, turned off): the send is not failed for it, what was saved is as it was', () => {
  const storage = memoryStorage()
  const item = SENT
  saveActivity(storage, 'p1', [item])
  const before = storage.getItem('tabchain.activity.p1')
  expect(() =>
    saveActivity(refusingStorage(storage), 'p1', [{ ...item, hash: `0x${'02'.repeat(32)}` }, item]),
  ).not.toThrow()
  expect(storage.getItem('tabchain.activity.p1')).toBe(before)
  // A damaged list that cannot be kept aside is read, and left as it is.
  storage.setItem('tabchain.activity.p2', '[{')
  expect(storedActivity(refusingStorage(storage), 'p2')).toEqual({ items: [], damaged: 'list' })
  expect(storage.getItem('tabchain.activity.p2')).toBe('[{')
})

test("another phrase restored forgets the old wallet's activity and its damaged entries kept aside; this wallet's own phrase restored keeps them", async () => {
  const OTHER =
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
  const NEW_PASSWORD = 'a new password, remembered'
  const storage = memoryStorage()
  const item = SENT
  storage.setItem('tabchain.activity.p1', JSON.stringify([item, { ...item, title: 4 }]))
  expect(storedActivity(storage, 'p1')).toEqual({ items: [item], damaged: 1 })
  // Another profile's activity is not this wallet's to forget.
  saveActivity(storage, 'p2', [item])
  const wallet = await hardhatWallet()
  let cleared = 0
  forgetActivityOnReplace(wallet, storage, 'p1', () => cleared++)
  wallet.lock()

  await wallet.restore(HARDHAT_MNEMONIC, NEW_PASSWORD)
  expect(cleared).toBe(0)
  expect(storedActivity(storage, 'p1')).toEqual({ items: [item], damaged: 0 })
  expect(storage.getItem(damagedActivityKey('p1'))).not.toBeNull()

  // Unconfirmed, nothing is replaced, nothing forgotten.
  await expect(wallet.restore(OTHER, NEW_PASSWORD)).rejects.toMatchObject({
    type: { code: 'WALLET_RESTORE_UNCONFIRMED', otherPhrase: true },
  })
  expect(cleared).toBe(0)
  expect(storedActivity(storage, 'p1').items).toEqual([item])

  await wallet.restore(OTHER, NEW_PASSWORD, true)
  expect(cleared).toBe(1)
  expect(storage.getItem('tabchain.activity.p1')).toBeNull()
  expect(storage.getItem(damagedActivityKey('p1'))).toBeNull()
  expect(storedActivity(storage, 'p1')).toEqual({ items: [], damaged: 0 })
  expect(storedActivity(storage, 'p2').items).toEqual([item])
})

test('what an account received reads from the node: coin sent to it and token transfers to it, each saying from whom; its own sends and mints are not received; a mined transaction is read once', async () => {
  const { client, wallet } = dapp()
  await node.setMining(true)
  const { create, token } = await createToken(['Kiwi', 'KIWI', 2, 100_000n])
  const coin = await wallet.sendTransaction({ to: FRIEND, value: parseUnits('2.5', 18) })
  await client.waitForTransactionReceipt({ hash: coin, timeout: 20_000 })
  const tokens = await wallet.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [FRIEND, 1_050n],
  })
  await client.waitForTransactionReceipt({ hash: tokens, timeout: 20_000 })
  await node.setMining(false)

  const short = `${ME.slice(0, 4)}…${ME.slice(-2)}`
  const first = await readReceived(FRIEND, node, new Map())
  expect(
    first.items.filter((i) => [coin, tokens].includes(i.hash)).map((i) => [i.hash, i.title, i.from]),
  ).toEqual([
    [tokens, `Received 10.5 KIWI from ${short}`, ME],
    [coin, `Received 2.5 TAB from ${short}`, ME],
  ])
  // What the account sent (the coin, the tokens) and the supply it minted to itself, it did not receive.
  const mine = await readReceived(ME, node, new Map())
  expect(mine.items.filter((i) => [create, coin, tokens].includes(i.hash))).toEqual([])

  // The next refresh reads no mined transaction again: it had them all.
  let reads = 0
  const counted = {
    ...node,
    addressTransactions: node.addressTransactions,
    token: node.token,
    transaction: (hash: Hex) => {
      reads++
      return node.transaction(hash)
    },
    receipt: (hash: Hex) => {
      reads++
      return node.receipt(hash)
    },
  }
  const again = await readReceived(FRIEND, counted, first.read)
  expect(again.items).toEqual(first.items)
  expect(reads).toBe(0)
})

test('what the account sent itself is listed for the Activity (not as received), saying what it moved; the Activity shows it only when this wallet did not send it (the same phrase imported in another browser did)', async () => {
  const { client, wallet } = dapp()
  await node.setMining(true)
  const { create, token } = await createToken(['Fig', 'FIG', 0, 40n])
  const coin = await wallet.sendTransaction({ to: FRIEND, value: parseUnits('1.5', 18) })
  await client.waitForTransactionReceipt({ hash: coin, timeout: 20_000 })
  const tokens = await wallet.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [FRIEND, 7n],
  })
  await client.waitForTransactionReceipt({ hash: tokens, timeout: 20_000 })
  await node.setMining(false)

  const friend = `${FRIEND.slice(0, 4)}…${FRIEND.slice(-2)}`
  const mine = await readReceived(ME, node, new Map())
  const titles = new Map(mine.activity.map((i) => [i.hash, [i.title, i.outgoing, i.from]]))
  expect([create, coin, tokens].map((h) => titles.get(h))).toEqual([
    ['Created 40 FIG', 'success', ME],
    [`Sent 1.5 TAB to ${friend}`, 'success', ME],
    [`Sent 7 FIG to ${friend}`, 'success', ME],
  ])
  // The payments stay apart: none of these is received.
  expect(mine.items.filter((i) => [create, coin, tokens].includes(i.hash))).toEqual([])
  // This wallet sent the coin: its own row shows it once; the other two were sent from elsewhere.
  const at = mine.activity.find((i) => i.hash === coin)?.blockNumber
  const here: ActivityItem = { ...SENT, hash: coin, ...(at === undefined ? {} : { blockNumber: at }) }
  const shown = mergeActivity([here], mine.activity).filter((r) =>
    [create, coin, tokens].includes(r.item.hash),
  )
  expect(shown.map((r) => [r.kind, r.item.hash])).toEqual([
    ['received', tokens],
    ['sent', coin],
    ['received', create],
  ])
  // The friend's list has no row of ME's sends but the payments it received.
  const theirs = await readReceived(FRIEND, node, new Map())
  expect(theirs.activity.filter((i) => i.outgoing !== undefined && i.from === ME)).toEqual([])
})

test('a faucet payment this wallet asked for reads "from the faucet", after a reload too; another payment from the same devnet account reads as any payment', async () => {
  const solo = await soloNode(GENESIS)
  const { api, backend } = solo
  const storage = memoryStorage()
  const to = getAddress(`0x${'be'.repeat(20)}`)
  const asked = faucetPayments(storage, 'p1')
  // Paid by the faucet's first account (devnet account 5).
  const paid = requestFaucet(backend, to, { pick: 0, nextHead: solo.nextHead, paid: asked.add })
  await api.setMining(true)
  const fromFaucet = await paid
  // A tab without a wallet acting as devnet account 5 pays the same account: not a faucet payment.
  const five = privateKeyToAccount(deriveKey(rootKey(HARDHAT_MNEMONIC), 5))
  const tip = await backend.suggestedTip()
  const other = await backend.sendRawTransaction(
    await five.signTransaction({
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
      nonce: Number((await backend.account(five.address, 'pending')).nonce),
      to,
      value: parseUnits('1', 18),
      gas: 21_000n,
      maxFeePerGas: 2n * (await backend.nextBaseFee()) + tip,
      maxPriorityFeePerGas: tip,
    }),
  )
  await expect.poll(() => backend.receipt(other), { timeout: 20_000 }).not.toBeNull()
  await api.setMining(false)

  const short = `${five.address.slice(0, 4)}…${five.address.slice(-2)}`
  const titles = async (faucetPaid?: (hash: Hex) => boolean) =>
    new Map((await readReceived(to, api, new Map(), faucetPaid)).items.map((i) => [i.hash, i.title]))
  const named = new Map([
    [other, `Received 1 TAB from ${short}`],
    [fromFaucet, `Received 10 TAB from the faucet (${short})`],
  ])
  expect(await titles(asked.has)).toEqual(named)
  // A reload reads the hashes saved: the same words.
  expect(await titles(faucetPayments(storage, 'p1').has)).toEqual(named)
  // Another profile asked for neither: both read as payments from the account.
  expect(await titles(faucetPayments(storage, 'p2').has)).toEqual(
    new Map([
      [other, `Received 1 TAB from ${short}`],
      [fromFaucet, `Received 10 TAB from ${short}`],
    ]),
  )
})

test('the faucet payments a profile keeps: damaged storage reads as none, the newest kept, a refused write kept for the page', () => {
  const storage = memoryStorage()
  const hashOf = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`
  storage.setItem('tabchain.faucet.p', '{not json')
  const kept = faucetPayments(storage, 'p')
  expect(kept.has(hashOf(1))).toBe(false)
  for (let i = 1; i <= FAUCET_KEPT + 1; i++) kept.add(hashOf(i))
  // Upper-case hex is the same hash.
  expect(
    kept.has(
      hashOf(FAUCET_KEPT + 1)
        .toUpperCase()
        .replace('0X', '0x') as Hex,
    ),
  ).toBe(true)
  const reloaded = faucetPayments(storage, 'p')
  expect(reloaded.has(hashOf(1))).toBe(false)
  expect(reloaded.has(hashOf(2))).toBe(true)
  expect(reloaded.has(hashOf(FAUCET_KEPT + 1))).toBe(true)
  // Entries that are no hash are left out.
  storage.setItem('tabchain.faucet.q', JSON.stringify([hashOf(3), 'nope', 7]))
  expect(faucetPayments(storage, 'q').has(hashOf(3))).toBe(true)
  const full = faucetPayments(
    {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
    },
    'r',
  )
  full.add(hashOf(4))
  expect(full.has(hashOf(4))).toBe(true)
})

test('a damaged faucet list is kept aside, raw, before the next payment is saved: no save loses it', () => {
  const storage = memoryStorage()
  const hashOf = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`
  const aside = (p: string) => JSON.parse(storage.getItem(`tabchain.faucet.${p}.damaged`) ?? 'null')
  storage.setItem('tabchain.faucet.p', '{not json')
  const kept = faucetPayments(storage, 'p')
  // Reading changes nothing.
  expect(storage.getItem('tabchain.faucet.p')).toBe('{not json')
  kept.add(hashOf(1))
  kept.add(hashOf(2))
  expect(aside('p')).toEqual(['{not json'])
  expect(JSON.parse(storage.getItem('tabchain.faucet.p') ?? 'null')).toEqual([hashOf(1), hashOf(2)])
  // Entries that are no hash: each kept aside as its JSON text.
  storage.setItem('tabchain.faucet.q', JSON.stringify([hashOf(3), 'nope', { h: 7 }]))
  faucetPayments(storage, 'q').add(hashOf(4))
  expect(aside('q')).toEqual(['"nope"', '{"h":7}'])
  expect(JSON.parse(storage.getItem('tabchain.faucet.q') ?? 'null')).toEqual([hashOf(3), hashOf(4)])
  // Storage full: the damaged list is not written over; the payment holds for the page.
  storage.setItem('tabchain.faucet.r', '[1')
  const full = faucetPayments(refusingStorage(storage), 'r')
  full.add(hashOf(5))
  expect(full.has(hashOf(5))).toBe(true)
  expect(storage.getItem('tabchain.faucet.r')).toBe('[1')
})

test('coin an HTLC paid the account reads from the node as received from the lock, a redeem or a refund, though this wallet sent it; the lock’s other party received nothing', async () => {
  const { client, wallet } = dapp()
  await node.setMining(true)
  const preimage: Hex = `0x${'5a'.repeat(32)}`
  /** Locks `amount` TAB to `recipient` until `timelock` and waits for its block: the lock's id. */
  const lock = async (recipient: Address, amount: string, timelock: bigint): Promise<Hex> => {
    const hash = await wallet.writeContract({
      address: HTLC_ADDRESS,
      abi: htlcAbi,
      functionName: 'lock',
      args: [ZERO_ADDRESS, parseUnits(amount, 18), recipient, sha256(preimage), timelock],
      value: parseUnits(amount, 18),
    })
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    const [event] = parseEventLogs({ abi: htlcAbi, eventName: 'Locked', logs: receipt.logs })
    return event?.args.id as Hex
  }
  const call = async (functionName: 'redeem' | 'refund', args: readonly [Hex] | readonly [Hex, Hex]) => {
    const hash = await wallet.writeContract({
      address: HTLC_ADDRESS,
      abi: htlcAbi,
      functionName,
      args,
    } as Parameters<typeof wallet.writeContract>[0])
    await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    return hash
  }
  const head = await client.getBlockNumber()
  // ME locks to itself and redeems (as a swap's taker redeems the lock made to it).
  const toMe = await lock(ME, '5', head + 1_000n)
  const redeem = await call('redeem', [toMe, preimage])
  // ME locks to FRIEND, who never redeems: ME takes it back once the timelock passes.
  const timelock = (await client.getBlockNumber()) + 3n
  const toFriend = await lock(FRIEND, '3', timelock)
  while ((await client.getBlockNumber()) < timelock) await new Promise((r) => setTimeout(r, 50))
  const refund = await call('refund', [toFriend])
  await node.setMining(false)

  const short = (id: Hex) => `${id.slice(0, 6)}…${id.slice(-4)}`
  const listed = await readReceived(ME, node, new Map())
  // The list reads no lock: its payouts are listed at once, each naming its lock, whose read comes apart.
  const noLocks = {
    ...node,
    verifiedHtlc: () => Promise.reject(new Error('no peer proved the lock')),
  }
  expect((await readReceived(ME, noLocks, new Map())).items).toEqual(listed.items)
  expect(
    listed.items.filter((i) => [redeem, refund].includes(i.hash)).map((i) => [i.hash, i.title, i.lockUnread]),
  ).toEqual([
    [refund, `Back from a swap, refunded from lock ${short(toFriend)}`, true],
    [redeem, `From a swap, collected from lock ${short(toMe)}`, true],
  ])
  const mine = { items: await paidOut(node, ME, listed.items) }
  const paid = mine.items.filter((i) => [redeem, refund].includes(i.hash))
  expect(paid.map((i) => [i.hash, i.title, i.from, i.htlc])).toEqual([
    [
      refund,
      `Received 3 TAB back from a swap, refunded from lock ${short(toFriend)}`,
      HTLC_ADDRESS,
      { lock: toFriend, via: 'refund' },
    ],
    [
      redeem,
      `Received 5 TAB from a swap, collected from lock ${short(toMe)}`,
      HTLC_ADDRESS,
      { lock: toMe, via: 'redeem' },
    ],
  ])
  // The wallet sent the redeem and the refund: the rows show beside them, the amount being the lock's.
  const rows = mergeActivity(
    activity.filter((i) => [redeem, refund].includes(i.hash)),
    paid,
  )
  expect(rows.filter((r) => r.kind === 'sent').map((r) => r.item.hash)).toEqual([refund, redeem])
  expect(rows.filter((r) => r.kind === 'received').map((r) => r.item.hash)).toEqual([refund, redeem])
  const friend = { items: await paidOut(node, FRIEND, (await readReceived(FRIEND, node, new Map())).items) }
  expect(friend.items.filter((i) => [redeem, refund].includes(i.hash))).toEqual([])
})

test('coin an HTLC paid the account reads from the node as received, though a third party sent the redeem or refund (a watchtower, anyone with the secret); the address pages list it with its amount; the lock’s other party and the sender received nothing', async () => {
  const { client, wallet } = dapp()
  await node.setMining(true)
  const preimage: Hex = `0x${'6b'.repeat(32)}`
  /** ME locks `amount` TAB to FRIEND until `timelock` and waits for its block: the lock's id. */
  const lock = async (amount: string, timelock: bigint): Promise<Hex> => {
    const hash = await wallet.writeContract({
      address: HTLC_ADDRESS,
      abi: htlcAbi,
      functionName: 'lock',
      args: [ZERO_ADDRESS, parseUnits(amount, 18), FRIEND, sha256(preimage), timelock],
      value: parseUnits(amount, 18),
    })
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    const [event] = parseEventLogs({ abi: htlcAbi, eventName: 'Locked', logs: receipt.logs })
    return event?.args.id as Hex
  }
  /** CAROL, neither side of the lock, sends `data` to the HTLC and waits for its block. */
  const asCarol = async (data: Hex): Promise<Hex> => {
    const hash = await node.sendRawTransaction(
      await CAROL.signTransaction({
        chainId: GENESIS.params.chainId,
        type: 'eip1559',
        nonce: Number(await node.pendingNonce(CAROL.address)),
        to: HTLC_ADDRESS,
        data,
        gas: 300_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 10n ** 9n,
      }),
    )
    await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
    return hash
  }
  const toRedeem = await lock('5', (await client.getBlockNumber()) + 1_000n)
  const redeem = await asCarol(
    encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [toRedeem, preimage] }),
  )
  const timelock = (await client.getBlockNumber()) + 3n
  const toRefund = await lock('3', timelock)
  while ((await client.getBlockNumber()) < timelock) await new Promise((r) => setTimeout(r, 50))
  const refund = await asCarol(encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [toRefund] }))
  await node.setMining(false)

  const short = (id: Hex) => `${id.slice(0, 6)}…${id.slice(-4)}`
  const settled = [redeem, refund]
  // FRIEND, the lock's recipient, received the redeem's 5 TAB; ME, its maker, the refund's 3 TAB.
  const friend = { items: await paidOut(node, FRIEND, (await readReceived(FRIEND, node, new Map())).items) }
  expect(
    friend.items.filter((i) => settled.includes(i.hash)).map((i) => [i.hash, i.title, i.from, i.htlc]),
  ).toEqual([
    [
      redeem,
      `Received 5 TAB from a swap, collected from lock ${short(toRedeem)}`,
      HTLC_ADDRESS,
      { lock: toRedeem, via: 'redeem' },
    ],
  ])
  const mine = { items: await paidOut(node, ME, (await readReceived(ME, node, new Map())).items) }
  expect(
    mine.items.filter((i) => settled.includes(i.hash)).map((i) => [i.hash, i.title, i.from, i.htlc]),
  ).toEqual([
    [
      refund,
      `Received 3 TAB back from a swap, refunded from lock ${short(toRefund)}`,
      HTLC_ADDRESS,
      { lock: toRefund, via: 'refund' },
    ],
  ])
  // In the Activity, beside nothing this wallet sent for them.
  expect(
    mergeActivity([], mine.items)
      .filter((r) => settled.includes(r.item.hash))
      .map((r) => [r.kind, r.item.hash]),
  ).toEqual([['received', refund]])
  const carol = {
    items: await paidOut(node, CAROL.address, (await readReceived(CAROL.address, node, new Map())).items),
  }
  expect(carol.items.filter((i) => settled.includes(i.hash))).toEqual([])

  // The address pages list them, with the amount each paid in; the sender's page too, moving nothing.
  const head = await client.getBlockNumber()
  const locks = new Map<Hex, LockRead>()
  for (const id of [toRedeem, toRefund])
    locks.set(id.toLowerCase() as Hex, { state: 'read', lock: (await node.verifiedHtlc(id)).value })
  /** The rows of the settling transactions on `address`'s page, as the Explorer reads its list. */
  const page = async (address: Address) => {
    const rows = []
    for (const hash of await node.addressTransactions(address, 200)) {
      const tx = settled.includes(hash) ? await node.transaction(hash) : null
      if (tx !== null) rows.push(addressTxRow(tx, address, new Map(), head, locks))
    }
    return rows.map((r) => [r.hash, r.amount, r.direction])
  }
  expect(await page(FRIEND)).toEqual([[redeem, '5 TAB', 'in']])
  expect(await page(ME)).toEqual([[refund, '3 TAB', 'in']])
  expect(await page(CAROL.address)).toEqual([
    [refund, '3 TAB', null],
    [redeem, '5 TAB', null],
  ])
})

describe('received payments', () => {
  const ACCOUNT = getAddress(DEVNET_ACCOUNTS[1] as string)
  const PAYER = getAddress(DEVNET_ACCOUNTS[2] as string)
  const TOKEN = getAddress(DEVNET_ACCOUNTS[4] as string)
  const topic = (a: Address): Hex => `0x${'0'.repeat(24)}${a.slice(2).toLowerCase()}`
  const transferLog = (from: Address, to: Address, value: bigint, logIndex: number) => ({
    address: TOKEN,
    topics: [TRANSFER_TOPIC, topic(from), topic(to)],
    data: `0x${value.toString(16).padStart(64, '0')}` as Hex,
    logIndex,
  })
  const hash: Hex = `0x${'cd'.repeat(32)}`
  const apple = () => ({ symbol: 'APL', decimals: 0 })
  const noLock = () => null
  const ok = (logs: ReturnType<typeof transferLog>[]) =>
    ({ status: 'success', blockNumber: 7n, logs }) as unknown as Parameters<typeof receivedIn>[3]
  /**
   * What `account` received in `hash` (`receivedIn`), each coin lock's payout with its lock read in from
   * `lockOf` (`lockPayout`), as the Activity shows it once read.
   */
  const paidIn = (
    account: Address,
    tx: Parameters<typeof receivedIn>[2],
    receipt: Parameters<typeof receivedIn>[3],
    tokenOf: Parameters<typeof receivedIn>[4],
    lockOf: (id: Hex) => HtlcPaid | null,
  ): ReceivedItem[] =>
    receivedIn(account, hash, tx, receipt, tokenOf).flatMap((i) => {
      if (i.lockUnread !== true || i.htlc === undefined) return [i]
      const paid = lockPayout(account, i, lockOf(i.htlc.lock))
      return paid === null ? [] : [paid]
    })

  test('coin to the account and each token Transfer to it are received, from the payer; anything else is not', () => {
    const tx = { from: PAYER, to: ACCOUNT, value: 5n * 10n ** 18n }
    const logs = [
      transferLog(PAYER, ACCOUNT, 10n, 3),
      transferLog(ACCOUNT, PAYER, 4n, 4),
      transferLog(PAYER, PAYER, 9n, 5),
      transferLog(ZERO_ADDRESS, ACCOUNT, 2n, 6),
    ]
    expect(paidIn(ACCOUNT, tx, ok(logs), apple, noLock)).toEqual([
      { hash, key: 'coin', title: 'Received 5 TAB from 0x3C…BC', from: PAYER, blockNumber: '7' },
      { hash, key: '3', title: 'Received 10 APL from 0x3C…BC', from: PAYER, blockNumber: '7' },
      { hash, key: '6', title: 'Received 2 APL minted by 0x3C…BC', from: PAYER, blockNumber: '7' },
    ])
    // A reverted transaction moved nothing; a token the node does not know is left out (no symbol to say).
    expect(paidIn(ACCOUNT, tx, { ...ok(logs), status: 'reverted' }, apple, noLock)).toEqual([])
    expect(paidIn(ACCOUNT, { ...tx, value: 0n }, ok(logs), () => null, noLock)).toEqual([])
    // What the account sent itself is not received, nor what it minted to itself.
    expect(
      paidIn(
        ACCOUNT,
        { ...tx, from: ACCOUNT },
        ok([transferLog(ZERO_ADDRESS, ACCOUNT, 2n, 1)]),
        apple,
        noLock,
      ),
    ).toEqual([])
  })

  test('an HTLC lock paid out to the account is received from the lock, whoever sent the redeem or refund: its coin, or its tokens’ Transfer from the HTLC; a payout to another, or of a lock not held, is not', () => {
    const lock: Hex = `0x${'ab'.repeat(32)}`
    const payout = (topic: Hex, logIndex: number) =>
      ({ address: HTLC_ADDRESS, topics: [topic, lock], data: '0x', logIndex }) as unknown as ReturnType<
        typeof transferLog
      >
    const coinLock = { sender: PAYER, recipient: ACCOUNT, token: ZERO_ADDRESS, amount: 5n * 10n ** 18n }
    const tx = { from: PAYER, to: HTLC_ADDRESS, value: 0n }
    const lockOf = (id: Hex) => (id === lock ? coinLock : null)
    const redeemed = { hash, key: '2', from: HTLC_ADDRESS, blockNumber: '7' }
    expect(paidIn(ACCOUNT, tx, ok([payout(REDEEMED_TOPIC, 2)]), apple, lockOf)).toEqual([
      {
        ...redeemed,
        title: 'Received 5 TAB from a swap, collected from lock 0xabab…abab',
        htlc: { lock, via: 'redeem' },
      },
    ])
    // A refund pays the lock's sender, not its recipient.
    expect(paidIn(ACCOUNT, tx, ok([payout(REFUNDED_TOPIC, 2)]), apple, lockOf)).toEqual([])
    expect(paidIn(PAYER, tx, ok([payout(REFUNDED_TOPIC, 2)]), apple, lockOf)).toEqual([
      {
        ...redeemed,
        title: 'Received 5 TAB back from a swap, refunded from lock 0xabab…abab',
        htlc: { lock, via: 'refund' },
      },
    ])
    expect(paidIn(ACCOUNT, tx, ok([payout(REDEEMED_TOPIC, 2)]), apple, noLock)).toEqual([])
    expect(
      paidIn(ACCOUNT, tx, { ...ok([payout(REDEEMED_TOPIC, 2)]), status: 'reverted' }, apple, lockOf),
    ).toEqual([])
    // A token lock: its Transfer from the HTLC is the payment, titled with the lock (no coin row).
    const tokenLockOf = () => ({ ...coinLock, token: TOKEN, amount: 10n })
    const logs = [transferLog(HTLC_ADDRESS, ACCOUNT, 10n, 3), payout(REDEEMED_TOPIC, 4)]
    expect(paidIn(ACCOUNT, tx, ok(logs), apple, tokenLockOf)).toEqual([
      {
        hash,
        key: '3',
        title: 'Received 10 APL from a swap, collected from lock 0xabab…abab',
        from: getAddress(HTLC_ADDRESS),
        blockNumber: '7',
        htlc: { lock, via: 'redeem' },
      },
    ])
  })

  test('a coin lock’s payout is listed before its lock is read, naming the lock alone; a token lock’s needs no lock read', () => {
    const lock: Hex = `0x${'ab'.repeat(32)}`
    const payout = (logIndex: number) =>
      ({
        address: HTLC_ADDRESS,
        topics: [REDEEMED_TOPIC, lock],
        data: '0x',
        logIndex,
      }) as unknown as ReturnType<typeof transferLog>
    const tx = { from: PAYER, to: HTLC_ADDRESS, value: 0n }
    const unread: ReceivedItem = {
      hash,
      key: '2',
      title: 'From a swap, collected from lock 0xabab…abab',
      from: HTLC_ADDRESS,
      blockNumber: '7',
      htlc: { lock, via: 'redeem' },
      lockUnread: true,
    }
    expect(receivedIn(ACCOUNT, hash, tx, ok([payout(2)]), apple)).toEqual([unread])
    // Read in: the amount, or nothing when the lock pays another, holds tokens, or is not held.
    const coinLock = { sender: PAYER, recipient: ACCOUNT, token: ZERO_ADDRESS, amount: 5n * 10n ** 18n }
    const { lockUnread: _, ...read } = unread
    expect(lockPayout(ACCOUNT, unread, coinLock)).toEqual({
      ...read,
      title: 'Received 5 TAB from a swap, collected from lock 0xabab…abab',
    })
    expect(lockPayout(PAYER, unread, coinLock)).toBeNull()
    expect(lockPayout(ACCOUNT, unread, { ...coinLock, token: TOKEN })).toBeNull()
    expect(lockPayout(ACCOUNT, unread, null)).toBeNull()
    // A token lock's Transfer from the HTLC is its payout: no row waits on a lock read.
    const tokenLock = receivedIn(
      ACCOUNT,
      hash,
      tx,
      ok([transferLog(HTLC_ADDRESS, PAYER, 10n, 1), payout(2)]),
      apple,
    )
    expect(tokenLock).toEqual([])
  })

  const sentItem = (n: number, status: ActivityItem['status'], blockNumber?: string): ActivityItem => ({
    hash: `0x${n.toString(16).padStart(64, '0')}`,
    from: ACCOUNT,
    title: `Send ${n} TAB`,
    nonce: n,
    sentAt: n,
    status,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  })
  const receivedItem = (n: number, blockNumber: string): ReceivedItem => ({
    hash: `0x${(1000 + n).toString(16).padStart(64, '0')}`,
    key: 'coin',
    title: `Received ${n} TAB from 0x3C…BC`,
    from: PAYER,
    blockNumber,
  })

  test('sent and received merge newest first: a payment above the first sent item of a lower block (below one of its own), a sent item in no block keeping its place among the sent', () => {
    const pending = sentItem(4, 'pending')
    const at20 = sentItem(3, 'confirmed', '20')
    const dropped = sentItem(2, 'dropped')
    const at10 = sentItem(1, 'failed', '10')
    const [r30, r20, r15, r5] = [
      receivedItem(30, '30'),
      receivedItem(20, '20'),
      receivedItem(15, '15'),
      receivedItem(5, '5'),
    ]
    expect(mergeActivity([pending, at20, dropped, at10], [r30, r20, r15, r5])).toEqual([
      { kind: 'sent', item: pending },
      { kind: 'received', item: r30 },
      { kind: 'sent', item: at20 },
      { kind: 'sent', item: dropped },
      { kind: 'received', item: r20 },
      { kind: 'received', item: r15 },
      { kind: 'sent', item: at10 },
      { kind: 'received', item: r5 },
    ])
    expect(mergeActivity([], [r30, r5]).map((r) => r.item)).toEqual([r30, r5])
    expect(mergeActivity([pending, at10], []).map((r) => r.item)).toEqual([pending, at10])
  })

  test('a payment in a transaction this wallet sent (one of its accounts paying another) shows once, as sent', () => {
    const sent = sentItem(1, 'confirmed', '9')
    const own = { ...receivedItem(1, '9'), hash: sent.hash }
    expect(mergeActivity([sent], [own])).toEqual([{ kind: 'sent', item: sent }])
  })
})
