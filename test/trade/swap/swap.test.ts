import { type Address, decodeFunctionData, encodeFunctionData, type Hex, keccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { testGenesis } from '../../../src/node/chain/genesis'
import { TX_BASE_GAS, TX_DATA_NONZERO_GAS, TX_DATA_ZERO_GAS } from '../../../src/node/chain/tx'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { LOCKED_TOPIC, REDEEMED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import { StorageError } from '../../../src/node/storage/errors'
import { observeLocks, swapLocks } from '../../../src/trade/swap/chain-view'
import {
  MAX_STEPS_PER_ADVANCE,
  type StepResult,
  SWAP_GAS,
  type SwapChain,
  type SwapSigner,
} from '../../../src/trade/swap/driver'
import { MAX_ATTEMPTS } from '../../../src/trade/swap/engine'
import { maxStepFees } from '../../../src/trade/swap/fees'
import type { SwapState } from '../../../src/trade/swap/state'
import { type SwapRepository, SwapStore } from '../../../src/trade/swap/store'
import { LOCK_WINDOW_BLOCKS, REDEEM_MARGIN_BLOCKS, type SwapTerms } from '../../../src/trade/swap/terms'
import {
  CROWDED_GENESIS,
  createToken,
  crowd,
  driverFor,
  FINAL,
  flood,
  GENESIS,
  K,
  MAKER_BLOCKS,
  type Party,
  party,
  TestChain,
  termsFor,
  testSigner,
  tokenTotal,
} from './harness'

type Who = 'maker' | 'taker'

const GWEI = 10n ** 9n
const BUSY_GAS_LIMIT = 1_000_000n

interface Sim {
  readonly chain: TestChain
  readonly maker: Party
  readonly taker: Party
  readonly A: Address
  readonly B: Address
  readonly terms: SwapTerms
  readonly id: Hex
  /** The chain as the parties' drivers see it (possibly wrapped to inject faults). */
  readonly view: SwapChain
  readonly totals: { readonly A: bigint; readonly B: bigint }
}

/** Fault injection: what the parties' nodes see instead of the real chain, repository and wallet. */
interface Wrap {
  readonly chain: (c: SwapChain) => SwapChain
  readonly repo: (r: SwapRepository) => SwapRepository
  readonly signer: (s: Party['signer']) => Party['signer']
}

/**
 * A maker (account 1) holding APPLE and a taker (account 2) holding BANANA, a swap of 100 APPLE for
 * 250 BANANA started on both sides.
 */
async function setup(wrap?: Wrap, chain = new TestChain()): Promise<Sim> {
  const view = wrap?.chain(chain) ?? chain
  const maker = await party(view, 1)
  const taker = await party(view, 2)
  const A = await createToken(chain, maker.signer, 'APPLE')
  const B = await createToken(chain, taker.signer, 'BANANA')
  const terms = termsFor(chain, maker, taker, A, B)
  if (wrap !== undefined) {
    for (const p of [maker, taker]) {
      Object.assign(p, { repo: wrap.repo(p.repo), signer: wrap.signer(p.signer) })
      p.driver = driverFor(view, p.signer, p.repo)
    }
  }
  const id = await maker.driver.start(terms)
  expect(await taker.driver.start(terms)).toBe(id)
  const sim = { chain, view, maker, taker, A, B, terms, id, totals: { A: 0n, B: 0n } }
  return {
    ...sim,
    totals: { A: await tokenTotal(chain, A, [maker, taker]), B: await tokenTotal(chain, B, [maker, taker]) },
  }
}

interface RunOptions {
  readonly maxBlocks: number
  /** Whether a party's node is running now (default: always), given the last steps seen. */
  readonly active?: (who: Who, height: bigint, last: Partial<Record<Who, StepResult>>) => boolean
  /** Called when a party's step throws: true means "the node crashed", and a new driver takes over. */
  readonly onError?: (who: Who, error: unknown) => boolean
}

/** Steps both parties on every block until both are done (or `maxBlocks`); returns their last steps. */
async function run(
  sim: Sim,
  options: RunOptions,
): Promise<{ last: Partial<Record<Who, StepResult>>; blocks: number }> {
  const last: Partial<Record<Who, StepResult>> = {}
  for (let blocks = 0; blocks < options.maxBlocks; blocks++) {
    for (const who of ['maker', 'taker'] as const) {
      if (options.active !== undefined && !options.active(who, sim.chain.height, last)) continue
      const p = sim[who]
      try {
        last[who] = await p.driver.advance(sim.id)
      } catch (e) {
        if (options.onError === undefined || !options.onError(who, e)) throw e
        // The node went down mid-step: a new one (no memory) starts on the same profile and chain.
        p.driver = driverFor(sim.view, p.signer, p.repo)
      }
    }
    if (last.maker?.action.kind === 'done' && last.taker?.action.kind === 'done') return { last, blocks }
    sim.chain.mine()
  }
  return { last, blocks: options.maxBlocks }
}

/** The swap's two locks as the chain's HTLC logs show them now. */
async function locksOf(sim: Sim) {
  const logs = await sim.chain.queries.logs({
    address: HTLC_ADDRESS,
    fromBlock: 0n,
    toBlock: sim.chain.height,
  })
  return swapLocks(sim.terms, observeLocks(logs, sim.terms.hashlock))
}

/**
 * Both lock; the maker's node goes away until the last height its margin allows a redeem and sends it;
 * the taker redeems the maker's lock with the secret from that pending redeem, which is then lost (a
 * reload empties the mempool) before it is mined. Returns the taker lock's timelock.
 */
async function lateRedeemLost(sim: Sim): Promise<bigint> {
  let takerTimelock: bigint | null = null
  for (let i = 0; i < 60 && takerTimelock === null; i++) {
    await sim.maker.driver.advance(sim.id)
    await sim.taker.driver.advance(sim.id)
    sim.chain.mine()
    takerTimelock = (await locksOf(sim)).takerLock?.timelockHeight ?? null
  }
  if (takerTimelock === null) throw new Error('the taker never locked')
  while (sim.chain.height + REDEEM_MARGIN_BLOCKS + 2n < takerTimelock) {
    await sim.taker.driver.advance(sim.id)
    sim.chain.mine()
  }
  const late = await sim.maker.driver.advance(sim.id)
  expect(late.action.kind).toBe('redeem')
  expect((await sim.taker.driver.advance(sim.id)).action.kind).toBe('redeem')
  expect(sim.chain.mempool.remove(late.sent[0] as Hex)).toBe(true)
  sim.chain.mine()
  const locks = await locksOf(sim)
  expect([locks.makerLock?.state, locks.takerLock?.state]).toEqual(['redeemed', 'locked'])
  return takerTimelock
}

/**
 * A chain whose blocks are busy: each block `busyMine` makes starts with a filler account's transaction
 * of `fill` gas (calldata only) with a tip no swap step offers, so it goes first. At the gas target (the
 * default) the base fee holds; `FULL` leaves no room for anything else and raises the base fee by 1/8.
 */
class BusyChain extends TestChain {
  static readonly TARGET = BUSY_GAS_LIMIT / 2n
  static readonly FULL = BUSY_GAS_LIMIT
  fill = BusyChain.TARGET
  readonly #filler = testSigner(3)

  constructor() {
    super(testGenesis({ params: { blockGasLimit: BUSY_GAS_LIMIT }, baseFeePerGas: 100n * GWEI }))
  }

  async busyMine(): Promise<void> {
    // Calldata of exactly `fill` gas: non-zero bytes at 16 gas, two zero bytes at 4 to even it out.
    const nonzero = Number((this.fill - TX_BASE_GAS - 2n * TX_DATA_ZERO_GAS) / TX_DATA_NONZERO_GAS)
    const raw = await this.#filler.signTransaction(
      {
        type: 'eip1559',
        chainId: GENESIS.params.chainId,
        nonce: Number(await this.pendingNonce(this.#filler.address)),
        to: '0x00000000000000000000000000000000000000f1',
        data: `0x0000${'ff'.repeat(nonzero)}`,
        gas: this.fill,
        maxFeePerGas: 10_000n * GWEI,
        maxPriorityFeePerGas: 50n * GWEI,
      },
      await this.fees(),
    )
    await this.sendRawTransaction(raw)
    this.mine()
  }
}

async function stateOf(sim: Sim, who: Who): Promise<SwapState> {
  return (await driverFor(sim.chain, sim[who].signer, sim[who].repo).status(sim.id)).status.state
}

async function balances(sim: Sim) {
  const of = (t: Address, p: Party) => sim.chain.balance(t, p.signer.address)
  return {
    makerA: await of(sim.A, sim.maker),
    makerB: await of(sim.B, sim.maker),
    takerA: await of(sim.A, sim.taker),
    takerB: await of(sim.B, sim.taker),
  }
}

async function expectConserved(sim: Sim): Promise<void> {
  expect(await tokenTotal(sim.chain, sim.A, [sim.maker, sim.taker])).toBe(sim.totals.A)
  expect(await tokenTotal(sim.chain, sim.B, [sim.maker, sim.taker])).toBe(sim.totals.B)
}

async function expectSwapped(sim: Sim, before: Awaited<ReturnType<typeof balances>>): Promise<void> {
  const after = await balances(sim)
  expect(after).toEqual({
    makerA: before.makerA - sim.terms.amountA,
    makerB: before.makerB + sim.terms.amountB,
    takerA: before.takerA + sim.terms.amountA,
    takerB: before.takerB - sim.terms.amountB,
  })
  await expectConserved(sim)
}

/** The maker signs a call of `data` to `to` (an ERC20's, say) outside any swap; it is sent and mined. */
async function makerCall(sim: Sim, to: Address, data: Hex): Promise<void> {
  const fees = await sim.chain.fees()
  const raw = await sim.maker.signer.signTransaction(
    {
      type: 'eip1559',
      chainId: GENESIS.params.chainId,
      nonce: Number(await sim.chain.pendingNonce(sim.maker.signer.address)),
      to,
      data,
      gas: SWAP_GAS.approve,
      maxFeePerGas: 2n * fees.nextBaseFee + fees.suggestedTip,
      maxPriorityFeePerGas: fees.suggestedTip,
    },
    fees,
  )
  await sim.chain.sendRawTransaction(raw)
  sim.chain.mine()
}

describe('swap engine over the real chain', () => {
  it('happy path: maker locks, taker locks after k confirmations, maker redeems, taker redeems; both Completed', async () => {
    const sim = await setup()
    const before = await balances(sim)
    const { last, blocks } = await run(sim, { maxBlocks: 40 })
    expect(last.maker?.action.kind).toBe('done')
    expect(last.taker?.action.kind).toBe('done')
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    const steps = (await driverFor(sim.chain, sim.taker.signer, sim.taker.repo).status(sim.id)).status.steps
    expect(steps.map((s) => s.state)).toEqual([
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Completed',
    ])
    await expectSwapped(sim, before)
    expect(blocks).toBeLessThan(20)
  })

  it('at the floor: both Completed 2k + 1 blocks after the take, the two redeems in one block; the secret asked only to redeem; a lock signed side by side', async () => {
    let sim: Sim | undefined
    // Heights at which the maker's wallet was asked its secret (null: while starting the swap).
    const secretAt: (bigint | null)[] = []
    let signing = 0
    let mostSigning = 0
    sim = await setup({
      chain: (c) => c,
      repo: (r) => r,
      signer: (s) => ({
        ...s,
        secret: (terms) => {
          secretAt.push(sim?.chain.height ?? null)
          return s.secret(terms)
        },
        signTransaction: async (tx, priced) => {
          signing++
          mostSigning = Math.max(mostSigning, signing)
          await new Promise((r) => setTimeout(r, 1))
          signing--
          return s.signTransaction(tx, priced)
        },
      }),
    })
    await run(sim, { maxBlocks: 40 })
    const steps = (await driverFor(sim.chain, sim.taker.signer, sim.taker.repo).status(sim.id)).status.steps
    const at = (state: SwapState) => steps.find((s) => s.state === state)?.height ?? -1n
    // The taker took the secret from the maker's pending redeem: both redeems were mined together.
    expect(at('Completed') - sim.terms.acceptedHeight).toBe(2n * BigInt(K) + 1n)
    expect(at('SecretRevealed')).toBe(at('Completed'))
    // Once when the swap started, then only from the head where the taker's lock has k confirmations.
    expect(secretAt[0]).toBeNull()
    expect(secretAt.length).toBeGreaterThan(1)
    for (const h of secretAt.slice(1)) expect(h).toBeGreaterThanOrEqual(at('TakerLocked') + BigInt(K) - 1n)
    // The approval and the lock were out for signature at the same time.
    expect(mostSigning).toBe(2)
  })

  it('the taker takes the secret from a pending redeem only when it opens its lock: a wrong one is ignored', async () => {
    const sim = await setup()
    const before = await balances(sim)
    // The maker's node stops before its redeem is due (the taker's lock has 1 confirmation, not k).
    await run(sim, {
      maxBlocks: 5,
      active: (who, _h, last) => who === 'taker' || last.maker?.status.state !== 'TakerLocked',
    })
    const { takerLock } = await locksOf(sim)
    if (takerLock === null) throw new Error('the taker did not lock')
    while (sim.chain.height < takerLock.lockedAt + BigInt(K) - 1n) sim.chain.mine()
    // Someone else broadcasts a redeem of the taker's lock with a wrong secret, and garbage to the HTLC.
    const stranger = testSigner(3)
    for (const [nonce, data] of [
      [
        0,
        encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [takerLock.id, keccak256('0x01')] }),
      ],
      [1, '0xdeadbeef'],
    ] as const) {
      await sim.chain.sendRawTransaction(
        await stranger.signTransaction(
          {
            type: 'eip1559',
            chainId: GENESIS.params.chainId,
            nonce,
            to: HTLC_ADDRESS,
            data,
            gas: 100_000n,
            maxFeePerGas: 10n ** 10n,
            maxPriorityFeePerGas: 10n ** 9n,
          },
          await sim.chain.fees(),
        ),
      )
    }
    const waiting = await sim.taker.driver.advance(sim.id)
    expect(waiting.action).toEqual({ kind: 'wait', reason: 'waiting for the maker to redeem' })
    expect(waiting.sent).toEqual([])
    // The maker comes back and redeems: the taker redeems on the pending secret before any block.
    expect((await sim.maker.driver.advance(sim.id)).action.kind).toBe('redeem')
    const redeem = await sim.taker.driver.advance(sim.id)
    expect(redeem.action.kind).toBe('redeem')
    expect(redeem.sent).toHaveLength(1)
    sim.chain.mine()
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })

  it('taker never locks: the maker refunds itself once its timelock passes', async () => {
    const sim = await setup()
    const before = await balances(sim)
    await run(sim, { maxBlocks: 80, active: (who) => who === 'maker' })
    expect(await stateOf(sim, 'maker')).toBe('Refunded')
    expect(await stateOf(sim, 'taker')).toBe('MakerLocked')
    expect(await balances(sim)).toEqual(before)
    await expectConserved(sim)
  })

  it('maker never redeems: the taker refunds after its timelock, the maker after its own', async () => {
    const sim = await setup()
    const before = await balances(sim)
    let away: bigint | null = null
    await run(sim, {
      maxBlocks: 120,
      active: (who, height, last) => {
        if (who === 'taker') return true
        // The maker's node goes away once the taker has locked, and comes back after the taker's timelock.
        if (away === null && last.maker?.status.state === 'TakerLocked') away = height
        return away === null || height > away + sim.terms.takerTimelockBlocks + 2n
      },
    })
    expect(await stateOf(sim, 'taker')).toBe('Refunded')
    expect(await stateOf(sim, 'maker')).toBe('Refunded')
    expect(await balances(sim)).toEqual(before)
    await expectConserved(sim)
  })

  it('maker redeems late, a few blocks before the taker timelock: the taker still redeems in time', async () => {
    const sim = await setup()
    const before = await balances(sim)
    let away: bigint | null = null
    let takerTimelock = 0n
    await run(sim, {
      maxBlocks: 80,
      active: (who, height, last) => {
        if (who === 'taker') return true
        if (away === null && last.maker?.status.state === 'TakerLocked') {
          away = height
          takerTimelock = height + sim.terms.takerTimelockBlocks
        }
        // Back with just enough blocks left for a safe redeem.
        return away === null || height + 1n + REDEEM_MARGIN_BLOCKS + 2n >= takerTimelock
      },
    })
    // The maker's redeem of the taker's lock landed within a few blocks of that lock's timelock.
    const { makerLock, takerLock } = await locksOf(sim)
    expect(takerLock?.state).toBe('redeemed')
    expect(takerLock?.settledAt).toBeLessThan(takerLock?.timelockHeight ?? 0n)
    expect(takerLock?.settledAt).toBeGreaterThanOrEqual(
      (takerLock?.timelockHeight ?? 0n) - REDEEM_MARGIN_BLOCKS - 3n,
    )
    expect(makerLock?.state).toBe('redeemed')
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })

  it("the maker's late redeem is lost after the taker used its secret: the maker sends it again inside the margin, before the taker can refund", async () => {
    const sim = await setup()
    const before = await balances(sim)
    const timelock = await lateRedeemLost(sim)
    // The taker's tab is closed until its lock's timelock (its watchtower would otherwise redeem that
    // lock for the maker), then refunds whatever is still locked.
    await run(sim, { maxBlocks: 20, active: (who, height) => who === 'maker' || height + 1n >= timelock })
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })

  it("the maker's lock evicted from a full pool, its fee cap still over the base fee: the same bytes refused as underpriced, it is signed again at the full pool's suggested tip (within the wallet's bound) and the pool takes it; both Completed", async () => {
    const POOL_SLOTS = 6
    const chain = new TestChain(GENESIS, POOL_SLOTS)
    const sim = await setup(undefined, chain)
    const before = await balances(sim)
    const first = await sim.maker.driver.advance(sim.id)
    expect(first.action.kind).toBe('lock')
    expect(first.sent.every((h) => chain.mempool.has(h))).toBe(true)
    // A flood fills the pool with executable transactions (a funded sender's consecutive nonces: gapped
    // ones never evict executable ones) that tip 1.2 gwei, again after every block that mines them: they
    // take the place of the maker's approval and lock, which tip 1 gwei.
    const filler = testSigner(3)
    const floodTip = (12n * GWEI) / 10n
    const fill = () => flood(chain, filler, POOL_SLOTS, floodTip)
    await fill()
    expect(first.sent.some((h) => chain.mempool.has(h))).toBe(false)
    // The full pool suggests 10% above its lowest tip, the flood's.
    expect(await chain.fees()).toMatchObject({ suggestedTip: 1_320_000_000n })
    // The wallet's bound follows: twice that.
    expect(maxStepFees(await chain.fees()).maxPriorityFeePerGas).toBe(2_640_000_000n)
    // At the next head the stored bytes are sent again, refused, and signed again at that tip.
    const tips: bigint[] = []
    for (let i = 0; i < 10 && (await locksOf(sim)).makerLock === null; i++) {
      chain.mine()
      await fill()
      const step = await sim.maker.driver.advance(sim.id)
      if (step.action.kind === 'replace') tips.push(step.action.fees.maxPriorityFeePerGas)
    }
    expect((await locksOf(sim)).makerLock).not.toBeNull()
    // Not 10% up a head from 1 gwei (1.1 gwei, still not above the flood's): taken at once.
    expect(tips).toEqual([1_320_000_000n])
    await run(sim, { maxBlocks: 40 })
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })

  it("a swap started while a full pool holds tips above twice the default: each party's lock is signed at the node's suggested tip, within the wallet's bound, and enters the pool at once; both Completed", async () => {
    const POOL_SLOTS = 8
    const chain = new TestChain(GENESIS, POOL_SLOTS)
    const sim = await setup(undefined, chain)
    const before = await balances(sim)
    // A flood of executable transactions (a funded sender's consecutive nonces: gapped ones would leave
    // for any executable one) that tip 3 gwei fills the pool before each lock: a step at the default
    // 1 gwei, or bumped 10% a head within a bound of twice that, would never get in.
    const filler = testSigner(3)
    const fillPool = async () => {
      await flood(chain, filler, POOL_SLOTS - chain.mempool.slots, 3n * GWEI)
      expect(chain.mempool.slots).toBe(POOL_SLOTS)
      expect(await chain.fees()).toMatchObject({ suggestedTip: 3_300_000_000n })
    }
    const lockOf = async (who: Who) => {
      const bound = maxStepFees(await chain.fees())
      const step = await sim[who].driver.advance(sim.id)
      expect(step.action.kind).toBe('lock')
      expect(step.sent.length).toBeGreaterThan(0)
      for (const hash of step.sent) {
        const tx = chain.mempool.get(hash)
        expect(tx?.maxPriorityFeePerGas).toBe(3_300_000_000n)
        expect(tx?.maxPriorityFeePerGas).toBeLessThanOrEqual(bound.maxPriorityFeePerGas)
        expect(tx?.maxFeePerGas).toBeLessThanOrEqual(bound.maxFeePerGas)
      }
      chain.mine()
    }
    await fillPool()
    await lockOf('maker')
    expect((await locksOf(sim)).makerLock).not.toBeNull()
    for (let i = 1; i < K; i++) chain.mine()
    await fillPool()
    await lockOf('taker')
    expect((await locksOf(sim)).takerLock).not.toBeNull()
    await run(sim, { maxBlocks: 40 })
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })

  it("the base fee rises past the fee cap of the maker's pending redeem: the maker signs it again (same nonce, higher fees) and it lands before the taker's timelock; both Completed", async () => {
    const chain = new BusyChain()
    const sim = await setup(undefined, chain)
    // A taker that gains from the maker's loss runs no watchtower (which would redeem its lock for
    // the maker with the secret of the maker's stuck redeem).
    sim.taker.driver = driverFor(sim.view, sim.taker.signer, sim.taker.repo, false)
    const before = await balances(sim)
    let redeem: Hex | undefined
    for (let i = 0; i < 40 && redeem === undefined; i++) {
      const step = await sim.maker.driver.advance(sim.id)
      if (step.action.kind === 'redeem') redeem = step.sent[0]
      else {
        await sim.taker.driver.advance(sim.id)
        await chain.busyMine()
      }
    }
    if (redeem === undefined) throw new Error('the maker never redeemed')
    const cap = (await chain.transaction(redeem))?.maxFeePerGas ?? 0n
    const timelock = (await locksOf(sim)).takerLock?.timelockHeight ?? 0n
    // Full blocks while the taker's tab is closed: the redeem cannot get in, and the base fee climbs
    // past its cap before the taker's timelock (then holds there). The maker's tab closes as it
    // broadcasts the redeem signed again, and reloads.
    const closing: SwapChain = {
      head: () => chain.head(),
      header: (n) => chain.header(n),
      logs: (q) => chain.logs(q),
      transaction: (h) => chain.transaction(h),
      receipt: (h) => chain.receipt(h),
      account: (a) => chain.account(a),
      pendingNonce: (a) => chain.pendingNonce(a),
      fees: () => chain.fees(),
      pendingCalls: (to, from) => chain.pendingCalls(to, from),
      tokenAllowance: (t, o, s) => chain.tokenAllowance(t, o, s),
      sendRawTransaction: async () => {
        throw new Error('tab closed')
      },
    }
    let maker = driverFor(closing, sim.maker.signer, sim.maker.repo)
    chain.fill = BusyChain.FULL
    while ((await chain.fees()).nextBaseFee <= cap) {
      await chain.busyMine()
      const closed = await maker.advance(sim.id).then(
        () => false,
        () => true,
      )
      if (!closed) continue
      // Recorded before the broadcast: the reloaded node sends it, in place of the one in the pool.
      expect(chain.mempool.has(redeem)).toBe(true)
      maker = sim.maker.driver
    }
    expect(maker).toBe(sim.maker.driver)
    chain.fill = BusyChain.TARGET
    expect(chain.height + 1n).toBeLessThan(timelock)
    // The taker comes back and takes the secret from the redeem in the pool.
    const last: Partial<Record<Who, StepResult>> = {}
    for (
      let i = 0;
      i < 40 && !(last.maker?.action.kind === 'done' && last.taker?.action.kind === 'done');
      i++
    ) {
      last.maker = await sim.maker.driver.advance(sim.id)
      last.taker = await sim.taker.driver.advance(sim.id)
      await chain.busyMine()
    }
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
    // Signed again with the first one's nonce: that one never mined, its successor paid once.
    const redeems = (await new SwapStore(sim.maker.repo).events(sim.id)).flatMap((e) =>
      e.kind === 'sent' && e.purpose === 'redeem' ? e.txs : [],
    )
    expect(redeems.length).toBeGreaterThan(1)
    expect(new Set(redeems.map((t) => t.nonce)).size).toBe(1)
    expect(await chain.transaction(redeem)).toBeNull()
  })

  it('the maker away too after its late redeem was lost: the taker refunds at its timelock and its swap ends Refunded, holding both sides', async () => {
    const sim = await setup()
    const before = await balances(sim)
    const timelock = await lateRedeemLost(sim)
    await run(sim, { maxBlocks: 20, active: (who, height) => who === 'taker' && height + 1n >= timelock })
    expect(await stateOf(sim, 'taker')).toBe('Refunded')
    expect((await sim.taker.driver.step(sim.id)).action.kind).toBe('done')
    expect(await balances(sim)).toEqual({
      ...before,
      makerA: before.makerA - sim.terms.amountA,
      takerA: before.takerA + sim.terms.amountA,
    })
    await expectConserved(sim)
  })

  it('the maker away too after its late redeem was lost, back once the taker refunded: its swap ends Expired and is done (its lock went to the taker, the taker lock back to the taker)', async () => {
    const sim = await setup()
    const timelock = await lateRedeemLost(sim)
    await run(sim, { maxBlocks: 20, active: (who, height) => who === 'taker' && height + 1n >= timelock })
    expect((await locksOf(sim)).takerLock?.state).toBe('refunded')
    const back = await sim.maker.driver.advance(sim.id)
    expect(back.status.state).toBe('Expired')
    expect(back.status.steps.map((s) => s.state)).toEqual([
      'Open',
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Expired',
    ])
    expect(back.action).toEqual({ kind: 'done' })
    expect(back.sent).toEqual([])
  })

  it('the taker away after the maker redeemed, back only after the maker lock timelock: its swap ends Expired and is done, whether the maker refunded or not', async () => {
    const sim = await setup()
    const before = await balances(sim)
    // The taker's node goes away just before the maker's redeem, and both are away from then on.
    for (let i = 0; i < 40; i++) {
      if ((await sim.maker.driver.advance(sim.id)).action.kind === 'redeem') break
      await sim.taker.driver.advance(sim.id)
      sim.chain.mine()
    }
    sim.chain.mine()
    expect((await locksOf(sim)).takerLock?.state).toBe('redeemed')
    const makerLock = (await locksOf(sim)).makerLock
    if (makerLock === null) throw new Error('the maker did not lock')
    while (sim.chain.height + 1n < makerLock.timelockHeight) sim.chain.mine()
    // Past the maker lock timelock, still locked (the maker's watchtower was away too): nothing can
    // bring the taker its side any more.
    expect((await locksOf(sim)).makerLock?.state).toBe('locked')
    const late = await sim.taker.driver.advance(sim.id)
    expect(late.status.state).toBe('Expired')
    expect(late.action).toEqual({ kind: 'done' })
    // The maker, back, refunds its lock; the taker's swap stays Expired.
    expect((await sim.maker.driver.advance(sim.id)).action.kind).toBe('refund')
    sim.chain.mine()
    expect(await stateOf(sim, 'maker')).toBe('Refunded')
    // Watched (a reorg may take the refund out) until deeper than the chain's deepest reorg, then done.
    for (let i = 1; i < FINAL; i++) {
      const after = await sim.taker.driver.advance(sim.id)
      expect(after.status.state).toBe('Expired')
      expect(after.action).toEqual({ kind: 'wait', reason: 'settled: waiting for confirmations' })
      sim.chain.mine()
    }
    expect((await sim.taker.driver.advance(sim.id)).action).toEqual({ kind: 'done' })
    expect(await balances(sim)).toEqual({
      ...before,
      makerB: before.makerB + sim.terms.amountB,
      takerB: before.takerB - sim.terms.amountB,
    })
    await expectConserved(sim)
  })

  it('the taker vanishes after locking: the maker redeems, then its watchtower redeems its own lock for the taker', async () => {
    const sim = await setup()
    const before = await balances(sim)
    let gone = false
    const watch: StepResult[] = []
    await run(sim, {
      maxBlocks: 80,
      active: (who, _height, last) => {
        if (last.maker?.action.kind === 'redeem' && last.maker.action.watchtower) watch.push(last.maker)
        if (who === 'maker') return true
        if (last.taker?.status.state === 'TakerLocked') gone = true
        return !gone
      },
    })
    expect(watch.length).toBeGreaterThan(0)
    const lock = watch[0]?.action
    expect(lock?.kind === 'redeem' && lock.watchtower).toBe(true)
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    // The taker's node, back, finds its swap completed without doing anything.
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    expect((await sim.taker.driver.step(sim.id)).action.kind).toBe('done')
    await expectSwapped(sim, before)
  })

  it('a step before the next block finds its lock pending in the pool and waits on it, signing nothing', async () => {
    const sim = await setup()
    const lock = await sim.maker.driver.advance(sim.id)
    expect(lock.action.kind).toBe('lock')
    const again = await sim.maker.driver.advance(sim.id)
    expect(again).toMatchObject({ action: { kind: 'wait', reason: 'lock transaction pending' }, sent: [] })
    const mine = sim.maker.signer.address.toLowerCase()
    expect((await sim.chain.pendingTransactions()).filter((t) => t.from === mine).map((t) => t.hash)).toEqual(
      lock.sent,
    )
  })

  it(`a maker whose lock reverts (its tokens gone since the take) signs it again, and after ${MAX_ATTEMPTS} reverts cancels the swap: LOCK_FAILED`, async () => {
    const sim = await setup()
    // The maker's whole APPLE supply leaves for a third account before it locks: every lock reverts.
    const all = await sim.chain.balance(sim.A, sim.maker.signer.address)
    const gone = [testSigner(3).address, all] as const
    await makerCall(sim, sim.A, encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: gone }))
    const locks: Hex[] = []
    for (let i = 0; i < 20 && (await stateOf(sim, 'maker')) !== 'Cancelled'; i++) {
      const step = await sim.maker.driver.advance(sim.id)
      if (step.action.kind === 'lock') locks.push(...step.sent)
      sim.chain.mine()
    }
    expect(await stateOf(sim, 'maker')).toBe('Cancelled')
    const events = await sim.maker.repo.getSwapEvents(sim.id)
    expect(events.at(-1)?.event).toEqual({
      kind: 'cancelled',
      reason: { code: 'LOCK_FAILED', attempts: MAX_ATTEMPTS },
    })
    // The approval once (the reverted lock left it in place), then the lock each attempt: all mined, every lock reverted.
    const receipts = await Promise.all(locks.map((hash) => sim.chain.receipt(hash)))
    expect(receipts.map((r) => r?.status)).toEqual(['success', ...Array(MAX_ATTEMPTS).fill('reverted')])
  })

  it('a lock is one transaction when no approval is needed: the native coin (carrying the amount), or a token already approved for exactly the amount', async () => {
    const sim = await setup()
    const lockOf = async (terms: SwapTerms) => {
      await sim.maker.driver.start(terms)
      const step = await sim.maker.driver.advance(terms.offerId)
      expect(step.action.kind).toBe('lock')
      expect(step.sent).toHaveLength(1)
      const tx = await sim.chain.transaction(step.sent[0] as Hex)
      sim.chain.mine()
      return tx
    }
    const coin = termsFor(sim.chain, sim.maker, sim.taker, ZERO_ADDRESS, sim.B, 'offer-native')
    expect(await lockOf(coin)).toMatchObject({ to: HTLC_ADDRESS, value: coin.amountA })

    const approved = [HTLC_ADDRESS, 100n] as const
    await makerCall(
      sim,
      sim.A,
      encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: approved }),
    )
    const token = termsFor(sim.chain, sim.maker, sim.taker, sim.A, sim.B, 'offer-approved', 100n)
    expect(await lockOf(token)).toMatchObject({ to: HTLC_ADDRESS, value: 0n })
  })

  it("a refund is signed though another swap's lock of ours waits in the pool (only the same call counts as already out)", async () => {
    const sim = await setup()
    const lock = await sim.maker.driver.advance(sim.id)
    expect(lock.action.kind).toBe('lock')
    sim.chain.mine()
    const timelock = (await locksOf(sim)).makerLock?.timelockHeight
    if (timelock === undefined) throw new Error('the maker never locked')
    // The taker never locks. Just before the maker's timelock, the maker locks in another swap, unmined.
    while (sim.chain.height + 2n < timelock) sim.chain.mine()
    const other = termsFor(sim.chain, sim.maker, sim.taker, sim.A, sim.B, 'offer-2')
    await sim.maker.driver.start(other)
    const pooled = (await sim.maker.driver.advance(other.offerId)).sent
    expect(pooled.length).toBeGreaterThan(0)
    let refund: StepResult | null = null
    for (let i = 0; i < 10 && refund === null; i++, sim.chain.mine([])) {
      const step = await sim.maker.driver.advance(sim.id)
      if (step.action.kind === 'refund') refund = step
    }
    expect(refund?.sent).toHaveLength(1)
    const tx = await sim.chain.transaction(refund?.sent[0] as Hex)
    expect(pooled).not.toContain(tx?.hash)
    expect(decodeFunctionData({ abi: htlcAbi, data: tx?.input ?? '0x' }).functionName).toBe('refund')
  })

  it('reads the logs from the take to the head in ranges of 10,000 blocks, each block once', async () => {
    const sim = await setup()
    const from = sim.terms.acceptedHeight
    const ranges: (bigint | undefined)[][] = []
    // The real chain, but 20,000 blocks on since the take and no logs there.
    const far: SwapChain = {
      ...new Faults(0, 'before').wrap().chain(sim.chain),
      head: async () => ({ number: from + 20_000n }),
      logs: async (q) => {
        ranges.push([q.fromBlock, q.toBlock])
        return []
      },
    }
    await driverFor(far, sim.maker.signer, sim.maker.repo).status(sim.id)
    expect(ranges).toEqual([
      [from, from + 9_999n],
      [from + 10_000n, from + 19_999n],
      [from + 20_000n, from + 20_000n],
    ])
  })

  it("a maker's start cut short after its `opened` record (tab closed, storage refused) completes when started again", async () => {
    const sim = await setup()
    const terms = termsFor(sim.chain, sim.maker, sim.taker, sim.A, sim.B, 'offer-2')
    const opened = { kind: 'opened', offerId: terms.offerId } as const
    await sim.maker.repo.appendSwapEvent({ swapId: terms.offerId, seq: 0, event: opened })
    expect(await sim.maker.driver.start(terms)).toBe(terms.offerId)
    expect(await sim.maker.repo.getSwapEvents(terms.offerId)).toMatchObject([
      { seq: 0, event: opened },
      { seq: 1, event: { kind: 'accepted', role: 'maker' } },
    ])
    expect((await sim.maker.driver.status(terms.offerId)).status.state).toBe('Accepted')
  })

  it.each([
    ['amount', { amountA: 99n }],
    ['token', { otherToken: true }],
    ['timelock', { makerTimelockBlocks: MAKER_BLOCKS }],
  ] as const)(
    'a maker lock whose %s differs from the terms: the taker refuses to lock',
    async (field, lie) => {
      const chain = new TestChain()
      const maker = await party(chain, 1)
      const taker = await party(chain, 2)
      const A = await createToken(chain, maker.signer, 'APPLE')
      const C = await createToken(chain, maker.signer, 'CHERRY')
      const B = await createToken(chain, taker.signer, 'BANANA')
      // The taker agreed to a longer maker timelock than the lying maker uses.
      const terms = { ...termsFor(chain, maker, taker, A, B), makerTimelockBlocks: MAKER_BLOCKS + 10n }
      const told: SwapTerms = {
        ...terms,
        ...('amountA' in lie ? { amountA: lie.amountA } : {}),
        ...('otherToken' in lie ? { tokenA: C } : {}),
        ...('makerTimelockBlocks' in lie ? { makerTimelockBlocks: lie.makerTimelockBlocks } : {}),
      }
      await maker.driver.start(told)
      await taker.driver.start(terms)
      const takerB = await chain.balance(B, taker.signer.address)
      let refusal: StepResult | undefined
      for (let i = 0; i < 10 && refusal === undefined; i++) {
        await maker.driver.advance(terms.offerId)
        const r = await taker.driver.step(terms.offerId)
        if (r.action.kind === 'record') refusal = r
        chain.mine()
      }
      const action = refusal?.action
      expect(
        action?.kind === 'record' && action.event.kind === 'cancelled' && action.event.reason,
      ).toMatchObject({
        code: 'LOCK_MISMATCH',
        field,
      })
      const status = await taker.driver.status(terms.offerId)
      expect(status.status.state).toBe('Cancelled')
      expect((await taker.driver.step(terms.offerId)).action.kind).toBe('done')
      expect(await chain.balance(B, taker.signer.address)).toBe(takerB)
    },
  )
})

