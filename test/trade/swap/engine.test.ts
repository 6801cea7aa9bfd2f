import { type Address, type Hex, keccak256, serializeTransaction, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { HTLC_ADDRESS } from '../../../src/node/contracts/addresses'
import { LOCKED_TOPIC, REDEEMED_TOPIC, REFUNDED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import { PRICE_BUMP_PERCENT } from '../../../src/node/mempool/mempool'
import type { LogRecord } from '../../../src/node/storage/types'
import {
  keptBlocks,
  type ObservedLock,
  openLockRead,
  openLocks,
  type SwapChainView,
  settledLocks,
  settledView,
  type TxState,
} from '../../../src/trade/swap/chain-view'
import {
  decide,
  type EngineInput,
  isSettled,
  MAX_ATTEMPTS,
  REPLACE_AFTER_BLOCKS,
  SETTLED_WAIT,
  WAITS_FOR_SECRET,
} from '../../../src/trade/swap/engine'
import { maxStepFees, replacementFees, type StepFees } from '../../../src/trade/swap/fees'
import type { SentTx, SwapEvent } from '../../../src/trade/swap/state'
import {
  LOCK_WINDOW_BLOCKS,
  REDEEM_MARGIN_BLOCKS,
  type SwapTerms,
  WATCHTOWER_BLOCKS,
} from '../../../src/trade/swap/terms'

const MAKER: Address = '0x00000000000000000000000000000000000000a1'
const TAKER: Address = '0x00000000000000000000000000000000000000b2'
const SECRET: Hex = keccak256(stringToHex('secret'))
const terms: SwapTerms = {
  chainId: 31416,
  offerId: keccak256(stringToHex('offer')),
  maker: MAKER,
  taker: TAKER,
  tokenA: '0x00000000000000000000000000000000000000aa',
  amountA: 100n,
  tokenB: '0x00000000000000000000000000000000000000bb',
  amountB: 250n,
  makerTimelockBlocks: 31n,
  takerTimelockBlocks: 12n,
  hashlock: keccak256(stringToHex('hashlock')),
  acceptedHeight: 100n,
}

function lock(side: 'maker' | 'taker', over: Partial<ObservedLock> = {}): ObservedLock {
  return {
    id: keccak256(stringToHex(side)),
    sender: side === 'maker' ? MAKER : TAKER,
    recipient: side === 'maker' ? TAKER : MAKER,
    token: side === 'maker' ? terms.tokenA : terms.tokenB,
    amount: side === 'maker' ? terms.amountA : terms.amountB,
    hashlock: terms.hashlock,
    timelockHeight: side === 'maker' ? 132n : 117n,
    lockedAt: side === 'maker' ? 101n : 105n,
    state: 'locked',
    preimage: null,
    settledAt: null,
    ...over,
  }
}

const GWEI = 10n ** 9n
/** A transaction in the pool signed as a step is at a base fee of 1 gwei. */
const PENDING: TxState = { kind: 'pending', maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI }

const accepted: SwapEvent = { kind: 'accepted', terms, role: 'maker' }
const takerAccepted: SwapEvent = { kind: 'accepted', terms, role: 'taker' }
const opened: SwapEvent = { kind: 'opened', offerId: terms.offerId }

function input(
  role: 'maker' | 'taker',
  view: Partial<SwapChainView>,
  over: Partial<EngineInput> = {},
): EngineInput {
  return {
    role,
    terms,
    stored: role === 'maker' ? [opened, accepted] : [takerAccepted],
    view: {
      head: 100n,
      makerLock: null,
      takerLock: null,
      nonce: 5n,
      fees: { nextBaseFee: GWEI, suggestedTip: GWEI },
      txs: new Map(),
      pendingPreimage: null,
      redeemsOut: new Map(),
      ...view,
    },
    confirmations: 3,
    maxReorgDepth: 4,
    secret: role === 'maker' ? SECRET : null,
    watchtower: true,
    ...over,
  }
}

describe('swap engine decisions (pure)', () => {
  it('maker locks first, with the longer timelock counted from the next block', () => {
    expect(decide(input('maker', {})).action).toEqual({
      kind: 'lock',
      call: {
        token: terms.tokenA,
        amount: 100n,
        recipient: TAKER,
        hashlock: terms.hashlock,
        timelockHeight: 132n,
      },
    })
  })

  it('taker waits for k confirmations of a matching maker lock, then locks with its shorter timelock', () => {
    expect(decide(input('taker', { head: 102n, makerLock: lock('maker') })).action.kind).toBe('wait')
    expect(decide(input('taker', { head: 103n, makerLock: lock('maker') })).action).toEqual({
      kind: 'lock',
      call: {
        token: terms.tokenB,
        amount: 250n,
        recipient: MAKER,
        hashlock: terms.hashlock,
        timelockHeight: 116n,
      },
    })
  })

  it('taker gives up when no maker lock came within the lock window, or the maker lock expires too soon', () => {
    const late = terms.acceptedHeight + LOCK_WINDOW_BLOCKS
    expect(decide(input('taker', { head: late - 1n })).action.kind).toBe('wait')
    expect(decide(input('taker', { head: late })).action).toEqual({
      kind: 'record',
      event: { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } },
    })
    // Maker lock ends at 132; locking at 110 would end at 123 and need until 135 to redeem safely.
    expect(decide(input('taker', { head: 109n, makerLock: lock('maker') })).action).toEqual({
      kind: 'record',
      event: {
        kind: 'expired',
        reason: { code: 'MAKER_LOCK_TOO_CLOSE', timelockHeight: 132n, needed: 134n },
      },
    })
  })

  it('taker locks at the last head whose lock leaves it a whole taker timelock to redeem the maker lock, not one after', () => {
    // Locking at next = head + 1 ends our lock at next + 12; redeeming after it needs until next + 24.
    const last = 132n - 2n * terms.takerTimelockBlocks - 1n
    expect(decide(input('taker', { head: last, makerLock: lock('maker') })).action).toMatchObject({
      kind: 'lock',
      call: { timelockHeight: last + 1n + terms.takerTimelockBlocks },
    })
    expect(decide(input('taker', { head: last + 1n, makerLock: lock('maker') })).action).toEqual({
      kind: 'record',
      event: {
        kind: 'expired',
        reason: { code: 'MAKER_LOCK_TOO_CLOSE', timelockHeight: 132n, needed: 133n },
      },
    })
  })

  it('taker takes a maker lock ending exactly at the agreed timelock, and refuses one ending a block sooner', () => {
    const agreed = terms.acceptedHeight + terms.makerTimelockBlocks
    const exact = lock('maker', { timelockHeight: agreed })
    expect(decide(input('taker', { head: 103n, makerLock: exact })).action.kind).toBe('lock')
    const short = lock('maker', { timelockHeight: agreed - 1n })
    const d = decide(input('taker', { head: 103n, makerLock: short }))
    expect(d.action).toEqual({
      kind: 'record',
      event: {
        kind: 'cancelled',
        reason: {
          code: 'LOCK_MISMATCH',
          field: 'timelock',
          expected: `>= ${agreed}`,
          got: String(agreed - 1n),
        },
      },
    })
    // A short maker lock is no lock of this swap: the taker's state never reaches MakerLocked.
    expect(d.status.state).not.toBe('MakerLocked')
  })

  it('maker redeems only after k confirmations and while the margin before the taker timelock holds', () => {
    const view = { makerLock: lock('maker'), takerLock: lock('taker') }
    expect(decide(input('maker', { ...view, head: 106n })).action.kind).toBe('wait')
    expect(decide(input('maker', { ...view, head: 107n })).action).toEqual({
      kind: 'redeem',
      lockId: lock('taker').id,
      preimage: SECRET,
      watchtower: false,
    })
    const lastSafe = 117n - REDEEM_MARGIN_BLOCKS - 2n
    expect(decide(input('maker', { ...view, head: lastSafe })).action.kind).toBe('redeem')
    expect(decide(input('maker', { ...view, head: lastSafe + 1n })).action).toMatchObject({ kind: 'wait' })
    // With the wallet locked there is no secret: wait.
    expect(decide(input('maker', { ...view, head: 107n }, { secret: null })).action).toMatchObject({
      kind: 'wait',
      reason: 'the wallet must be unlocked to redeem',
    })
  })

  it('taker redeems with the preimage from the redeemed lock; the state is SecretRevealed', () => {
    const view = {
      head: 109n,
      makerLock: lock('maker'),
      takerLock: lock('taker', { state: 'redeemed', preimage: SECRET, settledAt: 108n }),
    }
    const d = decide(input('taker', view))
    expect(d.status.state).toBe('SecretRevealed')
    expect(d.action).toEqual({
      kind: 'redeem',
      lockId: lock('maker').id,
      preimage: SECRET,
      watchtower: false,
    })
  })

  it('a completed swap dates its secret from the first redeem that showed it, not the second', () => {
    const view = {
      head: 120n,
      makerLock: lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 110n }),
      takerLock: lock('taker', { state: 'redeemed', preimage: SECRET, settledAt: 108n }),
    }
    const steps = decide(input('taker', view)).status.steps
    expect(steps.slice(-2)).toEqual([
      { state: 'SecretRevealed', height: 108n },
      { state: 'Completed', height: 110n },
    ])
  })

  it('a locker refunds from the block where refund is valid (head + 1 = timelock), not one earlier', () => {
    const view = { makerLock: lock('maker'), takerLock: lock('taker') }
    expect(decide(input('taker', { ...view, head: 115n }, { stored: [accepted] })).action.kind).not.toBe(
      'refund',
    )
    expect(decide(input('taker', { ...view, head: 116n })).action).toEqual({
      kind: 'refund',
      lockId: lock('taker').id,
    })
  })

  it('watchtower: the maker redeems its own lock for the taker in the last blocks, only when on', () => {
    const view = {
      makerLock: lock('maker'),
      takerLock: lock('taker', { state: 'redeemed', preimage: SECRET, settledAt: 108n }),
    }
    const near = 132n - WATCHTOWER_BLOCKS - 1n
    expect(decide(input('maker', { ...view, head: near - 1n })).action.kind).toBe('wait')
    expect(decide(input('maker', { ...view, head: near })).action).toEqual({
      kind: 'redeem',
      lockId: lock('maker').id,
      preimage: SECRET,
      watchtower: true,
    })
    expect(decide(input('maker', { ...view, head: near }, { watchtower: false })).action.kind).toBe('wait')
  })

  it('a stored lock that vanished is broadcast again while its nonce is unused, and replaced once it is used', () => {
    const tx = { hash: keccak256(stringToHex('tx')), raw: '0x02' as Hex, nonce: 5n }
    const stored: SwapEvent[] = [
      opened,
      accepted,
      { kind: 'sent', purpose: 'lock', lockId: null, txs: [tx], height: 100n },
    ]
    const unknown = new Map<Hex, TxState>([[tx.hash, { kind: 'unknown' }]])
    expect(decide(input('maker', { txs: unknown }, { stored })).action).toEqual({
      kind: 'rebroadcast',
      purpose: 'lock',
      txs: [tx],
    })
    const pending = new Map<Hex, TxState>([[tx.hash, PENDING]])
    expect(decide(input('maker', { txs: pending }, { stored })).action.kind).toBe('wait')
    expect(decide(input('maker', { txs: unknown, nonce: 6n }, { stored })).action.kind).toBe('lock')
  })

  it(`a lock that reverted ${MAX_ATTEMPTS} times cancels the swap instead of burning more gas`, () => {
    const sent = (i: number): SwapEvent => ({
      kind: 'sent',
      purpose: 'lock',
      lockId: null,
      txs: [{ hash: keccak256(stringToHex(`tx${i}`)), raw: '0x02', nonce: BigInt(i) }],
      height: 100n,
    })
    const txs = new Map<Hex, TxState>(
      [0, 1, 2].map((i) => [keccak256(stringToHex(`tx${i}`)), { kind: 'mined', ok: false }]),
    )
    const two = decide(input('maker', { txs, nonce: 9n }, { stored: [opened, accepted, sent(0), sent(1)] }))
    expect(two.action.kind).toBe('lock')
    const three = decide(
      input('maker', { txs, nonce: 9n }, { stored: [opened, accepted, sent(0), sent(1), sent(2)] }),
    )
    expect(three.action).toEqual({
      kind: 'record',
      event: { kind: 'cancelled', reason: { code: 'LOCK_FAILED', attempts: 3 } },
    })
  })

  it('maker that never locked gives up after the lock window; ends are done', () => {
    // At the window's last head its lock is still sent: mined next, inside the window the taker waits.
    expect(
      decide(input('maker', { head: terms.acceptedHeight + LOCK_WINDOW_BLOCKS - 1n })).action,
    ).toMatchObject({
      kind: 'lock',
    })
    expect(decide(input('maker', { head: terms.acceptedHeight + LOCK_WINDOW_BLOCKS })).action).toEqual({
      kind: 'record',
      event: { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } },
    })
    const expired: SwapEvent = { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } }
    const d = decide(input('maker', { head: 200n }, { stored: [opened, accepted, expired] }))
    expect(d.status.state).toBe('Expired')
    expect(d.action).toEqual({ kind: 'done' })
  })
})

