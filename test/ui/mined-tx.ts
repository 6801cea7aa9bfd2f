import { getAddress } from 'viem'
import type { TxView } from '../../src/node/worker/queries'

/**
 * A transaction as the node's queries show one mined with success: a plain call of nothing from
 * 0xaa…aa to 0xbb…bb, its hash 0xab…ab, at index 0 of block #10 (mined at 1,700,000,000,000 ms since
 * epoch), one confirmation; `fields` replace any.
 */
export const minedTx = (fields: Partial<TxView> = {}): TxView => ({
  hash: `0x${'ab'.repeat(32)}`,
  raw: '0x',
  from: getAddress(`0x${'aa'.repeat(20)}`),
  to: getAddress(`0x${'bb'.repeat(20)}`),
  value: 0n,
  nonce: 0n,
  gas: 21_000n,
  maxFeePerGas: 1n,
  maxPriorityFeePerGas: 1n,
  input: '0x',
  state: 'mined',
  blockHash: `0x${'cd'.repeat(32)}`,
  blockNumber: 10n,
  index: 0,
  blockTimestamp: 1_700_000_000_000n,
  confirmations: 1n,
  status: 'success',
  ...fields,
})
