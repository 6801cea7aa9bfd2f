import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
  pad,
  stringToHex,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { HTLC_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { LOCKED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import type { LogRecord } from '../../../src/node/storage/types'
import { lockFilter, type ObservedLock, observeLocks, swapLocks } from '../../../src/trade/swap/chain-view'
import type { SwapSigner } from '../../../src/trade/swap/driver'
import type { LockCall, SwapAction } from '../../../src/trade/swap/engine'
import { swapSecret } from '../../../src/trade/swap/secret'
import { LOCK_WINDOW_BLOCKS, REDEEM_MARGIN_BLOCKS, type SwapTerms } from '../../../src/trade/swap/terms'
import {
  createToken,
  GENESIS,
  K,
  MAKER_BLOCKS,
  type Party,
  party,
  TAKER_BLOCKS,
  TestChain,
  termsFor,
  testSigner,
} from './harness'

/**
 * A swap of 100 APPLE (made by the maker, account 1) for 250 BANANA (made by the taker, account 2)
 * started on both sides; the taker also holds DATE, and account 3 is a stranger to the swap.
 */
interface World {
  readonly chain: TestChain
  readonly maker: Party
  readonly taker: Party
  readonly stranger: SwapSigner
  readonly A: Address
  readonly B: Address
  readonly D: Address
  readonly terms: SwapTerms
  readonly id: Hex
  /** The maker's secret (sha256 of it is the hashlock). */
  readonly secret: Hex
}

async function world(): Promise<World> {
  const chain = new TestChain()
  const maker = await party(chain, 1)
  const taker = await party(chain, 2)
  const A = await createToken(chain, maker.signer, 'APPLE')
  const B = await createToken(chain, taker.signer, 'BANANA')
  const D = await createToken(chain, taker.signer, 'DATE')
  const terms = termsFor(chain, maker, taker, A, B)
  const id = await maker.driver.start(terms)
  expect(await taker.driver.start(terms)).toBe(id)
  const secret = swapSecret(maker.signer.swapKey, GENESIS.params.chainId, terms.offerId)
  return { chain, maker, taker, stranger: testSigner(3), A, B, D, terms, id, secret }
}

/** Signs `calls` from `signer` with consecutive nonces (no driver: a hand-made transaction), mines them. */
async function sendByHand(
  chain: TestChain,
  signer: SwapSigner,
  calls: readonly { to: Address; data: Hex }[],
): Promise<void> {
  const nonce = await chain.pendingNonce(signer.address)
  const hashes: Hex[] = []
  for (const [i, call] of calls.entries()) {
    const raw = await signer.signTransaction(
      {
        type: 'eip1559',
        chainId: GENESIS.params.chainId,
        nonce: Number(nonce) + i,
        to: call.to,
        data: call.data,
        gas: 200_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 10n ** 9n,
      },
      await chain.fees(),
    )
    hashes.push(await chain.sendRawTransaction(raw))
  }
  chain.mine()
  for (const hash of hashes) expect((await chain.receipt(hash))?.status).toBe('success')
}

/** An ERC20 approval to the HTLC and an HTLC lock, by hand, mined in one block; the lock's id. */
async function lockByHand(chain: TestChain, signer: SwapSigner, call: LockCall): Promise<Hex> {
  await sendByHand(chain, signer, [
    {
      to: call.token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, call.amount] }),
    },
    {
      to: HTLC_ADDRESS,
      data: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [call.token, call.amount, call.recipient, call.hashlock, call.timelockHeight],
      }),
    },
  ])
  const block = chain.chain.getBlockByNumber(chain.height)
  const log = block?.receipts.flatMap((r) => r.logs).find((l) => l.topics[0] === LOCKED_TOPIC)
  if (log?.topics[1] === undefined) throw new Error('no lock was made')
  return log.topics[1].toLowerCase() as Hex
}

/** An ERC20 transfer by hand, mined. */
function transferByHand(chain: TestChain, from: SwapSigner, token: Address, to: Address, amount: bigint) {
  return sendByHand(chain, from, [
    { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) },
  ])
}

/** Every HTLC lock under `hashlock` on the chain now, whoever made it. */
async function allLocks(chain: TestChain, hashlock: Hex): Promise<ObservedLock[]> {
  const logs = await chain.queries.logs({ address: HTLC_ADDRESS, fromBlock: 0n, toBlock: chain.height })
  return observeLocks(logs, hashlock)
}

