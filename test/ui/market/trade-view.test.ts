import { describe, expect, test } from 'vitest'
import type { MarketLock, MarketSwap, SwapRole, SwapState } from '../../../src/ui/market/source'
import {
  blockAt,
  blocksUntilRefund,
  confirmations,
  quietTradesNote,
  takenOfferNote,
  tradeView,
} from '../../../src/ui/market/trade-view'
import { ALICE, BOB, id, PARAMS, TERMS, TOKENS } from './fixtures'

// k = 2 (PARAMS). The maker locks at 12 for 40 blocks, the taker at 15 for 16.
const makerLock = (state: MarketLock['state'] = 'locked'): MarketLock => ({
  id: id(0xa),
  lockedAt: 12n,
  timelockHeight: 52n,
  state,
})
const takerLock = (state: MarketLock['state'] = 'locked'): MarketLock => ({
  id: id(0xb),
  lockedAt: 15n,
  timelockHeight: 31n,
  state,
})

const LIVE: readonly SwapState[] = [
  'Open',
  'Accepted',
  'MakerLocked',
  'TakerLocked',
  'SecretRevealed',
  'Completed',
]

/** A swap of `role` that went through the live states up to `through`, then (optionally) ended at `end`. */
function swap(
  role: SwapRole,
  through: SwapState,
  end: SwapState | null,
  locks: { maker?: MarketLock | null; taker?: MarketLock | null },
): MarketSwap {
  const first = role === 'maker' ? 0 : 1
  const path = LIVE.slice(first, LIVE.indexOf(through) + 1)
  const states = end === null ? path : [...path, end]
  return {
    id: id(1),
    role,
    terms: TERMS,
    state: states[states.length - 1] ?? through,
    steps: states.map((state) => ({ state, height: null })),
    makerLock: locks.maker ?? null,
    takerLock: locks.taker ?? null,
    redeemsSent: [],
    error: null,
    unverified: false,
    counterpartyLinked: true,
    approved: true,
  }
}

const view = (s: MarketSwap, head = 20n, unlocked = false) => tradeView(s, TOKENS, PARAMS, head, unlocked)
const statuses = (s: MarketSwap, head = 20n) => view(s, head).steps.map((x) => x.status)

