import { describe, expect, test } from 'vitest'
import { TxError, type TxErrorType } from '../../../src/node/chain/tx-error'
import { MempoolError, type MempoolErrorType } from '../../../src/node/mempool/errors'

/** A bare code (`MEMPOOL_NONCE_TOO_LOW`) or `describeType`'s fields (`(expected=…`): not words. */
const RAW = /[A-Z]{2,}_[A-Z_]+|\(\w+=/

/**
 * A refusal's message is what the wallet's send, the Tokens screen's "Failed: …" and the market's swap
 * error line show: a sentence, never the bare code and its fields (the code stays in `type`).
 */
describe('refusal messages', () => {
  test('every pool refusal says what happened in words', () => {
    const H = `0x${'ab'.repeat(32)}` as const
    const types: MempoolErrorType[] = [
      { code: 'MEMPOOL_TX_TOO_LARGE', size: 200_000, max: 131_072 },
      { code: 'MEMPOOL_MALFORMED', reason: 'undecodable' },
      { code: 'MEMPOOL_INVALID_TX', txCode: 'TX_HIGH_S', reason: 'signature s value is above n/2 (EIP-2)' },
      { code: 'MEMPOOL_WRONG_CHAIN', expected: 1337, got: 1 },
      { code: 'MEMPOOL_FEE_TOO_LOW', maxFeePerGas: 1n, floor: 7n },
      { code: 'MEMPOOL_TIP_ABOVE_FEE', maxPriorityFeePerGas: 9n, maxFeePerGas: 8n },
      { code: 'MEMPOOL_BAD_GAS', gas: 1n, min: 21_000n, max: 30_000_000n },
      { code: 'MEMPOOL_KNOWN', hash: H },
      { code: 'MEMPOOL_UNDERPRICED', tip: 1n, lowest: 2n },
      { code: 'MEMPOOL_BAD_SIGNATURE', reason: 'no public key recovers' },
      { code: 'MEMPOOL_NONCE_TOO_LOW', expected: 3n, got: 2n },
      { code: 'MEMPOOL_NONCE_TOO_HIGH', expected: 3n, got: 40n, window: 16 },
      { code: 'MEMPOOL_NONCE_GAP', expected: 3n, got: 5n },
      { code: 'MEMPOOL_INSUFFICIENT_FUNDS', need: 10n, have: 9n },
      { code: 'MEMPOOL_REPLACEMENT_UNDERPRICED', nonce: 3n, minMaxFee: 11n, minTip: 2n },
    ]
    for (const type of types) {
      const err = new MempoolError(type)
      expect(err.message, type.code).not.toMatch(RAW)
      expect(err.type).toBe(type)
    }
    expect(new MempoolError({ code: 'MEMPOOL_NONCE_TOO_LOW', expected: 3n, got: 2n }).message).toBe(
      'nonce 2 is already used: the account is at nonce 3',
    )
  })

  test('every transaction refusal says what happened in words', () => {
    const types: TxErrorType[] = [
      { code: 'TX_TOO_LARGE', size: 200_000, max: 131_072 },
      { code: 'TX_MALFORMED', reason: 'empty' },
      { code: 'TX_TYPE_UNSUPPORTED', type: 1 },
      { code: 'TX_ACCESS_LIST_UNSUPPORTED' },
      { code: 'TX_CONTRACT_CREATION' },
      { code: 'TX_WRONG_CHAIN', expected: 1337, got: 1n },
      { code: 'TX_HIGH_S' },
      { code: 'TX_BAD_SIGNATURE', reason: 'r and s must be in [1, n-1]' },
      { code: 'TX_GAS_LIMIT_EXCEEDED', limit: 30_000_000n, got: 40_000_000n },
      { code: 'TX_INTRINSIC_GAS_TOO_LOW', need: 21_000n, got: 1n },
      { code: 'TX_TIP_ABOVE_FEE_CAP', maxPriorityFeePerGas: 9n, maxFeePerGas: 8n },
      { code: 'TX_FEE_CAP_TOO_LOW', maxFeePerGas: 1n, baseFeePerGas: 7n },
      { code: 'TX_NONCE_TOO_LOW', expected: 3n, got: 2n },
      { code: 'TX_NONCE_TOO_HIGH', expected: 3n, got: 4n },
      { code: 'TX_INSUFFICIENT_FUNDS', need: 10n, have: 9n },
    ]
    for (const type of types) {
      const err = new TxError(type)
      expect(err.message, type.code).not.toMatch(RAW)
      expect(err.type).toBe(type)
    }
  })
})