/** The first maker → taker and taker → maker locks under the swap hashlock (picked here, not by `swapLocks`). */
async function locksOf(
  w: World,
): Promise<{ makerLock: ObservedLock | null; takerLock: ObservedLock | null }> {
  const locks = await allLocks(w.chain, w.terms.hashlock)
  const first = (from: Address, to: Address) =>
    locks.find((l) => l.sender === from && l.recipient === to) ?? null
  return { makerLock: first(w.terms.maker, w.terms.taker), takerLock: first(w.terms.taker, w.terms.maker) }
}

/** Ids of the locks the parties' drivers fetch (`lockFilter`) from the take on. */
async function filteredLockIds(w: World): Promise<Hex[]> {
  const logs = await w.chain.queries.logs({
    ...lockFilter(w.terms),
    fromBlock: w.terms.acceptedHeight,
    toBlock: w.chain.height,
  })
  return logs.map((l) => (l.topics[1] ?? '0x').toLowerCase() as Hex)
}

/** Whether the secret's bytes show anywhere on chain (a transaction's input, a log) or in the mempool. */
async function secretSeen(w: World): Promise<boolean> {
  const s = w.secret.slice(2).toLowerCase()
  for (let n = 1n; n <= w.chain.height; n++) {
    const b = w.chain.chain.getBlockByNumber(n)
    if (b === undefined) continue
    if (b.block.transactions.some((raw) => raw.toLowerCase().includes(s))) return true
    if (b.receipts.some((r) => r.logs.some((l) => l.data.toLowerCase().includes(s)))) return true
  }
  return (await w.chain.pendingTransactions()).some((tx) => tx.raw.toLowerCase().includes(s))
}

/** Native coin `who` paid in fees for its transactions mined above `from`. */
async function feesPaid(chain: TestChain, who: Address, from: bigint): Promise<bigint> {
  let sum = 0n
  for (let n = from + 1n; n <= chain.height; n++) {
    for (const hash of chain.chain.getBlockByNumber(n)?.txHashes ?? []) {
      const r = await chain.receipt(hash)
      if (r !== null && r.from.toLowerCase() === who) sum += r.gasUsed * r.effectiveGasPrice
    }
  }
  return sum
}

const native = (chain: TestChain, who: Address): bigint => chain.chain.headState.getAccount(who).balance

/** The taker's lock as the terms want it, signed at the current head. */
function agreedTakerLock(w: World): LockCall {
  return {
    token: w.B,
    amount: w.terms.amountB,
    recipient: w.terms.maker,
    hashlock: w.terms.hashlock,
    timelockHeight: w.chain.height + 1n + TAKER_BLOCKS,
  }
}

/**
 * The maker's honest node against a taker that locks by hand, once the maker's lock is mined, what
 * `takerLock` says. The maker's node steps on every head from `back` on (default: always), until done.
 */
async function makerFaces(
  w: World,
  takerLock: (w: World, own: ObservedLock) => LockCall,
  back: (own: ObservedLock) => bigint = () => 0n,
) {
  const start = w.chain.height
  const before = {
    native: native(w.chain, w.terms.maker),
    A: await w.chain.balance(w.A, w.terms.maker),
    B: await w.chain.balance(w.B, w.terms.maker),
  }
  const actions: SwapAction[] = []
  let own: ObservedLock | null = null
  for (let i = 0; i < 5 && own === null; i++) {
    actions.push((await w.maker.driver.advance(w.id)).action)
    w.chain.mine()
    own = (await locksOf(w)).makerLock
  }
  if (own === null) throw new Error('the maker did not lock')
  const call = takerLock(w, own)
  const takerLockId = await lockByHand(w.chain, w.taker.signer, call)
  const from = back(own)
  let last: SwapAction | undefined
  for (let i = 0; i < 80 && last?.kind !== 'done'; i++) {
    if (w.chain.height >= from) {
      last = (await w.maker.driver.advance(w.id)).action
      actions.push(last)
    }
    if (last?.kind !== 'done') w.chain.mine()
  }
  return { start, before, actions, last, own, takerLockId, call }
}