describe('refused calls store, sign and send nothing', () => {
  it('start refuses a maker secret that does not match the hashlock, and an account that is not a party', async () => {
    const sim = await setup()
    const terms = termsFor(sim.chain, sim.maker, sim.taker, sim.A, sim.B, 'offer-2')
    await expect(sim.maker.driver.start({ ...terms, hashlock: keccak256('0x01') })).rejects.toMatchObject({
      type: { code: 'SWAP_WRONG_SECRET', swapId: terms.offerId },
    })
    const stranger = await party(sim.chain, 3)
    await expect(stranger.driver.start(terms)).rejects.toMatchObject({
      type: { code: 'SWAP_NOT_A_PARTY', swapId: terms.offerId, account: stranger.signer.address },
    })
    expect(await sim.maker.driver.ids()).toEqual([sim.id])
    expect(await stranger.driver.ids()).toEqual([])
    // Nothing of the refused start was kept: the right terms start afresh.
    expect(await sim.maker.driver.start(terms)).toBe(terms.offerId)
  })

  it.each(['maker', 'taker'] as const)(
    'starting a stored swap again (%s): the same terms are a no-op, other terms SWAP_EXISTS',
    async (who) => {
      const sim = await setup()
      const before = await sim[who].repo.getSwapEvents(sim.id)
      expect(await sim[who].driver.start(sim.terms)).toBe(sim.id)
      await expect(
        sim[who].driver.start({ ...sim.terms, amountB: sim.terms.amountB + 1n }),
      ).rejects.toMatchObject({ type: { code: 'SWAP_EXISTS', swapId: sim.id } })
      expect(await sim[who].repo.getSwapEvents(sim.id)).toEqual(before)
    },
  )

  it("another wallet on a maker's profile taking its own offer, the maker's start cut short after `opened`: SWAP_EXISTS, nothing stored, and the maker's start still completes", async () => {
    const sim = await setup()
    const terms = termsFor(sim.chain, sim.maker, sim.taker, sim.A, sim.B, 'offer-2')
    const opened = { kind: 'opened', offerId: terms.offerId } as const
    await sim.maker.repo.appendSwapEvent({ swapId: terms.offerId, seq: 0, event: opened })
    const before = await sim.maker.repo.getSwapEvents(terms.offerId)
    // The taker's wallet, unlocked on the maker's profile, starts the taker's side there.
    const taker = driverFor(sim.chain, sim.taker.signer, sim.maker.repo)
    await expect(taker.start(terms)).rejects.toMatchObject({
      type: { code: 'SWAP_EXISTS', swapId: terms.offerId },
    })
    expect(await sim.maker.repo.getSwapEvents(terms.offerId)).toEqual(before)
    expect(await sim.maker.driver.start(terms)).toBe(terms.offerId)
    expect((await sim.maker.driver.status(terms.offerId)).status.state).toBe('Accepted')
  })

  it(`a decision storage acknowledges but does not keep: the advance stops after ${MAX_STEPS_PER_ADVANCE} steps with SWAP_STEPS_EXCEEDED, nothing signed or sent; kept, it is recorded at the next advance`, async () => {
    const sim = await setup()
    // The maker's lock window passes: its next step records the swap Expired.
    for (let i = 0n; i <= LOCK_WINDOW_BLOCKS; i++) sim.chain.mine()
    const before = await sim.maker.repo.getSwapEvents(sim.id)
    let appends = 0
    const lossy: SwapRepository = {
      appendSwapEvent: async () => {
        // The fake's own bound: without the driver's, its loop (all microtasks) would let no timer fire.
        if (++appends > 1_000) throw new Error('the driver kept appending the same record')
      },
      getSwapEvents: (id) => sim.maker.repo.getSwapEvents(id),
      swapIds: () => sim.maker.repo.swapIds(),
    }
    let signed = 0
    const signer: SwapSigner = {
      ...sim.maker.signer,
      signTransaction: (tx, priced) => {
        signed++
        return sim.maker.signer.signTransaction(tx, priced)
      },
    }
    await expect(driverFor(sim.chain, signer, lossy).advance(sim.id)).rejects.toMatchObject({
      type: { code: 'SWAP_STEPS_EXCEEDED', swapId: sim.id, steps: MAX_STEPS_PER_ADVANCE },
    })
    expect(appends).toBe(MAX_STEPS_PER_ADVANCE)
    expect(signed).toBe(0)
    expect(await sim.maker.repo.getSwapEvents(sim.id)).toEqual(before)
    expect(await sim.chain.pendingTransactions()).toEqual([])
    const kept = await sim.maker.driver.advance(sim.id)
    expect(kept.status.state).toBe('Expired')
    expect(await sim.maker.repo.getSwapEvents(sim.id)).toHaveLength(before.length + 1)
  })

  it('a swap not stored, or stored for another account, is refused: SWAP_UNKNOWN, SWAP_NOT_A_PARTY', async () => {
    const sim = await setup()
    const before = await sim.maker.repo.getSwapEvents(sim.id)
    const unknown = keccak256('0x02')
    for (const call of [() => sim.maker.driver.step(unknown), () => sim.maker.driver.status(unknown)])
      await expect(call()).rejects.toMatchObject({ type: { code: 'SWAP_UNKNOWN', swapId: unknown } })
    // Another wallet unlocked on the maker's profile.
    const other = testSigner(3)
    const driver = driverFor(sim.chain, other, sim.maker.repo)
    for (const call of [() => driver.step(sim.id), () => driver.status(sim.id)])
      await expect(call()).rejects.toMatchObject({
        type: { code: 'SWAP_NOT_A_PARTY', swapId: sim.id, account: other.address },
      })
    expect(await sim.maker.driver.ids()).toEqual([sim.id])
    expect(await sim.maker.repo.getSwapEvents(sim.id)).toEqual(before)
    expect(await sim.chain.pendingTransactions()).toEqual([])
  })

  it.each([
    [3, { kind: 'cancelled', reason: { code: 'WITHDRAWN' } }, 'event 2 is missing'],
    [2, { kind: 'bogus' }, 'event 2 has no known kind'],
  ])('a stored record this code did not write (seq %i, %o) is SWAP_CORRUPT', async (seq, event, reason) => {
    const sim = await setup()
    await sim.maker.repo.appendSwapEvent({ swapId: sim.id, seq, event })
    const before = await sim.maker.repo.getSwapEvents(sim.id)
    for (const call of [() => sim.maker.driver.step(sim.id), () => sim.maker.driver.status(sim.id)])
      await expect(call()).rejects.toMatchObject({ type: { code: 'SWAP_CORRUPT', swapId: sim.id, reason } })
    expect(await sim.maker.repo.getSwapEvents(sim.id)).toEqual(before)
    expect(await sim.chain.pendingTransactions()).toEqual([])
  })
})

