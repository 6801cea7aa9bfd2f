import { describe, expect, test } from 'vitest'
import { NetError, requestFailed } from '../../../src/node/network/errors'
import { StateError, type StateErrorType } from '../../../src/node/state/errors'
import { SyncError, type SyncErrorType } from '../../../src/node/sync/errors'

/**
 * A network error's message is what a light tab shows as why a read is not verified ("no peer proved …:
 * <peer>: <message>"): a sentence, never the bare code and its fields.
 */
describe('network error messages', () => {
  test('a failed request, a timeout, a missing link and the rest say what happened in words', () => {
    const refused = new SyncError({ code: 'SYNC_NOT_HELD', what: 'x', from: 1n }, 'not held here')
    const failed = requestFailed('12D3KooWPeer', '/tabchain/1/sync-receipts/2.0.0', refused)
    expect(failed.message).toBe(
      '12D3KooWPeer failed the request /tabchain/1/sync-receipts/2.0.0: not held here',
    )
    // The peer's typed error stays in the type for code to read.
    expect(failed.type).toMatchObject({ code: 'NET_REQUEST_FAILED', remote: { code: 'SYNC_NOT_HELD' } })
    const messages = [
      new NetError({ code: 'NET_TIMEOUT', peerId: 'P', protocol: '/p/1', timeoutMs: 2_000 }),
      new NetError({ code: 'NET_NO_DIRECT_LINK', peerId: 'P' }),
      new NetError({ code: 'NET_MESSAGE_TOO_LARGE', size: 10, max: 5 }),
      new NetError({ code: 'NET_NOT_STARTED' }),
      new NetError({ code: 'NET_NO_PEERS', topic: 't' }),
      new NetError({ code: 'NET_RELAY_BUSY', retryAfterMs: 1_500 }),
    ].map((e) => e.message)
    expect(messages).toEqual([
      'P did not answer /p/1 within 2 s',
      'no direct link to P',
      'a message of 10 bytes is over the limit of 5',
      'the network is not started',
      'no peer took the message on t',
      'the relay is busy: it is asked again in 2 s',
    ])
  })

  test("a peer's sync or state refusal inside a failed request reads in words: a light tab shows it as why a read is not verified", () => {
    /** A bare code (`SYNC_NOT_HELD`) or `describeType`'s fields (`(from=…`): not words. */
    const raw = /[A-Z]{2,}_[A-Z_]+|\(\w+=/
    const sync: SyncErrorType[] = [
      { code: 'SYNC_MALFORMED', what: 'headers request', reason: 'count is zero' },
      { code: 'SYNC_REQUEST_TOO_LARGE', what: 'blocks request', asked: 300, max: 128 },
      { code: 'SYNC_RESPONSE_TOO_LARGE', size: 20_000_000, max: 16_000_000 },
      { code: 'SYNC_RATE_LIMITED', peerId: '12D3KooWLight', retryInMs: 1_500 },
      { code: 'SYNC_NOT_HELD', what: 'headers', from: 5n },
    ]
    const state: StateErrorType[] = [
      { code: 'STATE_BAD_PROOF', reason: 'root mismatch' },
      { code: 'STATE_MISSING_NODE', hash: `0x${'ab'.repeat(32)}` },
      { code: 'STATE_MISSING_NODE', hash: `0x${'ab'.repeat(32)}`, key: 'account:0x01' },
      { code: 'STATE_CORRUPT', reason: 'undecodable tree node' },
    ]
    for (const refusal of [...sync.map((t) => new SyncError(t)), ...state.map((t) => new StateError(t))]) {
      const shown = requestFailed('12D3KooWPeer', '/tabchain/1/sync-proofs/2.0.0', refusal)
      expect(shown.message, refusal.type.code).not.toMatch(raw)
      expect(shown.type).toMatchObject({ remote: { code: refusal.type.code } })
    }
    expect(new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: 'L', retryInMs: 1_500 }).message).toBe(
      'too many requests from L: asked again in 2 s',
    )
  })
})