/** The maker revealed nothing and took its own lock back, paying only gas; it received no BANANA. */
async function expectRefundedUnrevealed(w: World, run: Awaited<ReturnType<typeof makerFaces>>) {
  expect(run.actions.filter((a) => a.kind === 'redeem')).toEqual([])
  expect(await secretSeen(w)).toBe(false)
  expect(run.last).toEqual({ kind: 'done' })
  expect((await w.maker.driver.status(w.id)).status.state).toBe('Refunded')
  expect((await locksOf(w)).makerLock?.state).toBe('refunded')
  expect(await w.chain.balance(w.A, w.terms.maker)).toBe(run.before.A)
  expect(await w.chain.balance(w.B, w.terms.maker)).toBe(run.before.B)
  const fees = await feesPaid(w.chain, w.terms.maker, run.start)
  expect(fees).toBeGreaterThan(0n)
  expect(native(w.chain, w.terms.maker)).toBe(run.before.native - fees)
  // The taker's lock is untouched: nobody redeemed it.
  const taken = (await allLocks(w.chain, run.call.hashlock)).find((l) => l.id === run.takerLockId)
  expect(taken?.state).toBe('locked')
}

describe("the maker's side of a taker lock that differs from the terms", () => {
  it('control: a hand-made taker lock on the agreed terms is redeemed (the harness can make a lock the maker takes)', async () => {
    const w = await world()
    const makerB = await w.chain.balance(w.B, w.terms.maker)
    const run = await makerFaces(w, agreedTakerLock)
    // (Its watchtower later redeems its own lock for the taker, whose node is not running.)
    const redeems = run.actions.filter((a) => a.kind === 'redeem' && !a.watchtower)
    expect(redeems).toEqual([
      { kind: 'redeem', lockId: run.takerLockId, preimage: w.secret, watchtower: false },
    ])
    expect(await secretSeen(w)).toBe(true)
    expect(await w.chain.balance(w.B, w.terms.maker)).toBe(makerB + w.terms.amountB)
  })

  it.each([
    ['a smaller amount', (w: World) => ({ ...agreedTakerLock(w), amount: w.terms.amountB - 1n })],
    ['another token', (w: World) => ({ ...agreedTakerLock(w), token: w.D })],
    // Mined at head + 1, k confirmations at head + k: the maker's redeem would land at head + k + 1,
    // inside its margin before this timelock (a redeem there would still succeed: the rule refuses it).
    [
      'a timelock too short to redeem with the margin once confirmed',
      (w: World) => ({
        ...agreedTakerLock(w),
        timelockHeight: w.chain.height + 1n + BigInt(K) + REDEEM_MARGIN_BLOCKS,
      }),
    ],
    [
      'a recipient that is not the maker (the taker itself)',
      (w: World) => ({ ...agreedTakerLock(w), recipient: w.terms.taker }),
    ],
    [
      'another hashlock',
      (w: World) => ({ ...agreedTakerLock(w), hashlock: keccak256(stringToHex('not the swap secret')) }),
    ],
  ] as const)(
    'a taker lock with %s: the maker never redeems it (the secret stays off chain) and refunds its own lock after its timelock',
    async (_what, takerLock) => {
      const w = await world()
      const run = await makerFaces(w, takerLock)
      await expectRefundedUnrevealed(w, run)
      // It waited out its own timelock: the refund was mined at it.
      expect((await locksOf(w)).makerLock?.settledAt).toBe(run.own.timelockHeight)
    },
  )

  it("a taker lock whose timelock runs past the maker's own, the maker back only within its margin before its own timelock: no redeem, its own lock refunded", async () => {
    const w = await world()
    const run = await makerFaces(
      w,
      (w, own) => ({ ...agreedTakerLock(w), timelockHeight: own.timelockHeight + 50n }),
      // The first head where a redeem would leave the taker under REDEEM_MARGIN_BLOCKS to use the secret.
      (own) => own.timelockHeight - REDEEM_MARGIN_BLOCKS - 1n,
    )
    await expectRefundedUnrevealed(w, run)
    // The taker's lock was still redeemable when the maker came back: only the rule kept it from it.
    expect(run.call.timelockHeight).toBeGreaterThan(run.own.timelockHeight)
  })
})