class Crash extends Error {}

/** Counts the side effects of both parties (appends, signatures, broadcasts) and crashes at one of them. */
class Faults {
  armed = false
  ops = 0
  constructor(
    readonly crashAt: number,
    readonly when: 'before' | 'after',
  ) {}

  async op<T>(effect: () => Promise<T>): Promise<T> {
    if (!this.armed) return effect()
    const i = this.ops++
    if (i === this.crashAt && this.when === 'before') throw new Crash(`crash before op ${i}`)
    const out = await effect()
    if (i === this.crashAt && this.when === 'after') throw new Crash(`crash after op ${i}`)
    return out
  }

  wrap(): Wrap {
    return {
      chain: (c) => ({
        head: () => c.head(),
        header: (n) => c.header(n),
        logs: (q) => c.logs(q),
        transaction: (h) => c.transaction(h),
        receipt: (h) => c.receipt(h),
        account: (a) => c.account(a),
        pendingNonce: (a) => c.pendingNonce(a),
        fees: () => c.fees(),
        pendingCalls: (to, from) => c.pendingCalls(to, from),
        tokenAllowance: (t, o, s) => c.tokenAllowance(t, o, s),
        sendRawTransaction: (raw) => this.op(() => c.sendRawTransaction(raw)),
      }),
      repo: (r) => ({
        appendSwapEvent: (row, o) => this.op(() => r.appendSwapEvent(row, o)),
        getSwapEvents: (id) => r.getSwapEvents(id),
        swapIds: () => r.swapIds(),
      }),
      signer: (s) => ({
        ...s,
        signTransaction: (tx, priced) => this.op(() => s.signTransaction(tx, priced)),
      }),
    }
  }
}

