import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { openLocksRefresher, type SwapLocksReads } from '../../src/ui/open-locks-refresher'
import type { OpenLocksView } from '../../src/wallet/open-locks'
import { appHeadAt, slowFirstReceipt } from './app-head'

const ME = '0x1111111111111111111111111111111111111111' as Address
const OTHER = '0x2222222222222222222222222222222222222222' as Address

/** Reads of a chain with no lock, whose own swaps list (`swaps`) the test gives. */
const reads = (swaps: SwapLocksReads['swaps']): SwapLocksReads => ({
  logs: async () => [],
  blocksFrom: async () => 0n,
  verifiedHtlc: async () => ({ value: null }),
  verifiedToken: async () => ({ value: null }),
  swaps,
})

/** A refresher over `over` whose views land in the returned `shown`, the account selected being `selected.now`. */
const panel = (over: SwapLocksReads, selected: { now: Address }) => {
  const shown: { view: OpenLocksView | null } = { view: null }
  const refresh = openLocksRefresher(
    over,
    () => selected.now,
    (next) => {
      shown.view = next(shown.view)
    },
  )
  return { refresh, shown }
}

describe("the Wallet's Swap locks panel refresh", () => {
  test('asks during a slow read wait for it and make one more read, at the newest head: never two at once, never an older answer last', async () => {
    const slow = slowFirstReceipt(() => [])
    const { refresh, shown } = panel(reads(slow.receipt), { now: ME })
    await slow.askDuringSlowRead(refresh)
    expect(slow.count).toEqual({ reads: 2, together: 1 })
    expect(shown.view).toMatchObject({ account: ME, at: 13n, rows: [] })
  })

  test('another account selected during a read is read when it ends', async () => {
    const selected = { now: ME }
    const slow = slowFirstReceipt(() => [])
    const { refresh, shown } = panel(reads(slow.receipt), selected)
    await slow.askDuringSlowRead(async () => {
      if (slow.count.reads === 1) selected.now = OTHER
      await refresh()
    })
    expect(shown.view).toMatchObject({ account: OTHER, at: 13n })
  })

  test('a failed read keeps the rows last read, saying why it could not read them again', async () => {
    appHeadAt(20)
    let fail = false
    const { refresh, shown } = panel(
      {
        ...reads(async () => []),
        logs: async () => {
          if (fail) throw new Error('no peer proved it')
          return []
        },
      },
      { now: ME },
    )
    await refresh()
    fail = true
    appHeadAt(21)
    await refresh()
    expect(shown.view).toMatchObject({ account: ME, at: 20n, rows: [], unread: 'no peer proved it' })
  })
})
