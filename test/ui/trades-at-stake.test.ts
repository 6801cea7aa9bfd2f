import { describe, expect, test } from 'vitest'
import { tradesAtStakeNote } from '../../src/ui/trades-at-stake'

describe("the header's note on trades with coins at stake", () => {
  test('none at stake: nothing', () => {
    expect(tradesAtStakeNote(0, true)).toBeNull()
    expect(tradesAtStakeNote(0, false)).toBeNull()
  })

  test('a trade at stake with the wallet unlocked: the tab must stay open', () => {
    expect(tradesAtStakeNote(1, true)).toEqual({
      label: '1 trade running: keep this tab open',
      title:
        'Your node collects what you receive, or takes your side back, by itself while this tab is open. See My trades on the Market screen.',
    })
    expect(tradesAtStakeNote(2, true)?.label).toBe('2 trades running: keep this tab open')
  })

  test('a trade at stake with the wallet locked (a tab come back mid-trade): unlock it, the node cannot sign before', () => {
    expect(tradesAtStakeNote(1, false)).toEqual({
      label: '1 trade running: unlock your wallet',
      title:
        'Your node can collect what you receive, or take your side back, only while the wallet is unlocked, in this open tab. See My trades on the Market screen.',
    })
  })

  test('with the wallet locked, its tooltip says first why it is locked, as the Unlock form does: a trade left running reads why it now needs you', () => {
    const idleMs = 15 * 60_000
    const note = tradesAtStakeNote(1, false, { reason: 'idle', idleMs })
    expect(note?.label).toBe('1 trade running: unlock your wallet')
    expect(note?.title).toBe(
      'Your wallet locked after 15 minutes without use. Your node can collect what you receive, or take your side back, only while the wallet is unlocked, in this open tab. See My trades on the Market screen.',
    )
    expect(tradesAtStakeNote(1, false, { reason: 'user', idleMs })?.title).toMatch(
      /^You locked your wallet\. /,
    )
    expect(tradesAtStakeNote(1, false, { reason: 'load', idleMs })?.title).toMatch(
      /^Your wallet locks each time this page loads or reloads, and after 15 minutes without use\. /,
    )
  })
})
