import { describe, expect, test } from 'vitest'
import type { SwapRole, SwapState } from '../../src/trade/swap/state'
import { tradesAtStakeNote } from '../../src/ui/trades-at-stake'

const swap = (role: SwapRole, state: SwapState) => ({ role, state, steps: [] })

describe("the header's note on trades with coins at stake", () => {
  test('none at stake (none yet, not locked yet, finished, or the maker waiting on a taker who locked nothing): nothing', () => {
    expect(tradesAtStakeNote([], true)).toBeNull()
    expect(
      tradesAtStakeNote(
        [
          swap('maker', 'Accepted'),
          swap('taker', 'MakerLocked'),
          swap('maker', 'Completed'),
          swap('taker', 'Refunded'),
        ],
        false,
      ),
    ).toBeNull()
  })

  test('a trade at stake with the wallet unlocked: the tab must stay open', () => {
    expect(tradesAtStakeNote([swap('maker', 'MakerLocked'), swap('taker', 'Completed')], true)).toEqual({
      label: '1 trade running: keep this tab open',
      title:
        'Your node redeems or refunds your side itself while this tab is open. See My trades on the Market screen.',
    })
    expect(
      tradesAtStakeNote([swap('taker', 'TakerLocked'), swap('maker', 'SecretRevealed')], true)?.label,
    ).toBe('2 trades running: keep this tab open')
  })

  test('a trade at stake with the wallet locked (a tab come back mid-trade): unlock it, the node cannot sign before', () => {
    expect(tradesAtStakeNote([swap('maker', 'MakerLocked')], false)).toEqual({
      label: '1 trade running: unlock your wallet',
      title:
        'Your node can sign its redeem or refund only while the wallet is unlocked, in this open tab. See My trades on the Market screen.',
    })
  })
})