describe('My trades: step view', () => {
  test('labels the four steps from each party’s side', () => {
    expect(view(swap('maker', 'Accepted', null, {})).steps.map((s) => s.label)).toEqual([
      'You lock 100 GLD',
      'They lock 50 SLV',
      'You collect their 50 SLV — that lets them collect yours',
      'They collect your 100 GLD — done',
    ])
    expect(view(swap('taker', 'Accepted', null, {})).steps.map((s) => s.label)).toEqual([
      'They lock 100 GLD',
      'You lock 50 SLV',
      'They collect your 50 SLV — that lets you collect theirs',
      'You collect their 100 GLD — done',
    ])
    expect(view(swap('maker', 'Accepted', null, {})).title).toBe('You sell 100 GLD for 50 SLV')
    // The price as the book says one, both ways round.
    expect(view(swap('maker', 'Accepted', null, {})).price).toEqual({
      text: '0.5 SLV per GLD',
      inverse: '2 GLD per SLV',
    })
    expect(view(swap('taker', 'Accepted', null, {})).title).toBe('You buy 100 GLD for 50 SLV')
  })

  test('says which side of the offer we are in a user’s words, the role term the sentences use in brackets', () => {
    expect(view(swap('maker', 'MakerLocked', null, { maker: makerLock() })).roleText).toBe(
      'You posted this offer (maker)',
    )
    expect(view(swap('taker', 'MakerLocked', null, { maker: makerLock() })).roleText).toBe(
      'You took this offer (taker)',
    )
  })

  // Every state × party: [role, live state reached, end, locks, head, steps, needsYou, next text, refund text]
  test.each<
    [
      SwapRole,
      SwapState,
      SwapState | null,
      Parameters<typeof swap>[3],
      bigint,
      string[],
      boolean,
      string,
      string | null,
    ]
  >([
    [
      'maker',
      'Open',
      null,
      {},
      20n,
      ['current', 'todo', 'todo', 'todo'],
      false,
      'Nothing to do: waiting for someone to take the offer.',
      null,
    ],
    [
      'maker',
      'Accepted',
      null,
      {},
      20n,
      ['current', 'todo', 'todo', 'todo'],
      true,
      'Unlock your wallet to sign the lock of 100 GLD.',
      null,
    ],
    [
      'maker',
      'MakerLocked',
      null,
      { maker: makerLock() },
      20n,
      ['done', 'current', 'todo', 'todo'],
      false,
      'Nothing to do: waiting for the taker to lock 50 SLV.',
      null,
    ],
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      15n,
      ['done', 'done', 'current', 'todo'],
      false,
      "Nothing to do: waiting for 1 more confirmation of the taker's lock.",
      null,
    ],
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      16n,
      ['done', 'done', 'current', 'todo'],
      true,
      'Unlock your wallet to sign the transaction that collects 50 SLV.',
      null,
    ],
    // The node's last first redeem: at head 26 it lands in block 27, REDEEM_MARGIN_BLOCKS before 31.
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      26n,
      ['done', 'done', 'current', 'todo'],
      true,
      'Unlock your wallet to sign the transaction that collects 50 SLV.',
      null,
    ],
    // Too late to reveal the secret safely: the node makes no redeem and waits for its refund.
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      27n,
      ['done', 'done', 'current', 'todo'],
      false,
      "Nothing to do: too late to collect the taker's 50 SLV safely, so your node will not collect it; your 100 GLD comes back to you at block #52 (~50s).",
      null,
    ],
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      30n,
      ['done', 'done', 'current', 'todo'],
      false,
      "Nothing to do: the taker's 50 SLV can no longer be collected; your 100 GLD comes back to you at block #52 (~44s).",
      null,
    ],
    [
      'maker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock('refunded') },
      40n,
      ['done', 'done', 'current', 'todo'],
      false,
      "Nothing to do: the taker's 50 SLV can no longer be collected; your 100 GLD comes back to you at block #52 (~24s).",
      null,
    ],
    [
      'maker',
      'SecretRevealed',
      null,
      { maker: makerLock(), taker: takerLock('redeemed') },
      20n,
      ['done', 'done', 'done', 'current'],
      false,
      'Nothing to do: you have 50 SLV; waiting for the taker to collect your 100 GLD.',
      null,
    ],
    [
      'maker',
      'Completed',
      null,
      { maker: makerLock('redeemed'), taker: takerLock('redeemed') },
      20n,
      ['done', 'done', 'done', 'done'],
      false,
      'Done: you received 50 SLV.',
      null,
    ],
    [
      'maker',
      'Open',
      'Cancelled',
      {},
      20n,
      ['skipped', 'skipped', 'skipped', 'skipped'],
      false,
      'Cancelled: none of your funds were locked.',
      null,
    ],
    [
      'maker',
      'Accepted',
      'Expired',
      {},
      20n,
      ['skipped', 'skipped', 'skipped', 'skipped'],
      false,
      'Expired: none of your funds were locked.',
      null,
    ],
    [
      'maker',
      'MakerLocked',
      'Refunded',
      { maker: makerLock('refunded') },
      60n,
      ['done', 'skipped', 'skipped', 'skipped'],
      false,
      'Refunded: your 100 GLD came back to you.',
      null,
    ],
    [
      'maker',
      'SecretRevealed',
      'Refunded',
      { maker: makerLock('refunded'), taker: takerLock('redeemed') },
      60n,
      ['done', 'done', 'done', 'skipped'],
      false,
      'Refunded: your 100 GLD came back to you, and you keep 50 SLV.',
      null,
    ],
    [
      'maker',
      'SecretRevealed',
      'Expired',
      { maker: makerLock('redeemed'), taker: takerLock('refunded') },
      40n,
      ['done', 'done', 'skipped', 'done'],
      false,
      "Expired: your 100 GLD went to the taker, and your node did not collect their 50 SLV before their lock's deadline.",
      null,
    ],
    [
      'taker',
      'Accepted',
      null,
      {},
      20n,
      ['current', 'todo', 'todo', 'todo'],
      false,
      'Nothing to do: waiting for the maker to lock 100 GLD by block #30 (~20s); if it has not by then, your node gives up the trade (none of your funds are locked).',
      null,
    ],
    [
      'taker',
      'Accepted',
      null,
      {},
      30n,
      ['current', 'todo', 'todo', 'todo'],
      false,
      'Nothing to do: the maker did not lock 100 GLD by block #30, so your node gives up the trade (none of your funds were locked).',
      null,
    ],
    [
      'taker',
      'MakerLocked',
      null,
      { maker: makerLock() },
      12n,
      ['done', 'current', 'todo', 'todo'],
      false,
      "Nothing to do: waiting for 1 more confirmation of the maker's lock.",
      null,
    ],
    [
      'taker',
      'MakerLocked',
      null,
      { maker: makerLock() },
      13n,
      ['done', 'current', 'todo', 'todo'],
      true,
      'Unlock your wallet to sign the lock of 50 SLV.',
      null,
    ],
    [
      'taker',
      'TakerLocked',
      null,
      { maker: makerLock(), taker: takerLock() },
      20n,
      ['done', 'done', 'current', 'todo'],
      false,
      'Nothing to do: waiting for the maker to collect your 50 SLV.',
      'If the swap does not complete, your node takes your 50 SLV back at block #31 (~22s).',
    ],
    [
      'taker',
      'SecretRevealed',
      null,
      { maker: makerLock(), taker: takerLock('redeemed') },
      20n,
      ['done', 'done', 'done', 'current'],
      true,
      'Unlock your wallet to sign the transaction that collects 100 GLD.',
      null,
    ],
    [
      'taker',
      'Completed',
      null,
      { maker: makerLock('redeemed'), taker: takerLock('redeemed') },
      20n,
      ['done', 'done', 'done', 'done'],
      false,
      'Done: you received 100 GLD.',
      null,
    ],
    [
      'taker',
      'Accepted',
      'Cancelled',
      {},
      20n,
      ['skipped', 'skipped', 'skipped', 'skipped'],
      false,
      'Cancelled: none of your funds were locked.',
      null,
    ],
    [
      'taker',
      'MakerLocked',
      'Expired',
      { maker: makerLock() },
      20n,
      ['done', 'skipped', 'skipped', 'skipped'],
      false,
      'Expired: none of your funds were locked.',
      null,
    ],
    [
      'taker',
      'TakerLocked',
      'Refunded',
      { maker: makerLock(), taker: takerLock('refunded') },
      40n,
      ['done', 'done', 'skipped', 'skipped'],
      false,
      'Refunded: your 50 SLV came back to you.',
      null,
    ],
    [
      'taker',
      'SecretRevealed',
      'Refunded',
      { maker: makerLock('redeemed'), taker: takerLock('refunded') },
      40n,
      ['done', 'done', 'skipped', 'done'],
      false,
      'Refunded: your 50 SLV came back to you, and you keep 100 GLD.',
      null,
    ],
    [
      'taker',
      'SecretRevealed',
      'Expired',
      { maker: makerLock(), taker: takerLock('redeemed') },
      60n,
      ['done', 'done', 'done', 'skipped'],
      false,
      "Expired: your 50 SLV went to the maker, and your node did not collect their 100 GLD before their lock's deadline.",
      null,
    ],
  ])('%s at %s then %s (head %i)', (role, through, end, locks, head, steps, needsYou, text, refund) => {
    const s = swap(role, through, end, locks)
    const v = view(s, head)
    expect(v.state).toBe(end ?? through)
    expect(v.finished).toBe(end !== null || through === 'Completed')
    expect(statuses(s, head)).toEqual(steps)
    expect(v.next).toEqual({ needsYou, text })
    expect(v.refund?.text ?? null).toBe(refund)
  })

  test('with the wallet unlocked the node signs: nothing needs the user', () => {
    const s = swap('taker', 'SecretRevealed', null, { maker: makerLock(), taker: takerLock('redeemed') })
    expect(view(s, 20n, true).next).toEqual({
      needsYou: false,
      text: 'Nothing to do: your node signs the transaction that collects 100 GLD and sends it; the trade moves on once a block holds it.',
    })
  })

  test('past its own timelock a party refunds, whatever the state', () => {
    const s = swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() })
    expect(view(s, 29n).refund).toEqual({
      block: 31n,
      text: 'If the swap does not complete, your node takes your 50 SLV back at block #31 (~4s).',
    })
    // The deadline says it from then on, once.
    expect(view(s, 30n).deadline?.text).toBe(
      'Keep this tab open until your node has taken back your 50 SLV: it can be refunded now.',
    )
    expect(view(s, 30n).refund).toBeNull()
    // With no deadline (no coins of ours at stake in that state), the refund line alone says it.
    expect(view({ ...s, state: 'Expired' }, 30n)).toMatchObject({
      deadline: null,
      refund: { block: 31n, text: 'Your lock can be refunded now.' },
    })
    expect(view(s, 30n).next).toEqual({
      needsYou: true,
      text: 'Unlock your wallet to sign the refund of your lock.',
    })
    expect(view(s, 30n, true).next.needsYou).toBe(false)
  })

  test('a maker whose redeem is out keeps seeing it through past the margin, until the taker’s timelock', () => {
    // Sent at head 26: the secret is in the pools, and the node sends that redeem again (fees raised)
    // while it can still land, as the engine does.
    const s = {
      ...swap('maker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() }),
      redeemsSent: [id(0xb)],
    }
    expect(view(s, 28n, true).next).toEqual({
      needsYou: false,
      text: 'Nothing to do: your node signs the transaction that collects 50 SLV and sends it; the trade moves on once a block holds it.',
    })
    expect(view(s, 28n).deadline).toEqual({
      block: 30n,
      text: "Keep this tab open until block #30 (~4s): your node must collect the taker's 50 SLV by then, or the taker can take back its 50 SLV and your 100 GLD comes back to you at block #52 (~48s).",
    })
    expect(view(s, 30n).deadline?.text).toBe(
      'Block #30 has passed: the taker can take back its 50 SLV, and your 100 GLD comes back to you at block #52 (~44s).',
    )
    // Our own lock not read yet: no block to name for it.
    expect(view({ ...s, makerLock: null, redeemsSent: [] }, 40n).next.text).toBe(
      "Nothing to do: the taker's 50 SLV can no longer be collected; your 100 GLD comes back to you by refund.",
    )
    // A redeem of another lock (ours, as a watchtower) says nothing about this one.
    const other = { ...s, redeemsSent: [id(0xa)] }
    expect(view(other, 28n, true).next.text).toBe(
      "Nothing to do: too late to collect the taker's 50 SLV safely, so your node will not collect it; your 100 GLD comes back to you at block #52 (~48s).",
    )
  })

  test('a failed step is shown while the swap runs, not once it ended', () => {
    const running = { ...swap('maker', 'Accepted', null, {}), error: 'the wallet did not sign.' }
    expect(view(running, 20n, true).problem).toBe(
      'Last step failed: the wallet did not sign. Your node tries again at the next block.',
    )
    expect(view(running, 20n, true).unchecked).toBeNull()
    expect(view({ ...running, state: 'Expired' }, 20n, true).problem).toBeNull()
    expect(view(swap('maker', 'Accepted', null, {}), 20n, true).problem).toBeNull()
  })

  test('a swap the node could not check yet reads as not checked, shown as last seen, not as a failure', () => {
    // A light tab reopened with no peer: the swap's logs cannot be proved, its status is the one kept.
    const kept = {
      ...swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() }),
      error: 'the HTLC logs of blocks #10–#20 cannot be proved: no peer to ask',
      unverified: true,
    }
    expect(view(kept, 20n, true)).toMatchObject({
      unchecked:
        'Not checked yet: the HTLC logs of blocks #10–#20 cannot be proved: no peer to ask — shown as your node last saw it. Your node checks again once a peer can prove it.',
      problem: null,
    })
    // The same message as a real step failure still reads as one, and nothing as unchecked.
    expect(view({ ...kept, unverified: false }, 20n, true)).toMatchObject({
      problem:
        'Last step failed: the HTLC logs of blocks #10–#20 cannot be proved: no peer to ask. Your node tries again at the next block.',
      unchecked: null,
    })
    expect(view({ ...kept, state: 'Refunded' }, 20n, true)).toMatchObject({ problem: null, unchecked: null })
    expect(view({ ...kept, error: null }, 20n, true)).toMatchObject({ problem: null, unchecked: null })
  })

  test('a step that failed for the locked wallet only asks to unlock it, with no error beside', () => {
    // A tab reopened mid-swap: its node tried to sign before the wallet was unlocked.
    const reopened = {
      ...swap('taker', 'SecretRevealed', null, { maker: makerLock(), taker: takerLock() }),
      error: `SWAP_NOT_SIGNED (swapId=${'0x'.padEnd(66, 'ab')}, reason=the wallet is locked)`,
    }
    expect(view(reopened).next).toEqual({
      needsYou: true,
      text: 'Unlock your wallet to sign the transaction that collects 100 GLD.',
    })
    expect(view(reopened).problem).toBeNull()
  })

  test('the refund countdown follows the head', () => {
    const lock = takerLock()
    expect([20n, 25n, 29n, 30n, 99n].map((h) => blocksUntilRefund(lock, h))).toEqual([10n, 5n, 1n, 0n, 0n])
    expect([14n, 15n, 16n].map((h) => confirmations(lock, h))).toEqual([0n, 1n, 2n])
  })
})