describe('crash and resume at every step', () => {
  /** One swap where op `crashAt` crashes its node, which then stays down for `downBlocks` blocks. */
  async function crashRun(crashAt: number, when: 'before' | 'after', downBlocks = 0n) {
    const faults = new Faults(crashAt, when)
    const sim = await setup(faults.wrap())
    const before = await balances(sim)
    faults.armed = true
    let crashes = 0
    const down: Partial<Record<Who, bigint>> = {}
    await run(sim, {
      maxBlocks: 150,
      active: (who, height) => (down[who] ?? -1n) < height,
      onError: (who, e) => {
        if (!(e instanceof Crash)) return false
        crashes++
        down[who] = sim.chain.height + downBlocks
        return true
      },
    })
    return { sim, before, crashes, ops: faults.ops }
  }

  it('every swap ends Completed on both sides, balances conserved, wherever a node stops', async () => {
    const clean = await crashRun(-1, 'before')
    expect(clean.crashes).toBe(0)
    // Happy path side effects: maker lock (approve + lock: 2 signatures, 1 append, 2 broadcasts), taker
    // lock (the same), maker redeem and taker redeem (1 signature, 1 append, 1 broadcast each).
    expect(clean.ops).toBe(16)
    for (const when of ['before', 'after'] as const) {
      for (let at = 0; at < clean.ops; at++) {
        const { sim, before, crashes } = await crashRun(at, when)
        expect(crashes, `${when} op ${at}`).toBe(1)
        expect([await stateOf(sim, 'maker'), await stateOf(sim, 'taker')], `${when} op ${at}`).toEqual([
          'Completed',
          'Completed',
        ])
        await expectSwapped(sim, before)
      }
    }
  }, 300_000)

  it('a node down 5 blocks after crashing: both Completed, or the maker Refunded and the taker Refunded or Expired (back too late to lock); nothing lost', async () => {
    const seen = new Set<string>()
    for (const when of ['before', 'after'] as const) {
      for (let at = 0; at < 16; at++) {
        const { sim, before, crashes } = await crashRun(at, when, 5n)
        expect(crashes, `${when} op ${at}`).toBe(1)
        const states = [await stateOf(sim, 'maker'), await stateOf(sim, 'taker')]
        seen.add(states.join('/'))
        await expectConserved(sim)
        if (states[0] === 'Completed' && states[1] === 'Completed') await expectSwapped(sim, before)
        else {
          expect(states[0], `${when} op ${at}`).toBe('Refunded')
          expect(['Refunded', 'Expired'], `${when} op ${at}`).toContain(states[1])
          expect(await balances(sim), `${when} op ${at}`).toEqual(before)
        }
      }
    }
    // Each kind of ending happens at some crash point, so every branch above is exercised.
    expect([...seen].sort()).toEqual(['Completed/Completed', 'Refunded/Expired', 'Refunded/Refunded'])
  }, 300_000)
})

