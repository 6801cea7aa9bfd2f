import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { SwapError } from '../../../src/trade/swap/errors'
import {
  foldSwap,
  SWAP_STATES,
  type SwapEvent,
  type SwapEventKind,
  type SwapRole,
  type SwapState,
  transition,
} from '../../../src/trade/swap/state'
import type { SwapTerms } from '../../../src/trade/swap/terms'

const ID: Hex = `0x${'11'.repeat(32)}`
const terms = {} as SwapTerms

const sample: Record<SwapEventKind, SwapEvent> = {
  opened: { kind: 'opened', offerId: ID },
  accepted: { kind: 'accepted', terms, role: 'taker' },
  cancelled: { kind: 'cancelled', reason: { code: 'WITHDRAWN' } },
  expired: { kind: 'expired', reason: { code: 'NO_MAKER_LOCK' } },
  sent: { kind: 'sent', purpose: 'lock', lockId: null, txs: [], height: 5n },
  makerLocked: { kind: 'makerLocked', lockId: ID, height: 6n },
  takerLocked: { kind: 'takerLocked', lockId: ID, height: 7n },
  secretRevealed: { kind: 'secretRevealed', preimage: ID, height: 8n },
  completed: { kind: 'completed', height: 9n },
  refunded: { kind: 'refunded', lockId: ID, height: 10n },
  missed: { kind: 'missed', lockId: ID, height: 11n },
}

/** Every legal move, written out by hand (the table in the source must agree, entry for entry). */
const LEGAL: Record<SwapRole, readonly [SwapState | 'Start', SwapEventKind, SwapState][]> = {
  maker: [
    ['Start', 'opened', 'Open'],
    ['Open', 'accepted', 'Accepted'],
    ['Open', 'cancelled', 'Cancelled'],
    ['Open', 'expired', 'Expired'],
    ['Accepted', 'cancelled', 'Cancelled'],
    ['Accepted', 'expired', 'Expired'],
    ['Accepted', 'sent', 'Accepted'],
    ['Accepted', 'makerLocked', 'MakerLocked'],
    ['MakerLocked', 'sent', 'MakerLocked'],
    ['MakerLocked', 'takerLocked', 'TakerLocked'],
    ['MakerLocked', 'refunded', 'Refunded'],
    ['TakerLocked', 'sent', 'TakerLocked'],
    ['TakerLocked', 'secretRevealed', 'SecretRevealed'],
    ['TakerLocked', 'refunded', 'Refunded'],
    ['SecretRevealed', 'sent', 'SecretRevealed'],
    ['SecretRevealed', 'completed', 'Completed'],
    ['SecretRevealed', 'refunded', 'Refunded'],
    ['SecretRevealed', 'missed', 'Expired'],
  ],
  taker: [
    ['Start', 'accepted', 'Accepted'],
    ['Accepted', 'cancelled', 'Cancelled'],
    ['Accepted', 'expired', 'Expired'],
    ['Accepted', 'sent', 'Accepted'],
    ['Accepted', 'makerLocked', 'MakerLocked'],
    ['MakerLocked', 'cancelled', 'Cancelled'],
    ['MakerLocked', 'expired', 'Expired'],
    ['MakerLocked', 'sent', 'MakerLocked'],
    ['MakerLocked', 'takerLocked', 'TakerLocked'],
    ['TakerLocked', 'sent', 'TakerLocked'],
    ['TakerLocked', 'secretRevealed', 'SecretRevealed'],
    ['TakerLocked', 'refunded', 'Refunded'],
    ['SecretRevealed', 'sent', 'SecretRevealed'],
    ['SecretRevealed', 'completed', 'Completed'],
    ['SecretRevealed', 'refunded', 'Refunded'],
    ['SecretRevealed', 'missed', 'Expired'],
  ],
}

const FROM: readonly (SwapState | 'Start')[] = ['Start', ...SWAP_STATES]
const KINDS = Object.keys(sample) as SwapEventKind[]

describe('order state machine', () => {
  for (const role of ['maker', 'taker'] as const) {
    const legal = new Map(LEGAL[role].map(([from, kind, to]) => [`${from}/${kind}`, to]))
    it(`${role}: each of the ${LEGAL[role].length} legal transitions moves to its state`, () => {
      for (const [from, kind, to] of LEGAL[role])
        expect(transition(role, from, sample[kind]), `${from} ${kind}`).toBe(to)
    })
    it(`${role}: every other (state, event) pair is refused with SWAP_ILLEGAL_TRANSITION`, () => {
      let refused = 0
      for (const from of FROM) {
        for (const kind of KINDS) {
          if (legal.has(`${from}/${kind}`)) continue
          let error: unknown
          try {
            transition(role, from, sample[kind])
          } catch (e) {
            error = e
          }
          expect(error, `${from} ${kind}`).toBeInstanceOf(SwapError)
          expect((error as SwapError).type).toEqual({
            code: 'SWAP_ILLEGAL_TRANSITION',
            role,
            from,
            event: kind,
          })
          refused++
        }
      }
      expect(refused).toBe(FROM.length * KINDS.length - LEGAL[role].length)
    })
  }

  it('ends are final and nothing moves backwards', () => {
    for (const end of ['Completed', 'Cancelled', 'Expired', 'Refunded'] as const) {
      for (const kind of KINDS) expect(() => transition('maker', end, sample[kind])).toThrow(SwapError)
    }
    expect(() => transition('taker', 'TakerLocked', sample.makerLocked)).toThrow(SwapError)
    expect(() => transition('maker', 'Accepted', sample.opened)).toThrow(SwapError)
  })

  it('the fold runs stored decisions then chain facts, records the height of each step, and stops at an end', () => {
    const status = foldSwap(
      'taker',
      [sample.accepted, sample.sent],
      [sample.makerLocked, sample.takerLocked, sample.secretRevealed, sample.completed],
    )
    expect(status.state).toBe('Completed')
    expect(status.steps).toEqual([
      { state: 'Accepted', height: null },
      { state: 'MakerLocked', height: 6n },
      { state: 'TakerLocked', height: 7n },
      { state: 'SecretRevealed', height: 8n },
      { state: 'Completed', height: 9n },
    ])
    // A taker that gave up keeps its end even if the maker's lock shows up later.
    expect(foldSwap('taker', [sample.accepted, sample.expired], [sample.makerLocked]).state).toBe('Expired')
    // A stored history that breaks the machine is an error, not a state.
    expect(() => foldSwap('maker', [sample.accepted], [])).toThrow(SwapError)
    expect(() => foldSwap('taker', [], [])).toThrow(SwapError)
  })
})