describe("My trades: the other side's tab is gone", () => {
  const gone = (s: MarketSwap): MarketSwap => ({ ...s, counterpartyLinked: false })

  test("a taker waiting on the maker's redeem is told the maker's tab is not linked, and when its lock comes back", () => {
    const s = swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() })
    expect(view(gone(s)).next).toEqual({
      needsYou: false,
      text: "Waiting for the maker's tab, which is not linked now: if it does not come back, your 50 SLV come back by refund at block #31 (~22s).",
    })
    // The countdown follows the head.
    expect(view(gone(s), 29n).next.text).toBe(
      "Waiting for the maker's tab, which is not linked now: if it does not come back, your 50 SLV come back by refund at block #31 (~4s).",
    )
  })

  test("a maker waiting on the taker's lock is told the taker's tab is not linked, and when its lock comes back", () => {
    const s = swap('maker', 'MakerLocked', null, { maker: makerLock() })
    expect(view(gone(s)).next).toEqual({
      needsYou: false,
      text: "Waiting for the taker's tab, which is not linked now: if it does not come back, your 100 GLD come back by refund at block #52 (~1m\u00a004s).",
    })
  })

  test('a linked tab, or one this page does not know, reads as before', () => {
    const s = swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() })
    const waiting = 'Nothing to do: waiting for the maker to collect your 50 SLV.'
    expect(view(s).next.text).toBe(waiting)
    expect(view({ ...s, counterpartyLinked: null }).next.text).toBe(waiting)
  })

  test('a step of our own, or our refund due, is not a wait on the other side: said as before', () => {
    // The taker locks next: its own step.
    const taking = gone(swap('taker', 'MakerLocked', null, { maker: makerLock() }))
    expect(view(taking, 20n, true).next.text).toBe(
      'Nothing to do: your node signs the lock of 50 SLV and sends it; the trade moves on once a block holds it.',
    )
    // The maker redeems next.
    const redeeming = gone(swap('maker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() }))
    expect(view(redeeming, 20n, true).next.text).toBe(
      'Nothing to do: your node signs the transaction that collects 50 SLV and sends it; the trade moves on once a block holds it.',
    )
    // Our lock past its timelock: the refund is ours to sign.
    const due = gone(swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() }))
    expect(view(due, 30n, true).next.text).toBe(
      'Nothing to do: your node signs the refund of your lock and sends it; the trade moves on once a block holds it.',
    )
  })
})