describe('swap engine decisions (pure): branches of a swap off the happy path', () => {
  const sent = (
    purpose: 'lock' | 'redeem',
    lockId: Hex | null,
    name: string,
    nonce: bigint,
    height = 100n,
  ): SwapEvent => ({
    kind: 'sent',
    purpose,
    lockId,
    txs: [{ hash: keccak256(stringToHex(name)), raw: '0x02', nonce }],
    height,
  })
  const txState = (entries: [string, TxState][]) =>
    new Map<Hex, TxState>(entries.map(([name, state]) => [keccak256(stringToHex(name)), state]))

  it.each([
    ['amount', { amount: 249n }],
    // More than agreed is refused too: the terms are exact, not a floor.
    ['amount (more than agreed)', { amount: 251n }],
    ['token', { token: '0x00000000000000000000000000000000000000cc' as Address }],
  ] as const)(
    'maker facing a taker lock whose %s differs: waits (never redeems), then refunds its own lock at its timelock',
    (_field, over) => {
      const view = { makerLock: lock('maker'), takerLock: lock('taker', over) }
      for (const head of [107n, 115n, 130n]) {
        const d = decide(input('maker', { ...view, head }))
        expect(d.status.state).toBe('MakerLocked')
        expect(d.action).toEqual({
          kind: 'wait',
          reason: 'the taker locked other terms: refunding after our timelock',
        })
      }
      expect(decide(input('maker', { ...view, head: 131n })).action).toEqual({
        kind: 'refund',
        lockId: lock('maker').id,
      })
    },
  )

  it('maker facing a taker lock whose timelock runs past its own: redeems only while its own timelock leaves the taker the margin', () => {
    const view = { makerLock: lock('maker'), takerLock: lock('taker', { timelockHeight: 200n }) }
    expect(decide(input('maker', { ...view, head: 107n })).action.kind).toBe('redeem')
    // Own timelock 132: a redeem mined at 128 leaves the taker REDEEM_MARGIN_BLOCKS + 1 blocks.
    const lastSafe = 132n - REDEEM_MARGIN_BLOCKS - 2n
    expect(decide(input('maker', { ...view, head: lastSafe })).action.kind).toBe('redeem')
    expect(decide(input('maker', { ...view, head: lastSafe + 1n })).action).toEqual({
      kind: 'wait',
      reason: 'too late to redeem safely: refunding after our timelock',
    })
    expect(decide(input('maker', { ...view, head: 131n })).action).toEqual({
      kind: 'refund',
      lockId: lock('maker').id,
    })
  })

  it('maker whose own lock the taker redeemed while its redeem was lost: redeems the taker lock up to that lock timelock, inside the margin, with the preimage from the chain', () => {
    // The taker took the secret from the maker's pending redeem; that redeem never got mined.
    const view = {
      makerLock: lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 113n }),
      takerLock: lock('taker'),
    }
    const redeem = { kind: 'redeem', lockId: lock('taker').id, preimage: SECRET, watchtower: false }
    // A redeem mined at 116 is the last the taker lock (ends 117) takes; no unlocked wallet needed.
    expect(decide(input('maker', { ...view, head: 113n })).action).toEqual(redeem)
    expect(decide(input('maker', { ...view, head: 115n }, { secret: null })).action).toEqual(redeem)
    // From the taker lock's timelock on it never can be: the swap ends for the maker, Expired.
    const missed = decide(input('maker', { ...view, head: 116n }))
    expect(missed.status.state).toBe('Expired')
    expect(missed.status.steps.at(-1)).toEqual({ state: 'Expired', height: 117n })
    // Its lock's redeem (113) is watched until deeper than the chain's deepest reorg (4 here), then done.
    expect(missed.action).toEqual({ kind: 'wait', reason: 'settled: waiting for confirmations' })
    expect(decide(input('maker', { ...view, head: 117n })).action).toEqual({ kind: 'done' })
    // The stored redeem, gone from the mempool with its nonce unused, is broadcast again.
    const stored = [
      opened,
      accepted,
      sent('lock', null, 'lock', 4n),
      sent('redeem', lock('taker').id, 'redeem', 5n),
    ]
    const txs = txState([
      ['lock', { kind: 'mined', ok: true }],
      ['redeem', { kind: 'unknown' }],
    ])
    expect(decide(input('maker', { ...view, head: 115n, txs }, { stored })).action).toEqual({
      kind: 'rebroadcast',
      purpose: 'redeem',
      txs: [{ hash: keccak256(stringToHex('redeem')), raw: '0x02', nonce: 5n }],
    })
  })

  it("taker whose own lock came back after it redeemed the maker's (the maker's redeem lost and not sent again in time): Refunded holding both sides, done", () => {
    const view = {
      head: 121n,
      makerLock: lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 113n }),
      takerLock: lock('taker', { state: 'refunded', settledAt: 117n }),
    }
    const d = decide(input('taker', view))
    expect(d.status.steps.map((s) => s.state)).toEqual([
      'Accepted',
      'MakerLocked',
      'TakerLocked',
      'SecretRevealed',
      'Refunded',
    ])
    expect(d.action).toEqual({ kind: 'done' })
  })

  it("a swap settled on chain is done only once its redeems are deeper than the chain's deepest reorg, not at k: a reorg that takes the taker's redeem out before sends it again, or ends the swap Expired once the new branch passes the maker's timelock", () => {
    const makerId = lock('maker').id
    const stored = [
      takerAccepted,
      sent('lock', null, 'lock', 4n),
      sent('redeem', makerId, 'redeem', 5n, 109n),
    ]
    const settled = {
      makerLock: lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 110n }),
      takerLock: lock('taker', { state: 'redeemed', preimage: SECRET, settledAt: 108n }),
      nonce: 6n,
      txs: txState([
        ['lock', { kind: 'mined', ok: true }],
        ['redeem', { kind: 'mined', ok: true }],
      ]),
    }
    const at = (role: 'maker' | 'taker', head: bigint) =>
      decide(input(role, { ...settled, head }, role === 'taker' ? { stored } : {}))
    // Both parties watch the redeems (the maker's in block 108, the taker's in 110) past k = 3 deep,
    // until the chain refuses any reorg that takes them out: deeper than 4 blocks.
    for (const role of ['maker', 'taker'] as const) {
      for (const head of [110n, 111n, 112n, 113n]) {
        expect(at(role, head).status.state).toBe('Completed')
        expect(at(role, head).action).toEqual({ kind: 'wait', reason: 'settled: waiting for confirmations' })
      }
      expect(at(role, 114n).action).toEqual({ kind: 'done' })
    }
    // A reorg 4 deep at head 113 (deeper than k, within the limit) took block 110 out, and the redeem is
    // in no pool (a light node's view, or an orphan a full pool dropped): its nonce unused again, the
    // same bytes go out again.
    const reorged = {
      ...settled,
      makerLock: lock('maker'),
      nonce: 5n,
      txs: txState([
        ['lock', { kind: 'mined', ok: true }],
        ['redeem', { kind: 'unknown' }],
      ]),
    }
    const back = decide(input('taker', { ...reorged, head: 113n }, { stored }))
    expect(back.status.state).toBe('SecretRevealed')
    expect(back.action).toEqual({
      kind: 'rebroadcast',
      purpose: 'redeem',
      txs: [{ hash: keccak256(stringToHex('redeem')), raw: '0x02', nonce: 5n }],
    })
    // A new branch that reached the maker's timelock (132) first: the taker's redeem can no longer land.
    const late = decide(input('taker', { ...reorged, head: 131n }, { stored }))
    expect(late.status.state).toBe('Expired')
    expect(late.action).toEqual({ kind: 'done' })
  })

  it('maker whose lock transaction is still live when the lock window closes waits for it (or sends it again) instead of expiring', () => {
    const head = terms.acceptedHeight + LOCK_WINDOW_BLOCKS
    const stored = [opened, accepted, sent('lock', null, 'lock', 5n, head - 1n)]
    const at = (state: TxState, nonce = 5n) =>
      decide(input('maker', { head, nonce, txs: txState([['lock', state]]) }, { stored })).action
    expect(at(PENDING)).toEqual({ kind: 'wait', reason: 'lock transaction pending' })
    expect(at({ kind: 'mined', ok: true })).toEqual({ kind: 'wait', reason: 'lock transaction mined' })
    expect(at({ kind: 'unknown' })).toEqual({
      kind: 'rebroadcast',
      purpose: 'lock',
      txs: [{ hash: keccak256(stringToHex('lock')), raw: '0x02', nonce: 5n }],
    })
    // Dead (nonce used by another transaction, or reverted): nothing of ours can still lock.
    const expired = { kind: 'record', event: { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } } }
    expect(at({ kind: 'unknown' }, 6n)).toEqual(expired)
    expect(at({ kind: 'mined', ok: false }, 6n)).toEqual(expired)
  })

  it('an ended swap whose own lock is still on chain is not done: it waits, then refunds at the timelock', () => {
    const expired: SwapEvent = { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } }
    const stored = [opened, accepted, expired]
    const early = decide(input('maker', { head: 110n, makerLock: lock('maker') }, { stored }))
    expect(early.status.state).toBe('Expired')
    expect(early.action).toEqual({ kind: 'wait', reason: 'our lock awaits its timelock' })
    expect(decide(input('maker', { head: 131n, makerLock: lock('maker') }, { stored })).action).toEqual({
      kind: 'refund',
      lockId: lock('maker').id,
    })
  })

  it(`a redeem that reverted ${MAX_ATTEMPTS} times is not sent again and does not cancel the swap (only a lock failing does)`, () => {
    const view = { head: 107n, makerLock: lock('maker'), takerLock: lock('taker'), nonce: 9n }
    const id = lock('taker').id
    const reverted = txState([0, 1, 2].map((i) => [`redeem${i}`, { kind: 'mined', ok: false }]))
    const redeems = [0, 1, 2].map((i) => sent('redeem', id, `redeem${i}`, BigInt(i)))
    const two = decide(
      input('maker', { ...view, txs: reverted }, { stored: [opened, accepted, ...redeems.slice(0, 2)] }),
    )
    expect(two.action.kind).toBe('redeem')
    const three = decide(
      input('maker', { ...view, txs: reverted }, { stored: [opened, accepted, ...redeems] }),
    )
    expect(three.status.state).toBe('TakerLocked')
    expect(three.action).toEqual({ kind: 'wait', reason: `redeem reverted ${MAX_ATTEMPTS} times` })
  })

  it('a lock whose approval was mined but whose lock call vanished, or is stuck in the pool below the base fee: only the lock call is sent again', () => {
    const approve = { hash: keccak256(stringToHex('approve')), raw: '0x02' as Hex, nonce: 5n }
    const call = { hash: keccak256(stringToHex('lock call')), raw: '0x03' as Hex, nonce: 6n }
    const stored: SwapEvent[] = [
      opened,
      accepted,
      { kind: 'sent', purpose: 'lock', lockId: null, txs: [approve, call], height: 100n },
    ]
    const txs = new Map<Hex, TxState>([
      [approve.hash, { kind: 'mined', ok: true }],
      [call.hash, { kind: 'unknown' }],
    ])
    expect(decide(input('maker', { txs, nonce: 6n }, { stored })).action).toEqual({
      kind: 'rebroadcast',
      purpose: 'lock',
      txs: [call],
    })
    txs.set(call.hash, PENDING)
    const fees = { nextBaseFee: 4n * GWEI, suggestedTip: GWEI }
    expect(decide(input('maker', { txs, nonce: 6n, fees }, { stored })).action).toMatchObject({
      kind: 'replace',
      purpose: 'lock',
      txs: [call],
    })
  })

  it('taker holding the secret whose redeem the maker lock can no longer take (past its timelock, or refunded): Expired, done, nothing sent', () => {
    const takerLock = lock('taker', { state: 'redeemed', preimage: SECRET, settledAt: 108n })
    const at = (head: bigint, makerLock: ObservedLock) =>
      decide(input('taker', { head, makerLock, takerLock }))
    expect(at(130n, lock('maker')).action.kind).toBe('redeem')
    for (const [d, height] of [
      [at(131n, lock('maker')), 132n],
      [at(137n, lock('maker', { state: 'refunded', settledAt: 133n })), 133n],
    ] as const) {
      expect(d.status.steps.map((s) => s.state)).toEqual([
        'Accepted',
        'MakerLocked',
        'TakerLocked',
        'SecretRevealed',
        'Expired',
      ])
      expect(d.status.steps.at(-1)?.height).toBe(height)
      expect(d.action).toEqual({ kind: 'done' })
    }
  })

  it('taker that has not locked never locks against a maker lock already settled (redeemed to it, or refunded), however far its timelock', () => {
    for (const makerLock of [
      lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 102n }),
      lock('maker', { state: 'refunded', settledAt: 102n }),
    ]) {
      expect(decide(input('taker', { head: 104n, makerLock })).action).toEqual({
        kind: 'record',
        event: {
          kind: 'expired',
          reason: { code: 'MAKER_LOCK_TOO_CLOSE', timelockHeight: 132n, needed: 105n },
        },
      })
    }
  })

  it('taker whose lock is mined while the maker lock is gone (reorged out) waits, then refunds at its timelock', () => {
    const view = { makerLock: null, takerLock: lock('taker') }
    expect(decide(input('taker', { ...view, head: 110n })).action).toEqual({
      kind: 'wait',
      reason: 'our lock awaits its timelock',
    })
    expect(decide(input('taker', { ...view, head: 116n })).action).toEqual({
      kind: 'refund',
      lockId: lock('taker').id,
    })
  })

  it(`a pending step is signed again (same nonce, both fees ${PRICE_BUMP_PERCENT}% up, cap over twice the base fee) once the base fee passes its fee cap or it waited ${REPLACE_AFTER_BLOCKS} blocks, within the wallet's bound`, () => {
    const call = { hash: keccak256(stringToHex('lock call')), raw: '0x03' as Hex, nonce: 6n }
    const stored: SwapEvent[] = [
      opened,
      accepted,
      { kind: 'sent', purpose: 'lock', lockId: null, txs: [call], height: 100n },
    ]
    const at = (head: bigint, nextBaseFee: bigint, state: TxState = PENDING) =>
      decide(
        input(
          'maker',
          {
            head,
            nonce: 6n,
            fees: { nextBaseFee, suggestedTip: GWEI },
            txs: txState([['lock call', state]]),
          },
          { stored },
        ),
      ).action
    // Its cap (3 gwei) still covers the base fee, and it is young: it waits.
    expect(at(101n, 3n * GWEI)).toEqual({ kind: 'wait', reason: 'lock transaction pending' })
    // One wei more and it cannot be mined: a replacement that covers twice the base fee again.
    const base = 3n * GWEI + 1n
    const replace = (fees: StepFees, nextBaseFee: bigint) => ({
      kind: 'replace',
      purpose: 'lock',
      lockId: null,
      txs: [call],
      fees,
      priced: { nextBaseFee, suggestedTip: GWEI },
    })
    expect(at(101n, base)).toEqual(
      replace({ maxFeePerGas: 2n * base + 1_100_000_000n, maxPriorityFeePerGas: 1_100_000_000n }, base),
    )
    // Minable but waiting for REPLACE_AFTER_BLOCKS: the tip goes up, the cap by the pool's bump.
    expect(at(100n + REPLACE_AFTER_BLOCKS - 1n, GWEI).kind).toBe('wait')
    expect(at(100n + REPLACE_AFTER_BLOCKS, GWEI)).toEqual(
      replace({ maxFeePerGas: 3_300_000_000n, maxPriorityFeePerGas: 1_100_000_000n }, GWEI),
    )
    // A bump past what the wallet signs for a swap step (tip over twice the suggested): it waits.
    const bumped: TxState = { kind: 'pending', maxFeePerGas: 8n * GWEI, maxPriorityFeePerGas: 2n * GWEI }
    expect(at(101n, 9n * GWEI, bumped)).toEqual({
      kind: 'wait',
      reason: "lock transaction pending: higher fees would pass the swap's bound",
    })
    for (const fees of [
      { nextBaseFee: base, suggestedTip: GWEI },
      { nextBaseFee: GWEI, suggestedTip: GWEI },
    ]) {
      const r = replacementFees({ maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI }, fees)
      const bound = maxStepFees(fees)
      expect(r?.maxFeePerGas).toBeLessThanOrEqual(bound.maxFeePerGas)
      expect(r?.maxPriorityFeePerGas).toBeLessThanOrEqual(bound.maxPriorityFeePerGas)
    }
  })

  /** The maker's lock call at nonce 6, signed with these fees. */
  const signedLock = (maxFeePerGas: bigint, maxPriorityFeePerGas: bigint): Hex =>
    serializeTransaction({
      type: 'eip1559',
      chainId: terms.chainId,
      nonce: 6,
      to: '0x00000000000000000000000000000000000000cc',
      gas: 100_000n,
      maxFeePerGas,
      maxPriorityFeePerGas,
    })
  /** The maker's next action, `raw` stored as its lock sent at 100 and read as `state` at head 101. */
  const lockSentAt = (raw: Hex, state: TxState, fees?: { nextBaseFee: bigint; suggestedTip: bigint }) => {
    const call = { hash: keccak256(raw), raw, nonce: 6n }
    const stored: SwapEvent[] = [
      opened,
      accepted,
      { kind: 'sent', purpose: 'lock', lockId: null, txs: [call], height: 100n },
    ]
    const txs = new Map<Hex, TxState>([[call.hash, state]])
    const view = { head: 101n, nonce: 6n, txs, ...(fees === undefined ? {} : { fees }) }
    return { call, action: decide(input('maker', view, { stored })).action }
  }

  it("a step that vanished from the pool once its fee cap fell below the base fee is signed again (a full pool refuses the same bytes), within the wallet's bound", () => {
    const at = (nextBaseFee: bigint, raw: Hex) =>
      lockSentAt(raw, { kind: 'unknown' }, { nextBaseFee, suggestedTip: GWEI })
    // Its cap (3 gwei) still covers the base fee: the same bytes go out again.
    const covered = at(3n * GWEI, signedLock(3n * GWEI, GWEI))
    expect(covered.action).toEqual({ kind: 'rebroadcast', purpose: 'lock', txs: [covered.call] })
    // One wei more: signed again, as a pending one would be, with fees that cover twice the base fee.
    const base = 3n * GWEI + 1n
    const under = at(base, signedLock(3n * GWEI, GWEI))
    expect(under.action).toEqual({
      kind: 'replace',
      purpose: 'lock',
      lockId: null,
      txs: [under.call],
      fees: { maxFeePerGas: 2n * base + 1_100_000_000n, maxPriorityFeePerGas: 1_100_000_000n },
      priced: { nextBaseFee: base, suggestedTip: GWEI },
    })
    // A bump past what the wallet signs for a swap step: it waits for the base fee, saying why.
    expect(at(9n * GWEI, signedLock(8n * GWEI, 2n * GWEI)).action).toEqual({
      kind: 'wait',
      reason: "lock transaction dropped below the base fee: higher fees would pass the swap's bound",
    })
  })

  it("a vanished step whose cap covers the base fee, which a full pool refused as underpriced when sent again, is signed again with a higher tip, within the wallet's bound", () => {
    const signed = (maxPriorityFeePerGas: bigint) => signedLock(3n * GWEI, maxPriorityFeePerGas)
    // Not known to be refused: the same bytes go out again.
    const vanished = lockSentAt(signed(GWEI), { kind: 'unknown' })
    expect(vanished.action).toEqual({ kind: 'rebroadcast', purpose: 'lock', txs: [vanished.call] })
    // Refused as underpriced: the tip 10% up, the cap still twice the base fee plus the tip.
    const refused = lockSentAt(signed(GWEI), { kind: 'refused' })
    expect(refused.action).toEqual({
      kind: 'replace',
      purpose: 'lock',
      lockId: null,
      txs: [refused.call],
      fees: { maxFeePerGas: 3_300_000_000n, maxPriorityFeePerGas: 1_100_000_000n },
      priced: { nextBaseFee: GWEI, suggestedTip: GWEI },
    })
    // Its tip already at the wallet's bound (twice the suggested): it waits, saying why.
    expect(lockSentAt(signed(2n * GWEI), { kind: 'refused' }).action).toEqual({
      kind: 'wait',
      reason: "lock transaction refused by a full pool: higher fees would pass the swap's bound",
    })
  })

  it("maker whose redeem is out (the secret with it) sees it through past the margin, up to the taker's timelock: a stuck one is signed again", () => {
    const view = { makerLock: lock('maker'), takerLock: lock('taker'), nonce: 5n }
    const id = lock('taker').id
    const stored = [opened, accepted, sent('lock', null, 'lock', 4n), sent('redeem', id, 'redeem', 5n, 112n)]
    const at = (head: bigint, state: TxState, nextBaseFee = GWEI) =>
      decide(
        input(
          'maker',
          {
            ...view,
            head,
            fees: { nextBaseFee, suggestedTip: GWEI },
            txs: txState([
              ['lock', { kind: 'mined', ok: true }],
              ['redeem', state],
            ]),
          },
          { stored },
        ),
      ).action
    // Sent at the last height the margin allows; past it (a first redeem would wait), before the taker's
    // timelock (117).
    expect(at(114n, PENDING)).toEqual({ kind: 'wait', reason: 'redeem transaction pending' })
    expect(at(115n, PENDING, 4n * GWEI)).toMatchObject({ kind: 'replace', purpose: 'redeem', lockId: id })
    expect(at(115n, { kind: 'unknown' })).toMatchObject({ kind: 'rebroadcast', purpose: 'redeem' })
    // From the taker's timelock on it can no longer land.
    expect(at(116n, PENDING, 4n * GWEI)).toEqual({
      kind: 'wait',
      reason: 'too late to redeem safely: refunding after our timelock',
    })
  })

  it("maker whose redeem storage refused to record (its pool or its node's memory the only witness) sees it through past the margin as a stored one: waits while it is pooled, signs it again once stuck, signs it anew once it left the pool", () => {
    const id = lock('taker').id
    const redeem: SentTx = { hash: keccak256(stringToHex('redeem')), raw: '0x02', nonce: 5n }
    const stored = [opened, accepted, sent('lock', null, 'lock', 4n)]
    const at = (
      head: bigint,
      out: SentTx | null | undefined,
      nextBaseFee = GWEI,
      secret: Hex | null = SECRET,
    ) =>
      decide(
        input(
          'maker',
          {
            makerLock: lock('maker'),
            takerLock: lock('taker'),
            head,
            fees: { nextBaseFee, suggestedTip: GWEI },
            txs: txState([
              ['lock', { kind: 'mined', ok: true }],
              ['redeem', PENDING],
            ]),
            redeemsOut: new Map(out === undefined ? [] : [[id, out]]),
          },
          { stored, secret },
        ),
      ).action
    const tooLate = { kind: 'wait', reason: 'too late to redeem safely: refunding after our timelock' }
    // Past the margin (a first redeem waits), before the taker's timelock (117).
    expect(at(114n, undefined)).toEqual(tooLate)
    expect(at(114n, redeem)).toEqual({ kind: 'wait', reason: 'redeem transaction pending' })
    expect(at(115n, redeem, 4n * GWEI)).toMatchObject({
      kind: 'replace',
      purpose: 'redeem',
      lockId: id,
      txs: [redeem],
    })
    expect(at(115n, null)).toEqual({ kind: 'redeem', lockId: id, preimage: SECRET, watchtower: false })
    expect(at(115n, null, GWEI, null)).toEqual({ kind: 'wait', reason: WAITS_FOR_SECRET })
    // From the taker's timelock on it can no longer land.
    expect(at(116n, null)).toEqual(tooLate)
  })
})