/** The canonical block holding an HTLC `Locked` log, if any (read synchronously from the chain). */
function lockBlock(sim: Sim): bigint | null {
  for (let n = sim.chain.height; n > 0n; n--) {
    const b = sim.chain.chain.getBlockByNumber(n)
    if (b?.receipts.some((r) => r.logs.some((l) => l.topics[0] === LOCKED_TOPIC))) return n
  }
  return null
}

describe('a full disk', () => {
  /** Storage that refuses every swap record once `full[who]` is set (a full quota); signatures counted. */
  function fullDisk(full: Record<Who, boolean>, signed: Record<Who, number>): Wrap {
    const repos: Who[] = ['maker', 'taker']
    const signers: Who[] = ['maker', 'taker']
    return {
      chain: (c) => c,
      repo: (r) => {
        const who = repos.shift() as Who
        return {
          appendSwapEvent: (row, o) =>
            full[who]
              ? Promise.reject(new StorageError({ code: 'STORAGE_QUOTA_EXCEEDED' }))
              : r.appendSwapEvent(row, o),
          getSwapEvents: (id) => r.getSwapEvents(id),
          swapIds: () => r.swapIds(),
        }
      },
      signer: (s) => {
        const who = signers.shift() as Who
        return {
          ...s,
          signTransaction: (tx, priced) => {
            signed[who]++
            return s.signTransaction(tx, priced)
          },
        }
      },
    }
  }

  it.each(['maker', 'taker'] as const)(
    'the %s, its storage full once both locks are in, still redeems, and signs it once: both Completed',
    async (who) => {
      const full = { maker: false, taker: false }
      const signed = { maker: 0, taker: 0 }
      const sim = await setup(fullDisk(full, signed))
      const before = await balances(sim)
      const refused: unknown[] = []
      let blocks = 0
      const done = { maker: false, taker: false }
      for (; blocks < 40 && !(done.maker && done.taker); blocks++, sim.chain.mine()) {
        for (const p of ['maker', 'taker'] as const) {
          try {
            const step = await sim[p].driver.advance(sim.id)
            done[p] = step.action.kind === 'done'
            if (step.status.state === 'TakerLocked') full[who] = true
          } catch (e) {
            refused.push(e)
            // The redeem went out unrecorded; a pass before the next block (a head, or our own redeem
            // seen in the pool) signs nothing more.
            const signatures = signed[p]
            const again = await sim[p].driver.advance(sim.id)
            expect(signed[p]).toBe(signatures)
            const mine = sim[p].signer.address.toLowerCase()
            const ours = (await sim.chain.pendingTransactions()).filter((t) => t.from === mine)
            expect(ours).toHaveLength(1)
            // The maker's engine waits on its redeem in the pool as on a stored one; the taker's driver
            // finds it there when about to sign.
            expect(again.sent).toEqual(p === 'maker' ? [] : [ours[0]?.hash])
          }
        }
      }
      expect(refused.length).toBeGreaterThan(0)
      expect(
        refused.every((e) => e instanceof StorageError && e.type.code === 'STORAGE_QUOTA_EXCEEDED'),
      ).toBe(true)
      await expectSwapped(sim, before)
      // As soon as on a disk with room (the happy path's bound): not the maker's watchtower, near its
      // timelock, redeeming for a taker that could not.
      expect(blocks).toBeLessThan(20)
      const redeems = (
        await sim.chain.queries.logs({ address: HTLC_ADDRESS, fromBlock: 0n, toBlock: sim.chain.height })
      ).filter((l) => l.topics[0] === REDEEMED_TOPIC)
      expect(redeems).toHaveLength(2)
    },
  )

  it('a lock whose record storage refuses is never broadcast: the step throws and the pool holds nothing of the maker', async () => {
    const full = { maker: false, taker: false }
    const sim = await setup(fullDisk(full, { maker: 0, taker: 0 }))
    full.maker = true
    await expect(sim.maker.driver.advance(sim.id)).rejects.toMatchObject({
      type: { code: 'STORAGE_QUOTA_EXCEEDED' },
    })
    const mine = sim.maker.signer.address.toLowerCase()
    expect((await sim.chain.pendingTransactions()).filter((t) => t.from === mine)).toEqual([])
  })

  it("in a pool of over 200 transactions of others tipping more: the maker's unrecorded redeem is found there and not signed again, the taker takes the secret from it before any block, and its own unrecorded redeem is not signed again either; both Completed", async () => {
    const full = { maker: false, taker: false }
    const signed = { maker: 0, taker: 0 }
    const sim = await setup(fullDisk(full, signed), new TestChain(CROWDED_GENESIS))
    const before = await balances(sim)
    const ours = (who: Who) => sim.chain.mempool.all().filter((t) => t.from === sim[who].signer.address)
    // Both lock; the maker's storage fills once it sees the taker's lock: its redeem goes out unrecorded.
    let refused: unknown = null
    for (let i = 0; i < 40 && refused === null; i++) {
      await sim.taker.driver.advance(sim.id)
      try {
        if ((await sim.maker.driver.advance(sim.id)).status.state === 'TakerLocked') full.maker = true
        sim.chain.mine()
      } catch (e) {
        refused = e
      }
    }
    expect(refused).toBeInstanceOf(StorageError)
    const [redeem] = ours('maker')
    if (redeem === undefined) throw new Error('the maker sent no redeem')
    const lockId = (await locksOf(sim)).takerLock?.id
    // 240 transfers of others tipping twice the steps' 1 gwei: the redeem is past the 200 listed.
    await crowd(sim.chain, 240, 2n * GWEI)
    expect((await sim.chain.pendingTransactions()).map((t) => t.hash)).not.toContain(redeem.hash)

    // The maker's next pass finds its redeem in the pool: it waits on it, signing nothing.
    const makerSignatures = signed.maker
    const again = await sim.maker.driver.advance(sim.id)
    expect(again).toMatchObject({ action: { kind: 'wait' }, sent: [] })
    expect(signed.maker).toBe(makerSignatures)
    expect(await sim.maker.driver.pooledRedeems(sim.terms)).toEqual([lockId])
    expect(ours('maker')).toEqual([redeem])

    // The taker, its storage full too, reads the secret from that redeem before any block and redeems
    // unrecorded; its next pass finds its redeem in the pool and signs nothing.
    full.taker = true
    const takerSignatures = signed.taker
    await expect(sim.taker.driver.advance(sim.id)).rejects.toBeInstanceOf(StorageError)
    expect(signed.taker).toBe(takerSignatures + 1)
    const [takerRedeem] = ours('taker')
    const takerAgain = await sim.taker.driver.advance(sim.id)
    expect(takerAgain.sent).toEqual([takerRedeem?.hash])
    expect(signed.taker).toBe(takerSignatures + 1)
    expect(ours('taker')).toEqual([takerRedeem])

    // Mined in the next block, both: the swap completes, each redeem signed once.
    full.maker = false
    full.taker = false
    sim.chain.mine()
    const redeems = (
      await sim.chain.queries.logs({
        address: HTLC_ADDRESS,
        fromBlock: sim.chain.height,
        toBlock: sim.chain.height,
      })
    ).filter((l) => l.topics[0] === REDEEMED_TOPIC)
    expect(redeems).toHaveLength(2)
    await run(sim, { maxBlocks: 40 })
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    expect([signed.maker, signed.taker]).toEqual([makerSignatures, takerSignatures + 1])
    await expectSwapped(sim, before)
  })
})

describe('reorgs', () => {
  it("a reorg that takes the maker's lock out before k confirmations: the taker never saw it confirmed, the lock is mined again and the swap completes", async () => {
    const sim = await setup()
    const before = await balances(sim)
    let reorged = false
    let lockOutAfterReorg = false
    let takerLockedBeforeReorg = false
    await run(sim, {
      maxBlocks: 60,
      active: (_who, height, last) => {
        const at = lockBlock(sim)
        if (!reorged && at !== null && last.maker?.status.state === 'MakerLocked') {
          takerLockedBeforeReorg = last.taker?.status.state === 'TakerLocked'
          // Replace every block from the lock's on with a heavier empty branch.
          sim.chain.reorg(Number(height - at + 1n))
          lockOutAfterReorg = lockBlock(sim) === null
          reorged = true
        }
        return true
      },
    })
    expect(reorged).toBe(true)
    expect(lockOutAfterReorg).toBe(true)
    expect(takerLockedBeforeReorg).toBe(false)
    expect(await stateOf(sim, 'maker')).toBe('Completed')
    expect(await stateOf(sim, 'taker')).toBe('Completed')
    await expectSwapped(sim, before)
  })
})