describe('My trades: until when the tab must stay open', () => {
  // Maker's lock: refundable from block 52; taker's: from 31. Blocks are 2 s apart (PARAMS).
  test.each<[SwapRole, SwapState, bigint, bigint, Parameters<typeof swap>[3], string]>([
    [
      'taker',
      'TakerLocked',
      20n,
      51n,
      { maker: makerLock(), taker: takerLock() },
      'Keep this tab open until block #51 (~1m\u00a002s): once the maker collects your 50 SLV, your node must collect its 100 GLD by then, or the maker can take back its 100 GLD.',
    ],
    [
      'taker',
      'SecretRevealed',
      40n,
      51n,
      { maker: makerLock(), taker: takerLock('redeemed') },
      "Keep this tab open until block #51 (~22s): your node must collect the maker's 100 GLD by then, or the maker can take back its 100 GLD and keep your 50 SLV.",
    ],
    [
      'taker',
      'SecretRevealed',
      51n,
      51n,
      { maker: makerLock(), taker: takerLock('redeemed') },
      'Block #51 has passed: the maker can take back its 100 GLD.',
    ],
    // The maker can no longer redeem our lock: only our refund is left.
    [
      'taker',
      'TakerLocked',
      30n,
      31n,
      { maker: makerLock(), taker: takerLock() },
      'Keep this tab open until your node has taken back your 50 SLV: it can be refunded now.',
    ],
    [
      'taker',
      'TakerLocked',
      29n,
      51n,
      { maker: makerLock(), taker: takerLock() },
      'Keep this tab open until block #51 (~44s): once the maker collects your 50 SLV, your node must collect its 100 GLD by then, or the maker can take back its 100 GLD.',
    ],
    [
      'maker',
      'MakerLocked',
      20n,
      52n,
      { maker: makerLock() },
      'Keep this tab open until block #52 (~1m\u00a004s), or until the taker collects your 100 GLD if that comes first: if the taker has not collected it by then, your node takes your 100 GLD back.',
    ],
    // Our redeem of the taker's lock is in: our lock stays at stake until the taker redeems it.
    [
      'maker',
      'SecretRevealed',
      20n,
      52n,
      { maker: makerLock(), taker: takerLock('redeemed') },
      'Keep this tab open until block #52 (~1m\u00a004s), or until the taker collects your 100 GLD if that comes first: if the taker has not collected it by then, your node takes your 100 GLD back.',
    ],
    // Our node redeems the taker's lock (the secret's first reveal) only while the redeem lands
    // REDEEM_MARGIN_BLOCKS (3) before its timelock (31): in block 27 at the latest.
    [
      'maker',
      'TakerLocked',
      16n,
      27n,
      { maker: makerLock(), taker: takerLock() },
      "Keep this tab open until block #27 (~22s): your node must collect the taker's 50 SLV by then, or the taker can take back its 50 SLV and your 100 GLD comes back to you at block #52 (~1m\u00a012s).",
    ],
    [
      'maker',
      'TakerLocked',
      27n,
      27n,
      { maker: makerLock(), taker: takerLock() },
      "Block #27 has passed: too late to collect the taker's 50 SLV safely, so your node will not collect it; your 100 GLD comes back to you at block #52 (~50s).",
    ],
    [
      'maker',
      'TakerLocked',
      30n,
      27n,
      { maker: makerLock(), taker: takerLock() },
      "Block #27 has passed: too late to collect the taker's 50 SLV safely, so your node will not collect it; your 100 GLD comes back to you at block #52 (~44s).",
    ],
    [
      'maker',
      'SecretRevealed',
      60n,
      52n,
      { maker: makerLock(), taker: takerLock('redeemed') },
      'Keep this tab open until your node has taken back your 100 GLD: it can be refunded now.',
    ],
  ])('%s at %s, head %s: until block %s', (role, through, head, block, locks, text) => {
    expect(view(swap(role, through, null, locks), head).deadline).toEqual({ block, text })
  })

  test('a block is said with the time to it while it is ahead, and without once it is mined', () => {
    expect(blockAt(52n, 28n, PARAMS)).toBe('block #52 (~48s)')
    expect(blockAt(52n, 52n, PARAMS)).toBe('block #52')
    expect(blockAt(52n, 60n, PARAMS)).toBe('block #52')
  })

  test('one story of time: our refund is said once, as a block timed as the deadline times its own', () => {
    // A maker's deadline says when its lock comes back (its timelock, 52): no second line counts to it.
    for (const [through, head, locks] of [
      ['MakerLocked', 20n, { maker: makerLock() }],
      ['TakerLocked', 16n, { maker: makerLock(), taker: takerLock() }],
      ['TakerLocked', 30n, { maker: makerLock(), taker: takerLock() }],
      ['SecretRevealed', 20n, { maker: makerLock(), taker: takerLock('redeemed') }],
      ['SecretRevealed', 60n, { maker: makerLock(), taker: takerLock('redeemed') }],
    ] as const) {
      const card = view(swap('maker', through, null, locks), head)
      expect(card.deadline?.text).toMatch(/#52\b|can be refunded now/)
      expect(card.refund).toBeNull()
    }
    // A taker's deadline is the maker's lock (51): its own lock's refund (31) is a block as well, 11
    // blocks (~22s) on, as the deadline's block 51 is 31 blocks (~1m 02s) on.
    const taker = view(swap('taker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() }), 20n)
    expect(taker.deadline?.text).toMatch(/^Keep this tab open until block #51 \(~1m\u00a002s\): /)
    expect(taker.refund).toEqual({
      block: 31n,
      text: 'If the swap does not complete, your node takes your 50 SLV back at block #31 (~22s).',
    })
  })

  test('no line while no coins of ours are at stake', () => {
    const none = [
      swap('maker', 'Accepted', null, {}),
      swap('taker', 'MakerLocked', null, { maker: makerLock() }),
      swap('taker', 'Completed', null, { maker: makerLock('redeemed'), taker: takerLock('redeemed') }),
      swap('maker', 'MakerLocked', 'Refunded', { maker: makerLock('refunded') }),
      swap('taker', 'SecretRevealed', 'Expired', { maker: makerLock(), taker: takerLock('redeemed') }),
    ]
    expect(none.map((s) => view(s).deadline)).toEqual([null, null, null, null, null])
  })
})

describe('My trades: History', () => {
  /** `s` with the block each step happened in: its last step (the end) in `end`. */
  const at = (s: MarketSwap, end: bigint | null): MarketSwap => ({
    ...s,
    steps: s.steps.map((step, i) => ({ ...step, height: i === s.steps.length - 1 ? end : 11n + BigInt(i) })),
  })

  test('a completed trade says what happened, in the past, and the block it ended in with how long ago', () => {
    const maker = view(at(swap('maker', 'Completed', null, {}), 18n), 20n)
    expect(maker.title).toBe('You sold 100 GLD for 50 SLV')
    expect(maker.ended).toBe('block #18, ~4s ago')
    const taker = view(at(swap('taker', 'Completed', null, {}), 18n), 48n)
    expect(taker.title).toBe('You bought 100 GLD for 50 SLV')
    expect(taker.ended).toBe('block #18, ~1m\u00a000s ago')
    // The head not past it yet (this node saw the end first): no time in the future.
    expect(view(at(swap('maker', 'Completed', null, {}), 21n), 20n).ended).toBe('block #21, ~0s ago')
  })

  test('a refund is dated as well; its title keeps saying what the trade was for', () => {
    const refunded = view(at(swap('maker', 'MakerLocked', 'Refunded', {}), 53n), 60n)
    expect(refunded.title).toBe('You sell 100 GLD for 50 SLV')
    expect(refunded.ended).toBe('block #53, ~14s ago')
  })

  test('no date while the trade runs, nor for an end the node decided (no block to name)', () => {
    expect(view(at(swap('maker', 'TakerLocked', null, {}), 15n), 20n).ended).toBeNull()
    expect(view(at(swap('maker', 'Open', 'Cancelled', {}), null), 20n).ended).toBeNull()
  })
})

describe('the note after taking an offer', () => {
  test('says to follow the trade until its swap is listed and while it runs, and goes once it finished', () => {
    const note = 'Offer taken: follow the swap in My trades below.'
    const other = { ...swap('taker', 'Completed', null, {}), id: id(9) }
    expect(takenOfferNote(id(1), [])).toBe(note)
    expect(takenOfferNote(id(1), [other])).toBe(note)
    expect(takenOfferNote(id(1), [other, swap('taker', 'MakerLocked', null, {})])).toBe(note)
    expect(takenOfferNote(id(1), [swap('taker', 'Completed', null, {})])).toBeNull()
    expect(takenOfferNote(id(1), [swap('taker', 'TakerLocked', 'Refunded', {})])).toBeNull()
    expect(takenOfferNote(id(1), [swap('taker', 'Accepted', 'Expired', {})])).toBeNull()
  })
})

describe('a running trade this tab lost the approval of', () => {
  // The maker at block #20: the taker's lock (mined at 15) has its 2 confirmations, the redeem is next.
  const lost = (s: MarketSwap): MarketSwap => ({ ...s, approved: false })
  const maker = swap('maker', 'TakerLocked', null, { maker: makerLock(), taker: takerLock() })

  test("asks for it to be approved again where the node would sign, and shows the trade's terms to check", () => {
    const refused = {
      ...lost(maker),
      error: "the wallet did not give the swap's secret: this tab did not approve this swap",
    }
    const v = view(refused, 20n, true)
    expect(v.next).toEqual({
      needsYou: true,
      text: 'Approve this trade again (below) to let your node sign the transaction that collects 50 SLV.',
    })
    // The refusal is what the approval notice explains: no alert repeats it.
    expect(v.problem).toBeNull()
    expect(v.reapprove).toEqual({
      text: 'This tab lost your approval of this trade (its saved copy could not be read), so your node will not sign its steps. Check the trade and approve it again to let it go on.',
      give: '100 GLD',
      get: '50 SLV',
      counterparty: BOB,
      counterpartyRole: 'the taker',
      timelocks:
        "your lock can be taken back 40 blocks (~1m\u00a020s) after it is mined; the taker's after 16 blocks (~32s)",
      note: 'Approving lets this tab sign each step left of this trade for exactly these amounts without asking again (locking yours, collecting theirs, taking yours back if it stops half-way), and use your secret to collect theirs.',
    })
    // The taker's side: what it gives and gets the other way round, the maker named.
    const taker = view(lost(swap('taker', 'MakerLocked', null, { maker: makerLock() })), 20n, true)
    expect(taker.reapprove).toMatchObject({
      give: '50 SLV',
      get: '100 GLD',
      counterparty: ALICE,
      counterpartyRole: 'the maker',
      timelocks:
        "your lock can be taken back 16 blocks (~32s) after it is mined; the maker's after 40 blocks (~1m\u00a020s)",
    })
    expect(taker.reapprove?.note).not.toContain('secret')
    expect(taker.next).toEqual({
      needsYou: true,
      text: 'Approve this trade again (below) to let your node sign the lock of 50 SLV.',
    })
  })

  test('a locked wallet is unlocked first; an approved or finished trade has nothing to approve', () => {
    const locked = view(lost(maker), 20n, false)
    expect(locked.next.text).toBe('Unlock your wallet to sign the transaction that collects 50 SLV.')
    expect(locked.reapprove?.text).toMatch(/Unlock your wallet, then check the trade and approve it again/)
    expect(view(maker, 20n, true).reapprove).toBeNull()
    expect(view(maker, 20n, true).next.needsYou).toBe(false)
    expect(view(lost(swap('maker', 'SecretRevealed', 'Completed', {})), 20n, true).reapprove).toBeNull()
  })
})

describe('quietTradesNote', () => {
  test('nothing while the chain moves; standing still, that trades wait for blocks and who can mine them', () => {
    expect(quietTradesNote(null, true)).toBeNull()
    expect(quietTradesNote(25_000, true)).toBe(
      'No new block for 25s, here or from the peers: your trades move on only as blocks are mined. Turn on Mining on the home screen to mine them here, or wait for a tab that mines.',
    )
    // A light tab, or one already mining, cannot start a miner of its own.
    expect(quietTradesNote(25_000, false)).toBe(
      'No new block for 25s, here or from the peers: your trades move on only as blocks are mined. They move on once a tab that mines is linked to this one.',
    )
  })
})
