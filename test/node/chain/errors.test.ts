import { describe, expect, test } from 'vitest'
import { BlockError, type BlockErrorType } from '../../../src/node/chain/block-error'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { ExecutionError, type ExecutionErrorType } from '../../../src/node/chain/execute-error'
import { GenesisError, testGenesis, validateGenesis } from '../../../src/node/chain/genesis'

/** A bare code (`BLOCK_BAD_GENESIS`) or `describeType`'s fields (`(expected=…`): not words. */
const RAW = /[A-Z]{2,}_[A-Z_]+|\(\w+=/

const H = `0x${'ab'.repeat(32)}` as const
const G = `0x${'cd'.repeat(32)}` as const

/**
 * A refused block's message is what the node's failed screen shows of a start whose store holds another
 * chain, and what a failed upgrade and a light tab's header sync carry as why: a sentence, never the
 * bare code and its fields (the code stays in `type`).
 */
describe('block, execution and genesis error messages', () => {
  test('every refusal of a header or block says what happened in words', () => {
    const types: BlockErrorType[] = [
      { code: 'BLOCK_MALFORMED', reason: 'empty input' },
      { code: 'BLOCK_TOO_LARGE', size: 3_000_000, max: 2_097_152 },
      { code: 'BLOCK_FUTURE', timestamp: 10_000n, now: 1_000n, tolerance: 5_000n },
      { code: 'BLOCK_UNKNOWN_PARENT', parentHash: H },
      { code: 'BLOCK_BAD_NUMBER', expected: 5n, got: 7n },
      { code: 'BLOCK_BAD_TIMESTAMP', parent: 1_000n, got: 1_000n, minGap: 1n },
      { code: 'BLOCK_BAD_DIFFICULTY', expected: 100n, got: 99n },
      { code: 'BLOCK_INSUFFICIENT_WORK', hash: H },
      { code: 'BLOCK_BAD_GAS_LIMIT', expected: 30_000_000n, got: 1n },
      { code: 'BLOCK_BAD_GAS_USED', expected: 21_000n, got: 42_000n },
      { code: 'BLOCK_BAD_BASE_FEE', expected: 7n, got: 8n },
      { code: 'BLOCK_BAD_TX_ROOT', expected: H, got: G },
      { code: 'BLOCK_BAD_STATE_ROOT', expected: H, got: G },
      { code: 'BLOCK_BAD_RECEIPTS_ROOT', expected: H, got: G },
      { code: 'BLOCK_BAD_LOGS_BLOOM' },
      { code: 'BLOCK_DUPLICATE_TX', index: 2, hash: H },
      {
        code: 'BLOCK_INVALID_TX',
        index: 1,
        txCode: 'TX_NONCE_TOO_LOW',
        reason: 'nonce too low: nonce 2 is already used, the account is at nonce 3',
      },
      { code: 'BLOCK_GAS_LIMIT_EXCEEDED', index: 4, gasLimit: 30_000_000n, need: 30_021_000n },
      { code: 'BLOCK_BAD_GENESIS', expected: H, got: G },
      { code: 'BLOCK_REORG_TOO_DEEP', depth: 40, max: 32 },
      { code: 'BLOCK_NOT_ADOPTABLE', reason: 'the chain already reaches as far' },
    ]
    for (const type of types) {
      const err = new BlockError(type)
      expect(err.message, type.code).not.toMatch(RAW)
      expect(err.type).toBe(type)
    }
    expect(new BlockError({ code: 'BLOCK_REORG_TOO_DEEP', depth: 40, max: 32 }).message).toBe(
      'a reorganisation 40 blocks deep is past the limit of 32',
    )
  })

  test("a start on a store that holds another chain's blocks fails with why in words: the node's failed screen shows it", () => {
    const store = new MemoryChainStore()
    new Chain({ genesis: testGenesis({ timestamp: testGenesis().timestamp + 1n }), store })
    let thrown: unknown
    try {
      new Chain({ genesis: testGenesis(), store })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(BlockError)
    const err = thrown as BlockError
    expect(err.type.code).toBe('BLOCK_BAD_GENESIS')
    expect(err.message).toMatch(/^genesis 0x[0-9a-f]{64} is not this chain's genesis, 0x[0-9a-f]{64}$/)
  })

  test("every block execution failure says what happened in words, the transaction's refusal included", () => {
    const types: ExecutionErrorType[] = [
      {
        code: 'BLOCK_INVALID_TX',
        index: 1,
        hash: H,
        reason: { code: 'TX_NONCE_TOO_LOW', expected: 3n, got: 2n },
      },
      { code: 'BLOCK_GAS_LIMIT_EXCEEDED', index: 4, gasLimit: 30_000_000n, need: 30_021_000n },
    ]
    for (const type of types) {
      const err = new ExecutionError(type)
      expect(err.message, type.code).not.toMatch(RAW)
      expect(err.type).toBe(type)
    }
    expect(new ExecutionError(types[0] as ExecutionErrorType).message).toBe(
      `transaction 1 (${H}) is invalid: nonce too low: nonce 2 is already used, the account is at nonce 3`,
    )
  })

  test('an invalid genesis names its field in words, made by the type alone as by validation', () => {
    const type = { code: 'GENESIS_INVALID', field: 'alloc', reason: 'must be an array' } as const
    expect(new GenesisError(type).message).toBe('invalid genesis: alloc must be an array')
    expect(() => validateGenesis({ ...testGenesis(), alloc: 7 })).toThrow(new GenesisError(type).message)
  })
})
