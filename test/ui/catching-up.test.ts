import { afterEach, describe, expect, test } from 'vitest'
import type { NetworkSnapshot } from '../../src/node/network/types'
import { catchingUp, toldHeadCount, useApp } from '../../src/ui/store'

const initial = useApp.getState()
afterEach(() => useApp.setState(initial, true))

/** A network snapshot with these direct peers (only `peers` is read). */
const linked = (...ids: string[]) =>
  ({ peers: ids.map((peerId) => ({ peerId, kind: 'direct' })) }) as unknown as NetworkSnapshot

describe('catchingUp', () => {
  test('linked, the node catches up until a direct peer has told its head, and while it syncs or executes', () => {
    expect(catchingUp(useApp.getState())).toBe(false)
    useApp.setState({ network: linked('A', 'B'), mode: { kind: 'full' } })
    expect(catchingUp(useApp.getState())).toBe(true)
    // A peer that is not (or no longer) linked directly tells nothing of this tab's links.
    useApp.setState({ headsTold: new Map([['C', 0n]]) })
    expect(toldHeadCount(useApp.getState())).toBe(0)
    expect(catchingUp(useApp.getState())).toBe(true)
    useApp.setState({ headsTold: new Map([['B', 0n]]) })
    expect(toldHeadCount(useApp.getState())).toBe(1)
    expect(catchingUp(useApp.getState())).toBe(false)
    // One that told a head past the one shown: before the sync it starts has moved the head.
    useApp.setState({ headsTold: new Map([['B', 1_101n]]) })
    expect(catchingUp(useApp.getState())).toBe(true)
    useApp.setState({ headsTold: new Map([['B', 0n]]) })
    useApp.setState({ syncing: { startingBlock: 0n, currentBlock: 3n, highestBlock: 9n } })
    expect(catchingUp(useApp.getState())).toBe(true)
    useApp.setState({ syncing: false, mode: { kind: 'upgrading', percent: 80 } })
    expect(catchingUp(useApp.getState())).toBe(true)
    useApp.setState({ mode: { kind: 'light', catchingUp: true } })
    expect(catchingUp(useApp.getState())).toBe(true)
    useApp.setState({ mode: { kind: 'light' } })
    expect(catchingUp(useApp.getState())).toBe(false)
    // Alone, its own chain is all it goes by.
    useApp.setState({ network: linked(), headsTold: new Map(), mode: { kind: 'upgrading', percent: 80 } })
    expect(catchingUp(useApp.getState())).toBe(false)
  })
})
