import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { SwapInfo } from '../../../src/node/worker/swap-service'
import type { SwapState } from '../../../src/trade/swap/state'
import { atStake, startLeaveGuard } from '../../../src/ui/market/leave-guard'
import type { NodeEventSource } from '../../../src/ui/market/node-source'

/** A swap of `role` in `state`: only what the guard reads. */
const swap = (id: string, role: 'maker' | 'taker', state: SwapState): SwapInfo =>
  ({ swapId: id as Hex, role, status: { state } }) as unknown as SwapInfo

/** Whether the page's `beforeunload` is refused (the browser then asks before leaving). */
const asks = (target: EventTarget): boolean => {
  const event = new Event('beforeunload', { cancelable: true })
  target.dispatchEvent(event)
  return event.defaultPrevented
}

describe('leaving a tab with a trade at stake', () => {
  test('a party has coins at stake from its own lock (the taker: its lock, then the redeem it owes) until the swap ends', () => {
    const staked = (role: 'maker' | 'taker') =>
      (
        ['Open', 'Accepted', 'MakerLocked', 'TakerLocked', 'SecretRevealed', 'Completed', 'Refunded'] as const
      ).filter((state) => atStake(swap('0x1', role, state)))
    expect(staked('maker')).toEqual(['MakerLocked', 'TakerLocked', 'SecretRevealed'])
    expect(staked('taker')).toEqual(['TakerLocked', 'SecretRevealed'])
  })

  test('the tab asks before leaving while a swap the node resumed or moved has coins at stake, and no longer once it ends', async () => {
    const listeners: ((info: SwapInfo) => void)[] = []
    const on = ((event: string, listener: (info: SwapInfo) => void) => {
      if (event === 'swap') listeners.push(listener)
      return () => {}
    }) as NodeEventSource
    const target = new EventTarget()
    let resumed: (swaps: SwapInfo[]) => void = () => {}
    // What the header is told: how many swaps have coins at stake, at each move.
    const told: number[] = []
    startLeaveGuard({
      api: { swaps: () => new Promise((r) => (resumed = r)) },
      on,
      target,
      onChange: (count) => told.push(count),
    })
    expect(asks(target)).toBe(false)
    // The node resumed a maker's swap with its lock out, and an offer nobody took.
    resumed([swap('0xa', 'maker', 'MakerLocked'), swap('0xb', 'maker', 'Open')])
    await Promise.resolve()
    expect(asks(target)).toBe(true)
    for (const l of listeners) l(swap('0xa', 'maker', 'Completed'))
    expect(asks(target)).toBe(false)
    // A taker's lock: at stake until its redeem completes the swap.
    for (const l of listeners) l(swap('0xc', 'taker', 'TakerLocked'))
    expect(asks(target)).toBe(true)
    for (const l of listeners) l(swap('0xc', 'taker', 'Refunded'))
    expect(asks(target)).toBe(false)
    expect(told).toEqual([1, 0, 1, 0])
  })

  test('an event newer than the resumed list is kept over it', async () => {
    const listeners: ((info: SwapInfo) => void)[] = []
    const on = ((_event: string, listener: (info: SwapInfo) => void) => {
      listeners.push(listener)
      return () => {}
    }) as NodeEventSource
    const target = new EventTarget()
    let resumed: (swaps: SwapInfo[]) => void = () => {}
    startLeaveGuard({ api: { swaps: () => new Promise((r) => (resumed = r)) }, on, target })
    for (const l of listeners) l(swap('0xa', 'maker', 'Completed'))
    resumed([swap('0xa', 'maker', 'TakerLocked')])
    await Promise.resolve()
    expect(asks(target)).toBe(false)
  })
})