describe('a lock by a third party under the swap hashlock is not the counterparty lock', () => {
  it("a stranger's lock to the maker (BANANA, the agreed amount and timelock) mined before the taker's: the maker redeems only the taker's lock", async () => {
    const w = await world()
    // The stranger holds BANANA (bought from the taker).
    await transferByHand(w.chain, w.taker.signer, w.B, w.stranger.address, w.terms.amountB)
    const before = {
      makerA: await w.chain.balance(w.A, w.terms.maker),
      makerB: await w.chain.balance(w.B, w.terms.maker),
      takerA: await w.chain.balance(w.A, w.terms.taker),
      takerB: await w.chain.balance(w.B, w.terms.taker),
    }
    const makerActions: SwapAction[] = []
    let strangerLock: Hex | null = null
    for (let i = 0; i < 40; i++) {
      const m = await w.maker.driver.advance(w.id)
      const t = await w.taker.driver.advance(w.id)
      makerActions.push(m.action)
      if (m.action.kind === 'done' && t.action.kind === 'done') break
      w.chain.mine()
      // As soon as the maker's lock shows, the stranger locks (the taker waits k confirmations first).
      if (strangerLock === null && (await locksOf(w)).makerLock !== null) {
        expect((await locksOf(w)).takerLock).toBeNull()
        strangerLock = await lockByHand(w.chain, w.stranger, { ...agreedTakerLock(w) })
      }
    }
    if (strangerLock === null) throw new Error('the stranger did not lock')
    const redeemed = makerActions.flatMap((a) => (a.kind === 'redeem' ? [a.lockId] : []))
    expect(redeemed).not.toContain(strangerLock)
    const { takerLock } = await locksOf(w)
    if (takerLock === null) throw new Error('the taker did not lock')
    const mine = (await allLocks(w.chain, w.terms.hashlock)).find((l) => l.id === strangerLock)
    expect(mine?.lockedAt).toBeLessThan(takerLock.lockedAt)
    expect(mine?.state).toBe('locked')
    // The parties' nodes never even fetch it.
    expect(await filteredLockIds(w)).not.toContain(strangerLock)
    expect(makerActions.filter((a) => a.kind === 'redeem')).toEqual([
      { kind: 'redeem', lockId: takerLock.id, preimage: w.secret, watchtower: false },
    ])
    expect((await w.maker.driver.status(w.id)).status.state).toBe('Completed')
    expect((await w.taker.driver.status(w.id)).status.state).toBe('Completed')
    expect({
      makerA: await w.chain.balance(w.A, w.terms.maker),
      makerB: await w.chain.balance(w.B, w.terms.maker),
      takerA: await w.chain.balance(w.A, w.terms.taker),
      takerB: await w.chain.balance(w.B, w.terms.taker),
    }).toEqual({
      makerA: before.makerA - w.terms.amountA,
      makerB: before.makerB + w.terms.amountB,
      takerA: before.takerA + w.terms.amountA,
      takerB: before.takerB - w.terms.amountB,
    })
  })

  it("a stranger's lock to the taker (APPLE, the agreed amount, a long enough timelock) while the maker never locks: the taker never locks and expires", async () => {
    const w = await world()
    await transferByHand(w.chain, w.maker.signer, w.A, w.stranger.address, w.terms.amountA)
    const strangerLock = await lockByHand(w.chain, w.stranger, {
      token: w.A,
      amount: w.terms.amountA,
      recipient: w.terms.taker,
      hashlock: w.terms.hashlock,
      timelockHeight: w.chain.height + 1n + MAKER_BLOCKS + 10n,
    })
    const takerB = await w.chain.balance(w.B, w.terms.taker)
    const actions: SwapAction[] = []
    for (let i = 0n; i < LOCK_WINDOW_BLOCKS + 5n; i++) {
      actions.push((await w.taker.driver.advance(w.id)).action)
      w.chain.mine()
    }
    expect(actions.filter((a) => a.kind === 'lock')).toEqual([])
    expect((await w.taker.repo.getSwapEvents(w.id)).map((r) => r.event)).toContainEqual({
      kind: 'expired',
      reason: { code: 'NO_MAKER_LOCK' },
    })
    expect((await w.taker.driver.status(w.id)).status.state).toBe('Expired')
    expect(await w.taker.driver.advance(w.id)).toMatchObject({ action: { kind: 'done' } })
    expect(await w.chain.balance(w.B, w.terms.taker)).toBe(takerB)
    expect(await filteredLockIds(w)).not.toContain(strangerLock)
    expect(await locksOf(w)).toEqual({ makerLock: null, takerLock: null })
  })
})