describe('settled locks (pure)', () => {
  const hashAt = (n: bigint, branch = 'a'): Hex => keccak256(stringToHex(`${branch} ${n}`))
  const log = (topic: Hex, id: Hex, blockNumber: bigint, over: Partial<LogRecord> = {}): LogRecord => ({
    address: HTLC_ADDRESS,
    topics: [topic, id],
    data: '0x',
    blockNumber,
    blockHash: hashAt(blockNumber),
    transactionHash: keccak256(stringToHex(`${topic} ${blockNumber}`)),
    transactionIndex: 0,
    logIndex: 0,
    ...over,
  })
  const maker = lock('maker', { state: 'redeemed', preimage: SECRET, settledAt: 110n })
  const taker = lock('taker', { state: 'refunded', settledAt: 117n })
  const view = input('maker', { head: 118n, makerLock: maker, takerLock: taker }).view
  const other = keccak256(stringToHex('another lock under the hashlock'))
  const logs = [
    log(LOCKED_TOPIC, maker.id, 101n),
    log(LOCKED_TOPIC, taker.id, 105n),
    log(REDEEMED_TOPIC, maker.id, 110n),
    // Another log of the taker's lock's block: kept once.
    log(REFUNDED_TOPIC, taker.id, 117n, { logIndex: 1 }),
    log(LOCKED_TOPIC, taker.id, 117n),
    // Not the swap's locks: another lock, and another contract naming the maker's lock.
    log(LOCKED_TOPIC, other, 112n),
    log(REDEEMED_TOPIC, maker.id, 114n, { address: '0x00000000000000000000000000000000000000cc' }),
  ]

  it("keeps, once both locks are settled, the blocks of their logs only (not another lock's or contract's)", () => {
    expect(settledLocks(view, logs)).toEqual({
      view,
      blocks: [101n, 105n, 110n, 117n].map((number) => ({ number, hash: hashAt(number) })),
    })
  })

  it('keeps nothing while a lock is missing or still locked: a later log may still change it', () => {
    expect(settledLocks({ ...view, takerLock: null }, logs)).toBeNull()
    expect(settledLocks({ ...view, makerLock: null }, logs)).toBeNull()
    expect(settledLocks({ ...view, takerLock: lock('taker') }, logs)).toBeNull()
    expect(settledLocks({ ...view, makerLock: lock('maker') }, logs)).toBeNull()
  })

  it('stands at a later head while every block of those logs is canonical; a reorg that replaced one, or a block not held, reads again', () => {
    const kept = settledLocks(view, logs)
    if (kept === null) throw new Error('not kept')
    expect(settledView(kept, 121n, (n) => hashAt(n))).toEqual({ ...view, head: 121n })
    // Upper-case hex from a source names the same block.
    expect(settledView(kept, 121n, (n) => hashAt(n).toUpperCase().replace('0X', '0x') as Hex)).toEqual({
      ...view,
      head: 121n,
    })
    expect(settledView(kept, 121n, (n) => (n >= 117n ? hashAt(n, 'b') : hashAt(n)))).toBeNull()
    expect(settledView(kept, 121n, (n) => (n === 101n ? hashAt(n, 'b') : hashAt(n)))).toBeNull()
    expect(settledView(kept, 121n, (n) => (n === 105n ? null : hashAt(n)))).toBeNull()
  })

  it('a decision from kept locks is settled until they pass the deepest reorg, then done, as from a full read', () => {
    const kept = settledLocks(view, logs)
    if (kept === null) throw new Error('not kept')
    for (const role of ['maker', 'taker'] as const) {
      const at = (head: bigint) => {
        const v = settledView(kept, head, (n) => hashAt(n))
        if (v === null) throw new Error('not canonical')
        return decide(input(role, v)).action
      }
      // The refund in block 117 is watched until deeper than 4 blocks.
      for (const head of [118n, 119n, 120n]) {
        expect(at(head)).toEqual({ kind: 'wait', reason: SETTLED_WAIT })
        expect(isSettled(at(head))).toBe(true)
      }
      expect(at(121n)).toEqual({ kind: 'done' })
      expect(isSettled(at(121n))).toBe(true)
    }
    expect(isSettled({ kind: 'wait', reason: 'taker lock confirming' })).toBe(false)
    expect(isSettled({ kind: 'refund', lockId: maker.id })).toBe(false)
  })

  describe('one lock still locked', () => {
    const makerOpen = lock('maker')
    const openView = { ...view, makerLock: makerOpen }
    // The maker's lock not redeemed: no log of it but its Locked one.
    const openLogs = logs.filter((l) => l.topics[0] !== REDEEMED_TOPIC)
    const scanned = { number: 101n, hash: hashAt(101n) }
    const kept = openLocks(openView, openLogs)

    it("keeps, once one lock is settled and the other still locked, the blocks of their logs and the open lock's read from its Locked log's block", () => {
      expect(kept).toEqual({
        view: openView,
        blocks: [101n, 105n, 117n].map((number) => ({ number, hash: hashAt(number) })),
        open: { id: makerOpen.id, scanned },
      })
      expect(settledLocks(openView, openLogs)).toBeNull()
      expect(openLocks(view, logs)).toBeNull()
      expect(openLocks({ ...openView, takerLock: lock('taker') }, openLogs)).toBeNull()
      expect(openLocks({ ...openView, takerLock: null }, openLogs)).toBeNull()
      // Its Locked log not among the logs: no block to read on from.
      expect(openLocks(openView, openLogs.slice(1))).toBeNull()
    })

    it("needs the hash of the block read up to, and of the logs' blocks above it only (a hash fixes every block below)", () => {
      if (kept === null) throw new Error('not kept')
      expect(keptBlocks(kept)).toEqual([
        ...[105n, 117n].map((number) => ({ number, hash: hashAt(number) })),
        scanned,
      ])
      const on = openLockRead(kept, [], { number: 120n, hash: hashAt(120n) }, hashAt(120n))
      if (on === null) throw new Error('not read on')
      expect(on.open?.scanned).toEqual({ number: 120n, hash: hashAt(120n) })
      expect(keptBlocks(on)).toEqual([{ number: 120n, hash: hashAt(120n) }])
      expect(settledView(on, 122n, (n) => hashAt(n))).toEqual({ ...openView, head: 122n })
      // A reorg at the block read up to, or under it, replaces its hash.
      expect(settledView(on, 122n, (n) => (n === 120n ? hashAt(n, 'b') : hashAt(n)))).toBeNull()
      expect(settledView(kept, 122n, (n) => (n === 101n ? hashAt(n, 'b') : hashAt(n)))).toBeNull()
      expect(settledView(kept, 122n, (n) => (n === 117n ? hashAt(n, 'b') : hashAt(n)))).toBeNull()
    })

    it('is read again when a new block settles the open lock, or the block read up to changed during the read', () => {
      if (kept === null) throw new Error('not kept')
      const to = { number: 120n, hash: hashAt(120n) }
      expect(openLockRead(kept, [log(REFUNDED_TOPIC, makerOpen.id, 119n)], to, to.hash)).toBeNull()
      expect(openLockRead(kept, [], to, hashAt(120n, 'b'))).toBeNull()
      expect(openLockRead(kept, [], to, null)).toBeNull()
      // Both settled: nothing to read on.
      const both = settledLocks(view, logs)
      if (both === null) throw new Error('not kept')
      expect(openLockRead(both, [], to, to.hash)).toBe(both)
    })

    it("a taker's decision from them is settled until its refund passes the deepest reorg, then done, whatever the head does to the maker's lock; the maker's own lock locked is not settled", () => {
      if (kept === null) throw new Error('not kept')
      const at = (role: 'maker' | 'taker', head: bigint) => {
        const v = settledView(kept, head, (n) => hashAt(n))
        if (v === null) throw new Error('not canonical')
        return decide(input(role, v))
      }
      for (const head of [118n, 119n, 120n]) {
        expect(at('taker', head).action).toEqual({ kind: 'wait', reason: SETTLED_WAIT })
        expect(at('taker', head).status.state).toBe('Refunded')
        expect(isSettled(at('maker', head).action)).toBe(false)
      }
      expect(at('taker', 121n).action).toEqual({ kind: 'done' })
      expect(isSettled(at('maker', 131n).action)).toBe(false)
    })
  })
})