describe('locks a party makes to itself under the swap hashlock', () => {
  it("16 locks the maker made to itself before the swap's: the taker, away only for the block of the maker's redeem, still learns the secret and redeems", async () => {
    const w = await world()
    const { chain, maker, taker, terms, A } = w
    // The hashlock is public in the terms: the maker locks 1 APPLE to itself under it 16 times first.
    const junk = Array.from({ length: 16 }, () => ({
      to: HTLC_ADDRESS,
      data: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [A, 1n, terms.maker, terms.hashlock, chain.height + 500n],
      }),
    }))
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 16n] })
    await sendByHand(chain, maker.signer, [{ to: A, data: approve }, ...junk.slice(0, 7)])
    await sendByHand(chain, maker.signer, junk.slice(7))
    const takerA = await chain.balance(A, terms.taker)
    let away = 0
    for (let i = 0; i < 150; i++) {
      const m = await maker.driver.advance(w.id)
      // The taker's tab is closed for the block in which the maker's redeem is pending.
      const takerAway = m.action.kind === 'redeem' && !m.action.watchtower
      if (takerAway) away++
      const t = takerAway ? null : await taker.driver.advance(w.id)
      if (m.action.kind === 'done' && t?.action.kind === 'done') break
      chain.mine()
    }
    expect(away).toBe(1)
    expect((await taker.driver.status(w.id)).status.state).toBe('Completed')
    expect(await chain.balance(A, terms.taker)).toBe(takerA + terms.amountA)
  })
})

describe('swapLocks picks the parties locks among every lock under the hashlock', () => {
  const MAKER: Address = '0x00000000000000000000000000000000000000a1'
  const TAKER: Address = '0x00000000000000000000000000000000000000b2'
  const STRANGER: Address = '0x00000000000000000000000000000000000000c3'
  const terms = { maker: MAKER, taker: TAKER } as SwapTerms
  const lock = (name: string, sender: Address, recipient: Address): ObservedLock => ({
    id: keccak256(stringToHex(name)),
    sender,
    recipient,
    token: '0x00000000000000000000000000000000000000aa',
    amount: 100n,
    hashlock: keccak256(stringToHex('h')),
    timelockHeight: 200n,
    lockedAt: 10n,
    state: 'locked',
    preimage: null,
    settledAt: null,
  })

  it("a stranger's lock, or a party's lock to itself, listed first is neither the maker's nor the taker's", () => {
    const makerLock = lock('maker', MAKER, TAKER)
    const takerLock = lock('taker', TAKER, MAKER)
    const decoys = [
      lock('stranger to maker', STRANGER, MAKER),
      lock('stranger to taker', STRANGER, TAKER),
      lock('maker to stranger', MAKER, STRANGER),
      lock('taker to stranger', TAKER, STRANGER),
      lock('maker to itself', MAKER, MAKER),
      lock('taker to itself', TAKER, TAKER),
    ]
    expect(swapLocks(terms, [...decoys, makerLock, takerLock])).toEqual({ makerLock, takerLock })
    expect(swapLocks(terms, decoys)).toEqual({ makerLock: null, takerLock: null })
  })

  it('a Locked log emitted by another contract than the HTLC is no lock, however exactly it copies one', () => {
    const hashlock = keccak256(stringToHex('h'))
    const word = (a: Address): Hex => pad(a, { size: 32 })
    const locked = (address: Address): LogRecord => ({
      address,
      topics: [LOCKED_TOPIC, keccak256(stringToHex('lock')), word(MAKER), word(TAKER)],
      data: encodeAbiParameters(
        [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }],
        ['0x00000000000000000000000000000000000000aa', 100n, hashlock, 200n],
      ),
      blockNumber: 10n,
      blockHash: keccak256(stringToHex('block')),
      transactionHash: keccak256(stringToHex('tx')),
      transactionIndex: 0,
      logIndex: 0,
    })
    expect(
      observeLocks([locked(HTLC_ADDRESS)], hashlock).map((l) => [l.sender, l.recipient, l.amount]),
    ).toEqual([[MAKER, TAKER, 100n]])
    expect(observeLocks([locked('0x00000000000000000000000000000000000000ee')], hashlock)).toEqual([])
  })
})
